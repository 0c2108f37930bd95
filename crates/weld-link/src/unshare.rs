//! wasm-compose takes imports of one name in different components to be
//! one import, and makes their resource types one before it connects
//! anything (`CompositionGraph::add_component`). That is right for imports
//! left to the host and wrong for an import another component fills: an
//! app's `wasi:io/poll`, filled by a layer that exports its own pollables
//! while importing the host's, would have to be the host's and the
//! layer's at once, and the connection is refused (wasm-tools compose
//! fails the same way). So before composing, weld renames such filled
//! imports inside the components that import them, where nothing else
//! sees the name.
//!
//! wasm-compose also maps resources per component, not per instance: two
//! instances of one component cannot take a resource from two different
//! components. Such instances get a component of their own each.
//!
//! Imports left to the host are made one by exact name, too, and that is
//! too little when components were built against different patch
//! releases of WASI. A componentize-py HTTP service imports
//! `wasi:io/streams@0.2.12` beside `wasi:filesystem/types@0.2.9`, whose
//! `input-stream` is then 0.2.12's; a processor imports both at 0.2.9.
//! Made one, `wasi:filesystem/types@0.2.9` would have to name two
//! different `input-stream`s, and the result would not validate. So a
//! resource-carrying import left to the host is renamed to the newest
//! semver-compatible version any component imports, as wasmtime's linker
//! would resolve it anyway: the host already has to offer that version.

use crate::BoxError;
use crate::Error;
use crate::plan::{Instance, Plan, Unfilled, Unit};
use std::collections::{HashMap, HashSet};
use wasm_encoder::reencode::{ReencodeComponent, RoundtripReencoder};
use wasm_encoder::{ComponentImportSection, ComponentSection, RawSection};
use wasmparser::component_types::{ComponentAnyTypeId, ComponentEntityType, ResourceId};
use wasmparser::{Chunk, Parser, Payload};
use weld_wit::names::{fits, version};

/// `units`, with a unit of its own for every instance of a component
/// whose instances take a resource-carrying import from different
/// components; such instances of `plan` are moved to their new units.
pub(crate) fn separate<'a>(
    validator: &mut wasmparser::Validator,
    mut units: Vec<Unit<'a>>,
    plan: &mut Plan,
) -> Result<Vec<Unit<'a>>, Error> {
    // Where an instance's import comes from: the exporter's unit and export.
    let source = |plan: &Plan, instance: usize, import: &str| {
        plan.links
            .iter()
            .find(|l| l.importer == instance && l.import == import)
            .map(|l| (plan.instances[l.exporter].unit, l.export.clone()))
    };
    for unit in 0..units.len() {
        let instances: Vec<usize> = (0..plan.instances.len())
            .filter(|&i| plan.instances[i].unit == unit)
            .collect();
        let Some((&first, others)) = instances.split_first() else {
            continue;
        };
        let apart = units[unit]
            .imports
            .iter()
            .filter(|import| brings_resources(&units[unit], import))
            .any(|import| {
                others
                    .iter()
                    .any(|&i| source(plan, i, import) != source(plan, first, import))
            });
        if !apart {
            continue;
        }
        for (n, &instance) in others.iter().enumerate() {
            let (name, path, bytes) = (
                format!("{}-{}", units[unit].name, n + 2),
                units[unit].path,
                units[unit].bytes,
            );
            units.push(Unit::read(validator, name, path, bytes)?);
            plan.instances[instance].unit = units.len() - 1;
        }
    }
    Ok(units)
}

