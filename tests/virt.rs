//! `weld virt --mount` on trees made on the fly: a file larger than 1 MiB
//! reads back byte for byte, and a link back up the tree is refused; and a
//! manifest's `[virtualize]` report, written relative to the manifest.

mod common;

use common::weld_ok;

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
    let mount = format!("/m={}", tree.display());
    weld_ok(&[
        "virt",
        probe.to_str().unwrap(),
        "-o",
        virtualised.to_str().unwrap(),
        "--mount",
        &mount,
    ]);
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
    let mount = format!("/m={}", tree.display());
    let output = common::weld(&[
        "virt",
        probe.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--mount",
        &mount,
    ]);
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
