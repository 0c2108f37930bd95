//! CLI snapshot tests in the style of wasm-tools: every file under
//! `tests/cli/` whose first line holds `RUN: <args>` or `FAIL: <args>` (after
//! a `;;`, `//` or `#` comment marker) is one test. The arguments are given to
//! `weld`; `|` pipes one command's stdout into the next one's stdin; `%` is
//! the test file itself, `%dir` its directory and `%tmp` a fresh directory. Commands run from the
//! repository root, so `wit/` and `fixtures/` can be named directly.
//!
//! `RUN` expects success and `FAIL` a non-zero exit that is neither a panic
//! nor a trap (134: a test of a trap says `FAIL(134)`); `FAIL(N)` expects
//! exit status N. A first line that looks like a directive but cannot be
//! read fails, rather than leaving the file out unseen. The
//! last command's stdout and stderr must match `<file>.stdout` and
//! `<file>.stderr` (a missing file means empty). Run with `BLESS=1` to
//! rewrite the expected files from what weld prints.

mod common;

use libtest_mimic::{Arguments, Failed, Trial};
use snapbox::{Assert, Data, assert::Action};
use std::path::{Path, PathBuf};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cases = Vec::new();
    collect(&root.join("tests/cli"), &mut cases);
    cases.sort();
    let trials = cases
        .into_iter()
        .filter_map(|path| {
            let directive = directive(&path)?;
            let name = path.strip_prefix(root).unwrap().display().to_string();
            Some(Trial::test(name, move || run_case(&path, &directive?)))
        })
        .collect();
    libtest_mimic::run(&Arguments::from_args(), trials).exit();
}

fn collect(dir: &Path, cases: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, cases);
        } else if !matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("stdout" | "stderr")
        ) {
            cases.push(path);
        }
    }
}

struct Directive {
    expect: Expect,
    commands: Vec<Vec<String>>,
}

enum Expect {
    Success,
    Failure,
    Status(i32),
}

/// The test a file's first line asks for: `None` when it asks for none,
/// an error when it looks like a directive but cannot be read.
fn directive(path: &Path) -> Option<Result<Directive, Failed>> {
    // A `.run` file exists only to be run: without a directive, it is a
    // mistake. Other files may be inputs of other cases.
    let must = path.extension().is_some_and(|e| e == "run");
    let missing = || {
        must.then(|| {
            Err(Failed::from(
                "a `.run` file must start with `# RUN:` or `# FAIL:`",
            ))
        })
    };
    let Ok(text) = std::fs::read_to_string(path) else {
        return missing();
    };
    let first = text.lines().next().unwrap_or("");
    let Some(line) = ["//", ";;", "#"]
        .iter()
        .find_map(|marker| first.strip_prefix(marker))
        .map(str::trim)
        .filter(|line| line.starts_with("RUN") || line.starts_with("FAIL"))
    else {
        return missing();
    };
    let unreadable = || Failed::from(format!("cannot read the directive `{line}`"));
    let Some((word, args)) = line.split_once(':') else {
        return Some(Err(unreadable()));
    };
    let expect = match word {
        "RUN" => Expect::Success,
        "FAIL" => Expect::Failure,
        _ => match word
            .strip_prefix("FAIL(")
            .and_then(|w| w.strip_suffix(')'))
            .and_then(|n| n.parse().ok())
        {
            Some(status) => Expect::Status(status),
            None => return Some(Err(unreadable())),
        },
    };
    let commands = split_commands(args);
    if commands.iter().all(Vec::is_empty) {
        return Some(Err(unreadable()));
    }
    Some(Ok(Directive { expect, commands }))
}

/// Splits `a 'b c' | d` into `[[a, "b c"], [d]]`, as a shell would.
fn split_commands(line: &str) -> Vec<Vec<String>> {
    let mut commands = vec![Vec::new()];
    let mut word: Option<String> = None;
    let mut quote = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.get_or_insert_default().push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                word.get_or_insert_default();
            }
            (None, '|') => {
                commands.last_mut().unwrap().extend(word.take());
                commands.push(Vec::new());
            }
            (None, c) if c.is_whitespace() => commands.last_mut().unwrap().extend(word.take()),
            (None, c) => word.get_or_insert_default().push(c),
        }
    }
    commands.last_mut().unwrap().extend(word);
    commands
}

