;; RUN: run % --max-memory 10MiB
;; A table that grows within --max-memory grows.
(component
  (core module $m
    (table 1 funcref)
    (func (export "run") (result i32)
      (if (i32.eq (table.grow (ref.null func) (i32.const 1000)) (i32.const -1))
        (then unreachable))
      (i32.const 0)))
  (core instance $i (instantiate $m))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $cli-run (export "run" (func $run)))
  (export "wasi:cli/run@0.2.12" (instance $cli-run))
)
