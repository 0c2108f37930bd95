//! `weld invoke` of functions that take files: arguments passed as the
//! bytes the canonical ABI lays them out as, not as one host value per
//! list element.
//!
//! wasmtime 48 lowers a dynamic call's arguments from `Val`s, one for
//! each element of a list: a 100 MiB `@FILE` would be a hundred million
//! of them, several gigabytes, and its hostcall fuel stops such a list at
//! about 4 MiB anyway. What the callee gets is only the bytes. So
//! [`feed`] puts a layer in front of the component's exports: a virtual
//! component (see `build`) that imports each exported interface and
//! function and exports it again, passing every call on as it comes
//! (composed with wasm-compose's graph, which wires functions the world
//! exports as well as interfaces). The functions
//! that are called with files differ: they ignore the arguments they are
//! called with (placeholders: the cheapest values of their types) and ask
//! the host for the real ones (`weld:invoke/arguments.get`,
//! `wit/invoke/weld-invoke.wit`), which [`Fed::arguments`] lays out here
//! as the callee's core function takes them. The host returns them as one
//! `list<u8>`, which wasmtime copies into the layer's memory in one
//! piece, and the component model copies each list on to the component
//! as the bytes it is. Memory stays a small multiple of the input's size.
//!
//! Only functions whose parameters hold plain data (no resource handles,
//! streams or futures: those belong to the host's store, not to bytes)
//! and that are not `async` are fed; the others pass through the layer
//! untouched, and `weld invoke` calls them as it always does. A world
//! whose own functions are typed by its own types, or that exports an
//! interface without a package name, gets no layer: the layer's world
//! could not name them.

use crate::build::{self, Around};
use crate::layout::{BASE, Data, Layout, discriminant_type};
use crate::policy::{Decision, FunctionAction, Resolved};
use crate::{Error, failed, virtual_world};
use std::ops::Range;
use std::path::Path;
use wasm_wave::ast::{Node, NodeType};
use wasm_wave::value::Value;
use weld_link::Shared;
use weld_wit::wit_parser::abi::{AbiVariant, WasmType};
use weld_wit::wit_parser::{
    FlagsRepr, Function, Handle, Int, Resolve, Result_, Type, TypeDefKind, TypeOwner, WorldItem,
    WorldKey,
};

/// The interface the layer asks the host for arguments through.
pub const INTERFACE: &str = "weld:invoke/arguments@0.1.0";

/// The WIT of [`INTERFACE`].
pub const WIT: &str = include_str!("../../../wit/invoke/weld-invoke.wit");

/// A component with a layer that takes the arguments of some of its
/// functions from the host.
pub struct Fed {
    /// The composition: the layer in front of the component (not
    /// validated here: it is never written, and wasmtime validates what
    /// it compiles).
    pub bytes: Vec<u8>,
    /// The component's WIT, which types the fed functions.
    resolve: Resolve,
    functions: Vec<FedFunction>,
}

/// A function whose arguments the layer takes from the host.
struct FedFunction {
    /// The exported interface, by its full name; "" for a function the
    /// world exports itself.
    interface: String,
    function: Function,
}

/// An exported function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    /// Its interface, by its full name; None for a function the world
    /// exports itself.
    pub interface: Option<String>,
    pub function: String,
}

/// A fault in a call's arguments, and where it is in the call's text.
pub type Fault = (String, Range<usize>);

/// A call's arguments laid out for the layer, with addresses as if the
/// list lay at [`BASE`]: [`Laid::at`] moves them to where it lies.
#[derive(Debug, Clone)]
pub struct Laid {
    bytes: Vec<u8>,
    /// Where the addresses in `bytes` are (as addresses from [`BASE`]).
    pointers: Vec<u32>,
}

impl Laid {
    /// The bytes, for the list to lie at `base`; None when they would not
    /// fit below 4 GiB there.
    pub fn at(mut self, base: u32) -> Option<Vec<u8>> {
        u32::try_from(self.bytes.len()).ok()?.checked_add(base)?;
        for pointer in &self.pointers {
            let at = (pointer - BASE) as usize;
            let field: [u8; 4] = self.bytes.get(at..at + 4)?.try_into().ok()?;
            let moved = (u32::from_le_bytes(field) - BASE).checked_add(base)?;
            self.bytes[at..at + 4].copy_from_slice(&moved.to_le_bytes());
        }
        Some(self.bytes)
    }
}

