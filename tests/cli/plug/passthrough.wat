;; RUN: new fixtures/wat/app.wat --wit wit --world app -o %tmp/app.wasm | new fixtures/wat/processor.wat --wit wit --world processor -o %tmp/processor.wasm | plug %tmp/app.wasm --plug % --plug %tmp/processor.wasm -o %tmp/chain.wasm | run %tmp/chain.wasm
;; A three-component chain: this decorator imports `process` and exports it
;; again, so it sits between the app and the processor; the app checks the
;; results itself.
(component
  (import "my:image-processor/process" (instance $p
    (type $image (record (field "data" (list u8)) (field "width" u32) (field "height" u32)))
    (export "image" (type $img (eq $image)))
    (export "resize" (func (param "img" $img) (param "new-width" u32) (param "new-height" u32) (result $img)))
    (export "grayscale" (func (param "img" $img) (result $img)))))
  (export "my:image-processor/process" (instance $p))
)
