//! Making a component out of a core module (`weld new`).

use crate::load::Wit;
use crate::wasm::{self, WasmKind};
use crate::{Error, Result};
use std::path::Path;
use wasi_preview1_component_adapter_provider as adapters;
use wit_component::{ComponentEncoder, StringEncoding};

/// How to turn a core module into a component.
#[derive(Default)]
pub struct Options<'a> {
    /// Embed this world into the module first, for modules that carry no
    /// `component-type` section (or to add to the one they carry).
    pub world: Option<(&'a Wit, Option<&'a str>)>,
    /// Adapter modules by the core import module they implement, in place of
    /// the bundled WASI preview1 adapters.
    pub adapters: Vec<(String, Vec<u8>)>,
}

/// Encodes `module` as a component and validates the result.
///
/// A module importing `wasi_snapshot_preview1` gets the preview1 adapter
/// bundled with weld: the command adapter when it exports `_start`, the
/// reactor adapter otherwise, unless `options.adapters` names its own.
pub fn new_component(path: &Path, mut module: Vec<u8>, options: &Options) -> Result<Vec<u8>> {
    if wasm::kind(path, &module)? == WasmKind::Component {
        return Err(Error::Component {
            path: path.to_owned(),
        });
    }
    wasm::validate(path, &module)?;
    if let Some((wit, name)) = options.world {
        let world = wit.world(name)?;
        wit_component::embed_component_metadata(
            &mut module,
            &wit.resolve,
            world,
            StringEncoding::UTF8,
        )
        .map_err(|e| Error::Embed {
            path: path.to_owned(),
            world: wit
                .resolve
                .id_of_name(wit.package, &wit.resolve.worlds[world].name),
            source: e.into(),
        })?;
    }
    let surface = Surface::of(path, &module)?;
    if !surface.has_component_type && !surface.imports_preview1 {
        return Err(Error::NoWorld {
            path: path.to_owned(),
        });
    }
    // Without WIT, wit-component would drop these exports without a word.
    if !surface.has_component_type && !surface.component_exports.is_empty() {
        return Err(Error::ExportsWithoutWit {
            path: path.to_owned(),
            exports: surface.component_exports.join("`, `"),
        });
    }

    let encode_err = |e: anyhow::Error| Error::Encode {
        path: path.to_owned(),
        source: e.into(),
    };
    let mut encoder = ComponentEncoder::default()
        .validate(true)
        .module(&module)
        .map_err(encode_err)?;
    for (name, bytes) in &options.adapters {
        encoder = encoder.adapter(name, bytes).map_err(encode_err)?;
    }
    let preview1 = adapters::WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME;
    if surface.imports_preview1 && !options.adapters.iter().any(|(name, _)| name == preview1) {
        let adapter = if surface.exports_start {
            adapters::WASI_SNAPSHOT_PREVIEW1_COMMAND_ADAPTER
        } else {
            adapters::WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER
        };
        encoder = encoder.adapter(preview1, adapter).map_err(encode_err)?;
    }
    let component = encoder.encode().map_err(encode_err)?;
    wasm::validate(path, &component).map_err(|e| match e {
        Error::Invalid { source, .. } => Error::InvalidOutput {
            path: path.to_owned(),
            source,
        },
        other => other,
    })?;
    Ok(component)
}

/// The parts of a core module's surface that decide how it is encoded.
struct Surface {
    has_component_type: bool,
    imports_preview1: bool,
    exports_start: bool,
    /// Exports named as the canonical ABI names component functions
    /// (`iface#func`, `cabi_post_...`).
    component_exports: Vec<String>,
}

impl Surface {
    fn of(path: &Path, module: &[u8]) -> Result<Surface> {
        let invalid = |source| Error::Invalid {
            path: path.to_owned(),
            source,
        };
        let mut surface = Surface {
            has_component_type: false,
            imports_preview1: false,
            exports_start: false,
            component_exports: Vec::new(),
        };
        for payload in wasmparser::Parser::new(0).parse_all(module) {
            match payload.map_err(invalid)? {
                wasmparser::Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        let import = import.map_err(invalid)?;
                        surface.imports_preview1 |=
                            import.module == adapters::WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME;
                    }
                }
                wasmparser::Payload::ExportSection(reader) => {
                    for export in reader {
                        let name = export.map_err(invalid)?.name;
                        surface.exports_start |= name == "_start";
                        if name.contains('#') || name.starts_with("cabi_post_") {
                            surface.component_exports.push(name.to_owned());
                        }
                    }
                }
                wasmparser::Payload::CustomSection(section) => {
                    surface.has_component_type |= section.name().starts_with("component-type");
                }
                _ => {}
            }
        }
        Ok(surface)
    }
}
