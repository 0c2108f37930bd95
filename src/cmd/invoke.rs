use crate::flags::{CapabilityFlags, RuntimeFlags, TraceFlags};
use crate::io;
use anyhow::{Context, Result, bail};
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
///
/// `async func`s are called and awaited like the others. A `stream<u8>`
/// argument is a list of bytes or `@PATH`; a `stream<u8>` result is read to
/// its end and printed as a list, or written to `--output-stream FILE`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    caps: CapabilityFlags,
    #[command(flatten)]
    runtime: RuntimeFlags,
    #[command(flatten)]
    trace: TraceFlags,
    /// The component whose exports to call.
    component: PathBuf,
    /// Write the bytes of the `stream<u8>` a call returns to FILE rather
    /// than printing them (`-` for stdout); exactly one call may return one.
    #[arg(long, value_name = "FILE")]
    output_stream: Option<PathBuf>,
    /// Calls such as `grayscale({data: [255, 0, 0, 255], width: 1, height: 1})`.
    #[arg(required = true, value_name = "CALL")]
    calls: Vec<String>,
}

impl Args {
    pub fn run(self) -> Result<u8> {
        let runtime = self.runtime.runtime(false, false)?;
        let front =
            |name: &Path, wasm: &std::sync::Arc<weld_wit::wasm::Bytes>| self.feed(name, wasm);
        let base = Path::new(".");
        let fronted = self.trace.prepare_fronted(
            &runtime,
            &self.component,
            weld_run::runtime::Linking::Auto,
            false,
            weld_run::invoke::passes_large_files(&self.calls, base).then_some(&front),
        )?;
        let (prepared, tracing, fed) = (fronted.prepared, fronted.tracing, fronted.fed);
        let caps = self
            .caps
            .capabilities(vec![self.component.display().to_string()]);
        self.runtime.start_watchdog();
        let mut store = runtime.store(&prepared, &caps)?;
        if let Some(tracing) = &tracing {
            tracing.attach(&mut store);
        }
        let mut session = weld_run::invoke::Session::new(&runtime, &prepared, store)?;
        if let Some(fed) = &fed {
            session = session.feeding(fed);
        }
        let status = self.calls(session);
        // The trace is written whatever the calls did: the session, and
        // with it any call a trap left unfinished, is gone by now.
        if let Some(tracing) = tracing {
            tracing.finish()?;
        }
        status
    }

    /// The component with an argument layer for the calls that pass
    /// large files. A component the layer cannot front is called as
    /// before, each file as a list of values, with a warning.
    fn feed(
        &self,
        name: &Path,
        wasm: &std::sync::Arc<weld_wit::wasm::Bytes>,
    ) -> Option<weld_virt::arguments::Fed> {
        match weld_run::invoke::feed(name, wasm, &self.calls, Path::new(".")) {
            Ok(fed) => fed,
            Err(e) => {
                let why = weld_wit::display::error_chain(&e);
                eprintln!(
                    "warning: files are passed as lists of values, which costs far more memory: {why}"
                );
                None
            }
        }
    }

    fn calls(&self, mut session: weld_run::invoke::Session) -> Result<u8> {
        let mut stream: Option<(String, Vec<u8>)> = None;
        for call in &self.calls {
            let result = session
                .call(call, Path::new("."))
                .with_context(|| format!("failed to call `{call}`"))?;
            let Some(path) = &self.output_stream else {
                io::write_text(None, &format!("{result}\n"))?;
                continue;
            };
            if let Some(bytes) = result.stream() {
                if let Some((earlier, _)) = &stream {
                    bail!(
                        "`{earlier}` and `{call}` both return a stream; --output-stream takes one"
                    );
                }
                stream = Some((call.clone(), bytes.to_vec()));
            }
            // With the stream's bytes going to stdout, the results go to stderr.
            let shown = format!("{}\n", result.without_streams());
            match path.as_os_str() == "-" {
                true => eprint!("{shown}"),
                false => io::write_text(None, &shown)?,
            }
        }
        if let Some(path) = &self.output_stream {
            let Some((_, bytes)) = stream else {
                bail!("no call returned a `stream<u8>` for --output-stream");
            };
            let output = (path.as_os_str() != "-").then_some(path.as_path());
            io::write_binary(output, &bytes)?;
        }
        Ok(0)
    }
}
