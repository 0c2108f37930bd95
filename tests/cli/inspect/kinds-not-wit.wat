;; RUN: inspect %
;; A top-level type export has no WIT form: names and kinds are still shown.
(component
  (import "test:kinds/logger@1.0.0" (instance
    (export "log" (func (param "message" string)))))
  (import "counter" (type $counter (sub resource)))
  (import "clock" (func (result u64)))
  (type $level (enum "debug" "info"))
  (export "level" (type $level))
)
