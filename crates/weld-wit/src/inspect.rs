//! What a component or core module holds: its interface in WIT terms, its
//! nested modules and components, and who produced it.

use crate::display::{func_type, type_definition};
use crate::wasm::{self, WasmKind};
use crate::{Error, Result};
use serde::Serialize;
use std::path::Path;
use wasmparser::{
    ComponentAlias, ComponentExternalKind, ComponentName, ComponentOuterAliasKind,
    ComponentTypeRef, KnownCustom, Parser, Payload, TypeBounds,
};
use wit_parser::decoding::DecodedWasm;
use wit_parser::{Interface, Resolve, TypeDefKind, WorldItem, WorldKey};

#[derive(Debug, Serialize)]
pub struct Report {
    /// The size of the whole binary in bytes.
    pub size: usize,
    #[serde(flatten)]
    pub contents: Contents,
}

#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Contents {
    Component(ComponentReport),
    Module(ModuleReport),
    /// A WIT package encoded as a component (`wasm-tools component wit --wasm`).
    WitPackage {
        package: String,
    },
}

#[derive(Debug, Serialize)]
pub struct ComponentReport {
    pub imports: Vec<Item>,
    pub exports: Vec<Item>,
    /// Nested core modules and components, depth first, in binary order.
    pub nested: Vec<Nested>,
    pub producers: Vec<ProducerField>,
    /// Why the component's types could not be read as WIT, when they cannot
    /// (a top-level type export, say); imports and exports then show names
    /// and kinds only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_wit: Option<String>,
    /// What was wrong but did not stop the report (a corrupt name section).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// How it uses the component model's concurrency (WASI 0.3), in it and
    /// in the components it nests; absent when it does not.
    #[serde(skip_serializing_if = "Concurrency::is_empty")]
    pub concurrency: Concurrency,
}

/// The canonical options and built-ins of the component model's
/// concurrency that a component uses: what decides how a runtime must call
/// it (an `async` lift runs as a task; one with a `callback` is stackless,
/// one without needs a stack of its own).
#[derive(Debug, Default, Serialize)]
pub struct Concurrency {
    /// Functions lifted with the `async` option.
    pub lifted_async: usize,
    /// Of those, the ones with a `callback` (stackless).
    pub lifted_with_callback: usize,
    /// Imports lowered with the `async` option: the caller goes on while
    /// the call is in progress.
    pub lowered_async: usize,
    /// The concurrency built-ins it uses (`task.return`, `stream.read`...),
    /// each with how many times it is defined, by name.
    pub builtins: std::collections::BTreeMap<&'static str, usize>,
}

impl Concurrency {
    /// What a binary uses, at any depth; None for one that does not parse.
    pub fn of(bytes: &[u8]) -> Option<Concurrency> {
        let mut concurrency = Concurrency::default();
        for payload in Parser::new(0).parse_all(bytes) {
            if let Payload::ComponentCanonicalSection(reader) = payload.ok()? {
                for function in reader {
                    concurrency.add(&function.ok()?);
                }
            }
        }
        Some(concurrency)
    }

    pub fn is_empty(&self) -> bool {
        self.lifted_async == 0 && self.lowered_async == 0 && self.builtins.is_empty()
    }

