;; FAIL(1): run % --max-memory 10MiB
;; A WASI 0.3 command grows its memory a page at a time: past the cap,
;; `memory.grow` returns -1 and the guest returns err (status 1).
(component
  (core module $m
    (import "" "task.return" (func $task-return (param i32)))
    (memory 1)
    (func (export "run") (result i32)
      (loop $grow
        (br_if $grow (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
      (call $task-return (i32.const 1))
      (i32.const 0))
    (func (export "callback") (param i32 i32 i32) (result i32) unreachable))
  (core func $task-return (canon task.return (result (result))))
  (core instance $i (instantiate $m
    (with "" (instance (export "task.return" (func $task-return))))))
  (type $run (func async (result (result))))
  (func $run (type $run)
    (canon lift (core func $i "run") async (callback (func $i "callback"))))
  (instance $cli (export "run" (func $run)))
  (export "wasi:cli/run@0.3.0" (instance $cli)))
