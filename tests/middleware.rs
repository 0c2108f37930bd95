//! Middleware chains through the real CLI and real sockets on 127.0.0.1:
//! the auth and pass-through middlewares of `fixtures/http/wat` (WAT; the
//! handlers are C, Go, JavaScript and Python) composed by `weld plug` in
//! front of the image services, served by `weld serve` and, when it is
//! installed, by `wasmtime serve`, which shows that the result carries no
//! weld-specific import.

mod common;

use common::http::{Peer, Response, Server, Upstream, request};
use common::weld_ok;
use std::net::SocketAddr;
use std::path::Path;

const AUTH: &str = "fixtures/components/http-wat-auth.wasm";
const PASS: &str = "fixtures/components/http-wat-pass.wasm";
const TOKEN: &str = "s3cret-t0ken";

/// The 0.2 image services, one a language.
const SERVICES: [&str; 4] = ["c", "go", "js", "python"];

/// `weld plug AUTH --plug PASS --plug SERVICE --plug c-processor`: each
/// middleware's imported handler is filled by the next plug that exports
/// one, so the request goes auth → pass → service.
fn chain(service: &str, dir: &Path) -> String {
    let out = dir.join(format!("auth-pass-{service}.wasm"));
    let out = out.to_str().unwrap().to_owned();
    weld_ok(&[
        "plug",
        AUTH,
        "--plug",
        PASS,
        "--plug",
        &format!("fixtures/components/http-{service}-service.wasm"),
        "--plug",
        "fixtures/components/c-processor.wasm",
        "-o",
        &out,
    ]);
    out
}

fn get(addr: SocketAddr, path: &str, authorization: Option<&str>) -> Response {
    let headers: Vec<(&str, &str)> = authorization
        .map(|value| ("authorization", value))
        .into_iter()
        .collect();
    request(addr, "GET", path, &headers, b"")
}

/// What every refused request gets, whoever serves it.
fn assert_refused(response: &Response, what: &str) {
    assert_eq!(response.status, 401, "{what}: {}", response.text());
    assert_eq!(
        response.header("www-authenticate"),
        Some("Bearer"),
        "{what}"
    );
    assert_eq!(response.text(), "unauthorized\n", "{what}");
}

/// Requests with no, or the wrong, credentials: each must get 401.
const WRONG: [Option<&str>; 7] = [
    None,
    Some(""),
    Some("Bearer"),
    Some("Bearer "),
    Some("bearer s3cret-t0ken"),
    Some("Bearer s3cret-t0ke"),
    Some("Bearer s3cret-t0kenX"),
];

/// The auth checks of one server: every wrong credential is refused and
/// never reaches the handler (its `/fetch` would reach the upstream), and
/// the right one reaches it.
fn check_auth(addr: SocketAddr, upstream: &Upstream, what: &str) {
    let fetch = format!(
        "/fetch?url=http%3A%2F%2F{}%2F",
        upstream.addr.to_string().replace(':', "%3A")
    );
    let before = upstream.hits();
    for authorization in WRONG {
        let what = format!("{what}, authorization {authorization:?}");
        assert_refused(&get(addr, "/health", authorization), &what);
        assert_refused(&get(addr, &fetch, authorization), &what);
    }
    assert_eq!(
        upstream.hits(),
        before,
        "{what}: a refused request reached the handler"
    );
    let bearer = format!("Bearer {TOKEN}");
    let health = get(addr, "/health", Some(&bearer));
    assert_eq!(health.status, 200, "{what}: {}", health.text());
    assert_eq!(health.text(), "ok", "{what}");
    let fetched = get(addr, &fetch, Some(&bearer));
    assert_eq!(fetched.text(), "upstream 200: up", "{what}");
    assert_eq!(upstream.hits(), before + 1, "{what}");
}

/// Auth in front of a pass-through layer in front of each service: 401
/// without the token, and the service's own answers, the image included,
/// with it.
#[test]
fn an_auth_chain_fronts_the_service_of_every_language() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = Upstream::start(200, "up");
    let ppm = std::fs::read("fixtures/images/63x17.ppm").unwrap();
    let expected = std::fs::read("fixtures/images/63x17.expected.pgm").unwrap();
    let env = format!("AUTH_TOKEN={TOKEN}");
    for service in SERVICES {
        let composed = chain(service, dir.path());
        let server = Server::start(&[
            "--quiet",
            "--env",
            &env,
            "--allow-http",
            "http://127.0.0.1:*",
            &composed,
        ]);
        let what = format!("{service} service");
        check_auth(server.addr, &upstream, &what);
        let bearer = format!("Bearer {TOKEN}");
        let image = request(
            server.addr,
            "POST",
            "/grayscale",
            &[("authorization", &bearer)],
            &ppm,
        );
        assert_eq!(image.status, 200, "{what}: {}", image.text());
        assert!(image.body == expected, "{what}: wrong PGM");
        assert_refused(&server.post("/grayscale", &ppm), &what);
    }
}

