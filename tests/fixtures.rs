//! The committed multi-language fixtures (`fixtures/components/`, rebuilt by
//! `fixtures/build.sh`): every component validates and has the expected
//! world, every processor gives byte-identical results through `weld invoke`
//! on the reference images, and every app plugged into every processor with
//! `weld plug` prints the expected PGM under `weld run`.

mod common;

use common::{root, weld, weld_ok};
use std::path::{Path, PathBuf};

const LANGS: [&str; 5] = ["wat", "c", "python", "js", "go"];
/// Languages whose components compile in about a second or less.
const FAST: [&str; 3] = ["wat", "c", "go"];
const IMAGES: [(u32, u32); 3] = [(1, 1), (63, 17), (640, 480)];

fn component(lang: &str, world: &str) -> PathBuf {
    root().join(format!("fixtures/components/{lang}-{world}.wasm"))
}

#[test]
fn the_checksums_match() {
    let sums = std::fs::read_to_string(root().join("fixtures/components/SHA256SUMS")).unwrap();
    let built = std::fs::read_to_string(root().join("fixtures/components/BUILT-WITH")).unwrap();
    for lang in LANGS {
        for world in ["processor", "app"] {
            let name = format!("{lang}-{world}.wasm");
            assert!(
                sums.lines().any(|l| l.ends_with(&format!(" {name}"))),
                "{name} in SHA256SUMS"
            );
            assert!(
                built.lines().any(|l| l.starts_with(&format!("{name}: "))),
                "{name} in BUILT-WITH"
            );
        }
    }
    let output = std::process::Command::new("sha256sum")
        .args(["--check", "--quiet", "SHA256SUMS"])
        .current_dir(root().join("fixtures/components"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn every_component_validates_and_has_its_world() {
    for lang in LANGS {
        for (world, export) in [
            ("processor", "my:image-processor/process"),
            ("app", "wasi:cli/run@0.2"),
        ] {
            let path = component(lang, world);
            let bytes = std::fs::read(&path).unwrap();
            wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
                .validate_all(&bytes)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let json = weld_ok(&["inspect", path.to_str().unwrap(), "--json"]).stdout;
            let report: serde_json::Value = serde_json::from_slice(&json).unwrap();
            let names = |key: &str| -> Vec<String> {
                report[key]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["name"].as_str().unwrap().to_owned())
                    .collect()
            };
            assert!(
                names("exports").iter().any(|n| n.starts_with(export)),
                "{lang}-{world} exports {export}"
            );
            if world == "app" {
                assert!(
                    names("imports")
                        .iter()
                        .any(|n| n == "my:image-processor/process"),
                    "{lang}-app imports process"
                );
            }
        }
    }
}

/// The image as RGBA, as the apps make it from the PPM: alpha 255.
fn rgba(width: u32, height: u32) -> Vec<u8> {
    let ppm = std::fs::read(root().join(format!("fixtures/images/{width}x{height}.ppm"))).unwrap();
    let header = format!("P6\n{width} {height}\n255\n");
    assert!(ppm.starts_with(header.as_bytes()));
    ppm[header.len()..]
        .chunks(3)
        .flat_map(|px| [px[0], px[1], px[2], 255])
        .collect()
}

#[test]
fn every_processor_agrees_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    for (width, height) in IMAGES {
        let file = dir.path().join(format!("{width}x{height}.rgba"));
        std::fs::write(&file, rgba(width, height)).unwrap();
        let image = format!(
            "{{data: @{}, width: {width}, height: {height}}}",
            file.display()
        );
        let calls = [
            format!("grayscale({image})"),
            format!(
                "resize({image}, {}, {})",
                (width / 2).max(1),
                (height / 2).max(1)
            ),
            format!("resize({image}, {}, {})", width * 2 + 1, height + 3),
        ];
        let mut first: Option<(String, Vec<u8>)> = None;
        for lang in LANGS {
            let processor = component(lang, "processor");
            let mut args = vec!["invoke", processor.to_str().unwrap()];
            args.extend(calls.iter().map(String::as_str));
            let output = weld(&args);
            assert!(
                output.status.success(),
                "{lang}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            match &first {
                None => first = Some((lang.to_owned(), output.stdout)),
                Some((other, expected)) => assert!(
                    output.stdout == *expected,
                    "{lang} and {other} differ on {width}x{height}"
                ),
            }
        }
    }
}

/// Composes `app` with `processor` with `weld plug`. With
/// `WELD_KEEP_COMPOSED=DIR` the result is also kept in DIR, for
/// `fixtures/second-runtime.sh` to run on another runtime.
fn compose(app: &Path, processor: &Path, out: &Path) {
    let (app, processor, out_arg) = (
        app.to_str().unwrap(),
        processor.to_str().unwrap(),
        out.to_str().unwrap(),
    );
    weld_ok(&["plug", app, "--plug", processor, "-o", out_arg]);
    if let Some(keep) = std::env::var_os("WELD_KEEP_COMPOSED") {
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::copy(out, Path::new(&keep).join(out.file_name().unwrap())).unwrap();
    }
}

#[test]
fn every_app_with_every_processor_prints_the_expected_pgm() {
    let dir = tempfile::tempdir().unwrap();
    for app in LANGS.into_iter().filter(|lang| *lang != "wat") {
        for processor in LANGS {
            let composed = dir.path().join(format!("{app}-with-{processor}.wasm"));
            compose(
                &component(app, "app"),
                &component(processor, "processor"),
                &composed,
            );
            // The large image only where both sides are fast.
            let fast = FAST.contains(&app) && FAST.contains(&processor);
            for (width, height) in IMAGES.into_iter().filter(|(w, _)| fast || *w < 640) {
                let input = format!("/data/{width}x{height}.ppm");
                let dir = ["run", "--dir", "fixtures/images::/data:ro"];
                // componentize-js apps import `wasi:http` (never calling
                // it), which weld always provides: no extra flag.
                let args = [&dir[..], &[composed.to_str().unwrap(), &input]].concat();
                let output = weld(&args);
                assert!(
                    output.status.success(),
                    "{app} app with {processor} processor on {input}: {}",
                    String::from_utf8_lossy(&output.stderr)
                );
                let expected = std::fs::read(
                    root().join(format!("fixtures/images/{width}x{height}.expected.pgm")),
                )
                .unwrap();
                assert!(
                    output.stdout == expected,
                    "{app} app with {processor} processor on {input}: wrong PGM"
                );
            }
        }
    }
}

#[test]
fn the_wat_app_checks_itself_against_every_processor() {
    let dir = tempfile::tempdir().unwrap();
    for processor in LANGS {
        let composed = dir.path().join(format!("wat-with-{processor}.wasm"));
        compose(
            &component("wat", "app"),
            &component(processor, "processor"),
            &composed,
        );
        let output = weld(&["run", composed.to_str().unwrap()]);
        assert!(
            output.status.success(),
            "wat app with {processor}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn apps_report_bad_input_and_fail() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.ppm"), b"P3\n1 1\n255\n0 0 0\n").unwrap();
    std::fs::write(dir.path().join("short.ppm"), b"P6\n4 4\n255\nabc").unwrap();
    let grant = format!("{}::/data:ro", dir.path().display());
    for app in ["c", "python", "js", "go"] {
        let composed = dir.path().join(format!("{app}.wasm"));
        compose(
            &component(app, "app"),
            &component("c", "processor"),
            &composed,
        );
        for (input, message) in [
            ("/data/missing.ppm", "missing.ppm"),
            ("/data/bad.ppm", "not a binary PPM"),
            ("/data/short.ppm", "truncated PPM data"),
        ] {
            let args = ["run", "--dir", &grant, composed.to_str().unwrap(), input];
            let output = weld(&args);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(
                output.status.code(),
                Some(1),
                "{app} app on {input}: {stderr}"
            );
            assert!(stderr.contains(message), "{app} app on {input}: {stderr}");
            assert!(
                output.stdout.is_empty(),
                "{app} app on {input} wrote to stdout"
            );
        }
    }
}

/// The README's first command: the bundled manifest composes the Python
/// app with the C processor, and the result prints the expected image and
/// exports the processor for `weld invoke`.
#[test]
fn the_bundled_manifest_composes_the_readme_example() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("image-app.wasm");
    let out = out.to_str().unwrap();
    weld_ok(&["compose", "fixtures/weld.toml", "-o", out]);
    let output = weld_ok(&[
        "run",
        "--dir",
        "fixtures/images::/images:ro",
        out,
        "/images/63x17.ppm",
    ]);
    let expected = std::fs::read(root().join("fixtures/images/63x17.expected.pgm")).unwrap();
    assert!(output.stdout == expected, "wrong PGM");
    let output = weld_ok(&[
        "invoke",
        out,
        "grayscale({data: [255, 0, 0, 255], width: 1, height: 1})",
    ]);
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "{data: [76, 76, 76, 255], width: 1, height: 1}\n"
    );
}

