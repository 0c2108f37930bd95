use crate::flags::{CapabilityFlags, RuntimeFlags, TraceFlags};
use anyhow::{Context, Result};
use std::path::PathBuf;

/// Run a `wasi:cli/run` component on the embedded wasmtime.
///
/// Nothing of the host is visible to the guest unless granted: no
/// directories, no environment, no network. stdin, stdout and stderr are
/// the host's. The exit status is the guest's: what it passed to
/// `wasi:cli/exit`, 0 when `run` returned `ok` and 1 for `err`. A trap
/// exits with 134; hitting --timeout, --fuel, --max-memory or --max-stack
/// exits with 124, 123, 122 or 121.
#[derive(clap::Args)]
#[command(trailing_var_arg = true)]
pub struct Args {
    #[command(flatten)]
    caps: CapabilityFlags,
    #[command(flatten)]
    runtime: RuntimeFlags,
    #[command(flatten)]
    trace: TraceFlags,
    /// The component to run.
    component: PathBuf,
    /// Arguments for the guest; its `argv[0]` is the component's path.
    #[arg(allow_hyphen_values = true)]
    args: Vec<String>,
}

impl Args {
    pub fn run(self) -> Result<u8> {
        let runtime = self.runtime.runtime(false, false)?;
        let (prepared, tracing) = self.trace.prepare(
            &runtime,
            &self.component,
            weld_run::runtime::Linking::Auto,
            false,
        )?;
        let mut argv = vec![self.component.display().to_string()];
        argv.extend(self.args);
        let caps = self.caps.capabilities(argv);
        self.runtime.start_watchdog();
        let mut store = runtime.store(&prepared, &caps)?;
        if let Some(tracing) = &tracing {
            tracing.attach(&mut store);
        }
        let status = weld_run::command::run(&runtime, &prepared, store)
            .with_context(|| format!("failed to run `{}`", self.component.display()));
        // The trace is written whatever the guest did: a trap's chain of
        // calls is what it is for.
        if let Some(tracing) = tracing {
            tracing.finish()?;
        }
        Ok(u8::try_from(status?).unwrap_or(weld_run::status::FAILURE))
    }
}
