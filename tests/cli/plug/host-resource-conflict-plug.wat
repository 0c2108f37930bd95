;; The plug of `host-resource-conflict.wat`: its `wasi:filesystem/types`
;; takes `input-stream` from `wasi:io/other-streams@0.2.9`.
(component
  (import "wasi:io/other-streams@0.2.9" (instance $io
    (export "input-stream" (type (sub resource)))))
  (alias export $io "input-stream" (type $stream))
  (import "wasi:filesystem/types@0.2.9" (instance
    (alias outer 1 $stream (type))
    (export "input-stream" (type (eq 0)))))
  (core module $m (func (export "get") (result i32) i32.const 7))
  (core instance $i (instantiate $m))
  (func $get (result u32) (canon lift (core func $i "get")))
  (instance $api (export "get" (func $get)))
  (export "test:versions/api" (instance $api))
)
