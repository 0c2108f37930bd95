//! The virtualiser of weld: replaces a component's imports with a virtual
//! implementation composed inside it.
//!
//! The virtual component is generated from the WIT types alone, for any
//! interface: a world exporting the interfaces to replace, a core module
//! whose functions trap or return constants laid out by the canonical ABI
//! (wasm-encoder), wrapped by wit-component and plugged into the target by
//! weld's linker. No compiler and no prebuilt adapter is involved.

mod allow_fs;
pub mod arguments;
mod bridge;
mod build;
mod layout;
mod manifest;
mod module;
mod mount;
mod policy;
pub mod presets;
pub mod settings;
pub mod trace;
mod wasi_io;

pub use bridge::plug;
pub use manifest::{Composition, check_manifest, compose_manifest};
pub use policy::{
    Action, EnvFilter, FunctionAction, HttpMock, MockHttp, Object, Policy, Rule, Unmocked,
};

use policy::{Decision, Resolved};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use weld_link::{Composed, Plug, Shared};
use weld_wit::validated::Validated;
use weld_wit::wit_parser::{self, WorldItem};

pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Wit(#[from] weld_wit::Error),
    #[error(transparent)]
    Link(#[from] weld_link::Error),
    #[error("`{path}` has no WIT world to virtualise: {source}")]
    NoWorld { path: PathBuf, source: BoxError },
    #[error("`{rule}` names no import of the component; it imports {imports}")]
    NoSuchInterface { rule: String, imports: String },
    #[error("`{interface}` has no function `{function}`; it has {functions}")]
    NoSuchFunction {
        interface: String,
        function: String,
        functions: String,
    },
    #[error("failed to apply the [virtualize] section of `{manifest}`")]
    Virtualize {
        manifest: PathBuf,
        #[source]
        source: Box<Error>,
    },
    #[error(
        "`{interface}` cannot be virtualised: the world's own imports or its exports use its types (a world-level `use` or function, or an exported interface's `use`), which would be left undefined; leave it to the host"
    )]
    Pinned { interface: String },
    /// A component can name another interface's types in an instance
    /// type without exporting them, which WIT cannot say.
    #[error(
        "`{interface}` cannot be virtualised: the functions of `{user}` name types of `{owner}` without a `use` (the component's instance type refers to them from outside), and neither can then be defined by the virtual component; leave both to the host (under --deny-all, `--allow {user} --allow {owner}`)"
    )]
    NamedWithoutUse {
        interface: String,
        user: String,
        owner: String,
    },
    #[error("invalid {setting}: {message}")]
    Setting { setting: String, message: String },
    #[error("`{import}` is not an interface of a WIT package, so it cannot be virtualised")]
    Unnamed { import: String },
    #[error("invalid value for `{function}`, which returns {ty}: {message}")]
    Value {
        function: String,
        ty: String,
        message: String,
    },
    #[error(
        "`{function}` has no error case `{case}` to deny with; the cases without a payload are {cases}"
    )]
    ErrorCase {
        function: String,
        case: String,
        cases: String,
    },
    #[error("cannot mount `{path}`")]
    Mount {
        path: PathBuf,
        #[source]
        source: BoxError,
    },
    #[error(
        "`{path}` is instrumented for tracing already (it has a `weld-trace` section, or imports `weld:trace/tap`): trace the component it was made from, or run it as it is"
    )]
    Traced { path: PathBuf },
    #[error("failed to build the virtual component")]
    Build(#[source] BoxError),
}

/// What became of one import of the target.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub name: String,
    pub action: ImportAction,
    /// Why an import was left alone, when it is not the policy's choice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'static str>,
    /// Each function and what it does.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub functions: Vec<FunctionReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FunctionReport {
    pub name: String,
    pub action: FunctionAction,
    /// The rules it checks or filters by: `--allow-http` grants,
    /// `--allow-env` globs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<String>,
}

/// The note on an interface the world declares inline (`import x:
/// interface {...}`), left to the host.
const UNNAMED: &str = "an interface declared in the world, with no package name: weld cannot virtualise it, so it is the host's";
/// The note on an interface left to the host for the world's own imports.
const PINNED: &str = "its types are used by the world's own imports or its exports (a world-level `use` or function, or an exported interface's `use`), or it and another import are tied by a type one names of the other without a `use`, so it stays the host's";
/// The note on a function the world imports on its own.
const WORLD_FUNCTION: &str = "a function imported by the world itself, not in an interface: weld cannot virtualise it, so it is the host's";

