//! Flags shared by `run`, `invoke` and `test`, named as wasmtime users know
//! them: capabilities (`--dir`, `--env`, ...), limits (`--timeout`,
//! `--fuel`, ...) and the compile cache; and the output flags of `plug`
//! and `compose`.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use weld_run::limits::{parse_duration, parse_size};
use weld_run::runtime::Linking;
use weld_run::{Cache, Capabilities, DirGrant, Limits, Options, Prepared, Runtime};
use weld_wit::validated::Validated;

#[derive(clap::Args, Debug, Clone, Default)]
pub struct CapabilityFlags {
    /// Grant a host directory: `HOST[::GUEST]`, `:ro` appended for read-only
    /// (or `:rw`); a `:` in a path is written `\:`.
    #[arg(long = "dir", value_name = "HOST[::GUEST][:ro|:rw]")]
    pub dirs: Vec<DirGrant>,
    /// Set an environment variable, or pass the host's value of NAME on.
    #[arg(long = "env", value_name = "NAME[=VALUE]", value_parser = weld_run::host::parse_env)]
    pub env: Vec<(String, Option<String>)>,
    /// Pass the host's whole environment on.
    #[arg(long)]
    pub inherit_env: bool,
    /// Allow TCP, UDP and name lookups on the host's network (sockets
    /// only: HTTP requests need --allow-http).
    #[arg(long)]
    pub inherit_network: bool,
    /// Let outgoing HTTP requests go to SCHEME://HOST[:PORT]; `*` stands
    /// for any part (`http://127.0.0.1:*`, `https://*.example.com`, or `*`
    /// for everything). The host is matched as the request writes it,
    /// never resolved. Any other request fails with HTTP-request-denied.
    #[arg(long = "allow-http", value_name = "PATTERN")]
    pub allow_http: Vec<weld_run::HttpGrant>,
}

impl CapabilityFlags {
    pub fn capabilities(&self, args: Vec<String>) -> Capabilities {
        Capabilities {
            args,
            dirs: self.dirs.clone(),
            env: self.env.clone(),
            inherit_env: self.inherit_env,
            inherit_network: self.inherit_network,
            allow_http: self.allow_http.clone(),
            stdio: weld_run::Stdio::Inherit,
        }
    }
}

#[derive(clap::Args, Debug, Clone, Default)]
pub struct RuntimeFlags {
    /// Stop the guest after this long (`500ms`, `2s`).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<std::time::Duration>,
    /// Stop the guest after this many units of fuel (about one per instruction).
    #[arg(long, value_name = "N")]
    pub fuel: Option<u64>,
    /// Cap the guest's linear memories and tables, all together (`10MiB`).
    /// A growth past it fails (`memory.grow` returns -1); a trap after that
    /// is reported as the limit.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_memory: Option<u64>,
    /// Trap as soon as a growth past --max-memory is refused.
    #[arg(long)]
    pub trap_on_grow_failure: bool,
    /// Cap the native stack that wasm code may use (`512KiB`).
    #[arg(long, value_name = "SIZE", value_parser = weld_run::limits::parse_stack_size)]
    pub max_stack: Option<u64>,
    /// Instantiate even when imports are missing; calling one traps.
    #[arg(long)]
    pub trap_unknown_imports: bool,
    /// Neither read nor write the compile cache.
    #[arg(long)]
    pub no_cache: bool,
}

impl RuntimeFlags {
    pub fn limits(&self) -> Limits {
        Limits {
            timeout: self.timeout,
            fuel: self.fuel,
            max_memory: self.max_memory,
            trap_on_grow_failure: self.trap_on_grow_failure,
            max_stack: self
                .max_stack
                .map(|s| usize::try_from(s).unwrap_or(usize::MAX)),
        }
    }

    /// Epoch interruption stops wasm code, but not a guest blocked in a
    /// host call (reading stdin, sleeping): after the timeout and a second's
    /// grace, end the process with the timeout's message and status.
    pub fn start_watchdog(&self) {
        let Some(timeout) = self.timeout else {
            return;
        };
        std::thread::spawn(move || {
            std::thread::sleep(timeout.saturating_add(std::time::Duration::from_secs(1)));
            let limit = weld_run::Limit::Timeout(timeout);
            eprintln!("error: {limit} while the guest was blocked in a host call");
            // A `--trace-output` being written is not left behind.
            crate::signals::remove_temporaries();
            std::process::exit(weld_run::status::TIMEOUT.into());
        });
    }

    pub fn runtime(&self, pooling: bool, per_store_limits: bool) -> Result<Runtime> {
        let cache = if self.no_cache {
            None
        } else {
            Cache::default_dir().map(Cache::new)
        };
        Ok(Runtime::new(Options {
            limits: self.limits(),
            cache,
            pooling,
            trap_unknown_imports: self.trap_unknown_imports,
            per_store_limits,
        })?)
    }
}

