;; FAIL: inspect %
;; Invalid text: an unknown instruction.
(module (func i32.bogus))
