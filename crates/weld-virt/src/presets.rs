//! WASI presets: the rules behind `--env`, `--clock-fixed`, `--deny-fs`
//! and `--deny-net`. They name interfaces without a version, so they fit
//! whichever WASI 0.2.x the component imports, and come before the user's
//! own rules, which override them.

use crate::{Action, Rule};

/// The WASI presets asked for.
#[derive(Debug, Clone, Default)]
pub struct Wasi {
    /// A fixed environment, arguments and working directory; what is not
    /// given comes from the host.
    pub env: Vec<(String, String)>,
    pub args: Vec<String>,
    pub cwd: Option<String>,
    /// A frozen wall clock, as seconds and nanoseconds since the epoch; the
    /// monotonic clock then reads 0.
    pub clock_fixed: Option<(u64, u32)>,
    pub deny_fs: bool,
    pub deny_net: bool,
}

fn rule(target: &str, action: Action) -> Rule {
    Rule {
        target: target.to_owned(),
        action,
    }
}

fn constant(target: &str, value: String) -> Rule {
    rule(target, Action::Const(value))
}

impl Wasi {
    /// The rules of the presets, for the interfaces the component imports
    /// (`imported` tells whether it imports one).
    pub fn rules(&self, imported: impl Fn(&str) -> bool) -> Vec<Rule> {
        let mut rules = Vec::new();
        let environment = "wasi:cli/environment";
        if imported(environment) {
            if !self.env.is_empty() {
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
            if !self.args.is_empty() {
                let args: Vec<String> = self.args.iter().map(|a| wave_string(a)).collect();
                rules.push(constant(
                    &format!("{environment}#get-arguments"),
                    format!("[{}]", args.join(", ")),
                ));
            }
            if let Some(cwd) = &self.cwd {
                rules.push(constant(
                    &format!("{environment}#initial-cwd"),
                    format!("some({})", wave_string(cwd)),
                ));
            }
        }
        if let Some((seconds, nanoseconds)) = self.clock_fixed {
            let wall = "wasi:clocks/wall-clock";
            if imported(wall) {
                rules.push(constant(
                    &format!("{wall}#now"),
                    format!("{{seconds: {seconds}, nanoseconds: {nanoseconds}}}"),
                ));
                rules.push(constant(
                    &format!("{wall}#resolution"),
                    "{seconds: 0, nanoseconds: 1}".to_owned(),
                ));
            }
            let monotonic = "wasi:clocks/monotonic-clock";
            if imported(monotonic) {
                // Subscribing needs pollables of weld's own: it traps.
                rules.push(rule(monotonic, Action::Trap));
                rules.push(constant(&format!("{monotonic}#now"), "0".to_owned()));
                rules.push(constant(&format!("{monotonic}#resolution"), "1".to_owned()));
            }
        }
        if self.deny_fs {
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
        if self.deny_net {
            for (interface, case) in [
                ("wasi:sockets/*", "access-denied"),
                ("wasi:http/outgoing-handler", "HTTP-request-denied"),
            ] {
                if imported(interface) {
                    rules.push(rule(
                        interface,
                        Action::Deny {
                            case: Some(case.to_owned()),
                        },
                    ));
                }
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
    let (year, month, day) = (
        number(date_parts.next().ok_or_else(bad)?)?,
        number(date_parts.next().ok_or_else(bad)?)?,
        number(date_parts.next().ok_or_else(bad)?)?,
    );
    let (clock, offset) = if let Some(clock) = time.strip_suffix(['Z', 'z']) {
        (clock, 0)
    } else {
        let at = time.rfind(['+', '-']).ok_or_else(bad)?;
        let (clock, zone) = time.split_at(at);
        let (hours, minutes) = zone[1..].split_once(':').ok_or_else(bad)?;
        let offset = (number(hours)? * 60 + number(minutes)?) * 60;
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
        number(clock_parts.next().ok_or_else(bad)?)?,
        number(clock_parts.next().ok_or_else(bad)?)?,
        number(clock_parts.next().ok_or_else(bad)?)?,
    );
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
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
    }

    #[test]
    fn strings() {
        assert_eq!(wave_string("a\"b\\c\n"), r#""a\"b\\c\n""#);
    }
}
