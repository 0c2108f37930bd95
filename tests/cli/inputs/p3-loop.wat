;; A WASI 0.3 command whose `run` loops forever: limits must stop it.
(component
  (core module $m
    (func (export "run") (result i32) (loop $forever (br $forever)) (unreachable))
    (func (export "callback") (param i32 i32 i32) (result i32) unreachable))
  (core instance $i (instantiate $m))
  (type $run (func async (result (result))))
  (func $run (type $run)
    (canon lift (core func $i "run") async (callback (func $i "callback"))))
  (instance $cli (export "run" (func $run)))
  (export "wasi:cli/run@0.3.0" (instance $cli)))