/// With AUTH_TOKEN unset the middleware fails closed: even a request
/// bearing an empty token is refused.
#[test]
fn without_a_token_every_request_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let composed = chain("c", dir.path());
    for env in [None, Some("AUTH_TOKEN=")] {
        let mut args = vec!["--quiet"];
        args.extend(env.iter().flat_map(|env| ["--env", env]));
        args.push(&composed);
        let server = Server::start(&args);
        for authorization in [None, Some("Bearer "), Some("Bearer s3cret-t0ken")] {
            assert_refused(
                &get(server.addr, "/health", authorization),
                &format!("AUTH_TOKEN {env:?}, authorization {authorization:?}"),
            );
        }
    }
}

/// `weld virt --env` bakes the token into the chain: the component then
/// checks it under any server, with no environment given and whatever
/// AUTH_TOKEN the server would pass, and `wasmtime serve` runs the result.
#[test]
fn a_token_baked_in_by_virt_holds_under_either_server() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = Upstream::start(200, "up");
    let composed = chain("c", dir.path());
    let baked = dir.path().join("baked.wasm");
    let baked = baked.to_str().unwrap();
    weld_ok(&[
        "virt",
        &composed,
        "--env",
        &format!("AUTH_TOKEN={TOKEN}"),
        "-o",
        baked,
    ]);
    let server = Server::start(&[
        "--quiet",
        "--env",
        "AUTH_TOKEN=chosen-by-the-host",
        "--allow-http",
        "http://127.0.0.1:*",
        baked,
    ]);
    check_auth(server.addr, &upstream, "weld serve");
    assert_refused(
        &get(server.addr, "/health", Some("Bearer chosen-by-the-host")),
        "weld serve, the host's token",
    );
    let Some(peer) = Peer::start(&["-Scli", "--env", "AUTH_TOKEN=chosen-by-the-host", baked])
    else {
        return;
    };
    check_auth(peer.addr, &upstream, "wasmtime serve");
}

/// Eight pass-through layers (one component, eight instances) in front of
/// the minimal handler answer as the handler alone does.
#[test]
fn eight_pass_through_layers_answer_as_the_handler_alone() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("eight.wasm");
    let out = out.to_str().unwrap();
    let mut args = vec!["plug", PASS];
    for _ in 1..8 {
        args.extend(["--plug", PASS]);
    }
    args.extend([
        "--plug",
        "fixtures/components/http-wat-hello.wasm",
        "-o",
        out,
    ]);
    weld_ok(&args);
    let server = Server::start(&["--quiet", out]);
    for path in ["/", "/slow"] {
        let response = server.get(path);
        assert_eq!(response.status, 200, "{path}: {}", response.text());
    }
    assert_eq!(server.get("/").text(), "hello\n");
    let trapped = server.get("/trap");
    assert_eq!(trapped.status, 500, "{}", trapped.text());
}

/// The same chain from a `weld compose` manifest, the token baked in by
/// its `[virtualize]` table: `weld graph` draws auth → pass → service from
/// the manifest, and the composed service checks the token.
#[test]
fn a_manifest_composes_the_chain_and_bakes_the_token_in() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = Upstream::start(200, "up");
    let root = common::root().join("fixtures/components");
    let manifest = dir.path().join("weld.toml");
    std::fs::write(
        &manifest,
        format!(
            r#"[components]
auth = "{root}/http-wat-auth.wasm"
pass = "{root}/http-wat-pass.wasm"
service = "{root}/http-c-service.wasm"
processor = "{root}/c-processor.wasm"

[instances.auth.with]
"wasi:http/incoming-handler" = "pass"

[instances.pass.with]
"wasi:http/incoming-handler" = "service"

[instances.service.with]
"my:image-processor/process" = "processor"

[exports]
"wasi:http/incoming-handler@0.2.12" = "auth"

[virtualize]
env = {{ AUTH_TOKEN = "{TOKEN}" }}
"#,
            root = root.display()
        ),
    )
    .unwrap();
    let manifest = manifest.to_str().unwrap();
    let graph = String::from_utf8(weld_ok(&["graph", manifest]).stdout).unwrap();
    for edge in [
        "-- \"wasi:http/incoming-handler@0.2.12\" --> i0",
        "-- \"wasi:http/incoming-handler@0.2.12\" --> i1",
        "i0 -- \"wasi:http/incoming-handler@0.2.12\" --> exports",
        // [virtualize] env: the virtual layer, not the host, gives auth
        // its environment.
        "i4[\"<virtual>\"]",
        "i4 -- \"wasi:cli/environment@0.2.12\" --> i0",
    ] {
        assert!(graph.contains(edge), "no `{edge}` in:\n{graph}");
    }
    let out = dir.path().join("composed.wasm");
    let out = out.to_str().unwrap();
    let dry_run = String::from_utf8(weld_ok(&["compose", manifest, "--dry-run"]).stdout).unwrap();
    assert!(
        dry_run.contains("auth imports wasi:cli/environment@0.2.12 <- <virtual>")
            && !dry_run.contains("left imported: wasi:cli/environment"),
        "{dry_run}"
    );
    weld_ok(&["compose", manifest, "-o", out]);
    let server = Server::start(&["--quiet", "--allow-http", "http://127.0.0.1:*", out]);
    check_auth(server.addr, &upstream, "composed from the manifest");
}