    fn add(&mut self, function: &wasmparser::CanonicalFunction) {
        use wasmparser::{CanonicalFunction as F, CanonicalOption};
        let is_async = |options: &[CanonicalOption]| options.contains(&CanonicalOption::Async);
        let builtin = match function {
            F::Lift { options, .. } => {
                if is_async(options) {
                    self.lifted_async += 1;
                    if options
                        .iter()
                        .any(|o| matches!(o, CanonicalOption::Callback(_)))
                    {
                        self.lifted_with_callback += 1;
                    }
                }
                return;
            }
            F::Lower { options, .. } => {
                self.lowered_async += usize::from(is_async(options));
                return;
            }
            F::TaskReturn { .. } => "task.return",
            F::TaskCancel => "task.cancel",
            F::BackpressureInc => "backpressure.inc",
            F::BackpressureDec => "backpressure.dec",
            F::ContextGet { .. } => "context.get",
            F::ContextSet { .. } => "context.set",
            F::ThreadYield { .. } => "thread.yield",
            F::SubtaskDrop => "subtask.drop",
            F::SubtaskCancel { .. } => "subtask.cancel",
            F::StreamNew { .. } => "stream.new",
            F::StreamRead { .. } => "stream.read",
            F::StreamWrite { .. } => "stream.write",
            F::StreamCancelRead { .. } => "stream.cancel-read",
            F::StreamCancelWrite { .. } => "stream.cancel-write",
            F::StreamDropReadable { .. } => "stream.drop-readable",
            F::StreamDropWritable { .. } => "stream.drop-writable",
            F::FutureNew { .. } => "future.new",
            F::FutureRead { .. } => "future.read",
            F::FutureWrite { .. } => "future.write",
            F::FutureCancelRead { .. } => "future.cancel-read",
            F::FutureCancelWrite { .. } => "future.cancel-write",
            F::FutureDropReadable { .. } => "future.drop-readable",
            F::FutureDropWritable { .. } => "future.drop-writable",
            F::ErrorContextNew { .. } => "error-context.new",
            F::ErrorContextDebugMessage { .. } => "error-context.debug-message",
            F::ErrorContextDrop => "error-context.drop",
            F::WaitableSetNew => "waitable-set.new",
            F::WaitableSetWait { .. } => "waitable-set.wait",
            F::WaitableSetPoll { .. } => "waitable-set.poll",
            F::WaitableSetDrop => "waitable-set.drop",
            F::WaitableJoin => "waitable.join",
            _ => return,
        };
        *self.builtins.entry(builtin).or_default() += 1;
    }
}

impl std::fmt::Display for Concurrency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} lifted async ({} with a callback), {} lowered async",
            self.lifted_async, self.lifted_with_callback, self.lowered_async
        )?;
        if !self.builtins.is_empty() {
            let builtins: Vec<String> = self
                .builtins
                .iter()
                .map(|(name, count)| match count {
                    1 => (*name).to_owned(),
                    n => format!("{name} ×{n}"),
                })
                .collect();
            write!(f, "; built-ins: {}", builtins.join(", "))?;
        }
        Ok(())
    }
}

/// One import or export of a component.
#[derive(Debug, Serialize)]
pub struct Item {
    /// The full name: `wasi:cli/run@0.2.12`, or a plain name like `greet`.
    pub name: String,
    pub version: Option<String>,
    pub kind: ItemKind,
    /// For a function: its type, `func(img: image) -> image`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// For an instance or a type: the type definitions, in WIT syntax.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<TypeItem>,
    /// For an instance: its functions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub functions: Vec<FunctionItem>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemKind {
    Instance,
    Function,
    Type,
    Resource,
    // Only outside WIT:
    Module,
    Component,
    Value,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Instance => "instance",
            ItemKind::Function => "function",
            ItemKind::Type => "type",
            ItemKind::Resource => "resource",
            ItemKind::Module => "module",
            ItemKind::Component => "component",
            ItemKind::Value => "value",
        }
    }
}

#[derive(Debug, Serialize)]
pub struct TypeItem {
    pub name: String,
    pub definition: String,
}

#[derive(Debug, Serialize)]
pub struct FunctionItem {
    /// As written in WIT: `resize`, or `[method]descriptor.read` for methods.
    pub name: String,
    pub signature: String,
}

#[derive(Debug, Serialize)]
pub struct Nested {
    pub kind: NestedKind,
    /// Position in its parent's index space of modules or components.
    pub index: u32,
    /// How deep it sits: 1 for a direct child of the inspected component.
    pub depth: usize,
    /// From the parent's `component-name` section, when there is one.
    pub name: Option<String>,
    pub size: usize,
    pub producers: Vec<ProducerField>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NestedKind {
    Module,
    Component,
}

/// A field of a `producers` section, e.g. `processed-by: wit-component 0.254.2`.
#[derive(Debug, Serialize)]
pub struct ProducerField {
    pub field: String,
    pub values: Vec<ProducerValue>,
}

#[derive(Debug, Serialize)]
pub struct ProducerValue {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Serialize)]
pub struct ModuleReport {
    pub imports: Vec<CoreImport>,
    pub exports: Vec<CoreExport>,
    /// The worlds named by `component-type` custom sections, i.e. the WIT
    /// metadata that `weld new` turns into a component.
    pub component_type: Vec<String>,
    pub producers: Vec<ProducerField>,
}

