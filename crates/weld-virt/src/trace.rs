//! `weld trace`: every call that crosses a component boundary, reported.
//!
//! A tap layer is a virtual component like the ones `weld virt` makes,
//! whose functions pass every call on to the host's (or another
//! instance's) own and report it to `weld:trace/tap` around the call (see
//! `wit/trace/weld-trace.wit`). It is plugged in front of a component's
//! imports, so the component itself is untouched and behaves as it did:
//! the taps only read.
//!
//! Which call is which is written once, at instrumentation, into the
//! result's `weld-trace` custom section ([`Table`]): each site's caller,
//! callee, interface and function, and the WIT that types its values. So
//! a tap passes only numbers and the bytes the canonical ABI already put
//! in its memory, and the host does the printing.

use crate::build::{self, Around};
use crate::policy::{Decision, FunctionAction, Resolved};
use crate::{Error, Target, virtual_world};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use weld_link::{Plug, Shared};
use weld_wit::validated::Validated;

/// The interface taps report to.
pub const TAP: &str = "weld:trace/tap@0.1.0";

/// The WIT of [`TAP`].
pub const WIT: &str = include_str!("../../../wit/trace/weld-trace.wit");

/// The custom section that holds the [`Table`], as JSON.
pub const SECTION: &str = "weld-trace";

/// The name the host has as a callee.
pub const HOST: &str = "host";

/// What the taps of a traced component report from: its `weld-trace`
/// custom section.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Table {
    pub version: u32,
    pub layers: Vec<Layer>,
    pub sites: Vec<Site>,
    /// Imports left without a tap, and why.
    #[serde(default)]
    pub untapped: Vec<Untapped>,
}

/// An import whose calls are not traced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Untapped {
    /// The instance that imports it.
    pub caller: String,
    pub import: String,
    pub why: String,
}

/// The types one tap layer's sites are read with.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Layer {
    /// WIT text declaring the interfaces of the layer's sites, with the
    /// packages they use nested.
    pub wit: String,
}

/// One function on one link: what a tap reports a call of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Site {
    /// The index of the [`Layer`] whose WIT declares it.
    pub layer: usize,
    /// The instance that calls, and the one (or [`HOST`]) that is called.
    pub caller: String,
    pub callee: String,
    pub interface: String,
    pub function: String,
}

/// Which calls are traced (`--trace-filter`): all when empty, else those
/// that a glob matches by `interface#function` (the interface with or
/// without its version), by interface, or by the caller's or callee's
/// instance name.
#[derive(Debug, Clone, Default)]
pub struct Filter(Vec<String>);

impl Filter {
    /// A filter of `globs`; an unbalanced brace or a `[` is refused, as it
    /// would match nothing.
    pub fn new(globs: Vec<String>) -> Result<Filter, String> {
        for glob in &globs {
            weld_wit::names::check_pattern(glob)?;
        }
        Ok(Filter(globs))
    }

    /// Whether a call of `interface#function` from `caller` to `callee`
    /// is kept.
    pub fn keeps(&self, caller: &str, callee: &str, interface: &str, function: &str) -> bool {
        let unversioned = weld_wit::names::unversioned(interface);
        let names = [
            format!("{interface}#{function}"),
            format!("{unversioned}#{function}"),
            interface.to_owned(),
            unversioned.to_owned(),
            caller.to_owned(),
            callee.to_owned(),
        ];
        self.0.is_empty()
            || self.0.iter().any(|glob| {
                names
                    .iter()
                    .any(|name| weld_wit::names::glob_matches(glob, name))
            })
    }

    fn keeps_site(&self, site: &Site) -> bool {
        self.keeps(&site.caller, &site.callee, &site.interface, &site.function)
    }
}

/// A component instrumented for tracing.
pub struct Traced {
    /// The result, validated, with the [`Table`] in its `weld-trace`
    /// section.
    pub bytes: Vec<u8>,
    pub table: Table,
}

/// Why an import has no tap.
const PINNED: &str = "its types are used by the world's own imports or exports, so it stays the host's and cannot be tapped";
const UNNAMED: &str = "an interface with no package name, which weld cannot tap";
const WORLD_FUNCTION: &str =
    "a function the world imports itself, not in an interface, which weld cannot tap";

