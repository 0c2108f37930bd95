;; FAIL: new % -o %tmp/out.wasm
(component)
