//! A policy as people write it: `weld virt`'s flags, or the `[virtualize]`
//! section of a `weld compose` manifest, whose keys are the flags' names.
//!
//! Both come here as [`Settings`] and are checked and turned into a
//! [`Policy`] in one place, so that a setting means the same in either
//! and a mistake in either gets the same error.

use crate::Error;
use crate::policy::{Action, Object, Policy, Rule};
use crate::presets::{Wasi, parse_rfc3339};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use weld_wit::access::guest_path;

/// Every setting of a policy, as written: `IFACE#FUNC=VALUE` and the like
/// are split and checked by [`Settings::policy`].
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `IFACE#FUNC=VALUE` (WAVE).
    pub constants: Vec<String>,
    /// `IFACE[#FUNC]`.
    pub deny: Vec<String>,
    /// `IFACE#FUNC=CASE`.
    pub deny_error: Vec<String>,
    /// `IFACE[#FUNC]`.
    pub trap: Vec<String>,
    pub deny_all: bool,
    pub allow: Vec<String>,
    /// `NAME=VALUE`.
    pub env: Vec<String>,
    /// Globs over the names of the host's variables that pass.
    pub allow_env: Vec<String>,
    /// `SCHEME://HOST[:PORT]` grants of outgoing HTTP requests.
    pub allow_http: Vec<String>,
    pub deny_http: bool,
    /// `PATTERN=STATUS[:FILE]` mock upstreams.
    pub http_responses: Vec<String>,
    /// `GUEST-PATH-PREFIX[:ro|:rw]`.
    pub allow_fs: Vec<String>,
    pub args: Vec<String>,
    pub cwd: Option<String>,
    /// RFC 3339.
    pub clock_fixed: Option<String>,
    pub deny_fs: bool,
    pub deny_net: bool,
    pub random_seed: Option<u64>,
    /// `GUEST=HOSTDIR`.
    pub mounts: Vec<String>,
    pub stdin: Option<StdinChoice>,
    pub stdout: Option<OutputChoice>,
    pub stderr: Option<OutputChoice>,
}

/// `--stdin`: the host's, an empty stream, or one whose reads fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StdinChoice {
    Allow,
    Empty,
    Deny,
}

/// `--stdout` and `--stderr`: the host's, a stream that swallows
/// everything, or one whose writes fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputChoice {
    Allow,
    Ignore,
    Deny,
}

impl std::str::FromStr for StdinChoice {
    type Err = String;

    fn from_str(text: &str) -> Result<StdinChoice, String> {
        match text {
            "allow" => Ok(StdinChoice::Allow),
            "empty" => Ok(StdinChoice::Empty),
            "deny" => Ok(StdinChoice::Deny),
            _ => Err(format!("`{text}` is not allow, empty or deny")),
        }
    }
}

impl std::str::FromStr for OutputChoice {
    type Err = String;

    fn from_str(text: &str) -> Result<OutputChoice, String> {
        match text {
            "allow" => Ok(OutputChoice::Allow),
            "ignore" => Ok(OutputChoice::Ignore),
            "deny" => Ok(OutputChoice::Deny),
            _ => Err(format!("`{text}` is not allow, ignore or deny")),
        }
    }
}

impl StdinChoice {
    fn object(self) -> Option<Object> {
        match self {
            StdinChoice::Allow => None,
            StdinChoice::Empty => Some(Object::Empty),
            StdinChoice::Deny => Some(Object::Failing),
        }
    }
}

impl OutputChoice {
    fn object(self) -> Option<Object> {
        match self {
            OutputChoice::Allow => None,
            OutputChoice::Ignore => Some(Object::Sink),
            OutputChoice::Deny => Some(Object::Failing),
        }
    }
}

fn invalid(setting: &str, message: impl Into<String>) -> Error {
    Error::Setting {
        setting: setting.to_owned(),
        message: message.into(),
    }
}