/// What became of one import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImportAction {
    /// Untouched: the host's.
    PassedThrough,
    /// An interface of types only, defined by the virtual component.
    Replaced,
    /// Every function returns a constant.
    Virtualized,
    Denied,
    Trapped,
    /// Calls go to the host's own functions through the virtual component,
    /// its resources wrapping the host's.
    Forwarded,
    /// Numbers from weld's seeded generator.
    Random,
    /// weld's monotonic clock.
    VirtualTime,
    /// Served from the mounted tree.
    Mounted,
    /// The host's, filtered inside the component (`--allow-env`).
    Filtered,
    /// The host's, for what rules checked inside the component allow
    /// (`--allow-http`).
    Checked,
    /// Mocked responses for what patterns match (`--http-response`).
    Mocked,
    /// Its functions do different things.
    Mixed,
}

impl From<FunctionAction> for ImportAction {
    /// What an import is when all its functions do the same.
    fn from(action: FunctionAction) -> ImportAction {
        match action {
            FunctionAction::Const => ImportAction::Virtualized,
            FunctionAction::Deny => ImportAction::Denied,
            FunctionAction::Trap => ImportAction::Trapped,
            FunctionAction::Forward => ImportAction::Forwarded,
            FunctionAction::Random => ImportAction::Random,
            FunctionAction::VirtualTime => ImportAction::VirtualTime,
            FunctionAction::Mount => ImportAction::Mounted,
            FunctionAction::Filter => ImportAction::Filtered,
            FunctionAction::Check => ImportAction::Checked,
            FunctionAction::Mock => ImportAction::Mocked,
        }
    }
}

/// What `--report` writes.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub imports: Vec<ImportReport>,
    /// The imports of the result.
    #[serde(rename = "remaining-imports")]
    pub remaining_imports: Vec<String>,
    /// Host paths under a mount that were left out: links to nothing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<PathBuf>,
}

/// The virtualised component, and what became of each import.
pub struct Virtualized {
    pub composed: Composed,
    pub report: Report,
}

/// Replaces the imports `policy` covers with a virtual component plugged
/// into the target; `validated` records which inputs need no validation.
pub fn virtualize(
    path: &Path,
    bytes: &Shared,
    policy: &Policy,
    validated: &Validated,
) -> Result<Virtualized, Error> {
    let Target {
        wit,
        world_id,
        imports,
        pinned,
    } = Target::read(path, bytes)?;
    let mut resolve = wit.resolve;
    let world = &resolve.worlds[world_id];
    let (replaced, decisions) = policy.decide(&resolve, &imports, &pinned)?;

    // The world the virtual component implements: every interface with a
    // decision, exported, and imported too if it passes calls on.
    if let Some(unnamed) = replaced.iter().find(|name| !name.contains(':')) {
        return Err(Error::Unnamed {
            import: unnamed.clone(),
        });
    }
    let forwarding = |name: &str| {
        decisions
            .iter()
            .any(|d| d.interface == name && d.action.calls_host())
    };
    let mut report = report(&imports, &pinned, &replaced, &decisions);
    for (key, item) in &world.imports {
        if let WorldItem::Function(_) = item {
            report.imports.push(ImportReport {
                name: resolve.name_world_key(key),
                action: ImportAction::PassedThrough,
                note: Some(WORLD_FUNCTION),
                functions: Vec::new(),
            });
        }
    }
    if replaced.is_empty() {
        // Nothing to replace: the result is the component itself.
        let composed = weld_link::plug(path, bytes, &[], validated)?;
        return finish(composed, report);
    }
    let virtual_world = virtual_world(&mut resolve, &replaced, &forwarding, "")?;

    let tree = match decisions.iter().any(|d| d.action == Resolved::Mounts) {
        true => Some(
            mount::Tree::read(&policy.wasi.mounts).map_err(|(path, source)| Error::Mount {
                path,
                source: source.into(),
            })?,
        ),
        false => None,
    };
    if let Some(tree) = &tree {
        report.skipped = tree.skipped.clone();
    }
    for check in decisions
        .iter()
        .filter(|d| matches!(d.action, Resolved::CheckHttp(_) | Resolved::MockHttp(_)))
    {
        add_request_getters(&mut resolve, &imports, &check.interface, &check.function)?;
    }
    let component = build::build(
        &resolve,
        virtual_world,
        &decisions,
        tree.as_ref(),
        &build::Around::default(),
    )?;
    let plug = Plug {
        path: PathBuf::from("<virtual>"),
        bytes: Arc::new(component.into()),
        only: Vec::new(),
    };
    let composed = weld_link::plug(path, bytes, &[plug], validated)?;
    finish(composed, report)
}

