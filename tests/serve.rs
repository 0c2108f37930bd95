//! `weld serve` through the real CLI and real sockets on 127.0.0.1, on
//! free ports: the hand-written WAT handler for what can go wrong (traps,
//! loops, missing responses, load, signals), and the image services of
//! `fixtures/http/` composed with the processors for what goes right.

mod common;

use common::http::{Peer, Server, Upstream, chain_of, request};
use common::{weld, weld_ok};

const HELLO: &str = "fixtures/components/http-wat-hello.wasm";

#[test]
fn a_handler_answers_and_each_request_is_logged() {
    let server = Server::start(&[HELLO]);
    let response = server.get("/");
    assert_eq!(response.status, 200);
    assert_eq!(response.text(), "hello\n");
    let (status, log) = server.stop(libc::SIGTERM);
    assert!(status.success(), "{status}: {log}");
    assert!(
        log.lines()
            .any(|line| line.starts_with("GET / 200 ") && line.ends_with("ms")),
        "no access-log line: {log}"
    );
}

#[test]
fn quiet_turns_the_access_log_off() {
    let server = Server::start(&["--quiet", HELLO]);
    assert_eq!(server.get("/").status, 200);
    let (_, log) = server.stop(libc::SIGTERM);
    assert!(!log.contains("GET /"), "{log}");
    assert!(log.starts_with("listening on http://127.0.0.1:"), "{log}");
}

#[test]
fn a_trap_is_a_500_and_the_next_request_succeeds() {
    let server = Server::start(&[HELLO]);
    let trapped = server.get("/trap");
    assert_eq!(trapped.status, 500);
    let body = trapped.text();
    assert!(body.starts_with("500 Internal Server Error: "), "{body}");
    assert!(body.contains("unreachable"), "{body}");
    assert_eq!(body.lines().count(), 1, "{body}");
    assert_eq!(server.get("/").text(), "hello\n");
    let (_, log) = server.stop(libc::SIGTERM);
    assert!(
        log.contains("error: request 1 (GET /trap) got 500: ") && log.contains("unreachable"),
        "{log}"
    );
}

#[test]
fn a_handler_that_sets_no_response_is_a_500() {
    let server = Server::start(&[HELLO]);
    let response = server.get("/no-response");
    assert_eq!(response.status, 500);
    assert!(
        response.text().contains("response-outparam"),
        "{}",
        response.text()
    );
    assert_eq!(server.get("/").status, 200);
}

#[test]
fn a_loop_under_a_timeout_is_a_504_and_the_server_goes_on() {
    let server = Server::start(&["--timeout", "200ms", HELLO]);
    let response = server.get("/loop");
    assert_eq!(response.status, 504, "{}", response.text());
    assert!(response.text().contains("--timeout"), "{}", response.text());
    assert_eq!(server.get("/").text(), "hello\n");
    // A wait in a host call (500 ms) is cut short too.
    let slow = server.get("/slow");
    assert_eq!(slow.status, 504, "{}", slow.text());
    assert_eq!(server.get("/").text(), "hello\n");
    let log = server.log();
    assert!(
        log.contains(
            "error: request 1 (GET /loop) got 504: time limit of 200ms (--timeout) reached"
        ),
        "{log}"
    );
}

#[test]
fn limits_apply_per_request() {
    let server = Server::start(&["--fuel", "1000000", HELLO]);
    assert_eq!(server.get("/").status, 200);
    let looped = server.get("/loop");
    assert_eq!(looped.status, 500);
    assert!(looped.text().contains("--fuel"), "{}", looped.text());
    // Each request has its own fuel.
    assert_eq!(server.get("/").status, 200);
}

#[test]
fn two_thousand_requests_at_concurrency_32_all_answer() {
    let server = Server::start(&["--quiet", HELLO]);
    let addr = server.addr;
    let workers: Vec<_> = (0..32)
        .map(|worker| {
            std::thread::spawn(move || {
                let mut wrong = Vec::new();
                for i in (worker..2000).step_by(32) {
                    let response = request(addr, "GET", &format!("/?n={i}"), &[], b"");
                    if response.status != 200 || response.body != b"hello\n" {
                        wrong.push((i, response.status));
                    }
                }
                wrong
            })
        })
        .collect();
    let wrong: Vec<_> = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    assert!(wrong.is_empty(), "{} wrong: {wrong:?}", wrong.len());
}

