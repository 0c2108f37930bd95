;; Imports wasi:random/random and exports it again unchanged, so that
;; `weld invoke` can call what the virtualiser puts in its place.
(component
  (import "wasi:random/random@0.2.12" (instance $random
    (export "get-random-bytes" (func (param "len" u64) (result (list u8))))
    (export "get-random-u64" (func (result u64)))))
  (export "wasi:random/random@0.2.12" (instance $random))
)
