//! Reading input files that may be hostile.
//!
//! Every file weld reads by name comes through here, so that the rules hold
//! in one place: only regular files are read (a FIFO would block weld
//! forever, `/dev/zero` would fill memory), each kind of input has a size
//! cap, and a file that is not one is named in the error. Files are opened
//! non-blocking: opening a FIFO for reading otherwise waits for a writer
//! before weld can even look at what it opened.

use crate::{Error, Result};
use std::fs::{File, Metadata};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// The most text weld reads from one file: WIT, a policy, a manifest, a
/// test spec. Real ones are kilobytes.
pub const MAX_TEXT: u64 = 64 << 20;
/// The most weld reads from one WebAssembly file. The largest real
/// components are tens of megabytes (componentize-py's are 18 MB).
pub const MAX_WASM: u64 = 2 << 30;

/// Opens `path` for reading if it is a regular file (after following
/// links), returning it with its metadata.
pub fn open_regular(path: &Path) -> Result<(File, Metadata)> {
    let failed = |source| Error::Read {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(failed)?;
    let meta = file.metadata().map_err(failed)?;
    if !meta.is_file() {
        return Err(not_regular(path, &meta));
    }
    INPUTS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(FileId::of(&meta));
    Ok((file, meta))
}

/// A file's identity: two paths name one file when these agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileId {
    dev: u64,
    ino: u64,
}

impl FileId {
    pub fn of(meta: &Metadata) -> FileId {
        use std::os::unix::fs::MetadataExt;
        FileId {
            dev: meta.dev(),
            ino: meta.ino(),
        }
    }
}

/// Every file this process has opened through [`open_regular`]: a
/// command's inputs, so that it can refuse to write over one of them.
static INPUTS: std::sync::Mutex<Vec<FileId>> = std::sync::Mutex::new(Vec::new());

/// Whether the file `meta` describes was read as an input.
pub fn is_input(meta: &Metadata) -> bool {
    let id = FileId::of(meta);
    INPUTS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .contains(&id)
}

/// Reads a whole regular file of at most `limit` bytes.
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let (file, meta) = open_regular(path)?;
    read_opened(path, file, meta.len(), limit)
}

/// Reads an opened regular file of `len` bytes (as it was when opened), at
/// most `limit` of them: a file that grows while it is read is cut off at
/// the limit rather than read without end.
pub fn read_opened(path: &Path, file: File, len: u64, limit: u64) -> Result<Vec<u8>> {
    if len > limit {
        return Err(too_large(path, len, limit));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| Error::Read {
            path: path.to_owned(),
            source,
        })?;
    if bytes.len() as u64 > limit {
        return Err(too_large(path, bytes.len() as u64, limit));
    }
    Ok(bytes)
}

/// Reads a regular file as UTF-8 text of at most [`MAX_TEXT`] bytes.
pub fn read_text(path: &Path) -> Result<String> {
    String::from_utf8(read_regular(path, MAX_TEXT)?).map_err(|_| Error::NotText {
        path: path.to_owned(),
    })
}

fn too_large(path: &Path, size: u64, limit: u64) -> Error {
    Error::TooLarge {
        path: path.to_owned(),
        size,
        limit,
    }
}

/// The error for a file that is there but is not a regular file.
pub fn not_regular(path: &Path, meta: &Metadata) -> Error {
    let kind = meta.file_type();
    let kind = if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else {
        "not a regular file"
    };
    Error::NotRegular {
        path: path.to_owned(),
        kind,
    }
}

/// What a component read from `path` is called where a name is made from
/// its source (an instance, a node of a graph): the file stem, or for a
/// registry reference (`oci://HOST/my/c-processor:1.0@sha256:…`) the
/// repository's last part, without the tag or digest that a file stem
/// would leave half of.
pub fn source_stem(path: &Path) -> Option<std::borrow::Cow<'_, str>> {
    if let Some(reference) = path.to_str().and_then(|text| text.strip_prefix("oci://")) {
        let name = reference.split('@').next().unwrap_or(reference);
        let last = name.rsplit('/').next().unwrap_or(name);
        let stem = last.split(':').next().unwrap_or(last);
        return (!stem.is_empty()).then_some(std::borrow::Cow::Borrowed(stem));
    }
    path.file_stem().map(|stem| stem.to_string_lossy())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_regular_file() {
        for (path, kind) in [("/dev/zero", "a character device"), ("/", "a directory")] {
            match read_regular(Path::new(path), MAX_TEXT) {
                Err(Error::NotRegular { kind: found, .. }) => assert_eq!(found, kind),
                other => panic!("{path}: {other:?}"),
            }
        }
    }

    #[test]
    fn opens_a_fifo_without_waiting_for_a_writer() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("f.wit");
        let name = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
        assert!(matches!(
            read_regular(&fifo, MAX_TEXT),
            Err(Error::NotRegular { kind: "a FIFO", .. })
        ));
    }

    #[test]
    fn caps_the_size() {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), [0; 10]).unwrap();
        assert!(matches!(
            read_regular(file.path(), 9),
            Err(Error::TooLarge {
                size: 10,
                limit: 9,
                ..
            })
        ));
        assert_eq!(read_regular(file.path(), 10).unwrap().len(), 10);
    }
}
