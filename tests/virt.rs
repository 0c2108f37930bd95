//! `weld virt --mount` on trees made on the fly: a file larger than 1 MiB
//! reads back byte for byte, and a link back up the tree is refused; and a
//! manifest's `[virtualize]` report, written relative to the manifest.

mod common;

use common::weld_ok;

/// `weld virt PROBE -o OUT --mount /m=TREE EXTRA...`.
fn virt_mount(
    probe: &std::path::Path,
    out: &std::path::Path,
    tree: &std::path::Path,
    extra: &[&str],
) -> std::process::Output {
    let mount = format!("/m={}", tree.display());
    let mut args = vec![
        "virt",
        probe.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--mount",
        &mount,
    ];
    args.extend_from_slice(extra);
    common::weld(&args)
}

#[test]
fn a_mounted_file_larger_than_a_mebibyte_reads_back_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(tree.join("deep/er")).unwrap();
    // 1.5 MiB that is not all one byte: a position that went wrong shows.
    let contents: Vec<u8> = (0..3 << 19).map(|i: u32| (i * 7 + i / 251) as u8).collect();
    std::fs::write(tree.join("deep/er/big.bin"), &contents).unwrap();
    let probe = common::build_probe(dir.path());
    let virtualised = dir.path().join("virtualised.wasm");
    let done = virt_mount(&probe, &virtualised, &tree, &[]);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let output = weld_ok(&[
        "run",
        virtualised.to_str().unwrap(),
        "read",
        "/m/deep/er/big.bin",
    ]);
    assert!(output.stdout.len() == contents.len(), "wrong length");
    assert!(output.stdout == contents, "wrong contents");
}

#[test]
fn a_link_back_up_a_mounted_tree_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(tree.join("inner")).unwrap();
    std::os::unix::fs::symlink("..", tree.join("inner/up")).unwrap();
    let probe = common::build_probe(dir.path());
    let out = dir.path().join("out.wasm");
    let output = virt_mount(&probe, &out, &tree, &[]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("inner/up"), "{stderr}");
    assert!(stderr.contains("a link leads back"), "{stderr}");
    assert!(!out.exists());
}

