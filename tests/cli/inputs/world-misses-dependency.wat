;; A WIT package encoded as a component (found by weld-fuzz decode, da3ae030): world
;; `w` exports `a:main/api`, which uses `a:dep/types`, and imports only
;; `a:dep/typeq`. wit-component panicked encoding the world on its own.
(component
  (type (;0;)
    (component
      (type (;0;)
        (instance
          (type (;0;) (record (field "x" u32)))
          (export (;1;) "r" (type (eq 0)))
        )
      )
      (import "a:dep/types" (instance (;0;) (type 0)))
      (alias export 0 "r" (type (;1;)))
      (type (;2;)
        (instance
          (alias outer 1 1 (type (;0;)))
          (export (;1;) "r" (type (eq 0)))
          (type (;2;) (func (param "v" 1) (result u32)))
          (export (;0;) "f" (func (type 2)))
        )
      )
      (export (;1;) "a:main/api" (instance (type 2)))
    )
  )
  (export (;1;) "api" (type 0))
  (type (;2;)
    (component
      (type (;0;)
        (component
          (type (;0;)
            (instance
              (type (;0;) (record (field "x" u32)))
              (export (;1;) "r" (type (eq 0)))
            )
          )
          (import "a:dep/typeq" (instance (;0;) (type 0)))
          (alias export 0 "r" (type (;1;)))
          (type (;2;)
            (instance
              (alias outer 1 1 (type (;0;)))
              (export (;1;) "r" (type (eq 0)))
              (type (;2;) (func (param "v" 1) (result u32)))
              (export (;0;) "f" (func (type 2)))
            )
          )
          (export (;1;) "a:main/api" (instance (type 2)))
        )
      )
      (export (;0;) "a:main/w" (component (type 0)))
    )
  )
  (export (;3;) "w" (type 2))
  (@custom "package-docs" "\01{}")
  (@producers
    (processed-by "wit-component" "0.262.0")
  )
)