/// Real toolchain output virtualised: the Python app with the C processor,
/// with sockets denied, a fixed environment and a frozen clock, still
/// prints the expected image; its result imports no sockets, and the wall
/// clock only for the `datetime` type the host's filesystem uses.
#[test]
fn the_virtualised_python_app_prints_the_expected_pgm() {
    let dir = tempfile::tempdir().unwrap();
    let (app, virtualised, report) = (
        dir.path().join("app.wasm"),
        dir.path().join("virtualised.wasm"),
        dir.path().join("report.json"),
    );
    weld_ok(&["compose", "fixtures/weld.toml", "-o", app.to_str().unwrap()]);
    weld_ok(&[
        "virt",
        app.to_str().unwrap(),
        "-o",
        virtualised.to_str().unwrap(),
        "--deny-net",
        "--env",
        "LANG=C",
        "--clock-fixed",
        "2024-01-01T00:00:00Z",
        "--report",
        report.to_str().unwrap(),
    ]);
    let output = weld_ok(&[
        "run",
        "--dir",
        "fixtures/images::/images:ro",
        virtualised.to_str().unwrap(),
        "/images/63x17.ppm",
    ]);
    let expected = std::fs::read(root().join("fixtures/images/63x17.expected.pgm")).unwrap();
    assert!(output.stdout == expected, "wrong PGM");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let remaining: Vec<&str> = report["remaining-imports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        remaining
            .iter()
            .all(|name| !name.starts_with("wasi:sockets/"))
    );
    assert!(
        remaining
            .iter()
            .any(|name| name.starts_with("wasi:filesystem/"))
    );
    let action = |prefix: &str| common::report_action(&report, prefix);
    assert_eq!(
        action("wasi:clocks/wall-clock").as_deref(),
        Some("virtualized")
    );
    assert_eq!(action("wasi:sockets/tcp@").as_deref(), Some("denied"));
}

