//! Bridges between two versions of an interface that the component model
//! cannot connect: a WASI 0.3 app's `grayscale: async func` import and a
//! 0.2 processor's sync `grayscale` export (or the reverse), which also
//! differ in name (`my:image-processor/process@0.3.0` and
//! `my:image-processor/process`).
//!
//! An `async func` and a sync `func` are different types, but both may be
//! lifted and lowered synchronously, on the same core signature. So a
//! bridge is a virtual component (see `build`) that imports the exporter's
//! version and exports the importer's, each function calling the other's
//! with its arguments as they come: the same canonical ABI on both sides.
//! `plug` puts one between every import and an export of another plug
//! that differ only so (in version and in which functions are async), and
//! the linker wires the rest as usual.

use crate::policy::{Decision, FunctionAction, Resolved};
use crate::{Error, build, failed};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use weld_link::{Composed, Plug, Shared};
use weld_wit::display::{func_type, type_definition};
use weld_wit::names::fits;
use weld_wit::validated::Validated;
use weld_wit::wasm::TopLevel;
use weld_wit::wit_parser::{InterfaceId, Resolve, WorldItem};

/// `weld_link::plug`, with a bridge between each import and a plug's
/// export that are versions of one interface the component model cannot
/// connect (see the module's comment).
pub fn plug(
    socket: &Path,
    socket_bytes: &Shared,
    plugs: &[Plug],
    validated: &Validated,
) -> Result<Composed, Error> {
    let mut all = plugs.to_vec();
    all.extend(bridges(socket, socket_bytes, plugs)?);
    Ok(weld_link::plug(socket, socket_bytes, &all, validated)?)
}

/// One component's WIT, and the instance interfaces it imports or exports.
struct Side {
    resolve: Resolve,
    imports: Vec<(String, InterfaceId)>,
    exports: Vec<(String, InterfaceId)>,
}

impl Side {
    /// None for a component whose WIT cannot be read: the linker then
    /// says what it says without bridges.
    fn read(path: &Path, bytes: &[u8]) -> Option<Side> {
        let wit = weld_wit::load_bytes(path, bytes.to_vec()).ok()?;
        let world = &wit.resolve.worlds[wit.world?];
        let interfaces = |items: &weld_wit::wit_parser::IndexMap<_, WorldItem>| {
            items
                .iter()
                .filter_map(|(key, item)| match item {
                    WorldItem::Interface { id, .. } => Some((wit.resolve.name_world_key(key), *id)),
                    _ => None,
                })
                .collect()
        };
        let (imports, exports) = (interfaces(&world.imports), interfaces(&world.exports));
        Some(Side {
            imports,
            exports,
            resolve: wit.resolve,
        })
    }
}

/// Whether any import could need a bridge: a plug exports its interface
/// at another version, and none at one that fits. Most compositions need
/// none, and are spared reading every input's WIT (which validates it).
fn may_need_bridges(socket_bytes: &[u8], plugs: &[Plug]) -> bool {
    let all: Vec<TopLevel> = std::iter::once(socket_bytes)
        .chain(plugs.iter().map(|p| &p.bytes[..]))
        .filter_map(TopLevel::read)
        .collect();
    let exports: Vec<&String> = all.iter().skip(1).flat_map(|top| &top.exports).collect();
    all.iter().flat_map(|top| &top.imports).any(|import| {
        !exports.iter().any(|e| fits(import, e))
            && exports
                .iter()
                .any(|e| unversioned(e) == unversioned(import))
    })
}

/// The bridges `plug` needs, as plugs.
fn bridges(socket: &Path, socket_bytes: &Shared, plugs: &[Plug]) -> Result<Vec<Plug>, Error> {
    if !may_need_bridges(socket_bytes, plugs) {
        return Ok(Vec::new());
    }
    let sides: Vec<Option<Side>> = std::iter::once(Side::read(socket, socket_bytes))
        .chain(plugs.iter().map(|p| Side::read(&p.path, &p.bytes)))
        .collect();
    let mut made: Vec<(String, String)> = Vec::new();
    let mut bridges = Vec::new();
    for (i, importer) in sides.iter().enumerate() {
        let Some(importer) = importer else { continue };
        for (import, import_id) in &importer.imports {
            let exporters = sides.iter().enumerate().skip(1).filter(|(j, _)| *j != i);
            let offered = exporters
                .clone()
                .filter_map(|(_, side)| side.as_ref())
                .any(|side| side.exports.iter().any(|(export, _)| fits(import, export)));
            if offered || made.iter().any(|(name, _)| name == import) {
                continue;
            }
            let found = exporters
                .filter_map(|(_, side)| side.as_ref())
                .find_map(|side| Some((side, bridgeable(importer, import, *import_id, side)?)));
            let Some((exporter, export)) = found else {
                continue;
            };
            let bytes = bridge(importer, import, exporter, export)?;
            made.push((import.clone(), export.clone()));
            bridges.push(Plug {
                path: PathBuf::from(format!("<bridge {export} to {import}>")),
                bytes: Arc::new(bytes.into()),
                only: Vec::new(),
            });
        }
    }
    Ok(bridges)
}