#[derive(Debug, Serialize)]
pub struct CoreImport {
    pub module: String,
    pub name: String,
    /// `func(i32, i32) -> i32`, `memory`, `table`, `global`, `tag`.
    #[serde(rename = "type")]
    pub ty: String,
}

#[derive(Debug, Serialize)]
pub struct CoreExport {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
}

/// Inspects a binary (already converted from text, if it was text).
pub fn inspect(path: &Path, bytes: &[u8]) -> Result<Report> {
    let kind = wasm::kind(path, bytes)?;
    let types = wasm::validate(path, bytes)?;
    let contents = match kind {
        WasmKind::Module => Contents::Module(module_report(path, bytes, &types)?),
        WasmKind::Component => component_report(path, bytes)?,
    };
    Ok(Report {
        size: bytes.len(),
        contents,
    })
}

fn component_report(path: &Path, bytes: &[u8]) -> Result<Contents> {
    let walked = walk(path, bytes)?;
    let decoded = crate::guard::decode(bytes);
    let (resolve, world) = match decoded {
        Ok(DecodedWasm::Component(resolve, world)) => (resolve, world),
        Ok(DecodedWasm::WitPackage(resolve, package)) => {
            return Ok(Contents::WitPackage {
                package: resolve.packages[package].name.to_string(),
            });
        }
        Err(e) => {
            return Ok(Contents::Component(ComponentReport {
                imports: walked.imports,
                exports: walked.exports,
                nested: walked.nested,
                producers: walked.producers,
                not_wit: Some(format!("{e:#}")),
                warnings: walked.warnings,
                concurrency: walked.concurrency,
            }));
        }
    };
    let world = &resolve.worlds[world];
    let items = |items: &wit_parser::IndexMap<WorldKey, WorldItem>| {
        items
            .iter()
            .map(|(key, item)| world_item(&resolve, key, item))
            .collect()
    };
    // WIT has no words for imported components or modules: those the
    // world leaves out are listed by name and kind.
    let with_raw = |mut items: Vec<Item>, raw: Vec<Item>| {
        for item in raw {
            if !items.iter().any(|i| i.name == item.name) {
                items.push(item);
            }
        }
        items
    };
    Ok(Contents::Component(ComponentReport {
        imports: with_raw(items(&world.imports), walked.imports),
        exports: with_raw(items(&world.exports), walked.exports),
        nested: walked.nested,
        producers: walked.producers,
        not_wit: None,
        warnings: walked.warnings,
        concurrency: walked.concurrency,
    }))
}

/// An import or export known only by its name and kind.
fn raw_item(name: &str, kind: ItemKind) -> Item {
    Item {
        name: name.to_owned(),
        version: name.split_once('@').map(|(_, v)| v.to_owned()),
        kind,
        signature: None,
        types: Vec::new(),
        functions: Vec::new(),
    }
}

fn world_item(resolve: &Resolve, key: &WorldKey, item: &WorldItem) -> Item {
    let name = resolve.name_world_key(key);
    match item {
        WorldItem::Interface { id, .. } => {
            let iface = &resolve.interfaces[*id];
            let version = iface
                .package
                .and_then(|p| resolve.packages[p].name.version.as_ref())
                .map(|v| v.to_string());
            Item {
                name,
                version,
                kind: ItemKind::Instance,
                signature: None,
                types: interface_types(resolve, iface),
                functions: iface
                    .functions
                    .values()
                    .map(|f| FunctionItem {
                        name: f.name.clone(),
                        signature: func_type(resolve, f),
                    })
                    .collect(),
            }
        }
        WorldItem::Function(f) => Item {
            name,
            version: None,
            kind: ItemKind::Function,
            signature: Some(func_type(resolve, f)),
            types: Vec::new(),
            functions: Vec::new(),
        },
        WorldItem::Type { id, .. } => {
            let kind = match resolve.types[*id].kind {
                TypeDefKind::Resource => ItemKind::Resource,
                _ => ItemKind::Type,
            };
            Item {
                name: name.clone(),
                version: None,
                kind,
                signature: None,
                types: vec![TypeItem {
                    name,
                    definition: type_definition(resolve, *id),
                }],
                functions: Vec::new(),
            }
        }
    }
}

