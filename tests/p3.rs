//! WASI 0.3 components built by real toolchains (`fixtures/README.md`),
//! through the real CLI: commands that move bytes through streams, the
//! 0.3 image processors (whose `grayscale` is an `async func`) against the
//! 0.2 one, and the 0.3 app composed with them against the 0.2 pair, and
//! mixed: each app with processors of the other version, through the
//! bridge `weld plug` puts between them.

mod common;

use common::{weld, weld_ok};

const PROCESSORS_03: [&str; 3] = [
    "fixtures/components/p3-c-processor.wasm",
    "fixtures/components/p3-go-processor.wasm",
    "fixtures/components/p3-wat-processor.wasm",
];

/// The 0.2 processors small enough to compile in a moment.
const PROCESSORS_02: [&str; 3] = [
    "fixtures/components/c-processor.wasm",
    "fixtures/components/go-processor.wasm",
    "fixtures/components/wat-processor.wasm",
];

#[test]
fn a_03_command_copies_a_file_to_stdout_through_streams() {
    let dir = tempfile::tempdir().unwrap();
    // Every byte value, and more than one stream buffer's worth.
    let bytes: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 256) as u8).collect();
    std::fs::write(dir.path().join("in.bin"), &bytes).unwrap();
    let grant = format!("{}::/data:ro", dir.path().display());
    let cat = "fixtures/components/p3-c-cat.wasm";
    let output = weld_ok(&["run", "--dir", &grant, cat, "/data/in.bin"]);
    assert!(output.stdout == bytes, "{} bytes out", output.stdout.len());

    // Without the directory, the file is not there: the guest says so.
    let denied = weld(&["run", cat, "/data/in.bin"]);
    assert_eq!(denied.status.code(), Some(1));
    assert!(denied.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&denied.stderr);
    assert!(stderr.contains("/data/in.bin"), "{stderr}");
}

/// A sandboxed 0.3 command: under `--deny-all --stdout allow --allow-fs
/// /data:ro` (and `wasi:cli/environment` allowed, for its arguments) the
/// cat prints exactly what it prints unsandboxed, and another directory
/// the host grants is not there.
#[test]
fn a_sandboxed_03_command_prints_what_it_prints_unsandboxed() {
    let dir = tempfile::tempdir().unwrap();
    let bytes: Vec<u8> = (0..100_000u32).map(|i| (i * 13 % 256) as u8).collect();
    std::fs::write(dir.path().join("in.bin"), &bytes).unwrap();
    let data = format!("{}::/data", dir.path().display());
    let other = format!("{}::/other", dir.path().display());
    let cat = "fixtures/components/p3-c-cat.wasm";
    let sandboxed = dir.path().join("sandboxed.wasm");
    let sandboxed = sandboxed.to_str().unwrap();
    weld_ok(&[
        "virt",
        cat,
        "--deny-all",
        "--allow",
        "wasi:cli/environment",
        "--stdout",
        "allow",
        "--stderr",
        "allow",
        "--allow-fs",
        "/data:ro",
        "-o",
        sandboxed,
    ]);
    let plain = weld_ok(&["run", "--dir", &data, cat, "/data/in.bin"]);
    let inside = weld_ok(&["run", "--dir", &data, sandboxed, "/data/in.bin"]);
    assert!(plain.stdout == bytes && inside.stdout == plain.stdout);
    let hidden = weld(&[
        "run",
        "--dir",
        &data,
        "--dir",
        &other,
        sandboxed,
        "/other/in.bin",
    ]);
    assert_eq!(hidden.status.code(), Some(1));
    assert!(hidden.stdout.is_empty());
}

#[test]
fn the_03_processors_agree_with_the_02_one() {
    let dir = tempfile::tempdir().unwrap();
    let (width, height) = (33, 17);
    let pixels: Vec<u8> = (0..width * height * 4)
        .map(|i| (i * 31 % 251) as u8)
        .collect();
    let image = dir.path().join("img.rgba");
    std::fs::write(&image, &pixels).unwrap();
    let img = format!(
        "{{data: @{}, width: {width}, height: {height}}}",
        image.display()
    );
    let calls = [format!("grayscale({img})"), format!("resize({img}, 20, 9)")];
    let invoke = |processor: &str| {
        let mut args = vec!["invoke", processor];
        args.extend(calls.iter().map(String::as_str));
        String::from_utf8(weld_ok(&args).stdout).unwrap()
    };
    let expected = invoke("fixtures/components/c-processor.wasm");
    assert_eq!(expected.lines().count(), 2);
    for processor in PROCESSORS_03 {
        assert_eq!(invoke(processor), expected, "{processor}");
    }
}

