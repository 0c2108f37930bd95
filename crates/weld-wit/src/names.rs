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
    (unversioned(name), version(name))
}

/// The version of an interface name, if it has one that parses.
pub fn version(name: &str) -> Option<semver::Version> {
    let base = unversioned(name);
    name.get(base.len() + 1..)
        .and_then(|v| semver::Version::parse(v).ok())
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
/// does; as a package name without an interface (`wasi:sockets`, or
/// `wasi:sockets@0.2.12`), naming every interface of the package; or as a
/// glob over its full or unversioned name, where `*` is any run of
/// characters, `?` any one, and `{a,b}` either word (`wasi:{cli,io}/*`).
/// [`check_pattern`] refuses what would match nothing by mistake.
pub fn matches(full: &str, pattern: &str) -> bool {
    if pattern.contains(['*', '?', '{']) {
        return alternatives(pattern)
            .iter()
            .any(|p| glob(p, full) || glob(p, unversioned(full)));
    }
    if pattern.contains(':') && !pattern.contains('/') {
        return package_of(full) == pattern || package_of(unversioned(full)) == pattern;
    }
    names_interface(full, pattern)
}

/// The package part of an interface name, with its version if it has one:
/// `wasi:sockets/tcp@0.2.12` is `wasi:sockets@0.2.12`.
fn package_of(full: &str) -> String {
    let base = unversioned(full);
    let package = base.split_once('/').map_or(base, |(package, _)| package);
    match full.get(base.len()..).filter(|v| !v.is_empty()) {
        Some(version) => format!("{package}{version}"),
        None => package.to_owned(),
    }
}

/// Refuses a pattern that would silently match nothing: one with `[` or
/// `]` (character classes are not globs here), or with braces that are
/// unbalanced, nested or empty.
pub fn check_pattern(pattern: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("`{pattern}` is not a name or glob: {why}"));
    if pattern.is_empty() {
        return bad("it is empty");
    }
    if pattern.contains(['[', ']']) {
        return bad("`[...]` is not supported; use `*`, `?` or `{a,b}`");
    }
    let mut open = false;
    for c in pattern.chars() {
        match c {
            '{' if open => return bad("braces cannot nest"),
            '{' => open = true,
            '}' if !open => return bad("a `}` closes nothing"),
            '}' => open = false,
            _ => {}
        }
    }
    if open {
        return bad("a `{` is not closed");
    }
    if pattern.contains("{}") {
        return bad("`{}` offers no alternative");
    }
    Ok(())
}

/// Whether the glob `pattern` (`*`, `?`, `{a,b}`) matches all of `text`.
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    alternatives(pattern).iter().any(|p| glob(p, text))
}

/// A pattern with its one level of `{a,b}` groups spelt out.
fn alternatives(pattern: &str) -> Vec<String> {
    let Some(open) = pattern.find('{') else {
        return vec![pattern.to_owned()];
    };
    let Some(close) = pattern[open..].find('}').map(|i| open + i) else {
        return vec![pattern.to_owned()];
    };
    let (head, tail) = (&pattern[..open], &pattern[close + 1..]);
    pattern[open + 1..close]
        .split(',')
        .flat_map(|word| alternatives(&format!("{head}{word}{tail}")))
        .collect()
}

/// `*` matches any run of characters, `?` any one character. Matched
/// without backtracking blow-up: the last `*` seen is the only point
/// returned to.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while j < t.len() {
        match p.get(i) {
            Some('*') => {
                star = Some((i, j));
                i += 1;
            }
            Some(&c) if c == '?' || c == t[j] => {
                i += 1;
                j += 1;
            }
            _ => match star {
                Some((si, sj)) => {
                    i = si + 1;
                    j = sj + 1;
                    star = Some((si, sj + 1));
                }
                None => return false,
            },
        }
    }
    p[i..].iter().all(|c| *c == '*')
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
        assert!(glob("wasi:cli/std?ut", "wasi:cli/stdout"));
        assert!(!glob("wasi:cli/std?ut", "wasi:cli/stdinout"));
        assert!(matches("wasi:io/streams@0.2.12", "wasi:{cli,io}/*"));
        assert!(!matches("wasi:http/types@0.2.12", "wasi:{cli,io}/*"));
        // A package name names its interfaces.
        assert!(matches("wasi:sockets/tcp@0.2.12", "wasi:sockets"));
        assert!(matches("wasi:sockets/tcp@0.2.12", "wasi:sockets@0.2.12"));
        assert!(!matches("wasi:sockets/tcp@0.2.12", "wasi:sockets@0.2.0"));
        assert!(!matches("wasi:socketsx/tcp", "wasi:sockets"));
        for bad in [
            "wasi:[a-z]*",
            "wasi:{cli",
            "wasi:cli}",
            "wasi:{{a,b}}",
            "x{}",
            "",
        ] {
            assert!(check_pattern(bad).is_err(), "{bad}");
        }
        assert!(check_pattern("wasi:{cli,io}/*").is_ok());
        // No exponential backtracking.
        assert!(!glob(&"*a".repeat(30), &"a".repeat(29)));
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
