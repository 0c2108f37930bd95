;; FAIL: inspect %
;; Parses, but does not validate: the function returns nothing.
(module (func (result i32)))
