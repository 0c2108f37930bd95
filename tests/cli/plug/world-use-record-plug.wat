;; Exports the interface `world-use-record.wat` imports a type from.
(component
  (type $r (record (field "a" u8)))
  (instance $types (export "w" (type $r)))
  (export "my:t/types" (instance $types))
)