/// A value to lay out, read from WAVE: as WAVE reads it, or taken apart
/// where a file may stand inside it.
enum Arg {
    Value(Value),
    /// The bytes of a `list<u8>`: a file's, or a list written out.
    Bytes(Vec<u8>),
    /// A record's fields, in the type's order, or a tuple's values.
    Fields(Vec<Arg>),
    List(Vec<Arg>),
    /// A case of a variant, option (`none` is 0) or result (`ok` is 0).
    Case(usize, Option<Box<Arg>>),
}

/// One core value of a flat parameter list, as its bits (an `i32` or
/// `f32` in the low 32), and whether it is an address to move.
struct Slot {
    bits: u64,
    pointer: bool,
}

/// `path`'s component with a layer in front of its exports that takes
/// from the host the arguments of the functions `choose` picks of those
/// it exports, where it can; None when it can feed none of them.
pub fn feed(
    path: &Path,
    bytes: &Shared,
    choose: &dyn Fn(&[Exported]) -> Vec<Exported>,
) -> Result<Option<Fed>, Error> {
    let wit = weld_wit::load_bytes(path, bytes.to_vec())?;
    let world_id = wit.world.ok_or_else(|| Error::NoWorld {
        path: path.to_owned(),
        source: "it is a WIT package, not a component".into(),
    })?;
    let resolve = wit.resolve;
    let world = &resolve.worlds[world_id];
    // Each exported function, with the interface it is in: the layer
    // exports all of them again.
    let mut offered: Vec<(Exported, &Function)> = Vec::new();
    let mut interfaces = Vec::new();
    let mut functions = Vec::new();
    for (key, item) in &world.exports {
        match item {
            WorldItem::Interface { id, .. } => {
                let name = resolve.name_world_key(key);
                // The layer names what it passes on: an interface
                // without a package name cannot be.
                if !name.contains(':') {
                    return Ok(None);
                }
                for function in resolve.interfaces[*id].functions.values() {
                    let exported = Exported {
                        interface: Some(name.clone()),
                        function: function.name.clone(),
                    };
                    offered.push((exported, function));
                }
                interfaces.push(name);
            }
            // A function the world exports itself, typed by the world's
            // own types, could not be typed in the layer's world.
            WorldItem::Function(function) if !uses_world_types(&resolve, function) => {
                let exported = Exported {
                    interface: None,
                    function: function.name.clone(),
                };
                offered.push((exported, function));
                functions.push(function.clone());
            }
            _ => return Ok(None),
        }
    }
    let names: Vec<Exported> = offered.iter().map(|(e, _)| e.clone()).collect();
    let fed: Vec<FedFunction> = choose(&names)
        .into_iter()
        .filter_map(|chosen| {
            let (_, function) = offered.iter().find(|(e, _)| *e == chosen)?;
            let plain = function.params.iter().all(|p| plain(&resolve, &p.ty));
            (plain && !function.kind.is_async()).then(|| FedFunction {
                interface: chosen.interface.unwrap_or_default(),
                function: (*function).clone(),
            })
        })
        .collect();
    if fed.is_empty() {
        return Ok(None);
    }
    let weld_invoke = |package: &weld_wit::wit_parser::PackageName| {
        package.namespace == "weld" && package.name == "invoke"
    };
    if resolve.package_names.keys().any(weld_invoke) {
        let why = "the component uses `weld:invoke` itself, which the layer would add";
        return Err(Error::Build(why.into()));
    }
    let mut layer_resolve = resolve.clone();
    weld_wit::guard::guarded("wit-parser", || {
        layer_resolve.push_str("weld-invoke.wit", WIT)
    })
    .map_err(|message| Error::Build(message.into()))?
    .map_err(failed)?;
    let layer_world = virtual_world(
        &mut layer_resolve,
        &interfaces,
        &|_| true,
        &format!("  import {INTERFACE};\n"),
    )?;
    let layer = &mut layer_resolve.worlds[layer_world];
    for function in functions {
        let key = WorldKey::Name(function.name.clone());
        let item = WorldItem::Function(function);
        layer.imports.insert(key.clone(), item.clone());
        layer.exports.insert(key, item);
    }
    let decisions: Vec<Decision> = offered
        .into_iter()
        .map(|(exported, _)| Decision {
            interface: exported.interface.unwrap_or_default(),
            function: exported.function,
            action: Resolved::Forward,
            kind: FunctionAction::Forward,
        })
        .collect();
    let around = Around {
        fed: fed
            .iter()
            .map(|f| (f.interface.clone(), f.function.name.clone()))
            .collect(),
        ..Around::default()
    };
    let layer = build::build(&layer_resolve, layer_world, &decisions, None, &around)?;
    let bytes = compose(bytes, &layer)?;
    Ok(Some(Fed {
        bytes,
        resolve,
        functions: fed,
    }))
}