/// A component's imports, as the virtual component may replace them.
struct Target {
    /// The component's WIT, read from its imports alone where it can be.
    wit: weld_wit::Wit,
    world_id: wit_parser::WorldId,
    /// Its imported interfaces, by name.
    imports: Vec<(String, wit_parser::InterfaceId)>,
    /// Those that must stay the host's (see [`policy::pinned`]).
    pinned: Vec<wit_parser::InterfaceId>,
}

impl Target {
    fn read(path: &Path, bytes: &Shared) -> Result<Target, Error> {
        let wit =
            weld_wit::load_bytes(path, imports_only(bytes).unwrap_or_else(|| bytes.to_vec()))?;
        let world_id = wit.world.ok_or_else(|| Error::NoWorld {
            path: path.to_owned(),
            source: "it is a WIT package, not a component".into(),
        })?;
        let resolve = &wit.resolve;
        let world = &resolve.worlds[world_id];
        let imports: Vec<(String, wit_parser::InterfaceId)> = world
            .imports
            .iter()
            .filter_map(|(key, item)| match item {
                WorldItem::Interface { id, .. } => Some((resolve.name_world_key(key), *id)),
                _ => None,
            })
            .collect();
        // The exports are read from the whole component, when its WIT can
        // be, or else from it with each item exported once: WIT cannot
        // place the types of an instance exported under two names, which
        // use the same imports either way.
        let full = weld_wit::load_bytes(path, bytes.to_vec()).or_else(|e| {
            exported_once(bytes).map_or(Err(e), |once| weld_wit::load_bytes(path, once))
        });
        let used_by_exports: Vec<wit_parser::InterfaceId> = full
            .map(|full| policy::used_by_exports(&full))
            .unwrap_or_default()
            .iter()
            .filter_map(|name| imports.iter().find(|(n, _)| n == name).map(|(_, id)| *id))
            .collect();
        let pinned = policy::pinned(resolve, world, used_by_exports);
        Ok(Target {
            wit,
            world_id,
            imports,
            pinned,
        })
    }
}

/// The world a virtual component implements: each of `replaced`
/// exported, and imported too if it passes calls on, with `more` (WIT
/// lines) beside them.
fn virtual_world(
    resolve: &mut wit_parser::Resolve,
    replaced: &[String],
    forwarding: &dyn Fn(&str) -> bool,
    more: &str,
) -> Result<wit_parser::WorldId, Error> {
    let text = format!(
        "package weld:virtual;\nworld virtual {{\n{more}{}}}\n",
        replaced
            .iter()
            .map(|name| match forwarding(name) {
                true => format!("  import {name};\n  export {name};\n"),
                false => format!("  export {name};\n"),
            })
            .collect::<String>()
    );
    let package = resolve
        .push_str("weld-virtual.wit", &text)
        .map_err(failed)?;
    resolve
        .select_world(&[package], Some("virtual"))
        .map_err(failed)
}

/// wit-parser's errors, with their chains.
fn failed(e: impl std::fmt::Display) -> Error {
    Error::Build(format!("{e:#}").into())
}

fn finish(composed: Composed, mut report: Report) -> Result<Virtualized, Error> {
    report.remaining_imports = composed
        .plan
        .leftover()
        .into_iter()
        .map(str::to_owned)
        .collect();
    Ok(Virtualized { composed, report })
}

fn report(
    imports: &[(String, wit_parser::InterfaceId)],
    pinned: &[wit_parser::InterfaceId],
    replaced: &[String],
    decisions: &[Decision],
) -> Report {
    let imports = imports
        .iter()
        .map(|(name, id)| {
            let functions: Vec<FunctionReport> = decisions
                .iter()
                .filter(|d| d.interface == *name)
                .map(|d| FunctionReport {
                    name: d.function.clone(),
                    action: d.kind,
                    rules: d.action.rules(),
                })
                .collect();
            let action = match functions.first() {
                None if replaced.contains(name) => ImportAction::Replaced,
                None => ImportAction::PassedThrough,
                Some(first) if functions.iter().all(|f| f.action == first.action) => {
                    first.action.into()
                }
                Some(_) => ImportAction::Mixed,
            };
            let note = match (replaced.contains(name), name.contains(':')) {
                (true, _) => None,
                (false, false) => Some(UNNAMED),
                (false, true) => pinned.contains(id).then_some(PINNED),
            };
            ImportReport {
                name: name.clone(),
                action,
                note,
                functions,
            }
        })
        .collect();
    Report {
        imports,
        remaining_imports: Vec::new(),
        skipped: Vec::new(),
    }
}

