;; B imports x and exports y.
(component
  (import "test:cycle/x" (instance $x (export "f" (func (result u32)))))
  (alias export $x "f" (func $f))
  (instance $y (export "f" (func $f)))
  (export "test:cycle/y" (instance $y))
)
