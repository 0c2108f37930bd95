//! Reading WebAssembly input: binary or text, core module or component.

use crate::{Error, Result};
use std::path::Path;
use wasmparser::{FuncToValidate, FunctionBody, Validator, ValidatorResources, WasmFeatures};

/// What a WebAssembly binary holds, told apart by its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WasmKind {
    Module,
    Component,
}

/// Reads a file as bytes, naming the file on failure.
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })
}

/// Turns file contents into a WebAssembly binary: a binary is kept as it is,
/// WebAssembly text (as `wasm-tools` accepts everywhere) is assembled.
pub fn to_binary(path: &Path, bytes: Vec<u8>) -> Result<Vec<u8>> {
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
            wat::parse_str(&text).map_err(|mut source| {
                source.set_path(path);
                Error::Wat {
                    path: path.to_owned(),
                    source,
                }
            })
        }
        wat::Detect::Unknown => Err(Error::NotWasm {
            path: path.to_owned(),
        }),
    }
}

/// Whether a binary is a core module or a component; the header alone decides.
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
    let mut functions = Vec::new();
    let mut types = None;
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match validator
            .payload(&payload.map_err(invalid)?)
            .map_err(invalid)?
        {
            wasmparser::ValidPayload::Func(function, body) => {
                let at = body.range().start;
                if !checked.iter().any(|range| range.contains(&at)) {
                    functions.push((function, body));
                }
            }
            // The last end is the top level's.
            wasmparser::ValidPayload::End(end) => types = Some(end),
            _ => {}
        }
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(functions.len().div_ceil(64).max(1));
    // Interleaved, so that each core gets some of the large functions.
    let mut shares: Vec<Vec<_>> = (0..threads).map(|_| Vec::new()).collect();
    for (i, function) in functions.into_iter().enumerate() {
        shares[i % threads].push((i, function));
    }
    let first_error = if threads == 1 {
        // Small modules are not worth a thread.
        validate_bodies(shares.pop().unwrap_or_default())
    } else {
        std::thread::scope(|scope| {
            let workers: Vec<_> = shares
                .into_iter()
                .map(|share| scope.spawn(move || validate_bodies(share)))
                .collect();
            workers
                .into_iter()
                .filter_map(|worker| worker.join().expect("validation does not panic"))
                .min_by_key(|(i, _)| *i)
        })
    };
    match (first_error, types) {
        (Some((_, e)), _) => Err(invalid(e)),
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

/// Validates function bodies; the first error, with its number.
fn validate_bodies(share: Vec<Body<'_>>) -> Option<(usize, wasmparser::BinaryReaderError)> {
    let mut allocations = wasmparser::FuncValidatorAllocations::default();
    for (i, (function, body)) in share {
        let mut validator = function.into_validator(allocations);
        if let Err(e) = validator.validate(&body) {
            return Some((i, e));
        }
        allocations = validator.into_allocations();
    }
    None
}
