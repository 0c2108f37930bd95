(component
  (import "test:res/types" (instance $types (export "thing" (type (sub resource)))))
  (alias export $types "thing" (type $thing))
  (instance $api (export "thing" (type $thing)))
  (export "test:res/api" (instance $api))
)
