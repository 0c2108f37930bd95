//! A record of the inputs weld has validated in full, so that composing or
//! virtualising the same 18 MB app again does not validate its function
//! bodies again: most of the cost, as compiling is for `weld run`, whose
//! compiled code wasmtime and weld cache the same way.
//!
//! An entry is an empty file named by the BLAKE3 hash of weld's version and
//! the bytes, written only once they validated. BLAKE3, a cryptographic
//! hash (so no input can pass for another), hashes the 18 MB app in 2 ms
//! where SHA-256 took 9.
//!
//! Whoever can write to a cache of weld's could make weld skip a
//! validation, or hand wasmtime compiled code to run. So weld makes its
//! cache directories private (0700), and trusts a directory or an entry
//! only if it is owned by the user running weld and writable by no one
//! else ([`trusted`]); anything else is ignored, never read.

use crate::{Result, wasm};
use std::path::{Path, PathBuf};

/// Where weld keeps what it caches: `$WELD_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/weld`, else `~/.cache/weld`.
pub fn cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("WELD_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    Some(base.join("weld"))
}

/// The record, in a directory; or none, and everything is validated.
#[derive(Debug, Clone, Default)]
pub struct Validated {
    dir: Option<PathBuf>,
}

impl Validated {
    /// A record kept in `validated/` under `cache`, such as `cache_dir()`.
    pub fn in_cache(cache: &Path) -> Validated {
        Validated {
            dir: Some(cache.join("validated")),
        }
    }

    /// Validates `bytes` in full, unless the record says they were; records
    /// them once they are. Failing to record is not an error.
    pub fn validate(&self, path: &Path, bytes: &[u8]) -> Result<()> {
        let Some(dir) = &self.dir else {
            return wasm::validate(path, bytes).map(drop);
        };
        let entry = dir.join(key(bytes));
        let recorded =
            std::fs::symlink_metadata(&entry).is_ok_and(|meta| meta.is_file() && trusted(&meta));
        if recorded && trusted_dir(dir) {
            return Ok(());
        }
        wasm::validate(path, bytes)?;
        if create_private_dir(dir).is_ok() && trusted_dir(dir) {
            let _ = std::fs::File::create(&entry);
        }
        Ok(())
    }
}

/// Creates `dir` and any missing parents, private to this user (0700).
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Whether a cache entry or directory may be trusted: owned by the user
/// running weld, and writable by no one else.
pub fn trusted(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: getuid cannot fail.
    meta.uid() == unsafe { libc::getuid() } && meta.mode() & 0o022 == 0
}

/// Whether `dir` is a directory that may be trusted, as [`trusted`] says.
pub fn trusted_dir(dir: &Path) -> bool {
    std::fs::metadata(dir).is_ok_and(|meta| meta.is_dir() && trusted(&meta))
}

/// The entry's name: what was validated, and by which weld (whose
/// wasmparser and features decide what is valid).
fn key(bytes: &[u8]) -> String {
    let mut hash = blake3::Hasher::new();
    hash.update(concat!("weld ", env!("CARGO_PKG_VERSION"), " validated\0").as_bytes());
    hash.update(bytes);
    hash.finalize().to_hex().to_string()
}
