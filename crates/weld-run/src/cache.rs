//! The on-disk cache of compiled components.
//!
//! An entry is keyed by the component's SHA-256 and wasmtime's own hash of
//! everything compiled code depends on (its version, target, compiler flags
//! and engine settings), so a change of any of them is a miss. Each entry starts with the SHA-256 of what
//! follows: a truncated or corrupted entry fails that check and is compiled
//! again, never loaded.

use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;

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
        let status = match std::fs::read(&path) {
            Ok(entry) => match verified_payload(&entry) {
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

fn verified_payload(entry: &[u8]) -> Option<&[u8]> {
    if entry.len() < 32 {
        return None;
    }
    let (checksum, payload) = entry.split_at(32);
    (Sha256::digest(payload).as_slice() == checksum).then_some(payload)
}

fn write_entry(path: &Path, serialized: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().expect("entries live in the cache directory");
    std::fs::create_dir_all(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(&Sha256::digest(serialized))?;
    file.write_all(serialized)?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
