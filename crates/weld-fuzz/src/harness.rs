//! Running inputs: each in process under `catch_unwind`, with the default
//! panic hook silenced (the message is kept for the report), a watchdog
//! that saves an input running past its time budget as a hang, and the
//! memory budget of [`crate::memory`]. A hang or an out-of-memory ends the
//! process, since the stuck or failed call cannot be taken back; panics
//! and invalid outputs are counted and fuzzing goes on.

use crate::input::Seeds;
use crate::rng::Rng;
use crate::targets::{Gen, Target};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

/// How one input went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    /// A panic, with its message and where it was raised.
    Panic(String),
    /// A component weld produced that wasmparser rejects, or another
    /// broken promise about an output.
    Invalid(String),
}

/// The input being run, for the watchdog and the memory handler.
struct Current {
    target: &'static str,
    input: Arc<[u8]>,
    started: Instant,
}

static CURRENT: Mutex<Option<Current>> = Mutex::new(None);
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);
/// The per-input time budget, in milliseconds.
static TIMEOUT_MS: AtomicU64 = AtomicU64::new(10_000);
/// Lines of the targets finished so far, printed again if the process
/// has to end early.
static FINISHED: Mutex<Vec<String>> = Mutex::new(Vec::new());
static STATS: Mutex<Option<(&'static str, Stats)>> = Mutex::new(None);

/// Where failing inputs go: `crates/weld-fuzz/artifacts/<target>/`.
pub fn artifacts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts")
}

/// Installs the silent panic hook, the watchdog and the memory handler,
/// once per process.
pub fn install(timeout: Duration, memory_budget: usize) {
    TIMEOUT_MS.store(timeout.as_millis() as u64, Ordering::SeqCst);
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        panic::set_hook(Box::new(|info| {
            let message = info.payload_as_str().unwrap_or("a panic without a message");
            let at = info
                .location()
                .map(|l| format!(" at {l}"))
                .unwrap_or_default();
            if let Ok(mut last) = LAST_PANIC.lock() {
                // The first panic is the cause; others follow from it.
                last.get_or_insert(format!("{message}{at}"));
            }
        }));
        std::thread::spawn(watchdog);
        crate::memory::set_budget(memory_budget, out_of_memory);
    });
}

/// Runs one input of `target`, catching what it throws.
pub fn execute(target: &Target, input: &[u8]) -> Outcome {
    let shared: Arc<[u8]> = Arc::from(input);
    let previous = CURRENT.lock().unwrap().replace(Current {
        target: target.name,
        input: shared,
        started: Instant::now(),
    });
    drop(previous);
    LAST_PANIC.lock().unwrap().take();
    let result = panic::catch_unwind(AssertUnwindSafe(|| (target.run)(input)));
    let done = CURRENT.lock().unwrap().take();
    drop(done);
    match result {
        Ok(Ok(())) => Outcome::Passed,
        Ok(Err(invalid)) => Outcome::Invalid(invalid),
        Err(payload) => Outcome::Panic(LAST_PANIC.lock().unwrap().take().unwrap_or_else(|| {
            payload
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_else(|| "a panic without a message".to_owned())
        })),
    }
}

/// A target's figures.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub iterations: u64,
    pub seconds: f64,
    pub crashes: u64,
    pub hangs: u64,
    pub invalid: u64,
    pub out_of_memory: u64,
    /// Each distinct failure, first seen, and the file it was saved to.
    pub failures: Vec<(String, PathBuf)>,
}

impl Stats {
    pub fn failed(&self) -> bool {
        self.crashes + self.hangs + self.invalid + self.out_of_memory > 0
    }

    /// The report's line for `target`, then one line per distinct failure.
    pub fn report(&self, target: &str) -> String {
        let mut text = format!(
            "{target:<13} iterations={} seconds={:.1} crashes={} hangs={} invalid={} oom={}",
            self.iterations,
            self.seconds,
            self.crashes,
            self.hangs,
            self.invalid,
            self.out_of_memory
        );
        for (what, file) in &self.failures {
            let first = what.lines().next().unwrap_or_default();
            text.push_str(&format!("\n  {first}\n    -> {}", file.display()));
        }
        text
    }
}

/// When to stop fuzzing a target.
#[derive(Debug, Clone, Copy)]
pub enum Budget {
    Seconds(f64),
    Iterations(u64),
}

