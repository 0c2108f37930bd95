//! Compositions past what a component may hold are refused up front, with
//! the limit named, by `--dry-run` and `weld graph` as by the real thing:
//! a chain of 498 pass-through decorators once failed only in the encoder
//! ("instances count exceeds limit of 1000") after the dry run said yes.

mod common;

use common::{build_wat_fixture, weld};

/// `weld plug app --plug pass.wat` × `count` `--plug processor`, with `extra`.
fn chain(count: usize, extra: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let app = build_wat_fixture("app", dir.path());
    let processor = build_wat_fixture("processor", dir.path());
    let mut args = vec!["plug".to_owned(), app.display().to_string()];
    for _ in 0..count {
        args.extend([
            "--plug".to_owned(),
            "tests/cli/plug/passthrough.wat".to_owned(),
        ]);
    }
    args.extend(["--plug".to_owned(), processor.display().to_string()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let out = dir.path().join("chain.wasm");
    if !extra.contains(&"--dry-run") {
        args.extend(["-o".to_owned(), out.display().to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    weld(&args)
}

#[test]
fn a_chain_too_large_for_a_component_is_refused_up_front() {
    for extra in [&["--dry-run"][..], &[]] {
        let refused = chain(498, extra);
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert_eq!(refused.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains("1001 component instances")
                && stderr.contains("the 1000 a component may hold"),
            "{stderr}"
        );
    }
    let fits = chain(497, &[]);
    assert!(
        fits.status.success(),
        "{}",
        String::from_utf8_lossy(&fits.stderr)
    );
}

/// A result list of more than 4 MiB once failed on wasmtime's hostcall
/// fuel ("the guest failed"). (Lists are still one `Val` per byte, about
/// 100 times their size in memory: a 100 MiB `@FILE` does not fit yet.)
#[test]
fn invoke_passes_and_returns_lists_of_megabytes() {
    let dir = tempfile::tempdir().unwrap();
    let processor = build_wat_fixture("processor", dir.path());
    let (width, height) = (1024, 1025);
    let pixels: Vec<u8> = (0..width * height * 4).map(|i| (i % 251) as u8).collect();
    let image = dir.path().join("big.rgba");
    std::fs::write(&image, &pixels).unwrap();
    let call = format!(
        "grayscale({{data: @{}, width: {width}, height: {height}}})",
        image.display()
    );
    let output = common::weld_ok(&["invoke", processor.to_str().unwrap(), &call]);
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.starts_with("{data: ["), "{}", &text[..100]);
    assert!(
        text.trim_end()
            .ends_with(&format!("width: {width}, height: {height}}}"))
    );
}
