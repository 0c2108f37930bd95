;; FAIL: plug % --plug tests/cli/plug/world-use-variant-plug.wat -o %tmp/out.wasm
;; A world-level `use my:t/types.{w}` of a variant that names another type
;; of the interface: filled by the plug, the result would import `w`
;; naming a type of an instance inside it, which is invalid. weld says so
;; (found by weld-fuzz's `plug` target, `regressions/plug/f9ae4391157e96e8.bin`;
;; before, "the composition does not validate; this is a bug in weld").
(component
  (type $i (instance
    (type (flags "a"))
    (export "f" (type (eq 0)))
    (type (variant (case "x" 1)))
    (export "w" (type (eq 2)))))
  (import "my:t/types" (instance $t (type $i)))
  (alias export $t "w" (type $w))
  (import "w" (type (eq $w)))
)
