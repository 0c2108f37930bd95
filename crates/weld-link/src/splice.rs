//! Embedding components without copying them into memory.
//!
//! wasm-compose copies every component it embeds into the encoding it
//! returns. For an 18 MB app that copy, into fresh memory faulted in page
//! by page, took as long as writing the result. So weld has wasm-compose
//! import the components instead, turns each of those imports into the
//! definition of an empty placeholder component, and writes each real
//! component in place of its placeholder, straight from its input.
//!
//! A component import needs a type of its own, which its definition does
//! not: those types are dropped and the type indices after them renumbered.
//! The definitions go where wasm-compose puts embedded components, after
//! the imports, which keeps every other index as it was.

use crate::BoxError;
use crate::renumber::{Renumber, TopLevelTypes};
use std::ops::Range;
use wasm_encoder::reencode::{ReencodeComponent, component_utils};
use wasm_encoder::{
    Component, ComponentImportSection, ComponentSection, ComponentSectionId, ComponentTypeSection,
    NestedComponentSection,
};
use wasmparser::{ComponentTypeRef, Parser, Payload};

/// Rewrites `wrapper`, which imports the components named `imported`, so
/// that it defines an empty component for each instead, after its imports.
pub(crate) fn placeholders(wrapper: &[u8], imported: &[&str]) -> Result<Vec<u8>, BoxError> {
    let mut remap = Renumber::new(Remap {
        dropped: dropped_types(wrapper, imported)?,
        dangling: false,
    });
    let mut out = wrapper
        .get(..8)
        .ok_or("the encoding has no header")?
        .to_vec();
    let mut types = 0;
    // Placeholders not yet defined; none once they are.
    let mut pending = Some(0);
    for payload in Parser::new(0).parse_all(wrapper) {
        let payload = payload?;
        let declaration = matches!(
            payload,
            Payload::Version { .. }
                | Payload::ComponentTypeSection(_)
                | Payload::ComponentImportSection(_)
                | Payload::ComponentAliasSection(_)
                | Payload::CoreTypeSection(_)
        );
        if !declaration && let Some(count) = pending.take() {
            define_placeholders(&mut out, count);
        }
        match payload {
            Payload::Version { .. } | Payload::End(_) => {}
            Payload::ComponentTypeSection(section) => {
                let mut kept = ComponentTypeSection::new();
                for ty in section {
                    let ty = ty?;
                    if !remap.types.dropped.contains(&types) {
                        remap.parse_component_type(kept.ty(), ty)?;
                    }
                    types += 1;
                }
                if !kept.is_empty() {
                    kept.append_to_component(&mut out);
                }
            }
            Payload::ComponentImportSection(section) => {
                let mut kept = ComponentImportSection::new();
                for import in section {
                    let import = import?;
                    if matches!(import.ty, ComponentTypeRef::Component(_))
                        && imported.contains(&import.name.name)
                    {
                        *pending.as_mut().ok_or("a component is imported too late")? += 1;
                        continue;
                    }
                    if matches!(import.ty, ComponentTypeRef::Type(_)) {
                        types += 1;
                    }
                    kept.import(import.name.name, remap.component_type_ref(import.ty)?);
                }
                if !kept.is_empty() {
                    kept.append_to_component(&mut out);
                }
            }
            Payload::CustomSection(_) => {
                // A name section could name the types that move.
                return Err("unexpected custom section in wasm-compose's encoding".into());
            }
            payload => {
                let (new_types, new_components) = new_indices(&payload)?;
                if new_components && pending.is_some() {
                    return Err("a component is aliased before the components".into());
                }
                types += new_types;
                let mut section = Component::new();
                component_utils::parse_component_payload(
                    &mut remap,
                    &mut section,
                    payload,
                    wrapper,
                )?;
                // Only the section, without the header `Component::new` wrote.
                out.extend_from_slice(&section.finish()[8..]);
            }
        }
    }
    if let Some(count) = pending {
        define_placeholders(&mut out, count);
    }
    if remap.types.dangling {
        return Err("a dropped component type is still used".into());
    }
    Ok(out)
}

fn define_placeholders(out: &mut Vec<u8>, count: usize) {
    for _ in 0..count {
        NestedComponentSection(&Component::new()).append_to_component(out);
    }
}

/// The types only the imports of `imported` components use.
fn dropped_types(wrapper: &[u8], imported: &[&str]) -> Result<Vec<u32>, BoxError> {
    let mut dropped = Vec::new();
    for payload in Parser::new(0).parse_all(wrapper) {
        if let Payload::ComponentImportSection(section) = payload? {
            for import in section {
                let import = import?;
                if let ComponentTypeRef::Component(ty) = import.ty
                    && imported.contains(&import.name.name)
                {
                    dropped.push(ty);
                }
            }
        }
    }
    if dropped.len() != imported.len() {
        return Err("cannot find the imports of the components to embed".into());
    }
    dropped.sort_unstable();
    Ok(dropped)
}

