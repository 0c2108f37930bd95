//! Input and output shared by every subcommand: `-` means stdin or stdout,
//! and files are written atomically so that a failed command leaves no
//! partial file behind and never replaces a good one.

use anyhow::{Context, Result, bail};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use weld_registry::{Reference, Registry, Settings};
use weld_wit::wasm::Bytes;

/// How an input path is named in messages.
pub fn input_name(path: &Path) -> PathBuf {
    if is_stdio(path) {
        PathBuf::from("<stdin>")
    } else {
        path.to_owned()
    }
}

/// How registries are reached, from the global flags.
static SETTINGS: OnceLock<Settings> = OnceLock::new();

/// The registry client, made when the first reference is read.
static REGISTRY: OnceLock<Registry> = OnceLock::new();

/// Sets how registries are reached (`--offline`, `--insecure`), once,
/// before any input is read.
pub fn set_registry_settings(settings: Settings) {
    let _ = SETTINGS.set(settings);
}

/// The registry client.
pub fn registry() -> Result<&'static Registry> {
    if let Some(registry) = REGISTRY.get() {
        return Ok(registry);
    }
    let settings = SETTINGS.get().cloned().unwrap_or_default();
    let _ = REGISTRY.set(Registry::new(settings)?);
    Ok(REGISTRY.get().expect("just set"))
}

/// The registry reference `path` is, if it is one (`oci://…`).
pub fn reference(path: &Path) -> Result<Option<Reference>> {
    match path.to_str() {
        Some(text) if Reference::is_reference(text) => Ok(Some(Reference::parse(text)?)),
        _ => Ok(None),
    }
}

/// The component a reference names, from weld's cache or its registry.
pub fn pull(
    reference: &Reference,
    locked: Option<weld_registry::Locked<'_>>,
) -> Result<weld_registry::Pulled> {
    let progress = crate::progress::Transfer::on_stderr();
    Ok(registry()?.pull(reference, locked, progress)?)
}

/// The component `value` names when it is a registry reference, by its
/// tag or digest (no lockfile): a [`weld_wit::wasm::Fetch`] for files that
/// name components, such as test specs.
pub fn fetch(value: &str) -> Option<std::result::Result<Bytes, String>> {
    if !Reference::is_reference(value) {
        return None;
    }
    let fetched = || -> Result<Bytes> { Ok(pull(&Reference::parse(value)?, None)?.bytes) };
    Some(fetched().map_err(|e| one_line(&e)))
}

/// An error and its causes on one line, to be shown inside another error.
fn one_line(error: &anyhow::Error) -> String {
    error
        .chain()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
}

