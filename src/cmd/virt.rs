use crate::flags::CacheFlag;
use crate::io;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use weld_virt::Policy;
use weld_virt::settings::{OutputChoice, Settings, StdinChoice};

/// Replace imports with a virtual implementation composed inside the
/// component.
///
/// The virtual component is generated from the WIT of the imports, for any
/// interface: a function returns a constant (`--const`), denies
/// (`--deny`: functions returning `result<_, E>` return `err`, others
/// trap) or traps (`--trap`). An interface is named in full, without its
/// version, by its last part, or by a glob (`wasi:sockets/*`); a function
/// as `IFACE#FUNC`. The WASI presets (`--env`, `--clock-fixed`, `--deny-fs`,
/// `--stdout` ...) come first; other rules override them, later ones
/// earlier ones. Functions of a virtualised interface that no rule covers
/// go to the host's own. The result imports only what is left.
#[derive(clap::Args)]
pub struct Args {
    /// The component to virtualise.
    input: PathBuf,
    /// Where to write the virtualised component.
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    #[command(flatten)]
    policy: PolicyFlags,
    /// Write JSON saying what became of each import.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    #[command(flatten)]
    cache: CacheFlag,
}

/// The policy, as flags here and as a `[virtualize]` section in a
/// `weld compose` manifest.
#[derive(clap::Args, Default)]
pub struct PolicyFlags {
    /// Make a function return a value, written in WAVE.
    #[arg(long = "const", value_name = "IFACE#FUNC=VALUE")]
    constants: Vec<String>,
    /// Deny an interface or a function.
    #[arg(long, value_name = "IFACE[#FUNC]")]
    deny: Vec<String>,
    /// The error case a denied function returns (default: the first case
    /// of its error type without a payload).
    #[arg(long, value_name = "IFACE#FUNC=CASE")]
    deny_error: Vec<String>,
    /// Make an interface or a function trap.
    #[arg(long, value_name = "IFACE[#FUNC]")]
    trap: Vec<String>,
    /// Deny every import that no rule covers and no `--allow` names.
    #[arg(long)]
    deny_all: bool,
    /// Leave an interface to the host under `--deny-all`.
    #[arg(long, value_name = "IFACE")]
    allow: Vec<String>,
    /// A fixed environment variable; the host's are never visible, unless
    /// --allow-env lets some through.
    #[arg(long = "env", value_name = "NAME=VALUE")]
    env: Vec<String>,
    /// Pass on only the host's variables whose names match GLOB (`*` any
    /// run, `?` any one character), filtered at run time inside the
    /// component; --env adds fixed ones, which win over the host's.
    #[arg(long = "allow-env", value_name = "GLOB")]
    allow_env: Vec<String>,
    /// Let outgoing HTTP requests through only where a grant allows them,
    /// checked inside the component (`SCHEME://HOST[:PORT]`, `*` for any
    /// part, as `weld run --allow-http`); others get HTTP-request-denied
    /// without reaching the host.
    #[arg(long = "allow-http", value_name = "PATTERN")]
    allow_http: Vec<String>,
    /// Deny all outgoing HTTP: requests get HTTP-request-denied.
    #[arg(long)]
    deny_http: bool,
    /// Answer outgoing requests that PATTERN matches (as --allow-http
    /// patterns) with STATUS, from generated code, without reaching the
    /// host; the first match wins, and others follow --allow-http and
    /// --deny-http. WASI 0.3 (`wasi:http/client`) only, with an empty body.
    #[arg(long = "http-response", value_name = "PATTERN=STATUS[:FILE]")]
    http_responses: Vec<String>,
    /// Pass on only the host's preopened directories whose guest paths are
    /// PREFIX or under it, checked inside the component; `:ro` makes them
    /// and all opened from them refuse every change. Paths that are
    /// absolute or climb out of their directory are refused.
    #[arg(long = "allow-fs", value_name = "GUEST-PATH-PREFIX[:ro]")]
    allow_fs: Vec<String>,
    /// A fixed argument (the first is the program's name).
    #[arg(long = "arg", value_name = "ARG", allow_hyphen_values = true)]
    args: Vec<String>,
    /// A fixed initial working directory.
    #[arg(long, value_name = "DIR")]
    cwd: Option<String>,
    /// Freeze the wall clock at this time; the monotonic clock is weld's.
    #[arg(long, value_name = "RFC3339")]
    clock_fixed: Option<String>,
    /// Deny the filesystem: no preopened directories, every call fails.
    #[arg(long)]
    deny_fs: bool,
    /// Deny sockets and outgoing HTTP.
    #[arg(long)]
    deny_net: bool,
    /// Embed a host directory, read-only, where the guest finds it: its
    /// files are read now and become part of the component. The mounts are
    /// then the only directories the guest sees.
    #[arg(long = "mount", value_name = "GUEST=HOSTDIR")]
    mounts: Vec<String>,
    /// Random numbers from a deterministic generator seeded with N: the
    /// same on every run, different on every call.
    #[arg(long, value_name = "N")]
    random_seed: Option<u64>,
    /// Stdin: the host's, an empty stream, or one whose reads fail.
    #[arg(long, value_name = "allow|empty|deny")]
    stdin: Option<StdinChoice>,
    /// Stdout: the host's, a stream that swallows everything, or one whose
    /// writes fail.
    #[arg(long, value_name = "allow|ignore|deny")]
    stdout: Option<OutputChoice>,
    /// Stderr, as stdout.
    #[arg(long, value_name = "allow|ignore|deny")]
    stderr: Option<OutputChoice>,
}

impl Args {
    pub fn run(self) -> Result<()> {
        let context = || format!("failed to virtualise `{}`", self.input.display());
        let bytes = Arc::new(io::read_wasm(&self.input)?);
        let policy = self.policy.policy().with_context(context)?;
        let validated = self.cache.validated();
        let virtualized =
            weld_virt::virtualize(&io::input_name(&self.input), &bytes, &policy, &validated)
                .with_context(context)?;
        let component = virtualized.composed.component;
        let mut outputs = io::Outputs::default();
        outputs
            .component(Some(&self.output), component)
            .with_context(context)?;
        if let Some(path) = &self.report {
            stage_report(&mut outputs, path, &virtualized.report)?;
        }
        outputs.commit().with_context(context)
    }
}

/// Makes `--report`'s JSON (or a manifest's `report`) one of `outputs`.
pub fn stage_report(
    outputs: &mut io::Outputs,
    path: &Path,
    report: &weld_virt::Report,
) -> Result<()> {
    let json = serde_json::to_string_pretty(report)? + "\n";
    outputs.text(Some(path), &json)
}

impl PolicyFlags {
    pub fn policy(&self) -> Result<Policy> {
        let settings = Settings {
            constants: self.constants.clone(),
            deny: self.deny.clone(),
            deny_error: self.deny_error.clone(),
            trap: self.trap.clone(),
            deny_all: self.deny_all,
            allow: self.allow.clone(),
            env: self.env.clone(),
            allow_env: self.allow_env.clone(),
            allow_http: self.allow_http.clone(),
            deny_http: self.deny_http,
            http_responses: self.http_responses.clone(),
            allow_fs: self.allow_fs.clone(),
            args: self.args.clone(),
            cwd: self.cwd.clone(),
            clock_fixed: self.clock_fixed.clone(),
            deny_fs: self.deny_fs,
            deny_net: self.deny_net,
            random_seed: self.random_seed,
            mounts: self.mounts.clone(),
            stdin: self.stdin,
            stdout: self.stdout,
            stderr: self.stderr,
        };
        Ok(settings.policy()?)
    }
}
