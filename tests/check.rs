//! `weld check semver` with `git:REV:PATH`, in a repository made for the
//! test: the WIT as committed against the WIT as edited.

use std::path::Path;
use std::process::{Command, Output};

fn run(dir: &Path, program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the command starts")
}

fn git(dir: &Path, args: &[&str]) {
    let output = run(dir, "git", args);
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn write_api(dir: &Path, version: &str, functions: &str) {
    std::fs::create_dir_all(dir.join("wit")).unwrap();
    std::fs::write(
        dir.join("wit/api.wit"),
        format!("package test:api@{version};\n\ninterface calc {{\n{functions}}}\n"),
    )
    .unwrap();
}

#[test]
fn semver_reads_the_old_wit_from_a_git_revision() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q"]);
    git(repo, &["config", "user.email", "weld@example.com"]);
    git(repo, &["config", "user.name", "weld tests"]);
    let both = "  add: func(a: u32, b: u32) -> u32;\n  sub: func(a: u32, b: u32) -> u32;\n";
    write_api(repo, "1.0.0", both);
    git(repo, &["add", "wit"]);
    git(repo, &["commit", "-q", "-m", "1.0.0"]);
    let weld = env!("CARGO_BIN_EXE_weld");

    // Removing a function under a minor bump fails, at the file as it is
    // in the repository.
    write_api(repo, "1.1.0", "  add: func(a: u32, b: u32) -> u32;\n");
    let output = run(
        repo,
        weld,
        &[
            "check",
            "semver",
            "git:HEAD:wit",
            "wit",
            "--format",
            "github",
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(
            "::error file=wit/api.wit,line=5,col=3,title=weld check semver%3A function-removed::"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("bump-too-small"), "{stdout}");

    // Adding one under a minor bump holds.
    let more = format!("{both}  mul: func(a: u32, b: u32) -> u32;\n");
    write_api(repo, "1.1.0", &more);
    let output = run(repo, weld, &["check", "semver", "git:HEAD:wit", "wit"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

/// Makes a tree object from `entries` (`mode type object\tname` lines).
fn mktree(repo: &Path, entries: &str) -> String {
    use std::io::Write;
    let mut child = Command::new("git")
        .args(["mktree"])
        .current_dir(repo)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(entries.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

fn hash_blob(repo: &Path, contents: &str) -> String {
    let file = repo.join("blob");
    std::fs::write(&file, contents).unwrap();
    let output = run(repo, "git", &["hash-object", "-w", "blob"]);
    std::fs::remove_file(&file).unwrap();
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// A tree whose entries are named `..` would, checked out, write where its
/// author chose. weld reads git's objects without checking anything out,
/// and refuses such a tree outright; nothing lands outside.
#[test]
fn semver_refuses_a_git_tree_with_entries_named_dot_dot() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    let wit = hash_blob(&repo, "package test:api@1.0.0;\ninterface i {}\n");
    let payload = hash_blob(&repo, "owned\n");
    // wit/../../escaped.wit, and wit/deps/.. holding a file.
    let up = mktree(&repo, &format!("100644 blob {payload}\tescaped.wit\n"));
    let deps = mktree(&repo, &format!("040000 tree {up}\t..\n"));
    let wit_tree = mktree(
        &repo,
        &format!("100644 blob {wit}\tapi.wit\n040000 tree {up}\t..\n040000 tree {deps}\tdeps\n"),
    );
    let root = mktree(&repo, &format!("040000 tree {wit_tree}\twit\n"));
    let weld = env!("CARGO_BIN_EXE_weld");
    let spec = format!("git:{root}:wit");
    let output = run(&repo, weld, &["check", "semver", &spec, &spec]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("has an entry named `..`, which no checkout could hold"),
        "{stderr}"
    );
    assert!(!dir.path().join("escaped.wit").exists());
    assert!(!repo.join("escaped.wit").exists());
    let leftovers: Vec<_> = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name() == "escaped.wit")
        .collect();
    assert!(leftovers.is_empty());
}

/// A revision is never read as one of git's options.
#[test]
fn semver_refuses_a_revision_that_looks_like_an_option() {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    let weld = env!("CARGO_BIN_EXE_weld");
    for spec in ["git:-r:wit", "git:--output=x:wit", "git::wit"] {
        let output = run(dir.path(), weld, &["check", "semver", spec, spec]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{spec}: {stderr}");
        assert!(stderr.contains("is not a revision"), "{spec}: {stderr}");
        assert!(!dir.path().join("x").exists());
    }
}

/// PATH may name a single file in the revision: a `.wit` file, or a
/// component, read from git's objects as `weld check semver FILE` reads it.
#[test]
fn semver_reads_a_single_file_or_component_from_a_git_revision() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q"]);
    git(repo, &["config", "user.email", "weld@example.com"]);
    git(repo, &["config", "user.name", "weld tests"]);
    write_api(repo, "1.0.0", "  add: func(a: u32, b: u32) -> u32;\n");
    let component = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/resources/provider.component.wat"),
    )
    .unwrap();
    std::fs::write(repo.join("provider.wat"), &component).unwrap();
    git(repo, &["add", "wit", "provider.wat"]);
    git(repo, &["commit", "-q", "-m", "1.0.0"]);
    let weld = env!("CARGO_BIN_EXE_weld");
    for (old, new) in [
        ("git:HEAD:wit/api.wit", "wit/api.wit"),
        ("git:HEAD:provider.wat", "provider.wat"),
    ] {
        let output = run(repo, weld, &["check", "semver", old, new]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{old}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
