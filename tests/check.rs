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
