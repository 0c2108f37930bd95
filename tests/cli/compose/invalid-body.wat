;; Not a test itself: a component that parses, but whose core function
;; returns an i64 where it promises an i32. Only validating function
;; bodies finds that, which weld does while it writes the result.
(component
  (core module $m
    (func (export "f") (result i32)
      i64.const 0))
  (core instance (instantiate $m))
  (type $t (instance))
)
