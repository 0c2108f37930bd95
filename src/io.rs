//! Input and output shared by every subcommand: `-` means stdin or stdout,
//! and files are written atomically so that a failed command leaves no
//! partial file behind and never replaces a good one.

use anyhow::{Context, Result, bail};
use std::io::{IsTerminal, Read, Write};
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
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("cannot read stdin")?;
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
    match output {
        Some(path) if !is_stdio(path) => write_file(path, text.as_bytes()),
        _ => write_stdout(text.as_bytes()),
    }
}

/// Writes a binary to a file, or to stdout unless stdout is a terminal.
pub fn write_binary(output: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match output {
        Some(path) if !is_stdio(path) => write_file(path, bytes),
        _ if std::io::stdout().is_terminal() => {
            bail!("refusing to write a binary to a terminal; give an output file with -o FILE")
        }
        _ => write_stdout(bytes),
    }
}

fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .context("cannot write to stdout")
}

/// Writes through a temporary file in the destination's directory, renamed
/// over the destination only once everything is written.
fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if is_special(path) {
        return write_special(path, bytes);
    }
    stage(path, bytes)?.commit()
}

/// A file written in full to a temporary name beside its destination; it
/// takes the destination's name on `commit` and vanishes if dropped.
pub struct Staged {
    file: tempfile::NamedTempFile,
    path: PathBuf,
}

/// Writes `bytes` to a temporary file beside `path`, or beside the file a
/// symbolic link at `path` points to, which is what gets replaced.
pub fn stage(path: &Path, bytes: &[u8]) -> Result<Staged> {
    let mut staged = Staged::create(path)?;
    staged
        .file
        .write_all(bytes)
        .with_context(|| staged.context())?;
    staged.sync()?;
    Ok(staged)
}

impl Staged {
    /// An empty temporary file beside `path` (or what it links to).
    fn create(path: &Path) -> Result<Staged> {
        let resolved;
        let path = match std::fs::symlink_metadata(path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(path)
                    .with_context(|| format!("cannot write `{}`", path.display()))?;
                resolved = path.parent().unwrap_or(Path::new("")).join(target);
                resolved.as_path()
            }
            _ => path,
        };
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
        // Temporary files are private (0600); outputs get the usual 0644.
        let mut builder = tempfile::Builder::new();
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
        let file = builder
            .prefix(".weld-")
            .tempfile_in(dir)
            // Keep the temporary file's random name out of the message.
            .map_err(|e| std::io::Error::from(e.kind()))
            .with_context(|| format!("cannot write `{}`", path.display()))?;
        Ok(Staged {
            file,
            path: path.to_owned(),
        })
    }

    fn context(&self) -> String {
        format!("cannot write `{}`", self.path.display())
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

/// Writes a composed component. A file is written to its temporary name,
/// then read back and validated while it is synced to disk, and takes its
/// name only if it is valid.
pub fn write_component(output: Option<&Path>, component: weld_link::Output) -> Result<()> {
    let Some(path) = output.filter(|path| !is_stdio(path) && !is_special(path)) else {
        return write_binary(output, &component.into_bytes()?);
    };
    let mut staged = Staged::create(path)?;
    component
        .write_to(staged.file.as_file_mut())
        .with_context(|| staged.context())?;
    let written = weld_wit::wasm::map_opened(staged.file.path(), staged.file.as_file())
        .with_context(|| staged.context())?;
    let (checked, synced) = std::thread::scope(|scope| {
        let check = scope.spawn(|| component.check(&written));
        let synced = staged.sync();
        (check.join().expect("validation does not panic"), synced)
    });
    checked?;
    synced?;
    staged.commit()
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
