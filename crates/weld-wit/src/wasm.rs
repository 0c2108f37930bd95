//! Reading WebAssembly input: binary or text, core module or component.

use crate::{Error, Result, files, mapped};
use std::path::Path;
use wasmparser::{
    BinaryReaderError, FuncToValidate, FuncValidatorAllocations, FunctionBody, Validator,
    ValidatorResources, WasmFeatures,
};

/// What a WebAssembly binary holds, told apart by its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WasmKind {
    Module,
    Component,
}

/// Reads a regular file of at most [`files::MAX_WASM`] bytes, naming the
/// file on failure.
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    files::read_regular(path, files::MAX_WASM)
}

/// Where a component named in a file (a manifest, a test spec) comes from
/// when it is not a file: given the name as written, it returns the
/// component if it is one it fetches (a registry reference), or `None` for
/// a path to read. Its error is shown where the name is written.
/// (Registries are a stage of their own, so the crates that read such
/// files ask their caller rather than knowing of them.)
pub type Fetch<'a> = dyn FnMut(&str) -> Option<std::result::Result<Bytes, String>> + 'a;

/// The contents of an input: read into memory, or mapped.
pub enum Bytes {
    Owned(Vec<u8>),
    Mapped(crate::mapped::Mapped),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Owned(bytes) => bytes,
            Bytes::Mapped(map) => map,
        }
    }
}

impl Bytes {
    /// The bytes as a vector, copied only if they are mapped.
    pub fn into_vec(self) -> Vec<u8> {
        match self {
            Bytes::Owned(bytes) => bytes,
            Bytes::Mapped(map) => map.to_vec(),
        }
    }
}

/// Its size, not its contents: a component may be megabytes.
impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bytes({} bytes)", self.len())
    }
}

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl From<Vec<u8>> for Bytes {
    fn from(bytes: Vec<u8>) -> Bytes {
        Bytes::Owned(bytes)
    }
}

/// Files from this size on are mapped rather than read.
const MAP_FROM: u64 = 1 << 20;

/// Reads a file, mapping it into memory if it is a large regular file:
/// the 18 MB of a Python app are then neither copied nor faulted in page
/// by page, which took a sixth of the time of composing it.
pub fn map_file(path: &Path) -> Result<Bytes> {
    let (file, meta) = files::open_regular(path)?;
    map_opened(path, &file, &meta)
}

/// Reads `file`, open at `path` with metadata `meta`, as `map_file` does.
pub fn map_opened(path: &Path, file: &std::fs::File, meta: &std::fs::Metadata) -> Result<Bytes> {
    if !meta.is_file() {
        return Err(files::not_regular(path, meta));
    }
    let read = || {
        // From the start, whatever has been written through `file`.
        let mut file = file.try_clone().map_err(|source| Error::Read {
            path: path.to_owned(),
            source,
        })?;
        std::io::Seek::rewind(&mut file).map_err(|source| Error::Read {
            path: path.to_owned(),
            source,
        })?;
        files::read_opened(path, file, meta.len(), files::MAX_WASM).map(Bytes::Owned)
    };
    if meta.len() < MAP_FROM {
        return read();
    }
    if meta.len() > files::MAX_WASM {
        return Err(Error::TooLarge {
            path: path.to_owned(),
            size: meta.len(),
            limit: files::MAX_WASM,
        });
    }
    // SAFETY: the map is only read. It changes under weld if another
    // program writes to the file meanwhile (as with wasmtime, which maps
    // the files it runs); weld itself never writes a file in place, it
    // renames a new one over it. A file cut short while mapped would raise
    // SIGBUS on the pages past its new end: the map is registered with
    // [`mapped`], so that the binary's handler can name the file and exit
    // with an error instead of dying.
    let map = unsafe { memmap2::MmapOptions::new().populate().map(file) };
    let map = match map {
        Ok(map) => map,
        // Some file systems cannot map files.
        Err(_) => return read(),
    };
    // Truncated between the open and the map: the pages past the end are
    // not there to read.
    let now = file.metadata().map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    if now.len() != meta.len() {
        return Err(Error::Changed {
            path: path.to_owned(),
        });
    }
    Ok(Bytes::Mapped(mapped::Mapped::new(map, path)))
}

