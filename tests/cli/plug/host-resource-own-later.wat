;; RUN: plug tests/cli/plug/host-resource-conflict.wat --plug % -o %tmp/out.wasm | inspect %tmp/out.wasm
;; The plug's `wasi:filesystem/types@0.2.9` brings its own `input-stream`,
;; which any resource fits: the result's import takes the socket's type
;; (the first), whose `input-stream` is `wasi:io/streams@0.2.12`'s, and the
;; plug takes that too (compare `host-resource-own-first.wat`).
(component
  (import "wasi:filesystem/types@0.2.9" (instance
    (export "input-stream" (type (sub resource)))))
  (core module $m (func (export "get") (result i32) i32.const 7))
  (core instance $i (instantiate $m))
  (func $get (result u32) (canon lift (core func $i "get")))
  (instance $api (export "get" (func $get)))
  (export "test:versions/api" (instance $api))
)