#[test]
fn max_concurrency_makes_requests_wait_not_fail() {
    let server = Server::start(&["--max-concurrency", "1", HELLO]);
    let addr = server.addr;
    let started = std::time::Instant::now();
    let slow: Vec<_> = (0..3)
        .map(|_| std::thread::spawn(move || request(addr, "GET", "/slow", &[], b"")))
        .collect();
    for response in slow {
        assert_eq!(response.join().unwrap().text(), "slow\n");
    }
    // One at a time: three waits of 500 ms one after another.
    assert!(started.elapsed() >= std::time::Duration::from_millis(1400));
}

#[test]
fn sigterm_lets_requests_in_flight_finish() {
    let server = Server::start(&[HELLO]);
    let addr = server.addr;
    let slow: Vec<_> = (0..4)
        .map(|_| std::thread::spawn(move || request(addr, "GET", "/slow", &[], b"")))
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(200));
    let (status, log) = server.stop(libc::SIGTERM);
    for response in slow {
        let response = response.join().unwrap();
        assert_eq!((response.status, response.text().as_str()), (200, "slow\n"));
    }
    assert!(status.success(), "{status}: {log}");
    assert!(
        log.contains("stopping: waiting for 4 requests in flight"),
        "{log}"
    );
    // And it no longer listens.
    assert!(std::net::TcpStream::connect(addr).is_err());
}

#[test]
fn a_shutdown_timeout_cuts_requests_short_and_says_so() {
    let server = Server::start(&["--shutdown-timeout", "100ms", HELLO]);
    let addr = server.addr;
    let slow = std::thread::spawn(move || {
        std::panic::catch_unwind(|| request(addr, "GET", "/slow", &[], b"")).is_ok()
    });
    std::thread::sleep(std::time::Duration::from_millis(150));
    let (status, log) = server.stop(libc::SIGINT);
    let _ = slow.join();
    assert_eq!(status.code(), Some(1), "{log}");
    assert!(
        log.contains("1 request was still in flight after the shutdown timeout of 100ms"),
        "{log}"
    );
}

#[test]
fn an_address_in_use_is_reported_before_serving() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let output = weld(&["serve", "--addr", &addr, HELLO]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "cannot listen on {addr}: the address is already in use"
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("listening on"), "{stderr}");
}