/// The export of `exporter` that a bridge can connect to `import`: the
/// same interface at another version, differing only in which functions
/// are `async`.
fn bridgeable<'a>(
    importer: &Side,
    import: &str,
    import_id: InterfaceId,
    exporter: &'a Side,
) -> Option<&'a String> {
    exporter.exports.iter().find_map(|(export, export_id)| {
        let same = unversioned(export) == unversioned(import)
            && alike(&importer.resolve, import_id, &exporter.resolve, *export_id);
        same.then_some(export)
    })
}

/// The bridges of a `weld compose` manifest: asked for where an import is
/// wired to an instance that exports nothing that fits it.
pub(crate) struct Bridges;

impl weld_link::Mediator for Bridges {
    fn mediate(
        &self,
        (importer_path, importer_bytes): (&Path, &Shared),
        import: &str,
        (exporter_path, exporter_bytes): (&Path, &Shared),
    ) -> Result<Option<weld_link::Mediated>, String> {
        let (Some(importer), Some(exporter)) = (
            Side::read(importer_path, importer_bytes),
            Side::read(exporter_path, exporter_bytes),
        ) else {
            return Ok(None);
        };
        let Some(&(_, import_id)) = importer.imports.iter().find(|(name, _)| name == import) else {
            return Ok(None);
        };
        let Some(export) = bridgeable(&importer, import, import_id, &exporter) else {
            return Ok(None);
        };
        let bytes = bridge(&importer, import, &exporter, export)
            .map_err(|e| weld_wit::display::error_chain(&e))?;
        Ok(Some(weld_link::Mediated {
            path: PathBuf::from(format!("<bridge {export} to {import}>")),
            kind: "bridge",
            bytes: Arc::new(bytes.into()),
            export: export.clone(),
        }))
    }
}

/// An interface name without its version.
fn unversioned(name: &str) -> &str {
    name.split_once('@').map_or(name, |(name, _)| name)
}

/// Whether two interfaces have the same types and functions, but for
/// which functions are `async`, and differ in that. Versions that differ
/// otherwise are left to the linker, whose semver rules refuse them.
fn alike(a: &Resolve, a_id: InterfaceId, b: &Resolve, b_id: InterfaceId) -> bool {
    let (a_iface, b_iface) = (&a.interfaces[a_id], &b.interfaces[b_id]);
    let asyncness_differs = a_iface.functions.iter().any(|(name, func)| {
        b_iface
            .functions
            .get(name)
            .is_some_and(|other| func.kind.is_async() != other.kind.is_async())
    });
    let sync = |text: String| {
        text.strip_prefix("async ")
            .map(str::to_owned)
            .unwrap_or(text)
    };
    asyncness_differs
        && a_iface.types.len() == b_iface.types.len()
        && a_iface.types.iter().all(|(name, ty)| {
            b_iface
                .types
                .get(name)
                .is_some_and(|other| type_definition(a, *ty) == type_definition(b, *other))
        })
        && a_iface.functions.len() == b_iface.functions.len()
        && a_iface.functions.iter().all(|(name, func)| {
            b_iface
                .functions
                .get(name)
                .is_some_and(|other| sync(func_type(a, func)) == sync(func_type(b, other)))
        })
}

/// The bridge component: imports `export` as `exporter` has it, exports
/// `import` as `importer` wants it.
fn bridge(importer: &Side, import: &str, exporter: &Side, export: &str) -> Result<Vec<u8>, Error> {
    let mut resolve = importer.resolve.clone();
    // Both decoded components have a world `root` in a package
    // `root:component`, which would not merge: the exporter's is renamed.
    let mut theirs = exporter.resolve.clone();
    let root: Vec<_> = theirs
        .packages
        .iter()
        .filter(|(_, package)| package.name.namespace == "root")
        .map(|(id, _)| id)
        .collect();
    for id in root {
        let old = theirs.packages[id].name.clone();
        theirs.packages[id].name.namespace = "weld-bridged".to_owned();
        theirs.package_names.shift_remove(&old);
        theirs
            .package_names
            .insert(theirs.packages[id].name.clone(), id);
    }
    resolve.merge(theirs).map_err(failed)?;
    let text = format!(
        "package weld:bridge;\nworld bridge {{\n  import {export};\n  export {import};\n}}\n"
    );
    let package = resolve.push_str("weld-bridge.wit", &text).map_err(failed)?;
    let world = resolve
        .select_world(&[package], Some("bridge"))
        .map_err(failed)?;
    let (_, import_id) = importer
        .imports
        .iter()
        .find(|(name, _)| name == import)
        .expect("the import was found in this side");
    let decisions: Vec<Decision> = importer.resolve.interfaces[*import_id]
        .functions
        .keys()
        .map(|function| Decision {
            interface: import.to_owned(),
            function: function.clone(),
            action: Resolved::Bridge(export.to_owned()),
            kind: FunctionAction::Forward,
        })
        .collect();
    build::build(&resolve, world, &decisions, None, &build::Around::default())
}
