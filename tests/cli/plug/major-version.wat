;; FAIL: new fixtures/wat/app.wat --wit wit --world app -o %tmp/app.wasm | plug %tmp/app.wasm --plug % -o %tmp/out.wasm
;; The app imports my:image-processor/process (no version); this exports
;; @2.0.0: nothing fits, and the error says why.
(component
  (import "my:image-processor/process@2.0.0" (instance $p
    (type $image (record (field "data" (list u8)) (field "width" u32) (field "height" u32)))
    (export "image" (type $img (eq $image)))
    (export "resize" (func (param "img" $img) (param "new-width" u32) (param "new-height" u32) (result $img)))
    (export "grayscale" (func (param "img" $img) (result $img)))))
  (export "my:image-processor/process@2.0.0" (instance $p))
)
