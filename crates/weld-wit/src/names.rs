//! Interface names as users write them: `my:image-processor/process@1.2.0`
//! in full, without its version, or by its last part (`process`).

/// The name without its `@version`.
pub fn unversioned(name: &str) -> &str {
    name.rsplit_once('@').map_or(name, |(base, _)| base)
}

/// Whether `query` names the interface `full`: in full, without its
/// version, or by its last part.
pub fn names_interface(full: &str, query: &str) -> bool {
    let base = unversioned(full);
    let short = base.rsplit_once('/').map_or(base, |(_, short)| short);
    query == full || query == base || query == short
}

/// An interface name split into its unversioned part and its version.
fn split_version(name: &str) -> (&str, Option<semver::Version>) {
    let base = unversioned(name);
    let version = name
        .get(base.len() + 1..)
        .and_then(|v| semver::Version::parse(v).ok());
    (base, version)
}

/// Why an export cannot fill an import of the same interface, if it cannot.
pub fn version_mismatch(import: &str, export: &str) -> Option<Option<&'static str>> {
    let (import_base, import_version) = split_version(import);
    let (export_base, export_version) = split_version(export);
    if import_base != export_base {
        return None;
    }
    Some(match (import_version, export_version) {
        (None, None) => None,
        (None, Some(_)) => Some("the import has no version"),
        (Some(_), None) => Some("the export has no version"),
        (Some(i), Some(e)) => {
            if i.major != e.major {
                Some("incompatible major version")
            } else if i.major == 0 && i.minor != e.minor {
                Some("incompatible 0.x minor version")
            } else if i.major == 0 && i.minor == 0 && i.patch != e.patch {
                Some("incompatible 0.0.x version")
            } else if e < i {
                Some("older than the import")
            } else {
                None
            }
        }
    })
}

/// Whether `export` satisfies `import`: the same interface at a
/// semver-compatible version no older than the import's.
pub fn fits(import: &str, export: &str) -> bool {
    version_mismatch(import, export) == Some(None)
}

/// Whether `pattern` names the interface `full`: as [`names_interface`]
/// does, or as a glob (`wasi:sockets/*`, `wasi:*@0.2.*`) over its full or
/// unversioned name.
pub fn matches(full: &str, pattern: &str) -> bool {
    if pattern.contains('*') {
        glob(pattern, full) || glob(pattern, unversioned(full))
    } else {
        names_interface(full, pattern)
    }
}

/// `*` matches any run of characters.
fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, rest)) => {
            text.starts_with(head)
                && (head.len()..=text.len())
                    .any(|i| text.is_char_boundary(i) && glob(rest, &text[i..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("wasi:sockets/*", "wasi:sockets/tcp"));
        assert!(glob("wasi:*@0.2.*", "wasi:cli/stdout@0.2.12"));
        assert!(!glob("wasi:sockets/*", "wasi:cli/stdout"));
        assert!(matches("wasi:sockets/tcp@0.2.12", "wasi:sockets/*"));
        assert!(matches("wasi:cli/environment@0.2.12", "environment"));
    }

    #[test]
    fn queries() {
        let full = "my:image-processor/process@1.2.0";
        for query in [full, "my:image-processor/process", "process"] {
            assert!(names_interface(full, query), "{query}");
        }
        for query in [
            "my:image-processor",
            "proc",
            "process@1.2.0",
            "other/process",
        ] {
            assert!(!names_interface(full, query), "{query}");
        }
        assert!(names_interface("wasi:cli/run", "run"));
    }
}
