;; A plug exporting test:semver/api@0.3.0.
(component
  (core module $m (func (export "get") (result i32) i32.const 7))
  (core instance $i (instantiate $m))
  (func $get (result u32) (canon lift (core func $i "get")))
  (instance $api (export "get" (func $get)))
  (export "test:semver/api@0.3.0" (instance $api))
)
