;; World `consumer` of consumer.wit: returns the origin's x.
(module
  (import "test:used/shapes" "origin" (func $origin (param i32)))
  (memory (export "memory") 1)
  (func (export "run") (result i32)
    (call $origin (i32.const 16))
    (i32.load (i32.const 16))))
