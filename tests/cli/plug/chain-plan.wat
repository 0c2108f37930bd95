;; RUN: new fixtures/wat/app.wat --wit wit --world app -o %tmp/app.wasm | new fixtures/wat/processor.wat --wit wit --world processor -o %tmp/processor.wasm | plug %tmp/app.wasm --plug tests/cli/plug/passthrough.wat --plug %tmp/processor.wasm --dry-run
;; The plan of the chain: the decorator fills the app, the processor fills the decorator.
(component
  (import "my:image-processor/process" (instance $p
    (type $image (record (field "data" (list u8)) (field "width" u32) (field "height" u32)))
    (export "image" (type $img (eq $image)))
    (export "resize" (func (param "img" $img) (param "new-width" u32) (param "new-height" u32) (result $img)))
    (export "grayscale" (func (param "img" $img) (result $img)))))
  (export "my:image-processor/process" (instance $p))
)
