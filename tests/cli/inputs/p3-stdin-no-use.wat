;; As p3-stdin-status.wat, but its stdin instance uses `error-code` of
;; wasi:cli/types without exporting it (valid, and no WIT `use`):
;; wit-component 0.254 panics on a virtual world for it, so weld refuses
;; to virtualise either interface (`Error::NamedWithoutUse`).
;; A WASI 0.3 command that asks for stdin (`read-via-stream`), drops the
;; stream, awaits the future and returns what it holds: `ok` (status 0) or
;; `err` (status 1). Future copy results: 0 done, -1 blocked.
(component
  (import "wasi:cli/types@0.3.0" (instance $types
    (type $e (enum "io" "illegal-byte-sequence" "pipe"))
    (export "error-code" (type (eq $e)))))
  (alias export $types "error-code" (type $error-code))
  (type $bytes (stream u8))
  (type $done (future (result (error $error-code))))
  (import "wasi:cli/stdin@0.3.0" (instance $stdin
    (export "read-via-stream" (func (result (tuple $bytes $done))))))
  (core module $libc (memory (export "memory") 1))
  (core instance $libc (instantiate $libc))
  (core module $m
    (import "libc" "memory" (memory 1))
    (import "" "task.return" (func $task-return (param i32)))
    (import "" "read-via-stream" (func $read-via-stream (param i32)))
    (import "" "stream.drop-readable" (func $drop-stream (param i32)))
    (import "" "future.read" (func $future-read (param i32 i32) (result i32)))
    (import "" "waitable-set.new" (func $set-new (result i32)))
    (import "" "waitable.join" (func $join (param i32 i32)))
    (func $finish (result i32)
      ;; The result: its discriminant at 32.
      (call $task-return (i32.ne (i32.load8_u (i32.const 32)) (i32.const 0)))
      (i32.const 0))
    (func (export "run") (result i32)
      (local $set i32)
      (call $read-via-stream (i32.const 16))
      (call $drop-stream (i32.load (i32.const 16)))
      (if (i32.ne (call $future-read (i32.load (i32.const 20)) (i32.const 32)) (i32.const -1))
        (then (return (call $finish))))
      (local.set $set (call $set-new))
      (call $join (i32.load (i32.const 20)) (local.get $set))
      (i32.or (i32.const 2) (i32.shl (local.get $set) (i32.const 4))))
    (func (export "callback") (param i32 i32 i32) (result i32)
      (call $join (i32.load (i32.const 20)) (i32.const 0))
      (call $finish)))
  (core func $task-return (canon task.return (result (result))))
  (core func $read-via-stream (canon lower (func $stdin "read-via-stream") (memory $libc "memory")))
  (core func $drop-stream (canon stream.drop-readable $bytes))
  (core func $future-read (canon future.read $done async (memory $libc "memory")))
  (core func $set-new (canon waitable-set.new))
  (core func $join (canon waitable.join))
  (core instance $i (instantiate $m
    (with "libc" (instance $libc))
    (with "" (instance
      (export "task.return" (func $task-return))
      (export "read-via-stream" (func $read-via-stream))
      (export "stream.drop-readable" (func $drop-stream))
      (export "future.read" (func $future-read))
      (export "waitable-set.new" (func $set-new))
      (export "waitable.join" (func $join))))))
  (type $run (func async (result (result))))
  (func $run (type $run)
    (canon lift (core func $i "run") async (callback (func $i "callback"))))
  (instance $cli (export "run" (func $run)))
  (export "wasi:cli/run@0.3.0" (instance $cli)))
