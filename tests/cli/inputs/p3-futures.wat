;; Functions that return futures for `weld invoke` to await: each makes a
;; future, starts an async write of its value (which waits for the reader)
;; and returns the readable end.
;;   answer: func() -> future<u32>                  holds 42
;;   greeting: func() -> future<string>             holds "hi"
;;   done: func() -> future                         holds nothing
;;   pair: func() -> future<tuple<u32, u32>>        holds (1, 2)
;; `future.new` gives the readable end in the low half of an i64, the
;; writable in the high half.
(component
  (type $answer (future u32))
  (type $greeting (future string))
  (type $done (future))
  (type $pair-value (tuple u32 u32))
  (type $pair (future $pair-value))
  (core module $libc (memory (export "memory") 1))
  (core instance $libc (instantiate $libc))
  (core module $m
    (import "libc" "memory" (memory 1))
    (import "" "answer.new" (func $answer-new (result i64)))
    (import "" "answer.write" (func $answer-write (param i32 i32) (result i32)))
    (import "" "greeting.new" (func $greeting-new (result i64)))
    (import "" "greeting.write" (func $greeting-write (param i32 i32) (result i32)))
    (import "" "done.new" (func $done-new (result i64)))
    (import "" "done.write" (func $done-write (param i32 i32) (result i32)))
    (import "" "pair.new" (func $pair-new (result i64)))
    (import "" "pair.write" (func $pair-write (param i32 i32) (result i32)))
    ;; 42 at 16; "hi" at 64, its pointer and length at 32; (1, 2) at 48.
    (data (i32.const 16) "\2a\00\00\00")
    (data (i32.const 32) "\40\00\00\00\02\00\00\00")
    (data (i32.const 48) "\01\00\00\00\02\00\00\00")
    (data (i32.const 64) "hi")
    ;; Starts the write of the value at `value` to the writable end of
    ;; `ends`; returns the readable end.
    (func $send (param $ends i64) (param $value i32) (param $write i32) (result i32)
      (drop (call_indirect (param i32 i32) (result i32)
        (i32.wrap_i64 (i64.shr_u (local.get $ends) (i64.const 32)))
        (local.get $value) (local.get $write)))
      (i32.wrap_i64 (local.get $ends)))
    (table 4 funcref)
    (elem (i32.const 0) $answer-write $greeting-write $done-write $pair-write)
    (func (export "answer") (result i32)
      (call $send (call $answer-new) (i32.const 16) (i32.const 0)))
    (func (export "greeting") (result i32)
      (call $send (call $greeting-new) (i32.const 32) (i32.const 1)))
    (func (export "done") (result i32)
      (call $send (call $done-new) (i32.const 0) (i32.const 2)))
    (func (export "pair") (result i32)
      (call $send (call $pair-new) (i32.const 48) (i32.const 3))))
  (core func $answer-new (canon future.new $answer))
  (core func $answer-write (canon future.write $answer async (memory $libc "memory")))
  (core func $greeting-new (canon future.new $greeting))
  (core func $greeting-write (canon future.write $greeting async (memory $libc "memory")))
  (core func $done-new (canon future.new $done))
  (core func $done-write (canon future.write $done async (memory $libc "memory")))
  (core func $pair-new (canon future.new $pair))
  (core func $pair-write (canon future.write $pair async (memory $libc "memory")))
  (core instance $i (instantiate $m
    (with "libc" (instance $libc))
    (with "" (instance
      (export "answer.new" (func $answer-new))
      (export "answer.write" (func $answer-write))
      (export "greeting.new" (func $greeting-new))
      (export "greeting.write" (func $greeting-write))
      (export "done.new" (func $done-new))
      (export "done.write" (func $done-write))
      (export "pair.new" (func $pair-new))
      (export "pair.write" (func $pair-write))))))
  (func (export "answer") (result $answer) (canon lift (core func $i "answer")))
  (func (export "greeting") (result $greeting) (canon lift (core func $i "greeting")))
  (func (export "done") (result $done) (canon lift (core func $i "done")))
  (func (export "pair") (result $pair) (canon lift (core func $i "pair"))))