#[test]
fn a_manifest_report_key_writes_the_report_beside_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let components = common::root().join("fixtures/components");
    let manifest = dir.path().join("weld.toml");
    std::fs::write(
        &manifest,
        format!(
            "[components]\n\
             app = {:?}\n\
             processor = {:?}\n\
             [instances.app.with]\n\
             process = \"processor\"\n\
             [virtualize]\n\
             deny-all = true\n\
             stdout = \"allow\"\n\
             report = \"reports/what-became.json\"\n",
            components.join("c-app.wasm"),
            components.join("c-processor.wasm"),
        ),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("reports")).unwrap();
    let out = dir.path().join("out.wasm");
    weld_ok(&[
        "compose",
        manifest.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    let report = std::fs::read_to_string(dir.path().join("reports/what-became.json")).unwrap();
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    let action = |prefix: &str| common::report_action(&report, prefix);
    assert_eq!(action("wasi:filesystem/types").as_deref(), Some("denied"));
    assert_eq!(action("wasi:cli/stdout").as_deref(), Some("forwarded"));
    assert!(
        report["remaining-imports"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| !i.as_str().unwrap().starts_with("wasi:filesystem")),
        "{report}"
    );
}

/// A mount reads regular files only: a FIFO (which would block weld for
/// ever) or a link to `/dev/zero` (which would never end) is an error
/// naming it, and a link to nothing is left out and reported.
#[test]
fn a_mount_reads_only_regular_files_and_skips_dangling_links() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(tree.join("kept.txt"), "kept\n").unwrap();
    std::os::unix::fs::symlink("nowhere", tree.join("dangling")).unwrap();
    let probe = common::build_probe(dir.path());
    let virtualised = dir.path().join("virtualised.wasm");
    let report = dir.path().join("report.json");
    let virt = |extra: &[&str]| virt_mount(&probe, &virtualised, &tree, extra);
    let done = virt(&["--report", report.to_str().unwrap()]);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let skipped = json["skipped"]
        .as_array()
        .expect("the report lists what was left out");
    assert!(
        skipped[0].as_str().unwrap().ends_with("tree/dangling"),
        "{json}"
    );
    let output = weld_ok(&["run", virtualised.to_str().unwrap(), "read", "/m/kept.txt"]);
    assert_eq!(output.stdout, b"kept\n");

    std::os::unix::fs::symlink("/dev/zero", tree.join("zero")).unwrap();
    let refused = virt(&[]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("is a character device, not a regular file"),
        "{stderr}"
    );
    std::fs::remove_file(tree.join("zero")).unwrap();

    let fifo = std::ffi::CString::new(tree.join("fifo").to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    let refused = virt(&[]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("is a FIFO, not a regular file"), "{stderr}");
}

/// `weld virt --allow-fs /data:ro` holds on weld and on wasmtime alike
/// (the check is in the component): the granted directory reads, and
/// nothing outside it does, whether reached by `..`, by a link inside the
/// prefix that points out of it (relative or absolute), by an absolute
/// path through a wider preopen (`/`), or through a preopen under no
/// prefix.
#[test]
fn allow_fs_holds_against_links_and_paths_on_any_runtime() {
    let dir = tempfile::tempdir().unwrap();
    let (data, secret) = (dir.path().join("data"), dir.path().join("secret"));
    std::fs::create_dir_all(&data).unwrap();
    std::fs::create_dir_all(&secret).unwrap();
    std::fs::write(data.join("ok.txt"), "inside").unwrap();
    std::fs::write(secret.join("s.txt"), "hush").unwrap();
    std::os::unix::fs::symlink("../secret", data.join("up")).unwrap();
    std::os::unix::fs::symlink(&secret, data.join("abs")).unwrap();
    let probe = common::build_probe(dir.path());
    let guarded = dir.path().join("guarded.wasm");
    let (probe, out) = (probe.to_str().unwrap(), guarded.to_str().unwrap());
    weld_ok(&["virt", probe, "-o", out, "--allow-fs", "/data:ro"]);
    let grants = [
        format!("{}::/data", data.display()),
        format!("{}::/secret", secret.display()),
        format!("{}::/", dir.path().display()),
    ];
    let mut runners: Vec<(String, Vec<String>)> = vec![(
        env!("CARGO_BIN_EXE_weld").to_owned(),
        vec!["run".to_owned()],
    )];
    if let Some(wasmtime) = common::wasmtime_cli() {
        runners.push((wasmtime, vec!["run".to_owned()]));
    }
    for (program, first) in &runners {
        // `program run --dir ... WASM read PATH`.
        let read = |wasm: &str, path: &str| {
            let mut command = std::process::Command::new(program);
            command.args(first);
            for grant in &grants {
                command.args(["--dir", grant]);
            }
            command.env_remove("RUST_BACKTRACE");
            command.args([wasm, "read", path]).output().unwrap()
        };
        let inside = read(out, "/data/ok.txt");
        assert!(inside.status.success(), "{program}: {inside:?}");
        assert_eq!(inside.stdout, b"inside", "{program}");
        for outside in [
            "/data/up/s.txt",
            "/data/abs/s.txt",
            "/data/../secret/s.txt",
            "/data/up/../secret/s.txt",
            "/secret/s.txt",
            "/data/../../secret/s.txt",
        ] {
            let refused = read(out, outside);
            assert!(!refused.status.success(), "{program} read {outside}");
            assert!(
                !refused.stdout.windows(4).any(|w| w == b"hush"),
                "{program} read {outside}"
            );
        }
        // The unguarded probe reads the secret where it is granted: the
        // refusals above are the layer's.
        let plain = read(probe, "/secret/s.txt");
        assert_eq!(plain.stdout, b"hush", "{program}: {plain:?}");
    }
}
