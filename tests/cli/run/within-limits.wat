;; RUN: run % --timeout 5s --fuel 1000000 --max-memory 1MiB --max-stack 1MiB
;; Limits that are not reached change nothing.
(component
  (core module $m
    (memory 1)
    (func (export "run") (result i32) (drop (memory.grow (i32.const 2))) (i32.const 0)))
  (core instance $i (instantiate $m))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $cli-run (export "run" (func $run)))
  (export "wasi:cli/run@0.2.12" (instance $cli-run))
)
