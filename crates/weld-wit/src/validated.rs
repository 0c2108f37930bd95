//! A record of the inputs weld has validated in full, so that composing or
//! virtualising the same 18 MB app again does not validate its function
//! bodies again: most of the cost, as compiling is for `weld run`, whose
//! compiled code wasmtime and weld cache the same way.
//!
//! An entry is an empty file named by the BLAKE3 hash of weld's version and
//! the bytes, written only once they validated. BLAKE3, a cryptographic
//! hash (so no input can pass for another), hashes the 18 MB app in 2 ms
//! where SHA-256 took 9. Like any cache of weld's, the
//! directory is trusted: whoever can write to it could make weld skip a
//! validation, as they could hand wasmtime compiled code.

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
        if entry.is_file() {
            return Ok(());
        }
        wasm::validate(path, bytes)?;
        let _ = std::fs::create_dir_all(dir).and_then(|()| std::fs::File::create(&entry));
        Ok(())
    }
}

/// The entry's name: what was validated, and by which weld (whose
/// wasmparser and features decide what is valid).
fn key(bytes: &[u8]) -> String {
    let mut hash = blake3::Hasher::new();
    hash.update(concat!("weld ", env!("CARGO_PKG_VERSION"), " validated\0").as_bytes());
    hash.update(bytes);
    hash.finalize().to_hex().to_string()
}
