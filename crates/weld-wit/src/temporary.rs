//! Temporary files that no way of stopping weld leaves behind.
//!
//! Whatever weld writes (an output, a blob for its cache) goes first to a
//! temporary file in the directory of its destination and is renamed there
//! once whole. The temporary file's name is entered in [`TEMPORARIES`]
//! before the file is made, so that the binary's SIGTERM, SIGINT and SIGHUP
//! handlers can remove it at any moment; and its name carries the process
//! id, so that whoever next writes to that directory removes what a weld
//! killed by SIGKILL left there.

use crate::registry::{Entry, Registry};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// The temporary files not yet renamed into place, for the signal
/// handlers to remove.
pub static TEMPORARIES: Registry = Registry::new();

/// The prefix of weld's temporary files; the process id follows.
const PREFIX: &str = ".weld-";

/// Numbers this process's temporary files.
static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A temporary file, removed when dropped unless persisted, and known to
/// the signal handlers while it exists.
pub struct Temporary {
    pub file: tempfile::NamedTempFile,
    _entry: Option<Entry>,
}

/// Makes an empty temporary file in `dir`, first removing those that
/// weld processes now gone left there.
pub fn create(dir: &Path) -> std::io::Result<Temporary> {
    remove_stale(dir);
    loop {
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let temp = dir.join(format!("{PREFIX}{}-{n}", std::process::id()));
        let entry = TEMPORARIES.add(&temp, 0, 0);
        let created = std::fs::OpenOptions::new()
            .write(true)
            .read(true)
            .create_new(true)
            .mode(0o644)
            .open(&temp);
        match created {
            Ok(file) => {
                let temp = tempfile::TempPath::try_from_path(temp)?;
                return Ok(Temporary {
                    file: tempfile::NamedTempFile::from_parts(file, temp),
                    _entry: entry,
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Removes the temporary files in `dir` of weld processes that are gone,
/// if they are the current user's.
fn remove_stale(dir: &Path) {
    use std::os::unix::fs::MetadataExt;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    // SAFETY: getuid cannot fail.
    let uid = unsafe { libc::getuid() };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|name| name.strip_prefix(PREFIX))
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<libc::pid_t>().ok())
            .filter(|pid| *pid > 0)
        else {
            continue;
        };
        // SAFETY: signal 0 only asks whether the process exists.
        let gone = unsafe { libc::kill(pid, 0) } == -1
            && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
        let ours = entry
            .metadata()
            .is_ok_and(|meta| meta.is_file() && meta.uid() == uid);
        if gone && ours {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}
