//! The text of grants that end in an access mode: `weld run --dir
//! HOST[::GUEST][:ro|:rw]` and `weld virt --allow-fs PREFIX[:ro|:rw]`.
//!
//! Both read the mode the same way, here, because a mode read loosely
//! grants too much: a mistyped `:RO` taken as part of a path gives a
//! writable directory. The mode is the text after the one `:` that is not
//! escaped, matched exactly; a `:` in a path is written `\:` (and a
//! backslash `\\`).

/// Splits `text` at the first `separator` not preceded by a backslash.
pub fn split_unescaped<'a>(text: &'a str, separator: &str) -> Option<(&'a str, &'a str)> {
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if text[i..].starts_with(separator) {
            return Some((&text[..i], &text[i + separator.len()..]));
        }
    }
    None
}

/// Turns `\:` into `:` and `\\` into `\`; any other escape is an error.
pub fn unescape(text: &str) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(c @ (':' | '\\')) => out.push(c),
            _ => {
                return Err(format!(
                    "`{text}` has a `\\` that escapes neither `:` nor `\\`"
                ));
            }
        }
    }
    Ok(out)
}

/// `text` split into its path and whether its mode is read-only: `PATH`
/// or `PATH:rw` is read-write, `PATH:ro` read-only, and any other mode an
/// error. The path is still escaped.
pub fn split_mode(text: &str) -> Result<(&str, bool), String> {
    let Some((path, mode)) = split_unescaped(text, ":") else {
        return Ok((text, false));
    };
    match mode {
        "rw" => Ok((path, false)),
        "ro" => Ok((path, true)),
        mode if mode.contains(':') => Err("a path holds a `:`".into()),
        mode => Err(format!(
            "`{}` is not an access mode; it is `ro` or `rw`",
            mode.escape_debug()
        )),
    }
}

/// A guest path a virtualised component may reach the host's preopened
/// directories under (`--allow-fs GUEST-PATH-PREFIX[:ro]`), and whether
/// it may only read them. The prefix is absolute and normal (see
/// [`guest_path`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathGrant {
    pub prefix: String,
    pub read_only: bool,
}

impl std::str::FromStr for PathGrant {
    type Err = String;

    fn from_str(text: &str) -> Result<PathGrant, String> {
        let usage = |why: String| {
            format!(
                "`{text}` is not GUEST-PATH-PREFIX[:ro|:rw]: {why} (write a `:` in a path as `\\:`)"
            )
        };
        let (path, read_only) = split_mode(text).map_err(usage)?;
        let prefix = guest_path(&unescape(path).map_err(usage)?).map_err(usage)?;
        // The layer matches prefixes as globs.
        if prefix.contains(['*', '?']) {
            return Err(usage("a prefix holds no `*` or `?`".into()));
        }
        Ok(PathGrant { prefix, read_only })
    }
}

impl std::fmt::Display for PathGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = self.prefix.replace('\\', r"\\").replace(':', r"\:");
        match self.read_only {
            true => write!(f, "{path}:ro"),
            false => write!(f, "{path}"),
        }
    }
}

/// A guest path made absolute and normal: `.` and empty parts dropped,
/// `..` taken back a part. A relative path, or one whose `..` would leave
/// the root, is an error: the guest would see something else than asked.
pub fn guest_path(path: &str) -> Result<String, String> {
    if !path.starts_with('/') {
        return Err(format!("`{path}` is not an absolute guest path"));
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(format!("`{path}` goes above `/`"));
                }
            }
            part if part.contains('\0') => {
                return Err(format!("`{}` holds a NUL", path.escape_debug()));
            }
            part => parts.push(part),
        }
    }
    Ok(format!("/{}", parts.join("/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guest_paths_are_absolute_and_normal() {
        assert_eq!(guest_path("/a/../b/./c/").unwrap(), "/b/c");
        assert_eq!(guest_path("/").unwrap(), "/");
        assert!(guest_path("images").is_err());
        assert!(guest_path("/a/../..").is_err());
    }

    #[test]
    fn path_grants_match_their_mode_exactly() {
        let grant = |text: &str| text.parse::<PathGrant>();
        assert_eq!(
            grant("/data/:ro"),
            Ok(PathGrant {
                prefix: "/data".into(),
                read_only: true
            })
        );
        assert_eq!(grant("/tmp").map(|g| g.read_only), Ok(false));
        assert_eq!(grant("/tmp:rw").map(|g| g.read_only), Ok(false));
        assert_eq!(grant(r"/a\:b:ro").map(|g| g.prefix), Ok("/a:b".into()));
        for bad in [
            "/d:RO",
            "/d:readonly",
            "/d: ro",
            "/d:ro ",
            "/d:x:ro",
            "data",
            "",
            "/..",
            "/a*",
        ] {
            assert!(grant(bad).is_err(), "{bad}");
        }
        assert_eq!(grant(r"/a\:b:ro").unwrap().to_string(), r"/a\:b:ro");
    }
}
