(module
  (import "$root" "f" (func (param i32 i32) (result i32)))
  (import "test:types/named" "h" (func (result i32)))
  (func (export "run") (result i32) (call 0 (i32.const 0) (i32.const 1)) call 1 i32.add))
