//! WASI presets: the rules behind `--env`, `--clock-fixed`, `--deny-fs`,
//! `--stdout` and the like, and what `--deny-all` puts in place of each
//! WASI interface it denies (an empty environment, a clock at the epoch, a
//! generator seeded with 0, failing streams...), so that a runtime that
//! fetches them at start-up still starts. They name interfaces without a
//! version, so they fit whichever WASI 0.2.x the component imports, and
//! come before the user's own rules, which override them.

use crate::{Action, Object, Rule};
use std::path::PathBuf;

/// The WASI presets asked for.
#[derive(Debug, Clone, Default)]
pub struct Wasi {
    /// A fixed environment, arguments and working directory; what is not
    /// given comes from the host.
    pub env: Vec<(String, String)>,
    /// Globs over names: the host's variables that pass (`--allow-env`),
    /// beside `env`. Empty: all of the host's, or none when `env` is set.
    pub allow_env: Vec<String>,
    /// Outgoing HTTP requests allowed, checked inside the component
    /// (`--allow-http`); empty, all that the host allows.
    pub allow_http: Vec<weld_wit::http::HttpGrant>,
    /// No outgoing HTTP at all (`--deny-http`).
    pub deny_http: bool,
    /// Mock upstreams (`--http-response`): answered inside the component.
    pub http_responses: Vec<crate::HttpMock>,
    /// The host's preopened directories under these guest paths pass,
    /// checked inside the component (`--allow-fs`); empty, all of them.
    pub allow_fs: Vec<weld_wit::access::PathGrant>,
    pub args: Vec<String>,
    pub cwd: Option<String>,
    /// A frozen wall clock, as seconds and nanoseconds since the epoch; the
    /// monotonic clock then starts at 1 ns and moves on only by what the
    /// program waits, which takes no time.
    pub clock_fixed: Option<(u64, u32)>,
    pub deny_fs: bool,
    pub deny_net: bool,
    /// A deterministic generator in place of the host's randomness.
    pub random_seed: Option<u64>,
    /// Host directories embedded read-only, and where the guest finds them.
    pub mounts: Vec<(String, PathBuf)>,
    /// weld's own streams in place of the host's stdin, stdout, stderr.
    pub stdin: Option<Object>,
    pub stdout: Option<Object>,
    pub stderr: Option<Object>,
}

fn rule(target: &str, action: Action) -> Rule {
    Rule {
        target: target.to_owned(),
        action,
    }
}

/// How a WASI 0.3 stream the presets deny is refused: `pipe`, the error
/// of a closed stream.
fn refused() -> Action {
    Action::Deny {
        case: Some("pipe".to_owned()),
    }
}

fn constant(target: &str, value: String) -> Rule {
    rule(target, Action::Const(value))
}

