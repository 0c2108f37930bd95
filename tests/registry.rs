//! Components from registries, against a real OCI registry on 127.0.0.1:
//! Debian's `docker-registry` (the CNCF distribution), started per test
//! with storage of its own, and wkg where it is installed.
//!
//! `.ci/run` installs the registry and sets `WELD_REQUIRE_REGISTRY=1`, so
//! that there a missing registry fails these tests rather than skips them.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A registry process, killed when dropped.
struct Registry {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Registry {
    fn start() -> Option<Registry> {
        Registry::start_with("")
    }

    /// A registry that wants the user `weld` with the password
    /// `correct-horse` (`fixtures/registry/htpasswd`).
    fn start_with_password() -> Option<Registry> {
        let htpasswd = common::root().join("fixtures/registry/htpasswd");
        Registry::start_with(&format!(
            "auth:\n  htpasswd:\n    realm: weld-test\n    path: {}\n",
            htpasswd.display()
        ))
    }

    /// A registry whose configuration ends with `extra`.
    fn start_with(extra: &str) -> Option<Registry> {
        let binary = Path::new("/usr/bin/docker-registry");
        if !binary.is_file() {
            assert!(
                std::env::var_os("WELD_REQUIRE_REGISTRY").is_none(),
                "docker-registry is not installed (apt-get install docker-registry)"
            );
            eprintln!("skipped: docker-registry is not installed");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = dir.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n{extra}",
                dir.path().join("data").display()
            ),
        )
        .unwrap();
        let child = Command::new(binary)
            .args(["serve", config.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let registry = Registry { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(20);
        while !registry.answers() {
            assert!(Instant::now() < deadline, "the registry did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(registry)
    }

    /// Whether it answers `/v2/`: with 200, or with 401 when it wants
    /// credentials.
    fn answers(&self) -> bool {
        matches!(self.status("GET", "/v2/"), Some(200 | 401))
    }

    /// The status of a bodiless `METHOD PATH` request, if it got one.
    fn status(&self, method: &str, path: &str) -> Option<u16> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        let request = format!(
            "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{}\r\n\r\n",
            self.port
        );
        let mut answer = String::new();
        stream.write_all(request.as_bytes()).ok()?;
        stream.read_to_string(&mut answer).ok()?;
        answer.split_whitespace().nth(1)?.parse().ok()
    }

    fn reference(&self, name: &str) -> String {
        format!("oci://127.0.0.1:{}/{name}", self.port)
    }

    /// Where the registry keeps the blob of `digest`.
    fn blob_file(&self, digest: &str) -> PathBuf {
        let hex = digest.strip_prefix("sha256:").unwrap();
        self.dir
            .path()
            .join("data/docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A registry holding the C processor as `my/c-processor:1.0`, pushed
/// by weld with the cache `dir`.
struct Pushed {
    registry: Registry,
    dir: tempfile::TempDir,
    reference: String,
    /// What `weld push` printed.
    digest: String,
}

impl Pushed {
    fn processor() -> Option<Pushed> {
        let registry = Registry::start()?;
        let dir = tempfile::tempdir().unwrap();
        let reference = registry.reference("my/c-processor:1.0");
        let digest = ok(weld(
            dir.path(),
            &["push", PROCESSOR, &reference, "--insecure"],
        ));
        Some(Pushed {
            registry,
            dir,
            reference,
            digest,
        })
    }
}

/// `weld ARGS` with a registry cache of its own (`cache`).
fn weld(cache: &Path, args: &[&str]) -> Output {
    weld_env(cache, args, &[])
}

fn weld_env(cache: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_weld"));
    command
        .args(args)
        .current_dir(common::root())
        .env("WELD_CACHE_DIR", cache)
        .env("DOCKER_CONFIG", cache.join("no-docker"))
        .env_remove("WELD_REGISTRY_USER")
        .env_remove("WELD_REGISTRY_PASSWORD")
        .envs(env.iter().copied());
    command.output().unwrap()
}

fn ok(output: Output) -> String {
    String::from_utf8(ok_bytes(output)).unwrap()
}

fn ok_bytes(output: Output) -> Vec<u8> {
    assert!(
        output.status.success(),
        "weld failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

fn failed(output: Output) -> String {
    assert!(!output.status.success(), "weld succeeded");
    String::from_utf8(output.stderr).unwrap()
}

/// `weld pull REFERENCE -o OUT --insecure` with the cache `cache`.
fn pull(cache: &Path, reference: &str, out: &Path) -> Output {
    weld(
        cache,
        &["pull", reference, "-o", out.to_str().unwrap(), "--insecure"],
    )
}

/// Runs the composed image app (a file or a reference) on the bundled
/// image, and checks what it prints.
fn assert_prints_the_image(cache: &Path, component: impl AsRef<std::ffi::OsStr>) {
    let component = Path::new(&component);
    let run = ok_bytes(weld(
        cache,
        &[
            "run",
            "--insecure",
            "--dir",
            "fixtures/images::/images:ro",
            component.to_str().unwrap(),
            "/images/63x17.ppm",
        ],
    ));
    assert_eq!(
        run,
        std::fs::read(common::root().join("fixtures/images/63x17.expected.pgm")).unwrap()
    );
}

fn is_digest(text: &str) -> bool {
    text.strip_prefix("sha256:")
        .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

const PROCESSOR: &str = "fixtures/components/c-processor.wasm";
const APP: &str = "fixtures/components/c-app.wasm";
const PYTHON_APP: &str = "fixtures/components/python-app.wasm";

#[test]
fn push_then_pull_gives_the_same_bytes() {
    let Some(Pushed {
        registry,
        dir,
        reference,
        digest: pushed,
    }) = Pushed::processor()
    else {
        return;
    };
    let digest = pushed.trim();
    assert!(is_digest(digest), "{pushed}");
    let out = dir.path().join("pulled.wasm");
    // A cache of its own, so the pull goes to the registry.
    let pulled = ok(pull(&dir.path().join("other-cache"), &reference, &out));
    assert_eq!(pulled.trim(), digest);
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(common::root().join(PROCESSOR)).unwrap()
    );
    // Pinned by the digest it printed, and then from the cache alone.
    let pinned = format!("{reference}@{digest}");
    let again = dir.path().join("again.wasm");
    ok(weld(
        dir.path(),
        &["pull", &pinned, "-o", again.to_str().unwrap(), "--insecure"],
    ));
    drop(registry);
    let offline = dir.path().join("offline.wasm");
    ok(weld(
        dir.path(),
        &[
            "pull",
            &pinned,
            "-o",
            offline.to_str().unwrap(),
            "--offline",
        ],
    ));
    assert_eq!(
        std::fs::read(&offline).unwrap(),
        std::fs::read(&out).unwrap()
    );
    // And as the input of other commands.
    let wit = ok(weld(dir.path(), &["wit", &pinned, "--offline"]));
    assert!(
        wit.contains("grayscale: func(img: image) -> image"),
        "{wit}"
    );
    let semver = ok(weld(
        dir.path(),
        &["check", "semver", &pinned, PROCESSOR, "--offline"],
    ));
    assert!(semver.contains("holds (0 errors"), "{semver}");
    let inspect = ok(weld(dir.path(), &["inspect", &pinned, "--offline"]));
    assert!(inspect.starts_with("component, 17104 bytes"), "{inspect}");
}

#[test]
fn a_manifest_of_registry_components_composes_runs_and_locks() {
    let Some(registry) = Registry::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let app = registry.reference("my/c-app:1.0");
    let processor = registry.reference("my/c-processor:1.0");
    ok(weld(&cache, &["push", APP, &app, "--insecure"]));
    let first = ok(weld(&cache, &["push", PROCESSOR, &processor, "--insecure"]));
    let manifest = dir.path().join("weld.toml");
    std::fs::write(
        &manifest,
        format!(
            "[components]\napp = \"{app}\"\nprocessor = \"{processor}\"\n\n\
             [instances.app.with]\n\"my:image-processor/process\" = \"processor\"\n"
        ),
    )
    .unwrap();
    let out = dir.path().join("out.wasm");
    let compose = |extra: &[&str]| {
        let mut args = vec![
            "compose",
            manifest.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--insecure",
        ];
        args.extend_from_slice(extra);
        weld(&cache, &args)
    };
    ok(compose(&[]));
    let lock_path = dir.path().join("weld.lock");
    let lock = std::fs::read_to_string(&lock_path).unwrap();
    assert!(
        lock.contains(&format!(
            "reference = \"{processor}\"\ndigest = \"{}\"",
            first.trim()
        )),
        "{lock}"
    );
    assert_prints_the_image(&cache, &out);
    let composed = std::fs::read(&out).unwrap();

    // The tag moves to another component: the lock holds the old one.
    let other = ok(weld(
        &cache,
        &[
            "push",
            "fixtures/components/go-processor.wasm",
            &processor,
            "--insecure",
        ],
    ));
    assert_ne!(other, first);
    ok(compose(&[]));
    assert_eq!(std::fs::read(&out).unwrap(), composed);
    assert_eq!(std::fs::read_to_string(&lock_path).unwrap(), lock);
    // --locked accepts a lock that needs no change.
    ok(compose(&["--locked"]));
    // --update takes what the tag names now, and records it.
    ok(compose(&["--update"]));
    assert_ne!(std::fs::read(&out).unwrap(), composed);
    assert!(
        std::fs::read_to_string(&lock_path)
            .unwrap()
            .contains(other.trim())
    );
}

#[test]
fn a_tampered_blob_is_refused() {
    let Some(pushed) = Pushed::processor() else {
        return;
    };
    let layer = format!(
        "sha256:{}",
        sha256_hex(&std::fs::read(common::root().join(PROCESSOR)).unwrap())
    );
    let blob = pushed.registry.blob_file(&layer);
    let mut bytes = std::fs::read(&blob).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&blob, bytes).unwrap();
    let out = pushed.dir.path().join("out.wasm");
    let error = failed(pull(
        &pushed.dir.path().join("fresh"),
        &pushed.reference,
        &out,
    ));
    assert!(error.contains("digest"), "{error}");
    assert!(error.contains(&layer), "{error}");
    assert!(!out.exists());
    assert_no_temporaries(&pushed.dir.path().join("fresh"));
}

fn sha256_hex(bytes: &[u8]) -> String {
    let output = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            child.stdin.take().unwrap().write_all(bytes)?;
            child.wait_with_output()
        })
        .unwrap();
    String::from_utf8(output.stdout).unwrap()[..64].to_owned()
}

/// No `.weld-` temporary file is left anywhere under `dir`.
fn assert_no_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        assert!(
            !name.to_string_lossy().starts_with(".weld-"),
            "{:?} left",
            entry.path()
        );
        if entry.file_type().unwrap().is_dir() {
            assert_no_temporaries(&entry.path());
        }
    }
}

#[test]
fn failures_are_clear_and_leave_nothing() {
    let Some(registry) = Registry::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.wasm");
    std::fs::write(&out, b"good").unwrap();
    let pull = |reference: &str, extra: &[&str]| {
        let mut args = vec!["pull", reference, "-o", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        failed(weld(dir.path(), &args))
    };
    let missing = pull(&registry.reference("my/nothing:1.0"), &["--insecure"]);
    assert!(missing.contains("is not in the registry"), "{missing}");
    // HTTPS unless told otherwise, even on this machine.
    let plain = pull(&registry.reference("my/nothing:1.0"), &[]);
    assert!(
        plain.contains("https://127.0.0.1:")
            && plain.contains("if it serves plain HTTP on this machine, pass --insecure"),
        "{plain}"
    );
    let not_local = pull("oci://ghcr.io/my/app:1.0", &["--insecure"]);
    assert!(
        not_local.contains("--insecure (plain HTTP) is allowed only for"),
        "{not_local}"
    );
    let offline = pull(&registry.reference("my/nothing:1.0"), &["--offline"]);
    assert!(
        offline.contains("--offline forbids asking the registry"),
        "{offline}"
    );
    let bad = pull("oci://127.0.0.1/My/App", &[]);
    assert!(bad.contains("is not a repository path component"), "{bad}");
    let reference = registry.reference("my/c-processor:1.0");
    drop(registry);
    let down = pull(&reference, &["--insecure"]);
    assert!(down.contains("cannot reach the registry"), "{down}");
    assert_eq!(std::fs::read(&out).unwrap(), b"good");
    assert_no_temporaries(dir.path());
}

#[test]
fn a_test_spec_names_registry_components() {
    let Some(pushed) = Pushed::processor() else {
        return;
    };
    let spec = pushed.dir.path().join("spec.toml");
    std::fs::write(
        &spec,
        format!(
            r#"[defaults]
component = "{}"

[[case]]
name = "grayscale"
invoke = "grayscale({{data: [255, 0, 0, 255], width: 1, height: 1}})"
expect = "{{width: 1, height: 1, data: [76, 76, 76, 255]}}"

[[case]]
name = "a short image traps"
invoke = "grayscale({{data: [1], width: 1, height: 1}})"
trap = true
"#,
            pushed.reference
        ),
    )
    .unwrap();
    let test = |cache: &Path, extra: &str| weld(cache, &["test", spec.to_str().unwrap(), extra]);
    // From the registry (a cache of its own), then from the cache alone.
    let fresh = pushed.dir.path().join("fresh-cache");
    let passed = ok(test(&fresh, "--insecure"));
    assert!(passed.ends_with("2 passed, 0 failed\n"), "{passed}");
    let missing = spec.with_file_name("missing.toml");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(&missing, text.replace("c-processor:1.0", "c-processor:2.0")).unwrap();
    let error = failed(weld(
        pushed.dir.path(),
        &["test", missing.to_str().unwrap(), "--insecure"],
    ));
    assert!(
        error.contains("case 1 (grayscale)")
            && error.contains("c-processor:2.0")
            && error.contains("is not in the registry"),
        "{error}"
    );
    drop(pushed.registry);
    let passed = ok(test(&fresh, "--offline"));
    assert!(passed.ends_with("2 passed, 0 failed\n"), "{passed}");
}

#[test]
fn credentials_come_from_the_environment_and_docker_config() {
    let Some(registry) = Registry::start_with_password() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let reference = registry.reference("my/c-processor:1.0");
    let out = dir.path().join("out.wasm");
    std::fs::write(&out, b"good").unwrap();
    let push = |env: &[(&str, &str)]| {
        weld_env(
            dir.path(),
            &["push", PROCESSOR, &reference, "--insecure"],
            env,
        )
    };
    let pull = |env: &[(&str, &str)]| {
        weld_env(
            dir.path(),
            &[
                "pull",
                &reference,
                "-o",
                out.to_str().unwrap(),
                "--insecure",
            ],
            env,
        )
    };
    let right = [
        ("WELD_REGISTRY_USER", "weld"),
        ("WELD_REGISTRY_PASSWORD", "correct-horse"),
    ];
    let wrong = [
        ("WELD_REGISTRY_USER", "weld"),
        ("WELD_REGISTRY_PASSWORD", "battery-staple"),
    ];
    // Refused without credentials and with wrong ones, saying which were
    // sent; a refused push is not "cannot reach".
    let anonymous = failed(push(&[]));
    assert!(
        anonymous.contains("refused access to") && anonymous.contains("with no credentials"),
        "{anonymous}"
    );
    let refused = failed(push(&wrong));
    assert!(
        refused.contains("refused access to")
            && refused.contains("the user `weld` from WELD_REGISTRY_USER"),
        "{refused}"
    );
    let digest = ok(push(&right));
    let refused = failed(pull(&wrong));
    assert!(refused.contains("refused access to"), "{refused}");
    assert_eq!(std::fs::read(&out).unwrap(), b"good");
    assert_no_temporaries(dir.path());
    // A Docker config's `auths`, as `docker login` writes it.
    let docker = dir.path().join("docker");
    std::fs::create_dir(&docker).unwrap();
    let auth = "d2VsZDpjb3JyZWN0LWhvcnNl"; // base64 of `weld:correct-horse`
    std::fs::write(
        docker.join("config.json"),
        format!(
            r#"{{"auths": {{"127.0.0.1:{}": {{"auth": "{auth}"}}}}}}"#,
            registry.port
        ),
    )
    .unwrap();
    let pulled = ok(pull(&[("DOCKER_CONFIG", docker.to_str().unwrap())]));
    assert_eq!(pulled, digest);
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(common::root().join(PROCESSOR)).unwrap()
    );
}

/// wkg, where installed: `WKG`, or the one `.ci/run` installs.
fn wkg() -> Option<PathBuf> {
    let installed =
        std::env::var_os("HOME").map(|home| Path::new(&home).join(".cache/weld/wkg/bin/wkg"));
    std::env::var_os("WKG")
        .map(PathBuf::from)
        .or(installed)
        .filter(|path| path.is_file())
}

#[test]
fn interoperates_with_wkg_both_ways() {
    let Some(wkg) = wkg() else {
        eprintln!("skipped: wkg is not installed");
        return;
    };
    let Some(registry) = Registry::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let host = format!("127.0.0.1:{}", registry.port);
    let wkg_run = |args: &[&str]| {
        let output = Command::new(&wkg)
            .args(args)
            .current_dir(common::root())
            .env("WKG_OCI_INSECURE", &host)
            .env("DOCKER_CONFIG", dir.path().join("no-docker"))
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "wkg failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    // weld pushes, wkg pulls.
    ok(weld(
        dir.path(),
        &[
            "push",
            PROCESSOR,
            &registry.reference("my/c-processor:1.0"),
            "--insecure",
        ],
    ));
    let pulled = dir.path().join("by-wkg.wasm");
    wkg_run(&[
        "oci",
        "pull",
        &format!("{host}/my/c-processor:1.0"),
        "-o",
        pulled.to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::read(&pulled).unwrap(),
        std::fs::read(common::root().join(PROCESSOR)).unwrap()
    );
    // wkg pushes, weld plugs.
    wkg_run(&["oci", "push", &format!("{host}/my/c-app:wkg"), APP]);
    let out = dir.path().join("out.wasm");
    ok(weld(
        dir.path(),
        &[
            "plug",
            &registry.reference("my/c-app:wkg"),
            "--plug",
            &registry.reference("my/c-processor:1.0"),
            "-o",
            out.to_str().unwrap(),
            "--insecure",
        ],
    ));
    assert_prints_the_image(dir.path(), &out);
}

#[test]
fn a_locked_digest_gone_from_the_registry_is_an_error() {
    let Some(registry) = Registry::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let processor = registry.reference("my/c-processor:1.0");
    let digest = ok(weld(
        dir.path(),
        &["push", PROCESSOR, &processor, "--insecure"],
    ));
    let manifest = dir.path().join("weld.toml");
    std::fs::write(
        &manifest,
        format!("[components]\nprocessor = \"{processor}\"\n"),
    )
    .unwrap();
    let out = dir.path().join("out.wasm");
    let compose = |cache: &Path| {
        weld(
            cache,
            &[
                "compose",
                manifest.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
                "--insecure",
            ],
        )
    };
    ok(compose(dir.path()));
    // The tag moves on and the locked manifest is deleted.
    ok(weld(
        dir.path(),
        &[
            "push",
            "fixtures/components/go-processor.wasm",
            &processor,
            "--insecure",
        ],
    ));
    let path = format!("/v2/my/c-processor/manifests/{}", digest.trim());
    assert_eq!(registry.status("DELETE", &path), Some(202));
    let lock = std::fs::read(dir.path().join("weld.lock")).unwrap();
    let composed = std::fs::read(&out).unwrap();
    // A cache without it must ask the registry, which no longer has it.
    let error = failed(compose(&dir.path().join("fresh")));
    assert!(
        error.contains("the registry no longer has that manifest"),
        "{error}"
    );
    assert!(error.contains(digest.trim()), "{error}");
    assert_eq!(std::fs::read(dir.path().join("weld.lock")).unwrap(), lock);
    assert_eq!(std::fs::read(&out).unwrap(), composed);
}

/// `weld ARGS` with its stderr on a terminal (a pty that `script` makes),
/// stdout to a file: what the terminal showed, and what stdout got.
fn on_a_terminal(cache: &Path, args: &[&str]) -> (String, String) {
    let stdout = tempfile::NamedTempFile::new().unwrap();
    let command = format!(
        "{} {} > {}",
        env!("CARGO_BIN_EXE_weld"),
        args.join(" "),
        stdout.path().display()
    );
    let output = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(common::root())
        .env("WELD_CACHE_DIR", cache)
        .env("DOCKER_CONFIG", cache.join("no-docker"))
        .stdin(Stdio::null())
        .output()
        .expect("script (util-linux) runs");
    let shown = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "weld failed: {shown}");
    (shown, std::fs::read_to_string(stdout.path()).unwrap())
}

#[test]
fn progress_shows_on_a_terminal_for_transfers_over_a_mib() {
    let Some(registry) = Registry::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let app = registry.reference("my/python-app:1");
    let processor = registry.reference("my/c-processor:1");
    // The 18 MB app: a bar that reaches its end, then is cleared.
    let (shown, digest) = on_a_terminal(dir.path(), &["push", PYTHON_APP, &app, "--insecure"]);
    assert!(is_digest(digest.trim()), "{digest}");
    let bar = format!("push {app} 17.5/17.5 MiB (100%)");
    assert!(shown.contains(&bar), "{shown:?}");
    assert!(shown.ends_with("\r\x1b[2K"), "{shown:?}");
    let pulled = dir.path().join("pulled.wasm");
    let (shown, _) = on_a_terminal(
        &dir.path().join("pull-cache"),
        &["pull", &app, "-o", pulled.to_str().unwrap(), "--insecure"],
    );
    let bar = format!("pull {app} 17.5/17.5 MiB (100%)");
    assert!(shown.contains(&bar), "{shown:?}");
    // The 17 KB processor: none.
    let (shown, _) = on_a_terminal(dir.path(), &["push", PROCESSOR, &processor, "--insecure"]);
    assert_eq!(shown, "");
    // Nor for the app when stderr is not a terminal (a pipe, CI's log).
    let output = weld(
        &dir.path().join("piped-cache"),
        &["push", PYTHON_APP, &app, "--insecure"],
    );
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
    assert!(is_digest(ok(output).trim()));
}

/// Every command that takes a component takes a reference: each is run
/// here on components that only the registry holds.
#[test]
fn every_command_takes_a_reference() {
    let Some(Pushed {
        registry,
        dir,
        reference: processor,
        ..
    }) = Pushed::processor()
    else {
        return;
    };
    let cache = dir.path();
    let composed = cache.join("image-app.wasm");
    ok(weld(
        cache,
        &[
            "plug",
            APP,
            "--plug",
            PROCESSOR,
            "-o",
            composed.to_str().unwrap(),
        ],
    ));
    let app = registry.reference("my/image-app:1");
    ok(weld(
        cache,
        &["push", composed.to_str().unwrap(), &app, "--insecure"],
    ));
    let hello = registry.reference("my/hello:1");
    ok(weld(
        cache,
        &[
            "push",
            "fixtures/components/http-wat-hello.wasm",
            &hello,
            "--insecure",
        ],
    ));

    // A fresh cache: every reference below goes to the registry.
    let cache = &cache.join("fresh");
    assert_prints_the_image(cache, &app);
    let call = "grayscale({width: 1, height: 1, data: [255, 0, 0, 255]})";
    let gray = "{data: [76, 76, 76, 255], width: 1, height: 1}\n";
    assert_eq!(
        ok(weld(cache, &["invoke", &processor, call, "--insecure"])),
        gray
    );
    let virtual_ = cache.join("virtual.wasm");
    let virtual_path = virtual_.to_str().unwrap();
    ok(weld(
        cache,
        &[
            "virt",
            &processor,
            "--deny-all",
            "-o",
            virtual_path,
            "--insecure",
        ],
    ));
    assert_eq!(ok(weld(cache, &["invoke", virtual_path, call])), gray);
    let traced = cache.join("traced.wasm");
    ok(weld(
        cache,
        &["trace", &app, "-o", traced.to_str().unwrap(), "--insecure"],
    ));
    assert_prints_the_image(cache, &traced);
    let graph = ok(weld(cache, &["graph", &app, "--insecure"]));
    assert!(graph.contains("c-processor"), "{graph}");
    let targets = ok(weld(
        cache,
        &[
            "check",
            "targets",
            "--wit",
            "wit",
            "--world",
            "processor",
            &processor,
            "--insecure",
        ],
    ));
    assert!(targets.contains("holds (0 errors"), "{targets}");
    let policy = ok(weld(
        cache,
        &[
            "check",
            "policy",
            "--deny",
            "wasi:sockets/*",
            &app,
            "--insecure",
        ],
    ));
    assert!(policy.contains("holds (0 errors"), "{policy}");
    let server = common::http::Server::start(&[&hello, "--insecure"]);
    let answer = server.get("/");
    assert_eq!(
        (answer.status, answer.text()),
        (200, "hello\n".to_owned()),
        "{}",
        server.log()
    );
}
