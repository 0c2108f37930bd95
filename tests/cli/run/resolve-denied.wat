;; FAIL(1): new % --wit tests/cli/run/net --world resolve -o %tmp/resolve.wasm | run %tmp/resolve.wasm
;; Name lookups are denied unless --inherit-network: `run` returns err.
(module
  (import "wasi:sockets/instance-network@0.2.12" "instance-network" (func $network (result i32)))
  (import "wasi:sockets/ip-name-lookup@0.2.12" "resolve-addresses"
    (func $resolve (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "localhost")
  ;; result<own<resolve-address-stream>, error-code>: tag at 0, payload at 4
  (func (export "wasi:cli/run@0.2.12#run") (result i32)
    (call $resolve (call $network) (i32.const 64) (i32.const 9) (i32.const 0))
    (i32.load8_u (i32.const 0)))
)