impl Settings {
    /// The settings of a manifest's `[virtualize]` section; its mounts'
    /// host directories are relative to `base`, the manifest's.
    pub fn from_manifest(section: &weld_link::Virtualize, base: &Path) -> Result<Settings, Error> {
        let pairs =
            |map: &BTreeMap<String, String>| map.iter().map(|(k, v)| format!("{k}={v}")).collect();
        // Checked here, where the key is known, since `=` would split the
        // pair differently once joined.
        if let Some(name) = section.env.keys().find(|name| name.contains('=')) {
            return Err(invalid("[virtualize] env", env_name_error(name)));
        }
        Ok(Settings {
            constants: pairs(&section.constants),
            deny: section.deny.clone(),
            deny_error: pairs(&section.deny_error),
            trap: section.trap.clone(),
            deny_all: section.deny_all,
            allow: section.allow.clone(),
            env: pairs(&section.env),
            allow_env: section.allow_env.clone(),
            allow_http: section.allow_http.clone(),
            deny_http: section.deny_http,
            http_responses: section.http_response.clone(),
            allow_fs: section.allow_fs.clone(),
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
            stdin: choice(&section.stdin, "stdin")?,
            stdout: choice(&section.stdout, "stdout")?,
            stderr: choice(&section.stderr, "stderr")?,
        })
    }

