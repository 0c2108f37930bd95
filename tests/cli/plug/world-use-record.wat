;; RUN: plug % --plug tests/cli/plug/world-use-record-plug.wat -o %tmp/out.wasm | inspect %tmp/out.wasm
;; A world-level `use my:t/types.{w}`: the socket imports the type `w` as
;; equal to the type of the instance it imports. Filled by the plug, the
;; result imports `w` defined again by structure, which a record of plain
;; fields allows (compare `world-use-variant.wat`).
(component
  (type $i (instance
    (type (record (field "a" u8)))
    (export "w" (type (eq 0)))))
  (import "my:t/types" (instance $t (type $i)))
  (alias export $t "w" (type $w))
  (import "w" (type (eq $w)))
)
