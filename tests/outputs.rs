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

/// An output that is one of the command's inputs (the same file, by
/// device and inode, whatever the path) is refused before anything is
/// written: the input stays as it was.
#[test]
fn an_output_that_is_an_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app.wasm");
    std::fs::copy("fixtures/components/c-app.wasm", &app).unwrap();
    let original = std::fs::read(&app).unwrap();
    let socket = app.to_str().unwrap();
    let processor = "fixtures/components/c-processor.wasm";
    let via = dir.path().join("./app.wasm");
    let refused = plug(socket, processor, &via);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("it is an input of this command"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(std::fs::read(&app).unwrap() == original);

    // A report written over the input, or over the manifest.
    let out = dir.path().join("out.wasm");
    let refused = weld(&[
        "virt",
        socket,
        "-o",
        out.to_str().unwrap(),
        "--env",
        "A=b",
        "--report",
        socket,
    ]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(std::fs::read(&app).unwrap() == original);
    assert!(!out.exists(), "no output is written when one is refused");
    let manifest = dir.path().join("weld.toml");
    let text = format!(
        "[components]\napp = \"app.wasm\"\nprocessor = \"{}\"\n\n[virtualize]\nenv = {{ A = \"b\" }}\nreport = \"weld.toml\"\n",
        std::fs::canonicalize(processor).unwrap().display()
    );
    std::fs::write(&manifest, &text).unwrap();
    let refused = weld(&[
        "compose",
        manifest.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        refused.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert_eq!(std::fs::read_to_string(&manifest).unwrap(), text);
    assert!(!out.exists());
    assert_eq!(entries(dir.path()), ["app.wasm", "weld.toml"]);
}

/// Every output is made ready before any is written: a report that cannot
/// be written (`/dev/full`) leaves the component as it was.
#[test]
fn a_report_that_cannot_be_written_leaves_the_component_alone() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.wasm");
    std::fs::write(&out, b"good").unwrap();
    let failed = weld(&[
        "virt",
        "fixtures/components/c-app.wasm",
        "-o",
        out.to_str().unwrap(),
        "--env",
        "A=b",
        "--report",
        "/dev/full",
    ]);
    assert_eq!(failed.status.code(), Some(1));
    assert_eq!(std::fs::read(&out).unwrap(), b"good");
    assert_eq!(entries(dir.path()), ["out.wasm"]);
}

/// A weld killed with SIGKILL cannot clean up; the next one writing to the
/// same directory removes what a weld that is gone left, and nothing else.
#[test]
fn stale_temporary_files_are_removed_by_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    // No process has the first id; the second is init, always alive.
    for name in [".weld-2147483646-AbCdEf", ".weld-1-AbCdEf", ".weld-notes"] {
        std::fs::write(dir.path().join(name), b"partial").unwrap();
    }
    let out = dir.path().join("out.wasm");
    let done = plug(
        "fixtures/components/c-app.wasm",
        "fixtures/components/c-processor.wasm",
        &out,
    );
    assert!(done.status.success());
    assert_eq!(
        entries(dir.path()),
        [".weld-1-AbCdEf", ".weld-notes", "out.wasm"]
    );
}

/// SIGTERM, SIGINT or SIGHUP while the 18 MB result is being written: the
/// temporary file goes, and weld dies of the signal.
#[test]
fn a_signal_during_a_composition_leaves_no_temporary_file() {
    use std::os::unix::process::ExitStatusExt;
    let mut interrupted = 0;
    for signal in [15, 2, 1].into_iter().cycle().take(30) {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.wasm");
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_weld"))
            .args([
                "plug",
                "fixtures/components/python-app.wasm",
                "--plug",
                "fixtures/components/c-processor.wasm",
                "--no-cache",
                "-o",
            ])
            .arg(&out)
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Wait for the temporary file to appear, then stop weld.
        let started = std::time::Instant::now();
        while entries(dir.path()).is_empty() && started.elapsed().as_secs() < 20 {
            if child.try_wait().unwrap().is_some() {
                break;
            }
        }
        let _ = std::process::Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status();
        let status = child.wait().unwrap();
        if status.signal() == Some(signal) {
            interrupted += 1;
            assert!(entries(dir.path()).is_empty(), "{:?}", entries(dir.path()));
        } else {
            assert!(status.success());
            assert_eq!(entries(dir.path()), ["out.wasm"]);
        }
        if interrupted >= 3 {
            break;
        }
    }
    assert!(interrupted > 0, "weld was never caught writing");
}

/// An output path through two symbolic links writes the file at the end
/// of them, and both links stay links.
#[test]
fn outputs_go_through_chains_of_links() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.wit");
    std::os::unix::fs::symlink("target.wit", dir.path().join("middle")).unwrap();
    std::os::unix::fs::symlink("middle", dir.path().join("first")).unwrap();
    weld_ok(&[
        "wit",
        "wit",
        "-o",
        dir.path().join("first").to_str().unwrap(),
    ]);
    for link in ["first", "middle"] {
        let meta = std::fs::symlink_metadata(dir.path().join(link)).unwrap();
        assert!(meta.file_type().is_symlink(), "{link} is still a link");
    }
    assert!(
        std::fs::read_to_string(&target)
            .unwrap()
            .contains("package my:image-processor")
    );
}

