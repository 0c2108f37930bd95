//! Compositions past what a component may hold are refused up front, with
//! the limit named, by `--dry-run` and `weld graph` as by the real thing:
//! a chain of 498 pass-through decorators once failed only in the encoder
//! ("instances count exceeds limit of 1000") after the dry run said yes.
//! And what weld itself holds of large arguments.

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
/// fuel ("the guest failed"). (A result list is still one `Val` per byte,
/// about 100 times its size in memory; arguments are not: see below.)
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

/// The size of the large files below.
const LARGE: usize = 100 << 20;

/// Runs `weld ARGS`; its exit status, stdout and peak resident memory.
#[expect(
    clippy::zombie_processes,
    reason = "reaped by wait4, which reads its peak"
)]
fn peak_of(args: &[&str]) -> (i32, String, usize) {
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_weld"))
        .args(args)
        .current_dir(common::root())
        .env("WELD_CACHE_DIR", common::cache_dir())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    // Reaped here, to read this child's own peak (not the other tests').
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::wait4(pid, &mut status, 0, &mut usage) }, pid);
    let mut stdout = String::new();
    std::io::Read::read_to_string(&mut child.stdout.unwrap(), &mut stdout).unwrap();
    let peak = usage.ru_maxrss as usize * 1024;
    (libc::WEXITSTATUS(status), stdout, peak)
}

/// A 100 MiB `@FILE` passed as a `stream<u8>` is fed to the guest from the
/// file's bytes: weld's peak memory stays near the file's size, where
/// spelling the bytes out as WAVE values took over 60 times as much.
#[test]
fn invoke_streams_a_large_file_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.bin");
    std::fs::write(&file, vec![7u8; LARGE]).unwrap();
    let call = format!("count(@{})", file.display());
    let (status, stdout, peak) = peak_of(&["invoke", "tests/cli/inputs/p3-streams.wat", &call]);
    assert_eq!(status, 0);
    assert_eq!(stdout.trim(), LARGE.to_string());
    assert!(peak < 3 * LARGE, "peak {} MiB", peak >> 20);
}

/// A 100 MiB `@FILE` passed as a `list<u8>` goes through the argument
/// layer as the bytes it is: the file, the layer's copy and the
/// component's. As a `Val` per byte it took about 100 times the file,
/// and failed past 4 MiB on wasmtime's hostcall fuel.
#[test]
fn invoke_passes_a_large_file_as_a_list_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.bin");
    let bytes: Vec<u8> = (0..LARGE).map(|i| (i % 251) as u8).collect();
    let sum: u64 = bytes.iter().map(|&b| u64::from(b)).sum();
    std::fs::write(&file, bytes).unwrap();
    let call = format!("sum(@{})", file.display());
    let (status, stdout, peak) = peak_of(&["invoke", "tests/cli/invoke/fed.wat", &call]);
    assert_eq!(status, 0);
    assert_eq!(stdout.trim(), sum.to_string());
    assert!(peak < 3 * LARGE, "peak {} MiB", peak >> 20);
}

/// `weld test` feeds its calls through the same argument layer.
#[test]
fn a_test_passes_a_large_file_as_a_list_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.bin");
    std::fs::write(&file, vec![3u8; LARGE]).unwrap();
    let spec = dir.path().join("spec.toml");
    let component = common::root().join("tests/cli/invoke/fed.wat");
    std::fs::write(
        &spec,
        format!(
            "[[case]]\ncomponent = {:?}\ninvoke = \"sum(@{})\"\nexpect = \"{}\"\n",
            component.display().to_string(),
            file.display(),
            3 * LARGE
        ),
    )
    .unwrap();
    let (status, stdout, peak) = peak_of(&["test", spec.to_str().unwrap()]);
    assert_eq!(status, 0, "{stdout}");
    assert!(stdout.contains("1 passed"), "{stdout}");
    assert!(peak < 3 * LARGE, "peak {} MiB", peak >> 20);
}
