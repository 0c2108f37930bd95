//! weld's record of the inputs it validated in full: valid inputs are
//! recorded and not validated again, invalid ones never are, and
//! `--no-cache` neither reads nor writes it.

mod common;

use common::{root, weld_in_env};
use std::path::{Path, PathBuf};

const APP: &str = "fixtures/components/wat-app.wasm";
const PROCESSOR: &str = "fixtures/components/wat-processor.wasm";

fn recorded(cache: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(cache.join("validated")) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    };
    entries.sort();
    entries
}

/// `weld ARGS` with its own cache directory; its exit status and stderr.
fn weld_cached(cache: &Path, args: &[&str]) -> (bool, String) {
    let output = weld_in_env(args, b"", &[("WELD_CACHE_DIR", cache.to_str().unwrap())]);
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn plug(cache: &Path, out: &Path, flags: &[&str]) {
    let args = [
        &[
            "plug",
            APP,
            "--plug",
            PROCESSOR,
            "-o",
            out.to_str().unwrap(),
        ],
        flags,
    ]
    .concat();
    let (ok, stderr) = weld_cached(cache, &args);
    assert!(ok, "{stderr}");
}

#[test]
fn valid_inputs_are_recorded_and_give_the_same_result_again() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    plug(&cache, &dir.path().join("first.wasm"), &[]);
    let entries = recorded(&cache);
    assert_eq!(entries.len(), 2, "one entry per input: {entries:?}");
    let written: Vec<_> = entries
        .iter()
        .map(|e| std::fs::metadata(e).unwrap().modified().unwrap())
        .collect();

    plug(&cache, &dir.path().join("second.wasm"), &[]);
    assert_eq!(recorded(&cache), entries);
    let again: Vec<_> = entries
        .iter()
        .map(|e| std::fs::metadata(e).unwrap().modified().unwrap())
        .collect();
    assert_eq!(again, written, "a recorded input is not recorded again");
    assert!(
        std::fs::read(dir.path().join("first.wasm")).unwrap()
            == std::fs::read(dir.path().join("second.wasm")).unwrap()
    );
}

#[test]
fn no_cache_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    plug(&cache, &dir.path().join("out.wasm"), &["--no-cache"]);
    assert!(recorded(&cache).is_empty());
}

#[test]
fn an_invalid_input_is_never_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let manifest = root().join("tests/cli/compose/invalid-body.toml");
    let out = dir.path().join("out.wasm");
    let args = [
        "compose",
        manifest.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    for _ in 0..2 {
        let (ok, stderr) = weld_cached(&cache, &args);
        assert!(!ok);
        assert!(stderr.contains("type mismatch"), "{stderr}");
        assert!(recorded(&cache).is_empty());
        assert!(!out.exists());
    }
}