/// The layer in front of `target`: each of its imports that the target
/// exports is wired to that export, and the result exports what the
/// layer does. wasm-compose's graph does this directly, for functions the
/// world exports as well as interfaces (weld's plug links interfaces).
fn compose(target: &[u8], layer: &[u8]) -> Result<Vec<u8>, Error> {
    use wasm_compose::graph::{CompositionGraph, EncodeOptions};
    let mut validator = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all());
    let mut graph = CompositionGraph::new();
    let read = |validator: &mut wasmparser::Validator, name: &str, bytes: &[u8]| {
        wasm_compose::graph::Component::from_bytes(validator, name, bytes.to_vec())
    };
    let target_id = graph
        .add_component(read(&mut validator, "component", target).map_err(failed)?)
        .map_err(failed)?;
    let layer_id = graph
        .add_component(read(&mut validator, "weld-arguments", layer).map_err(failed)?)
        .map_err(failed)?;
    let target_instance = graph.instantiate(target_id).map_err(failed)?;
    let layer_instance = graph.instantiate(layer_id).map_err(failed)?;
    let (Some(target_component), Some(layer_component)) = (
        graph.get_component(target_id),
        graph.get_component(layer_id),
    ) else {
        return Err(Error::Build("the composition lost a component".into()));
    };
    let wires: Vec<_> = layer_component
        .imports()
        .filter_map(|(import, name, _)| {
            let (export, _, _) = target_component.export_by_name(name)?;
            Some((export, import))
        })
        .collect();
    for (export, import) in wires {
        graph
            .connect(target_instance, Some(export), layer_instance, import)
            .map_err(failed)?;
    }
    let options = EncodeOptions {
        define_components: true,
        export: Some(layer_instance),
        validate: false,
    };
    // Not validated here: it is never written, and wasmtime validates
    // what it compiles.
    weld_wit::guard::guarded("wasm-compose", || graph.encode(options))
        .map_err(|message| Error::Build(message.into()))?
        .map_err(failed)
}

/// Whether a function's parameters or result name types the world itself
/// defines.
fn uses_world_types(resolve: &Resolve, function: &Function) -> bool {
    let types = function
        .params
        .iter()
        .map(|p| &p.ty)
        .chain(&function.result);
    let mut seen = Vec::new();
    let mut stack: Vec<Type> = types.copied().collect();
    while let Some(ty) = stack.pop() {
        let Type::Id(id) = ty else { continue };
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        let def = &resolve.types[id];
        if matches!(def.owner, TypeOwner::World(_)) {
            return true;
        }
        match &def.kind {
            TypeDefKind::Type(t) | TypeDefKind::List(t) | TypeDefKind::Option(t) => stack.push(*t),
            TypeDefKind::Record(r) => stack.extend(r.fields.iter().map(|f| f.ty)),
            TypeDefKind::Tuple(t) => stack.extend(t.types.iter().copied()),
            TypeDefKind::Variant(v) => stack.extend(v.cases.iter().filter_map(|c| c.ty)),
            TypeDefKind::Result(r) => stack.extend(r.ok.iter().chain(r.err.iter()).copied()),
            TypeDefKind::Handle(Handle::Own(r) | Handle::Borrow(r)) => stack.push(Type::Id(*r)),
            TypeDefKind::Future(t) | TypeDefKind::Stream(t) => stack.extend(t.iter().copied()),
            _ => {}
        }
    }
    false
}

