//! Outgoing HTTP as a capability: `wasi:http` is always linked, so that
//! components which import it without calling it (every componentize-js
//! app) run as they are, but a request leaves the host only when an
//! `--allow-http` grant matches it. Anything else fails with the
//! `HTTP-request-denied` error code, which the guest sees as an error
//! value, never as a trap.
//!
//! A grant is `SCHEME://HOST[:PORT]` with `*` for any part, in the style
//! of Spin's `allowed_outbound_hosts`. It matches the request's authority
//! as the guest wrote it: names are never resolved, so `127.0.0.1` does
//! not grant `localhost` and a DNS answer cannot widen a grant.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use wasmtime_wasi_http::{RequestOptions, WasiBody, WasiHttpHooks};

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

    /// Whether this grant lets a request to `uri` through.
    pub fn allows(&self, uri: &http::Uri) -> bool {
        let Some(target) = Target::of(uri) else {
            return false;
        };
        let scheme = match self.scheme {
            SchemePattern::Any => true,
            SchemePattern::Http => !target.https,
            SchemePattern::Https => target.https,
        };
        let host = match &self.host {
            HostPattern::Any => true,
            HostPattern::Exact(host) => *host == target.host,
            HostPattern::Subdomains(suffix) => {
                target.host.len() > suffix.len() && target.host.ends_with(suffix.as_str())
            }
        };
        let port = match self.port {
            PortPattern::Any => true,
            PortPattern::Default => target.port == default_port(target.https),
            PortPattern::Exact(port) => target.port == port,
        };
        scheme && host && port
    }
}

fn default_port(https: bool) -> u16 {
    if https { 443 } else { 80 }
}

/// Where a request goes, as the patterns compare it.
struct Target {
    https: bool,
    host: String,
    port: u16,
}

impl Target {
    fn of(uri: &http::Uri) -> Option<Target> {
        let https = match uri.scheme_str()? {
            "http" => false,
            "https" => true,
            _ => return None,
        };
        let authority = uri.authority()?;
        Some(Target {
            https,
            host: normal_host(authority.host()),
            port: authority.port_u16().unwrap_or(default_port(https)),
        })
    }
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

/// The grants of one store, shared by its `wasi:http` hooks.
#[derive(Debug, Clone, Default)]
pub(crate) struct HttpHooks {
    pub(crate) grants: Arc<[HttpGrant]>,
}

type Io = Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>;
type Sent = Box<
    dyn Future<Output = Result<(http::Response<WasiBody>, Io), wasmtime_wasi_http::Error>> + Send,
>;

impl WasiHttpHooks for HttpHooks {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: Io,
    ) -> Sent {
        if !self.grants.iter().any(|grant| grant.allows(request.uri())) {
            return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
        }
        Box::new(async move {
            use http_body_util::BodyExt;
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((response.map(BodyExt::boxed_unsync), Box::new(io) as Io))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allows(grant: &str, uri: &str) -> bool {
        let grant: HttpGrant = grant.parse().unwrap();
        grant.allows(&uri.parse().unwrap())
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
