;; `bench:cross/callee`'s `id: async func(x: u32) -> u32`, lifted async
;; with a callback: it returns its result (`task.return`) and exits at
;; once (callback code EXIT, 0), so its callback is never called.
(component
  (core module $m
    (import "" "task.return" (func $task-return (param i32)))
    (func (export "id") (param i32) (result i32)
      (call $task-return (local.get 0))
      (i32.const 0))
    (func (export "callback") (param i32 i32 i32) (result i32) (unreachable)))
  (core func $task-return (canon task.return (result u32)))
  (core instance $i (instantiate $m
    (with "" (instance (export "task.return" (func $task-return))))))
  (type $id (func async (param "x" u32) (result u32)))
  (func $id (type $id)
    (canon lift (core func $i "id") async (callback (func $i "callback"))))
  (instance $callee (export "id" (func $id)))
  (export "bench:cross/callee" (instance $callee)))
