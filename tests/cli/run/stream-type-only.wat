;; RUN: run --trap-unknown-imports %
;; A sync command whose only tie to the component model's concurrency is a
;; type: it imports a function taking a `stream<u8>` and never calls it,
;; so it uses none of the concurrency built-ins. weld tries such a
;; component on its engine without concurrency, which refuses the stream
;; type, and runs it on the other: status 0, as `ok.wat`.
(component
  (import "take" (func (param "bytes" (stream u8))))
  (core module $m
    (func (export "run") (result i32) (i32.const 0)))
  (core instance $i (instantiate $m))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $cli-run (export "run" (func $run)))
  (export "wasi:cli/run@0.2.12" (instance $cli-run))
)
