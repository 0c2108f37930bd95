;; The counter provider (world `provider` of counter.wit), a core module
;; for `weld new`: each counter is 4 bytes of linear memory.
(module
  (import "[export]test:resources/counter" "[resource-new]counter"
    (func $new (param i32) (result i32)))
  (memory (export "memory") 1)
  (global $next (mut i32) (i32.const 16))
  (func (export "test:resources/counter#[constructor]counter")
    (param $start i32) (result i32)
    (local $rep i32)
    (local.set $rep (global.get $next))
    (global.set $next (i32.add (global.get $next) (i32.const 4)))
    (i32.store (local.get $rep) (local.get $start))
    (call $new (local.get $rep)))
  (func (export "test:resources/counter#[method]counter.bump")
    (param $rep i32) (param $by i32) (result i32)
    (i32.store (local.get $rep)
      (i32.add (i32.load (local.get $rep)) (local.get $by)))
    (i32.load (local.get $rep)))
  (func (export "test:resources/counter#peek") (param $rep i32) (result i32)
    (i32.load (local.get $rep)))
  (func (export "test:resources/counter#[dtor]counter") (param i32)))
