;; RUN: new % | inspect -
;; Imports WASI preview1 but has no `_start`: the bundled reactor adapter is
;; used, so the component exports nothing of WASI's.
(module
  (import "wasi_snapshot_preview1" "random_get"
    (func $random_get (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "roll") (result i32)
    (drop (call $random_get (i32.const 0) (i32.const 4)))
    (i32.load (i32.const 0)))
)