#[test]
fn a_component_that_is_no_handler_is_refused_before_listening() {
    let output = weld(&["serve", "fixtures/components/c-processor.wasm"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "exports neither `wasi:http/incoming-handler@0.2` nor `wasi:http/handler@0.3`"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("my:image-processor/process"), "{stderr}");
    assert!(!stderr.contains("listening on"), "{stderr}");
}

#[test]
fn reuse_is_refused_for_a_02_handler() {
    let output = weld(&["serve", "--reuse", "4", HELLO]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("gets a fresh instance per request"),
        "{stderr}"
    );
    weld_ok(&["serve", "--help"]);
}

/// Composes an image service with a processor with `weld plug`.
fn compose(service: &str, processor: &str, dir: &std::path::Path) -> String {
    let out = dir.join(format!("{service}-{processor}.wasm"));
    let out = out.to_str().unwrap().to_owned();
    weld_ok(&[
        "plug",
        &format!("fixtures/components/http-{service}-service.wasm"),
        "--plug",
        &format!("fixtures/components/{processor}-processor.wasm"),
        "-o",
        &out,
    ]);
    out
}

/// Every image service with every processor: the PGM the apps print.
#[test]
fn every_service_with_every_processor_answers_the_expected_pgm() {
    let dir = tempfile::tempdir().unwrap();
    let ppm = std::fs::read("fixtures/images/63x17.ppm").unwrap();
    let expected = std::fs::read("fixtures/images/63x17.expected.pgm").unwrap();
    for service in SERVICES {
        for processor in PROCESSORS {
            let composed = compose(service, processor, dir.path());
            let server = Server::start(&["--quiet", &composed]);
            let response = server.post("/grayscale", &ppm);
            let what = format!("{service} service with {processor} processor");
            assert_eq!(response.status, 200, "{what}: {}", response.text());
            assert_eq!(
                response.header("content-type"),
                Some("image/x-portable-graymap"),
                "{what}"
            );
            assert!(response.body == expected, "{what}: wrong PGM");
            assert_eq!(server.get("/health").text(), "ok", "{what}");
            let bad = server.post("/grayscale", b"P3 not binary");
            assert_eq!(bad.status, 400, "{what}: {}", bad.text());
        }
    }
}

/// `weld serve --trace`: each request is a group of its own, the host's
/// call of the handler with the calls made while it ran inside it, and
/// the answers are what they are untraced.
#[test]
fn serve_traces_each_request_as_a_group_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let composed = compose("c", "c", dir.path());
    let server = Server::start(&["--trace", "--quiet", &composed]);
    let ppm = std::fs::read("fixtures/images/63x17.ppm").unwrap();
    let expected = std::fs::read("fixtures/images/63x17.expected.pgm").unwrap();
    let response = server.post("/grayscale", &ppm);
    assert_eq!(response.status, 200, "{}", response.text());
    assert!(response.body == expected, "wrong PGM");
    assert_eq!(server.get("/health").text(), "ok");
    let (status, log) = server.stop(libc::SIGTERM);
    assert!(status.success(), "{status}: {log}");
    let lines: Vec<&str> = log.lines().collect();
    let first = lines
        .iter()
        .position(|l| l.starts_with("[1] host → c-c  wasi:http/incoming-handler@0.2#handle()"))
        .unwrap_or_else(|| panic!("no first request in\n{log}"));
    let grayscale = lines
        .iter()
        .position(|l| {
            l.starts_with(
                "[1]   http-c-service → c-processor  my:image-processor/process#grayscale({data: [",
            ) && l.contains("(4284 bytes), width: 63, height: 17})")
        })
        .unwrap_or_else(|| panic!("no grayscale in the first request in\n{log}"));
    let ended = lines
        .iter()
        .position(|l| l.starts_with("[1] handle  ["))
        .unwrap_or_else(|| panic!("the first request never ends in\n{log}"));
    assert!(first < grayscale && grayscale < ended, "{log}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("[2] host → c-c  wasi:http/incoming-handler@0.2#handle()  [")),
        "the second request, which calls nothing traced, is one line:\n{log}"
    );
}

/// `http-<name>-service.wasm`: the 0.2 services in four languages and
/// the 0.3 one (`wasi:http/handler@0.3`, in C).
const SERVICES: [&str; 5] = ["c", "go", "js", "python", "p3-c"];

const PROCESSORS: [&str; 5] = ["wat", "c", "go", "js", "python"];

#[test]
fn outgoing_requests_go_only_where_granted() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = Upstream::start(200, "from upstream");
    let url = format!("http://{}/x", upstream.addr);
    let path = format!("/fetch?url={}", url.replace(':', "%3A").replace('/', "%2F"));
    for service in SERVICES {
        let composed = compose(service, "c", dir.path());
        let granted = Server::start(&["--allow-http", "http://127.0.0.1:*", &composed]);
        let response = granted.get(&path);
        assert_eq!(response.status, 200, "{service}: {}", response.text());
        assert_eq!(response.text(), "upstream 200: from upstream", "{service}");

        let before = upstream.hits();
        let denied = Server::start(&["--allow-http", "http://localhost:*", &composed]);
        let response = denied.get(&path);
        assert_eq!(response.status, 502, "{service}: {}", response.text());
        assert!(
            response.text().contains("HTTP-request-denied"),
            "{service}: {}",
            response.text()
        );
        assert_eq!(
            upstream.hits(),
            before,
            "{service}: a denied request reached the upstream"
        );
    }
}