/// Whether values of `ty` are plain data, which bytes can stand for.
fn plain(resolve: &Resolve, ty: &Type) -> bool {
    let Type::Id(id) = ty else {
        return !matches!(ty, Type::ErrorContext);
    };
    let all = |mut types: &mut dyn Iterator<Item = &Type>| {
        Iterator::all(&mut types, |t| plain(resolve, t))
    };
    match &resolve.types[*id].kind {
        TypeDefKind::Type(ty) | TypeDefKind::List(ty) | TypeDefKind::Option(ty) => {
            plain(resolve, ty)
        }
        TypeDefKind::Record(r) => all(&mut r.fields.iter().map(|f| &f.ty)),
        TypeDefKind::Tuple(t) => all(&mut t.types.iter()),
        TypeDefKind::Variant(v) => all(&mut v.cases.iter().filter_map(|c| c.ty.as_ref())),
        TypeDefKind::Result(r) => all(&mut r.ok.iter().chain(r.err.iter())),
        TypeDefKind::Flags(_) | TypeDefKind::Enum(_) => true,
        _ => false,
    }
}

impl Fed {
    /// Whether the layer takes the arguments of `function` of
    /// `interface` (None: of the world's own) from the host.
    pub fn feeds(&self, interface: Option<&str>, function: &str) -> bool {
        self.function(interface, function).is_some()
    }

    fn function(&self, interface: Option<&str>, function: &str) -> Option<&Function> {
        let interface = interface.unwrap_or_default();
        self.functions
            .iter()
            .find(|f| f.interface == interface && f.function.name == function)
            .map(|f| &f.function)
    }

    /// The arguments of a call of a fed function, written in WAVE
    /// (`params`, in `source`), laid out for the layer. A label where a
    /// `list<u8>` goes is a file when `file` gives its bytes. Trailing
    /// `option`s may be left out.
    pub fn arguments(
        &self,
        interface: Option<&str>,
        function: &str,
        params: &[&Node],
        source: &str,
        file: &mut dyn FnMut(&str) -> Option<Vec<u8>>,
    ) -> Result<Laid, Fault> {
        let Some(func) = self.function(interface, function) else {
            let end = source.len().saturating_sub(1)..source.len();
            return Err((format!("`{function}` is not fed"), end));
        };
        lay_out_call(&self.resolve, func, params, source, file)
    }
}

/// The arguments of a call of `func` (typed in `resolve`), written in
/// WAVE, laid out as [`Fed::arguments`] lays them out.
pub fn lay_out_call(
    resolve: &Resolve,
    func: &Function,
    params: &[&Node],
    source: &str,
    file: &mut dyn FnMut(&str) -> Option<Vec<u8>>,
) -> Result<Laid, Fault> {
    let end = source.len().saturating_sub(1)..source.len();
    let layout = Layout::new(resolve);
    let reader = Reader {
        layout: &layout,
        source,
    };
    let mut args = Vec::new();
    for (i, param) in func.params.iter().enumerate() {
        args.push(match params.get(i) {
            Some(node) => reader.read(&param.ty, node, file)?,
            None if reader.option(&param.ty) => Arg::Case(0, None),
            None => return Err((format!("argument {} is missing", i + 1), end)),
        });
    }
    lay_out(&layout, func, &args).map_err(|e| (e, end))
}

/// Reads WAVE nodes as [`Arg`]s of WIT types.
struct Reader<'a> {
    layout: &'a Layout<'a>,
    source: &'a str,
}