/// Fuzzes `target` from `seed` until `budget` is spent, saving failing
/// inputs under `artifacts` (none when it is `None`).
pub fn fuzz(
    target: &Target,
    budget: Budget,
    seed: u64,
    seeds: &Seeds,
    artifacts: Option<&Path>,
) -> Stats {
    let name_hash = target
        .name
        .bytes()
        .fold(0u64, |h, b| h.wrapping_mul(31) ^ b as u64);
    let mut generator = Gen {
        rng: Rng::new(seed ^ name_hash),
        seeds,
    };
    let start = Instant::now();
    *STATS.lock().unwrap() = Some((target.name, Stats::default()));
    loop {
        let elapsed = start.elapsed().as_secs_f64();
        let stats = current_stats();
        let done = match budget {
            Budget::Seconds(s) => elapsed >= s,
            Budget::Iterations(n) => stats.iterations >= n,
        };
        if done {
            let mut stats = STATS.lock().unwrap().take().expect("set above").1;
            stats.seconds = elapsed;
            FINISHED.lock().unwrap().push(stats.report(target.name));
            return stats;
        }
        // A generator's panic is wasm-smith's or wit-smith's, not weld's:
        // the input is skipped.
        let Ok(input) = panic::catch_unwind(AssertUnwindSafe(|| (target.generate)(&mut generator)))
        else {
            continue;
        };
        let outcome = execute(target, &input);
        let mut guard = STATS.lock().unwrap();
        let stats = &mut guard.as_mut().expect("set above").1;
        stats.iterations += 1;
        let what = match outcome {
            Outcome::Passed => continue,
            Outcome::Panic(message) => {
                stats.crashes += 1;
                format!("panic: {message}")
            }
            Outcome::Invalid(message) => {
                stats.invalid += 1;
                format!("invalid output: {message}")
            }
        };
        if !stats
            .failures
            .iter()
            .any(|(seen, _)| signature(seen) == signature(&what))
        {
            let file =
                artifacts.map_or_else(PathBuf::new, |dir| save(dir, target.name, &input, &what));
            stats.failures.push((what, file));
        }
    }
}

/// What tells failures apart: a panic's location, or the first line of
/// a message without the names and numbers quoted in it, so that one bug
/// met on many inputs is saved a few times, not thousands.
fn signature(what: &str) -> String {
    let first = what.lines().next().unwrap_or_default();
    if let Some((_, at)) = first.rsplit_once(" at ") {
        return at.to_owned();
    }
    let mut quoted = false;
    first
        .chars()
        .filter(|&c| {
            quoted ^= c == '`' || c == '\'';
            !quoted && !c.is_ascii_digit() && c != '`' && c != '\''
        })
        .take(80)
        .collect()
}

fn current_stats() -> Stats {
    STATS
        .lock()
        .unwrap()
        .as_ref()
        .map(|(_, s)| s.clone())
        .unwrap_or_default()
}

/// Writes `input` as `<dir>/<target>/<hash>.bin`, and what went wrong
/// beside it as `<hash>.txt`.
pub fn save(dir: &Path, target: &str, input: &[u8], what: &str) -> PathBuf {
    let dir = dir.join(target);
    let hash = blake3::hash(input).to_hex();
    let file = dir.join(format!("{}.bin", &hash[..16]));
    let _ = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(&file, input))
        .and_then(|()| std::fs::write(file.with_extension("txt"), format!("{what}\n")));
    file
}

/// Ends the process over the input now running: saves it, prints the
/// lines of the targets finished and of this one, and exits with 1.
fn end_with(kind: &str, count: fn(&mut Stats)) -> ! {
    let current = CURRENT.try_lock().ok().and_then(|mut c| c.take());
    let mut lines = FINISHED.try_lock().map(|f| f.clone()).unwrap_or_default();
    if let Some(current) = current {
        let file = save(&artifacts_dir(), current.target, &current.input, kind);
        let mut stats = STATS
            .try_lock()
            .ok()
            .and_then(|s| s.as_ref().map(|(_, s)| s.clone()))
            .unwrap_or_default();
        count(&mut stats);
        stats.failures.push((kind.to_owned(), file));
        lines.push(stats.report(current.target));
    }
    println!("{}", lines.join("\n"));
    std::process::exit(1)
}

fn watchdog() {
    loop {
        std::thread::sleep(Duration::from_millis(100));
        let limit = Duration::from_millis(TIMEOUT_MS.load(Ordering::SeqCst));
        let overdue = CURRENT
            .lock()
            .map(|c| c.as_ref().is_some_and(|c| c.started.elapsed() > limit))
            .unwrap_or(false);
        if overdue {
            end_with(
                &format!("hang: the input ran for more than {limit:?}"),
                |s| s.hangs += 1,
            );
        }
    }
}

fn out_of_memory(size: usize) {
    end_with(
        &format!("out of memory: an allocation of {size} bytes went past the budget"),
        |s| s.out_of_memory += 1,
    );
}
