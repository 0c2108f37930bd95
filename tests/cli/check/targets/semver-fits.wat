;; RUN: check targets % --wit tests/cli/check/targets/api.wit --world provider
;; Exports test:api/calc@1.3.0, which fits the world's @1.0.0.
(component
  (core module $m
    (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
  (core instance $i (instantiate $m))
  (func $add (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "add")))
  (instance $calc (export "add" (func $add)))
  (export "test:api/calc@1.3.0" (instance $calc))
)