fn interface_types(resolve: &Resolve, iface: &Interface) -> Vec<TypeItem> {
    iface
        .types
        .iter()
        .map(|(name, id)| {
            let ty = &resolve.types[*id];
            // A `use`d type is an alias of a type owned by another interface.
            let definition = match (&ty.kind, ty.owner) {
                (TypeDefKind::Type(wit_parser::Type::Id(target)), _)
                    if resolve.types[*target].owner != ty.owner =>
                {
                    let target = &resolve.types[*target];
                    let from = match target.owner {
                        wit_parser::TypeOwner::Interface(i) => resolve
                            .id_of(i)
                            .unwrap_or_else(|| "an inline interface".to_owned()),
                        _ => "a world".to_owned(),
                    };
                    // `use a.{t as u}` keeps its local name.
                    let used = target.name.as_deref().unwrap_or(name.as_str());
                    match used == name {
                        true => format!("use {from}.{{{used}}}"),
                        false => format!("use {from}.{{{used} as {name}}}"),
                    }
                }
                _ => type_definition(resolve, *id),
            };
            TypeItem {
                name: name.clone(),
                definition,
            }
        })
        .collect()
}

fn module_report(
    path: &Path,
    bytes: &[u8],
    types: &wasmparser::types::Types,
) -> Result<ModuleReport> {
    let invalid = |source| Error::Invalid {
        path: path.to_owned(),
        source,
    };
    let mut report = ModuleReport {
        imports: Vec::new(),
        exports: Vec::new(),
        component_type: Vec::new(),
        producers: Vec::new(),
    };
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(invalid)? {
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import.map_err(invalid)?;
                    let ty = types
                        .as_ref()
                        .entity_type_from_import(&import)
                        .map(|ty| entity_type(types, ty))
                        .unwrap_or_default();
                    report.imports.push(CoreImport {
                        module: import.module.to_owned(),
                        name: import.name.to_owned(),
                        ty,
                    });
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.map_err(invalid)?;
                    let ty = types
                        .as_ref()
                        .entity_type_from_export(&export)
                        .map(|ty| entity_type(types, ty))
                        .unwrap_or_default();
                    report.exports.push(CoreExport {
                        name: export.name.to_owned(),
                        ty,
                    });
                }
            }
            Payload::CustomSection(section) if section.name().starts_with("component-type") => {
                // The section holds the world encoded as a component type.
                let decoded = crate::guard::guarded("wit-parser", || {
                    wit_parser::decoding::decode_world(section.data())
                });
                let world = decoded.ok().and_then(Result::ok).map(|(resolve, world)| {
                    let world = &resolve.worlds[world];
                    match world.package {
                        Some(p) => resolve.id_of_name(p, &world.name),
                        None => world.name.clone(),
                    }
                });
                report.component_type.push(world.unwrap_or_else(|| {
                    format!("{} (in a format weld cannot read)", section.name())
                }));
            }
            Payload::CustomSection(section) => {
                if let KnownCustom::Producers(reader) = section.as_known() {
                    report.producers = producers(reader).map_err(invalid)?;
                }
            }
            _ => {}
        }
    }
    Ok(report)
}

