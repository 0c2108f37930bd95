;; A WASI 0.3 command (a weld-fuzz virt mutation, 7b8eb824) whose
;; `wasi:cli/stdout` instance type names `error-code` of `wasi:cli/types`
;; without exporting it: valid, and no WIT `use` can say it.
(component
  (type (;0;)
    (instance
      (type (;0;) (enum "io" "illegal-byte-sequence" "pipe"))
      (export (;1;) "error-code" (type (eq 0)))
    )
  )
  (import "wasi:cli/types@0.3.0" (instance $types (;0;) (type 0)))
  (alias export $types "error-code" (type $error-code (;1;)))
  (type $bytes (;2;) (stream u8))
  (type (;3;) (result (error $error-code)))
  (type $done (;4;) (future 3))
  (type (;5;)
    (instance
      (alias outer 1 $bytes (type (;0;)))
      (alias outer 1 $done (type (;1;)))
      (type (;2;) (func (param "data" 0) (result 1)))
      (export (;0;) "write-via-stream" (func (type 2)))
    )
  )
  (import "wasi:cli/stdout@0.3.0" (instance $stdout (;1;) (type 5)))
  (core module $libc (;0;)
    (memory (;0;) 1)
    (export "memory" (memory 0))
  )
  (core instance $libc (;0;) (instantiate $libc))
  (core module $m (;1;)
    (type (;0;) (func (param i32)))
    (type (;1;) (func (result i64)))
    (type (;2;) (func (param i32 i32 i32) (result i32)))
    (type (;3;) (func (param i32) (result i32)))
    (type (;4;) (func (result i32)))
    (type (;5;) (func (param i32 i32)))
    (type (;6;) (func))
    (import "libc" "memory" (memory (;0;) 1))
    (import "" "task.return" (func $task-return (;0;) (type 0) (param i32)))
    (import "" "stream.new" (func $stream-new (;1;) (type 1) (result i64)))
    (import "" "stream.write" (func $stream-write (;2;) (type 2) (param i32 i32 i32) (result i32)))
    (import "" "stream.drop-writable" (func $stream-drop-writable (;3;) (type 0) (param i32)))
    (import "" "future.drop-readable" (func $future-drop-readable (;4;) (type 0) (param i32)))
    (import "" "write-via-stream" (func $write-via-stream (;5;) (type 3) (param i32) (result i32)))
    (import "" "waitable-set.new" (func $set-new (;6;) (type 4) (result i32)))
    (import "" "waitable.join" (func $join (;7;) (type 5) (param i32 i32)))
    (global $writer (;0;) (mut i32) i32.const 0)
    (global $future (;1;) (mut i32) i32.const 0)
    (export "run" (func 9))
    (export "callback" (func 10))
    (func $finish (;8;) (type 6)
      global.get $writer
      call $stream-drop-writable
      global.get $future
      call $future-drop-readable
      i32.const 0
      call $task-return
    )
    (func (;9;) (type 4) (result i32)
      (local $pair i64) (local $set i32)
      call $stream-new
      local.set $pair
      local.get $pair
      i64.const 32
      i64.shr_u
      i32.wrap_i64
      global.set $writer
      local.get $pair
      i32.wrap_i64
      call $write-via-stream
      global.set $future
      global.get $writer
      i32.const 16
      i32.const 6
      call $stream-write
      i32.const -1
      i32.ne
      if ;; label = @1
        call $finish
        i32.const 0
        return
      end
      call $set-new
      local.set $set
      global.get $writer
      local.get $set
      call $join
      i32.const 2
      local.get $set
      i32.const 4
      i32.shl
      i32.or
    )
    (func (;10;) (type 2) (param i32 i32 i32) (result i32)
      global.get $writer
      i32.const 0
      call $join
      call $finish
      i32.const 0
    )
    (data (;0;) (i32.const 16) "hello\0a")
  )
  (type (;6;) (result))
  (core func $task-return (;0;) (canon task.return (result 6)))
  (core func $stream-new (;1;) (canon stream.new $bytes))
  (alias core export $libc "memory" (core memory (;0;)))
  (core func $stream-write (;2;) (canon stream.write $bytes async (memory 0)))
  (core func $stream-drop-writable (;3;) (canon stream.drop-writable $bytes))
  (core func $future-drop-readable (;4;) (canon future.drop-readable $done))
  (alias export $stdout "write-via-stream" (func (;0;)))
  (core func $write-via-stream (;5;) (canon lower (func 0)))
  (core func $set-new (;6;) (canon waitable-set.new))
  (core func $join (;7;) (canon waitable.join))
  (core instance (;1;)
    (export "task.return" (func $task-return))
    (export "stream.new" (func $stream-new))
    (export "stream.write" (func $stream-write))
    (export "stream.drop-writable" (func $stream-drop-writable))
    (export "future.drop-readable" (func $future-drop-readable))
    (export "write-via-stream" (func $write-via-stream))
    (export "waitable-set.new" (func $set-new))
    (export "waitable.join" (func $join))
  )
  (core instance $i (;2;) (instantiate $m
      (with "libc" (instance $libc))
      (with "" (instance 1))
    )
  )
  (type (;7;) (result))
  (type $run (;8;) (func async (result 7)))
  (alias core export $i "run" (core func (;8;)))
  (alias core export $i "callback" (core func (;9;)))
  (func $run (;1;) (type $run) (canon lift (core func 8) async (callback 9)))
  (instance $cli (;2;)
    (export "run" (func $run))
  )
  (export (;3;) "wasi:cli/run@0.3.0" (instance $cli))
)