#[test]
fn the_apps_compose_with_processors_of_either_version_and_agree() {
    let dir = tempfile::tempdir().unwrap();
    let images = "fixtures/images::/images:ro";
    let expected = std::fs::read("fixtures/images/63x17.expected.pgm").unwrap();
    let pairs = std::iter::once(("c-app", "fixtures/components/c-processor.wasm"))
        .chain(
            PROCESSORS_03
                .iter()
                .map(|processor| ("p3-c-app", *processor)),
        )
        .chain(
            PROCESSORS_02
                .iter()
                .map(|processor| ("p3-c-app", *processor)),
        )
        .chain(
            PROCESSORS_03[..2]
                .iter()
                .map(|processor| ("c-app", *processor)),
        );
    for (app, processor) in pairs {
        let app = format!("fixtures/components/{app}.wasm");
        let app = app.as_str();
        let out = dir.path().join("app.wasm");
        let out = out.to_str().unwrap();
        weld_ok(&["plug", app, "--plug", processor, "-o", out]);
        let output = weld_ok(&["run", "--dir", images, out, "/images/63x17.ppm"]);
        assert!(output.stdout == expected, "{app} with {processor}");
    }
}

/// `weld compose` puts the same bridges in where a manifest wires an
/// import to an instance of the other version: each mixed pair, from a
/// manifest, prints the image the 0.2 pair prints.
#[test]
fn a_manifest_wires_apps_to_processors_of_the_other_version_through_bridges() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::env::current_dir().unwrap();
    let expected = std::fs::read("fixtures/images/63x17.expected.pgm").unwrap();
    let pairs = PROCESSORS_02
        .iter()
        .map(|processor| ("p3-c-app", *processor))
        .chain(
            PROCESSORS_03[..2]
                .iter()
                .map(|processor| ("c-app", *processor)),
        );
    for (app, processor) in pairs {
        let manifest = dir.path().join("weld.toml");
        let app_path = root.join(format!("fixtures/components/{app}.wasm"));
        let text = format!(
            "[components]\napp = {:?}\nprocessor = {:?}\n\n[instances.app.with]\nprocess = \"processor\"\n",
            app_path.display().to_string(),
            root.join(processor).display().to_string(),
        );
        std::fs::write(&manifest, text).unwrap();
        let out = dir.path().join("app.wasm");
        let (manifest, out) = (manifest.to_str().unwrap(), out.to_str().unwrap());
        weld_ok(&["compose", manifest, "-o", out]);
        let images = "fixtures/images::/images:ro";
        let output = weld_ok(&["run", "--dir", images, out, "/images/63x17.ppm"]);
        assert!(output.stdout == expected, "{app} with {processor}");
        let graph = weld_ok(&["graph", manifest]);
        let graph = String::from_utf8_lossy(&graph.stdout);
        assert!(
            graph.contains(r#"i2["bridge-0"]"#),
            "{app} with {processor}: {graph}"
        );
    }
}

/// A 0.2 app's `run` is a sync task, which may not block: the bridge calls
/// the 0.3 `grayscale` async and needs it to return at once. The WAT
/// processor yields first, so the call traps (in the bridge), with status
/// 134, rather than hang or print a wrong image.
#[test]
fn a_02_app_with_a_03_processor_that_blocks_traps() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("app.wasm");
    let out = out.to_str().unwrap();
    let app = "fixtures/components/c-app.wasm";
    weld_ok(&["plug", app, "--plug", PROCESSORS_03[2], "-o", out]);
    let output = weld(&[
        "run",
        "--dir",
        "fixtures/images::/images:ro",
        out,
        "/images/1x1.ppm",
    ]);
    assert_eq!(output.status.code(), Some(134));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("weld-virtual!my:image-processor/process#grayscale"),
        "{stderr}"
    );
}

/// `weld virt --const`, `--trap` and `--deny` on a custom `async func`:
/// the 0.3 app's `grayscale` (async) and `resize` (sync) given constants
/// print the constant image; trapped, or denied (they return no result,
/// so a denial traps), the app stops in `grayscale`, the async one.
#[test]
fn virt_replaces_custom_async_funcs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("virt.wasm");
    let out = out.to_str().unwrap();
    let app = "fixtures/components/p3-c-app.wasm";
    let image = "{data: [9, 9, 9, 255], width: 1, height: 1}";
    let run = |flags: &[&str]| {
        let mut args = vec!["virt", app];
        args.extend(flags);
        args.extend(["-o", out]);
        weld_ok(&args);
        weld(&[
            "run",
            "--dir",
            "fixtures/images::/images:ro",
            out,
            "/images/63x17.ppm",
        ])
    };
    let constant = run(&[
        "--const",
        &format!("my:image-processor/process@0.3.0#grayscale={image}"),
        "--const",
        &format!("my:image-processor/process@0.3.0#resize={image}"),
    ]);
    assert!(constant.status.success(), "{constant:?}");
    assert_eq!(constant.stdout, b"P5\n1 1\n255\n\x09");
    for flag in ["--trap", "--deny"] {
        let stopped = run(&[flag, "my:image-processor/process"]);
        assert_eq!(stopped.status.code(), Some(134), "{flag}: {stopped:?}");
        let stderr = String::from_utf8_lossy(&stopped.stderr);
        assert!(
            stderr.contains("my:image-processor/process@0.3.0#grayscale"),
            "{flag}: {stderr}"
        );
    }
}
