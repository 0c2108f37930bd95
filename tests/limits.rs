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
