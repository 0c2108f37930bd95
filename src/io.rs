//! Input and output shared by every subcommand: `-` means stdin or stdout,
//! and files are written atomically so that a failed command leaves no
//! partial file behind and never replaces a good one.

use anyhow::{Context, Result, bail};
use std::io::{IsTerminal, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use weld_wit::wasm::Bytes;

/// How an input path is named in messages.
pub fn input_name(path: &Path) -> PathBuf {
    if is_stdio(path) {
        PathBuf::from("<stdin>")
    } else {
        path.to_owned()
    }
}

/// Reads a file, or stdin for `-`.
pub fn read(path: &Path) -> Result<Vec<u8>> {
    if is_stdio(path) {
        let limit = weld_wit::files::MAX_WASM;
        let mut bytes = Vec::new();
        std::io::stdin()
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .context("cannot read stdin")?;
        if bytes.len() as u64 > limit {
            bail!("stdin holds more than the {limit} bytes weld reads from it");
        }
        return Ok(bytes);
    }
    Ok(weld_wit::wasm::read_file(path)?)
}

/// Reads WebAssembly binary or text from a file or stdin, as a binary.
pub fn read_wasm(path: &Path) -> Result<Bytes> {
    let bytes = if is_stdio(path) {
        read(path)?.into()
    } else {
        weld_wit::wasm::map_file(path)?
    };
    Ok(weld_wit::wasm::to_binary(&input_name(path), bytes)?)
}

/// Writes text to a file, or to stdout when no file is given.
pub fn write_text(output: Option<&Path>, text: &str) -> Result<()> {
    let mut outputs = Outputs::default();
    outputs.text(output, text)?;
    outputs.commit()
}

/// Writes a binary to a file, or to stdout unless stdout is a terminal.
pub fn write_binary(output: Option<&Path>, bytes: &[u8]) -> Result<()> {
    let mut outputs = Outputs::default();
    outputs.binary(output, bytes)?;
    outputs.commit()
}

/// Every output of one command, made ready one by one and written only
/// once all of them are: a command that fails on its second output (a
/// report to `/dev/full`) has not replaced its first. Files are staged
/// beside their destinations and renamed over them at the end; what goes
/// to stdout or into a device or pipe is written first, since that is what
/// can still fail.
#[derive(Default)]
pub struct Outputs {
    in_place: Vec<InPlace>,
    staged: Vec<Staged>,
}

/// Bytes written where they go rather than renamed there.
struct InPlace {
    /// `None` for stdout.
    path: Option<PathBuf>,
    bytes: Vec<u8>,
}

impl Outputs {
    /// Text to a file, or to stdout when no file is given.
    pub fn text(&mut self, output: Option<&Path>, text: &str) -> Result<()> {
        self.bytes(output, text.as_bytes())
    }

    /// A binary to a file, or to stdout unless stdout is a terminal.
    pub fn binary(&mut self, output: Option<&Path>, bytes: &[u8]) -> Result<()> {
        if output.is_none_or(is_stdio) && std::io::stdout().is_terminal() {
            bail!("refusing to write a binary to a terminal; give an output file with -o FILE");
        }
        self.bytes(output, bytes)
    }

    fn bytes(&mut self, output: Option<&Path>, bytes: &[u8]) -> Result<()> {
        match output.filter(|path| !is_stdio(path)) {
            Some(path) if !is_special(path) => self.staged.push(stage(path, bytes)?),
            path => self.in_place.push(InPlace {
                path: path.map(Path::to_owned),
                bytes: bytes.to_owned(),
            }),
        }
        Ok(())
    }

    /// A composed component. A file is written to its temporary name, then
    /// read back and validated while it is synced to disk.
    pub fn component(&mut self, output: Option<&Path>, component: weld_link::Output) -> Result<()> {
        let Some(path) = output.filter(|path| !is_stdio(path) && !is_special(path)) else {
            return self.binary(output, &component.into_bytes()?);
        };
        let mut staged = Staged::create(path)?;
        component
            .write_to(staged.file.as_file_mut())
            .with_context(|| staged.context())?;
        let file = staged.file.as_file();
        let meta = file.metadata().with_context(|| staged.context())?;
        let written = weld_wit::wasm::map_opened(staged.file.path(), file, &meta)
            .with_context(|| staged.context())?;
        let (checked, synced) = std::thread::scope(|scope| {
            let check = scope.spawn(|| component.check(&written));
            let synced = staged.sync();
            (check.join().expect("validation does not panic"), synced)
        });
        checked?;
        synced?;
        self.staged.push(staged);
        Ok(())
    }

    /// Writes everything: stdout and devices first, then the files.
    pub fn commit(self) -> Result<()> {
        for InPlace { path, bytes } in self.in_place {
            match path {
                Some(path) => write_special(&path, &bytes)?,
                None => write_stdout(&bytes)?,
            }
        }
        for staged in self.staged {
            staged.commit()?;
        }
        Ok(())
    }
}

fn write_stdout(bytes: &[u8]) -> Result<()> {
    if STDOUT_CLOSED.load(std::sync::atomic::Ordering::Relaxed) {
        bail!("cannot write to stdout: it is closed");
    }
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .context("cannot write to stdout")
}

/// Set when weld started with stdout closed. Rust's runtime opens
/// `/dev/null` on a closed standard stream before `main` (so that no file
/// weld opens takes its number), which would make writes vanish and weld
/// exit 0 having written nothing; this looks first, from a constructor
/// that runs before the runtime, and weld fails instead.
static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

#[used]
#[unsafe(link_section = ".init_array")]
static CHECK_STDOUT: extern "C" fn() = check_stdout;

extern "C" fn check_stdout() {
    // SAFETY: F_GETFD only asks whether the descriptor is open.
    if unsafe { libc::fcntl(1, libc::F_GETFD) } == -1 {
        STDOUT_CLOSED.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// A file written in full to a temporary name beside its destination; it
/// takes the destination's name on `commit` and vanishes if dropped, or if
/// weld is stopped by a signal first (see [`crate::signals`]).
pub struct Staged {
    file: tempfile::NamedTempFile,
    path: PathBuf,
    _entry: Option<weld_wit::registry::Entry>,
}

/// Writes `bytes` to a temporary file beside `path`, or beside the file
/// the symbolic links at `path` lead to, which is what gets replaced.
pub fn stage(path: &Path, bytes: &[u8]) -> Result<Staged> {
    let mut staged = Staged::create(path)?;
    staged
        .file
        .write_all(bytes)
        .with_context(|| staged.context())?;
    staged.sync()?;
    Ok(staged)
}

/// The most links followed from an output path, as Linux's own limit.
const MAX_LINKS: usize = 40;

/// Where writing to `path` lands: the end of its chain of symbolic links,
/// each relative target taken from the directory of the link naming it.
fn resolve_links(path: &Path) -> Result<PathBuf> {
    let mut path = path.to_owned();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(&path)
                    .with_context(|| format!("cannot write `{}`", path.display()))?;
                path = path.parent().unwrap_or(Path::new("")).join(target);
            }
            _ => return Ok(path),
        }
    }
    bail!(
        "cannot write `{}`: more than {MAX_LINKS} symbolic links lead on from it",
        path.display()
    )
}

