//! What `weld` leaves on disk: complete, valid outputs on success; on
//! failure no partial file, no stray temporary file, and no good file
//! overwritten.

mod common;

use common::{weld, weld_ok, weld_with_stdin};
use std::os::unix::fs::FileTypeExt;
use std::path::Path;

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// `weld plug SOCKET --plug PLUG -o OUT`.
fn plug(socket: &str, plug: &str, out: &Path) -> std::process::Output {
    weld(&["plug", socket, "--plug", plug, "-o", out.to_str().unwrap()])
}

#[test]
fn new_writes_a_valid_component_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::build_wat_fixture("processor", dir.path());
    let bytes = std::fs::read(&out).unwrap();
    assert!(wasmparser::Parser::is_component(&bytes));
    wasmparser::Validator::new().validate_all(&bytes).unwrap();
    assert_eq!(entries(dir.path()), ["processor.wasm"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644, "outputs are not private temp files");
    }
}

#[test]
fn failed_new_keeps_the_existing_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.wasm");
    std::fs::write(&out, b"a good file").unwrap();
    for input in [
        "tests/cli/new/no-world.wat",
        "tests/cli/inputs/truncated-module.wasm",
        "tests/cli/inputs/random.bin",
    ] {
        let output = weld(&["new", input, "-o", out.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(1), "weld new {input}");
        assert!(!output.stderr.is_empty());
        assert_eq!(std::fs::read(&out).unwrap(), b"a good file");
        assert_eq!(entries(dir.path()), ["out.wasm"]);
    }
}

