;; The consumer as `weld new tests/cli/resources/consumer.wat --wit tests/cli/resources/counter.wit --world consumer` makes it, printed by `wasm-tools print`.
(component
  (type $ty-test:resources/counter (;0;)
    (instance
      (export (;0;) "counter" (type (sub resource)))
      (type (;1;) (own 0))
      (type (;2;) (func (param "start" u32) (result 1)))
      (export (;0;) "[constructor]counter" (func (type 2)))
      (type (;3;) (borrow 0))
      (type (;4;) (func (param "self" 3) (param "by" u32) (result u32)))
      (export (;1;) "[method]counter.bump" (func (type 4)))
      (type (;5;) (func (param "c" 3) (result u32)))
      (export (;2;) "peek" (func (type 5)))
    )
  )
  (import "test:resources/counter" (instance $test:resources/counter (;0;) (type $ty-test:resources/counter)))
  (core module $main (;0;)
    (type (;0;) (func (param i32) (result i32)))
    (type (;1;) (func (param i32 i32) (result i32)))
    (type (;2;) (func (param i32)))
    (type (;3;) (func (result i32)))
    (import "test:resources/counter" "[constructor]counter" (func $new (;0;) (type 0) (param i32) (result i32)))
    (import "test:resources/counter" "[method]counter.bump" (func $bump (;1;) (type 1) (param i32 i32) (result i32)))
    (import "test:resources/counter" "peek" (func $peek (;2;) (type 0) (param i32) (result i32)))
    (import "test:resources/counter" "[resource-drop]counter" (func $drop (;3;) (type 2) (param i32)))
    (export "run" (func 4))
    (func (;4;) (type 3) (result i32)
      (local $c i32) (local $value i32)
      i32.const 40
      call $new
      local.set $c
      local.get $c
      i32.const 1
      call $bump
      drop
      local.get $c
      i32.const 1
      call $bump
      local.set $value
      local.get $c
      call $peek
      local.get $value
      i32.ne
      if ;; label = @1
        unreachable
      end
      local.get $c
      call $drop
      local.get $value
    )
    (@producers
      (processed-by "wit-component" "0.254.2")
    )
  )
  (alias export $test:resources/counter "[constructor]counter" (func $"[constructor]counter" (;0;)))
  (core func $"[constructor]counter" (;0;) (canon lower (func $"[constructor]counter")))
  (alias export $test:resources/counter "[method]counter.bump" (func $"[method]counter.bump" (;1;)))
  (core func $"[method]counter.bump" (;1;) (canon lower (func $"[method]counter.bump")))
  (alias export $test:resources/counter "peek" (func $peek (;2;)))
  (core func $peek (;2;) (canon lower (func $peek)))
  (alias export $test:resources/counter "counter" (type $counter (;1;)))
  (core func $resource.drop (;3;) (canon resource.drop $counter))
  (core instance $test:resources/counter (;0;)
    (export "[constructor]counter" (func $"[constructor]counter"))
    (export "[method]counter.bump" (func $"[method]counter.bump"))
    (export "peek" (func $peek))
    (export "[resource-drop]counter" (func $resource.drop))
  )
  (core instance $main (;1;) (instantiate $main
      (with "test:resources/counter" (instance $test:resources/counter))
    )
  )
  (type (;2;) (func (result u32)))
  (alias core export $main "run" (core func $run (;4;)))
  (func $run (;3;) (type 2) (canon lift (core func $run)))
  (export $"#func4 run" (@name "run") (;4;) "run" (func $run))
  (@producers
    (processed-by "wit-component" "0.254.2")
  )
)
