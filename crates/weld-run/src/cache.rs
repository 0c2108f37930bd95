//! The on-disk cache of compiled components.
//!
//! An entry is keyed by the component's SHA-256 and wasmtime's own hash of
//! everything compiled code depends on (its version, target, compiler flags
//! and engine settings), so a change of any of them is a miss. Each entry starts with the SHA-256 of what
//! follows: a truncated or corrupted entry fails that check and is compiled
//! again, never loaded.
//!
//! Loading an entry runs its native code, so the checksum only guards
//! against damage, not against an attacker: an entry is loaded only if it
//! and the cache directory are owned by the user running weld and writable
//! by no one else (`weld_wit::validated::trusted`), and weld makes the
//! directory private (0700). Whoever can write there can already run code
//! as that user.

use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;
use weld_wit::validated::{create_private_dir, trusted, trusted_dir};

/// Where compiled components are kept.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

/// What happened when a component was looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheStatus {
    /// Loaded from the cache: nothing was compiled.
    Hit,
    /// Compiled and stored.
    Miss,
    /// An entry existed but was damaged or unusable; compiled and replaced.
    Replaced,
    /// The directory or the entry is not this user's alone, so it was
    /// neither read nor written; compiled.
    Untrusted,
    /// Compiled with the cache turned off.
    Disabled,
}

impl Cache {
    pub fn new(dir: PathBuf) -> Self {
        Cache { dir }
    }

    /// weld's cache directory (`weld_wit::validated::cache_dir`).
    pub fn default_dir() -> Option<PathBuf> {
        weld_wit::validated::cache_dir()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The entry file for `wasm` under `engine`'s settings.
    pub fn entry_path(&self, engine: &Engine, wasm: &[u8]) -> PathBuf {
        let mut settings = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut settings);
        let digest = Sha256::digest(wasm);
        self.dir
            .join(format!("{}-{:016x}.cwasm", hex(&digest), settings.finish()))
    }

    /// Loads `wasm` compiled from the cache, or compiles and stores it.
    /// `compile` is called only when compiling is needed, so the caller can
    /// show progress. Failing to write the cache is not an error: the
    /// component still runs.
    pub fn load(
        &self,
        engine: &Engine,
        wasm: &[u8],
        compile: impl FnOnce() -> wasmtime::Result<Component>,
    ) -> wasmtime::Result<(Component, CacheStatus)> {
        let path = self.entry_path(engine, wasm);
        if self.dir.exists() && !trusted_dir(&self.dir) {
            return Ok((compile()?, CacheStatus::Untrusted));
        }
        let status = match read_trusted(&path) {
            // Replaced below, by a rename in a directory that is ours.
            Ok(None) => CacheStatus::Untrusted,
            Ok(Some(entry)) => match verified_payload(&entry) {
                // Safety: the payload is exactly what `Component::serialize`
                // wrote for this engine configuration (the checksum proves it
                // is unchanged), and wasmtime checks its header and version.
                Some(payload) => match unsafe { Component::deserialize(engine, payload) } {
                    Ok(component) => return Ok((component, CacheStatus::Hit)),
                    Err(_) => CacheStatus::Replaced,
                },
                None => CacheStatus::Replaced,
            },
            Err(_) => CacheStatus::Miss,
        };
        let component = compile()?;
        if let Ok(serialized) = component.serialize() {
            let _ = write_entry(&path, &serialized);
        }
        Ok((component, status))
    }
}

/// Reads an entry if it is a regular file (not a link) that this user
/// alone may write; `None` for one that is there but is not.
fn read_trusted(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let opened = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path);
    let mut file = match opened {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(e),
        Err(_) => return Ok(None),
    };
    let meta = file.metadata()?;
    if !meta.is_file() || !trusted(&meta) {
        return Ok(None);
    }
    let mut entry = Vec::with_capacity(meta.len() as usize);
    file.read_to_end(&mut entry)?;
    Ok(Some(entry))
}

fn verified_payload(entry: &[u8]) -> Option<&[u8]> {
    if entry.len() < 32 {
        return None;
    }
    let (checksum, payload) = entry.split_at(32);
    (Sha256::digest(payload).as_slice() == checksum).then_some(payload)
}

fn write_entry(path: &Path, serialized: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().expect("entries live in the cache directory");
    create_private_dir(dir)?;
    if !trusted_dir(dir) {
        return Ok(());
    }
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(&Sha256::digest(serialized))?;
    file.write_all(serialized)?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
