;; A preview1 command that opens its first preopen again, as `.`, then
;; creates `new.txt` through the new descriptor, and prints which step
;; failed with its errno, or `created`. It tests that a
;; descriptor opened from a read-only directory is read-only itself.
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) ".")
  (data (i32.const 32) "new.txt")
  (data (i32.const 96) "open .: errno ")
  (data (i32.const 128) "create new.txt: errno ")
  (data (i32.const 160) "created\n")
  ;; Prints `len` bytes at `at`.
  (func $print (param $at i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $at))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  ;; Prints `errno` in decimal and a newline (errnos are below 100).
  (func $number (param $errno i32)
    (i32.store8 (i32.const 200) (i32.add (i32.const 48) (i32.div_u (local.get $errno) (i32.const 10))))
    (i32.store8 (i32.const 201) (i32.add (i32.const 48) (i32.rem_u (local.get $errno) (i32.const 10))))
    (i32.store8 (i32.const 202) (i32.const 10))
    (call $print (i32.const 200) (i32.const 3)))
  (func (export "_start")
    (local $errno i32)
    ;; The first preopen is fd 3; O_DIRECTORY is 2, FD_READ 2; the new fd
    ;; goes to 64.
    (local.set $errno
      (call $path_open (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 1)
        (i32.const 2) (i64.const 2) (i64.const -1) (i32.const 0) (i32.const 64)))
    (if (local.get $errno)
      (then (call $print (i32.const 96) (i32.const 14)) (call $number (local.get $errno)) (return)))
    ;; O_CREAT is 1; FD_WRITE is 64.
    (local.set $errno
      (call $path_open (i32.load (i32.const 64)) (i32.const 0) (i32.const 32) (i32.const 7)
        (i32.const 1) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 68)))
    (if (local.get $errno)
      (then (call $print (i32.const 128) (i32.const 22)) (call $number (local.get $errno)) (return)))
    (call $print (i32.const 160) (i32.const 8))))