    /// Checks every setting and makes the policy.
    pub fn policy(&self) -> Result<Policy, Error> {
        let wasi = Wasi {
            env: self
                .env
                .iter()
                .map(|pair| {
                    let (name, value) = pair.split_once('=').ok_or_else(|| {
                        invalid(&format!("--env `{pair}`"), "expected NAME=VALUE")
                    })?;
                    if name.is_empty() || name.contains('\0') || value.contains('\0') {
                        return Err(invalid(&format!("--env `{pair}`"), env_name_error(name)));
                    }
                    Ok((name.to_owned(), value.to_owned()))
                })
                .collect::<Result<_, _>>()?,
            allow_env: self
                .allow_env
                .iter()
                .map(|glob| match glob.is_empty() || glob.contains(['=', '\0']) {
                    true => Err(invalid(
                        &format!("--allow-env `{glob}`"),
                        "a glob over variable names is not empty and holds no `=` or NUL",
                    )),
                    false => Ok(glob.clone()),
                })
                .collect::<Result<_, _>>()?,
            allow_http: self
                .allow_http
                .iter()
                .map(|grant| {
                    grant
                        .parse()
                        .map_err(|e: String| invalid("--allow-http", e))
                })
                .collect::<Result<_, _>>()?,
            deny_http: self.deny_http,
            http_responses: self
                .http_responses
                .iter()
                .map(|mock| {
                    parse_mock(mock).map_err(|e| invalid(&format!("--http-response `{mock}`"), e))
                })
                .collect::<Result<_, _>>()?,
            allow_fs: self
                .allow_fs
                .iter()
                .map(|grant| grant.parse().map_err(|e: String| invalid("--allow-fs", e)))
                .collect::<Result<_, _>>()?,
            args: self.args.clone(),
            cwd: self
                .cwd
                .as_deref()
                .map(|cwd| guest_path(cwd).map_err(|e| invalid(&format!("--cwd `{cwd}`"), e)))
                .transpose()?,
            clock_fixed: self
                .clock_fixed
                .as_deref()
                .map(parse_rfc3339)
                .transpose()
                .map_err(|e| invalid("--clock-fixed", e))?,
            deny_fs: self.deny_fs,
            deny_net: self.deny_net,
            random_seed: self.random_seed,
            mounts: self
                .mounts
                .iter()
                .map(|arg| {
                    let (guest, host) = split_value(arg, "--mount", "GUEST=HOSTDIR")?;
                    let guest =
                        guest_path(guest).map_err(|e| invalid(&format!("--mount `{arg}`"), e))?;
                    Ok((guest, PathBuf::from(host)))
                })
                .collect::<Result<_, Error>>()?,
            stdin: self.stdin.and_then(StdinChoice::object),
            stdout: self.stdout.and_then(OutputChoice::object),
            stderr: self.stderr.and_then(OutputChoice::object),
        };
        // Each says what the guest's directories are: they cannot be
        // combined.
        if !wasi.allow_fs.is_empty() {
            let other = match (wasi.deny_fs, wasi.mounts.is_empty()) {
                (true, _) => Some("--deny-fs, which denies every directory"),
                (false, false) => Some("--mount, whose trees are then the only directories"),
                (false, true) => None,
            };
            if let Some(other) = other {
                return Err(invalid(
                    "--allow-fs",
                    format!("it passes on the host's directories, which contradicts {other}"),
                ));
            }
        }
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
        let interfaces = rules
            .iter()
            .map(|rule| rule.target.split('#').next().unwrap_or_default())
            .chain(self.allow.iter().map(String::as_str));
        for interface in interfaces {
            weld_wit::names::check_pattern(interface).map_err(|e| invalid("rule", e))?;
        }
        // `--stdout allow` and the like leave them to the host, even under
        // `--deny-all`.
        let mut allow = self.allow.clone();
        for (allowed, name) in [
            (self.stdin == Some(StdinChoice::Allow), "stdin"),
            (self.stdout == Some(OutputChoice::Allow), "stdout"),
            (self.stderr == Some(OutputChoice::Allow), "stderr"),
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

impl Policy {
    /// The policy a manifest's `[virtualize]` section describes.
    pub fn from_manifest(section: &weld_link::Virtualize, base: &Path) -> Result<Policy, Error> {
        Settings::from_manifest(section, base)?.policy()
    }
}

/// A `[virtualize]` setting such as `stdout = "deny"`.
fn choice<T: std::str::FromStr<Err = String>>(
    value: &Option<String>,
    key: &str,
) -> Result<Option<T>, Error> {
    value
        .as_deref()
        .map(|v| {
            v.parse()
                .map_err(|e| invalid(&format!("[virtualize] {key}"), e))
        })
        .transpose()
}

fn env_name_error(name: &str) -> String {
    format!(
        "`{}` is not an environment variable's name: a name is not empty and holds no `=` or NUL",
        name.escape_debug()
    )
}

/// `PATTERN=STATUS[:FILE]`: split at the first `=` that a status of
/// three digits follows, since a pattern's path may hold `=`.
fn parse_mock(text: &str) -> Result<crate::HttpMock, String> {
    let usage = "expected PATTERN=STATUS[:FILE], such as `https://api.example.com/v1/*=503`";
    let (pattern, response) = text
        .match_indices('=')
        .map(|(at, _)| (&text[..at], &text[at + 1..]))
        .find(|(_, response)| {
            let digits = response.bytes().take_while(u8::is_ascii_digit).count();
            digits == 3 && matches!(response.as_bytes().get(3), None | Some(b':'))
        })
        .ok_or(usage)?;
    let (status, file) = match response.split_once(':') {
        Some((status, file)) => (status, Some(file)),
        None => (response, None),
    };
    let status: u16 = status.parse().map_err(|_| usage)?;
    if !(100..=599).contains(&status) {
        return Err(format!("{status} is not an HTTP status (100 to 599)"));
    }
    if let Some(file) = file {
        return Err(format!(
            "a body from a file (`{file}`) is not supported yet: weld's generated functions are lifted sync, and writing a body stream after `send` returns needs one lifted async with a callback, which weld does not generate yet; a mock answers with its status and an empty body"
        ));
    }
    Ok(crate::HttpMock {
        pattern: pattern.parse()?,
        status,
    })
}

fn rule(target: &str, action: Action) -> Rule {
    Rule {
        target: target.to_owned(),
        action,
    }
}

/// `IFACE#FUNC=VALUE` (or `GUEST=HOSTDIR`) into its two sides.
fn split_value<'a>(arg: &'a str, flag: &str, form: &str) -> Result<(&'a str, &'a str), Error> {
    let function = form.starts_with("IFACE#");
    match arg.split_once('=') {
        Some((left, right))
            if !left.is_empty() && !right.is_empty() && (!function || left.contains('#')) =>
        {
            Ok((left, right))
        }
        _ => Err(invalid(
            &format!("{flag} `{arg}`"),
            format!("expected {form}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_names_are_checked() {
        let policy = |env: &str| {
            Settings {
                env: vec![env.to_owned()],
                ..Settings::default()
            }
            .policy()
        };
        assert!(policy("=x").is_err());
        assert!(policy("A\0=x").is_err());
        assert!(policy("A=b=c").is_ok());
    }
}
