//! `weld virt --mount` on trees made on the fly: a file larger than 1 MiB
//! reads back byte for byte, and a link back up the tree is refused.

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
