//! Reading WebAssembly input: binary or text, core module or component.

use crate::{Error, Result};
use std::path::Path;
use wasmparser::{Validator, WasmFeatures};

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
pub fn validate(path: &Path, bytes: &[u8]) -> Result<wasmparser::types::Types> {
    Validator::new_with_features(WasmFeatures::all())
        .validate_all(bytes)
        .map_err(|source| Error::Invalid {
            path: path.to_owned(),
            source,
        })
}
