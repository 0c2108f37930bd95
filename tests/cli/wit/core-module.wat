;; FAIL: wit %
;; A core module has no WIT of its own.
(module (func (export "f")))
