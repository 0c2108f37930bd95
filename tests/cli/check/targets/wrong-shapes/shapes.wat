;; World `shaper` of shapes.wit: the origin is at 0.
(module
  (memory (export "memory") 1)
  (func (export "test:api/shapes@1.0.0#origin") (result i32) (i32.const 0)))