/// Turns file contents into a WebAssembly binary: a binary is kept as it is,
/// WebAssembly text (as `wasm-tools` accepts everywhere) is assembled.
pub fn to_binary(path: &Path, bytes: Bytes) -> Result<Bytes> {
    if bytes.is_empty() {
        return Err(Error::Empty {
            path: path.to_owned(),
        });
    }
    match wat::Detect::from_bytes(&bytes) {
        wat::Detect::WasmBinary => Ok(bytes),
        wat::Detect::WasmText => {
            // Detection has seen UTF-8 text up to a `(`.
            let text = String::from_utf8_lossy(&bytes);
            let binary = wat::parse_str(&text).map_err(|mut source| {
                source.set_path(path);
                Error::Wat {
                    path: path.to_owned(),
                    source,
                }
            })?;
            // Validated here, while it is known to be text, so that a fault
            // is placed in the text's terms (see `Error::InvalidText`).
            match validate(path, &binary) {
                Err(Error::Invalid { source, .. }) => Err(Error::InvalidText {
                    path: path.to_owned(),
                    source: crate::error::TextFault {
                        message: source.message().to_owned(),
                        place: function_at(&binary, source.offset()),
                    },
                }),
                _ => Ok(Bytes::Owned(binary)),
            }
        }
        wat::Detect::Unknown => Err(Error::NotWasm {
            path: path.to_owned(),
        }),
    }
}