/// The start of a component's top level that declares its imports: a
/// component that only imports, whose WIT wit-parser can decode even when
/// the component also exports what it imports (which its decoder refuses).
/// None when the imports are not all at the start.
fn imports_only(bytes: &[u8]) -> Option<Vec<u8>> {
    use wasm_encoder::{ComponentSection, RawSection};
    use wasmparser::{Chunk, Parser, Payload};
    let mut out = bytes.get(..8)?.to_vec();
    let mut parser = Parser::new(0);
    let mut data = bytes;
    loop {
        let Chunk::Parsed { consumed, payload } = parser.parse(data, true).ok()? else {
            return None;
        };
        data = &data[consumed..];
        match &payload {
            Payload::Version { .. } | Payload::CustomSection(_) => continue,
            Payload::ComponentTypeSection(_)
            | Payload::ComponentImportSection(_)
            | Payload::ComponentAliasSection(_)
            | Payload::CoreTypeSection(_) => {
                let (id, range) = payload.as_section()?;
                RawSection {
                    id,
                    data: bytes.get(range)?,
                }
                .append_to_component(&mut out);
            }
            _ => break,
        }
    }
    weld_wit::wasm::validate(Path::new("imports"), &out).ok()?;
    Some(out)
}

/// The component with its top-level exports of an item already exported
/// left out, when they come last (no later section can refer to the
/// indices they make); None otherwise, or if nothing is left out.
fn exported_once(bytes: &[u8]) -> Option<Vec<u8>> {
    use wasm_encoder::{ComponentSection, RawSection};
    use wasmparser::{Parser, Payload};
    let mut out = bytes.get(..8)?.to_vec();
    let mut depth = 0usize;
    let mut exports: Option<Vec<u8>> = None;
    // The top level's instances: each an alias of another's export (by
    // its source), or one of its own.
    let mut instances: Vec<InstanceSource> = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.ok()?;
        match &payload {
            Payload::ComponentImportSection(reader) if depth == 1 => {
                for import in reader.clone() {
                    if let wasmparser::ComponentTypeRef::Instance(_) = import.ok()?.ty {
                        instances.push(InstanceSource::Own(instances.len()));
                    }
                }
            }
            Payload::ComponentInstanceSection(reader) if depth == 1 => {
                for _ in 0..reader.count() {
                    instances.push(InstanceSource::Own(instances.len()));
                }
            }
            Payload::ComponentAliasSection(reader) if depth == 1 => {
                for alias in reader.clone() {
                    if let wasmparser::ComponentAlias::InstanceExport {
                        kind: wasmparser::ComponentExternalKind::Instance,
                        instance_index,
                        name,
                    } = alias.ok()?
                    {
                        let of = instances.get(instance_index as usize)?.clone();
                        instances.push(InstanceSource::Export(Box::new(of), name.to_owned()));
                    }
                }
            }
            _ => {}
        }
        match &payload {
            Payload::Version { .. } => {
                depth += 1;
                continue;
            }
            Payload::End(_) => {
                depth -= 1;
                continue;
            }
            _ if depth > 1 => continue,
            Payload::CustomSection(_) => continue,
            // Anything after the exports: they do not come last.
            _ if exports.is_some() => return None,
            Payload::ComponentExportSection(reader) => {
                let end = reader.range().end;
                let items: Vec<(usize, wasmparser::ComponentExport<'_>)> = reader
                    .clone()
                    .into_iter_with_offsets()
                    .collect::<Result<_, _>>()
                    .ok()?;
                let mut seen = Vec::new();
                let mut kept = Vec::new();
                let mut count = 0u32;
                for (i, (start, export)) in items.iter().enumerate() {
                    let stop = items.get(i + 1).map_or(end, |(next, _)| *next);
                    let item = match export.kind {
                        wasmparser::ComponentExternalKind::Instance => {
                            ExportedItem::Instance(instances.get(export.index as usize)?.clone())
                        }
                        kind => ExportedItem::Other(kind as u8, export.index),
                    };
                    if !seen.contains(&item) {
                        seen.push(item);
                        kept.extend_from_slice(bytes.get(*start..stop)?);
                        count += 1;
                    }
                }
                if count as usize == items.len() {
                    return None;
                }
                let mut data = Vec::new();
                wasm_encoder::Encode::encode(&count, &mut data);
                data.extend(kept);
                exports = Some(data);
                continue;
            }
            _ => {}
        }
        let (id, range) = payload.as_section()?;
        RawSection {
            id,
            data: bytes.get(range)?,
        }
        .append_to_component(&mut out);
    }
    RawSection {
        id: wasm_encoder::ComponentSectionId::Export as u8,
        data: &exports?,
    }
    .append_to_component(&mut out);
    weld_wit::wasm::validate(Path::new("exports"), &out).ok()?;
    Some(out)
}

