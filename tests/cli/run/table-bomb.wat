;; FAIL(122): run % --max-memory 10MiB
;; --max-memory counts tables too: one `table.grow` of 2^31 entries is
;; refused (it returns -1) rather than taking gigabytes, and the trap that
;; follows is reported as the limit.
(component
  (core module $m
    (table 1 funcref)
    (func (export "run") (result i32)
      (if (i32.eq (table.grow (ref.null func) (i32.const 0x80000000)) (i32.const -1))
        (then unreachable))
      (i32.const 0)))
  (core instance $i (instantiate $m))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $cli-run (export "run" (func $run)))
  (export "wasi:cli/run@0.2.12" (instance $cli-run))
)
