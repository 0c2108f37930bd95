//! Outgoing HTTP grants: `[METHOD ]SCHEME://HOST[:PORT][/PATH]` with `*`
//! for any part, in the style of Spin's `allowed_outbound_hosts`; a path
//! is a glob (`/v1/*`). `weld run --allow-http`
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
    /// `GET`: compared exactly, as HTTP methods are.
    method: Option<String>,
    scheme: SchemePattern,
    host: HostPattern,
    port: PortPattern,
    /// A glob over the path and query (`/v1/*`).
    path: Option<String>,
}

/// One outgoing request, as grants judge it.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub method: &'a str,
    pub https: bool,
    /// As the authority writes it.
    pub host: &'a str,
    pub port: u16,
    /// The path and query, `/` if none.
    pub path: &'a str,
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
        method: None,
        scheme: SchemePattern::Any,
        host: HostPattern::Any,
        port: PortPattern::Any,
        path: None,
    };

    /// Whether this grant lets `request` through. A grant with a path
    /// lets through no path with dot segments or an encoded dot, which a
    /// server could read as another path.
    pub fn allows(&self, request: &Request<'_>) -> bool {
        let Request {
            method,
            https,
            host,
            port,
            path,
        } = *request;
        let method = self.method.as_ref().is_none_or(|m| m == method);
        let path = match &self.path {
            None => true,
            Some(glob) => plain_path(path) && glob_matches(glob.as_bytes(), path.as_bytes()),
        };
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
        method && scheme && host && port && path
    }

    /// The grant as globs over `METHOD SCHEME://HOST:PORT PATH`, the form
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
                let method = self.method.as_deref().unwrap_or("*");
                let path = self.path.as_deref().unwrap_or("*");
                format!("{method} {}://{host}:{port} {path}", scheme_name(https))
            })
            .collect()
    }
}

fn scheme_name(https: bool) -> &'static str {
    if https { "https" } else { "http" }
}

/// A request as [`HttpGrant::globs`] match it: `METHOD SCHEME://HOST:PORT
/// PATH`, the host in lower case without a trailing dot, the port always
/// written. Generated code writes the same (`canon.wat` in weld-virt).
pub fn canonical(request: &Request<'_>) -> String {
    format!(
        "{} {}://{}:{} {}",
        request.method,
        scheme_name(request.https),
        normal_host(request.host),
        request.port,
        request.path
    )
}

/// Whether a path names itself only: no `.` or `..` segment, no `%2e`
/// (an encoded dot), no `\\`, and only printable ASCII, so that a server
/// cannot read it as a path a grant does not cover.
pub fn plain_path(path: &str) -> bool {
    let segments = path.split(['?', '#']).next().unwrap_or("");
    path.starts_with('/')
        && path
            .bytes()
            .all(|b| (0x21..0x7f).contains(&b) && b != b'\\')
        && !path.to_ascii_lowercase().contains("%2e")
        && !segments
            .split('/')
            .any(|segment| segment == "." || segment == "..")
}

/// `*` any run of bytes; everything else itself.
fn glob_matches(glob: &[u8], text: &[u8]) -> bool {
    match glob.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|i| glob_matches(rest, &text[i..])),
        Some((c, rest)) => text.first() == Some(c) && glob_matches(rest, &text[1..]),
    }
}

