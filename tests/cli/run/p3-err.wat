;; FAIL(1): run %
;; A WASI 0.3 command: `run: async func() -> result`, lifted async with a
;; callback, which returns err: status 1.
(component
  (core module $m
    (import "" "task.return" (func $task-return (param i32)))
    (func (export "run") (result i32)
      ;; The result, then CALLBACK_CODE_EXIT (0): the task is done.
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
