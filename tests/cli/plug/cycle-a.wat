;; FAIL: plug tests/cli/plug/cycle-socket.wat --plug % --plug tests/cli/plug/cycle-b.wat -o %tmp/out.wasm
;; A imports y and exports x; B imports x and exports y: a cycle.
(component
  (import "test:cycle/y" (instance $y (export "f" (func (result u32)))))
  (alias export $y "f" (func $f))
  (instance $x (export "f" (func $f)))
  (export "test:cycle/x" (instance $x))
)