/// Reads a file, stdin for `-`, or a component from a registry.
pub fn read(path: &Path) -> Result<Vec<u8>> {
    if let Some(reference) = reference(path)? {
        return Ok(pull(&reference, None)?.bytes.into_vec());
    }
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

/// Reads WebAssembly binary or text from a file, stdin or a registry, as a
/// binary.
pub fn read_wasm(path: &Path) -> Result<Bytes> {
    let bytes = if let Some(reference) = reference(path)? {
        pull(&reference, None)?.bytes
    } else if is_stdio(path) {
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

    /// A new version of a file this command read on purpose, such as
    /// `weld.lock`: exempt from the rule that no output is an input.
    pub fn update(&mut self, path: &Path, text: &str) -> Result<()> {
        let mut staged = Staged::create_updating(path, true)?;
        staged
            .temporary
            .file
            .write_all(text.as_bytes())
            .with_context(|| staged.context())?;
        self.staged.push(staged);
        Ok(())
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
            .write_to(staged.temporary.file.as_file_mut())
            .with_context(|| staged.context())?;
        let file = staged.temporary.file.as_file();
        let meta = file.metadata().with_context(|| staged.context())?;
        let written = weld_wit::wasm::map_opened(staged.temporary.file.path(), file, &meta)
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
    temporary: weld_wit::temporary::Temporary,
    path: PathBuf,
}

/// Writes `bytes` to a temporary file beside `path`, or beside the file
/// the symbolic links at `path` lead to, which is what gets replaced.
pub fn stage(path: &Path, bytes: &[u8]) -> Result<Staged> {
    let mut staged = Staged::create(path)?;
    staged
        .temporary
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

impl Staged {
    /// An empty temporary file beside `path` (or what it links to).
    pub fn create(path: &Path) -> Result<Staged> {
        Staged::create_updating(path, false)
    }

    /// As `create`; `updating` allows `path` to be one of the inputs.
    fn create_updating(path: &Path, updating: bool) -> Result<Staged> {
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
            && !updating
            && weld_wit::files::is_input(&meta)
        {
            bail!(
                "refusing to write `{}`: it is an input of this command; write the output elsewhere",
                path.display()
            );
        }
        let temporary = weld_wit::temporary::create(dir)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
        Ok(Staged { temporary, path })
    }

    fn context(&self) -> String {
        format!("cannot write `{}`", self.path.display())
    }

    /// A handle to write the temporary file through while it is staged.
    pub fn writer(&self) -> Result<std::fs::File> {
        self.temporary
            .file
            .as_file()
            .try_clone()
            .with_context(|| self.context())
    }

    fn sync(&self) -> Result<()> {
        self.temporary
            .file
            .as_file()
            .sync_all()
            .with_context(|| self.context())
    }

    pub fn commit(self) -> Result<()> {
        self.temporary
            .file
            .persist(&self.path)
            .map_err(|e| e.error)
            .with_context(|| format!("cannot write `{}`", self.path.display()))?;
        Ok(())
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

/// What `weld.lock` is to a command reading a manifest.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum LockUse {
    /// Locked digests are used; new resolutions are recorded (compose).
    Follow,
    /// Every tag is resolved afresh and recorded (`--update`).
    Update,
    /// Locked digests are used, and a reference the lock lacks is an
    /// error (`--locked`, as cargo's).
    Locked,
}

/// A manifest whose registry components were fetched, and the lock as
/// they leave it.
pub struct LoadedManifest {
    pub manifest: weld_link::Manifest,
    pub lock: weld_registry::lock::Lock,
    /// Whether the lock differs from the file (to be written).
    pub lock_changed: bool,
}

/// Reads a manifest, fetching its `oci://` components through
/// `weld.lock` beside it.
pub fn load_manifest(path: &Path, lock_use: LockUse) -> Result<LoadedManifest> {
    let mut lock = weld_registry::lock::Lock::beside(path)?;
    let before = lock.to_text();
    let mut used = Vec::new();
    let mut fetch = |value: &str| -> Option<std::result::Result<Bytes, String>> {
        if !Reference::is_reference(value) {
            return None;
        }
        let fetched = (|| -> Result<Bytes> {
            let reference = Reference::parse(value)?;
            used.push(reference.clone());
            if reference.digest.is_some() {
                return Ok(pull(&reference, None)?.bytes);
            }
            let locked = lock
                .get(&reference)
                .filter(|_| lock_use != LockUse::Update)
                .cloned();
            if locked.is_none() && lock_use == LockUse::Locked {
                bail!(
                    "`{}` has no entry in `{}`, and --locked forbids adding one",
                    reference,
                    lock.path.display()
                );
            }
            let pulled = match &locked {
                Some(digest) => pull(
                    &reference,
                    Some(weld_registry::Locked {
                        digest,
                        lock: &lock.path,
                    }),
                )?,
                None => pull(&reference, None)?,
            };
            lock.set(&reference, pulled.digest);
            Ok(pulled.bytes)
        })();
        Some(fetched.map_err(|e| one_line(&e)))
    };
    let manifest = weld_link::Manifest::load_with(path, &mut fetch)?;
    lock.retain(&used);
    let exists = lock.path.exists();
    let lock_changed = lock.to_text() != before && (exists || !lock.is_empty());
    if lock_changed && lock_use == LockUse::Locked {
        bail!(
            "`{}` needs updating, and --locked forbids changing it",
            lock.path.display()
        );
    }
    Ok(LoadedManifest {
        manifest,
        lock,
        lock_changed,
    })
}
