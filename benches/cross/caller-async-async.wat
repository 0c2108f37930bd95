;; An async caller (lifted async with a callback) of an `async func`
;; lifted async with a callback, lowered async: each call is a subtask that
;; returns at once (status RETURNED, 2, with no subtask handle), its result
;; through memory.
;; `run(n)` calls `bench:cross/callee#id` n times and returns the sum of
;; what it returned.
(component
  (import "bench:cross/callee" (instance $callee
    (export "id" (func async (param "x" u32) (result u32)))))
  (core module $libc (memory (export "memory") 1))
  (core instance $libc (instantiate $libc))
  (core func $id (canon lower (func $callee "id") async (memory $libc "memory")))
  (core module $m
    (import "libc" "memory" (memory 1))
    (import "" "id" (func $id (param i32 i32) (result i32)))
    (import "" "task.return" (func $task-return (param i32)))
    (func $loop (param $n i32) (result i32)
      (local $sum i32)
      (block $done
        (loop $next
          (br_if $done (i32.eqz (local.get $n)))
          (if (i32.ne (call $id (local.get $n) (i32.const 16)) (i32.const 2))
            (then (unreachable)))
          (local.set $sum (i32.add (local.get $sum) (i32.load (i32.const 16))))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $next)))
      (local.get $sum))
    (func (export "run") (param $n i32) (result i32)
      (call $task-return (call $loop (local.get $n)))
      (i32.const 0))
    (func (export "callback") (param i32 i32 i32) (result i32) (unreachable)))
  (core func $task-return (canon task.return (result u32)))
  (core instance $i (instantiate $m
    (with "libc" (instance $libc))
    (with "" (instance (export "id" (func $id)) (export "task.return" (func $task-return))))))
  (type $run (func async (param "n" u32) (result u32)))
  (func $run (type $run) (canon lift (core func $i "run") async (callback (func $i "callback"))))
  (export "run" (func $run)))
