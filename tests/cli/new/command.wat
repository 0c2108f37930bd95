;; RUN: new % | inspect -
;; A wasi-libc-style command: it imports WASI preview1 and exports `_start`,
;; so the bundled command adapter makes it a `wasi:cli/run` component.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello\n")
  (func (export "_start")
    ;; iovec { ptr: 16, len: 6 } at 0; bytes written at 8
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 6))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
)
