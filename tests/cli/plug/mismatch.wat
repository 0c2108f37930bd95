;; FAIL: new fixtures/wat/app.wat --wit wit --world app -o %tmp/app.wasm | new % --wit tests/cli/plug/wrong --world processor -o %tmp/wrong.wasm | plug %tmp/app.wasm --plug %tmp/wrong.wasm -o %tmp/out.wasm
;; A processor whose grayscale takes and returns a u32: the error names both
;; sides and the first differing item in WIT syntax.
(module
  (memory (export "memory") 1)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) i32.const 8)
  (func (export "my:image-processor/process#resize") (param i32 i32 i32 i32 i32 i32) (result i32)
    i32.const 0)
  (func (export "my:image-processor/process#grayscale") (param i32) (result i32) local.get 0)
)
