;; The counter consumer (world `consumer` of counter.wit): `run` makes a
;; counter at 40, bumps it twice through the provider, checks it with
;; `peek`, drops it and returns 42 or traps.
(module
  (import "test:resources/counter" "[constructor]counter"
    (func $new (param i32) (result i32)))
  (import "test:resources/counter" "[method]counter.bump"
    (func $bump (param i32 i32) (result i32)))
  (import "test:resources/counter" "peek" (func $peek (param i32) (result i32)))
  (import "test:resources/counter" "[resource-drop]counter" (func $drop (param i32)))
  (func (export "run") (result i32)
    (local $c i32) (local $value i32)
    (local.set $c (call $new (i32.const 40)))
    (drop (call $bump (local.get $c) (i32.const 1)))
    (local.set $value (call $bump (local.get $c) (i32.const 1)))
    (if (i32.ne (call $peek (local.get $c)) (local.get $value)) (then unreachable))
    (call $drop (local.get $c))
    (local.get $value)))
