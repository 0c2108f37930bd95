;; FAIL: invoke % f
;; A call without parentheses to a function that takes an argument: the
;; message says what is missing, with no caret pointing past the text (a
;; one-letter name once made the offset arithmetic underflow).
(component
  (core module $m (func (export "f") (param i32) (result i32) (local.get 0)))
  (core instance $i (instantiate $m))
  (func (export "f") (param "x" u32) (result u32) (canon lift (core func $i "f"))))
