;; FAIL: new % -o %tmp/out.wasm
;; No WIT metadata, no WASI imports: nothing says what the component is.
(module (func (export "f")))
