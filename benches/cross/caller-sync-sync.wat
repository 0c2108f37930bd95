;; A sync caller of a sync function: the baseline.
;; `run(n)` calls `bench:cross/callee#id` n times, lowered sync, and
;; returns the sum of what it returned.
(component
  (import "bench:cross/callee" (instance $callee
    (export "id" (func (param "x" u32) (result u32)))))
  (core func $id (canon lower (func $callee "id")))
  (core module $m
    (import "" "id" (func $id (param i32) (result i32)))
    (func $loop (param $n i32) (result i32)
      (local $sum i32)
      (block $done
        (loop $next
          (br_if $done (i32.eqz (local.get $n)))
          (local.set $sum (i32.add (local.get $sum) (call $id (local.get $n))))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $next)))
      (local.get $sum))
    (func (export "run") (param $n i32) (result i32) (call $loop (local.get $n))))
  (core instance $i (instantiate $m
    (with "" (instance (export "id" (func $id))))))
  (type $run (func (param "n" u32) (result u32)))
  (func $run (type $run) (canon lift (core func $i "run")))
  (export "run" (func $run)))
