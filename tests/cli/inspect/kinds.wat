;; RUN: inspect %
;; Imports and exports of every WIT kind: instance, function, type, resource.
(component
  (import "test:kinds/logger@1.0.0" (instance
    (export "log" (func (param "message" string)))))
  (import "counter" (type $counter (sub resource)))
  (import "clock" (func (result u64)))
  (type $level (enum "debug" "info"))
  (import "level" (type $l (eq $level)))
  (import "blocks" (instance
    (export "block" (type $b (sub resource)))
    (export "[constructor]block" (func (param "size" u32) (result (own $b))))
    (export "[method]block.len" (func (param "self" (borrow $b)) (result u32)))
    (type $o (option u8))
    (export "first" (func (param "b" (borrow $b)) (result $o)))))
  (core module $m (func (export "now") (result i64) i64.const 0))
  (core instance $i (instantiate $m))
  (func $now (result u64) (canon lift (core func $i "now")))
  (export "now" (func $now))
)