fn run_case(path: &Path, directive: &Directive) -> Result<(), Failed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir()?;
    let tmp_path = tmp.path().display().to_string();
    let case = path.strip_prefix(root).unwrap();
    let case_dir = case.parent().unwrap().display().to_string();
    let case = case.display().to_string();

    let mut stdin = Vec::new();
    let mut last = None;
    for (i, command) in directive.commands.iter().enumerate() {
        let args: Vec<String> = command
            .iter()
            .map(|arg| {
                arg.replace("%tmp", &tmp_path)
                    .replace("%dir", &case_dir)
                    .replace('%', &case)
            })
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = common::weld_with_stdin(&args, &stdin);
        let is_last = i + 1 == directive.commands.len();
        if !is_last && !output.status.success() {
            return Err(format!(
                "`weld {}` failed:\n{}",
                command.join(" "),
                String::from_utf8_lossy(&output.stderr)
            )
            .into());
        }
        stdin = output.stdout.clone();
        last = Some(output);
    }
    let output = last.ok_or("no command after RUN:/FAIL:")?;

    let stderr =
        mask_durations(&String::from_utf8_lossy(&output.stderr).replace(&tmp_path, "%tmp"));
    let stdout = String::from_utf8_lossy(&output.stdout).replace(&tmp_path, "%tmp");
    let code = output.status.code();
    match (&directive.expect, code) {
        (_, Some(101) | None) => {
            return Err(format!("weld crashed instead of failing cleanly:\n{stderr}").into());
        }
        (Expect::Success, Some(0)) => {}
        (Expect::Success, code) => {
            return Err(format!("expected success, got {code:?}:\n{stderr}").into());
        }
        (Expect::Failure, Some(0)) => {
            return Err(format!("expected failure, got success:\n{stdout}").into());
        }
        (Expect::Failure, Some(134)) => {
            return Err(format!(
                "expected a failure, got a trap (134); a test of a trap says FAIL(134):\n{stderr}"
            )
            .into());
        }
        (Expect::Failure, Some(_)) => {}
        (Expect::Status(want), Some(got)) if *want != got => {
            return Err(format!("expected status {want}, got {got}:\n{stderr}").into());
        }
        (Expect::Status(_), Some(_)) => {}
    }
    compare(path, "stdout", &stdout)?;
    compare(path, "stderr", &stderr)
}

/// A trace's durations (`[12.3 µs]`) as `[TIME]`: everything else it
/// prints is the same from run to run.
fn mask_durations(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('[') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let inside = rest[1..].split_once(']').map(|(inside, _)| inside);
        let is_duration = inside
            .and_then(|inside| inside.split_once(' '))
            .is_some_and(|(number, unit)| {
                !number.is_empty()
                    && number.chars().all(|c| c.is_ascii_digit() || c == '.')
                    && ["ns", "µs", "ms", "s"].contains(&unit)
            });
        match (is_duration, inside) {
            (true, Some(inside)) => {
                out.push_str("[TIME]");
                rest = &rest[inside.len() + 2..];
            }
            _ => {
                out.push('[');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn compare(case: &Path, stream: &str, actual: &str) -> Result<(), Failed> {
    let mut expected_path = case.as_os_str().to_owned();
    expected_path.push(format!(".{stream}"));
    let expected_path = PathBuf::from(expected_path);
    let bless = std::env::var_os("BLESS").is_some();
    if !expected_path.exists() {
        if actual.is_empty() {
            return Ok(());
        }
        if !bless {
            return Err(format!(
                "{stream} was not empty and `{}` does not exist; run with BLESS=1 to create it:\n{actual}",
                expected_path.display()
            )
            .into());
        }
    }
    if bless && actual.is_empty() {
        std::fs::remove_file(&expected_path)?;
        return Ok(());
    }
    let action = if bless {
        Action::Overwrite
    } else {
        Action::Verify
    };
    Assert::new()
        .action(action)
        .normalize_paths(false)
        .try_eq(
            Some(&stream),
            Data::text(actual),
            Data::read_from(&expected_path, None).raw(),
        )
        .map_err(|e| Failed::from(e.to_string()))
}
