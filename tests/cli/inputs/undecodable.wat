;; A component wit-parser 0.254 cannot decode (it panics): an instance import
;; whose export is named like an interface.
(component (import "my:x/y" (instance (export "a:b/c" (func)))))
