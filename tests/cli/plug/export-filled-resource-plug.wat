;; The plug of `export-filled-resource.wat`: it defines `thing`.
(component
  (type $thing (resource (rep i32)))
  (instance $types (export "thing" (type $thing)))
  (export "test:res/types" (instance $types))
)
