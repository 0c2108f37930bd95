//! `weld-fuzz TARGET --seconds N`: fuzz one target (or `all`, in turn)
//! for a while, print one line of figures per target, and exit with 1 if
//! anything failed. `--replay FILE` runs one saved input again.

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use weld_fuzz::harness::{self, Budget, Outcome};
use weld_fuzz::input::Seeds;
use weld_fuzz::targets::{self, TARGETS, Target};

#[derive(Parser)]
#[command(about = "Fuzz weld's libraries")]
struct Args {
    /// The target, or `all` for each in turn: decode, wit-text,
    /// componentize, plug, virt, manifest, wave, semver.
    target: String,
    /// How long to fuzz each target.
    #[arg(long, default_value_t = 60.0)]
    seconds: f64,
    /// Fuzz each target for this many inputs instead: with `--seed`, the
    /// same inputs on every machine, so that CI's smoke is repeatable.
    #[arg(long, value_name = "N", conflicts_with = "seconds")]
    iterations: Option<u64>,
    /// The seed of the run; by default one from the clock, printed.
    #[arg(long)]
    seed: Option<u64>,
    /// More seeds to mutate: files under DIR (`.wit`, `.toml`, wasm).
    #[arg(long, value_name = "DIR")]
    corpus: Option<PathBuf>,
    /// Run one saved input of TARGET and say how it went.
    #[arg(long, value_name = "FILE")]
    replay: Option<PathBuf>,
    /// The time budget of one input, in seconds: past it, a hang.
    #[arg(long, default_value_t = 10.0)]
    timeout: f64,
    /// The memory budget, in MiB of live allocations: past it, out of
    /// memory.
    #[arg(long, default_value_t = 2048)]
    max_memory: usize,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let chosen: Vec<&Target> = match args.target.as_str() {
        "all" => TARGETS.iter().collect(),
        name => match targets::find(name) {
            Some(target) => vec![target],
            None => {
                let names: Vec<_> = TARGETS.iter().map(|t| t.name).collect();
                eprintln!(
                    "error: no target `{name}`; the targets are {} and all",
                    names.join(", ")
                );
                return ExitCode::from(2);
            }
        },
    };
    harness::install(Duration::from_secs_f64(args.timeout), args.max_memory << 20);
    if let Some(file) = &args.replay {
        let [target] = chosen[..] else {
            eprintln!("error: --replay needs one target, not `all`");
            return ExitCode::from(2);
        };
        let input = match std::fs::read(file) {
            Ok(input) => input,
            Err(e) => {
                eprintln!("error: cannot read `{}`: {e}", file.display());
                return ExitCode::from(2);
            }
        };
        let outcome = harness::execute(target, &input);
        println!("{}: {outcome:?}", target.name);
        return ExitCode::from(u8::from(outcome != Outcome::Passed));
    }
    let seed = args.seed.unwrap_or_else(|| {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
        now.map_or(0, |d| d.as_nanos() as u64)
    });
    println!("seed {seed}");
    let seeds = Seeds::load(args.corpus.as_deref());
    let artifacts = harness::artifacts_dir();
    let mut failed = false;
    for target in chosen {
        let stats = harness::fuzz(
            target,
            match args.iterations {
                Some(n) => Budget::Iterations(n),
                None => Budget::Seconds(args.seconds),
            },
            seed,
            &seeds,
            Some(&artifacts),
        );
        println!("{}", stats.report(target.name));
        failed |= stats.failed();
    }
    ExitCode::from(u8::from(failed))
}
