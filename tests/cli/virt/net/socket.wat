;; World `socket` of net.wit: asks for an IPv4 TCP socket and returns the
;; index of the error case it got (`access-denied` is 1), or 999 if it got
;; a socket.
(module
  (import "wasi:sockets/tcp-create-socket@0.2.12" "create-tcp-socket"
    (func $create (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (i32.const 1024))
  (func (export "try-socket") (result i32)
    ;; result<own<tcp-socket>, error-code> at 16: tag, then the payload.
    (call $create (i32.const 0) (i32.const 16))
    (if (result i32) (i32.load8_u (i32.const 16))
      (then (i32.load8_u (i32.const 20)))
      (else (i32.const 999)))))