/// Puts a tap on every call that `filter` keeps across the boundaries of
/// `path`'s component: in a composition (of any tool's making), on each
/// instance's imports, whether another instance or the host fills them;
/// in any other component, on its imports. `name` names the component
/// as a caller when it is not a composition.
pub fn instrument(
    path: &Path,
    bytes: &Shared,
    validated: &Validated,
    name: &str,
    filter: &Filter,
) -> Result<Traced, Error> {
    let mut table = Table {
        version: 1,
        ..Table::default()
    };
    let keep = |site: &Site| filter.keeps_site(site);
    let unreadable = |e: weld_link::BoxError| {
        Error::Link(weld_link::Error::Parse {
            path: path.to_owned(),
            source: e,
        })
    };
    // What is written is the input, re-encoded or as it is: it must be
    // valid first.
    validated.validate(path, bytes)?;
    if traced_already(bytes) {
        return Err(Error::Traced {
            path: path.to_owned(),
        });
    }
    let members = weld_link::interpose::members(bytes).map_err(unreadable)?;
    let mut bytes = match members {
        Some(members) => {
            let mut swaps: Vec<weld_link::interpose::Swap> = Vec::new();
            // Each instance is tapped as itself: instances of one
            // component each get a copy of their own.
            for member in &members {
                let inner: Shared = Arc::new(bytes[member.bytes.clone()].to_vec().into());
                let inner_path = PathBuf::from(format!("{}#{}", path.display(), member.name));
                let callee_of = |import: &str| {
                    member
                        .filled_by
                        .iter()
                        .find(|(name, _)| name == import)
                        .and_then(|(_, by)| by.as_deref().map(short_name))
                        .unwrap_or_else(|| HOST.to_owned())
                };
                let caller = short_name(&member.name);
                let layer = tap_layer(&inner_path, &inner, &caller, &callee_of, &keep, &mut table)?;
                let copy = match layer {
                    Some(layer) => weld_link::interpose::Copy {
                        bytes: tap_plug(&inner_path, &inner, layer, validated)?,
                        takes_import: true,
                    },
                    None => weld_link::interpose::Copy {
                        bytes: inner.to_vec(),
                        takes_import: false,
                    },
                };
                match swaps.iter_mut().find(|swap| swap.defined == member.defined) {
                    Some(swap) => swap.copies.push(copy),
                    None => swaps.push(weld_link::interpose::Swap {
                        defined: member.defined,
                        copies: vec![copy],
                    }),
                }
            }
            // A component none of whose instances is tapped stays as it is.
            swaps.retain(|swap| swap.copies.iter().any(|copy| copy.takes_import));
            let bytes =
                weld_link::interpose::swap(bytes, TAP, tap_type(), swaps).map_err(unreadable)?;
            weld_wit::wasm::validate(path, &bytes)
                .map_err(|e| Error::Link(weld_link::Error::InvalidOutput(Box::new(e))))?;
            bytes
        }
        None => match tap_layer(path, bytes, name, &|_| HOST.to_owned(), &keep, &mut table)? {
            Some(layer) => tap_plug(path, bytes, layer, validated)?,
            None => bytes.to_vec(),
        },
    };
    let json = serde_json::to_vec(&table).map_err(|e| Error::Build(e.into()))?;
    wasm_encoder::ComponentSection::append_to_component(
        &wasm_encoder::CustomSection {
            name: SECTION.into(),
            data: json.into(),
        },
        &mut bytes,
    );
    Ok(Traced { bytes, table })
}

/// Whether `bytes` was traced: it holds a [`Table`] at its top level, or
/// imports [`TAP`] itself (a second import of it could not be added).
fn traced_already(bytes: &[u8]) -> bool {
    let mut parser = wasmparser::Parser::new(0);
    let mut data = bytes;
    // Nested components are skipped whole: only the top level's counts.
    while let Ok(wasmparser::Chunk::Parsed { consumed, payload }) = parser.parse(data, true) {
        data = &data[consumed..];
        match payload {
            wasmparser::Payload::CustomSection(section) if section.name() == SECTION => {
                return true;
            }
            wasmparser::Payload::ComponentImportSection(imports)
                if imports
                    .clone()
                    .into_iter()
                    .any(|import| import.is_ok_and(|import| import.name.name == TAP)) =>
            {
                return true;
            }
            wasmparser::Payload::ModuleSection {
                unchecked_range, ..
            }
            | wasmparser::Payload::ComponentSection {
                unchecked_range, ..
            } => match data.get(unchecked_range.len()..) {
                Some(rest) => data = rest,
                None => return false,
            },
            wasmparser::Payload::End(_) => return false,
            _ => {}
        }
    }
    false
}

/// An instance's name as a trace shows it: compositions name instances
/// by the files of their components (`fixtures/c-app.wasm`), of which the
/// stem (`c-app`) says enough.
fn short_name(name: &str) -> String {
    let last = name.rsplit('/').next().unwrap_or(name);
    let (file, nth) = last
        .split_once('#')
        .map_or((last, ""), |(file, nth)| (file, nth));
    let stem = [".wasm", ".wat"]
        .iter()
        .find_map(|ext| file.strip_suffix(ext))
        .unwrap_or(file);
    match nth {
        "" => stem.to_owned(),
        nth => format!("{stem}#{nth}"),
    }
}