/// Prepares the component `wasm`, read from `path`, for the linker
/// `linking` says, showing progress while it compiles.
fn prepare_bytes(
    runtime: &Runtime,
    path: &Path,
    wasm: &[u8],
    linking: Linking,
) -> Result<Prepared> {
    let name: PathBuf = crate::io::input_name(path);
    Ok(runtime.prepare_linking(
        &name,
        wasm,
        || crate::progress::Spinner::start(&name),
        linking,
    )?)
}

/// `--trace` and what goes with it, shared by `run`, `invoke`, `test`
/// and `serve`. Any of the others implies `--trace`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct TraceFlags {
    /// Trace every call that crosses a component boundary: between the
    /// instances inside a composition, and to the host's imports. The
    /// component is instrumented in memory; its file is not touched.
    #[arg(long)]
    pub trace: bool,
    /// How calls are written: `text` (an indented tree, the default),
    /// `json` (one object per call), `chrome` (Trace Event Format, for
    /// Perfetto and chrome://tracing) or `svg` (a timeline).
    #[arg(long, value_name = "FORMAT")]
    pub trace_format: Option<weld_run::trace::Format>,
    /// Write the trace to FILE rather than to stderr (`-` for stdout); it
    /// is written in full when the command ends, a trap's included.
    #[arg(long, value_name = "FILE")]
    pub trace_output: Option<PathBuf>,
    /// Trace only the calls a glob matches, by `interface#function` or by
    /// the caller's or callee's instance name (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub trace_filter: Vec<String>,
    /// How much of each value to show: `none`, `short` (long lists and
    /// strings cut to a prefix and their length; the default) or `full`.
    #[arg(long, value_name = "DETAIL")]
    pub trace_values: Option<weld_run::Detail>,
}

/// A trace being written, and the file it goes to.
pub struct Tracing {
    tracer: weld_run::trace::Tracer,
    output: TraceOutput,
}

impl TraceFlags {
    fn enabled(&self) -> bool {
        self.trace
            || self.trace_format.is_some()
            || self.trace_values.is_some()
            || self.trace_output.is_some()
            || !self.trace_filter.is_empty()
    }

    /// The trace the flags ask for, and the file it goes to; None when
    /// not tracing (a component `weld trace` made is traced anyway).
    pub fn start(&self, grouped: bool) -> Result<TraceOutput> {
        let filter = weld_virt::trace::Filter::new(self.trace_filter.clone())
            .map_err(|e| anyhow::anyhow!("invalid --trace-filter: {e}"))?;
        let (out, output): (Box<dyn std::io::Write + Send>, _) = match &self.trace_output {
            Some(path) => crate::io::streamed(path)?,
            None => (Box::new(std::io::stderr()), None),
        };
        let settings = weld_run::trace::Settings {
            format: self.trace_format.unwrap_or_default(),
            detail: self.trace_values.unwrap_or_default(),
            filter,
            grouped,
        };
        Ok(TraceOutput {
            trace: std::sync::Arc::new(weld_run::trace::Trace::new(settings, out)),
            output,
            asked: self.enabled(),
        })
    }

    /// Reads and prepares a component as [`prepare_bytes`] does,
    /// instrumented when tracing is asked for. A component instrumented
    /// before (by `weld trace`) is traced whatever the flags. `grouped`
    /// numbers each store's calls (`weld serve`'s requests).
    pub fn prepare(
        &self,
        runtime: &Runtime,
        path: &Path,
        linking: Linking,
        grouped: bool,
    ) -> Result<(Prepared, Option<Tracing>)> {
        let fronted = self.prepare_fronted(runtime, path, linking, grouped, None)?;
        Ok((fronted.prepared, fronted.tracing))
    }

    /// [`TraceFlags::prepare`], with what `front` puts in front of the
    /// component's exports (`weld invoke`'s argument layer), given the
    /// component as it would be prepared: instrumented first, if traced,
    /// so that the taps do not see the layer.
    pub fn prepare_fronted(
        &self,
        runtime: &Runtime,
        path: &Path,
        linking: Linking,
        grouped: bool,
        front: Option<Front<'_>>,
    ) -> Result<Fronted> {
        let wasm = std::sync::Arc::new(crate::io::read_wasm(path)?);
        let name = crate::io::input_name(path);
        let stem = instance_name(path);
        let output = self.start(grouped)?;
        let traced =
            weld_run::trace::traced(&name, &wasm, &stem, output.trace.filter(), output.asked)
                .with_context(|| format!("cannot trace `{}`", name.display()))?;
        let wasm = match traced.as_ref().and_then(|traced| traced.bytes.clone()) {
            Some(bytes) => std::sync::Arc::new(bytes.into()),
            None => wasm,
        };
        let fed = front.and_then(|front| front(&name, &wasm));
        let bytes = fed.as_ref().map_or(&wasm[..], |fed| &fed.bytes[..]);
        let prepared = prepare_bytes(runtime, path, bytes, linking)?;
        let tracing = match traced {
            Some(traced) => {
                let tracer = output
                    .trace
                    .tracer(&traced.table, stem)
                    .with_context(|| format!("cannot trace `{}`", name.display()))?;
                Some(Tracing { tracer, output })
            }
            None => None,
        };
        Ok(Fronted {
            prepared,
            tracing,
            fed,
        })
    }
}

