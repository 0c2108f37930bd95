//! `weld run` behaviour that snapshots cannot show: stdin, the host
//! environment, and the compile cache on disk.

mod common;

use common::{weld_in_env, weld_with_stdin};
use std::path::{Path, PathBuf};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn stdin_reaches_the_guest() {
    let dir = tempfile::tempdir().unwrap();
    let probe = common::build_probe(dir.path());
    let output = weld_with_stdin(&["run", probe.to_str().unwrap(), "echo"], b"piped\nin");
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "piped\nin");
}

#[test]
fn host_environment_is_visible_only_when_granted() {
    let dir = tempfile::tempdir().unwrap();
    let probe = common::build_probe(dir.path());
    let probe = probe.to_str().unwrap();
    let env = [("WELD_SECRET", "42")];
    let run = |flags: &[&str]| {
        let args = [&["run"], flags, &[probe, "env", "WELD_SECRET"]].concat();
        weld_in_env(&args, b"", &env)
    };
    let denied = run(&[]);
    assert_eq!(denied.status.code(), Some(1));
    assert_eq!(text(&denied.stderr), "WELD_SECRET is not set\n");
    for flags in [&["--inherit-env"][..], &["--env", "WELD_SECRET"]] {
        let granted = run(flags);
        assert!(
            granted.status.success(),
            "{flags:?}: {}",
            text(&granted.stderr)
        );
        assert_eq!(text(&granted.stdout), "WELD_SECRET=42\n");
    }
}

fn cache_entries(cache: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(cache) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

/// Runs the probe's `args` command with its own cache directory.
fn run_cached(probe: &Path, cache: &Path, flags: &[&str]) {
    let args = [&["run"], flags, &[probe.to_str().unwrap(), "args"]].concat();
    let output = weld_in_env(&args, b"", &[("WELD_CACHE_DIR", cache.to_str().unwrap())]);
    assert!(output.status.success(), "{}", text(&output.stderr));
}

#[test]
fn compiled_code_is_cached_and_reused() {
    let dir = tempfile::tempdir().unwrap();
    let probe = common::build_probe(dir.path());
    let cache = dir.path().join("cache");
    run_cached(&probe, &cache, &[]);
    let entries = cache_entries(&cache);
    assert_eq!(
        entries.len(),
        1,
        "one entry per component and engine setting"
    );
    let written = std::fs::metadata(&entries[0]).unwrap().modified().unwrap();
    run_cached(&probe, &cache, &[]);
    // A hit reads the entry and writes nothing.
    assert_eq!(
        std::fs::metadata(&entries[0]).unwrap().modified().unwrap(),
        written
    );
    // Engine settings that change compiled code get entries of their own.
    run_cached(&probe, &cache, &["--fuel", "100000000"]);
    assert_eq!(cache_entries(&cache).len(), 2);
}

/// A sync command that imports WASI 0.3 is compiled by both of weld's
/// engines (the sync one accepts it; only the concurrent one's host has
/// 0.3): each compilation gets an entry of its own, which wasmtime's hash
/// alone would not give, and a second run rewrites neither.
#[test]
fn each_engine_has_its_own_cache_entries() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let component = common::root().join("tests/cli/run/p3-import-sync-only.wat");
    let run = || {
        let args = ["run", component.to_str().unwrap()];
        let output = weld_in_env(&args, b"", &[("WELD_CACHE_DIR", cache.to_str().unwrap())]);
        assert!(output.status.success(), "{}", text(&output.stderr));
    };
    run();
    let entries = cache_entries(&cache);
    assert_eq!(entries.len(), 2, "{entries:?}");
    let written: Vec<_> = entries
        .iter()
        .map(|e| std::fs::metadata(e).unwrap().modified().unwrap())
        .collect();
    run();
    let again: Vec<_> = entries
        .iter()
        .map(|e| std::fs::metadata(e).unwrap().modified().unwrap())
        .collect();
    assert_eq!(again, written, "both runs hit");
}

#[test]
fn a_damaged_cache_entry_is_compiled_again() {
    let dir = tempfile::tempdir().unwrap();
    let probe = common::build_probe(dir.path());
    let cache = dir.path().join("cache");
    run_cached(&probe, &cache, &[]);
    let entry = cache_entries(&cache).remove(0);
    let good = std::fs::read(&entry).unwrap();
    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0xff;
    for damaged in [flipped, good[..good.len() / 3].to_vec(), Vec::new()] {
        std::fs::write(&entry, &damaged).unwrap();
        run_cached(&probe, &cache, &[]);
        assert_eq!(
            std::fs::read(&entry).unwrap(),
            good,
            "the entry is rewritten"
        );
    }
}

#[test]
fn no_cache_leaves_the_cache_alone() {
    let dir = tempfile::tempdir().unwrap();
    let probe = common::build_probe(dir.path());
    let cache = dir.path().join("cache");
    run_cached(&probe, &cache, &["--no-cache"]);
    assert!(cache_entries(&cache).is_empty());
}

/// A guest blocked reading stdin is beyond epoch interruption; the
/// watchdog ends it with the timeout's status all the same, and leaves no
/// temporary file of a `--trace-output` behind.
#[test]
fn timeout_stops_a_guest_blocked_in_a_host_call() {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let probe = common::build_probe(dir.path());
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let trace = out.join("trace.txt");
    for traced in [false, true] {
        let mut args = vec!["run", "--timeout", "200ms"];
        if traced {
            args.extend(["--trace-output", trace.to_str().unwrap()]);
        }
        args.extend([probe.to_str().unwrap(), "echo"]);
        let mut child = Command::new(env!("CARGO_BIN_EXE_weld"))
            .args(&args)
            .env("WELD_CACHE_DIR", common::cache_dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // stdin stays open and empty, so the guest waits for input forever.
        let _stdin = child.stdin.take();
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if start.elapsed() > Duration::from_secs(60) {
                child.kill().unwrap();
                panic!("weld run --timeout did not stop a blocked guest");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        assert_eq!(status.code(), Some(124));
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        assert_eq!(
            stderr,
            "error: time limit of 200ms (--timeout) reached while the guest was blocked in a host call\n"
        );
        let left: Vec<_> = std::fs::read_dir(&out).unwrap().collect();
        assert!(left.is_empty(), "left behind: {left:?}");
    }
}

/// Whoever can write the cache could hand wasmtime native code to run; an
/// entry is loaded only if it is this user's alone, and a directory others
/// may write is not used at all.
#[test]
fn the_cache_trusts_only_what_is_this_users_alone() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let probe = common::build_probe(dir.path());
    let cache = dir.path().join("cache");
    run_cached(&probe, &cache, &[]);
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&cache), 0o700, "weld makes its cache private");
    let entry = cache_entries(&cache).remove(0);

    // An entry others may write is not loaded but compiled again, and
    // replaced with one of weld's own.
    std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(0o666)).unwrap();
    let before = std::fs::metadata(&entry).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    run_cached(&probe, &cache, &[]);
    assert_eq!(mode(&entry) & 0o077, 0, "the entry was replaced");
    assert_ne!(
        std::fs::metadata(&entry).unwrap().modified().unwrap(),
        before
    );

    // A directory others may write is neither read nor written.
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o777)).unwrap();
    std::fs::remove_file(&entry).unwrap();
    run_cached(&probe, &cache, &[]);
    assert!(cache_entries(&cache).is_empty(), "nothing written there");
}
