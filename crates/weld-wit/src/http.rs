//! Outgoing HTTP grants: `SCHEME://HOST[:PORT]` with `*` for any part, in
//! the style of Spin's `allowed_outbound_hosts`. `weld run --allow-http`
//! checks them in the host (weld-run) and `weld virt --allow-http` in code
//! generated inside the component (weld-virt), so both read them here.
//!
//! A grant matches the request's authority as the guest wrote it: names
//! are never resolved, so `127.0.0.1` does not grant `localhost` and a DNS
//! answer cannot widen a grant.

use std::fmt;
use std::str::FromStr;

/// One `--allow-http` pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpGrant {
    scheme: SchemePattern,
    host: HostPattern,
    port: PortPattern,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SchemePattern {
    Any,
    Http,
    Https,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    Any,
    /// A name or an address, lower case, without a trailing dot; an IPv6
    /// address keeps its brackets, as an authority writes it.
    Exact(String),
    /// `*.example.com`: any name ending in `.example.com` (not
    /// `example.com` itself), held as `.example.com`.
    Subdomains(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PortPattern {
    Any,
    /// No port written: the default port of the request's scheme.
    Default,
    Exact(u16),
}

impl HttpGrant {
    /// A grant of every request (`--allow-http '*'`).
    pub const ANY: HttpGrant = HttpGrant {
        scheme: SchemePattern::Any,
        host: HostPattern::Any,
        port: PortPattern::Any,
    };

    /// Whether this grant lets a request through to `host` (as the
    /// authority writes it) on `port`, over HTTPS or not.
    pub fn allows(&self, https: bool, host: &str, port: u16) -> bool {
        let host = normal_host(host);
        let scheme = match self.scheme {
            SchemePattern::Any => true,
            SchemePattern::Http => !https,
            SchemePattern::Https => https,
        };
        let host = match &self.host {
            HostPattern::Any => true,
            HostPattern::Exact(exact) => *exact == host,
            HostPattern::Subdomains(suffix) => {
                host.len() > suffix.len() && host.ends_with(suffix.as_str())
            }
        };
        let port = match self.port {
            PortPattern::Any => true,
            PortPattern::Default => port == default_port(https),
            PortPattern::Exact(exact) => port == exact,
        };
        scheme && host && port
    }

    /// The grant as globs over `SCHEME://HOST:PORT`, the form
    /// [`canonical`] gives a request (`*` any run of bytes): what code
    /// generated inside a component matches, having refused authorities
    /// in which a `*` could reach past its part (a second `:`, a `/`, an
    /// `@`).
    pub fn globs(&self) -> Vec<String> {
        let schemes: &[bool] = match self.scheme {
            SchemePattern::Any => &[false, true],
            SchemePattern::Http => &[false],
            SchemePattern::Https => &[true],
        };
        let host = match &self.host {
            HostPattern::Any => "*".to_owned(),
            HostPattern::Exact(host) => host.clone(),
            HostPattern::Subdomains(suffix) => format!("*{suffix}"),
        };
        schemes
            .iter()
            .map(|&https| {
                let port = match self.port {
                    PortPattern::Any => "*".to_owned(),
                    PortPattern::Default => default_port(https).to_string(),
                    PortPattern::Exact(port) => port.to_string(),
                };
                format!("{}://{host}:{port}", scheme_name(https))
            })
            .collect()
    }
}

fn scheme_name(https: bool) -> &'static str {
    if https { "https" } else { "http" }
}

/// A request as [`HttpGrant::globs`] match it: `SCHEME://HOST:PORT`, the
/// host in lower case without a trailing dot, the port always written.
pub fn canonical(https: bool, host: &str, port: u16) -> String {
    format!("{}://{}:{port}", scheme_name(https), normal_host(host))
}

/// The port a request without one goes to.
pub fn default_port(https: bool) -> u16 {
    if https { 443 } else { 80 }
}

/// Hosts compare case-insensitively, with a trailing dot ignored.
fn normal_host(host: &str) -> String {
    host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase()
}

impl FromStr for HttpGrant {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let usage = |why: &str| {
            format!(
                "`{text}` is not an HTTP grant: {why}; write SCHEME://HOST[:PORT], with `*` for \
                 any part (`http://127.0.0.1:*`, `https://*.example.com`, `*`)"
            )
        };
        if text == "*" {
            return Ok(HttpGrant::ANY);
        }
        let (scheme, rest) = text
            .split_once("://")
            .ok_or_else(|| usage("it has no `://`"))?;
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "*" => SchemePattern::Any,
            "http" => SchemePattern::Http,
            "https" => SchemePattern::Https,
            _ => return Err(usage("the scheme is `http`, `https` or `*`")),
        };
        if rest.contains(['/', '?', '#', '@']) {
            return Err(usage("a grant names a host and port, not a path or a user"));
        }
        // `[::1]:8080`: the port follows the closing bracket.
        let (host, port) = match rest.rfind(':') {
            Some(i) if !rest[i..].contains(']') => (&rest[..i], Some(&rest[i + 1..])),
            _ => (rest, None),
        };
        let port = match port {
            None => PortPattern::Default,
            Some("*") => PortPattern::Any,
            Some(port) => PortPattern::Exact(
                port.parse()
                    .map_err(|_| usage(&format!("`{port}` is not a port")))?,
            ),
        };
        let host = match normal_host(host) {
            host if host == "*" => HostPattern::Any,
            host if host.is_empty() => return Err(usage("the host is empty")),
            host => match host.strip_prefix('*') {
                Some(suffix) if suffix.starts_with('.') && suffix.len() > 1 => {
                    HostPattern::Subdomains(suffix.to_owned())
                }
                Some(_) => return Err(usage("`*` stands for a whole host or `*.DOMAIN`")),
                None if host.contains('*') => {
                    return Err(usage("`*` stands for a whole host or `*.DOMAIN`"));
                }
                None => HostPattern::Exact(host),
            },
        };
        Ok(HttpGrant { scheme, host, port })
    }
}

