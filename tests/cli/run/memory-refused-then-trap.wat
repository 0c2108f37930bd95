;; FAIL(122): run % --max-memory 10MiB
;; A guest that traps after a growth past --max-memory was refused: the
;; trap is reported as the limit it followed.
(component
  (core module $m
    (memory 1)
    (func (export "run") (result i32)
      (if (i32.eq (memory.grow (i32.const 1000)) (i32.const -1)) (then unreachable))
      (i32.const 0)))
  (core instance $i (instantiate $m))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $cli-run (export "run" (func $run)))
  (export "wasi:cli/run@0.2.12" (instance $cli-run))
)