impl Reader<'_> {
    fn read(
        &self,
        ty: &Type,
        node: &Node,
        file: &mut dyn FnMut(&str) -> Option<Vec<u8>>,
    ) -> Result<Arg, Fault> {
        let source = self.source;
        let fault = |e: wasm_wave::parser::ParserError| (e.to_string(), e.span());
        let Type::Id(id) = ty else {
            return self.value(ty, node);
        };
        Ok(match &self.layout.resolve.types[*id].kind {
            TypeDefKind::Type(ty) => return self.read(ty, node, file),
            TypeDefKind::List(Type::U8) => {
                let label = match node.ty() {
                    NodeType::Label => node.as_enum(source).ok(),
                    _ => None,
                };
                if let Some(bytes) = label.and_then(&mut *file) {
                    return Ok(Arg::Bytes(bytes));
                }
                let bytes = node
                    .as_list()
                    .map_err(fault)?
                    .map(|byte| {
                        byte.as_number::<u8>(source)
                            .map_err(|_| ("expected a byte, 0 to 255".to_owned(), byte.span()))
                    })
                    .collect::<Result<Vec<u8>, _>>()?;
                Arg::Bytes(bytes)
            }
            TypeDefKind::List(element) => Arg::List(
                node.as_list()
                    .map_err(fault)?
                    .map(|item| self.read(element, item, file))
                    .collect::<Result<_, _>>()?,
            ),
            TypeDefKind::Record(record) => {
                let given: Vec<(&str, &Node)> = node.as_record(source).map_err(fault)?.collect();
                let mut fields = Vec::new();
                for field in &record.fields {
                    // The last of a field given twice, as WAVE reads it.
                    let value = given.iter().rev().find(|(name, _)| *name == field.name);
                    fields.push(match value {
                        Some((_, value)) => self.read(&field.ty, value, file)?,
                        None if self.option(&field.ty) => Arg::Case(0, None),
                        None => {
                            let missing = format!("the record has no field `{}`", field.name);
                            return Err((missing, node.span()));
                        }
                    });
                }
                Arg::Fields(fields)
            }
            TypeDefKind::Tuple(tuple) => {
                let items: Vec<&Node> = node.as_tuple().map_err(fault)?.collect();
                if items.len() != tuple.types.len() {
                    let count = format!("expected a tuple of {} values", tuple.types.len());
                    return Err((count, node.span()));
                }
                Arg::Fields(
                    tuple
                        .types
                        .iter()
                        .zip(items)
                        .map(|(ty, item)| self.read(ty, item, file))
                        .collect::<Result<_, _>>()?,
                )
            }
            // As WAVE reads them, a value standing alone is `some` of
            // it, or `ok` of it, unless that is an option or result too.
            TypeDefKind::Option(some)
                if !self.wrapped(node, some, &[NodeType::OptionSome, NodeType::OptionNone]) =>
            {
                Arg::Case(1, Some(Box::new(self.read(some, node, file)?)))
            }
            TypeDefKind::Option(some) => match node.as_option().map_err(fault)? {
                Some(value) => Arg::Case(1, Some(Box::new(self.read(some, value, file)?))),
                None => Arg::Case(0, None),
            },
            TypeDefKind::Result(Result_ { ok: Some(ok), .. })
                if !self.wrapped(node, ok, &[NodeType::ResultOk, NodeType::ResultErr]) =>
            {
                Arg::Case(0, Some(Box::new(self.read(ok, node, file)?)))
            }
            TypeDefKind::Result(result) => {
                let (case, ty, payload) = match node.as_result().map_err(fault)? {
                    Ok(payload) => (0, result.ok.as_ref(), payload),
                    Err(payload) => (1, result.err.as_ref(), payload),
                };
                Arg::Case(case, self.payload(ty, payload, node, file)?)
            }
            TypeDefKind::Variant(variant) => {
                let (name, payload) = node.as_variant(source).map_err(fault)?;
                let Some(case) = variant.cases.iter().position(|c| c.name == name) else {
                    return Err((format!("the variant has no case `{name}`"), node.span()));
                };
                let ty = variant.cases[case].ty.as_ref();
                Arg::Case(case, self.payload(ty, payload, node, file)?)
            }
            _ => return self.value(ty, node),
        })
    }

    /// Whether `node` is written as one of `cases` (`some(...)`,
    /// `none`...), as it must be when the payload type `inner` is itself
    /// an option or result; otherwise it may stand alone for the payload.
    fn wrapped(&self, node: &Node, inner: &Type, cases: &[NodeType]) -> bool {
        let nested = matches!(
            self.layout.kind(inner),
            Some(TypeDefKind::Option(_) | TypeDefKind::Result(_))
        );
        nested || cases.contains(&node.ty())
    }

    /// A case's payload: there exactly when the case has a type.
    fn payload(
        &self,
        ty: Option<&Type>,
        payload: Option<&Node>,
        node: &Node,
        file: &mut dyn FnMut(&str) -> Option<Vec<u8>>,
    ) -> Result<Option<Box<Arg>>, Fault> {
        match (ty, payload) {
            (Some(ty), Some(payload)) => Ok(Some(Box::new(self.read(ty, payload, file)?))),
            (None, None) => Ok(None),
            (Some(_), None) => Err(("the case needs a value".to_owned(), node.span())),
            (None, Some(payload)) => Err(("the case takes no value".to_owned(), payload.span())),
        }
    }

    /// A value WAVE reads whole.
    fn value(&self, ty: &Type, node: &Node) -> Result<Arg, Fault> {
        let wave =
            build::wave_type(self.layout.resolve, ty).map_err(|e| (e.to_string(), node.span()))?;
        node.to_wasm_value::<Value>(&wave, self.source)
            .map(Arg::Value)
            .map_err(|e| (e.to_string(), e.span()))
    }

    fn option(&self, ty: &Type) -> bool {
        matches!(self.layout.kind(ty), Some(TypeDefKind::Option(_)))
    }
}

