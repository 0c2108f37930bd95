//! Blobs cached by digest, and what tags last resolved to.
//!
//! The cache lives in `registry/` under weld's cache directory
//! (`$WELD_CACHE_DIR`, else `$XDG_CACHE_HOME/weld`, else `~/.cache/weld`):
//! - `blobs/sha256/HEX`: a manifest or a component, named by its digest;
//! - `tags/HEX`: the digest a reference's tag last resolved to, under the
//!   sha256 of the reference, for `--offline`.
//!
//! What it trusts, and why that is enough: a blob is written to a
//! temporary file, checked against its digest and only then renamed into
//! place; and it is hashed again every time it is read, so a blob changed
//! on disk since is an error rather than an input. (That costs about a
//! hundredth of a second for an 18 MB component, against the tenth a
//! compile-cache hit saves.) Like the compile cache, the directory is made
//! 0700, and entries not owned by the user or writable by others are
//! ignored: the digest check makes a foreign blob harmless, but a foreign
//! tag entry could still steer an `--offline` run to another cached
//! component.

use crate::{Digest, Error, Reference};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use weld_wit::temporary::Temporary;
use weld_wit::validated::{create_private_dir, trusted, trusted_dir};
use weld_wit::wasm::Bytes;

/// The registry part of weld's cache.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

/// A tag's resolution, as kept in `tags/`.
#[derive(Serialize, Deserialize)]
struct TagEntry {
    reference: String,
    digest: String,
}

impl Cache {
    /// The cache under weld's cache directory, or under `dir` if given.
    pub fn new(dir: Option<PathBuf>) -> Result<Cache, Error> {
        let dir = dir
            .or_else(weld_wit::validated::cache_dir)
            .ok_or_else(|| Error::Cache {
                path: PathBuf::from("~/.cache/weld"),
                source: std::io::Error::other(
                    "neither WELD_CACHE_DIR, XDG_CACHE_HOME nor HOME is set",
                ),
            })?;
        Ok(Cache {
            dir: dir.join("registry"),
        })
    }

    fn blob_dir(&self) -> PathBuf {
        self.dir.join("blobs").join("sha256")
    }

    fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.blob_dir().join(digest.hex())
    }

    fn tag_path(&self, reference: &Reference) -> PathBuf {
        let key = Digest::of(reference.unpinned().to_string().as_bytes());
        self.dir.join("tags").join(key.hex())
    }

    /// The blob of `digest`, if the cache holds it whole and unchanged.
    pub fn blob(&self, digest: &Digest) -> Option<Bytes> {
        let path = self.blob_path(digest);
        let meta = std::fs::symlink_metadata(&path).ok()?;
        if !meta.is_file() || !trusted(&meta) || !trusted_dir(&self.blob_dir()) {
            return None;
        }
        let bytes = weld_wit::wasm::map_file(&path).ok()?;
        (Digest::of(&bytes) == *digest).then_some(bytes)
    }

    /// A temporary file among the blobs, to be filled and then `commit`ted.
    pub fn begin_blob(&self) -> Result<Temporary, Error> {
        let dir = self.blob_dir();
        let failed = |source| Error::Cache {
            path: dir.clone(),
            source,
        };
        create_private_dir(&dir).map_err(failed)?;
        if !trusted_dir(&dir) {
            return Err(failed(std::io::Error::other(
                "it is not owned by you, or others may write to it",
            )));
        }
        weld_wit::temporary::create(&dir).map_err(failed)
    }

    /// Puts a filled temporary file in place as the blob of `digest`,
    /// which the caller has checked it is.
    pub fn commit_blob(&self, temporary: Temporary, digest: &Digest) -> Result<Bytes, Error> {
        let path = self.blob_path(digest);
        let failed = |source| Error::Cache {
            path: path.clone(),
            source,
        };
        temporary.file.as_file().sync_all().map_err(failed)?;
        temporary.file.persist(&path).map_err(|e| failed(e.error))?;
        weld_wit::wasm::map_file(&path).map_err(|e| failed(std::io::Error::other(e.to_string())))
    }

    /// Caches a small blob (a manifest) already in memory.
    pub fn put_blob(&self, bytes: &[u8]) -> Result<Digest, Error> {
        let digest = Digest::of(bytes);
        let mut temporary = self.begin_blob()?;
        temporary
            .file
            .write_all(bytes)
            .map_err(|source| Error::Cache {
                path: self.blob_dir(),
                source,
            })?;
        self.commit_blob(temporary, &digest)?;
        Ok(digest)
    }

    /// What `reference`'s tag resolved to when it was last asked.
    pub fn tag(&self, reference: &Reference) -> Option<Digest> {
        let path = self.tag_path(reference);
        let meta = std::fs::symlink_metadata(&path).ok()?;
        if !meta.is_file() || !trusted(&meta) || !trusted_dir(&self.dir.join("tags")) {
            return None;
        }
        let text = weld_wit::files::read_regular(&path, 4096).ok()?;
        let entry: TagEntry = serde_json::from_slice(&text).ok()?;
        // The key is a hash; the entry names its reference in full, so a
        // collision (or a moved file) cannot answer for another.
        (entry.reference == reference.unpinned().to_string())
            .then(|| Digest::parse(&entry.digest).ok())
            .flatten()
    }

    /// Records that `reference`'s tag resolved to `digest`. A failure to
    /// record only costs a later `--offline` run, so it is not an error.
    pub fn set_tag(&self, reference: &Reference, digest: &Digest) {
        let path = self.tag_path(reference);
        let Some(dir) = path.parent() else { return };
        if create_private_dir(dir).is_err() || !trusted_dir(dir) {
            return;
        }
        let entry = TagEntry {
            reference: reference.unpinned().to_string(),
            digest: digest.to_string(),
        };
        let Ok(mut temporary) = weld_wit::temporary::create(dir) else {
            return;
        };
        let json = serde_json::to_vec(&entry).expect("a tag entry serialises");
        if temporary.file.write_all(&json).is_ok() {
            let _ = temporary.file.persist(&path);
        }
    }

    /// The cache directory, for messages.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}