/// For each unit, the imports to rename and their new names: filled
/// imports that carry resources, when another instance imports the same
/// name and takes it from somewhere else (or from the host).
pub(crate) fn renames(units: &[Unit<'_>], plan: &Plan) -> Vec<HashMap<String, String>> {
    let mut renames = vec![HashMap::new(); units.len()];
    let sources: HashMap<(usize, &str), (usize, &str)> = plan
        .links
        .iter()
        .map(|l| {
            (
                (l.importer, l.import.as_str()),
                (l.exporter, l.export.as_str()),
            )
        })
        .collect();
    let mut importers: HashMap<&str, Vec<usize>> = HashMap::new();
    for (instance, Instance { unit, .. }) in plan.instances.iter().enumerate() {
        for import in &units[*unit].imports {
            importers.entry(import).or_default().push(instance);
        }
    }
    for link in &plan.links {
        let unit = plan.instances[link.importer].unit;
        let source = Some(&(link.exporter, link.export.as_str()));
        let others_differ = importers[link.import.as_str()]
            .iter()
            .any(|&i| sources.get(&(i, link.import.as_str())) != source);
        if others_differ && carries_resources(&units[unit], &link.import) {
            renames[unit]
                .entry(link.import.clone())
                .or_insert_with(|| private_name(unit, &link.import));
        }
    }
    unify_versions(units, plan, &mut renames);
    renames
}

/// Adds to `renames` the resource-carrying imports left to the host that
/// some component imports at a newer semver-compatible version, renamed
/// to the newest. A unit that imports both versions itself keeps them
/// apart: it asked for two instances.
fn unify_versions(units: &[Unit<'_>], plan: &Plan, renames: &mut [HashMap<String, String>]) {
    let filled: HashSet<(usize, &str)> = plan
        .links
        .iter()
        .map(|l| (plan.instances[l.importer].unit, l.import.as_str()))
        .collect();
    let filled = &filled;
    let left = |unit: usize| {
        units[unit]
            .imports
            .iter()
            .filter(move |import| !filled.contains(&(unit, import.as_str())))
    };
    let every: HashSet<&str> = (0..units.len())
        .flat_map(|unit| left(unit).map(String::as_str))
        .collect();
    for (unit, renames) in renames.iter_mut().enumerate() {
        for import in left(unit) {
            let newest = every
                .iter()
                .filter(|&&other| fits(import, other))
                .max_by(|a, b| version(a).cmp(&version(b)));
            if let Some(&newest) = newest
                && newest != import
                && !units[unit].imports.iter().any(|own| own == newest)
                && carries_resources(&units[unit], import)
            {
                renames.insert(import.clone(), newest.to_owned());
            }
        }
    }
}

/// Whether an instance import holds resource types, which wasm-compose
/// would make one with those of other imports of its name.
fn carries_resources(unit: &Unit<'_>, import: &str) -> bool {
    !resources_of(unit, import).is_empty()
}

/// Whether an import brings resources of its own: one that no other import
/// of the unit exports too. A 0.3 `wasi:http/handler` import re-exports
/// `request` and `response`, but they are its `wasi:http/types` import's,
/// so instances that take the handler from different components still
/// share one kind of request, and one copy of the component serves them
/// all (a chain of 0.3 middlewares stays one component, not one a layer).
fn brings_resources(unit: &Unit<'_>, import: &str) -> bool {
    let elsewhere: HashSet<ResourceId> = unit
        .imports
        .iter()
        .filter(|other| *other != import)
        .flat_map(|other| resources_of(unit, other))
        .collect();
    resources_of(unit, import)
        .iter()
        .any(|resource| !elsewhere.contains(resource))
}

/// The resource types an instance import exports.
fn resources_of(unit: &Unit<'_>, import: &str) -> Vec<ResourceId> {
    named_resources_of(unit, import)
        .into_iter()
        .map(|(_, resource)| resource)
        .collect()
}

/// The resource types an import holds, by name: an instance's exported
/// ones, or the import itself (named `""`) when it imports a resource
/// type (a world-level `use`).
fn named_resources_of(unit: &Unit<'_>, import: &str) -> Vec<(String, ResourceId)> {
    let types = unit.component.types();
    let resource = |ty: &ComponentEntityType| match ty {
        ComponentEntityType::Type {
            referenced: ComponentAnyTypeId::Resource(resource),
            ..
        } => Some(resource.resource()),
        _ => None,
    };
    let Some(item) = types.component_item_for_import(import) else {
        return Vec::new();
    };
    let ComponentEntityType::Instance(instance) = item.ty else {
        return resource(&item.ty)
            .map(|resource| (String::new(), resource))
            .into_iter()
            .collect();
    };
    types[instance]
        .exports
        .iter()
        .filter_map(|(name, export)| Some((name.clone(), resource(&export.ty)?)))
        .collect()
}

/// Where a resource of an import comes from: the first of its component's
/// imports that holds it (the import itself, for one it brings).
#[derive(Debug, PartialEq, Eq)]
struct ResourceOrigin {
    /// The resource's name in the import.
    name: String,
    /// The import it is taken from, and its name there.
    from: (String, String),
}

impl ResourceOrigin {
    /// Where `import`'s resource comes from, for an error.
    fn describe(&self, import: &str) -> String {
        match &self.from {
            (from, _) if from == import => "its own".to_owned(),
            (from, name) if name.is_empty() => format!("the imported type `{from}`"),
            (from, name) => format!("`{from}`'s `{name}`"),
        }
    }
}

/// The origins of the resources `import` holds in `unit`.
fn resource_origins(unit: &Unit<'_>, import: &str) -> Vec<ResourceOrigin> {
    let mut first: HashMap<ResourceId, (String, String)> = HashMap::new();
    for (_, other, _) in unit.component.imports() {
        for (name, resource) in named_resources_of(unit, other) {
            first
                .entry(resource)
                .or_insert_with(|| (other.to_owned(), name));
        }
    }
    named_resources_of(unit, import)
        .into_iter()
        .filter_map(|(name, resource)| {
            Some(ResourceOrigin {
                name,
                from: first.get(&resource)?.clone(),
            })
        })
        .collect()
}

/// Refuses imports left to the host, which become one import of the
/// result for each name, when the components' types of one take a
/// resource from different imports: a `wasi:filesystem/types@0.2.9` whose
/// `input-stream` is `wasi:io/streams@0.2.12`'s in one component and
/// another interface's in the other. No one import can be both, and the
/// result would not validate. (Versions that differ only in semver were
/// made one by `renames`; `renames` are the names the units now import.)
///
/// wasm-compose gives the result's import the type of the first instance
/// that imports it (in the plan's order, not the components'). A resource an import brings itself stands for any
/// resource, so a later unit's own resource fits what the first takes
/// from elsewhere; the reverse does not: the first's type would make the
/// resource new, and the later one needs it to be another import's.
pub(crate) fn check_host_imports(
    units: &[Unit<'_>],
    plan: &Plan,
    renames: &[HashMap<String, String>],
) -> Result<(), Error> {
    let mut unfilled: Vec<&Unfilled> = plan.unfilled.iter().collect();
    unfilled.sort_by_key(|u| u.instance);
    let mut first: HashMap<&str, (usize, Vec<ResourceOrigin>)> = HashMap::new();
    for Unfilled { instance, import } in unfilled {
        let unit = plan.instances[*instance].unit;
        let import = renames[unit].get(import).unwrap_or(import).as_str();
        let origins = resource_origins(&units[unit], import);
        let Some((defining, theirs)) = first.get(import) else {
            first.insert(import, (*instance, origins));
            continue;
        };
        for ours in origins.iter().filter(|ours| ours.from.0 != import) {
            let Some(their) = theirs.iter().find(|their| their.name == ours.name) else {
                continue;
            };
            if their.from != ours.from {
                return Err(Error::HostImportConflict(Box::new(
                    crate::HostImportConflict {
                        import: import.to_owned(),
                        resource: match ours.name.is_empty() {
                            true => import.to_owned(),
                            false => ours.name.clone(),
                        },
                        first: plan.instances[*defining].name.clone(),
                        first_origin: their.describe(import),
                        second: plan.instances[*instance].name.clone(),
                        second_origin: ours.describe(import),
                    },
                )));
            }
        }
    }
    Ok(())
}

/// Why a result fails to validate when one of its exports uses a resource
/// that an import of the exporting component brings, and a link fills
/// that import: the resource is then the filler's, defined inside the
/// composition, and an export may name only what the result imports or
/// exports ("instance not valid to be used as export"). The encoder gives
/// this error in place of the validator's only when the result fails.
pub(crate) fn export_uses_filled_resource(units: &[Unit<'_>], plan: &Plan) -> Option<Error> {
    for export in &plan.exports {
        let unit = &units[plan.instances[export.instance].unit];
        let types = unit.component.types();
        let Some(item) = types.component_item_for_export(&export.export) else {
            continue;
        };
        let mut used = HashSet::new();
        resources_in_entity(&types, &item.ty, &mut used);
        for link in plan.links.iter().filter(|l| l.importer == export.instance) {
            let brought = resource_origins(unit, &link.import)
                .into_iter()
                .find(|origin| {
                    origin.from.0 == link.import && {
                        named_resources_of(unit, &link.import)
                            .iter()
                            .any(|(name, id)| *name == origin.name && used.contains(id))
                    }
                });
            if let Some(resource) = brought {
                return Some(Error::ExportUsesFilledImport(Box::new(
                    crate::ExportUsesFilledImport {
                        exporter: plan.instances[export.instance].name.clone(),
                        export: export.export.clone(),
                        import: link.import.clone(),
                        resource: resource.name,
                        filler: plan.instances[link.exporter].name.clone(),
                    },
                )));
            }
        }
    }
    None
}

/// The resources a type names, at any depth.
fn resources_in_entity(
    types: &wasmparser::types::TypesRef<'_>,
    ty: &ComponentEntityType,
    out: &mut HashSet<ResourceId>,
) {
    match ty {
        ComponentEntityType::Func(func) => {
            let func = &types[*func];
            for (_, param) in func.params.iter() {
                resources_in_value(types, param, out);
            }
            if let Some(result) = &func.result {
                resources_in_value(types, result, out);
            }
        }
        ComponentEntityType::Type { referenced, .. } => match referenced {
            ComponentAnyTypeId::Resource(resource) => {
                out.insert(resource.resource());
            }
            ComponentAnyTypeId::Defined(defined) => resources_in_defined(types, *defined, out),
            _ => {}
        },
        ComponentEntityType::Instance(instance) => {
            for export in types[*instance].exports.values() {
                resources_in_entity(types, &export.ty, out);
            }
        }
        _ => {}
    }
}

fn resources_in_value(
    types: &wasmparser::types::TypesRef<'_>,
    ty: &wasmparser::component_types::ComponentValType,
    out: &mut HashSet<ResourceId>,
) {
    if let wasmparser::component_types::ComponentValType::Type(defined) = ty {
        resources_in_defined(types, *defined, out);
    }
}

fn resources_in_defined(
    types: &wasmparser::types::TypesRef<'_>,
    id: wasmparser::component_types::ComponentDefinedTypeId,
    out: &mut HashSet<ResourceId>,
) {
    use wasmparser::component_types::ComponentDefinedType as Defined;
    let mut value =
        |ty: &wasmparser::component_types::ComponentValType| resources_in_value(types, ty, out);
    match &types[id] {
        Defined::Record(record) => record.fields.values().for_each(&mut value),
        Defined::Variant(variant) => variant
            .cases
            .values()
            .filter_map(|case| case.ty.as_ref())
            .for_each(&mut value),
        Defined::Tuple(tuple) => tuple.types.iter().for_each(&mut value),
        Defined::List { element, .. } | Defined::FixedLengthList { element, .. } => value(element),
        Defined::Map { key, value: of, .. } => {
            value(key);
            value(of);
        }
        Defined::Option { ty, .. } => value(ty),
        Defined::Result { ok, err, .. } => ok.iter().chain(err).for_each(&mut value),
        Defined::Future { ty, .. } | Defined::Stream { ty, .. } => ty.iter().for_each(&mut value),
        Defined::Own(resource) | Defined::Borrow(resource) => {
            out.insert(resource.resource());
        }
        Defined::Primitive(_) | Defined::Flags(_) | Defined::Enum(_) => {}
    }
}

/// Whether weld gave an import this name.
pub(crate) fn is_private(name: &str) -> bool {
    let tail = name
        .strip_prefix("weld-c")
        .or_else(|| name.rsplit_once("-weld-c").map(|(_, unit)| unit))
        .unwrap_or("");
    let digits = tail.len() - tail.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    digits > 0 && (tail.len() == digits || tail[digits..].starts_with(':'))
}

/// A name no other component imports: `weld-c1:wasi-io/poll@0.2.12` for
/// `wasi:io/poll@0.2.12` in unit 1.
fn private_name(unit: usize, import: &str) -> String {
    match import.split_once(':') {
        Some((namespace, rest)) => match rest.split_once('/') {
            Some((package, interface)) => format!("weld-c{unit}:{namespace}-{package}/{interface}"),
            None => format!("weld-c{unit}:{namespace}/{rest}"),
        },
        None => format!("{import}-weld-c{unit}"),
    }
}

/// `bytes` with its top-level imports renamed; every other section is
/// copied as it is.
pub(crate) fn rename_imports(
    bytes: &[u8],
    renames: &HashMap<String, String>,
) -> Result<Vec<u8>, BoxError> {
    let mut out = bytes[..8].to_vec();
    let mut parser = Parser::new(0);
    let mut data = bytes;
    loop {
        let (payload, consumed) = match parser.parse(data, true)? {
            Chunk::Parsed { consumed, payload } => (payload, consumed),
            Chunk::NeedMoreData(_) => unreachable!("the whole input is given at once"),
        };
        data = &data[consumed..];
        match &payload {
            Payload::Version { .. } => continue,
            Payload::End(_) => return Ok(out),
            Payload::ComponentImportSection(reader) => {
                let mut imports = ComponentImportSection::new();
                for import in reader.clone() {
                    let import = import?;
                    let name = renames
                        .get(import.name.name)
                        .map_or(import.name.name, String::as_str);
                    imports.import(name, RoundtripReencoder.component_type_ref(import.ty)?);
                }
                imports.append_to_component(&mut out);
                continue;
            }
            Payload::ModuleSection {
                unchecked_range, ..
            }
            | Payload::ComponentSection {
                unchecked_range, ..
            } => data = &data[unchecked_range.len()..],
            _ => {}
        }
        if let Some((id, range)) = payload.as_section() {
            RawSection {
                id,
                data: &bytes[range],
            }
            .append_to_component(&mut out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_names_are_valid_and_recognised() {
        for import in ["wasi:io/poll@0.2.12", "a:b/c", "process"] {
            let name = private_name(3, import);
            assert!(
                wasmparser::names::ComponentName::new(&name, 0).is_ok(),
                "{name}"
            );
            assert!(is_private(&name), "{name}");
        }
        for name in [
            "wasi:io/poll@0.2.12",
            "weld-cx:a/b",
            "process-weld-c",
            "weld-c",
        ] {
            assert!(!is_private(name), "{name}");
        }
    }
}