/// What [`TraceFlags::prepare_fronted`] puts in front of a component's
/// exports, given its name and bytes; None for nothing.
pub type Front<'a> =
    &'a dyn Fn(&Path, &std::sync::Arc<weld_wit::wasm::Bytes>) -> Option<weld_virt::arguments::Fed>;

/// A component prepared, its trace, and the argument layer in front of it.
pub struct Fronted {
    pub prepared: Prepared,
    pub tracing: Option<Tracing>,
    pub fed: Option<weld_virt::arguments::Fed>,
}

/// A trace, and the file it goes to.
pub struct TraceOutput {
    pub trace: std::sync::Arc<weld_run::trace::Trace>,
    output: Option<crate::io::Staged>,
    /// Whether the flags asked for tracing.
    pub asked: bool,
}

impl TraceOutput {
    /// Ends the trace and writes its file.
    pub fn finish(self) -> Result<()> {
        self.trace.finish().context("cannot write the trace")?;
        match self.output {
            Some(output) => output.commit(),
            None => Ok(()),
        }
    }
}

impl Tracing {
    /// The tracer, for stores made elsewhere (`weld serve`'s).
    pub fn tracer(&self) -> weld_run::trace::Tracer {
        self.tracer.clone()
    }

    /// Traces the calls in `store`.
    pub fn attach(&self, store: &mut weld_run::Store) {
        store.data_mut().trace(self.tracer.calls());
    }

    /// Ends the trace and writes its file.
    pub fn finish(self) -> Result<()> {
        self.output.finish()
    }
}

/// What a component is called as an instance: its file's stem.
pub fn instance_name(path: &Path) -> String {
    weld_wit::files::source_stem(path)
        .map_or_else(|| "component".to_owned(), |stem| stem.into_owned())
}

/// Where `plug` and `compose` write the result, or `--dry-run`.
#[derive(clap::Args)]
pub struct ComposeOutput {
    /// Where to write the composed component.
    #[arg(short, long, value_name = "FILE", required_unless_present = "dry_run")]
    output: Option<PathBuf>,
    /// Print what would be connected to what, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub cache: CacheFlag,
}

/// The record of inputs validated before, for the commands that compose.
#[derive(clap::Args)]
pub struct CacheFlag {
    /// Validate every input in full, even one validated before, and record
    /// nothing in weld's cache.
    #[arg(long)]
    no_cache: bool,
}

impl CacheFlag {
    pub fn validated(&self) -> Validated {
        match weld_wit::validated::cache_dir() {
            Some(dir) if !self.no_cache => Validated::in_cache(&dir),
            _ => Validated::default(),
        }
    }
}

impl ComposeOutput {
    /// Writes the component, or prints the plan of a dry run.
    pub fn write(&self, composed: weld_link::Composed) -> Result<()> {
        let mut outputs = crate::io::Outputs::default();
        self.stage(&mut outputs, &composed.plan, composed.component)?;
        outputs.commit()
    }

    /// Makes the component one of `outputs`; in a dry run, validates it as
    /// the real run would and makes the plan the output instead.
    pub fn stage(
        &self,
        outputs: &mut crate::io::Outputs,
        plan: &weld_link::Plan,
        component: weld_link::Output,
    ) -> Result<()> {
        if self.dry_run {
            component.into_bytes()?;
            return outputs.text(None, &plan.to_string());
        }
        outputs.component(self.output.as_deref(), component)
    }
}

/// How `oci://` references are fetched. Global, since every subcommand
/// that takes a component takes a reference in its place.
#[derive(clap::Args)]
pub struct RegistryFlags {
    /// Use only what weld's cache holds; never ask a registry. A pinned or
    /// locked reference pulled before, or a tag resolved before, works.
    #[arg(long, global = true)]
    offline: bool,
    /// Speak plain HTTP to a registry on this machine (localhost,
    /// 127.0.0.1 or [::1]); refused for any other host.
    #[arg(long, global = true)]
    insecure: bool,
}

impl RegistryFlags {
    pub fn settings(&self) -> weld_registry::Settings {
        weld_registry::Settings {
            offline: self.offline,
            insecure: self.insecure,
            cache_dir: None,
        }
    }
}