/// Where an instance of a component's top level comes from, so that two
/// aliases of one export are known to be the same instance.
#[derive(Debug, Clone, PartialEq, Eq)]
enum InstanceSource {
    /// Imported or instantiated: its index.
    Own(usize),
    /// An export of another, by name.
    Export(Box<InstanceSource>, String),
}

/// An item a component exports, as [`exported_once`] tells them apart.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ExportedItem {
    Instance(InstanceSource),
    /// Any other kind (as its byte), by index.
    Other(u8, u32),
}

/// `--allow-http` reads each request's scheme, authority, method and
/// path. A component that never calls those getters has them missing
/// from its decoded `wasi:http/types` (and the `method` variant too, if it
/// never sets one), so they are added as the host defines them for the
/// request that `client`'s `function` sends (0.2's `outgoing-request`, or
/// 0.3's `request`, whose getters are named `get-scheme` and so on):
/// `scheme: func() -> option<scheme>`, `authority` and `path-with-query:
/// func() -> option<string>`, and `method: func() -> method`.
fn add_request_getters(
    resolve: &mut wit_parser::Resolve,
    imports: &[(String, wit_parser::InterfaceId)],
    client: &str,
    function: &str,
) -> Result<(), Error> {
    use wit_parser::{
        Case, Function, FunctionKind, Handle, Param, Type, TypeDef, TypeDefKind, TypeOwner, Variant,
    };
    let missing = |what: &str| Error::Build(format!("cannot check HTTP requests: {what}").into());
    let (request, types) = imports
        .iter()
        .find(|(name, _)| name == client)
        .and_then(|(_, id)| resolve.interfaces[*id].functions.get(function))
        .and_then(|func| build::sent_request(resolve, func))
        .ok_or_else(|| missing(&format!("`{client}#{function}` sends no request")))?;
    let named = |resolve: &wit_parser::Resolve, name: &str| {
        resolve.interfaces[types]
            .types
            .get(name)
            .copied()
            .ok_or_else(|| missing(&format!("wasi:http/types has no `{name}`")))
    };
    let scheme = named(resolve, "scheme")?;
    let method = named(resolve, "method").ok();
    let mut define = |name: Option<&str>, kind| {
        resolve.types.alloc(TypeDef {
            name: name.map(str::to_owned),
            kind,
            owner: match name {
                Some(_) => TypeOwner::Interface(types),
                None => TypeOwner::None,
            },
            docs: Default::default(),
            stability: Default::default(),
            span: Default::default(),
            external_id: None,
        })
    };
    let method = method.unwrap_or_else(|| {
        let cases = build::METHODS
            .iter()
            .map(|name| (name.to_ascii_lowercase(), None))
            .chain([("other".to_owned(), Some(Type::String))])
            .map(|(name, ty)| Case {
                name,
                ty,
                docs: Default::default(),
                span: Default::default(),
            })
            .collect();
        define(Some("method"), TypeDefKind::Variant(Variant { cases }))
    });
    let this = define(None, TypeDefKind::Handle(Handle::Borrow(request)));
    let scheme = define(None, TypeDefKind::Option(Type::Id(scheme)));
    let text = define(None, TypeDefKind::Option(Type::String));
    resolve.interfaces[types]
        .types
        .entry("method".to_owned())
        .or_insert(method);
    for (getter, result) in [
        ("scheme", scheme),
        ("authority", text),
        ("method", method),
        ("path-with-query", text),
    ] {
        let name = build::request_getter(resolve, request, getter);
        let functions = &mut resolve.interfaces[types].functions;
        if functions.contains_key(&name) {
            continue;
        }
        functions.insert(
            name.clone(),
            Function {
                name,
                kind: FunctionKind::Method(request),
                params: vec![Param {
                    name: "self".to_owned(),
                    ty: Type::Id(this),
                    span: Default::default(),
                }],
                result: Some(Type::Id(result)),
                docs: Default::default(),
                stability: Default::default(),
                span: Default::default(),
                external_id: None,
            },
        );
    }
    Ok(())
}
