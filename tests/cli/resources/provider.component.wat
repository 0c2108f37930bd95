;; The provider as `weld new tests/cli/resources/provider.wat --wit tests/cli/resources/counter.wit --world provider` makes it, printed by `wasm-tools print`.
(component
  (core module $main (;0;)
    (type (;0;) (func (param i32) (result i32)))
    (type (;1;) (func (param i32 i32) (result i32)))
    (type (;2;) (func (param i32)))
    (import "[export]test:resources/counter" "[resource-new]counter" (func $new (;0;) (type 0) (param i32) (result i32)))
    (memory (;0;) 1)
    (global $next (;0;) (mut i32) i32.const 16)
    (export "memory" (memory 0))
    (export "test:resources/counter#[constructor]counter" (func 1))
    (export "test:resources/counter#[method]counter.bump" (func 2))
    (export "test:resources/counter#peek" (func 3))
    (export "test:resources/counter#[dtor]counter" (func 4))
    (func (;1;) (type 0) (param $start i32) (result i32)
      (local $rep i32)
      global.get $next
      local.set $rep
      global.get $next
      i32.const 4
      i32.add
      global.set $next
      local.get $rep
      local.get $start
      i32.store
      local.get $rep
      call $new
    )
    (func (;2;) (type 1) (param $rep i32) (param $by i32) (result i32)
      local.get $rep
      local.get $rep
      i32.load
      local.get $by
      i32.add
      i32.store
      local.get $rep
      i32.load
    )
    (func (;3;) (type 0) (param $rep i32) (result i32)
      local.get $rep
      i32.load
    )
    (func (;4;) (type 2) (param i32))
    (@producers
      (processed-by "wit-component" "0.254.2")
    )
  )
  (core module $wit-component-shim-module (;1;)
    (type (;0;) (func (param i32)))
    (table (;0;) 1 1 funcref)
    (export "0" (func 0))
    (export "$imports" (table 0))
    (func (;0;) (type 0) (param i32)
      local.get 0
      i32.const 0
      call_indirect (type 0)
    )
    (@producers
      (processed-by "wit-component" "0.254.2")
    )
  )
  (core module $wit-component-fixup (;2;)
    (type (;0;) (func (param i32)))
    (import "" "0" (func (;0;) (type 0) (param i32)))
    (import "" "$imports" (table (;0;) 1 1 funcref))
    (elem (;0;) (i32.const 0) func 0)
    (@producers
      (processed-by "wit-component" "0.254.2")
    )
  )
  (core instance $wit-component-shim-instance (;0;) (instantiate $wit-component-shim-module))
  (alias core export $wit-component-shim-instance "0" (core func $dtor-counter (;0;)))
  (type $counter (;0;) (resource (rep i32) (dtor $dtor-counter)))
  (core func $resource.new (;1;) (canon resource.new $counter))
  (core instance $"[export]test:resources/counter" (;1;)
    (export "[resource-new]counter" (func $resource.new))
  )
  (core instance $main (;2;) (instantiate $main
      (with "[export]test:resources/counter" (instance $"[export]test:resources/counter"))
    )
  )
  (alias core export $main "memory" (core memory $memory (;0;)))
  (alias core export $wit-component-shim-instance "$imports" (core table $"shim table" (;0;)))
  (alias core export $main "test:resources/counter#[dtor]counter" (core func $"test:resources/counter#[dtor]counter" (;2;)))
  (core instance $fixup-args (;3;)
    (export "$imports" (table $"shim table"))
    (export "0" (func $"test:resources/counter#[dtor]counter"))
  )
  (core instance $fixup (;4;) (instantiate $wit-component-fixup
      (with "" (instance $fixup-args))
    )
  )
  (type (;1;) (own $counter))
  (type (;2;) (func (param "start" u32) (result 1)))
  (alias core export $main "test:resources/counter#[constructor]counter" (core func $"test:resources/counter#[constructor]counter" (;3;)))
  (func $"[constructor]counter" (;0;) (type 2) (canon lift (core func $"test:resources/counter#[constructor]counter")))
  (type (;3;) (borrow $counter))
  (type (;4;) (func (param "self" 3) (param "by" u32) (result u32)))
  (alias core export $main "test:resources/counter#[method]counter.bump" (core func $"test:resources/counter#[method]counter.bump" (;4;)))
  (func $"[method]counter.bump" (;1;) (type 4) (canon lift (core func $"test:resources/counter#[method]counter.bump")))
  (type (;5;) (func (param "c" 3) (result u32)))
  (alias core export $main "test:resources/counter#peek" (core func $test:resources/counter#peek (;5;)))
  (func $peek (;2;) (type 5) (canon lift (core func $test:resources/counter#peek)))
  (component $test:resources/counter-shim-component (;0;)
    (import "import-type-counter" (type (;0;) (sub resource)))
    (type (;1;) (own 0))
    (type (;2;) (func (param "start" u32) (result 1)))
    (import "import-constructor-counter" (func (;0;) (type 2)))
    (type (;3;) (borrow 0))
    (type (;4;) (func (param "self" 3) (param "by" u32) (result u32)))
    (import "import-method-counter-bump" (func (;1;) (type 4)))
    (type (;5;) (func (param "c" 3) (result u32)))
    (import "import-func-peek" (func (;2;) (type 5)))
    (export (;6;) "counter" (type 0))
    (type (;7;) (own 6))
    (type (;8;) (func (param "start" u32) (result 7)))
    (export (;3;) "[constructor]counter" (func 0) (func (type 8)))
    (type (;9;) (borrow 6))
    (type (;10;) (func (param "self" 9) (param "by" u32) (result u32)))
    (export (;4;) "[method]counter.bump" (func 1) (func (type 10)))
    (type (;11;) (func (param "c" 9) (result u32)))
    (export (;5;) "peek" (func 2) (func (type 11)))
  )
  (instance $test:resources/counter-shim-instance (;0;) (instantiate $test:resources/counter-shim-component
      (with "import-constructor-counter" (func $"[constructor]counter"))
      (with "import-method-counter-bump" (func $"[method]counter.bump"))
      (with "import-func-peek" (func $peek))
      (with "import-type-counter" (type $counter))
    )
  )
  (export $test:resources/counter (;1;) "test:resources/counter" (instance $test:resources/counter-shim-instance))
  (@producers
    (processed-by "wit-component" "0.254.2")
  )
)
