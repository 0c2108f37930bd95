;; FAIL: new % -o %tmp/out.wasm
;; Component-style exports but no WIT, as a Go build makes them: an error, not
;; a component that silently exports nothing.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
  (memory (export "memory") 1)
  (func (export "my:image-processor/process#grayscale") (param i32 i32 i32 i32) (result i32) i32.const 0)
  (func (export "cabi_post_my:image-processor/process#grayscale") (param i32)))
