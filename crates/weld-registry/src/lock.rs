//! `weld.lock`: the digest each registry reference of a manifest resolved
//! to, so that the same manifest composes the same bytes on every machine.
//!
//! It sits beside `weld.toml`, and reads like `Cargo.lock`:
//!
//! ```toml
//! # Written by weld compose; `weld compose --update` moves it on.
//! version = 1
//!
//! [[component]]
//! reference = "oci://127.0.0.1:5000/my/c-processor:1.0"
//! digest = "sha256:…"
//! ```
//!
//! An entry is keyed by the reference without a digest, as written in the
//! manifest: a tag re-pushed later does not change what the manifest
//! composes until its user asks (`--update`), and a reference pinned in the
//! manifest (`@sha256:…`) needs no entry. Entries are sorted, so the file
//! changes only where a resolution did.

use crate::{Digest, Error, Reference};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The lockfile's name, beside the manifest.
pub const FILE_NAME: &str = "weld.lock";

/// The format this weld reads and writes.
const VERSION: u32 = 1;

/// What a lockfile says, and where it is.
#[derive(Debug, Clone)]
pub struct Lock {
    pub path: PathBuf,
    entries: BTreeMap<Reference, Digest>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    #[serde(default, rename = "component")]
    components: Vec<Entry>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    reference: String,
    digest: String,
}

impl Lock {
    /// The lock beside `manifest`: read if it exists, else empty.
    pub fn beside(manifest: &Path) -> Result<Lock, Error> {
        let path = manifest.parent().unwrap_or(Path::new(".")).join(FILE_NAME);
        let bad = |message: String| Error::Lock {
            path: path.clone(),
            message,
        };
        let text = match std::fs::symlink_metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Lock {
                    path,
                    entries: BTreeMap::new(),
                });
            }
            _ => weld_wit::files::read_regular(&path, 16 << 20).map_err(|e| bad(e.to_string()))?,
        };
        let text = String::from_utf8(text).map_err(|_| bad("it is not UTF-8".into()))?;
        let file: File = toml::from_str(&text).map_err(|e| bad(e.to_string()))?;
        if file.version != VERSION {
            return Err(bad(format!(
                "it is version {}, and this weld reads version {VERSION}",
                file.version
            )));
        }
        let mut entries = BTreeMap::new();
        for entry in file.components {
            let reference = Reference::parse(&entry.reference).map_err(|e| bad(e.to_string()))?;
            if reference.digest.is_some() {
                return Err(bad(format!(
                    "`{}` is pinned already; the lock keys references by tag",
                    entry.reference
                )));
            }
            let digest = Digest::parse(&entry.digest)
                .map_err(|message| bad(format!("`{}`: {message}", entry.digest)))?;
            if entries.insert(reference, digest).is_some() {
                return Err(bad(format!("`{}` is locked twice", entry.reference)));
            }
        }
        Ok(Lock { path, entries })
    }

    /// The digest `reference` is locked to, if any.
    pub fn get(&self, reference: &Reference) -> Option<&Digest> {
        self.entries.get(&reference.unpinned())
    }

    /// Records what `reference` resolved to.
    pub fn set(&mut self, reference: &Reference, digest: Digest) {
        self.entries.insert(reference.unpinned(), digest);
    }

    /// Keeps only the entries of `used`: a component dropped from the
    /// manifest leaves the lock with it.
    pub fn retain(&mut self, used: &[Reference]) {
        let used: std::collections::BTreeSet<_> = used.iter().map(Reference::unpinned).collect();
        self.entries.retain(|reference, _| used.contains(reference));
    }

    /// Whether the lock records nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The file's text.
    pub fn to_text(&self) -> String {
        let file = File {
            version: VERSION,
            components: self
                .entries
                .iter()
                .map(|(reference, digest)| Entry {
                    reference: reference.to_string(),
                    digest: digest.to_string(),
                })
                .collect(),
        };
        format!(
            "# Written by weld compose; `weld compose --update` moves it on.\n{}",
            toml::to_string(&file).expect("a lock serialises")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = dir.path().join("weld.toml");
        let mut lock = Lock::beside(&manifest).unwrap();
        assert!(lock.is_empty());
        let digest = Digest::parse(&format!("sha256:{}", "a".repeat(64))).unwrap();
        let reference = Reference::parse("oci://127.0.0.1:5000/my/app:1.0").unwrap();
        lock.set(&reference.pinned(&digest), digest.clone());
        std::fs::write(&lock.path, lock.to_text()).unwrap();
        let again = Lock::beside(&manifest).unwrap();
        assert_eq!(again.get(&reference), Some(&digest));
        assert_eq!(again.to_text(), lock.to_text());
        for bad in [
            "version = 2\n",
            "version = 1\n[[component]]\nreference = \"x\"\ndigest = \"sha256:00\"\n",
            "version = 1\nextra = 1\n",
            "not toml",
        ] {
            std::fs::write(&lock.path, bad).unwrap();
            let error = Lock::beside(&manifest).unwrap_err().to_string();
            assert!(error.starts_with("cannot use the lockfile"), "{error}");
        }
    }
}
