;; World `provider` of provider.wit: the origin is at 0.
(module
  (memory (export "memory") 1)
  (func (export "test:used/shapes#origin") (result i32) (i32.const 0)))
