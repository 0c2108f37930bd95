;; RUN: run %
;; A WASI 0.3 command that writes "hello" through a stream: `stream.new`,
;; `wasi:cli/stdout@0.3.0#write-via-stream`, an async `stream.write`, and,
;; if the write blocks, a wait on a waitable set before `task.return`.
(component
  (import "wasi:cli/types@0.3.0" (instance $types
    (type $e (enum "io" "illegal-byte-sequence" "pipe"))
    (export "error-code" (type (eq $e)))))
  (alias export $types "error-code" (type $error-code))
  (type $bytes (stream u8))
  (type $done (future (result (error $error-code))))
  (import "wasi:cli/stdout@0.3.0" (instance $stdout
    (export "write-via-stream" (func (param "data" $bytes) (result $done)))))

  (core module $libc (memory (export "memory") 1))
  (core instance $libc (instantiate $libc))

  (core module $m
    (import "libc" "memory" (memory 1))
    (import "" "task.return" (func $task-return (param i32)))
    (import "" "stream.new" (func $stream-new (result i64)))
    (import "" "stream.write" (func $stream-write (param i32 i32 i32) (result i32)))
    (import "" "stream.drop-writable" (func $stream-drop-writable (param i32)))
    (import "" "future.drop-readable" (func $future-drop-readable (param i32)))
    (import "" "write-via-stream" (func $write-via-stream (param i32) (result i32)))
    (import "" "waitable-set.new" (func $set-new (result i32)))
    (import "" "waitable.join" (func $join (param i32 i32)))
    (global $writer (mut i32) (i32.const 0))
    (global $future (mut i32) (i32.const 0))
    (func $finish
      (call $stream-drop-writable (global.get $writer))
      (call $future-drop-readable (global.get $future))
      (call $task-return (i32.const 0)))
    (data (i32.const 16) "hello\n")
    (func (export "run") (result i32)
      (local $pair i64) (local $set i32)
      (local.set $pair (call $stream-new))
      (global.set $writer (i32.wrap_i64 (i64.shr_u (local.get $pair) (i64.const 32))))
      (global.set $future (call $write-via-stream (i32.wrap_i64 (local.get $pair))))
      (if (i32.ne (call $stream-write (global.get $writer) (i32.const 16) (i32.const 6))
                  (i32.const -1))
        (then (call $finish) (return (i32.const 0))))
      ;; BLOCKED: wait for the write to complete (CALLBACK_CODE_WAIT).
      (local.set $set (call $set-new))
      (call $join (global.get $writer) (local.get $set))
      (i32.or (i32.const 2) (i32.shl (local.get $set) (i32.const 4))))
    (func (export "callback") (param i32 i32 i32) (result i32)
      (call $join (global.get $writer) (i32.const 0))
      (call $finish)
      (i32.const 0)))
  (core func $task-return (canon task.return (result (result))))
  (core func $stream-new (canon stream.new $bytes))
  (core func $stream-write (canon stream.write $bytes async (memory $libc "memory")))
  (core func $stream-drop-writable (canon stream.drop-writable $bytes))
  (core func $future-drop-readable (canon future.drop-readable $done))
  (core func $write-via-stream (canon lower (func $stdout "write-via-stream")))
  (core func $set-new (canon waitable-set.new))
  (core func $join (canon waitable.join))
  (core instance $i (instantiate $m
    (with "libc" (instance $libc))
    (with "" (instance
      (export "task.return" (func $task-return))
      (export "stream.new" (func $stream-new))
      (export "stream.write" (func $stream-write))
      (export "stream.drop-writable" (func $stream-drop-writable))
      (export "future.drop-readable" (func $future-drop-readable))
      (export "write-via-stream" (func $write-via-stream))
      (export "waitable-set.new" (func $set-new))
      (export "waitable.join" (func $join))))))
  (type $run (func async (result (result))))
  (func $run (type $run)
    (canon lift (core func $i "run") async (callback (func $i "callback"))))
  (instance $cli (export "run" (func $run)))
  (export "wasi:cli/run@0.3.0" (instance $cli)))
