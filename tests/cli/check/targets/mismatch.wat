;; FAIL: check targets % --wit tests/cli/check/targets/api.wit --world provider
;; `add` takes u64s here, u32s in the world.
(component
  (core module $m
    (func (export "add") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1))))
  (core instance $i (instantiate $m))
  (func $add (param "a" u64) (param "b" u64) (result u64) (canon lift (core func $i "add")))
  (instance $calc (export "add" (func $add)))
  (export "test:api/calc@1.0.0" (instance $calc))
)
