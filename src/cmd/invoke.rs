use crate::flags::{self, CapabilityFlags, RuntimeFlags};
use crate::io;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// Call exported functions with WAVE values, printing each result in WAVE.
///
/// Calls run in order on one instance, so state carries over from one to
/// the next. A call names a function bare (`grayscale`) when that is
/// unambiguous, or with its interface (`process#grayscale`,
/// `my:image-processor/process.grayscale`). `@PATH` in a call stands for
/// the bytes of a file as a `list<u8>`:
///
///   weld invoke p.wasm 'grayscale({data: @pixels.rgba, width: 640, height: 480})'
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    caps: CapabilityFlags,
    #[command(flatten)]
    runtime: RuntimeFlags,
    /// The component whose exports to call.
    component: PathBuf,
    /// Calls such as `grayscale({data: [255, 0, 0, 255], width: 1, height: 1})`.
    #[arg(required = true, value_name = "CALL")]
    calls: Vec<String>,
}

impl Args {
    pub fn run(self) -> Result<u8> {
        let runtime = self.runtime.runtime(false, false)?;
        let prepared = flags::prepare(&runtime, &self.component)?;
        let caps = self
            .caps
            .capabilities(vec![self.component.display().to_string()]);
        self.runtime.start_watchdog();
        let store = runtime.store(&caps)?;
        let mut session = weld_run::invoke::Session::new(&runtime, &prepared, store)?;
        for call in &self.calls {
            let result = session
                .call(call, Path::new("."))
                .with_context(|| format!("failed to call `{call}`"))?;
            io::write_text(None, &format!("{result}\n"))?;
        }
        Ok(0)
    }
}
