use crate::flags::{RuntimeFlags, TraceFlags};
use crate::io;
use anyhow::{Context, Result};
use std::path::PathBuf;
use weld_run::suite::{CaseResult, Suite};

/// Run the checks in a test spec (TOML) and report each case.
///
/// A case names a component (a file, or a registry reference) and either `invoke` (calls, with `expect`ed
/// WAVE results or a `trap`) or `run` (arguments, with `stdin`, `env`,
/// `dirs`, and the expected `stdout`, `stderr` and `status`). Limits may be
/// set per case (`timeout`, `fuel`, `max-memory`) or for all with the flags
/// below. Ends with `N passed, M failed`; exits 1 when any case fails.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    runtime: RuntimeFlags,
    #[command(flatten)]
    trace: TraceFlags,
    /// The test spec.
    spec: PathBuf,
    /// Also write the results as JUnit XML to FILE.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
}

impl Args {
    pub fn run(self) -> Result<u8> {
        let suite = Suite::load_with(&self.spec, &mut io::fetch)?;
        // Many short-lived instances: pooling makes each one cheap, and
        // per-store limits let every case carry its own.
        let runtime = std::sync::Arc::new(self.runtime.runtime(true, true)?);
        // Each case's calls are a group of their own.
        let trace = self.trace.start(true)?;
        let results = suite.run(
            &runtime,
            crate::progress::Spinner::start,
            |result| {
                let _ = io::write_text(None, &line(result));
            },
            Some((&trace.trace, trace.asked)),
        );
        trace.finish()?;
        let failed = results.iter().filter(|r| r.failure.is_some()).count();
        let passed = results.len() - failed;
        io::write_text(None, &format!("{passed} passed, {failed} failed\n"))?;
        if let Some(junit) = &self.junit {
            let name = self.spec.display().to_string();
            io::write_text(Some(junit), &weld_run::suite::junit(&name, &results)).with_context(
                || format!("failed to write the JUnit report `{}`", junit.display()),
            )?;
        }
        Ok(u8::from(failed > 0))
    }
}

/// One line per case; a failure's details beyond its first line (a trap's
/// backtrace) go to the JUnit report.
fn line(result: &CaseResult) -> String {
    match &result.failure {
        None => format!("ok     {}\n", result.name),
        Some(why) => {
            let first = why.lines().next().unwrap_or_default();
            format!("FAILED {}: {first}\n", result.name)
        }
    }
}
