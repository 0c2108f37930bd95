;; RUN: invoke % 'sum(@fixtures/components/go-app.wasm)' 'mixed(true, some("héllo"), @fixtures/components/go-app.wasm, 1.5, err("four"), ok(1.5))' 'mixed(false, none, [1, 2], -0.25, ok(7), err(9))' 'mixed(false, "x", [1], 2.5, 7, 1.5)' 'many(@fixtures/components/go-app.wasm, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16)' 'sum([255, 0, 0, 255])' 'total(@fixtures/components/go-app.wasm)'
;; Calls that pass files of 1 MiB or more (here of 2,748,836 bytes that sum
;; to 142,417,173) go through the argument layer, and so do all calls of
;; their functions. It lays their arguments out as the callee's core
;; function takes them: flat (`sum`, `mixed`: options, a string, a float,
;; results whose cases join i32s and an f32 with an i64) or, with more
;; than 16 core values, through memory (`many`). fed-inline.run makes the
;; small calls without the large ones, not fed, and must print the same.
;; A value standing alone is `some` or `ok` of it, as WAVE reads it.
(component
  (core module $m
    (memory (export "memory") 1)
    (global $heap (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $at i32)
      (local.set $at
        (i32.and
          (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))
          (i32.sub (i32.const 0) (local.get 2))))
      (global.set $heap (i32.add (local.get $at) (local.get 3)))
      (block $enough
        (br_if $enough
          (i32.le_u (global.get $heap) (i32.shl (memory.size) (i32.const 16))))
        (drop (memory.grow
          (i32.shr_u
            (i32.add
              (i32.sub (global.get $heap) (i32.shl (memory.size) (i32.const 16)))
              (i32.const 65535))
            (i32.const 16)))))
      (local.get $at))
    (func $sum (export "sum") (param $p i32) (param $n i32) (result i64)
      (local $acc i64) (local $end i32)
      (local.set $end (i32.add (local.get $p) (local.get $n)))
      (block $done
        (loop $next
          (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
          (local.set $acc (i64.add (local.get $acc) (i64.load8_u (local.get $p))))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br $next)))
      (local.get $acc))
    ;; (flag, label's length or 99 for none, the data's sum, ratio, pick's
    ;; case, its u32 or its string's length, alt's core bits)
    (func (export "mixed")
      (param $flag i32) (param $ld i32) (param $lp i32) (param $ll i32)
      (param $dp i32) (param $dl i32) (param $ratio f32)
      (param $rd i32) (param $r1 i32) (param $r2 i32)
      (param $ad i32) (param $a1 i64)
      (result i32)
      (i32.store (i32.const 64) (local.get $flag))
      (i32.store (i32.const 68) (select (local.get $ll) (i32.const 99) (local.get $ld)))
      (i64.store (i32.const 72) (call $sum (local.get $dp) (local.get $dl)))
      (f32.store (i32.const 80) (local.get $ratio))
      (i32.store (i32.const 84) (local.get $rd))
      (i32.store (i32.const 88) (select (local.get $r2) (local.get $r1) (local.get $rd)))
      (i64.store (i32.const 96) (local.get $a1))
      (i32.const 64))
    ;; The data's sum plus each number times its place (1 to 16).
    (func (export "many") (param $args i32) (result i64)
      (local $i i32) (local $acc i64)
      (local.set $acc
        (call $sum (i32.load (local.get $args)) (i32.load offset=4 (local.get $args))))
      (block $done
        (loop $next
          (br_if $done (i32.ge_u (local.get $i) (i32.const 16)))
          (local.set $acc
            (i64.add (local.get $acc)
              (i64.extend_i32_u
                (i32.mul
                  (i32.add (local.get $i) (i32.const 1))
                  (i32.load offset=8
                    (i32.add (local.get $args) (i32.shl (local.get $i) (i32.const 2))))))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $next)))
      (local.get $acc))
    ;; Each call starts the heap afresh once its result is read.
    (func (export "free-i64") (param i64) (global.set $heap (i32.const 1024)))
    (func (export "free-i32") (param i32) (global.set $heap (i32.const 1024))))
  (core instance $i (instantiate $m))
  (func $sum (param "data" (list u8)) (result u64)
    (canon lift (core func $i "sum") (memory $i "memory") (realloc (func $i "realloc"))
      (post-return (func $i "free-i64"))))
  (func $mixed
    (param "flag" bool) (param "label" (option string)) (param "data" (list u8))
    (param "ratio" float32) (param "pick" (result u32 (error string)))
    (param "alt" (result float32 (error u64)))
    (result (tuple u32 u32 u64 float32 u32 u32 u64))
    (canon lift (core func $i "mixed") (memory $i "memory") (realloc (func $i "realloc"))
      (post-return (func $i "free-i32"))))
  (func $many
    (param "data" (list u8))
    (param "a" u32) (param "b" u32) (param "c" u32) (param "d" u32)
    (param "e" u32) (param "f" u32) (param "g" u32) (param "h" u32)
    (param "i" u32) (param "j" u32) (param "k" u32) (param "l" u32)
    (param "m" u32) (param "n" u32) (param "o" u32) (param "p" u32)
    (result u64)
    (canon lift (core func $i "many") (memory $i "memory") (realloc (func $i "realloc"))
      (post-return (func $i "free-i64"))))
  (instance $bytes
    (export "sum" (func $sum))
    (export "mixed" (func $mixed))
    (export "many" (func $many)))
  (export "test:fed/bytes" (instance $bytes))
  ;; A function the world exports itself is fed too.
  (export "total" (func $sum))
)
