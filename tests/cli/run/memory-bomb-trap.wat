;; FAIL(122): run % --max-memory 10MiB --trap-on-grow-failure
;; With --trap-on-grow-failure, the growth past the cap traps at once,
;; reported as the limit.
(component
  (core module $m
    (memory 1)
    (func (export "run") (result i32)
      (loop $grow (br_if $grow (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
      (i32.const 1)))
  (core instance $i (instantiate $m))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $cli-run (export "run" (func $run)))
  (export "wasi:cli/run@0.2.12" (instance $cli-run))
)
