;; `probe: func() -> bool`: whether WASI 0.3's `tcp-socket.create(ipv4)`
;; returns `ok` (the socket is dropped again). Built by the tests with
;;
;;   weld new tests/cli/inputs/p3-socket-probe.wat --wit tests/cli/inputs/p3-sockets --world probe
(module
  ;; (address-family, return pointer): result<tcp-socket, error-code>, its
  ;; case at 0 and the socket's handle at 4.
  (import "wasi:sockets/types@0.3.0" "[static]tcp-socket.create" (func $create (param i32 i32)))
  (import "wasi:sockets/types@0.3.0" "[resource-drop]tcp-socket" (func $drop (param i32)))
  (memory (export "memory") 1)
  (func (export "probe") (result i32)
    (call $create (i32.const 0) (i32.const 16))
    (if (result i32) (i32.load8_u (i32.const 16))
      (then (i32.const 0))
      (else
        (call $drop (i32.load (i32.const 20)))
        (i32.const 1))))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024)))
