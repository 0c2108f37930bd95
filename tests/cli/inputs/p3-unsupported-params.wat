;; Async functions taking a `stream<u32>` (s) and a `future<u8>` (g), which
;; `weld invoke` cannot make: an error naming what it can, not a panic.
(component
  (type $s (stream u32))
  (type $f (future u8))
  (core module $m
    (import "" "ret" (func $ret))
    (func (export "f") (param i32) (result i32) (call $ret) (i32.const 0))
    (func (export "cb") (param i32 i32 i32) (result i32) unreachable))
  (core func $ret (canon task.return))
  (core instance $i (instantiate $m (with "" (instance (export "ret" (func $ret))))))
  (func (export "s") async (param "x" $s) (canon lift (core func $i "f") async (callback (func $i "cb"))))
  (func (export "g") async (param "x" $f) (canon lift (core func $i "f") async (callback (func $i "cb")))))
