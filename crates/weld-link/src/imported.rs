//! Importing components rather than embedding them (`embed-components =
//! false`) where wasm-compose cannot.
//!
//! wasm-compose imports a component by encoding the component's type
//! from the validator's, and its type encoder cannot alias a resource
//! type (an internal `unreachable`, `AliasableResourceId`): so it cannot
//! import a component whose interfaces use a resource of another. It can
//! embed one. So weld has it embed the components, and turns each
//! definition into an import of the component's world as a component
//! type, encoded by wit-component from the component's WIT, which is
//! what any component of that world may be given for it.
//!
//! wasm-compose defines the embedded components together, after the
//! imports, so each import takes its definition's place in the component
//! index space. Their types go just before them, and the top level's
//! types from there on move up by as many.

use crate::BoxError;
use crate::renumber::{Renumber, TopLevelTypes};
use crate::splice::new_indices;
use std::path::Path;
use wasm_encoder::reencode::{ReencodeComponent, RoundtripReencoder, component_utils};
use wasm_encoder::{
    Component, ComponentImportSection, ComponentSection, ComponentTypeRef, ComponentTypeSection,
};
use wasmparser::{Parser, Payload};

/// A component the composition imports: its name there, and its input.
pub(crate) struct Imported<'a> {
    pub name: &'a str,
    pub path: &'a Path,
    pub bytes: &'a [u8],
}

/// `embedded`, wasm-compose's encoding with the components defined, with
/// each definition of one of `components` (found by its bytes) made an
/// import of that component's world by the component's name.
pub(crate) fn import_components(
    embedded: &[u8],
    components: &[Imported<'_>],
) -> Result<Vec<u8>, BoxError> {
    // Where the definitions are, which component each is, and how many
    // types come before them.
    let mut defined: Vec<&Imported<'_>> = Vec::new();
    let mut types_before = 0;
    let mut after_definitions = false;
    for payload in top_level(embedded) {
        match payload? {
            Payload::ComponentSection {
                unchecked_range, ..
            } => {
                if after_definitions {
                    return Err("wasm-compose defined components apart".into());
                }
                let bytes = &embedded[unchecked_range];
                let component = components
                    .iter()
                    .find(|c| c.bytes == bytes)
                    .ok_or("a component wasm-compose defined is none of the inputs")?;
                defined.push(component);
            }
            Payload::ComponentTypeSection(section) if defined.is_empty() => {
                types_before += section.count();
            }
            Payload::ComponentImportSection(section) if defined.is_empty() => {
                for import in section {
                    types_before +=
                        u32::from(matches!(import?.ty, wasmparser::ComponentTypeRef::Type(_)));
                }
            }
            Payload::ComponentAliasSection(_) if defined.is_empty() => {
                return Err("wasm-compose aliased before its definitions".into());
            }
            Payload::Version { .. } | Payload::End(_) => {}
            _ => after_definitions |= !defined.is_empty(),
        }
    }
    let mut worlds = ComponentTypeSection::new();
    let mut imports = ComponentImportSection::new();
    for (i, component) in defined.iter().enumerate() {
        world_type(component, &mut worlds)?;
        imports.import(
            component.name,
            ComponentTypeRef::Component(types_before + i as u32),
        );
    }
    let mut shift = Renumber::new(Shift {
        from: types_before,
        by: defined.len() as u32,
    });
    let mut out = embedded
        .get(..8)
        .ok_or("the encoding has no header")?
        .to_vec();
    let mut placed = false;
    for payload in top_level(embedded) {
        let payload = payload?;
        match payload {
            Payload::Version { .. } | Payload::End(_) => {}
            Payload::ComponentSection { .. } => {
                if !placed {
                    worlds.append_to_component(&mut out);
                    imports.append_to_component(&mut out);
                    placed = true;
                }
            }
            payload => {
                if let Payload::CustomSection(_) = payload {
                    return Err("unexpected custom section in wasm-compose's encoding".into());
                }
                new_indices(&payload)?;
                let mut section = Component::new();
                component_utils::parse_component_payload(
                    &mut shift,
                    &mut section,
                    payload,
                    embedded,
                )?;
                out.extend_from_slice(&section.finish()[8..]);
            }
        }
    }
    Ok(out)
}

/// The payloads of `bytes`'s top level: a nested module or component as
/// its section alone, not what it holds.
fn top_level(bytes: &[u8]) -> impl Iterator<Item = wasmparser::Result<Payload<'_>>> {
    let mut depth = 0u32;
    Parser::new(0).parse_all(bytes).filter(move |payload| {
        let Ok(payload) = payload else {
            return true;
        };
        let top = depth == 0;
        match payload {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) if depth > 0 => {
                depth -= 1;
                return false;
            }
            _ => {}
        }
        top
    })
}

/// Adds the world of `component`, as a component type, to `section`.
fn world_type(
    component: &Imported<'_>,
    section: &mut ComponentTypeSection,
) -> Result<(), BoxError> {
    let wit = weld_wit::load_bytes(component.path, component.bytes.to_vec())?;
    let world = wit.world.ok_or("the component has no world")?;
    // wit-component encodes a world as the one type inside a type that
    // exports it (the form of a `component-type` section).
    let encoded = weld_wit::guard::guarded("wit-component", || {
        wit_component::metadata::encode(
            &wit.resolve,
            world,
            wit_component::StringEncoding::UTF8,
            None,
        )
    })??;
    for payload in Parser::new(0).parse_all(&encoded) {
        let Payload::ComponentTypeSection(types) = payload? else {
            continue;
        };
        for ty in types {
            let wasmparser::ComponentType::Component(declarations) = ty? else {
                continue;
            };
            for declaration in declarations.into_vec() {
                if let wasmparser::ComponentTypeDeclaration::Type(
                    world @ wasmparser::ComponentType::Component(_),
                ) = declaration
                {
                    RoundtripReencoder.parse_component_type(section.ty(), world)?;
                    return Ok(());
                }
            }
        }
    }
    Err("wit-component encoded no world type".into())
}

/// Moves the top level's types from `from` on up by `by`.
struct Shift {
    from: u32,
    by: u32,
}

impl TopLevelTypes for Shift {
    fn top_level(&mut self, ty: u32) -> u32 {
        match ty >= self.from {
            true => ty + self.by,
            false => ty,
        }
    }
}
