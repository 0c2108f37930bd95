;; FAIL: plug % --plug tests/cli/plug/host-resource-conflict-plug.wat -o %tmp/out.wasm
;; This socket's `wasi:filesystem/types@0.2.9` brings its own
;; `input-stream`; the plug's takes `wasi:io/other-streams@0.2.9`'s. The
;; result's import takes the socket's type, the first, in which
;; `input-stream` is a resource of its own, not the one the plug needs:
;; refused, naming both (compare `host-resource-own-later.wat`).
(component
  (import "wasi:filesystem/types@0.2.9" (instance
    (export "input-stream" (type (sub resource)))))
  (import "test:versions/api" (instance $api (export "get" (func (result u32)))))
  (alias export $api "get" (func $get))
  (instance $out (export "get" (func $get)))
  (export "test:versions/out" (instance $out))
)
