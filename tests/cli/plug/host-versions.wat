;; RUN: plug % --plug tests/cli/plug/host-versions-plug.wat -o %tmp/out.wasm | inspect %tmp/out.wasm
;; Components built against different patch releases of WASI, as a
;; componentize-py HTTP service and processor are: this socket imports
;; `wasi:io/streams@0.2.12` and a `wasi:filesystem/types@0.2.9` naming its
;; `input-stream`; the plug imports both at 0.2.9. Left to the host by
;; exact name, `wasi:filesystem/types@0.2.9` would name two different
;; `input-stream`s; weld renames the plug's `wasi:io/streams` to the
;; newest version, 0.2.12, so that the result imports one.
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
