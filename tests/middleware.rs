//! Middleware chains through the real CLI and real sockets on 127.0.0.1:
//! the auth and pass-through middlewares of `fixtures/http/wat` and
//! `fixtures/http/p3/wat` (WAT; the handlers are C, Go, JavaScript and
//! Python for 0.2, C for 0.3) composed by `weld plug` in front of the image
//! services, served by `weld serve` and, when it is installed, by `wasmtime
//! serve`, which shows that the result carries no weld-specific import.

mod common;

use common::http::{Peer, Response, Server, Upstream, chain_of, request};
use common::weld_ok;
use std::net::SocketAddr;
use std::path::Path;

const TOKEN: &str = "s3cret-t0ken";

/// The middlewares of one WASI version, the minimal handler they front in
/// the layer test with what it answers, and what `wasmtime serve` needs to
/// serve them.
struct Middlewares {
    version: &'static str,
    auth: &'static str,
    pass: &'static str,
    hello: &'static str,
    /// (path, body of its 200)
    hello_routes: &'static [(&'static str, &'static str)],
    /// A path where the handler traps, if it has one.
    trap_route: Option<&'static str>,
    peer_flags: &'static [&'static str],
}

/// `wasi:http/incoming-handler@0.2`.
const P2: Middlewares = Middlewares {
    version: "0.2",
    auth: "fixtures/components/http-wat-auth.wasm",
    pass: "fixtures/components/http-wat-pass.wasm",
    hello: "fixtures/components/http-wat-hello.wasm",
    hello_routes: &[("/", "hello\n"), ("/slow", "slow\n")],
    trap_route: Some("/trap"),
    peer_flags: &["-Scli"],
};

/// `wasi:http/handler@0.3`.
const P3: Middlewares = Middlewares {
    version: "0.3",
    auth: "fixtures/components/http-p3-wat-auth.wasm",
    pass: "fixtures/components/http-p3-wat-pass.wasm",
    hello: "fixtures/components/http-p3-wat-hello.wasm",
    hello_routes: &[("/", "hello\n"), ("/slow", "hello\n")],
    trap_route: None,
    peer_flags: &["-Sp3,cli", "-Wcomponent-model-async"],
};

/// The image services, one a language for 0.2 and the 0.3 one (`p3-c`).
const SERVICES: [&str; 5] = ["c", "go", "js", "python", "p3-c"];

/// The middlewares that front `service`: those of its WASI version.
fn middlewares(service: &str) -> &'static Middlewares {
    match service.starts_with("p3-") {
        true => &P3,
        false => &P2,
    }
}

