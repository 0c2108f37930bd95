//! Why an export does not fit an import, in WIT terms: the first items that
//! differ between the interface imported and the one exported.

use std::path::Path;
use weld_wit::display::{func_type, type_definition};
use weld_wit::wit_parser::{InterfaceId, Resolve, Type, TypeDefKind, TypeId, TypeOwner, WorldItem};

/// Lines such as `grayscale: expected func(img: image) -> image, found
/// func(x: u32) -> u32`, or a note when the WIT cannot be read.
pub(crate) fn explain(importer: (&Path, &[u8], &str), exporter: (&Path, &[u8], &str)) -> String {
    let (Some((import_resolve, import)), Some((export_resolve, export))) =
        (interface(importer, true), interface(exporter, false))
    else {
        return "  (their WIT could not be read to say how)".to_owned();
    };
    let (imported, exported) = (
        &import_resolve.interfaces[import],
        &export_resolve.interfaces[export],
    );
    let mut lines = Vec::new();
    for (name, id) in &imported.types {
        let expected = type_definition(&import_resolve, *id);
        match exported.types.get(name) {
            None => lines.push(format!("  type {name}: expected {expected}, found nothing")),
            Some(found) => {
                let found = type_definition(&export_resolve, *found);
                if found != expected {
                    lines.push(format!("  type {name}: expected {expected}, found {found}"));
                }
            }
        }
    }
    let mut async_differs = false;
    for (name, func) in &imported.functions {
        let expected = func_type(&import_resolve, func);
        match exported.functions.get(name) {
            None => lines.push(format!("  {name}: expected {expected}, found nothing")),
            Some(found_func) => {
                let found = func_type(&export_resolve, found_func);
                if found != expected {
                    lines.push(format!("  {name}: expected {expected}, found {found}"));
                }
                if func.kind.is_async() != found_func.kind.is_async() {
                    async_differs = true;
                }
            }
        }
    }
    if async_differs {
        lines.push(
            "  an `async func` and a sync `func` are different types in the component model, which connects a function only to one of the same kind; `weld plug` puts a bridge between two versions of an interface that differ only so".to_owned(),
        );
    }
    if lines.is_empty() {
        lines = used_types(&import_resolve, imported, &export_resolve, exported);
    }
    if lines.is_empty() {
        lines.push(
            "  (their WIT looks alike; the difference is in types the interface uses)".to_owned(),
        );
    }
    lines.join("\n")
}

/// Differences in the types the two interfaces `use` from elsewhere: what
/// they are, and which interface they come from (a resource of another
/// interface is another resource).
fn used_types(
    import_resolve: &Resolve,
    imported: &weld_wit::wit_parser::Interface,
    export_resolve: &Resolve,
    exported: &weld_wit::wit_parser::Interface,
) -> Vec<String> {
    // The type an alias finally names, and the interface that defines it.
    let origin = |resolve: &Resolve, mut id: TypeId| {
        while let TypeDefKind::Type(Type::Id(next)) = resolve.types[id].kind {
            id = next;
        }
        let owner = match resolve.types[id].owner {
            TypeOwner::Interface(iface) => resolve.id_of(iface).unwrap_or_default(),
            _ => String::new(),
        };
        (type_definition(resolve, id), owner)
    };
    let mut lines = Vec::new();
    for (name, id) in &imported.types {
        let Some(found) = exported.types.get(name) else {
            continue;
        };
        let (expected, expected_from) = origin(import_resolve, *id);
        let (actual, actual_from) = origin(export_resolve, *found);
        let from = |owner: &str| match owner {
            "" => String::new(),
            owner => format!(" from {owner}"),
        };
        if expected != actual || expected_from != actual_from {
            lines.push(format!(
                "  type {name}: expected {expected}{}, found {actual}{}",
                from(&expected_from),
                from(&actual_from)
            ));
        }
    }
    lines
}

/// The interface `name` among a component's imports or exports.
fn interface(
    (path, bytes, name): (&Path, &[u8], &str),
    import: bool,
) -> Option<(Resolve, InterfaceId)> {
    let wit = weld_wit::load_bytes(path, bytes.to_vec()).ok()?;
    let world = &wit.resolve.worlds[wit.world?];
    let items = if import {
        &world.imports
    } else {
        &world.exports
    };
    let id = items.iter().find_map(|(key, item)| match item {
        WorldItem::Interface { id, .. } if wit.resolve.name_world_key(key) == name => Some(*id),
        _ => None,
    })?;
    Some((wit.resolve, id))
}
