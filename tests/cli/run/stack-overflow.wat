;; FAIL(134): run %
;; Without --max-stack, unbounded recursion is an ordinary trap.
(component
  (core module $m
    (func $recurse (export "run") (result i32) (i32.add (call $recurse) (i32.const 1))))
  (core instance $i (instantiate $m))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $cli-run (export "run" (func $run)))
  (export "wasi:cli/run@0.2.12" (instance $cli-run))
)
