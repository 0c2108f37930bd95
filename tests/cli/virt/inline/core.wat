(module
  (import "$root" "f" (func (result i32)))
  (import "x" "g" (func (result i32)))
  (import "test:inline/named" "h" (func (result i32)))
  (func (export "run") (result i32) call 0 call 1 i32.add call 2 i32.add))