/// Outgoing HTTP denied inside the component by `weld virt`: the denied
/// `send` (0.3) or `handle` (0.2) drops the request it is given, so the
/// service, writing the request's body, is not left waiting for a reader
/// (before, a 0.3 request hung until its timeout), and answers at once.
/// `--deny-net` and `--deny-all` say `HTTP-request-denied`.
#[test]
fn outgoing_http_denied_by_virt_fails_at_once() {
    let dir = tempfile::tempdir().unwrap();
    for service in ["c", "p3-c"] {
        let composed = compose(service, "c", dir.path());
        let client = match service {
            "p3-c" => "wasi:http/client",
            _ => "wasi:http/outgoing-handler",
        };
        for (flags, says) in [
            (vec!["--deny-net"], "HTTP-request-denied"),
            (
                vec!["--deny-all", "--allow", "my:image-processor/*"],
                "HTTP-request-denied",
            ),
            (vec!["--deny", client], "fetch failed: "),
        ] {
            let what = format!("{service} service, weld virt {}", flags.join(" "));
            let out = dir.path().join("virt.wasm");
            let out = out.to_str().unwrap();
            let mut args = vec!["virt", composed.as_str()];
            args.extend(&flags);
            args.extend(["-o", out]);
            weld_ok(&args);
            // A hang would be a 504 after this long.
            let server = Server::start(&["--quiet", "--timeout", "20s", out]);
            let response = server.get("/fetch?url=http%3A%2F%2F127.0.0.1%3A1%2F");
            assert_eq!(response.status, 502, "{what}: {}", response.text());
            assert!(
                response.text().contains(says),
                "{what}: {}",
                response.text()
            );
            assert_eq!(server.get("/health").text(), "ok", "{what}");
        }
    }
}

/// `weld test` HTTP cases reach an upstream only where `allow-http`
/// grants it, as `weld serve` does.
#[test]
fn http_cases_in_weld_test_grant_outgoing_requests_per_case() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = Upstream::start(201, "made");
    let composed = compose("c", "c", dir.path());
    let url = format!("http://{}/", upstream.addr);
    let path = format!("/fetch?url={}", url.replace(':', "%3A").replace('/', "%2F"));
    let spec = dir.path().join("spec.toml");
    std::fs::write(
        &spec,
        format!(
            r#"
[defaults]
component = "{composed}"
request = {{ path = "{path}" }}

[[case]]
name = "granted"
allow-http = ["http://127.0.0.1:*"]
body = "upstream 201: made"

[[case]]
name = "denied"
status = 502
body-contains = "HTTP-request-denied"

[[case]]
name = "grayscale"
request = {{ method = "POST", path = "/grayscale?width=31&height=8", body-file = "{root}/fixtures/images/63x17.ppm" }}
headers = {{ content-type = "image/x-portable-graymap" }}
body-file = "{root}/fixtures/images/63x17.expected.pgm"
"#,
            root = common::root().display()
        ),
    )
    .unwrap();
    let output = weld(&["test", spec.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("3 passed, 0 failed"), "{stdout}");
    assert_eq!(upstream.hits(), 1);
}

/// A `wasi:http/handler@0.3` handler, with its instances reused (the
/// default) and without, under load.
#[test]
fn a_03_handler_serves_with_and_without_reuse() {
    for reuse in [None, Some("0"), Some("3")] {
        let mut args = vec!["--quiet"];
        if let Some(n) = reuse {
            args.extend(["--reuse", n]);
        }
        args.push("fixtures/components/http-p3-wat-hello.wasm");
        let server = Server::start(&args);
        let addr = server.addr;
        let workers: Vec<_> = (0..8)
            .map(|_| {
                std::thread::spawn(move || {
                    (0..25)
                        .filter(|_| request(addr, "GET", "/", &[], b"").body != b"hello\n")
                        .count()
                })
            })
            .collect();
        let wrong: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
        assert_eq!(wrong, 0, "--reuse {reuse:?}");
        let (status, log) = server.stop(libc::SIGTERM);
        assert!(status.success(), "{log}");
    }
}