/// What a top-level section other than types and imports adds: how many
/// types, and whether any components.
pub(crate) fn new_indices(payload: &Payload<'_>) -> Result<(u32, bool), BoxError> {
    use wasmparser::{ComponentAlias, ComponentExternalKind, ComponentOuterAliasKind};
    let (mut types, mut components) = (0, false);
    let mut add = |kind: ComponentExternalKind| {
        types += u32::from(kind == ComponentExternalKind::Type);
        components |= kind == ComponentExternalKind::Component;
    };
    match payload {
        Payload::ComponentAliasSection(section) => {
            for alias in section.clone() {
                match alias? {
                    ComponentAlias::InstanceExport { kind, .. } => add(kind),
                    ComponentAlias::Outer { kind, .. } => match kind {
                        ComponentOuterAliasKind::Type => add(ComponentExternalKind::Type),
                        ComponentOuterAliasKind::Component => add(ComponentExternalKind::Component),
                        _ => {}
                    },
                    ComponentAlias::CoreInstanceExport { .. } => {}
                }
            }
        }
        Payload::ComponentExportSection(section) => {
            for export in section.clone() {
                add(export?.kind);
            }
        }
        Payload::ComponentSection { .. } | Payload::ModuleSection { .. } => {
            return Err("unexpected nested definition in wasm-compose's encoding".into());
        }
        _ => {}
    }
    Ok((types, components))
}

/// Renumbers the top level's types past the dropped ones.
struct Remap {
    dropped: Vec<u32>,
    dangling: bool,
}

impl TopLevelTypes for Remap {
    fn top_level(&mut self, ty: u32) -> u32 {
        let before = self.dropped.partition_point(|&dropped| dropped < ty);
        self.dangling |= self.dropped.get(before) == Some(&ty);
        ty - before as u32
    }
}

/// The section that defines a component of `len` bytes, up to its bytes.
pub(crate) fn component_section_header(len: usize) -> Vec<u8> {
    let mut header = vec![ComponentSectionId::Component as u8];
    leb128(&mut header, len);
    header
}

fn leb128(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Where, in `skeleton`, the section of each placeholder begins: its
/// contents are at `placeholder`, after a section id and a size.
pub(crate) fn section_start(skeleton: &[u8], placeholder: &Range<usize>) -> Option<usize> {
    let start = placeholder.start.checked_sub(2)?;
    let header = component_section_header(placeholder.len());
    (skeleton.get(start..placeholder.start)? == header.as_slice()).then_some(start)
}

#[cfg(test)]
mod tests {
    use crate::encode::{InputCheck, Output};
    use crate::structure::Structure;
    use std::sync::Arc;
    use wasm_compose::graph::{Component, CompositionGraph, EncodeOptions};

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/../../fixtures/components/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// The app's image processor import filled by the processor, encoded
    /// by wasm-compose with the components embedded, and spliced.
    fn both_ways(app: &str, processor: &str) -> (Vec<u8>, Vec<u8>) {
        const PROCESS: &str = "my:image-processor/process";
        let (app, processor) = (fixture(app), fixture(processor));
        let mut validator =
            wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all());
        let mut graph = CompositionGraph::new();
        let app_id = graph
            .add_component(Component::from_bytes(&mut validator, "app", &app[..]).unwrap())
            .unwrap();
        let processor_id = graph
            .add_component(
                Component::from_bytes(&mut validator, "processor", &processor[..]).unwrap(),
            )
            .unwrap();
        let app_instance = graph.instantiate(app_id).unwrap();
        let processor_instance = graph.instantiate(processor_id).unwrap();
        let (_, component) = graph.get_component_of_instance(processor_instance).unwrap();
        let (export, _, _) = component.export_by_name(PROCESS).unwrap();
        let (_, component) = graph.get_component_of_instance(app_instance).unwrap();
        let import = component
            .imports()
            .find(|(_, name, _)| name.starts_with(PROCESS))
            .map(|(index, _, _)| index)
            .unwrap();
        graph
            .connect(processor_instance, Some(export), app_instance, import)
            .unwrap();
        let encode = |define_components| {
            graph
                .encode(EncodeOptions {
                    define_components,
                    export: None,
                    validate: false,
                })
                .unwrap()
        };
        let embedded = encode(true);
        let skeleton = super::placeholders(&encode(false), &["app", "processor"]).unwrap();
        let placeholders = Structure::read(&skeleton).unwrap().defined;
        let components = vec![Arc::new(app.into()), Arc::new(processor.into())];
        let spliced = Output::spliced(
            skeleton,
            &placeholders,
            components.clone(),
            components,
            InputCheck::start(Vec::new(), &Default::default()),
        )
        .unwrap()
        .into_bytes()
        .unwrap();
        (embedded, spliced)
    }

    #[test]
    fn splicing_gives_what_wasm_compose_embeds() {
        for (app, processor) in [
            ("wat-app.wasm", "wat-processor.wasm"),
            ("c-app.wasm", "go-processor.wasm"),
            ("python-app.wasm", "c-processor.wasm"),
            ("js-app.wasm", "python-processor.wasm"),
        ] {
            let (embedded, spliced) = both_ways(app, processor);
            assert!(embedded == spliced, "{app} with {processor}");
        }
    }
}
