//! Giving the result's imported types their names back.
//!
//! A world may import types of its own (`record image { ... }`) and use
//! them in other types and in the functions it imports. wasm-compose
//! declares the result's imports by structure: it defines the record
//! again for each use, instead of referring to the type it imported, and
//! the component model refuses that ("type not valid to be used as
//! import"): an imported type must be named by an imported or exported
//! type wherever another import uses it.
//!
//! So weld rewrites the top level of wasm-compose's encoding: a type
//! defined exactly like one imported as `(eq D)` before it (after the same
//! rewriting) is referred to by that import instead. Definitions stay
//! where they are, so no index moves; only references change.

use crate::BoxError;
use crate::renumber::{Renumber, TopLevelTypes};
use std::collections::HashMap;
use wasm_encoder::reencode::{ReencodeComponent, component_utils};
use wasm_encoder::{
    Component, ComponentImportSection, ComponentSection, ComponentTypeSection, RawSection,
};
use wasmparser::{ComponentTypeRef, Parser, Payload, TypeBounds};

/// `bytes` with its imported types named, or `None` when it imports no
/// type and so needs nothing.
pub(crate) fn name_imported_types(bytes: &[u8]) -> Result<Option<Vec<u8>>, BoxError> {
    if !imports_types(bytes)? {
        return Ok(None);
    }
    let mut named = Renumber::new(Named::default());
    let mut out = bytes.get(..8).ok_or("the encoding has no header")?.to_vec();
    // The definition of each type index, as encoded after renaming; `None`
    // for types that are not defined here (imported, aliased, exported).
    let mut definitions: Vec<Option<Vec<u8>>> = Vec::new();
    // Imported types by the definition they equal.
    let mut imported: HashMap<Vec<u8>, u32> = HashMap::new();
    let mut parser = Parser::new(0);
    let mut data = bytes;
    loop {
        let payload = match parser.parse(data, true)? {
            wasmparser::Chunk::Parsed { consumed, payload } => {
                data = &data[consumed..];
                payload
            }
            wasmparser::Chunk::NeedMoreData(_) => return Err("the encoding ends early".into()),
        };
        match payload {
            Payload::Version { .. } => {}
            Payload::End(_) => break,
            Payload::ComponentTypeSection(section) => {
                let mut rewritten = ComponentTypeSection::new();
                for ty in section {
                    let ty = ty?;
                    let mut one = ComponentTypeSection::new();
                    named.parse_component_type(one.ty(), ty.clone())?;
                    let mut key = Vec::new();
                    wasm_encoder::Encode::encode(&one, &mut key);
                    let index = definitions.len() as u32;
                    if let Some(&import) = imported.get(&key) {
                        named.types.map.insert(index, import);
                    }
                    named.parse_component_type(rewritten.ty(), ty)?;
                    definitions.push(Some(key));
                }
                rewritten.append_to_component(&mut out);
            }
            Payload::ComponentImportSection(section) => {
                let mut rewritten = ComponentImportSection::new();
                for import in section {
                    let import = import?;
                    if let ComponentTypeRef::Type(bounds) = import.ty {
                        if let TypeBounds::Eq(defined) = bounds
                            && let Some(Some(key)) = definitions.get(defined as usize)
                        {
                            imported
                                .entry(key.clone())
                                .or_insert(definitions.len() as u32);
                        }
                        definitions.push(None);
                    }
                    rewritten.import(import.name.name, named.component_type_ref(import.ty)?);
                }
                rewritten.append_to_component(&mut out);
            }
            // Nested modules and components are self-contained: copied.
            Payload::ModuleSection {
                unchecked_range: ref nested,
                ..
            }
            | Payload::ComponentSection {
                unchecked_range: ref nested,
                ..
            } => {
                let (id, range) = payload.as_section().ok_or("a nested section has no id")?;
                RawSection {
                    id,
                    data: &bytes[range],
                }
                .append_to_component(&mut out);
                data = data
                    .get(nested.len()..)
                    .ok_or("a nested section is cut short")?;
            }
            payload => {
                let (types, _) = crate::splice::new_indices(&payload)?;
                definitions.extend((0..types).map(|_| None));
                let mut section = Component::new();
                component_utils::parse_component_payload(&mut named, &mut section, payload, bytes)?;
                // Only the section, without the header `Component::new` wrote.
                out.extend_from_slice(&section.finish()[8..]);
            }
        }
    }
    Ok(Some(out))
}

/// Whether the top level imports a type.
fn imports_types(bytes: &[u8]) -> Result<bool, BoxError> {
    for payload in Parser::new(0).parse_all(bytes) {
        match payload? {
            Payload::ComponentImportSection(section) => {
                for import in section {
                    if matches!(import?.ty, ComponentTypeRef::Type(_)) {
                        return Ok(true);
                    }
                }
            }
            // Imports come first in wasm-compose's encoding.
            Payload::ModuleSection { .. }
            | Payload::ComponentSection { .. }
            | Payload::ComponentInstanceSection(_) => return Ok(false),
            _ => {}
        }
    }
    Ok(false)
}

/// Refers to the top level's types by their imports where `map` says so.
#[derive(Default)]
struct Named {
    map: HashMap<u32, u32>,
}

impl TopLevelTypes for Named {
    fn top_level(&mut self, ty: u32) -> u32 {
        self.map.get(&ty).copied().unwrap_or(ty)
    }
}