/// `weld virt --allow-http` on a handler: the allow-list travels with the
/// component, so it holds under `weld serve` granting everything and
/// under `wasmtime serve` (when installed), which has no outbound limits
/// of its own (wasmtime#14118). The same for 0.2's `outgoing-handler` and
/// 0.3's `wasi:http/client`: every way around the grant of one host and
/// port is refused with `HTTP-request-denied` before it leaves the
/// component.
#[test]
fn an_allow_list_inside_the_handler_holds_under_either_server() {
    let dir = tempfile::tempdir().unwrap();
    let allowed = Upstream::start(200, "allowed");
    let other = Upstream::start(200, "other");
    let port = allowed.addr.port();
    let fetch = |url: &str| format!("/fetch?url={}", percent(url));
    let refused = [
        format!("http://{}/", other.addr),
        format!("http://127.0.0.2:{port}/"),
        format!("http://localhost:{port}/"),
        format!("http://user@127.0.0.1:{port}/"),
        format!("http://127.0.0.1@127.0.0.2:{port}/"),
        format!("http://[::1]:{port}/"),
        format!("http://[::ffff:127.0.0.1]:{port}/"),
        format!("http://127.0.0.1:0{port}/"),
        format!("https://127.0.0.1:{port}/"),
        format!("http://127.0.0.1:{port}/../x"),
    ];
    for (service, peer_flags) in [
        ("c", &["-Scli"][..]),
        ("p3-c", &["-Sp3,cli", "-Wcomponent-model-async"][..]),
    ] {
        let composed = compose(service, "c", dir.path());
        let guarded = dir.path().join(format!("guarded-{service}.wasm"));
        let guarded = guarded.to_str().unwrap();
        let grant = format!("http://127.0.0.1:{port}");
        weld_ok(&["virt", &composed, "--allow-http", &grant, "-o", guarded]);
        let check = |get: &dyn Fn(&str) -> common::http::Response, server: &str| {
            let what = format!("{service} service, {server}");
            let before = allowed.hits();
            let response = get(&fetch(&format!("http://{}/", allowed.addr)));
            assert_eq!(response.status, 200, "{what}: {}", response.text());
            assert_eq!(response.text(), "upstream 200: allowed", "{what}");
            for url in &refused {
                let response = get(&fetch(url));
                assert_eq!(response.status, 502, "{what}, {url}: {}", response.text());
                assert!(
                    response.text().contains("HTTP-request-denied"),
                    "{what}, {url}: {}",
                    response.text()
                );
            }
            assert_eq!(other.hits(), 0, "{what}: a refused request got through");
            assert_eq!(
                allowed.hits(),
                before + 1,
                "{what}: a refused request got through"
            );
        };
        let weld = Server::start(&["--quiet", "--allow-http", "*", guarded]);
        check(&|path| weld.get(path), "weld serve");
        let mut args = peer_flags.to_vec();
        args.push(guarded);
        let Some(peer) = Peer::start(&args) else {
            continue;
        };
        check(
            &|path| request(peer.addr, "GET", path, &[], b""),
            "wasmtime serve",
        );
    }
}

