;; RUN: invoke % increment() increment() get() counter#increment() counter.get()
;; Calls share one instance, so state carries over from call to call.
(component
  (core module $m
    (global $count (mut i32) (i32.const 0))
    (func (export "increment") (result i32)
      (global.set $count (i32.add (global.get $count) (i32.const 1)))
      (global.get $count))
    (func (export "get") (result i32) (global.get $count)))
  (core instance $i (instantiate $m))
  (func $increment (result u32) (canon lift (core func $i "increment")))
  (func $get (result u32) (canon lift (core func $i "get")))
  (instance $counter (export "increment" (func $increment)) (export "get" (func $get)))
  (export "test:state/counter" (instance $counter))
)