#[test]
fn failed_wit_out_dir_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = weld(&[
        "wit",
        "tests/cli/wit/missing-type.wit",
        "--out-dir",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(entries(dir.path()).is_empty());
}

#[test]
fn wit_out_dir_never_replaces_a_directory_with_contents() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keep.txt"), "mine").unwrap();
    let output = weld(&["wit", "wit", "--out-dir", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(entries(dir.path()), ["keep.txt"]);
    assert_eq!(std::fs::read(dir.path().join("keep.txt")).unwrap(), b"mine");
}

#[test]
fn wit_out_dir_fills_an_empty_directory() {
    let dir = tempfile::tempdir().unwrap();
    weld_ok(&["wit", "wit", "--out-dir", dir.path().to_str().unwrap()]);
    assert_eq!(entries(dir.path()), ["deps", "image-processor.wit"]);
    assert_eq!(
        entries(&dir.path().join("deps")),
        [
            "wasi-cli-0.2.12.wit",
            "wasi-clocks-0.2.12.wit",
            "wasi-filesystem-0.2.12.wit",
            "wasi-io-0.2.12.wit",
            "wasi-random-0.2.12.wit",
            "wasi-sockets-0.2.12.wit",
        ]
    );
    // The written package prints exactly like the original.
    let original = weld_ok(&["wit", "wit"]).stdout;
    let copy = weld_ok(&["wit", dir.path().to_str().unwrap()]).stdout;
    assert_eq!(String::from_utf8(copy), String::from_utf8(original));
}

#[test]
fn new_reads_wat_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p.wasm");
    let wat = std::fs::read(common::root().join("fixtures/wat/processor.wat")).unwrap();
    let args = ["new", "-", "--wit", "wit", "--world", "processor", "-o"];
    let output = weld_with_stdin(&[&args[..], &[out.to_str().unwrap()]].concat(), &wat);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let inspect = weld_ok(&["inspect", out.to_str().unwrap()]);
    let text = String::from_utf8(inspect.stdout).unwrap();
    assert!(
        text.contains("instance my:image-processor/process"),
        "{text}"
    );
}

/// `--adapt` replaces the bundled adapter: forcing the reactor adapter onto
/// a command module drops the `wasi:cli/run` export the command adapter adds.
#[test]
fn adapt_overrides_the_bundled_adapter() {
    use wasi_preview1_component_adapter_provider as adapters;
    let dir = tempfile::tempdir().unwrap();
    let reactor = dir.path().join("wasi_snapshot_preview1.wasm");
    std::fs::write(&reactor, adapters::WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER).unwrap();
    let exports_run = |args: &[&str]| {
        let out = dir.path().join("out.wasm");
        let out = out.to_str().unwrap();
        weld_ok(&[&["new", "tests/cli/new/command.wat", "-o", out], args].concat());
        let json = weld_ok(&["inspect", out, "--json"]).stdout;
        let report: serde_json::Value = serde_json::from_slice(&json).unwrap();
        report["exports"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["name"] == "wasi:cli/run@0.2.12")
    };
    assert!(exports_run(&[]), "the bundled command adapter exports run");
    let named = format!("wasi_snapshot_preview1={}", reactor.display());
    assert!(!exports_run(&["--adapt", &named]));
    assert!(!exports_run(&["--adapt", reactor.to_str().unwrap()]));
}

#[test]
fn plug_is_deterministic_and_atomic() {
    let dir = tempfile::tempdir().unwrap();
    let plug_c_go = |out: &Path| {
        plug(
            "fixtures/components/c-app.wasm",
            "fixtures/components/go-processor.wasm",
            out,
        )
    };
    let (first, second) = (
        dir.path().join("first.wasm"),
        dir.path().join("second.wasm"),
    );
    assert!(plug_c_go(&first).status.success());
    assert!(plug_c_go(&second).status.success());
    assert!(std::fs::read(&first).unwrap() == std::fs::read(&second).unwrap());

    // A plug that fits nothing fails, and the good output stays as it was.
    let good = std::fs::read(&first).unwrap();
    let failed = plug(
        "fixtures/components/c-app.wasm",
        "tests/cli/plug/semver-0.2.12.wat",
        &first,
    );
    assert_eq!(failed.status.code(), Some(1));
    assert!(std::fs::read(&first).unwrap() == good);
    assert_eq!(entries(dir.path()), ["first.wasm", "second.wasm"]);
}

#[test]
fn plug_can_replace_its_own_socket() {
    // The 18 MB app is mapped, not read, and spliced into the result from
    // the map: writing over it must not change what is being copied.
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app.wasm");
    let elsewhere = dir.path().join("elsewhere.wasm");
    std::fs::copy("fixtures/components/python-app.wasm", &app).unwrap();
    let socket = app.to_str().unwrap();
    let processor = "fixtures/components/c-processor.wasm";
    assert!(plug(socket, processor, &elsewhere).status.success());
    assert!(plug(socket, processor, &app).status.success());
    assert!(std::fs::read(&app).unwrap() == std::fs::read(&elsewhere).unwrap());
    assert_eq!(entries(dir.path()), ["app.wasm", "elsewhere.wasm"]);
}

#[test]
fn compose_is_deterministic_and_keeps_a_good_file_when_an_input_is_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let compose =
        |manifest: &str, out: &Path| weld(&["compose", manifest, "-o", out.to_str().unwrap()]);
    let (first, second) = (
        dir.path().join("first.wasm"),
        dir.path().join("second.wasm"),
    );
    let manifest = "tests/cli/compose/decorated.toml";
    assert!(compose(manifest, &first).status.success());
    assert!(compose(manifest, &second).status.success());
    assert!(std::fs::read(&first).unwrap() == std::fs::read(&second).unwrap());

    // The invalid function body is found while the result is being
    // written to a temporary file, which must vanish.
    let good = std::fs::read(&first).unwrap();
    let failed = compose("tests/cli/compose/invalid-body.toml", &first);
    assert_eq!(failed.status.code(), Some(1));
    assert!(std::fs::read(&first).unwrap() == good);
    assert_eq!(entries(dir.path()), ["first.wasm", "second.wasm"]);
}

#[test]
fn outputs_go_through_symbolic_links_and_into_pipes() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.wasm");
    let link = dir.path().join("link.wasm");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    weld_ok(&[
        "new",
        "fixtures/wat/processor.wat",
        "--wit",
        "wit",
        "--world",
        "processor",
        "-o",
        link.to_str().unwrap(),
    ]);
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(wasmparser::Parser::is_component(
        &std::fs::read(&target).unwrap()
    ));

    // A named pipe is written in place, not replaced by a file.
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    weld_ok(&[
        "plug",
        "fixtures/components/wat-app.wasm",
        "--plug",
        "fixtures/components/wat-processor.wasm",
        "-o",
        fifo.to_str().unwrap(),
    ]);
    let written = reader.join().unwrap();
    assert!(wasmparser::Parser::is_component(&written));
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
}