/// An HTTP method: a token of RFC 9110.
fn is_method(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
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
                "`{text}` is not an HTTP grant: {why}; write [METHOD ]SCHEME://HOST[:PORT][/PATH], \
                 with `*` for any part (`http://127.0.0.1:*`, `https://*.example.com`, \
                 `GET https://api.example.com/v1/*`, `*`)"
            )
        };
        if text == "*" {
            return Ok(HttpGrant::ANY);
        }
        let (method, text_rest) = match text.split_once(' ') {
            Some((method, rest)) if is_method(method) && !method.contains("://") => {
                (Some(method.to_owned()), rest.trim_start())
            }
            Some(_) => return Err(usage("only a method goes before the scheme, then a space")),
            None => (None, text),
        };
        let (scheme, rest) = text_rest
            .split_once("://")
            .ok_or_else(|| usage("it has no `://`"))?;
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "*" => SchemePattern::Any,
            "http" => SchemePattern::Http,
            "https" => SchemePattern::Https,
            _ => return Err(usage("the scheme is `http`, `https` or `*`")),
        };
        let (rest, path) = match rest.find('/') {
            Some(i) => (&rest[..i], Some(&rest[i..])),
            None => (rest, None),
        };
        if let Some(path) = path
            && !plain_path(&path.replace('*', "x"))
        {
            return Err(usage(
                "a path is printable ASCII, without `.` or `..` segments or `%2e`",
            ));
        }
        if rest.contains(['?', '#', '@']) {
            return Err(usage(
                "a grant names a host and port, not a query or a user",
            ));
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
        Ok(HttpGrant {
            method,
            scheme,
            host,
            port,
            path: path.map(str::to_owned),
        })
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
        if let Some(method) = &self.method {
            write!(f, "{method} ")?;
        }
        write!(f, "{scheme}://")?;
        match &self.host {
            HostPattern::Any => f.write_str("*")?,
            HostPattern::Exact(host) => f.write_str(host)?,
            HostPattern::Subdomains(suffix) => write!(f, "*{suffix}")?,
        }
        match self.port {
            PortPattern::Any => f.write_str(":*")?,
            PortPattern::Default => {}
            PortPattern::Exact(port) => write!(f, ":{port}")?,
        }
        f.write_str(self.path.as_deref().unwrap_or(""))
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
        let path = rest.find('/').map_or("/", |i| &rest[i..]);
        grant.allows(&Request {
            method: "GET",
            https,
            host,
            port,
            path,
        })
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
        assert_eq!(globs("http://127.0.0.1:*"), ["* http://127.0.0.1:* *"]);
        assert_eq!(
            globs("*://*.Example.com."),
            [
                "* http://*.example.com:80 *",
                "* https://*.example.com:443 *"
            ]
        );
        assert_eq!(
            globs("GET https://api.example.com/v1/*"),
            ["GET https://api.example.com:443 /v1/*"]
        );
        let request = Request {
            method: "GET",
            https: true,
            host: "API.example.com.",
            port: 443,
            path: "/v1/x",
        };
        assert_eq!(canonical(&request), "GET https://api.example.com:443 /v1/x");
    }

    #[test]
    fn methods_and_paths() {
        assert!(allows(
            "GET https://api.example.com/v1/*",
            "https://api.example.com/v1/x?y"
        ));
        assert!(!allows(
            "POST https://api.example.com/v1/*",
            "https://api.example.com/v1/x"
        ));
        assert!(!allows(
            "GET https://api.example.com/v1/*",
            "https://api.example.com/v2/x"
        ));
        for sneaky in [
            "/v1/../admin",
            "/v1/%2E%2E/admin",
            "/v1/./x",
            "/v1/..",
            "/v1/a\\b",
        ] {
            let uri = format!("https://api.example.com{sneaky}");
            assert!(!allows("https://api.example.com/v1/*", &uri), "{sneaky}");
        }
        assert!(allows(
            "https://api.example.com/v1/*",
            "https://api.example.com/v1/a..b"
        ));
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
            "http://x/../y",
            "http://u@x",
            "G T http://x",
        ] {
            assert!(bad.parse::<HttpGrant>().is_err(), "{bad}");
        }
        for good in [
            "*",
            "http://127.0.0.1:*",
            "https://*.example.com",
            "*://*:8080",
            "GET https://api.example.com/v1/*",
        ] {
            assert_eq!(good.parse::<HttpGrant>().unwrap().to_string(), good);
        }
    }
}
