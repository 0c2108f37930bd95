;; `bench:cross/callee`'s `id: func(x: u32) -> u32`, lifted sync.
(component
  (core module $m
    (func (export "id") (param i32) (result i32) (local.get 0)))
  (core instance $i (instantiate $m))
  (func $id (param "x" u32) (result u32) (canon lift (core func $i "id")))
  (instance $callee (export "id" (func $id)))
  (export "bench:cross/callee" (instance $callee)))
