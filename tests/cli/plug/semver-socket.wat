;; RUN: plug % --plug tests/cli/plug/semver-0.2.12.wat --dry-run
;; An import @0.2.0 is filled by an export @0.2.12 of the same interface.
(component
  (import "test:semver/api@0.2.0" (instance $api (export "get" (func (result u32)))))
  (alias export $api "get" (func $get))
  (instance $out (export "get" (func $get)))
  (export "test:semver/out" (instance $out))
)
