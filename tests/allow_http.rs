//! `--allow-http` under `weld run` and `weld invoke`, through the real CLI
//! and a real upstream on 127.0.0.1: `http-wat-fetch.wasm` makes one
//! outgoing GET, as a command and as a function. A request that is not
//! granted must come back to the guest as `HTTP-request-denied` (an
//! error it handles, not a trap) and must never reach the upstream.
//! (`weld serve` and `weld test` are covered in tests/serve.rs.)

mod common;

use common::http::Upstream;
use common::weld;

const FETCH: &str = "fixtures/components/http-wat-fetch.wasm";

/// `weld run [FLAGS] fetch AUTHORITY /x`: exit code and stdout.
fn run(flags: &[&str], upstream: &Upstream) -> (Option<i32>, String) {
    let authority = upstream.addr.to_string();
    let mut args = vec!["run"];
    args.extend(flags);
    args.extend([FETCH, &authority, "/x"]);
    let output = weld(&args);
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// `weld invoke [FLAGS] fetch 'get("AUTHORITY", "/x")'`: what it prints.
fn invoke(flags: &[&str], upstream: &Upstream) -> String {
    let call = format!("get(\"{}\", \"/x\")", upstream.addr);
    let mut args = vec!["invoke"];
    args.extend(flags);
    args.extend([FETCH, &call]);
    let output = weld(&args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{args:?}: {stderr}");
    String::from_utf8_lossy(&output.stdout)
        .trim_end()
        .to_owned()
}

#[test]
fn run_makes_only_the_requests_granted() {
    let upstream = Upstream::start(203, "");
    let granted = run(&["--allow-http", "http://127.0.0.1:*"], &upstream);
    assert_eq!(granted, (Some(0), "203\n".into()));
    assert_eq!(upstream.hits(), 1);

    // Nothing granted; another host (names are never resolved); the
    // default port of the scheme; a socket grant, which is not HTTP.
    for flags in [
        &[][..],
        &["--allow-http", "http://localhost:*"],
        &["--allow-http", "http://127.0.0.1"],
        &["--allow-http", "https://127.0.0.1:*"],
        &["--inherit-network"],
    ] {
        // error-code 15 is HTTP-request-denied; the guest reports it
        // and fails, rather than trapping.
        assert_eq!(
            run(flags, &upstream),
            (Some(1), "error-code 15\n".into()),
            "{flags:?}"
        );
    }
    assert_eq!(upstream.hits(), 1, "a denied request reached the upstream");
}

#[test]
fn invoke_makes_only_the_requests_granted() {
    let upstream = Upstream::start(200, "");
    let port = upstream.addr.port().to_string();
    for grant in [
        "*",
        "http://127.0.0.1:*",
        &format!("http://127.0.0.1:{port}"),
    ] {
        assert_eq!(
            invoke(&["--allow-http", grant], &upstream),
            "ok(200)",
            "{grant}"
        );
    }
    assert_eq!(upstream.hits(), 3);
    for flags in [&[][..], &["--allow-http", "http://127.0.0.2:*"]] {
        assert_eq!(
            invoke(flags, &upstream),
            "err(HTTP-request-denied)",
            "{flags:?}"
        );
    }
    assert_eq!(upstream.hits(), 3, "a denied request reached the upstream");
}