/// The core parameters of `func` as the layer calls it (not the return
/// pointer the canonical ABI adds); None when they go through memory.
pub fn flat_params(resolve: &Resolve, func: &Function) -> Option<Vec<WasmType>> {
    let mut signature = resolve.wasm_signature(AbiVariant::GuestImport, func);
    if signature.indirect_params {
        return None;
    }
    if signature.retptr {
        signature.params.pop();
    }
    Some(signature.params)
}

/// `args` laid out for `func`'s core function: its core values in slots
/// of 8 bytes, or its parameters' tuple when they go through memory.
fn lay_out(layout: &Layout<'_>, func: &Function, args: &[Arg]) -> Result<Laid, String> {
    let types: Vec<&Type> = func.params.iter().map(|p| &p.ty).collect();
    let mut data = Data::default();
    let store = Store { layout };
    match flat_params(layout.resolve, func) {
        None => {
            let info = layout.sizes.record(types.iter().copied());
            let at = data.alloc(info.size.size_wasm32(), info.align.align_wasm32());
            let offsets = layout.sizes.field_offsets(types.iter().copied());
            for ((offset, ty), arg) in offsets.into_iter().zip(args) {
                store.store(&mut data, ty, arg, at + offset.size_wasm32() as u32)?;
            }
        }
        Some(params) => {
            // At least one slot, so the list is never empty (and is always
            // allocated where the layer expects it).
            let at = data.alloc(params.len().max(1) * 8, 8);
            let mut slots = Vec::new();
            for (ty, arg) in types.iter().zip(args) {
                store.flatten(&mut data, ty, arg, &mut slots)?;
            }
            if slots.len() != params.len() {
                return Err(format!(
                    "weld laid the arguments out as {} core values, not {}",
                    slots.len(),
                    params.len()
                ));
            }
            for (i, slot) in slots.iter().enumerate() {
                let address = at + (i * 8) as u32;
                data.put(address, &slot.bits.to_le_bytes());
                if slot.pointer {
                    data.pointers.push(address);
                }
            }
        }
    }
    Ok(Laid {
        bytes: data.bytes,
        pointers: data.pointers,
    })
}

/// Lays [`Arg`]s out by the canonical ABI.
struct Store<'a> {
    layout: &'a Layout<'a>,
}

