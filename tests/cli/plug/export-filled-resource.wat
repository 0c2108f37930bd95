;; FAIL: plug % --plug tests/cli/plug/export-filled-resource-plug.wat -o %tmp/out.wasm
;; The socket exports an interface whose record holds an `own` of the
;; resource its import `test:res/types` brings, and the plug fills that
;; import: the result's export would name a resource defined inside it and
;; does not validate. The error says why, not "a bug in weld" (found by
;; weld-fuzz `plug`, `regressions/plug/3d6c4f5f226232ac.bin`). A bare
;; resource export composes (`export-filled-resource-bare.run`).
(component
  (import "test:res/types" (instance $types (export "thing" (type (sub resource)))))
  (alias export $types "thing" (type $thing))
  (type $own (own $thing))
  (type $rec (record (field "t" $own)))
  (instance $api (export "holder" (type $rec)))
  (export "test:res/api" (instance $api))
)
