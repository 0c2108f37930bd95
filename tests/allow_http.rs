//! `--allow-http` under `weld run` and `weld invoke`, through the real CLI
//! and a real upstream on 127.0.0.1: `http-wat-fetch.wasm` makes one
//! outgoing GET, as a command and as a function. A request that is not
//! granted must come back to the guest as `HTTP-request-denied` (an
//! error it handles, not a trap) and must never reach the upstream.
//! (`weld serve` and `weld test` are covered in tests/serve.rs.)

mod common;

use common::http::Upstream;
use common::{weld, weld_ok};

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

/// `weld virt --allow-http`: the allow-list is generated code inside the
/// component, so it holds under a host that grants everything
/// (`weld run --allow-http '*'`) and on `wasmtime run -Shttp` when that is
/// installed (`WASMTIME`, or the CLI `.ci/run` installs). Each way around a
/// grant of one host and port is refused before the request leaves the
/// component, and never reaches the upstream.
#[test]
fn virt_allow_http_holds_inside_the_component() {
    let upstream = Upstream::start(204, "");
    let dir = tempfile::tempdir().unwrap();
    let guarded = dir.path().join("guarded.wasm");
    let guarded = guarded.to_str().unwrap();
    let grant = format!("http://127.0.0.1:{}", upstream.addr.port());
    weld_ok(&["virt", FETCH, "--allow-http", &grant, "-o", guarded]);
    let port = upstream.addr.port();
    let other = port.wrapping_add(1);
    let refused = [
        format!("127.0.0.2:{port}"),
        format!("localhost:{port}"),
        format!("LOCALHOST:{port}"),
        format!("127.0.0.1:{other}"),
        format!("127.0.0.1@127.0.0.2:{port}"),
        format!("user@127.0.0.1:{port}"),
        format!("127.0.0.1:{port}:{port}"),
        format!("[::1]:{port}"),
        format!("[::ffff:127.0.0.1]:{port}"),
        format!("127.0.0.1:0{port}"),
        format!("127.0.0.1%2e:{port}"),
        "127.0.0.1".to_owned(),
    ];
    let mut runtimes: Vec<Vec<String>> = vec![vec![
        env!("CARGO_BIN_EXE_weld").to_owned(),
        "run".to_owned(),
        "--allow-http".to_owned(),
        "*".to_owned(),
    ]];
    if let Some(wasmtime) = common::wasmtime_cli() {
        runtimes.push(vec![wasmtime, "run".to_owned(), "-Shttp,cli".to_owned()]);
    }
    for runtime in &runtimes {
        let fetch = |authority: &str| {
            let output = std::process::Command::new(&runtime[0])
                .args(&runtime[1..])
                .args([guarded, authority, "/x"])
                .env("WELD_CACHE_DIR", common::cache_dir())
                .output()
                .unwrap();
            String::from_utf8_lossy(&output.stdout)
                .trim_end()
                .to_owned()
        };
        let before = upstream.hits();
        // Granted.
        assert_eq!(fetch(&upstream.addr.to_string()), "204", "{runtime:?}");
        assert_eq!(upstream.hits(), before + 1, "{runtime:?}");
        for authority in &refused {
            assert_eq!(fetch(authority), "error-code 15", "{runtime:?} {authority}");
        }
        assert_eq!(
            upstream.hits(),
            before + 1,
            "{runtime:?}: a refused request got through"
        );
    }
}

/// Method and path rules (`GET http://HOST:PORT/ok/*`), inside the
/// component (`weld virt`) and in the host (`weld run`) alike: a path is
/// matched as written, so one a server could read as another (dot
/// segments, an encoded dot) is refused, and a grant for another method
/// lets nothing through.
#[test]
fn method_and_path_rules_hold_inside_and_outside() {
    let upstream = Upstream::start(204, "");
    let dir = tempfile::tempdir().unwrap();
    let grant = format!("GET http://127.0.0.1:{}/ok/*", upstream.addr.port());
    let guarded = dir.path().join("guarded.wasm");
    let guarded = guarded.to_str().unwrap();
    let post = dir.path().join("post.wasm");
    let post = post.to_str().unwrap();
    let post_grant = grant.replacen("GET", "POST", 1);
    for (grant, out) in [(&grant, guarded), (&post_grant, post)] {
        weld_ok(&["virt", FETCH, "--allow-http", grant, "-o", out]);
    }
    let authority = upstream.addr.to_string();
    let fetch = |flags: &[&str], component: &str, path: &str| {
        let mut args = vec!["run"];
        args.extend(flags);
        args.extend([component, &authority, path]);
        String::from_utf8_lossy(&weld(&args).stdout)
            .trim_end()
            .to_owned()
    };
    let inside: &[&str] = &["--allow-http", "*"];
    let outside: &[&str] = &["--allow-http", &grant];
    for (flags, component) in [(inside, guarded), (outside, FETCH)] {
        let before = upstream.hits();
        for path in ["/ok/x", "/ok/a..b", "/ok/x?y=../z"] {
            assert_eq!(fetch(flags, component, path), "204", "{flags:?} {path}");
        }
        for path in [
            "/no",
            "/ok",
            "/ok/../no",
            "/ok/./x",
            "/ok/%2e%2E/no",
            "/ok/..",
            "/ok/a\\b",
        ] {
            assert_eq!(
                fetch(flags, component, path),
                "error-code 15",
                "{flags:?} {path}"
            );
        }
        assert_eq!(upstream.hits(), before + 3, "{flags:?}");
    }
    // The fetch command's method is GET.
    assert_eq!(fetch(inside, post, "/ok/x"), "error-code 15");
}

/// Grants refine `--deny-all`: what it would deny, the grant lets through
/// where it allows, and nothing else.
#[test]
fn virt_allow_http_refines_deny_all() {
    let upstream = Upstream::start(204, "");
    let dir = tempfile::tempdir().unwrap();
    let guarded = dir.path().join("guarded.wasm");
    let guarded = guarded.to_str().unwrap();
    let grant = format!("http://127.0.0.1:{}", upstream.addr.port());
    let flags = [
        "--deny-all",
        "--allow",
        "wasi:cli/*",
        "--allow-http",
        &grant,
    ];
    let mut args = vec!["virt", FETCH];
    args.extend(flags);
    args.extend(["-o", guarded]);
    weld_ok(&args);
    let fetch = |authority: &str| {
        let output = weld(&["run", "--allow-http", "*", guarded, authority, "/x"]);
        String::from_utf8_lossy(&output.stdout)
            .trim_end()
            .to_owned()
    };
    assert_eq!(fetch(&upstream.addr.to_string()), "204");
    assert_eq!(
        fetch(&format!("127.0.0.2:{}", upstream.addr.port())),
        "error-code 15"
    );
    assert_eq!(upstream.hits(), 1);
}