fn entity_type(types: &wasmparser::types::Types, ty: wasmparser::types::EntityType) -> String {
    use wasmparser::types::EntityType;
    match ty {
        EntityType::Func(id) | EntityType::FuncExact(id) => match types[id].composite_type.inner {
            wasmparser::CompositeInnerType::Func(ref f) => {
                let list = |tys: &[wasmparser::ValType]| {
                    tys.iter()
                        .map(|t| t.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                match f.results() {
                    [] => format!("func({})", list(f.params())),
                    [one] => format!("func({}) -> {one}", list(f.params())),
                    many => format!("func({}) -> ({})", list(f.params()), list(many)),
                }
            }
            _ => "func".to_owned(),
        },
        EntityType::Table(t) => format!("table {}", t.element_type),
        EntityType::Memory(m) => match m.maximum {
            Some(max) => format!("memory {}..{max}", m.initial),
            None => format!("memory {}..", m.initial),
        },
        EntityType::Global(g) => match g.mutable {
            true => format!("global mut {}", g.content_type),
            false => format!("global {}", g.content_type),
        },
        EntityType::Tag(_) => "tag".to_owned(),
    }
}

fn producers(
    reader: wasmparser::ProducersSectionReader<'_>,
) -> wasmparser::Result<Vec<ProducerField>> {
    let mut fields = Vec::new();
    for field in reader {
        let field = field?;
        let mut values = Vec::new();
        for value in field.values {
            let value = value?;
            values.push(ProducerValue {
                name: value.name.to_owned(),
                version: value.version.to_owned(),
            });
        }
        fields.push(ProducerField {
            field: field.name.to_owned(),
            values,
        });
    }
    Ok(fields)
}

/// One component or module being parsed, with the index spaces needed to
/// match names from its `component-name` section to its children.
#[derive(Default)]
struct Frame {
    /// Index in the report's `nested` list; `None` for the inspected binary.
    item: Option<usize>,
    modules: u32,
    components: u32,
    /// (index space position, report index) of each child module/component.
    module_children: Vec<(u32, usize)>,
    component_children: Vec<(u32, usize)>,
}

/// What a walk over the binary's sections finds.
struct Walk {
    nested: Vec<Nested>,
    producers: Vec<ProducerField>,
    /// Top-level imports and exports by name and kind, for components whose
    /// types are not WIT.
    imports: Vec<Item>,
    exports: Vec<Item>,
    warnings: Vec<String>,
    concurrency: Concurrency,
}

/// The warning for a `component-name` section that cannot be read.
pub fn bad_names(error: &wasmparser::BinaryReaderError) -> String {
    format!(
        "the `component-name` section is corrupt ({}); its names are left out",
        error.message()
    )
}

/// Walks the binary for nested modules and components, their sizes, names
/// and producers, and for the top level's own producers, imports and exports.
fn walk(path: &Path, bytes: &[u8]) -> Result<Walk> {
    let invalid = |source| Error::Invalid {
        path: path.to_owned(),
        source,
    };
    let mut nested: Vec<Nested> = Vec::new();
    let mut top_producers = Vec::new();
    let (mut imports, mut exports) = (Vec::new(), Vec::new());
    let mut warnings = Vec::new();
    let mut concurrency = Concurrency::default();
    let mut stack = vec![Frame::default()];
    // The first `Version` payload opens the inspected binary itself.
    let mut pending: Option<(NestedKind, usize)> = None;
    let mut opened_top = false;
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(invalid)?;
        let frame = stack.last_mut().expect("the top frame is popped last");
        match payload {
            Payload::Version { .. } => {
                if !opened_top {
                    opened_top = true;
                    continue;
                }
                let (kind, size) = pending
                    .take()
                    .expect("a nested binary opens after its section");
                let index = match kind {
                    NestedKind::Module => &mut frame.modules,
                    NestedKind::Component => &mut frame.components,
                };
                let position = *index;
                *index += 1;
                let children = match kind {
                    NestedKind::Module => &mut frame.module_children,
                    NestedKind::Component => &mut frame.component_children,
                };
                children.push((position, nested.len()));
                stack.push(Frame {
                    item: Some(nested.len()),
                    ..Frame::default()
                });
                nested.push(Nested {
                    kind,
                    index: position,
                    depth: stack.len() - 1,
                    name: None,
                    size,
                    producers: Vec::new(),
                });
            }
            Payload::ModuleSection {
                unchecked_range, ..
            } => pending = Some((NestedKind::Module, unchecked_range.len())),
            Payload::ComponentSection {
                unchecked_range, ..
            } => pending = Some((NestedKind::Component, unchecked_range.len())),
            Payload::ComponentImportSection(reader) => {
                for import in reader {
                    let import = import.map_err(invalid)?;
                    let kind = match import.ty {
                        ComponentTypeRef::Module(_) => {
                            frame.modules += 1;
                            ItemKind::Module
                        }
                        ComponentTypeRef::Component(_) => {
                            frame.components += 1;
                            ItemKind::Component
                        }
                        ComponentTypeRef::Instance(_) => ItemKind::Instance,
                        ComponentTypeRef::Func(_) => ItemKind::Function,
                        ComponentTypeRef::Value(_) => ItemKind::Value,
                        ComponentTypeRef::Type(TypeBounds::SubResource) => ItemKind::Resource,
                        ComponentTypeRef::Type(TypeBounds::Eq(_)) => ItemKind::Type,
                    };
                    if frame.item.is_none() {
                        imports.push(raw_item(import.name.name, kind));
                    }
                }
            }
            Payload::ComponentExportSection(reader) => {
                for export in reader {
                    let export = export.map_err(invalid)?;
                    let kind = match export.kind {
                        ComponentExternalKind::Module => ItemKind::Module,
                        ComponentExternalKind::Component => ItemKind::Component,
                        ComponentExternalKind::Instance => ItemKind::Instance,
                        ComponentExternalKind::Func => ItemKind::Function,
                        ComponentExternalKind::Value => ItemKind::Value,
                        ComponentExternalKind::Type => ItemKind::Type,
                    };
                    // Exports add to index spaces too, but only names of
                    // definitions are looked up, so they need no counting.
                    if frame.item.is_none() {
                        exports.push(raw_item(export.name.name, kind));
                    }
                }
            }
            Payload::ComponentAliasSection(reader) => {
                for alias in reader {
                    match alias.map_err(invalid)? {
                        ComponentAlias::InstanceExport {
                            kind: ComponentExternalKind::Module,
                            ..
                        }
                        | ComponentAlias::Outer {
                            kind: ComponentOuterAliasKind::CoreModule,
                            ..
                        } => frame.modules += 1,
                        ComponentAlias::InstanceExport {
                            kind: ComponentExternalKind::Component,
                            ..
                        }
                        | ComponentAlias::Outer {
                            kind: ComponentOuterAliasKind::Component,
                            ..
                        } => frame.components += 1,
                        _ => {}
                    }
                }
            }
            Payload::CustomSection(section) => match section.as_known() {
                KnownCustom::Producers(reader) => {
                    let fields = producers(reader).map_err(invalid)?;
                    match frame.item {
                        Some(i) => nested[i].producers = fields,
                        None => top_producers = fields,
                    }
                }
                KnownCustom::ComponentName(reader) => {
                    // Names only label what is there: a corrupt section
                    // (which every runtime ignores) loses them, with a
                    // warning, rather than the whole report.
                    let named = (|| {
                        let mut named = Vec::new();
                        for name in reader {
                            let (map, children) = match name? {
                                ComponentName::CoreModules(map) => (map, &frame.module_children),
                                ComponentName::Components(map) => (map, &frame.component_children),
                                _ => continue,
                            };
                            for naming in map {
                                let naming = naming?;
                                if let Some((_, i)) =
                                    children.iter().find(|(pos, _)| *pos == naming.index)
                                {
                                    named.push((*i, naming.name.to_owned()));
                                }
                            }
                        }
                        Ok::<_, wasmparser::BinaryReaderError>(named)
                    })();
                    match named {
                        Ok(named) => {
                            for (i, name) in named {
                                nested[i].name = Some(name);
                            }
                        }
                        Err(e) => warnings.push(bad_names(&e)),
                    }
                }
                _ => {}
            },
            Payload::ComponentCanonicalSection(reader) => {
                for function in reader {
                    concurrency.add(&function.map_err(invalid)?);
                }
            }
            Payload::End(_) => {
                stack.pop();
                if stack.is_empty() {
                    break;
                }
            }
            _ => {}
        }
    }
    Ok(Walk {
        nested,
        producers: top_producers,
        imports,
        exports,
        warnings,
        concurrency,
    })
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.contents {
            Contents::Component(c) => {
                writeln!(f, "component, {} bytes", self.size)?;
                if let Some(why) = &c.not_wit {
                    writeln!(
                        f,
                        "note: its types are not WIT ({why}); showing names and kinds only"
                    )?;
                }
                for warning in &c.warnings {
                    writeln!(f, "warning: {warning}")?;
                }
                write_items(f, "imports", &c.imports)?;
                write_items(f, "exports", &c.exports)?;
                if !c.concurrency.is_empty() {
                    writeln!(f, "\nconcurrency: {}", c.concurrency)?;
                }
                if !c.nested.is_empty() {
                    writeln!(f, "\nnested:")?;
                    for n in &c.nested {
                        let indent = "  ".repeat(n.depth);
                        let kind = match n.kind {
                            NestedKind::Module => "module",
                            NestedKind::Component => "component",
                        };
                        write!(f, "{indent}{kind} {}", n.index)?;
                        if let Some(name) = &n.name {
                            write!(f, " \"{name}\"")?;
                        }
                        writeln!(f, ", {} bytes", n.size)?;
                        write_producers(f, &format!("{indent}  "), &n.producers)?;
                    }
                }
                write_producers_section(f, &c.producers)
            }
            Contents::Module(m) => {
                writeln!(f, "core module, {} bytes", self.size)?;
                writeln!(f, "\nimports:")?;
                if m.imports.is_empty() {
                    writeln!(f, "  (none)")?;
                }
                for i in &m.imports {
                    writeln!(f, "  {}::{}: {}", i.module, i.name, i.ty)?;
                }
                writeln!(f, "\nexports:")?;
                if m.exports.is_empty() {
                    writeln!(f, "  (none)")?;
                }
                for e in &m.exports {
                    writeln!(f, "  {}: {}", e.name, e.ty)?;
                }
                match m.component_type.as_slice() {
                    [] => writeln!(f, "\ncomponent-type metadata: none")?,
                    worlds => writeln!(f, "\ncomponent-type metadata: {}", worlds.join(", "))?,
                }
                write_producers_section(f, &m.producers)
            }
            Contents::WitPackage { package } => {
                writeln!(
                    f,
                    "WIT package {package} encoded as a component, {} bytes",
                    self.size
                )
            }
        }
    }
}