/// Mock upstreams inside the 0.3 handler (`weld virt --http-response`):
/// a request a mock matches gets its status from generated code and never
/// reaches the network, the first match winning; one no mock matches
/// follows `--allow-http` (the real upstream, or `HTTP-request-denied`).
/// The same under `weld serve` and `wasmtime serve`.
#[test]
fn mock_upstreams_answer_inside_the_handler_under_either_server() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = Upstream::start(200, "real");
    let port = upstream.addr.port();
    let fetch = |url: &str| format!("/fetch?url={}", percent(url));
    let composed = compose("p3-c", "c", dir.path());
    let mocked = dir.path().join("mocked.wasm");
    let mocked = mocked.to_str().unwrap();
    let real = format!("http://127.0.0.1:{port}");
    weld_ok(&[
        "virt",
        &composed,
        "--http-response",
        &format!("GET http://127.0.0.1:{port}/mocked/*=503"),
        "--http-response",
        "https://*.example.com=201",
        "--http-response",
        "https://api.example.com=404",
        "--allow-http",
        &real,
        "-o",
        mocked,
    ]);
    let check = |get: &dyn Fn(&str) -> common::http::Response, server: &str| {
        let before = upstream.hits();
        for (url, answer) in [
            (format!("{real}/mocked/x?y=1"), "upstream 503: "),
            ("https://a.example.com/".to_owned(), "upstream 201: "),
            // The first match wins.
            ("https://api.example.com/".to_owned(), "upstream 201: "),
            (format!("{real}/real"), "upstream 200: real"),
        ] {
            let response = get(&fetch(&url));
            assert_eq!(response.status, 200, "{server}, {url}: {}", response.text());
            assert_eq!(response.text(), answer, "{server}, {url}");
        }
        assert_eq!(
            upstream.hits(),
            before + 1,
            "{server}: a mocked request went out"
        );
        let response = get(&fetch("http://127.0.0.2:1/"));
        assert_eq!(response.status, 502, "{server}: {}", response.text());
        assert!(response.text().contains("HTTP-request-denied"), "{server}");
    };
    let weld = Server::start(&["--quiet", "--allow-http", "*", mocked]);
    check(&|path| weld.get(path), "weld serve");
    if let Some(peer) = Peer::start(&["-Sp3,cli", "-Wcomponent-model-async", mocked]) {
        check(
            &|path| request(peer.addr, "GET", path, &[], b""),
            "wasmtime serve",
        );
    }
    // Under --deny-http, what no mock matches is denied inside the
    // component, though the server grants everything.
    let hermetic = dir.path().join("hermetic.wasm");
    let hermetic = hermetic.to_str().unwrap();
    weld_ok(&[
        "virt",
        &composed,
        "--http-response",
        "https://*.example.com=201",
        "--deny-http",
        "-o",
        hermetic,
    ]);
    let weld = Server::start(&["--quiet", "--allow-http", "*", hermetic]);
    let mocked = weld.get(&fetch("https://a.example.com/"));
    assert_eq!(mocked.text(), "upstream 201: ");
    let before = upstream.hits();
    let denied = weld.get(&fetch(&format!("{real}/real")));
    assert_eq!(denied.status, 502, "{}", denied.text());
    assert!(
        denied.text().contains("HTTP-request-denied"),
        "{}",
        denied.text()
    );
    assert_eq!(upstream.hits(), before, "a denied request went out");
}

/// A URL as a query value: everything but unreserved characters escaped.
fn percent(url: &str) -> String {
    url.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A deep composition under load: 300 pass-through middlewares in front of
/// the 0.2 hello handler need over 300 core instances an instance, so
/// three fill wasmtime's pooling allocator (1000 by default), and 32
/// requests at a time want more. Each request waits for an instance to
/// end, as under `--max-concurrency`, rather than failing with "maximum
/// concurrent limit ... reached" (as 115 of the 128 did before).
#[test]
fn requests_wait_for_the_instance_pool_rather_than_fail() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("deep.wasm");
    let out = out.to_str().unwrap();
    chain_of(
        "fixtures/components/http-wat-pass.wasm",
        300,
        "fixtures/components/http-wat-hello.wasm",
        out,
    );
    let server = Server::start(&[out]);
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..32)
            .map(|_| {
                scope.spawn(|| {
                    (0..4)
                        .map(|_| request(server.addr, "GET", "/", &[], b"").status)
                        .collect::<Vec<u16>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let failed = statuses.iter().filter(|&&s| s != 200).count();
    assert_eq!(failed, 0, "{failed} of 128 failed:\n{}", server.log());
}

/// A handler one instance of which needs more than the whole pool (400
/// 0.3 middlewares: over 1000 core instances) is answered 500 with a
/// message that says so, not left waiting for a slot that cannot come.
#[test]
fn a_handler_larger_than_the_instance_pool_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("huge.wasm");
    let out = out.to_str().unwrap();
    chain_of(
        "fixtures/components/http-p3-wat-pass.wasm",
        400,
        "fixtures/components/http-p3-wat-hello.wasm",
        out,
    );
    let server = Server::start(&["--quiet", out]);
    let response = server.get("/");
    assert_eq!(response.status, 500, "{}", response.text());
    assert!(
        response
            .text()
            .contains("needs more than the whole instance pool"),
        "{}",
        response.text()
    );
}
