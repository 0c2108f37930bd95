;; Exports the interface `world-use-variant.wat` imports a type from.
(component
  (type $f (flags "a"))
  (type $v (variant (case "x" $f)))
  (instance $types (export "f" (type $f)) (export "w" (type $v)))
  (export "my:t/types" (instance $types))
)
