;; The socket of the cycle: it imports x.
(component
  (import "test:cycle/x" (instance $x (export "f" (func (result u32)))))
  (alias export $x "f" (func $f))
  (instance $out (export "f" (func $f)))
  (export "test:cycle/out" (instance $out))
)
