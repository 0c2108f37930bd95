;; FAIL: plug % --plug tests/cli/plug/host-resource-conflict-plug.wat -o %tmp/out.wasm
;; As `host-versions.wat`, but the plug's `wasi:filesystem/types@0.2.9`
;; names the `input-stream` of an interface of another name, which no
;; version unifies with this socket's `wasi:io/streams@0.2.12`. Both leave
;; `wasi:filesystem/types@0.2.9` to the host, as one import of the result
;; that would have to name two different `input-stream`s: an error naming
;; both sides, not an invalid composition (found by weld-fuzz `plug`,
;; `regressions/plug/35878d46d35bbefe.bin`).
(component
  (import "wasi:io/streams@0.2.12" (instance $io
    (export "input-stream" (type (sub resource)))))
  (alias export $io "input-stream" (type $stream))
  (import "wasi:filesystem/types@0.2.9" (instance
    (alias outer 1 $stream (type))
    (export "input-stream" (type (eq 0)))))
  (import "test:versions/api" (instance $api (export "get" (func (result u32)))))
  (alias export $api "get" (func $get))
  (instance $out (export "get" (func $get)))
  (export "test:versions/out" (instance $out))
)
