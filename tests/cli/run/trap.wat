;; FAIL(134): run %
;; A trap prints its message and the wasm backtrace with function names.
(component
  (core module $m
    (func $inner (unreachable))
    (func $outer (call $inner))
    (func (export "run") (result i32) (call $outer) (i32.const 0)))
  (core instance $i (instantiate $m))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $cli-run (export "run" (func $run)))
  (export "wasi:cli/run@0.2.12" (instance $cli-run))
)