impl fmt::Display for HttpGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == HttpGrant::ANY {
            return f.write_str("*");
        }
        let scheme = match self.scheme {
            SchemePattern::Any => "*",
            SchemePattern::Http => "http",
            SchemePattern::Https => "https",
        };
        write!(f, "{scheme}://")?;
        match &self.host {
            HostPattern::Any => f.write_str("*")?,
            HostPattern::Exact(host) => f.write_str(host)?,
            HostPattern::Subdomains(suffix) => write!(f, "*{suffix}")?,
        }
        match self.port {
            PortPattern::Any => f.write_str(":*"),
            PortPattern::Default => Ok(()),
            PortPattern::Exact(port) => write!(f, ":{port}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `uri` is `SCHEME://AUTHORITY/...`.
    fn allows(grant: &str, uri: &str) -> bool {
        let grant: HttpGrant = grant.parse().unwrap();
        let Some((scheme, rest)) = uri.split_once("://") else {
            return false;
        };
        let https = match scheme {
            "http" => false,
            "https" => true,
            _ => return false,
        };
        let authority = rest.split('/').next().unwrap();
        let (host, port) = match authority.rfind(':') {
            Some(i) if !authority[i..].contains(']') => {
                (&authority[..i], authority[i + 1..].parse().unwrap())
            }
            _ => (authority, default_port(https)),
        };
        grant.allows(https, host, port)
    }

    #[test]
    fn grants_match_as_written() {
        assert!(allows("http://127.0.0.1:*", "http://127.0.0.1:8080/x"));
        assert!(allows("http://127.0.0.1:*", "http://127.0.0.1/x"));
        assert!(!allows("http://127.0.0.1:*", "http://localhost:8080/x"));
        assert!(!allows("http://127.0.0.1:*", "https://127.0.0.1:8080/x"));
        assert!(allows(
            "https://*.example.com",
            "https://api.Example.COM./v1"
        ));
        assert!(!allows("https://*.example.com", "https://example.com/"));
        assert!(!allows(
            "https://*.example.com",
            "https://api.example.com:8443/"
        ));
        assert!(!allows(
            "https://*.example.com",
            "https://evil-example.com/"
        ));
        assert!(allows("https://example.com", "https://example.com:443/"));
        assert!(allows("*://example.com", "http://example.com/"));
        assert!(!allows("*://example.com", "http://example.com:443/"));
        assert!(allows("http://[::1]:8080", "http://[::1]:8080/"));
        assert!(allows("*", "https://anything:1/"));
        assert!(!allows("http://*:80", "ftp://x/"));
    }

    #[test]
    fn globs_cover_what_grants_allow() {
        let globs = |grant: &str| grant.parse::<HttpGrant>().unwrap().globs();
        assert_eq!(globs("http://127.0.0.1:*"), ["http://127.0.0.1:*"]);
        assert_eq!(
            globs("*://*.Example.com."),
            ["http://*.example.com:80", "https://*.example.com:443"]
        );
        assert_eq!(
            canonical(true, "API.example.com.", 443),
            "https://api.example.com:443"
        );
    }

    #[test]
    fn malformed_grants() {
        for bad in [
            "example.com",
            "ftp://x",
            "http://",
            "http://x:port",
            "http://x:99999",
            "http://a*.b",
            "http://x/path",
            "http://u@x",
        ] {
            assert!(bad.parse::<HttpGrant>().is_err(), "{bad}");
        }
        for good in [
            "*",
            "http://127.0.0.1:*",
            "https://*.example.com",
            "*://*:8080",
        ] {
            assert_eq!(good.parse::<HttpGrant>().unwrap().to_string(), good);
        }
    }
}
