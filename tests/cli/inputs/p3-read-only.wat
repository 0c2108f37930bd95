;; A WASI 0.3 command that tries to change its first preopened directory
;; and succeeds (`ok`, status 0) only if every change is refused with
;; `read-only`: creating `new.txt` in it (`open-at` with `create`), a
;; `write-via-stream` to it, and a `write-via-stream` to `.` opened again
;; from it for reading (a descriptor opened from a read-only directory is
;; read-only). Anything else, as on a writable directory, gives `err`.
;; `read-only` is case 32 of `error-code`; `run` is lifted sync, so it
;; blocks in the host's calls. A refused write's future is ready at once
;; (`future.read` returns 0, done); one that is not counts as `err`.
(component
  (import "wasi:filesystem/types@0.3.0" (instance $types
    (export "descriptor" (type $d (sub resource)))
    (type $ec (variant
      (case "access") (case "already") (case "bad-descriptor") (case "busy")
      (case "deadlock") (case "quota") (case "exist") (case "file-too-large")
      (case "illegal-byte-sequence") (case "in-progress") (case "interrupted")
      (case "invalid") (case "io") (case "is-directory") (case "loop")
      (case "too-many-links") (case "message-size") (case "name-too-long")
      (case "no-device") (case "no-entry") (case "no-lock")
      (case "insufficient-memory") (case "insufficient-space")
      (case "not-directory") (case "not-empty") (case "not-recoverable")
      (case "unsupported") (case "no-tty") (case "no-such-device")
      (case "overflow") (case "not-permitted") (case "pipe") (case "read-only")
      (case "invalid-seek") (case "text-file-busy") (case "cross-device")
      (case "other" (option string))))
    (export "error-code" (type $error-code (eq $ec)))
    (type $pf (flags "symlink-follow"))
    (export "path-flags" (type $path-flags (eq $pf)))
    (type $of (flags "create" "directory" "exclusive" "truncate"))
    (export "open-flags" (type $open-flags (eq $of)))
    (type $df (flags "read" "write" "file-integrity-sync" "data-integrity-sync"
      "requested-write-sync" "mutate-directory"))
    (export "descriptor-flags" (type $descriptor-flags (eq $df)))
    (type $borrow (borrow $d))
    (type $own (own $d))
    (type $opened (result $own (error $error-code)))
    (export "[method]descriptor.open-at" (func async
      (param "self" $borrow) (param "path-flags" $path-flags) (param "path" string)
      (param "open-flags" $open-flags) (param "flags" $descriptor-flags)
      (result $opened)))
    (type $bytes (stream u8))
    (type $done (future (result (error $error-code))))
    (export "[method]descriptor.write-via-stream" (func
      (param "self" $borrow) (param "data" $bytes) (param "offset" u64) (result $done)))))
  (alias export $types "descriptor" (type $descriptor))
  (alias export $types "error-code" (type $error-code))
  (import "wasi:filesystem/preopens@0.3.0" (instance $preopens
    (alias outer 1 $descriptor (type $outer))
    (export "descriptor" (type $d (eq $outer)))
    (type $own (own $d))
    (type $pair (tuple $own string))
    (type $list (list $pair))
    (export "get-directories" (func (result $list)))))
  (type $bytes (stream u8))
  (type $done (future (result (error $error-code))))
  (core module $libc
    (memory (export "memory") 1)
    (global $heap (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $at i32)
      (local.set $at
        (i32.and (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))
          (i32.sub (i32.const 0) (local.get 2))))
      (global.set $heap (i32.add (local.get $at) (local.get 3)))
      (local.get $at)))
  (core instance $libc (instantiate $libc))
  (core module $m
    (import "libc" "memory" (memory 1))
    (import "" "get-directories" (func $get-directories (param i32)))
    (import "" "open-at" (func $open-at (param i32 i32 i32 i32 i32 i32 i32)))
    (import "" "write-via-stream" (func $write-via-stream (param i32 i32 i64) (result i32)))
    (import "" "stream.new" (func $stream-new (result i64)))
    (import "" "stream.drop-writable" (func $drop-writable (param i32)))
    (import "" "future.read" (func $future-read (param i32 i32) (result i32)))
    (data (i32.const 200) "new.txt")
    (data (i32.const 208) ".")
    ;; Whether `open-at`'s result, at 16, is `err(read-only)`.
    (func $refused (result i32)
      (i32.and (i32.eq (i32.load8_u (i32.const 16)) (i32.const 1))
        (i32.eq (i32.load8_u (i32.const 20)) (i32.const 32))))
    ;; Whether an (empty) write to `d` fails with `read-only`.
    (func $write-refused (param $d i32) (result i32)
      (local $ends i64)
      (local.set $ends (call $stream-new))
      (call $drop-writable (i32.wrap_i64 (i64.shr_u (local.get $ends) (i64.const 32))))
      (if (call $future-read
            (call $write-via-stream (local.get $d) (i32.wrap_i64 (local.get $ends)) (i64.const 0))
            (i32.const 32))
        (then (return (i32.const 0))))
      (i32.and (i32.eq (i32.load8_u (i32.const 32)) (i32.const 1))
        (i32.eq (i32.load8_u (i32.const 36)) (i32.const 32))))
    (func (export "run") (result i32)
      (local $dir i32) (local $ok i32)
      (call $get-directories (i32.const 0))
      (local.set $dir (i32.load (i32.load (i32.const 0))))
      ;; `create` (1) with `write` (2).
      (call $open-at (local.get $dir) (i32.const 0) (i32.const 200) (i32.const 7)
        (i32.const 1) (i32.const 2) (i32.const 16))
      (local.set $ok (i32.and (call $refused) (call $write-refused (local.get $dir))))
      ;; `.` with `directory` (2), for `read` (1).
      (call $open-at (local.get $dir) (i32.const 0) (i32.const 208) (i32.const 1)
        (i32.const 2) (i32.const 1) (i32.const 16))
      (if (i32.load8_u (i32.const 16))
        (then (local.set $ok (i32.const 0)))
        (else (local.set $ok
          (i32.and (local.get $ok) (call $write-refused (i32.load (i32.const 20)))))))
      (i32.eqz (local.get $ok))))
  (core func $get-directories (canon lower (func $preopens "get-directories")
    (memory $libc "memory") (realloc (func $libc "realloc"))))
  (alias export $types "[method]descriptor.open-at" (func $open-at))
  (core func $open-at (canon lower (func $open-at)
    (memory $libc "memory") (realloc (func $libc "realloc"))))
  (alias export $types "[method]descriptor.write-via-stream" (func $write-via-stream))
  (core func $write-via-stream (canon lower (func $write-via-stream)))
  (core func $stream-new (canon stream.new $bytes))
  (core func $drop-writable (canon stream.drop-writable $bytes))
  (core func $future-read (canon future.read $done async
    (memory $libc "memory") (realloc (func $libc "realloc"))))
  (core instance $i (instantiate $m
    (with "libc" (instance $libc))
    (with "" (instance
      (export "get-directories" (func $get-directories))
      (export "open-at" (func $open-at))
      (export "write-via-stream" (func $write-via-stream))
      (export "stream.new" (func $stream-new))
      (export "stream.drop-writable" (func $drop-writable))
      (export "future.read" (func $future-read))))))
  (type $run (func async (result (result))))
  (func $run (type $run) (canon lift (core func $i "run")))
  (instance $cli (export "run" (func $run)))
  (export "wasi:cli/run@0.3.0" (instance $cli)))
