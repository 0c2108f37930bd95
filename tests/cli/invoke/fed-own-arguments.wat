;; RUN: invoke % 'sum(@fixtures/components/go-app.wasm)'
;; A component that imports weld:invoke itself cannot have the argument layer
;; (it would add a second): its files go as values, with a warning.
(component
  (import "weld:invoke/arguments@0.1.0" (instance $a
    (export "get" (func (param "base" u32) (result (list u8))))))
  (core module $m
    (memory (export "memory") 1)
    (global $heap (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $at i32)
      (local.set $at (global.get $heap))
      (global.set $heap (i32.add (local.get $at) (local.get 3)))
      (block $enough
        (br_if $enough (i32.le_u (global.get $heap) (i32.shl (memory.size) (i32.const 16))))
        (drop (memory.grow (i32.shr_u (i32.add (i32.sub (global.get $heap) (i32.shl (memory.size) (i32.const 16))) (i32.const 65535)) (i32.const 16)))))
      (local.get $at))
    (func (export "sum") (param $p i32) (param $n i32) (result i64)
      (local $acc i64) (local $end i32)
      (local.set $end (i32.add (local.get $p) (local.get $n)))
      (block $done
        (loop $next
          (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
          (local.set $acc (i64.add (local.get $acc) (i64.load8_u (local.get $p))))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br $next)))
      (local.get $acc)))
  (core instance $i (instantiate $m))
  (func $sum (param "data" (list u8)) (result u64)
    (canon lift (core func $i "sum") (memory $i "memory") (realloc (func $i "realloc"))))
  (export "sum" (func $sum)))
