//! Resource limits shared by `run`, `invoke` and `test`, and the parsers for
//! their flag values (`500ms`, `10MiB`).

use std::fmt;
use std::time::Duration;

/// Limits on one guest execution. `None` means unlimited.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock time, enforced by epoch interruption.
    pub timeout: Option<Duration>,
    /// Units of fuel (roughly, wasm instructions).
    pub fuel: Option<u64>,
    /// Bytes of linear memory and tables, all of the store's together.
    pub max_memory: Option<u64>,
    /// Trap when a growth past `max_memory` is refused, rather than let
    /// `memory.grow` return -1 to the guest.
    pub trap_on_grow_failure: bool,
    /// Bytes of native stack that wasm may use.
    pub max_stack: Option<usize>,
}

/// Which limit stopped a guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Timeout(Duration),
    Fuel(u64),
    Memory { limit: u64, requested: u64 },
    Stack(usize),
}

impl Limit {
    /// The flag that sets this limit, to name it in messages.
    pub fn flag(&self) -> &'static str {
        match self {
            Limit::Timeout(_) => "--timeout",
            Limit::Fuel(_) => "--fuel",
            Limit::Memory { .. } => "--max-memory",
            Limit::Stack(_) => "--max-stack",
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::Timeout(d) => write!(
                f,
                "time limit of {} (--timeout) reached",
                DisplayDuration(*d)
            ),
            Limit::Fuel(n) => write!(f, "all {n} units of fuel (--fuel) used up"),
            Limit::Memory { limit, requested } => write!(
                f,
                "memory limit of {} (--max-memory) exceeded: the guest asked for {} in all",
                DisplaySize(*limit),
                DisplaySize(*requested)
            ),
            Limit::Stack(n) => write!(
                f,
                "wasm stack limit of {} (--max-stack) exceeded",
                DisplaySize(*n as u64)
            ),
        }
    }
}

/// Parses `500ms`, `2s`, `1.5s`, `3m`, `250us`; a bare number is seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as `500ms` or `2s`"))?;
    let seconds = match unit.trim() {
        "" | "s" => value,
        "ms" => value / 1e3,
        "us" | "µs" => value / 1e6,
        "ns" => value / 1e9,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{text}`: use ns, us, ms, s, m or h"
            ));
        }
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("`{text}` is out of range"))
}

/// Parses `10MiB`, `64KiB`, `1GiB`, `100MB`, `4096`; a bare number is bytes.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size such as `10MiB` or `4096`"))?;
    let multiplier: u64 = match unit.trim() {
        "" | "B" => 1,
        "K" | "KiB" => 1 << 10,
        "M" | "MiB" => 1 << 20,
        "G" | "GiB" => 1 << 30,
        "KB" | "kB" => 1_000,
        "MB" => 1_000_000,
        "GB" => 1_000_000_000,
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{text}`: use B, KiB, MiB, GiB, KB, MB or GB"
            ));
        }
    };
    value
        .checked_mul(multiplier)
        .ok_or_else(|| format!("`{text}` is out of range"))
}

/// Parses a `--max-stack` size, which wasmtime needs to be more than 0.
pub fn parse_stack_size(text: &str) -> Result<u64, String> {
    match parse_size(text)? {
        0 => Err(format!(
            "`{text}` is no stack at all; give a size such as `512KiB`"
        )),
        size => Ok(size),
    }
}

/// Sizes in messages: `10 MiB`, `1.5 KiB`, `100 bytes`.
pub struct DisplaySize(pub u64);

impl fmt::Display for DisplaySize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let units = [(1u64 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
        for (size, unit) in units {
            if self.0 >= size {
                let value = self.0 as f64 / size as f64;
                return if value.fract() == 0.0 {
                    write!(f, "{value} {unit}")
                } else {
                    write!(f, "{value:.1} {unit}")
                };
            }
        }
        write!(f, "{} bytes", self.0)
    }
}

/// Durations in messages: `500ms`, `2s`, `1.5s`.
pub struct DisplayDuration(pub Duration);

impl fmt::Display for DisplayDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        if d.subsec_nanos() == 0 {
            write!(f, "{}s", d.as_secs())
        } else if d < Duration::from_secs(1) && d.subsec_nanos().is_multiple_of(1_000_000) {
            write!(f, "{}ms", d.as_millis())
        } else {
            write!(f, "{}s", d.as_secs_f64())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert!(parse_duration("fast").is_err());
        assert!(parse_duration("2 parsecs").is_err());
        assert_eq!(
            DisplayDuration(Duration::from_millis(500)).to_string(),
            "500ms"
        );
        assert_eq!(DisplayDuration(Duration::from_secs(2)).to_string(), "2s");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("10MiB"), Ok(10 << 20));
        assert_eq!(parse_size("64KiB"), Ok(64 << 10));
        assert_eq!(parse_size("100MB"), Ok(100_000_000));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("99999999999999999999GiB").is_err());
        assert_eq!(DisplaySize(10 << 20).to_string(), "10 MiB");
        assert_eq!(DisplaySize(1536).to_string(), "1.5 KiB");
    }
}