impl Store<'_> {
    /// Stores `arg`, of type `ty`, at `address`.
    fn store(&self, data: &mut Data, ty: &Type, arg: &Arg, address: u32) -> Result<(), String> {
        let layout = self.layout;
        match (arg, self.layout.kind(ty)) {
            (Arg::Value(value), _) => layout.store(data, ty, value, address)?,
            (Arg::Bytes(bytes), _) => {
                let at = room(data, bytes.len(), 1)?;
                data.put(at, bytes);
                layout.pointer(data, address, at, bytes.len());
            }
            (Arg::List(items), Some(TypeDefKind::List(element))) => {
                let (size, align) = layout.size_align(element);
                let at = room(data, size.saturating_mul(items.len()), align)?;
                for (i, item) in items.iter().enumerate() {
                    self.store(data, element, item, at + (i * size) as u32)?;
                }
                layout.pointer(data, address, at, items.len());
            }
            (Arg::Fields(fields), Some(kind)) => {
                let types = field_types(kind);
                let offsets = layout.sizes.field_offsets(types.iter().copied());
                for ((offset, ty), field) in offsets.into_iter().zip(fields) {
                    self.store(data, ty, field, address + offset.size_wasm32() as u32)?;
                }
            }
            (Arg::Case(case, payload), Some(kind)) => {
                let (tag, cases) = cases(kind);
                layout.discriminant(data, tag, *case, address);
                if let (Some(Some(ty)), Some(payload)) = (cases.get(*case), payload) {
                    let offset = layout.sizes.payload_offset(tag, cases.iter().copied());
                    self.store(data, ty, payload, address + offset.size_wasm32() as u32)?;
                }
            }
            _ => return Err("the value does not fit its type".to_owned()),
        }
        Ok(())
    }

    /// Appends the core values of `arg`, of type `ty`, to `slots`; what
    /// they point to goes in `data`.
    fn flatten(
        &self,
        data: &mut Data,
        ty: &Type,
        arg: &Arg,
        slots: &mut Vec<Slot>,
    ) -> Result<(), String> {
        let plain = |bits: u64| Slot {
            bits,
            pointer: false,
        };
        match (arg, self.layout.kind(ty)) {
            (Arg::Value(value), _) => self.flatten_value(data, ty, value, slots)?,
            (Arg::Bytes(bytes), _) => {
                let at = room(data, bytes.len(), 1)?;
                data.put(at, bytes);
                push_list(slots, at, bytes.len());
            }
            (Arg::List(items), Some(TypeDefKind::List(element))) => {
                let (size, align) = self.layout.size_align(element);
                let at = room(data, size.saturating_mul(items.len()), align)?;
                for (i, item) in items.iter().enumerate() {
                    self.store(data, element, item, at + (i * size) as u32)?;
                }
                push_list(slots, at, items.len());
            }
            (Arg::Fields(fields), Some(kind)) => {
                for (ty, field) in field_types(kind).into_iter().zip(fields) {
                    self.flatten(data, ty, field, slots)?;
                }
            }
            (Arg::Case(case, payload), Some(kind)) => {
                // The discriminant, then the cases' joined core values,
                // of which the payload fills the first: its bits are
                // those of the joined types (zero-extended, floats by
                // their bits), so no conversion is needed.
                let joined = self
                    .layout
                    .flat_count(ty)
                    .ok_or("the value has too many core values")?;
                let start = slots.len();
                slots.push(plain(*case as u64));
                let (_, cases) = cases(kind);
                if let (Some(Some(ty)), Some(payload)) = (cases.get(*case), payload) {
                    self.flatten(data, ty, payload, slots)?;
                }
                while slots.len() < start + joined {
                    slots.push(plain(0));
                }
            }
            _ => return Err("the value does not fit its type".to_owned()),
        }
        Ok(())
    }

    /// The core values of a value WAVE read whole: a number, `char`,
    /// string, enum or flags.
    fn flatten_value(
        &self,
        data: &mut Data,
        ty: &Type,
        value: &Value,
        slots: &mut Vec<Slot>,
    ) -> Result<(), String> {
        use wasm_wave::wasm::WasmValue;
        let mut push = |bits: u64| {
            slots.push(Slot {
                bits,
                pointer: false,
            })
        };
        match ty {
            Type::Bool => push(u64::from(value.unwrap_bool())),
            Type::U8 => push(u64::from(value.unwrap_u8())),
            Type::U16 => push(u64::from(value.unwrap_u16())),
            Type::U32 => push(u64::from(value.unwrap_u32())),
            Type::U64 => push(value.unwrap_u64()),
            Type::S8 => push(u64::from(value.unwrap_s8() as u32)),
            Type::S16 => push(u64::from(value.unwrap_s16() as u32)),
            Type::S32 => push(u64::from(value.unwrap_s32() as u32)),
            Type::S64 => push(value.unwrap_s64() as u64),
            Type::F32 => push(u64::from(value.unwrap_f32().to_bits())),
            Type::F64 => push(value.unwrap_f64().to_bits()),
            Type::Char => push(u64::from(u32::from(value.unwrap_char()))),
            Type::String => {
                let text = value.unwrap_string();
                let at = room(data, text.len(), 1)?;
                data.put(at, text.as_bytes());
                push_list(slots, at, text.len());
            }
            Type::ErrorContext => return Err("an error-context cannot be written".to_owned()),
            Type::Id(id) => match &self.layout.resolve.types[*id].kind {
                TypeDefKind::Type(ty) => return self.flatten_value(data, ty, value, slots),
                TypeDefKind::Enum(enumeration) => {
                    let case = value.unwrap_enum();
                    let index = enumeration.cases.iter().position(|c| c.name == *case);
                    push(index.ok_or_else(|| format!("no enum case `{case}`"))? as u64);
                }
                TypeDefKind::Flags(flags) => {
                    let set: Vec<_> = value.unwrap_flags().collect();
                    let words = match flags.repr() {
                        FlagsRepr::U32(n) => n,
                        _ => 1,
                    };
                    let mut bits = vec![0u32; words];
                    for (i, flag) in flags.flags.iter().enumerate() {
                        if set.iter().any(|name| *name == flag.name) {
                            bits[i / 32] |= 1 << (i % 32);
                        }
                    }
                    bits.into_iter().for_each(|word| push(u64::from(word)));
                }
                kind => return Err(format!("weld cannot pass a {} as bytes", kind.as_str())),
            },
        }
        Ok(())
    }
}

