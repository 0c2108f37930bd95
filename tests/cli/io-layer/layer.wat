;; The layer (world `layer` of wit/layer.wit), a core module for `weld new`:
;; its own pollables are always ready and its clock reads 42. It imports
;; the host's `pollable.ready` only so that the layer imports host
;; `wasi:io/poll`, as a forwarding layer would.
(module
  (import "wasi:io/poll@0.2.12" "[method]pollable.ready"
    (func $host-ready (param i32) (result i32)))
  (import "[export]wasi:io/poll@0.2.12" "[resource-new]pollable"
    (func $new (param i32) (result i32)))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $at i32)
    (local.set $at
      (i32.and (i32.add (global.get $heap) (i32.const 7)) (i32.const -8)))
    (global.set $heap (i32.add (local.get $at) (local.get 3)))
    (local.get $at))
  (func (export "wasi:io/poll@0.2.12#[method]pollable.ready")
    (param i32) (result i32)
    (i32.const 1))
  (func (export "wasi:io/poll@0.2.12#[method]pollable.block") (param i32))
  ;; Returns the empty list at address 16.
  (func (export "wasi:io/poll@0.2.12#poll") (param i32 i32) (result i32)
    (i64.store (i32.const 16) (i64.const 0))
    (i32.const 16))
  (func (export "wasi:io/poll@0.2.12#[dtor]pollable") (param i32))
  (func (export "wasi:clocks/monotonic-clock@0.2.12#now") (result i64)
    (i64.const 42))
  (func (export "wasi:clocks/monotonic-clock@0.2.12#resolution") (result i64)
    (i64.const 1))
  (func (export "wasi:clocks/monotonic-clock@0.2.12#subscribe-instant")
    (param i64) (result i32)
    (call $new (i32.const 1)))
  (func (export "wasi:clocks/monotonic-clock@0.2.12#subscribe-duration")
    (param i64) (result i32)
    (call $new (i32.const 1))))
