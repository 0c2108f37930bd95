;; RUN: run %
;; A sync command that imports a WASI 0.3 interface whose functions it
;; never calls: its types and code use no concurrency, so weld's engine
;; without concurrency compiles it, but only the concurrent side's host
;; has WASI 0.3. weld moves it there, and it runs: status 0.
(component
  (import "wasi:cli/environment@0.3.0" (instance
    (export "get-arguments" (func (result (list string))))))
  (core module $m
    (func (export "run") (result i32) (i32.const 0)))
  (core instance $i (instantiate $m))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $cli-run (export "run" (func $run)))
  (export "wasi:cli/run@0.2.12" (instance $cli-run))
)
