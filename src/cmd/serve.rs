use crate::flags::{self, CapabilityFlags, RuntimeFlags, TraceFlags};
use anyhow::{Context, Result, bail};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use weld_run::handler::{Interface, Reuse, Service};
use weld_run::limits::parse_duration;
use weld_run::runtime::Linking;
use weld_run::serve::{Event, Options};

/// Serve an HTTP handler component on the embedded wasmtime.
///
/// The component exports `wasi:http/incoming-handler@0.2` or
/// `wasi:http/handler@0.3`. Every request runs with the capabilities and
/// limits given here, as `weld run` would run the component: a trap, a
/// limit or a handler that sets no response gets a 500 and a log line, a
/// timeout a 504, and the server goes on. Once listening, weld prints
/// `listening on http://HOST:PORT` to stderr; then one line per request
/// (method, path, status, milliseconds) unless --quiet. SIGINT or SIGTERM
/// stops accepting and lets requests in flight finish.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    caps: CapabilityFlags,
    #[command(flatten)]
    runtime: RuntimeFlags,
    #[command(flatten)]
    trace: TraceFlags,
    /// Where to listen; port 0 picks a free port.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Further requests a `wasi:http/handler@0.3` instance takes after its
    /// first, concurrently or one after another; 0 gives each request a
    /// fresh instance. A 0.2 handler always gets a fresh instance.
    #[arg(long, value_name = "N")]
    reuse: Option<usize>,
    /// Handle at most N requests at once; more wait for a slot.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    max_concurrency: Option<u64>,
    /// How long requests in flight may take to finish after SIGINT or SIGTERM.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "5s")]
    shutdown_timeout: Duration,
    /// Print no access log (failures are still reported).
    #[arg(short, long)]
    quiet: bool,
    /// The component to serve.
    component: PathBuf,
}

impl Args {
    pub fn run(self) -> Result<u8> {
        let runtime = Arc::new(self.runtime.runtime(true, false)?);
        let (prepared, tracing) =
            self.trace
                .prepare(&runtime, &self.component, Linking::Concurrent, true)?;
        let name = prepared.path.clone();
        let caps = self.caps.capabilities(vec![name.display().to_string()]);
        let interface = weld_run::handler::interface(&prepared)?;
        if interface == Interface::IncomingHandler && self.reuse.is_some_and(|n| n > 0) {
            bail!(
                "`{}` is a {} handler, which gets a fresh instance per request; --reuse is for {} handlers",
                name.display(),
                Interface::IncomingHandler.name(),
                Interface::Handler.name()
            );
        }
        let reuse = self.reuse.map_or_else(Reuse::default, Reuse);
        let service = Service::new(
            runtime.clone(),
            &prepared,
            caps,
            runtime.limits(),
            reuse,
            tracing.as_ref().map(flags::Tracing::tracer),
        )?;
        let options = Options {
            addr: self.addr,
            max_concurrency: self
                .max_concurrency
                .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
            shutdown_timeout: self.shutdown_timeout,
            access_log: !self.quiet,
        };
        // The server stops on SIGINT and SIGTERM itself, and writes no
        // file that weld's own handlers would need to remove.
        crate::signals::leave_to_server();
        let quiet = self.quiet;
        let served = weld_run::serve::serve(service, &options, &move |event| log(quiet, &event))
            .with_context(|| format!("failed to serve `{}`", name.display()));
        if let Some(tracing) = tracing {
            tracing.finish()?;
        }
        served.map(|()| 0)
    }
}

fn log(quiet: bool, event: &Event<'_>) {
    match event {
        Event::Listening(addr) => eprintln!("listening on http://{addr}"),
        Event::Answered(answered) if !quiet => eprintln!(
            "{} {} {} {}ms",
            answered.request.method,
            weld_wit::display::escape_control(&answered.request.path),
            answered.status.as_u16(),
            answered.elapsed.as_millis()
        ),
        Event::Answered(_) => {}
        Event::Failed { request, failure } => eprintln!(
            "error: request {} ({} {}) got {}: {}",
            request.id,
            request.method,
            weld_wit::display::escape_control(&request.path),
            failure.status.as_u16(),
            failure.cause
        ),
        Event::Connection { peer, error } => {
            if !quiet {
                eprintln!("connection from {peer}: {error}");
            }
        }
        Event::Stopping { in_flight } => eprintln!(
            "stopping: waiting for {in_flight} request{} in flight",
            if *in_flight == 1 { "" } else { "s" }
        ),
    }
}