impl Wasi {
    /// The rules of the presets, for the interfaces the component imports
    /// (`imported` tells whether it imports one) and those `--deny-all`
    /// denies (`denied`).
    pub fn rules(
        &self,
        imported: impl Fn(&str) -> bool,
        denied: impl Fn(&str) -> bool,
    ) -> Vec<Rule> {
        let mut rules = Vec::new();
        let environment = "wasi:cli/environment";
        let fixed = denied(environment);
        if imported(environment) {
            if !self.allow_env.is_empty() {
                rules.push(rule(
                    &format!("{environment}#get-environment"),
                    Action::FilterEnv(crate::EnvFilter {
                        globs: self.allow_env.clone(),
                        fixed: self.env.clone(),
                    }),
                ));
            } else if !self.env.is_empty() || fixed {
                let env: Vec<String> = self
                    .env
                    .iter()
                    .map(|(k, v)| format!("({}, {})", wave_string(k), wave_string(v)))
                    .collect();
                rules.push(constant(
                    &format!("{environment}#get-environment"),
                    format!("[{}]", env.join(", ")),
                ));
            }
            if !self.args.is_empty() || fixed {
                let args: Vec<String> = self.args.iter().map(|a| wave_string(a)).collect();
                rules.push(constant(
                    &format!("{environment}#get-arguments"),
                    format!("[{}]", args.join(", ")),
                ));
            }
            match &self.cwd {
                Some(cwd) => rules.push(constant(
                    &format!("{environment}#initial-cwd"),
                    format!("some({})", wave_string(cwd)),
                )),
                None if fixed => rules.push(constant(
                    &format!("{environment}#initial-cwd"),
                    "none".into(),
                )),
                None => {}
            }
        }
        let wall = "wasi:clocks/wall-clock";
        // WASI 0.3's wall clock.
        let system = "wasi:clocks/system-clock";
        let monotonic = "wasi:clocks/monotonic-clock";
        let clock = self
            .clock_fixed
            .or_else(|| (denied(wall) || denied(system) || denied(monotonic)).then_some((0, 0)));
        if let Some((seconds, nanoseconds)) = clock {
            let now = format!("{{seconds: {seconds}, nanoseconds: {nanoseconds}}}");
            if imported(wall) {
                rules.push(constant(&format!("{wall}#now"), now.clone()));
                rules.push(constant(
                    &format!("{wall}#resolution"),
                    "{seconds: 0, nanoseconds: 1}".to_owned(),
                ));
            }
            if imported(system) {
                rules.push(constant(&format!("{system}#now"), now));
                rules.push(constant(
                    &format!("{system}#get-resolution"),
                    "1".to_owned(),
                ));
            }
            if imported(monotonic) {
                // 0.3's waits (`wait-for`, `wait-until`) complete at once,
                // moving the clock on.
                rules.push(rule(monotonic, Action::VirtualTime));
                rules.push(constant(&format!("{monotonic}#resolution"), "1".to_owned()));
                rules.push(constant(
                    &format!("{monotonic}#get-resolution"),
                    "1".to_owned(),
                ));
            }
        }
        for (stream, interface, function, terminal) in [
            (
                self.stdin,
                "wasi:cli/stdin",
                "get-stdin",
                "wasi:cli/terminal-stdin#get-terminal-stdin",
            ),
            (
                self.stdout,
                "wasi:cli/stdout",
                "get-stdout",
                "wasi:cli/terminal-stdout#get-terminal-stdout",
            ),
            (
                self.stderr,
                "wasi:cli/stderr",
                "get-stderr",
                "wasi:cli/terminal-stderr#get-terminal-stderr",
            ),
        ] {
            let stream = stream.or_else(|| denied(interface).then_some(Object::Failing));
            if let Some(stream) = stream.filter(|_| imported(interface)) {
                rules.push(rule(
                    &format!("{interface}#{function}"),
                    Action::Object(stream),
                ));
                // WASI 0.3 passes a stream to the host instead, which a
                // virtual function can only refuse: it cannot read it after
                // it returns, so `ignore` refuses too (rather than let
                // the bytes through). An empty stdin is a stream that ends.
                let (streamed, action) = match (interface, stream) {
                    ("wasi:cli/stdin", Object::Empty) => {
                        ("read-via-stream", Action::Object(stream))
                    }
                    ("wasi:cli/stdin", _) => ("read-via-stream", refused()),
                    (_, _) => ("write-via-stream", refused()),
                };
                rules.push(rule(&format!("{interface}#{streamed}"), action));
                // weld's streams are no terminal.
                if imported(terminal.split_once('#').map_or(terminal, |(i, _)| i)) {
                    rules.push(constant(terminal, "none".to_owned()));
                }
            }
        }
        let seed = self.random_seed.or_else(|| {
            [
                "wasi:random/random",
                "wasi:random/insecure",
                "wasi:random/insecure-seed",
            ]
            .iter()
            .any(|i| denied(i))
            .then_some(0)
        });
        if let Some(seed) = seed {
            for (interface, functions) in [
                ("wasi:random/random", ["get-random-bytes", "get-random-u64"]),
                (
                    "wasi:random/insecure",
                    ["get-insecure-random-bytes", "get-insecure-random-u64"],
                ),
            ] {
                if imported(interface) {
                    for function in functions {
                        rules.push(rule(
                            &format!("{interface}#{function}"),
                            Action::Random(seed),
                        ));
                    }
                }
            }
            if imported("wasi:random/insecure-seed") {
                // 0.2 calls it `insecure-seed`, 0.3 `get-insecure-seed`.
                for function in ["insecure-seed", "get-insecure-seed"] {
                    rules.push(constant(
                        &format!("wasi:random/insecure-seed#{function}"),
                        format!("({seed}, {})", !seed),
                    ));
                }
            }
        }
        if self.deny_fs || denied("wasi:filesystem/types") || denied("wasi:filesystem/preopens") {
            if imported("wasi:filesystem/preopens") {
                rules.push(constant(
                    "wasi:filesystem/preopens#get-directories",
                    "[]".to_owned(),
                ));
            }
            if imported("wasi:filesystem/types") {
                rules.push(rule(
                    "wasi:filesystem/types",
                    Action::Deny {
                        case: Some("access".to_owned()),
                    },
                ));
            }
        }
        // After `--deny-fs`: the mounts are the only directories.
        if !self.mounts.is_empty() && imported("wasi:filesystem/preopens") {
            rules.push(rule(
                "wasi:filesystem/preopens#get-directories",
                Action::Mounts,
            ));
        }
        // After `--deny-fs` and `--deny-all`: grants refine them.
        if !self.allow_fs.is_empty() {
            if imported("wasi:filesystem/preopens") {
                // The longest prefix first: the grant that matches first is
                // the most specific.
                let mut grants = self.allow_fs.clone();
                grants.sort_by_key(|grant| std::cmp::Reverse(grant.prefix.len()));
                rules.push(rule(
                    "wasi:filesystem/preopens#get-directories",
                    Action::FilterDirs(grants),
                ));
            }
            if imported("wasi:filesystem/types") {
                rules.push(rule(
                    "wasi:filesystem/types",
                    Action::GuardFs {
                        read_only: self.allow_fs.iter().any(|grant| grant.read_only),
                    },
                ));
            }
        }
        // `wasi:http/client` is 0.3's outgoing-handler.
        let http = [
            ("wasi:http/outgoing-handler", "HTTP-request-denied"),
            ("wasi:http/client", "HTTP-request-denied"),
        ];
        let net = self.deny_net
            || denied("wasi:sockets/network")
            || denied("wasi:http/outgoing-handler")
            || denied("wasi:http/client");
        let sockets = [("wasi:sockets/*", "access-denied")];
        let refused = match (net, self.deny_http) {
            (true, _) => [&sockets[..], &http[..]].concat(),
            (false, true) => http.to_vec(),
            (false, false) => Vec::new(),
        };
        for (interface, case) in refused {
            if imported(interface) {
                rules.push(rule(
                    interface,
                    Action::Deny {
                        case: Some(case.to_owned()),
                    },
                ));
            }
        }
        // Last, so that grants refine `--deny-all` and `--deny-net`.
        for (interface, send) in [
            ("wasi:http/outgoing-handler", "handle"),
            ("wasi:http/client", "send"),
        ] {
            if !self.allow_http.is_empty() && imported(interface) {
                rules.push(rule(
                    &format!("{interface}#{send}"),
                    Action::CheckHttp(self.allow_http.clone()),
                ));
            }
            // Mocks first, then the rules above for the rest.
            if !self.http_responses.is_empty() && imported(interface) {
                let otherwise = match (self.allow_http.is_empty(), net || self.deny_http) {
                    (false, _) => crate::Unmocked::Check(self.allow_http.clone()),
                    (true, true) => crate::Unmocked::Deny,
                    (true, false) => crate::Unmocked::Forward,
                };
                rules.push(rule(
                    &format!("{interface}#{send}"),
                    Action::MockHttp(crate::MockHttp {
                        mocks: self.http_responses.clone(),
                        otherwise,
                    }),
                ));
            }
        }
        rules
    }
}

