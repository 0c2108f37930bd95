//! The harness as `cargo test --workspace` runs it: every committed
//! regression input replays without a failure, and every target runs a
//! few iterations from a fixed seed, so a broken target or a new failure
//! on those inputs fails the tests.

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;
use weld_fuzz::harness::{self, Budget, Outcome};
use weld_fuzz::input::Seeds;
use weld_fuzz::targets::TARGETS;

/// The harness keeps the input running and the figures of the target
/// being fuzzed in globals: one test at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn install() {
    harness::install(Duration::from_secs(30), 2 << 30);
}

#[test]
fn regressions_replay_without_failures() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    install();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("regressions");
    let mut replayed = 0;
    let mut failed = Vec::new();
    for target in &TARGETS {
        let Ok(entries) = std::fs::read_dir(root.join(target.name)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let input = std::fs::read(&path).unwrap();
            match harness::execute(target, &input) {
                Outcome::Passed => replayed += 1,
                outcome => failed.push(format!("{}: {outcome:?}", path.display())),
            }
        }
    }
    assert!(
        failed.is_empty(),
        "regressions fail:\n{}",
        failed.join("\n")
    );
    assert!(replayed >= TARGETS.len(), "only {replayed} regressions");
}

#[test]
fn every_target_fuzzes_cleanly_from_a_fixed_seed() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    install();
    let seeds = Seeds::load(None);
    let mut failed = Vec::new();
    for target in &TARGETS {
        let stats = harness::fuzz(target, Budget::Iterations(50), 1, &seeds, None);
        if stats.failed() || stats.iterations < 50 {
            failed.push(stats.report(target.name));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
