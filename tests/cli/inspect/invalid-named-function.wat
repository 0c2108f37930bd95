;; FAIL: inspect %
;; WebAssembly text that parses but does not validate: the fault is placed
;; in the function the text names, not at an offset of the binary weld
;; made of the text.
(module
  (func $fine (result i32) i32.const 1)
  (func $broken (result i32) i64.const 1))