/// A string in WAVE syntax.
fn wave_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Seconds and nanoseconds since the epoch of an RFC 3339 time, such as
/// `2024-01-01T00:00:00Z` or `2024-01-01T12:30:00.5+02:00`.
pub fn parse_rfc3339(text: &str) -> Result<(u64, u32), String> {
    let bad = || format!("`{text}` is not an RFC 3339 time such as 2024-01-01T00:00:00Z");
    let number = |s: &str| -> Result<i64, String> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        s.parse().map_err(|_| bad())
    };
    let (date, time) = text.split_once(['T', 't', ' ']).ok_or_else(bad)?;
    let mut date_parts = date.splitn(3, '-');
    // RFC 3339 writes every field with a fixed number of digits.
    let digits = |s: &str, count: usize| {
        if s.len() == count {
            number(s)
        } else {
            Err(bad())
        }
    };
    let (year, month, day) = (
        digits(date_parts.next().ok_or_else(bad)?, 4)?,
        digits(date_parts.next().ok_or_else(bad)?, 2)?,
        digits(date_parts.next().ok_or_else(bad)?, 2)?,
    );
    let (clock, offset) = if let Some(clock) = time.strip_suffix(['Z', 'z']) {
        (clock, 0)
    } else {
        let at = time.rfind(['+', '-']).ok_or_else(bad)?;
        let (clock, zone) = time.split_at(at);
        let (hours, minutes) = zone[1..].split_once(':').ok_or_else(bad)?;
        let (hours, minutes) = (digits(hours, 2)?, digits(minutes, 2)?);
        if hours > 23 || minutes > 59 {
            return Err(bad());
        }
        let offset = (hours * 60 + minutes) * 60;
        (
            clock,
            if zone.starts_with('-') {
                -offset
            } else {
                offset
            },
        )
    };
    let (clock, fraction) = clock.split_once('.').unwrap_or((clock, ""));
    let mut clock_parts = clock.splitn(3, ':');
    let (hour, minute, second) = (
        digits(clock_parts.next().ok_or_else(bad)?, 2)?,
        digits(clock_parts.next().ok_or_else(bad)?, 2)?,
        digits(clock_parts.next().ok_or_else(bad)?, 2)?,
    );
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if !(1..=12).contains(&month)
        || !(1..=days_in_month).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
        || fraction.len() > 9
    {
        return Err(bad());
    }
    let nanoseconds = if fraction.is_empty() {
        0
    } else {
        number(fraction)? * 10i64.pow(9 - fraction.len() as u32)
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    let seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset;
    let seconds = u64::try_from(seconds).map_err(|_| format!("`{text}` is before 1970"))?;
    Ok((seconds, nanoseconds as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Ok((0, 0)));
        assert_eq!(parse_rfc3339("2024-01-01T00:00:00Z"), Ok((1704067200, 0)));
        assert_eq!(
            parse_rfc3339("2024-01-01T02:00:00.25+02:00"),
            Ok((1704067200, 250_000_000))
        );
        assert!(parse_rfc3339("2024-13-01T00:00:00Z").is_err());
        assert!(parse_rfc3339("yesterday").is_err());
        for impossible in [
            "2024-02-30T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-04-31T00:00:00Z",
            "2024-01-01T00:00:00+25:00",
            "2024-01-01T00:00:00+02:60",
            "12024-01-01T00:00:00Z",
            "2024-1-01T00:00:00Z",
        ] {
            assert!(parse_rfc3339(impossible).is_err(), "{impossible}");
        }
        assert!(parse_rfc3339("2024-02-29T00:00:00Z").is_ok());
    }

    #[test]
    fn strings() {
        assert_eq!(wave_string("a\"b\\c\n"), r#""a\"b\\c\n""#);
    }
}