fn write_items(f: &mut std::fmt::Formatter<'_>, title: &str, items: &[Item]) -> std::fmt::Result {
    writeln!(f, "\n{title}:")?;
    if items.is_empty() {
        writeln!(f, "  (none)")?;
    }
    for item in items {
        match item.kind {
            ItemKind::Instance => writeln!(f, "  instance {}", item.name)?,
            ItemKind::Function if item.signature.is_some() => writeln!(
                f,
                "  function {}: {}",
                item.name,
                item.signature.as_deref().unwrap_or_default()
            )?,
            ItemKind::Type | ItemKind::Resource if !item.types.is_empty() => {
                for ty in &item.types {
                    writeln!(f, "  {}", ty.definition)?;
                }
                continue;
            }
            kind => writeln!(f, "  {} {}", kind.as_str(), item.name)?,
        }
        for ty in &item.types {
            writeln!(f, "    {}", ty.definition)?;
        }
        for func in &item.functions {
            writeln!(f, "    {}: {}", func.name, func.signature)?;
        }
    }
    Ok(())
}

fn write_producers_section(
    f: &mut std::fmt::Formatter<'_>,
    fields: &[ProducerField],
) -> std::fmt::Result {
    if fields.is_empty() {
        return Ok(());
    }
    writeln!(f, "\nproducers:")?;
    write_producers(f, "  ", fields)
}

fn write_producers(
    f: &mut std::fmt::Formatter<'_>,
    indent: &str,
    fields: &[ProducerField],
) -> std::fmt::Result {
    for field in fields {
        let values: Vec<_> = field
            .values
            .iter()
            .map(|v| match v.version.as_str() {
                "" => v.name.clone(),
                version => format!("{} {version}", v.name),
            })
            .collect();
        writeln!(f, "{indent}{}: {}", field.field, values.join(", "))?;
    }
    Ok(())
}