/// Every fixture app, composed with the C processor and virtualised with
/// `--deny-all` (stdout allowed, the images mounted, its arguments fixed,
/// a frozen clock and seeded random numbers), runs with no host
/// capability at all and prints the expected image: the runtimes' start-up
/// (environment, clocks, random numbers, stdin, stderr) and their reading
/// of the image are served by weld's layer.
#[test]
fn every_app_runs_under_deny_all() {
    let dir = tempfile::tempdir().unwrap();
    for app in LANGS.into_iter().filter(|lang| *lang != "wat") {
        let composed = dir.path().join(format!("{app}.wasm"));
        let virtualised = dir.path().join(format!("{app}-virtualised.wasm"));
        compose(
            &component(app, "app"),
            &component("c", "processor"),
            &composed,
        );
        weld_ok(&[
            "virt",
            composed.to_str().unwrap(),
            "-o",
            virtualised.to_str().unwrap(),
            "--deny-all",
            "--stdout",
            "allow",
            "--mount",
            "/images=fixtures/images",
            "--arg",
            "app",
            "--arg",
            "/images/63x17.ppm",
            "--clock-fixed",
            "2024-01-01T00:00:00Z",
            "--random-seed",
            "7",
        ]);
        // Not even the images are granted: they are inside the component.
        let args = ["run", virtualised.to_str().unwrap()];
        let output = weld(&args);
        assert!(
            output.status.success(),
            "{app}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let expected = std::fs::read(root().join("fixtures/images/63x17.expected.pgm")).unwrap();
        assert!(output.stdout == expected, "{app}: wrong PGM");
    }
}
