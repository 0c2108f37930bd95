;; `canon(https, authority, length, method, length, path, length, out) ->
;; length`: an outgoing request as `weld_wit::http::canonical` writes it,
;; `METHOD SCHEME://HOST:PORT PATH`, with the host in lower case and
;; without a trailing dot, and the port always written (the scheme's
;; default if none). The
;; grants of `weld virt --allow-http` are globs over that form, so anything
;; that would let a `*` reach past its part, or that a host might read
;; otherwise than weld, is refused (-1):
;;
;;   bytes outside printable ASCII, `@` (userinfo), `/` `\` `?` `#` `%`,
;;   a second `:` outside brackets, a `[` not first or not closed, an empty
;;   host or one starting with `.`, a port that is not 1 to 5 digits up to
;;   65535; a method that is not an RFC 9110 token; a path that does not
;;   start with `/`, holds bytes outside printable ASCII, `\` or `%2e`, or
;;   a `.` or `..` segment before any `?` or `#` (as `plain_path`).
;;
;; `out` has room for the three lengths plus 24. Copied into the
;; virtual module by weld-virt (`module::canon_body`), which needs its
;; one function to use nothing but memory 0.
(module
  (memory 1)
  (func (export "canon") (param $https i32) (param $auth i32) (param $len i32)
    (param $method i32) (param $mlen i32) (param $path i32) (param $plen i32) (param $out i32)
    (result i32)
    (local $o i32) (local $i i32) (local $c i32) (local $colon i32) (local $bracket i32)
    (local $host i32) (local $port i32) (local $d i32) (local $q i32) (local $started i32)
    (local $segment i32) (local $query i32) (local $n i32)
    ;; The method, a token: letters, digits and !#$%&'*+-.^_`|~.
    (if (i32.eqz (local.get $mlen)) (then (return (i32.const -1))))
    (local.set $o (local.get $out))
    (block $methoded
      (loop $m
        (br_if $methoded (i32.ge_u (local.get $i) (local.get $mlen)))
        (local.set $c (i32.load8_u (i32.add (local.get $method) (local.get $i))))
        (if (i32.eqz
              (i32.or
                (i32.or
                  (i32.and (i32.ge_u (local.get $c) (i32.const 0x30)) (i32.le_u (local.get $c) (i32.const 0x39)))
                  (i32.and (i32.ge_u (i32.or (local.get $c) (i32.const 0x20)) (i32.const 0x61))
                           (i32.le_u (i32.or (local.get $c) (i32.const 0x20)) (i32.const 0x7a))))
                (i32.or
                  (i32.or
                    (i32.or (i32.eq (local.get $c) (i32.const 0x21)) (i32.eq (local.get $c) (i32.const 0x7e)))
                    (i32.or (i32.eq (local.get $c) (i32.const 0x7c)) (i32.eq (local.get $c) (i32.const 0x60))))
                  (i32.or
                    (i32.or
                      ;; # $ % & '
                      (i32.and (i32.ge_u (local.get $c) (i32.const 0x23)) (i32.le_u (local.get $c) (i32.const 0x27)))
                      ;; * + - .
                      (i32.or (i32.or (i32.eq (local.get $c) (i32.const 0x2a)) (i32.eq (local.get $c) (i32.const 0x2b)))
                              (i32.or (i32.eq (local.get $c) (i32.const 0x2d)) (i32.eq (local.get $c) (i32.const 0x2e)))))
                    (i32.or (i32.eq (local.get $c) (i32.const 0x5e)) (i32.eq (local.get $c) (i32.const 0x5f)))))))
          (then (return (i32.const -1))))
        (i32.store8 (local.get $o) (local.get $c))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $m)))
    (i32.store8 (local.get $o) (i32.const 0x20))
    (local.set $o (i32.add (local.get $o) (i32.const 1)))
    (local.set $i (i32.const 0))
    ;; "http", then "s" for HTTPS, then "://".
    (i32.store (local.get $o) (i32.const 0x70747468))
    (local.set $o (i32.add (local.get $o) (i32.const 4)))
    (if (local.get $https)
      (then
        (i32.store8 (local.get $o) (i32.const 0x73))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))))
    (i32.store8 (local.get $o) (i32.const 0x3a))
    (i32.store8 offset=1 (local.get $o) (i32.const 0x2f))
    (i32.store8 offset=2 (local.get $o) (i32.const 0x2f))
    (local.set $o (i32.add (local.get $o) (i32.const 3)))
    ;; One pass over the authority: what is refused, and where the port's
    ;; `:` is.
    (local.set $colon (i32.const -1))
    (block $scanned
      (loop $scan
        (br_if $scanned (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $c (i32.load8_u (i32.add (local.get $auth) (local.get $i))))
        (if (i32.or (i32.le_u (local.get $c) (i32.const 0x20))
                    (i32.ge_u (local.get $c) (i32.const 0x7f)))
          (then (return (i32.const -1))))
        (if (i32.or
              (i32.or (i32.eq (local.get $c) (i32.const 0x40)) (i32.eq (local.get $c) (i32.const 0x2f)))
              (i32.or
                (i32.or (i32.eq (local.get $c) (i32.const 0x5c)) (i32.eq (local.get $c) (i32.const 0x3f)))
                (i32.or (i32.eq (local.get $c) (i32.const 0x23)) (i32.eq (local.get $c) (i32.const 0x25)))))
          (then (return (i32.const -1))))
        ;; `[` opens an IPv6 address, and only at the start.
        (if (i32.eq (local.get $c) (i32.const 0x5b))
          (then
            (if (i32.or (local.get $i) (local.get $bracket)) (then (return (i32.const -1))))
            (local.set $bracket (i32.const 1))))
        (if (i32.eq (local.get $c) (i32.const 0x5d))
          (then
            (if (i32.ne (local.get $bracket) (i32.const 1)) (then (return (i32.const -1))))
            (local.set $bracket (i32.const 2))))
        (if (i32.and (i32.eq (local.get $c) (i32.const 0x3a))
                     (i32.ne (local.get $bracket) (i32.const 1)))
          (then
            (if (i32.ne (local.get $colon) (i32.const -1)) (then (return (i32.const -1))))
            (local.set $colon (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $scan)))
    (if (i32.eq (local.get $bracket) (i32.const 1)) (then (return (i32.const -1))))
    ;; The host: up to the `:`, without one trailing dot.
    (local.set $host
      (select (local.get $len) (local.get $colon) (i32.eq (local.get $colon) (i32.const -1))))
    (if (i32.eqz (local.get $host)) (then (return (i32.const -1))))
    (if (i32.eq (i32.load8_u (i32.add (local.get $auth) (i32.sub (local.get $host) (i32.const 1))))
                (i32.const 0x2e))
      (then (local.set $host (i32.sub (local.get $host) (i32.const 1)))))
    (if (i32.eqz (local.get $host)) (then (return (i32.const -1))))
    (if (i32.eq (i32.load8_u (local.get $auth)) (i32.const 0x2e)) (then (return (i32.const -1))))
    (local.set $i (i32.const 0))
    (block $copied
      (loop $copy
        (br_if $copied (i32.ge_u (local.get $i) (local.get $host)))
        (local.set $c (i32.load8_u (i32.add (local.get $auth) (local.get $i))))
        (if (i32.and (i32.ge_u (local.get $c) (i32.const 0x41)) (i32.le_u (local.get $c) (i32.const 0x5a)))
          (then (local.set $c (i32.add (local.get $c) (i32.const 0x20)))))
        (i32.store8 (local.get $o) (local.get $c))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $copy)))
    (i32.store8 (local.get $o) (i32.const 0x3a))
    (local.set $o (i32.add (local.get $o) (i32.const 1)))
    ;; The port: the scheme's default, or 1 to 5 digits up to 65535.
    (if (i32.eq (local.get $colon) (i32.const -1))
      (then (local.set $port (select (i32.const 443) (i32.const 80) (local.get $https))))
      (else
        (local.set $i (i32.add (local.get $colon) (i32.const 1)))
        (if (i32.or (i32.ge_u (local.get $i) (local.get $len))
                    (i32.gt_u (i32.sub (local.get $len) (local.get $i)) (i32.const 5)))
          (then (return (i32.const -1))))
        (block $read
          (loop $digit
            (br_if $read (i32.ge_u (local.get $i) (local.get $len)))
            (local.set $c (i32.sub (i32.load8_u (i32.add (local.get $auth) (local.get $i))) (i32.const 0x30)))
            (if (i32.gt_u (local.get $c) (i32.const 9)) (then (return (i32.const -1))))
            (local.set $port (i32.add (i32.mul (local.get $port) (i32.const 10)) (local.get $c)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $digit)))
        (if (i32.gt_u (local.get $port) (i32.const 65535)) (then (return (i32.const -1))))))
    ;; Written in decimal, without leading zeros.
    (local.set $d (i32.const 10000))
    (block $written
      (loop $write
        (br_if $written (i32.eqz (local.get $d)))
        (local.set $q (i32.div_u (local.get $port) (local.get $d)))
        (if (i32.or (i32.or (local.get $q) (local.get $started)) (i32.eq (local.get $d) (i32.const 1)))
          (then
            (i32.store8 (local.get $o) (i32.add (local.get $q) (i32.const 0x30)))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))
            (local.set $started (i32.const 1))))
        (local.set $port (i32.sub (local.get $port) (i32.mul (local.get $q) (local.get $d))))
        (local.set $d (i32.div_u (local.get $d) (i32.const 10)))
        (br $write)))
    ;; A space, then the path as it is, if it is plain.
    (i32.store8 (local.get $o) (i32.const 0x20))
    (local.set $o (i32.add (local.get $o) (i32.const 1)))
    (if (i32.or (i32.eqz (local.get $plen))
                (i32.ne (i32.load8_u (local.get $path)) (i32.const 0x2f)))
      (then (return (i32.const -1))))
    ;; $segment: where the segment being read starts (after its `/`);
    ;; each is checked at its end (see DOT below) until a `?` or `#`.
    (local.set $i (i32.const 0))
    (local.set $segment (i32.const 1))
    (block $pathed
      (loop $p
        (local.set $c (i32.const 0x2f))
        (if (i32.lt_u (local.get $i) (local.get $plen))
          (then (local.set $c (i32.load8_u (i32.add (local.get $path) (local.get $i))))))
        (if (i32.or (i32.or (i32.le_u (local.get $c) (i32.const 0x20))
                            (i32.ge_u (local.get $c) (i32.const 0x7f)))
                    (i32.eq (local.get $c) (i32.const 0x5c)))
          (then (return (i32.const -1))))
        ;; `%2e` or `%2E`: an encoded dot.
        (if (i32.and (i32.eq (local.get $c) (i32.const 0x25))
                     (i32.lt_u (i32.add (local.get $i) (i32.const 2)) (local.get $plen)))
          (then
            (if (i32.and
                  (i32.eq (i32.load8_u offset=1 (i32.add (local.get $path) (local.get $i))) (i32.const 0x32))
                  (i32.eq (i32.or (i32.load8_u offset=2 (i32.add (local.get $path) (local.get $i))) (i32.const 0x20))
                          (i32.const 0x65)))
              (then (return (i32.const -1))))))
        ;; The end of a segment (`/`, `?`, `#` or the end, read as `/`):
        ;; DOT, it must not be `.` or `..`.
        (if (i32.and (i32.eqz (local.get $query))
                     (i32.and (i32.ne (local.get $i) (i32.const 0))
                              (i32.or (i32.eq (local.get $c) (i32.const 0x2f))
                                      (i32.or (i32.eq (local.get $c) (i32.const 0x3f))
                                              (i32.eq (local.get $c) (i32.const 0x23))))))
          (then
            (local.set $n (i32.sub (local.get $i) (local.get $segment)))
        (if (i32.le_u (i32.sub (local.get $n) (i32.const 1)) (i32.const 1))
          (then
            (if (i32.and
                  (i32.eq (i32.load8_u (i32.add (local.get $path) (local.get $segment))) (i32.const 0x2e))
                  (i32.or (i32.eq (local.get $n) (i32.const 1))
                          (i32.eq (i32.load8_u offset=1 (i32.add (local.get $path) (local.get $segment)))
                                  (i32.const 0x2e))))
              (then (return (i32.const -1))))))
            (local.set $segment (i32.add (local.get $i) (i32.const 1)))
            (if (i32.ne (local.get $c) (i32.const 0x2f))
              (then (local.set $query (i32.const 1))))))
        (br_if $pathed (i32.ge_u (local.get $i) (local.get $plen)))
        (i32.store8 (local.get $o) (local.get $c))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $p)))
    (i32.sub (local.get $o) (local.get $out))))
