//! `weld virt` on inputs made on the fly: a mounted file larger than
//! 1 MiB is read back byte for byte.

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
