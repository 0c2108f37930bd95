use crate::flags::CacheFlag;
use crate::io;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use weld_virt::presets::{Wasi, parse_rfc3339};
use weld_virt::{Action, Object, Policy, Rule};

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
    /// A fixed environment variable; the host's are never visible.
    #[arg(long = "env", value_name = "NAME=VALUE")]
    env: Vec<String>,
    /// A fixed argument (the first is the program's name).
    #[arg(long = "arg", value_name = "ARG")]
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
    #[arg(long, value_enum, value_name = "allow|empty|deny")]
    stdin: Option<Input>,
    /// Stdout: the host's, a stream that swallows everything, or one whose
    /// writes fail.
    #[arg(long, value_enum, value_name = "allow|ignore|deny")]
    stdout: Option<Output>,
    /// Stderr, as stdout.
    #[arg(long, value_enum, value_name = "allow|ignore|deny")]
    stderr: Option<Output>,
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
        let component = virtualized
            .composed
            .component
            .context("the virtual component was not encoded")?;
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
    /// The flags a manifest's `[virtualize]` section stands for; its
    /// mounts' host directories are relative to `base`, the manifest's.
    pub fn from_manifest(section: &weld_link::Virtualize, base: &Path) -> Result<PolicyFlags> {
        let pairs = |map: &std::collections::BTreeMap<String, String>| {
            map.iter().map(|(k, v)| format!("{k}={v}")).collect()
        };
        Ok(PolicyFlags {
            constants: pairs(&section.constants),
            deny: section.deny.clone(),
            deny_error: pairs(&section.deny_error),
            trap: section.trap.clone(),
            deny_all: section.deny_all,
            allow: section.allow.clone(),
            env: pairs(&section.env),
            args: section.args.clone(),
            cwd: section.cwd.clone(),
            clock_fixed: section.clock_fixed.clone(),
            deny_fs: section.deny_fs,
            deny_net: section.deny_net,
            random_seed: section.random_seed,
            mounts: section
                .mount
                .iter()
                .map(|(guest, host)| format!("{guest}={}", base.join(host).display()))
                .collect(),
            stdin: choice(&section.stdin, "stdin", "allow, empty or deny")?,
            stdout: choice(&section.stdout, "stdout", "allow, ignore or deny")?,
            stderr: choice(&section.stderr, "stderr", "allow, ignore or deny")?,
        })
    }

    pub fn policy(&self) -> Result<Policy> {
        let wasi = Wasi {
            env: self
                .env
                .iter()
                .map(|pair| {
                    pair.split_once('=')
                        .map(|(k, v)| (k.to_owned(), v.to_owned()))
                        .with_context(|| format!("invalid --env `{pair}`: expected NAME=VALUE"))
                })
                .collect::<Result<_>>()?,
            args: self.args.clone(),
            cwd: self.cwd.clone(),
            clock_fixed: self
                .clock_fixed
                .as_deref()
                .map(parse_rfc3339)
                .transpose()
                .map_err(|e| anyhow::anyhow!("invalid --clock-fixed: {e}"))?,
            deny_fs: self.deny_fs,
            deny_net: self.deny_net,
            random_seed: self.random_seed,
            mounts: self
                .mounts
                .iter()
                .map(|arg| {
                    let (guest, host) = split_value(arg, "--mount", "GUEST=HOSTDIR")?;
                    Ok((guest.to_owned(), PathBuf::from(host)))
                })
                .collect::<Result<_>>()?,
            stdin: self.stdin.and_then(Input::object),
            stdout: self.stdout.and_then(Output::object),
            stderr: self.stderr.and_then(Output::object),
        };
        let mut rules = Vec::new();
        for target in &self.deny {
            rules.push(rule(target, Action::Deny { case: None }));
        }
        for target in &self.trap {
            rules.push(rule(target, Action::Trap));
        }
        for arg in &self.deny_error {
            let (target, case) = split_value(arg, "--deny-error", "IFACE#FUNC=CASE")?;
            rules.push(rule(
                target,
                Action::Deny {
                    case: Some(case.to_owned()),
                },
            ));
        }
        for arg in &self.constants {
            let (target, value) = split_value(arg, "--const", "IFACE#FUNC=VALUE")?;
            rules.push(rule(target, Action::Const(value.to_owned())));
        }
        // `--stdout allow` and the like leave them to the host, even under
        // `--deny-all`.
        let mut allow = self.allow.clone();
        for (allowed, name) in [
            (matches!(self.stdin, Some(Input::Allow)), "stdin"),
            (matches!(self.stdout, Some(Output::Allow)), "stdout"),
            (matches!(self.stderr, Some(Output::Allow)), "stderr"),
        ] {
            if allowed {
                allow.push(format!("wasi:cli/{name}"));
                allow.push(format!("wasi:cli/terminal-{name}"));
            }
        }
        Ok(Policy {
            wasi,
            rules,
            allow,
            deny_all: self.deny_all,
        })
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Input {
    Allow,
    Empty,
    Deny,
}

impl Input {
    fn object(self) -> Option<Object> {
        match self {
            Input::Allow => None,
            Input::Empty => Some(Object::Empty),
            Input::Deny => Some(Object::Failing),
        }
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Output {
    Allow,
    Ignore,
    Deny,
}

impl Output {
    fn object(self) -> Option<Object> {
        match self {
            Output::Allow => None,
            Output::Ignore => Some(Object::Sink),
            Output::Deny => Some(Object::Failing),
        }
    }
}

/// A `[virtualize]` setting such as `stdout = "deny"`.
fn choice<T: clap::ValueEnum>(
    value: &Option<String>,
    key: &str,
    expected: &str,
) -> Result<Option<T>> {
    value
        .as_deref()
        .map(|v| {
            T::from_str(v, true).map_err(|_| {
                anyhow::anyhow!("invalid [virtualize] {key} `{v}`: expected {expected}")
            })
        })
        .transpose()
}

fn rule(target: &str, action: Action) -> Rule {
    Rule {
        target: target.to_owned(),
        action,
    }
}

/// `IFACE#FUNC=VALUE` (or `GUEST=HOSTDIR`) into its two sides.
fn split_value<'a>(arg: &'a str, flag: &str, form: &str) -> Result<(&'a str, &'a str)> {
    let function = form.starts_with("IFACE#");
    match arg.split_once('=') {
        Some((left, right))
            if !left.is_empty() && !right.is_empty() && (!function || left.contains('#')) =>
        {
            Ok((left, right))
        }
        _ => bail!("invalid {flag} `{arg}`: expected {form}"),
    }
}