/// The prefix of weld's temporary files; the process id follows, so that
/// a later run can tell which were left by a weld that is gone.
const TEMP_PREFIX: &str = ".weld-";

/// Numbers this process's temporary files.
static TEMP_COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl Staged {
    /// An empty temporary file beside `path` (or what it links to).
    pub fn create(path: &Path) -> Result<Staged> {
        let path = resolve_links(path)?;
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        if !dir.is_dir() {
            bail!(
                "cannot write `{}`: directory `{}` does not exist",
                path.display(),
                dir.display()
            );
        }
        if let Ok(meta) = std::fs::metadata(&path)
            && weld_wit::files::is_input(&meta)
        {
            bail!(
                "refusing to write `{}`: it is an input of this command; write the output elsewhere",
                path.display()
            );
        }
        remove_stale_temporaries(dir);
        // The name is entered for the signal handlers before the file is
        // made, so that no moment passes with a file they do not know of.
        let (file, entry) = loop {
            let n = TEMP_COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let temp = dir.join(format!("{TEMP_PREFIX}{}-{n}", std::process::id()));
            let entry = crate::signals::TEMPORARIES.add(&temp, 0, 0);
            let created = std::fs::OpenOptions::new()
                .write(true)
                .read(true)
                .create_new(true)
                .mode(0o644)
                .open(&temp);
            match created {
                Ok(file) => {
                    let temp = tempfile::TempPath::try_from_path(temp)
                        .with_context(|| format!("cannot write `{}`", path.display()))?;
                    break (tempfile::NamedTempFile::from_parts(file, temp), entry);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot write `{}`", path.display()));
                }
            }
        };
        Ok(Staged {
            file,
            path,
            _entry: entry,
        })
    }

    fn context(&self) -> String {
        format!("cannot write `{}`", self.path.display())
    }

    /// A handle to write the temporary file through while it is staged.
    pub fn writer(&self) -> Result<std::fs::File> {
        self.file
            .as_file()
            .try_clone()
            .with_context(|| self.context())
    }

    fn sync(&self) -> Result<()> {
        self.file
            .as_file()
            .sync_all()
            .with_context(|| self.context())
    }

    pub fn commit(self) -> Result<()> {
        self.file
            .persist(&self.path)
            .map_err(|e| e.error)
            .with_context(|| format!("cannot write `{}`", self.path.display()))?;
        Ok(())
    }
}

/// Removes the temporary files in `dir` that a weld killed before it could
/// clean up left (SIGKILL cannot be caught): those named with the id of a
/// process that no longer exists, and owned by this user.
fn remove_stale_temporaries(dir: &Path) {
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
            .and_then(|name| name.strip_prefix(TEMP_PREFIX))
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

/// Where a stream of output written as a command runs (a trace) goes:
/// stdout for `-`; a device or pipe opened in place, as it is (renaming a
/// file over `/dev/full` would replace the device); or a file staged
/// beside its destination, to be committed when the command ends.
pub fn streamed(path: &Path) -> Result<(Box<dyn Write + Send>, Option<Staged>)> {
    if is_stdio(path) {
        return Ok((Box::new(std::io::stdout()), None));
    }
    if is_special(path) {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
        return Ok((Box::new(file), None));
    }
    let staged = Staged::create(path)?;
    let writer = std::io::BufWriter::new(staged.writer()?);
    Ok((Box::new(writer), Some(staged)))
}

/// Whether `path` is a device, a pipe or the like, such as `/dev/stdout`:
/// written in place, since renaming a file over it would replace it.
fn is_special(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

fn write_special(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .and_then(|mut file| file.write_all(bytes))
        .with_context(|| format!("cannot write `{}`", path.display()))
}

fn is_stdio(path: &Path) -> bool {
    path.as_os_str() == "-"
}
