;; FAIL(1): invoke % get()
;; `get` is exported by two interfaces: the call must say which.
(component
  (core module $m (func (export "get") (result i32) (i32.const 1)))
  (core instance $i (instantiate $m))
  (func $get (result u32) (canon lift (core func $i "get")))
  (instance $a (export "get" (func $get)))
  (instance $b (export "get" (func $get)))
  (export "test:pick/a" (instance $a))
  (export "test:pick/b" (instance $b))
)