/// Room for `size` bytes aligned to `align` in `data`; its address. The
/// arguments must fit in the 4 GiB a component's memory has (two large
/// files may not), or their addresses would wrap.
fn room(data: &mut Data, size: usize, align: usize) -> Result<u32, String> {
    let end = (BASE as usize)
        .saturating_add(data.bytes.len())
        .saturating_add(size)
        .saturating_add(align);
    if end > u32::MAX as usize {
        return Err("the arguments hold more than 4 GiB, which no component's memory can".into());
    }
    Ok(data.alloc(size, align))
}

/// The core values of a list or string at `at`: its address and length.
fn push_list(slots: &mut Vec<Slot>, at: u32, len: usize) {
    slots.push(Slot {
        bits: u64::from(at),
        pointer: true,
    });
    slots.push(Slot {
        bits: len as u64,
        pointer: false,
    });
}

/// The types of a record's fields or a tuple's values.
fn field_types(kind: &TypeDefKind) -> Vec<&Type> {
    match kind {
        TypeDefKind::Record(record) => record.fields.iter().map(|f| &f.ty).collect(),
        TypeDefKind::Tuple(tuple) => tuple.types.iter().collect(),
        _ => Vec::new(),
    }
}

/// The discriminant type and the cases' payload types of a variant,
/// option or result.
fn cases(kind: &TypeDefKind) -> (Int, Vec<Option<&Type>>) {
    let cases: Vec<Option<&Type>> = match kind {
        TypeDefKind::Variant(variant) => variant.cases.iter().map(|c| c.ty.as_ref()).collect(),
        TypeDefKind::Option(some) => vec![None, Some(some)],
        TypeDefKind::Result(result) => vec![result.ok.as_ref(), result.err.as_ref()],
        _ => Vec::new(),
    };
    (discriminant_type(cases.len()), cases)
}

#[cfg(test)]
mod tests {
    use super::{Data, room};

    /// Arguments past 4 GiB (two files of 2 GiB) are refused before they
    /// are laid out, not laid out at wrapped addresses.
    #[test]
    fn arguments_past_4_gib_are_refused() {
        let mut data = Data::default();
        assert!(room(&mut data, 1 << 20, 1).is_ok());
        let refused = room(&mut data, u32::MAX as usize - (1 << 20), 1);
        assert!(refused.unwrap_err().contains("4 GiB"));
        assert_eq!(data.bytes.len(), 1 << 20, "nothing was allocated");
    }
}