/// `path`'s component with `layer` plugged into its imports, validated.
fn tap_plug(
    path: &Path,
    bytes: &Shared,
    layer: Vec<u8>,
    validated: &Validated,
) -> Result<Vec<u8>, Error> {
    let plug = Plug {
        path: PathBuf::from("<tap>"),
        bytes: Arc::new(layer.into()),
        only: Vec::new(),
    };
    Ok(weld_link::plug(path, bytes, &[plug], validated)?
        .component
        .into_bytes()?)
}

/// The type of [`TAP`], as `wit/trace/weld-trace.wit` declares it.
fn tap_type() -> wasm_encoder::InstanceType {
    use wasm_encoder::{ComponentTypeRef, ComponentValType, PrimitiveValType};
    let mut ty = wasm_encoder::InstanceType::new();
    let u32 = ComponentValType::Primitive(PrimitiveValType::U32);
    ty.ty()
        .defined_type()
        .list(ComponentValType::Primitive(PrimitiveValType::U64));
    ty.ty()
        .defined_type()
        .list(ComponentValType::Primitive(PrimitiveValType::U8));
    let (flat, memory) = (ComponentValType::Type(0), ComponentValType::Type(1));
    ty.ty()
        .function()
        .params([
            ("site", u32),
            ("flat", flat),
            ("base", u32),
            ("memory", memory),
        ])
        .result(Some(u32));
    ty.export("enter", ComponentTypeRef::Func(2));
    ty.ty()
        .function()
        .params([
            ("call", u32),
            ("flat", flat),
            ("base", u32),
            ("memory", memory),
        ])
        .result(None);
    ty.export("exit", ComponentTypeRef::Func(3));
    ty
}

/// The tap layer for the imports of `path`'s component, made as `caller`
/// calling `callee_of(import)`, its sites, WIT and untapped imports added
/// to `table`; None when no call is to be tapped.
fn tap_layer(
    path: &Path,
    bytes: &Shared,
    caller: &str,
    callee_of: &dyn Fn(&str) -> String,
    keep: &dyn Fn(&Site) -> bool,
    table: &mut Table,
) -> Result<Option<Vec<u8>>, Error> {
    let target = Target::read(path, bytes)?;
    let layer = table.layers.len();
    let mut untapped = |import: &str, why: &str| {
        table.untapped.push(Untapped {
            caller: caller.to_owned(),
            import: import.to_owned(),
            why: why.to_owned(),
        })
    };
    // The sites of this layer, numbered after those of the layers before.
    let mut sites: Vec<Site> = Vec::new();
    let mut taps = HashMap::new();
    let mut replaced = Vec::new();
    let mut decisions = Vec::new();
    let resolve = &target.wit.resolve;
    for (key, item) in &resolve.worlds[target.world_id].imports {
        if let weld_wit::wit_parser::WorldItem::Function(_) = item {
            untapped(&resolve.name_world_key(key), WORLD_FUNCTION);
        }
    }
    for (name, id) in &target.imports {
        if name == TAP {
            continue;
        }
        if !name.contains(':') {
            untapped(name, UNNAMED);
            continue;
        }
        if target.pinned.contains(id) {
            untapped(name, PINNED);
            continue;
        }
        let functions = &resolve.interfaces[*id].functions;
        let mut tapped = false;
        for function in functions.keys() {
            let site = Site {
                layer,
                caller: caller.to_owned(),
                callee: callee_of(name),
                interface: name.clone(),
                function: function.clone(),
            };
            if keep(&site) {
                let key = (name.clone(), function.clone());
                taps.insert(key, (table.sites.len() + sites.len()) as u32);
                sites.push(site);
                tapped = true;
            }
        }
        if !tapped {
            continue;
        }
        replaced.push(name.clone());
        decisions.extend(functions.keys().map(|function| Decision {
            interface: name.clone(),
            function: function.clone(),
            action: Resolved::Forward,
            kind: FunctionAction::Forward,
        }));
    }
    if sites.is_empty() {
        return Ok(None);
    }
    table.sites.extend(sites);
    table.layers.push(Layer {
        wit: weld_wit::print::package(&target.wit)?,
    });
    let mut resolve = target.wit.resolve;
    // A component may import `weld:trace` itself (wit-parser would panic
    // on a second copy of the package).
    let name = |package: &weld_wit::wit_parser::PackageName| {
        package.namespace == "weld" && package.name == "trace"
    };
    if !resolve.package_names.keys().any(name) {
        weld_wit::guard::guarded("wit-parser", || resolve.push_str("weld-trace.wit", WIT))
            .map_err(|message| Error::Build(message.into()))?
            .map_err(crate::failed)?;
    }
    let world = virtual_world(
        &mut resolve,
        &replaced,
        &|_| true,
        &format!("  import {TAP};\n"),
    )?;
    let layer = build::build(
        &resolve,
        world,
        &decisions,
        None,
        &Around {
            taps,
            ..Around::default()
        },
    )?;
    Ok(Some(layer))
}
