//! `oci://HOST[:PORT]/REPOSITORY[:TAG][@sha256:HEX]`: what a user writes
//! wherever weld takes a component path.
//!
//! The grammar is the OCI distribution spec's, checked here rather than
//! left to the registry, for two reasons: a reference becomes part of a
//! cache key and of `weld.lock`, so it must have one spelling; and a typo
//! should be told apart from a missing tag before any network is touched.
//! The `oci://` scheme is required (a bare `host/repo:tag` is a path to
//! weld, as it is to wasmtime), and a reference with neither tag nor digest
//! means `:latest`, as it does to docker and wkg.

use crate::Error;
use std::fmt;

/// The scheme that marks a component argument as a registry reference.
pub const SCHEME: &str = "oci://";

/// The tag a reference without one means.
const DEFAULT_TAG: &str = "latest";

/// A registry reference, parsed and checked.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Reference {
    /// `host` or `host:port`, as written.
    pub registry: String,
    /// Slash-separated lowercase path components.
    pub repository: String,
    /// The tag, `latest` when none was written and no digest either.
    pub tag: Option<String>,
    /// A pinned manifest digest (`@sha256:…`).
    pub digest: Option<Digest>,
}

/// A `sha256:` digest of 64 lowercase hex digits: the only algorithm the
/// Wasm OCI artifacts in use carry, so the only one weld accepts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Digest(String);

impl Digest {
    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Digest {
        use sha2::Digest as _;
        Digest(format!("sha256:{:x}", sha2::Sha256::digest(bytes)))
    }

    /// The digest a finished sha256 hash stands for.
    pub(crate) fn from_hash(hash: impl fmt::LowerHex) -> Digest {
        Digest(format!("sha256:{hash:x}"))
    }