/// Rust's stdout swallows writes to a closed descriptor; weld fails.
#[test]
fn a_closed_stdout_is_an_error() {
    let weld = env!("CARGO_BIN_EXE_weld");
    let output = std::process::Command::new("bash")
        .args(["-c", &format!("exec '{weld}' wit wit >&-")])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("stdout: it is closed"));
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

/// An input cut short while weld has it mapped (as `cp` onto it does)
/// raises SIGBUS on the pages past its new end: weld names the file and
/// fails with status 1, leaving nothing behind, instead of dying.
#[test]
fn an_input_cut_short_while_mapped_is_an_error() {
    use std::os::unix::process::ExitStatusExt;
    let mut caught = 0;
    for _ in 0..20 {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path().join("app.wasm");
        std::fs::copy("fixtures/components/python-app.wasm", &app).unwrap();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_weld"))
            .args(["plug"])
            .arg(&app)
            .args([
                "--plug",
                "fixtures/components/c-processor.wasm",
                "--no-cache",
                "-o",
            ])
            .arg(dir.path().join("out.wasm"))
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Once the output's temporary file is there, the input is mapped.
        while entries(dir.path()).len() < 2 && child.try_wait().unwrap().is_none() {}
        std::fs::File::create(&app).unwrap();
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.signal(), None, "{stderr}");
        if !output.status.success() {
            assert_eq!(output.status.code(), Some(1), "{stderr}");
            assert_eq!(entries(dir.path()), ["app.wasm"], "{stderr}");
        }
        if stderr.contains("was cut short while weld read it") {
            assert_eq!(stderr.matches("was cut short").count(), 1, "{stderr}");
            caught += 1;
            if caught >= 3 {
                break;
            }
        }
    }
    assert!(caught > 0, "weld was never caught reading the input");
}

/// `embed-components = false` with components whose interfaces use a
/// resource of another: wasm-compose cannot import them (its type encoder
/// cannot alias the resource), so weld embeds them and makes the
/// definitions imports of their worlds. The result must take the very
/// components it was composed from, and work.
#[test]
fn a_composition_importing_components_with_resources_takes_them() {
    use wasm_encoder::{
        Alias, Component, ComponentAliasSection, ComponentExportKind, ComponentExportSection,
        ComponentInstanceSection, ComponentSectionId, RawSection,
    };
    let dir = tempfile::tempdir().unwrap();
    let composed = dir.path().join("composed.wasm");
    weld_ok(&[
        "compose",
        "tests/cli/compose/imported-resources.toml",
        "-o",
        composed.to_str().unwrap(),
    ]);
    let component = |name: &str| {
        let path = common::root().join(format!("tests/cli/resources/{name}.component.wat"));
        wat::parse_file(path).unwrap()
    };
    // (component (component $consumer) (component $provider)
    //   (component $composed) (instance (instantiate $composed (with ...)))
    //   (export "run" ...))
    let mut wrapper = Component::new();
    let parts = [
        component("consumer"),
        component("provider"),
        std::fs::read(&composed).unwrap(),
    ];
    for bytes in &parts {
        wrapper.section(&RawSection {
            id: ComponentSectionId::Component as u8,
            data: bytes,
        });
    }
    let mut instances = ComponentInstanceSection::new();
    instances.instantiate(
        2,
        [
            ("consumer", ComponentExportKind::Component, 0),
            ("provider", ComponentExportKind::Component, 1),
        ],
    );
    wrapper.section(&instances);
    let mut aliases = ComponentAliasSection::new();
    aliases.alias(Alias::InstanceExport {
        instance: 0,
        kind: ComponentExportKind::Func,
        name: "run",
    });
    wrapper.section(&aliases);
    let mut exports = ComponentExportSection::new();
    exports.export("run", ComponentExportKind::Func, 0, None);
    wrapper.section(&exports);
    let wrapper_path = dir.path().join("wrapper.wasm");
    std::fs::write(&wrapper_path, wrapper.finish()).unwrap();
    let output = weld_ok(&["invoke", wrapper_path.to_str().unwrap(), "run()"]);
    // The consumer makes a counter at 40 and bumps it twice.
    assert_eq!(String::from_utf8_lossy(&output.stdout), "42\n");
}
