;; A WASI 0.3 command that draws two numbers from `get-random-u64` and
;; returns ok only if they are the first two of weld's splitmix64 seeded
;; with 42: what `weld virt --random-seed 42` gives.
(component
  (import "wasi:random/random@0.3.0" (instance $random
    (export "get-random-u64" (func (result u64)))))
  (core module $m
    (import "" "task.return" (func $task-return (param i32)))
    (import "" "get-random-u64" (func $next (result i64)))
    (func (export "run") (result i32)
      (call $task-return
        (i32.eqz (i32.and
          (i64.eq (call $next) (i64.const -4767286540954276203))
          (i64.eq (call $next) (i64.const 2949826092126892291)))))
      (i32.const 0))
    (func (export "callback") (param i32 i32 i32) (result i32) unreachable))
  (core func $task-return (canon task.return (result (result))))
  (core func $next (canon lower (func $random "get-random-u64")))
  (core instance $i (instantiate $m
    (with "" (instance
      (export "task.return" (func $task-return))
      (export "get-random-u64" (func $next))))))
  (type $run (func async (result (result))))
  (func $run (type $run)
    (canon lift (core func $i "run") async (callback (func $i "callback"))))
  (instance $cli (export "run" (func $run)))
  (export "wasi:cli/run@0.3.0" (instance $cli)))