/// The function of `binary` whose body holds `offset`, as its text names
/// it (`function $add`), or by its index in its module (`function 3`).
fn function_at(binary: &[u8], offset: usize) -> Option<String> {
    use wasmparser::{Encoding, Name, Payload, TypeRef};
    /// A module being read: what it imports, and the body found so far.
    #[derive(Default)]
    struct Module {
        imported: u32,
        bodies: u32,
        hit: Option<u32>,
        name: Option<String>,
    }
    let mut modules: Vec<Option<Module>> = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(binary) {
        let payload = payload.ok()?;
        match payload {
            Payload::Version { encoding, .. } => modules.push(match encoding {
                Encoding::Module => Some(Module::default()),
                Encoding::Component => None,
            }),
            Payload::ImportSection(imports) => {
                let module = modules.last_mut()?.as_mut()?;
                for import in imports.into_imports().flatten() {
                    if matches!(import.ty, TypeRef::Func(_)) {
                        module.imported += 1;
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                let module = modules.last_mut()?.as_mut()?;
                if body.range().contains(&offset) {
                    module.hit = Some(module.imported + module.bodies);
                }
                module.bodies += 1;
            }
            Payload::CustomSection(section) => {
                let Some(Some(module)) = modules.last_mut() else {
                    continue;
                };
                let (Some(hit), wasmparser::KnownCustom::Name(names)) =
                    (module.hit, section.as_known())
                else {
                    continue;
                };
                for name in names.flatten() {
                    if let Name::Function(map) = name {
                        module.name = map
                            .into_iter()
                            .flatten()
                            .find(|naming| naming.index == hit)
                            .map(|naming| naming.name.to_owned());
                    }
                }
            }
            Payload::End(_) => {
                if let Some(Some(module)) = modules.pop()
                    && let Some(hit) = module.hit
                {
                    return Some(match module.name {
                        Some(name) => {
                            format!("function ${}", crate::display::escape_control(&name))
                        }
                        None => format!("function {hit}"),
                    });
                }
            }
            _ => {}
        }
    }
    None
}

/// Whether a binary is a core module or a component; the header alone decides.
/// A component's own imports and exports, by name, in order; those of the
/// components and modules it nests are left out.
#[derive(Debug, Default)]
pub struct TopLevel {
    pub imports: Vec<String>,
    pub exports: Vec<String>,
}

impl TopLevel {
    /// Read without validating; None for a binary that does not parse.
    pub fn read(bytes: &[u8]) -> Option<TopLevel> {
        use wasmparser::Payload;
        let mut top = TopLevel::default();
        // Nested modules and components come in the same stream of payloads.
        let mut depth = 0usize;
        for payload in wasmparser::Parser::new(0).parse_all(bytes) {
            match payload.ok()? {
                Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
                Payload::End(_) => depth = depth.saturating_sub(1),
                Payload::ComponentImportSection(section) if depth == 0 => {
                    for import in section {
                        top.imports.push(import.ok()?.name.name.to_owned());
                    }
                }
                Payload::ComponentExportSection(section) if depth == 0 => {
                    for export in section {
                        top.exports.push(export.ok()?.name.name.to_owned());
                    }
                }
                _ => {}
            }
        }
        Some(top)
    }
}

pub fn kind(path: &Path, bytes: &[u8]) -> Result<WasmKind> {
    if wasmparser::Parser::is_component(bytes) {
        Ok(WasmKind::Component)
    } else if wasmparser::Parser::is_core_wasm(bytes) {
        Ok(WasmKind::Module)
    } else {
        // Validation names what is wrong with the header (version, layer).
        validate(path, bytes)?;
        Err(Error::NotWasm {
            path: path.to_owned(),
        })
    }
}

/// Validates a module or component with every proposal wasmparser knows, so
/// that inspection never rejects what some runtime would accept.
///
/// Function bodies, most of the work for a large component (an 18 MB
/// Python app), are validated on every core at once; the error reported
/// is still the first in the file.
pub fn validate(path: &Path, bytes: &[u8]) -> Result<wasmparser::types::Types> {
    validate_except(path, bytes, &[])
}

/// Validates all but the function bodies within `checked`: byte ranges
/// that hold copies of modules or components already validated in full.
/// A function body depends only on its own module, so it stays valid
/// wherever its module is copied.
pub fn validate_except(
    path: &Path,
    bytes: &[u8],
    checked: &[std::ops::Range<usize>],
) -> Result<wasmparser::types::Types> {
    let invalid = |source| Error::Invalid {
        path: path.to_owned(),
        source,
    };
    let mut validator = Validator::new_with_features(WasmFeatures::all());
    let mut types = None;
    let (structure, first_body_error) = std::thread::scope(|scope| {
        let mut bodies = Bodies::new(scope);
        let structure = (|| {
            for payload in wasmparser::Parser::new(0).parse_all(bytes) {
                let payload = payload?;
                match &payload {
                    wasmparser::Payload::CodeSectionStart { count, .. } => {
                        bodies.code_section(*count);
                    }
                    // wasmparser 0.254 accepts a nested module or component
                    // that claims more bytes than the file holds (later
                    // versions do not).
                    wasmparser::Payload::ModuleSection {
                        unchecked_range, ..
                    }
                    | wasmparser::Payload::ComponentSection {
                        unchecked_range, ..
                    } if unchecked_range.end > bytes.len() => {
                        return Err(wasmparser::BinaryReader::new(&[], bytes.len())
                            .read_u8()
                            .expect_err("nothing to read"));
                    }
                    _ => {}
                }
                match validator.payload(&payload)? {
                    wasmparser::ValidPayload::Func(function, body) => {
                        let at = body.range().start;
                        if !checked.iter().any(|range| range.contains(&at)) {
                            bodies.push(function, body);
                        }
                    }
                    // The last end is the top level's.
                    wasmparser::ValidPayload::End(end) => types = Some(end),
                    _ => {}
                }
            }
            Ok(())
        })();
        (structure, bodies.finish())
    });
    structure.map_err(invalid)?;
    match (first_body_error, types) {
        (Some(e), _) => Err(invalid(e)),
        (None, Some(types)) => Ok(types),
        // The parser ends with the top level or an error; should it not,
        // the plain validator says what is wrong.
        (None, None) => Validator::new_with_features(WasmFeatures::all())
            .validate_all(bytes)
            .map_err(invalid),
    }
}

/// A function to validate, numbered in the order of the file.
type Body<'a> = (
    usize,
    (FuncToValidate<ValidatorResources>, FunctionBody<'a>),
);

/// Bodies from one code section are sent to the workers this many at a
/// time: few enough that each worker gets some of the large ones.
const BATCH: usize = 32;

/// The validation of function bodies, on worker threads that start on
/// the first large code section and take bodies while the rest of the
/// file is still being read; small modules are validated on the spot.
struct Bodies<'scope, 'env, 'a> {
    scope: &'scope std::thread::Scope<'scope, 'env>,
    workers: Vec<std::thread::ScopedJoinHandle<'scope, Option<(usize, BinaryReaderError)>>>,
    send: Option<std::sync::mpsc::Sender<Vec<Body<'a>>>>,
    batch: Vec<Body<'a>>,
    numbered: usize,
    first_error: Option<(usize, BinaryReaderError)>,
    allocations: FuncValidatorAllocations,
}

impl<'scope, 'env: 'scope, 'a: 'scope> Bodies<'scope, 'env, 'a> {
    fn new(scope: &'scope std::thread::Scope<'scope, 'env>) -> Self {
        Bodies {
            scope,
            workers: Vec::new(),
            send: None,
            batch: Vec::new(),
            numbered: 0,
            first_error: None,
            allocations: FuncValidatorAllocations::default(),
        }
    }

    /// A code section of `count` bodies begins.
    fn code_section(&mut self, count: u32) {
        // Small modules are not worth a thread.
        if self.send.is_some() || count < 4 * BATCH as u32 {
            return;
        }
        let (send, receive) = std::sync::mpsc::channel::<Vec<Body<'a>>>();
        let receive = std::sync::Arc::new(std::sync::Mutex::new(receive));
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        for _ in 0..cores {
            let receive = std::sync::Arc::clone(&receive);
            self.workers.push(self.scope.spawn(move || {
                let mut allocations = FuncValidatorAllocations::default();
                let mut first_error = None;
                // The lock is held while waiting for a batch, not while
                // validating it.
                while let Ok(batch) = receive
                    .lock()
                    .map_err(drop)
                    .and_then(|r| r.recv().map_err(drop))
                {
                    if first_error.is_none() {
                        first_error = validate_bodies(batch, &mut allocations);
                    }
                }
                first_error
            }));
        }
        self.send = Some(send);
    }

    fn push(&mut self, function: FuncToValidate<ValidatorResources>, body: FunctionBody<'a>) {
        let numbered = (self.numbered, (function, body));
        self.numbered += 1;
        match &self.send {
            Some(send) => {
                self.batch.push(numbered);
                if self.batch.len() == BATCH {
                    // A worker stops only once the sender is gone.
                    let _ = send.send(std::mem::take(&mut self.batch));
                }
            }
            None if self.first_error.is_none() => {
                self.first_error = validate_bodies(vec![numbered], &mut self.allocations);
            }
            None => {}
        }
    }

    /// Waits for the workers; the first error in the file, if any.
    fn finish(mut self) -> Option<BinaryReaderError> {
        if let Some(send) = self.send.take() {
            let _ = send.send(std::mem::take(&mut self.batch));
        }
        self.workers
            .into_iter()
            .filter_map(|worker| worker.join().expect("validation does not panic"))
            .chain(self.first_error)
            .min_by_key(|(i, _)| *i)
            .map(|(_, e)| e)
    }
}

/// Validates function bodies; the first error, with its number.
fn validate_bodies(
    bodies: Vec<Body<'_>>,
    allocations: &mut FuncValidatorAllocations,
) -> Option<(usize, BinaryReaderError)> {
    for (i, (function, body)) in bodies {
        let mut validator = function.into_validator(std::mem::take(allocations));
        let result = validator.validate(&body);
        *allocations = validator.into_allocations();
        if let Err(e) = result {
            return Some((i, e));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module of `count` functions, of which those in `broken` do not
    /// type-check.
    fn module(count: usize, broken: &[usize]) -> Vec<u8> {
        let mut text = String::from("(module");
        for i in 0..count {
            let body = if broken.contains(&i) {
                "i64.const 1"
            } else {
                "i32.const 1"
            };
            text.push_str(&format!(" (func (result i32) {body})"));
        }
        text.push(')');
        wat::parse_str(text).unwrap()
    }

    fn message(result: Result<wasmparser::types::Types>) -> String {
        match result {
            Err(Error::Invalid { source, .. }) => source.to_string(),
            Err(e) => panic!("not a validation error: {e}"),
            Ok(_) => panic!("validated"),
        }
    }

    #[test]
    fn the_first_invalid_body_is_reported_whichever_thread_finds_it() {
        // Enough bodies for the worker threads; two broken ones far apart.
        let bytes = module(5000, &[1234, 4321]);
        let expected = Validator::new_with_features(WasmFeatures::all())
            .validate_all(&bytes)
            .err()
            .unwrap()
            .to_string();
        assert!(expected.contains("type mismatch"), "{expected}");
        for _ in 0..10 {
            assert_eq!(message(validate(Path::new("m"), &bytes)), expected);
        }
    }

    #[test]
    fn skipped_ranges_are_not_validated_but_the_rest_is() {
        let bytes = module(500, &[10, 400]);
        let body_at = |n: usize| {
            let mut validator = Validator::new_with_features(WasmFeatures::all());
            let mut bodies = Vec::new();
            for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
                if let wasmparser::ValidPayload::Func(_, body) =
                    validator.payload(&payload.unwrap()).unwrap()
                {
                    bodies.push(body.range());
                }
            }
            bodies[n].clone()
        };
        // Bodies of equal size: the one broken body is at the same offset.
        let only_later = message(validate(Path::new("m"), &module(500, &[400])));
        let later = message(validate_except(Path::new("m"), &bytes, &[body_at(10)]));
        assert_eq!(later, only_later);
        assert_ne!(later, message(validate(Path::new("m"), &bytes)));
        let none = validate_except(Path::new("m"), &bytes, &[body_at(10), body_at(400)]);
        assert!(none.is_ok());
    }
}
