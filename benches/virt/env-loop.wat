;; World `env-loop` of env-loop.wit. A bump allocator that starts afresh
;; before each call, so that n calls need no more memory than one.
(module
  (import "wasi:cli/environment@0.2.12" "get-environment"
    (func $get-environment (param i32)))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $at i32)
    (local.set $at
      (i32.and (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))
               (i32.sub (i32.const 0) (local.get 2))))
    (global.set $heap (i32.add (local.get $at) (local.get 3)))
    (if (i32.gt_u (global.get $heap) (i32.shl (memory.size) (i32.const 16)))
      (then (drop (memory.grow (i32.const 1)))))
    (local.get $at))
  (func (export "call-env") (param $n i32) (result i32)
    (local $seen i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (global.set $heap (i32.const 1024))
        ;; The list's pointer and length land at 16.
        (call $get-environment (i32.const 16))
        (local.set $seen (i32.add (local.get $seen) (i32.load (i32.const 20))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $seen)))
