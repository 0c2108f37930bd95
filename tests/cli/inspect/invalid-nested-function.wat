;; FAIL: inspect %
;; The same in a module nested in a component, after an imported
;; function: `$sum` is the module's function 1.
(component
  (core module
    (import "m" "f" (func))
    (func $sum (param i32 i32) (result i32) local.get 0 local.get 1 i64.add)))