    /// Parses `sha256:HEX`.
    pub fn parse(text: &str) -> Result<Digest, String> {
        let Some(hex) = text.strip_prefix("sha256:") else {
            return Err(match text.split_once(':') {
                Some((algorithm, _)) => {
                    format!("`{algorithm}` digests are not supported; weld reads `sha256:` ones")
                }
                None => "a digest is `sha256:` and 64 hex digits".into(),
            });
        };
        if hex.len() != 64 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err("a sha256 digest is 64 lowercase hex digits".into());
        }
        Ok(Digest(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The hex digits alone, for file names.
    pub fn hex(&self) -> &str {
        &self.0["sha256:".len()..]
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Reference {
    /// Whether `text` is meant as a registry reference rather than a path.
    pub fn is_reference(text: &str) -> bool {
        text.starts_with(SCHEME)
    }

    /// Parses `oci://…`.
    pub fn parse(text: &str) -> Result<Reference, Error> {
        let bad = |message: String| Error::Reference {
            reference: text.to_owned(),
            message,
        };
        let rest = text
            .strip_prefix(SCHEME)
            .ok_or_else(|| bad(format!("a registry reference starts with `{SCHEME}`")))?;
        let (rest, digest) = match rest.split_once('@') {
            Some((rest, digest)) => (rest, Some(Digest::parse(digest).map_err(bad)?)),
            None => (rest, None),
        };
        let (registry, path) = rest.split_once('/').ok_or_else(|| {
            bad("no repository: write `oci://HOST[:PORT]/REPOSITORY[:TAG]`".into())
        })?;
        check_registry(registry).map_err(bad)?;
        // A tag follows the last `:` after the last `/`.
        let (repository, tag) = match path.rsplit_once(':') {
            Some((repository, tag)) if !tag.contains('/') => (repository, Some(tag)),
            _ => (path, None),
        };
        check_repository(repository).map_err(bad)?;
        if let Some(tag) = tag {
            check_tag(tag).map_err(bad)?;
        }
        let tag = match (tag, &digest) {
            (Some(tag), _) => Some(tag.to_owned()),
            (None, Some(_)) => None,
            (None, None) => Some(DEFAULT_TAG.to_owned()),
        };
        Ok(Reference {
            registry: registry.to_owned(),
            repository: repository.to_owned(),
            tag,
            digest,
        })
    }

    /// The host without its port, to decide whether `--insecure` may apply.
    pub fn host(&self) -> &str {
        if let Some(rest) = self.registry.strip_prefix('[') {
            return rest.split(']').next().unwrap_or(rest);
        }
        self.registry.split(':').next().unwrap_or(&self.registry)
    }

    /// The same reference pinned to `digest`, its tag kept for messages.
    pub fn pinned(&self, digest: &Digest) -> Reference {
        Reference {
            digest: Some(digest.clone()),
            ..self.clone()
        }
    }

    /// The reference without its digest: what a tag resolves from, and
    /// the key of `weld.lock`.
    pub fn unpinned(&self) -> Reference {
        Reference {
            digest: None,
            tag: self.tag.clone().or_else(|| Some(DEFAULT_TAG.to_owned())),
            ..self.clone()
        }
    }

    /// `REPOSITORY:TAG` or `REPOSITORY@DIGEST`, inside the registry.
    pub fn name_in_registry(&self) -> String {
        let mut text = self.repository.clone();
        if let Some(tag) = &self.tag {
            text.push(':');
            text.push_str(tag);
        }
        if let Some(digest) = &self.digest {
            text.push('@');
            text.push_str(digest.as_str());
        }
        text
    }

    /// The last path component: what an instance made from it is called.
    pub fn stem(&self) -> &str {
        self.repository
            .rsplit('/')
            .next()
            .unwrap_or(&self.repository)
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SCHEME}{}/{}", self.registry, self.name_in_registry())
    }
}

fn check_registry(registry: &str) -> Result<(), String> {
    let (host, port) = if let Some(rest) = registry.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| format!("the registry `{registry}` opens `[` without closing it"))?;
        if host.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(format!("`{host}` in brackets is not an IPv6 address"));
        }
        match after {
            "" => (host, None),
            _ => match after.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None => return Err(format!("unexpected `{after}` after `[{host}]`")),
            },
        }
    } else {
        match registry.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (registry, None),
        }
    };
    let label_ok = |label: &str| {
        !label.is_empty()
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if !registry.starts_with('[') && (host.is_empty() || !host.split('.').all(label_ok)) {
        return Err(format!(
            "`{host}` is not a registry host name: letters, digits, `-` and `.`"
        ));
    }
    if let Some(port) = port
        && port.parse::<u16>().map_or(true, |port| port == 0)
    {
        return Err(format!("`{port}` is not a port number (1 to 65535)"));
    }
    Ok(())
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*`
fn check_repository(repository: &str) -> Result<(), String> {
    let component_ok = |part: &str| {
        let bytes = part.as_bytes();
        let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
        if bytes.is_empty() || !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
            return false;
        }
        let mut i = 0;
        while i < bytes.len() {
            if alnum(bytes[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && !alnum(bytes[i]) {
                i += 1;
            }
            let separator = &part[start..i];
            let ok = separator == "."
                || separator == "_"
                || separator == "__"
                || separator.bytes().all(|b| b == b'-');
            if !ok {
                return false;
            }
        }
        true
    };
    if repository.is_empty() {
        return Err("the repository is empty".into());
    }
    if repository.len() > 255 {
        return Err("a repository name is at most 255 characters".into());
    }
    match repository.split('/').find(|part| !component_ok(part)) {
        Some(part) => Err(format!(
            "`{part}` is not a repository path component: lowercase letters and digits, \
             separated by `.`, `_`, `__` or dashes"
        )),
        None => Ok(()),
    }
}

/// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`
fn check_tag(tag: &str) -> Result<(), String> {
    let ok = tag.len() <= 128
        && tag
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        && tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{tag}` is not a tag: up to 128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<String, String> {
        Reference::parse(text)
            .map(|r| {
                format!(
                    "{} | {} | {:?} | {:?}",
                    r.registry,
                    r.repository,
                    r.tag,
                    r.digest.map(|d| d.0)
                )
            })
            .map_err(|e| e.to_string())
    }

    #[test]
    fn references() {
        let digest = format!("sha256:{}", "ab".repeat(32));
        assert_eq!(
            parse("oci://127.0.0.1:5000/my/image-processor:1.0").unwrap(),
            "127.0.0.1:5000 | my/image-processor | Some(\"1.0\") | None"
        );
        assert_eq!(
            parse("oci://ghcr.io/a/b").unwrap(),
            "ghcr.io | a/b | Some(\"latest\") | None"
        );
        assert_eq!(
            parse(&format!("oci://localhost:5000/a@{digest}")).unwrap(),
            format!("localhost:5000 | a | None | Some(\"{digest}\")")
        );
        assert_eq!(
            parse(&format!("oci://[::1]:5000/a:v1@{digest}")).unwrap(),
            format!("[::1]:5000 | a | Some(\"v1\") | Some(\"{digest}\")")
        );
        for bad in [
            "ghcr.io/a/b",
            "oci://ghcr.io",
            "oci://ghcr.io/",
            "oci://ghcr.io/A/b",
            "oci://ghcr.io/a//b",
            "oci://ghcr.io/a/../b",
            "oci://ghcr.io/a:",
            "oci://ghcr.io/a:.x",
            "oci://ghcr.io:0/a",
            "oci://ghcr.io:99999/a",
            "oci://gh cr.io/a",
            "oci://[zz]/a",
            "oci://ghcr.io/a@sha512:00",
            "oci://ghcr.io/a@sha256:AB",
        ] {
            assert!(parse(bad).is_err(), "{bad} was accepted");
        }
        let r = Reference::parse("oci://127.0.0.1:5000/my/proc:1.0").unwrap();
        assert_eq!(r.to_string(), "oci://127.0.0.1:5000/my/proc:1.0");
        assert_eq!(r.host(), "127.0.0.1");
        assert_eq!(r.stem(), "proc");
        let d = Digest::parse(&digest).unwrap();
        assert_eq!(
            r.pinned(&d).to_string(),
            format!("oci://127.0.0.1:5000/my/proc:1.0@{digest}")
        );
        assert_eq!(r.pinned(&d).unpinned(), r);
        assert_eq!(Reference::parse("oci://[::1]/a").unwrap().host(), "::1");
    }
}
