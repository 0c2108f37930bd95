;; FAIL(123): run % --fuel 10000
;; An infinite loop runs out of fuel.
(component
  (core module $m
    (func (export "run") (result i32) (loop $spin (br $spin)) (i32.const 0)))
  (core instance $i (instantiate $m))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $cli-run (export "run" (func $run)))
  (export "wasi:cli/run@0.2.12" (instance $cli-run))
)
