;; The app (world `app` of wit/layer.wit): `run` subscribes to its clock,
;; asks the pollable whether it is ready, drops it and returns the clock
;; plus that answer: 43 when both come from the layer.
(module
  (import "wasi:io/poll@0.2.12" "[method]pollable.ready"
    (func $ready (param i32) (result i32)))
  (import "wasi:io/poll@0.2.12" "[resource-drop]pollable" (func $drop (param i32)))
  (import "wasi:clocks/monotonic-clock@0.2.12" "now" (func $now (result i64)))
  (import "wasi:clocks/monotonic-clock@0.2.12" "subscribe-duration"
    (func $subscribe (param i64) (result i32)))
  (func (export "run") (result i64)
    (local $pollable i32) (local $ready i32)
    (local.set $pollable (call $subscribe (i64.const 5)))
    (local.set $ready (call $ready (local.get $pollable)))
    (call $drop (local.get $pollable))
    (i64.add (call $now) (i64.extend_i32_u (local.get $ready)))))
