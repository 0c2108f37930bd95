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

#[cfg(test)]
mod tests {
    use super::*;

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