/// `weld plug AUTH --plug PASS --plug SERVICE --plug c-processor`: each
/// middleware's imported handler is filled by the next plug that exports
/// one, so the request goes auth → pass → service. (The 0.3 service's
/// async `grayscale` import is bridged to the 0.2 processor.)
fn chain(service: &str, dir: &Path) -> String {
    let out = dir.join(format!("auth-pass-{service}.wasm"));
    let out = out.to_str().unwrap().to_owned();
    let middlewares = middlewares(service);
    weld_ok(&[
        "plug",
        middlewares.auth,
        "--plug",
        middlewares.pass,
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
    for service in ["c", "p3-c"] {
        let composed = chain(service, dir.path());
        for env in [None, Some("AUTH_TOKEN=")] {
            let mut args = vec!["--quiet"];
            args.extend(env.iter().flat_map(|env| ["--env", env]));
            args.push(&composed);
            let server = Server::start(&args);
            for authorization in [None, Some("Bearer "), Some("Bearer s3cret-t0ken")] {
                assert_refused(
                    &get(server.addr, "/health", authorization),
                    &format!("{service}, AUTH_TOKEN {env:?}, authorization {authorization:?}"),
                );
            }
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
    for service in ["c", "p3-c"] {
        let composed = chain(service, dir.path());
        let baked = dir.path().join(format!("baked-{service}.wasm"));
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
        check_auth(server.addr, &upstream, &format!("{service}, weld serve"));
        assert_refused(
            &get(server.addr, "/health", Some("Bearer chosen-by-the-host")),
            &format!("{service}, weld serve, the host's token"),
        );
        let mut args = middlewares(service).peer_flags.to_vec();
        args.extend(["--env", "AUTH_TOKEN=chosen-by-the-host", baked]);
        let Some(peer) = Peer::start(&args) else {
            continue;
        };
        check_auth(peer.addr, &upstream, &format!("{service}, wasmtime serve"));
    }
}

/// Eight pass-through layers (one component, eight instances) in front of
/// the minimal handler answer as the handler alone does: 0.2's hello has
/// more routes, 0.3's answers every path alike.
#[test]
fn eight_pass_through_layers_answer_as_the_handler_alone() {
    let dir = tempfile::tempdir().unwrap();
    for middlewares in [&P2, &P3] {
        let version = middlewares.version;
        let out = dir.path().join(format!("eight-{version}.wasm"));
        let out = out.to_str().unwrap();
        chain_of(middlewares.pass, 8, middlewares.hello, out);
        // The middleware is embedded once, with an instance a layer: the
        // layers add wiring, not copies (0.3's were copied before,
        // `unshare::brings_resources`).
        let size = |path: &str| std::fs::metadata(path).unwrap().len();
        let once = size(middlewares.pass) + size(middlewares.hello);
        assert!(
            size(out) < once + 8 * 1024,
            "{version}: 8 layers make {} bytes, the components {once}",
            size(out)
        );
        let server = Server::start(&["--quiet", out]);
        for (path, body) in middlewares.hello_routes {
            let response = server.get(path);
            assert_eq!(
                response.status,
                200,
                "{version} {path}: {}",
                response.text()
            );
            assert_eq!(response.text(), *body, "{version} {path}");
        }
        if let Some(path) = middlewares.trap_route {
            let trapped = server.get(path);
            assert_eq!(trapped.status, 500, "{version}: {}", trapped.text());
        }
    }
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

const HEADERS: &str = "fixtures/components/http-p3-wat-headers.wasm";

/// What the header middleware adds to every response: `x-served-by:
/// weld`, and one `server-timing` of the form `weld;dur=MS.UUU`.
fn assert_decorated(response: &Response, what: &str) {
    let values = |name: &str| -> Vec<&str> {
        response
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    };
    assert_eq!(values("x-served-by"), ["weld"], "{what}");
    let timing = values("server-timing");
    let [timing] = timing[..] else {
        panic!("{what}: server-timing {timing:?}");
    };
    let ms = timing
        .strip_prefix("weld;dur=")
        .unwrap_or_else(|| panic!("{what}: {timing}"));
    let (whole, decimals) = ms
        .split_once('.')
        .unwrap_or_else(|| panic!("{what}: {timing}"));
    assert!(
        !whole.is_empty()
            && decimals.len() == 3
            && (whole.bytes().chain(decimals.bytes())).all(|b| b.is_ascii_digit()),
        "{what}: {timing}"
    );
}

/// The 0.3 header middleware in front of auth in front of the 0.3 service:
/// every response, refusals included, carries its headers, and status,
/// the service's own headers and body (the image) are unchanged, under
/// `weld serve` and `wasmtime serve`, with requests in flight together on
/// the instances that 0.3 servers reuse.
#[test]
fn the_header_middleware_decorates_every_response() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("decorated.wasm");
    let out = out.to_str().unwrap();
    weld_ok(&[
        "plug",
        HEADERS,
        "--plug",
        P3.auth,
        "--plug",
        "fixtures/components/http-p3-c-service.wasm",
        "--plug",
        "fixtures/components/p3-c-processor.wasm",
        "-o",
        out,
    ]);
    let ppm = std::fs::read("fixtures/images/63x17.ppm").unwrap();
    let expected = std::fs::read("fixtures/images/63x17.expected.pgm").unwrap();
    let env = format!("AUTH_TOKEN={TOKEN}");
    let bearer = format!("Bearer {TOKEN}");
    let check = |addr: SocketAddr, what: &str| {
        let refused = get(addr, "/health", None);
        assert_refused(&refused, what);
        assert_decorated(&refused, what);
        let health = get(addr, "/health", Some(&bearer));
        assert_eq!(
            (health.status, health.text().as_str()),
            (200, "ok"),
            "{what}"
        );
        assert_decorated(&health, what);
        let missing = get(addr, "/nowhere", Some(&bearer));
        assert_eq!(missing.status, 404, "{what}");
        assert_decorated(&missing, what);
        std::thread::scope(|scope| {
            let images: Vec<_> = (0..16)
                .map(|_| {
                    scope.spawn(|| {
                        request(
                            addr,
                            "POST",
                            "/grayscale",
                            &[("authorization", &bearer)],
                            &ppm,
                        )
                    })
                })
                .collect();
            for image in images {
                let image = image.join().unwrap();
                assert_eq!(image.status, 200, "{what}: {}", image.text());
                assert_eq!(
                    image.header("content-type"),
                    Some("image/x-portable-graymap"),
                    "{what}"
                );
                assert!(image.body == expected, "{what}: wrong PGM");
                assert_decorated(&image, what);
            }
        });
    };
    let server = Server::start(&["--quiet", "--env", &env, out]);
    check(server.addr, "weld serve");
    let mut args = P3.peer_flags.to_vec();
    args.extend(["--env", &env, out]);
    if let Some(peer) = Peer::start(&args) {
        check(peer.addr, "wasmtime serve");
    }
}
