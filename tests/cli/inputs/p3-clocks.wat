;; A WASI 0.3 command that checks the clocks: monotonic `now`, an async
;; `wait-for` of 10 ms, `now` again, and the system clock's `now`. It
;; returns ok only if exactly 10 ms passed and the system clock says
;; 2024-01-01T00:00:00Z (1704067200 s): what `weld virt --clock-fixed`
;; gives, whose waits complete at once.
(component
  (import "wasi:clocks/types@0.3.0" (instance $types
    (type $u64 u64)
    (export "duration" (type (eq $u64)))))
  (alias export $types "duration" (type $duration))
  (import "wasi:clocks/monotonic-clock@0.3.0" (instance $monotonic
    (alias outer 1 $duration (type $outer-duration))
    (export "duration" (type $d (eq $outer-duration)))
    (type $u64 u64)
    (export "mark" (type $mark (eq $u64)))
    (export "now" (func (result $mark)))
    (export "wait-for" (func async (param "how-long" $d)))))
  (import "wasi:clocks/system-clock@0.3.0" (instance $system
    (alias outer 1 $duration (type $outer-duration))
    (export "duration" (type $d (eq $outer-duration)))
    (type $i (record (field "seconds" s64) (field "nanoseconds" u32)))
    (export "instant" (type $instant (eq $i)))
    (export "now" (func (result $instant)))))
  (core module $libc (memory (export "memory") 1))
  (core instance $libc (instantiate $libc))
  (core module $m
    (import "libc" "memory" (memory 1))
    (import "" "task.return" (func $task-return (param i32)))
    (import "" "now" (func $now (result i64)))
    (import "" "wait-for" (func $wait-for (param i64)))
    (import "" "system-now" (func $system-now (param i32)))
    (func (export "run") (result i32)
      (local $before i64)
      (local.set $before (call $now))
      (call $wait-for (i64.const 10000000))
      (call $system-now (i32.const 16))
      (call $task-return
        (i32.eqz (i32.and
          (i64.eq (i64.sub (call $now) (local.get $before)) (i64.const 10000000))
          (i64.eq (i64.load (i32.const 16)) (i64.const 1704067200)))))
      (i32.const 0))
    (func (export "callback") (param i32 i32 i32) (result i32) unreachable))
  (core func $task-return (canon task.return (result (result))))
  (core func $now (canon lower (func $monotonic "now")))
  (core func $wait-for (canon lower (func $monotonic "wait-for")))
  (core func $system-now (canon lower (func $system "now") (memory $libc "memory")))
  (core instance $i (instantiate $m
    (with "libc" (instance $libc))
    (with "" (instance
      (export "task.return" (func $task-return))
      (export "now" (func $now))
      (export "wait-for" (func $wait-for))
      (export "system-now" (func $system-now))))))
  (type $run (func async (result (result))))
  (func $run (type $run)
    (canon lift (core func $i "run") async (callback (func $i "callback"))))
  (instance $cli (export "run" (func $run)))
  (export "wasi:cli/run@0.3.0" (instance $cli)))
