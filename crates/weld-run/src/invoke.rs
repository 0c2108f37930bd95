//! Calling exported functions with WAVE values, as `weld invoke` does.
//!
//! Calls run in order on one instance, so state carries from one to the
//! next. In a call, `@PATH` (or `@"PATH"`) stands for the bytes of a file as
//! a `list<u8>`, so large inputs need not be spelled out.
//!
//! A component that uses the component model's concurrency (an `async
//! func`, a stream) is called inside `Store::run_concurrent`. A
//! `stream<u8>` argument is written in WAVE as a list of bytes (or
//! `@PATH`) and fed to the guest by the host; a `stream<u8>` result is
//! read to its end before the call returns, and shown as a list. A
//! `future<T>` result is awaited, and shown as its value (a `future` with
//! no payload as `()`). wasmtime 48 reads a future only into a host type
//! known when weld is built, not into a dynamic `Val`, so weld awaits
//! futures of what [`await_future`] lists (booleans, numbers, `char`,
//! `string`, `list<u8>`) and says so for any other.
//!
//! A call that passes large files ([`FEED_FROM`]) goes through an
//! argument layer ([`feed`], `weld_virt::arguments`): its arguments are
//! laid out as bytes, so a file of 100 MiB costs a few copies of itself
//! rather than a `Val` per byte.

use crate::runtime::{Prepared, Runtime};
use crate::{Error, host::Host};
use std::fmt::Write;
use std::iter::Peekable;
use std::path::Path;
use std::pin::Pin;
use std::str::CharIndices;
use std::task::{Context, Poll};
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{
    Accessor, FutureAny, FutureConsumer, Instance, ResourceAny, Source, StreamAny, StreamConsumer,
    StreamReader, StreamResult, Type, Val, wasm_wave,
};
use wasmtime::{Store, StoreContextMut};
use weld_virt::arguments::{Exported, Fed};

/// An exported function: `interface#name`, or `name` at the top level.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Export {
    interface: Option<String>,
    name: String,
}

impl std::fmt::Display for Export {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.interface {
            Some(interface) => write!(f, "{interface}#{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// What a call returned.
#[derive(Debug, Clone)]
pub struct Called {
    values: Vec<Val>,
    types: Vec<Type>,
    /// Each value in WAVE, resource handles by the names the session gave
    /// them.
    shown: Vec<String>,
    /// The bytes of each result that is a `stream<u8>`, read to its end.
    streams: Vec<Option<Vec<u8>>>,
}

impl Called {
    /// Whether the result equals `expected`, written in WAVE: compared as
    /// values of the result's type, so spacing and field order do not matter.
    pub fn matches(&self, expected: &str) -> Result<bool, String> {
        match (self.values.as_slice(), self.types.as_slice()) {
            // A future without a payload, awaited, is `()`, which no
            // type reads: it is compared as text.
            ([value], [ty]) if !beyond_wave(value) && !matches!(ty, Type::Future(_)) => {
                let unreadable =
                    |e: String| format!("cannot read the expected result `{expected}`: {e}");
                let parsed = wasm_wave::untyped::UntypedValue::parse(expected)
                    .map_err(|e| unreadable(e.to_string()))?;
                known_fields(parsed.node(), ty, parsed.source()).map_err(|(e, _)| unreadable(e))?;
                parsed
                    .to_wasm_value::<Val>(ty)
                    .map(|expected| expected == *value)
                    .map_err(|e| unreadable(e.to_string()))
            }
            _ => Ok(expected.trim() == self.to_string()),
        }
    }

    /// The bytes of the first result that is a `stream<u8>`.
    pub fn stream(&self) -> Option<&[u8]> {
        self.streams.iter().flatten().next().map(Vec::as_slice)
    }

    /// The result as [`Display`] shows it, but with each byte stream shown
    /// by its length: for when its bytes went to a file.
    pub fn without_streams(&self) -> String {
        let shown: Vec<String> = self
            .shown
            .iter()
            .zip(&self.streams)
            .map(|(shown, stream)| match stream {
                Some(bytes) => format!("<stream of {} bytes>", bytes.len()),
                None => shown.clone(),
            })
            .collect();
        match shown.as_slice() {
            [one] => one.clone(),
            many => format!("({})", many.join(", ")),
        }
    }
}

/// WAVE, as `weld invoke` prints it: the value, or `()` when there is none.
impl std::fmt::Display for Called {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.shown.as_slice() {
            [one] => f.write_str(one),
            many => write!(f, "({})", many.join(", ")),
        }
    }
}

/// One instance of a component, on which calls are made in turn.
pub struct Session<'r> {
    runtime: &'r Runtime,
    store: Store<Host>,
    instance: Instance,
    /// Whether calls run inside `run_concurrent` (see `runtime`).
    concurrent: bool,
    exports: Vec<Export>,
    /// The resource handles calls returned, named `handle-1`, `handle-2`...
    /// by their place here, so that later calls can pass them back.
    handles: Vec<ResourceAny>,
    /// The argument layer in front of the component, if [`feed`] made one.
    fed: Option<&'r Fed>,
}

impl<'r> Session<'r> {
    /// Instantiates `prepared` in `store` (see [`Runtime::store`]).
    pub fn new(
        runtime: &'r Runtime,
        prepared: &Prepared,
        mut store: Store<Host>,
    ) -> Result<Session<'r>, Error> {
        // What a call returns is lifted into a `Val` per element, which
        // wasmtime counts against its "hostcall fuel": its default (128 MiB)
        // stops a result list at 4 MiB. The user asked for the result, and
        // the guest's memory (`--max-memory`) bounds it, so allow more.
        store.set_hostcall_fuel(HOSTCALL_FUEL);
        let instance = match prepared.concurrent {
            true => wasmtime_wasi::runtime::in_tokio(prepared.pre.instantiate_async(&mut store)),
            false => prepared.pre.instantiate(&mut store),
        };
        let instance = instance.map_err(|e| match runtime.guest_error(&store, e) {
            Error::Guest(source) => Error::Instantiate {
                path: prepared.path.clone(),
                source,
            },
            other => other,
        })?;
        let engine = prepared.engine();
        let mut exports = Vec::new();
        for (name, item) in prepared.component.component_type().exports(engine) {
            match item.ty {
                ComponentItem::ComponentFunc(_) => exports.push(Export {
                    interface: None,
                    name: name.to_owned(),
                }),
                ComponentItem::ComponentInstance(instance) => {
                    for (func, item) in instance.exports(engine) {
                        if let ComponentItem::ComponentFunc(_) = item.ty {
                            exports.push(Export {
                                interface: Some(name.to_owned()),
                                name: func.to_owned(),
                            });
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(Session {
            runtime,
            store,
            instance,
            concurrent: prepared.concurrent,
            exports,
            handles: Vec::new(),
            fed: None,
        })
    }

    /// Calls the functions `fed` feeds through its argument layer, which
    /// the component this session instantiated must be (`fed.bytes`).
    pub fn feeding(mut self, fed: &'r Fed) -> Self {
        self.fed = Some(fed);
        self
    }

    /// Makes one call, such as `grayscale({data: @img.rgba, width: 2, height: 1})`.
    /// `@PATH`s are read relative to `base`.
    pub fn call(&mut self, call: &str, base: &Path) -> Result<Called, Error> {
        let bad_call = |message: String| Error::Call { message };
        let (name, args) = split_call(call);
        let export = resolve(&self.exports, name)?;
        let func = self.func(&export)?;
        // Through the argument layer, if it feeds this function.
        let interface = export.interface.as_deref();
        let fed = self
            .fed
            .as_ref()
            .is_some_and(|fed| fed.feeds(interface, &export.name));
        let ty = func.ty(&self.store);
        let types: Vec<_> = ty.params().map(|(_, ty)| ty).collect();
        let WithFiles {
            text: expanded,
            mut files,
        } = read_files(args, base).map_err(bad_call)?;
        // The name was resolved above; WAVE only needs to read the values.
        let source = format!("f{expanded}");
        // A fault, and where it is in `source`.
        let fault = |e: wasm_wave::parser::ParserError| {
            // WAVE ends its messages with ` at START..END`; a caret under
            // the call shows that better.
            let text = e.to_string();
            let what = text
                .rsplit_once(" at ")
                .map_or(text.as_str(), |(what, _)| what);
            (what.to_owned(), e.span())
        };
        let parsed = wasm_wave::untyped::UntypedFuncCall::parse(&source)
            .map_err(fault)
            .and_then(|parsed| match fed {
                true => self.fed_params(&parsed, &types, &mut files, interface, &export.name),
                false => self.params(&parsed, &types, &mut files),
            })
            .map_err(|(what, span)| {
                // Point at the fault, unless `@PATH`s moved the text or
                // the call has no arguments written (`f` for `f()`).
                if expanded != args || !call.ends_with(args) {
                    return bad_call(what);
                }
                let offset = call.len() - args.len();
                let start = (span.start + offset).saturating_sub(1);
                let width = span.end.saturating_sub(span.start).max(1);
                bad_call(format!(
                    "{what}\n  {call}\n  {}{}",
                    " ".repeat(start),
                    "^".repeat(width)
                ))
            })?;
        let mut types: Vec<Type> = ty.results().collect();
        // Refused before the call, which may have effects.
        for result in &types {
            if let Type::Future(future) = result
                && let Some(payload) = future.ty()
                && !awaitable(&payload)
            {
                return Err(Error::Unawaitable {
                    function: name.to_owned(),
                    payload: wit_name(&payload),
                });
            }
        }
        let mut values = vec![Val::Bool(false); types.len()];
        // Traced, the call is shown as written (an `@PATH` as such).
        let written = args
            .trim()
            .strip_prefix('(')
            .and_then(|a| a.strip_suffix(')'));
        let traced = self.store.data_mut().calls().map(|calls| {
            calls.enter_export(
                &export.to_string(),
                written.unwrap_or(args).trim().to_owned(),
            )
        });
        let outcome = match self.concurrent {
            false => func
                .call(&mut self.store, &parsed, &mut values)
                .map(|()| vec![None; types.len()]),
            true => wasmtime_wasi::runtime::in_tokio(self.store.run_concurrent(
                async |accessor| -> wasmtime::Result<Vec<Option<Vec<u8>>>> {
                    func.call_concurrent(accessor, &parsed, &mut values).await?;
                    let mut streams = Vec::new();
                    for (value, ty) in values.iter_mut().zip(&mut types) {
                        streams.push(match (&*value, &*ty) {
                            (Val::Stream(stream), Type::Stream(of))
                                if of.ty() == Some(Type::U8) =>
                            {
                                Some(read_stream(accessor, stream.clone()).await?)
                            }
                            (Val::Future(future), Type::Future(of)) => {
                                let payload = of.ty();
                                *value = await_future(accessor, future.clone(), &payload).await?;
                                if let Some(payload) = payload {
                                    *ty = payload;
                                }
                                None
                            }
                            _ => None,
                        });
                    }
                    Ok(streams)
                },
            ))
            .and_then(|streams| streams),
        };
        // A call that trapped before it asked for its arguments leaves them.
        self.store.data_mut().arguments = None;
        let streams = match outcome {
            Ok(streams) => streams,
            Err(e) => return Err(self.runtime.guest_error(&self.store, e)),
        };
        let shown = values
            .iter()
            .zip(&streams)
            .map(|(value, stream)| match stream {
                Some(bytes) => byte_list(bytes),
                None => self.show(value),
            })
            .collect::<Vec<String>>();
        if let (Some(call), Some(calls)) = (traced, self.store.data_mut().calls()) {
            let result = (!shown.is_empty()).then(|| shown.join(", "));
            calls.exit_export(call, result);
        }
        Ok(Called {
            values,
            types,
            shown,
            streams,
        })
    }

    /// The arguments of a call, as WAVE reads them but for resource
    /// handles (which WAVE has no syntax for): an argument of a resource
    /// type names a handle an earlier call returned, `handle-1`.
    fn params(
        &mut self,
        parsed: &wasm_wave::untyped::UntypedFuncCall,
        types: &[Type],
        files: &mut [Option<Vec<u8>>],
    ) -> Result<Vec<Val>, (String, std::ops::Range<usize>)> {
        let source = parsed.source();
        let fault = |e: wasm_wave::parser::ParserError| (e.to_string(), e.span());
        let nodes = param_nodes(parsed, types)?;
        let end = source.len().saturating_sub(1)..source.len();
        let mut values = Vec::new();
        for (i, ty) in types.iter().enumerate() {
            let Some(node) = nodes.get(i) else {
                // As WAVE: trailing `option`s may be left out.
                if matches!(ty, Type::Option(_)) {
                    values.push(Val::Option(None));
                    continue;
                }
                return Err((format!("argument {} is missing", i + 1), end));
            };
            let value = match ty {
                Type::Own(_) | Type::Borrow(_) => Val::Resource(self.handle(node, source)?),
                Type::Stream(of) if of.ty() == Some(Type::U8) => {
                    // A file is fed to the guest from its bytes, never
                    // made into a value per byte.
                    let file = node
                        .as_enum(source)
                        .ok()
                        .and_then(placeholder)
                        .and_then(|n| files.get_mut(n)?.take());
                    let bytes = match file {
                        Some(bytes) => bytes,
                        None => node
                            .as_list()
                            .map_err(fault)?
                            .map(|byte| {
                                byte.as_number::<u8>(source).map_err(|_| {
                                    ("expected a byte, 0 to 255".to_owned(), byte.span())
                                })
                            })
                            .collect::<Result<Vec<u8>, _>>()?,
                    };
                    let stream = StreamReader::new(&mut self.store, bytes)
                        .and_then(|reader| {
                            StreamAny::try_from_stream_reader(&mut self.store, reader)
                        })
                        .map_err(|e| (format!("cannot make the stream: {e}"), node.span()))?;
                    Val::Stream(stream)
                }
                Type::Stream(_) | Type::Future(_) | Type::ErrorContext => {
                    let what = "weld passes byte streams (`stream<u8>`: a list of bytes or @PATH), not other streams, futures or error contexts";
                    return Err((what.to_owned(), node.span()));
                }
                ty if source[node.span()].contains(FILE_PLACEHOLDER) => {
                    // A file in a value: its bytes as a WAVE list.
                    let text = with_files(&source[node.span()], files);
                    let at = |e: String| (e, node.span());
                    let value = wasm_wave::untyped::UntypedValue::parse(&text)
                        .map_err(|e| at(e.to_string()))?;
                    known_fields(value.node(), ty, value.source()).map_err(|(e, _)| at(e))?;
                    value
                        .to_wasm_value::<Val>(ty)
                        .map_err(|e| at(e.to_string()))?
                }
                ty => {
                    known_fields(node, ty, source)?;
                    node.to_wasm_value::<Val>(ty, source).map_err(fault)?
                }
            };
            values.push(value);
        }
        Ok(values)
    }

    /// The arguments of a call of a function the argument layer feeds:
    /// laid out for the host to give the layer, and placeholders (the
    /// cheapest values of their types, which the layer ignores) for the
    /// call itself.
    fn fed_params(
        &mut self,
        parsed: &wasm_wave::untyped::UntypedFuncCall,
        types: &[Type],
        files: &mut [Option<Vec<u8>>],
        interface: Option<&str>,
        name: &str,
    ) -> Result<Vec<Val>, (String, std::ops::Range<usize>)> {
        let source = parsed.source();
        let nodes = param_nodes(parsed, types)?;
        for (node, ty) in nodes.iter().zip(types) {
            known_fields(node, ty, source)?;
        }
        let Some(fed) = self.fed else {
            return Err(("no argument layer".to_owned(), 0..0));
        };
        let mut file = |label: &str| placeholder(label).and_then(|n| files.get_mut(n)?.take());
        let laid = fed.arguments(interface, name, &nodes, source, &mut file)?;
        self.store.data_mut().arguments = Some(laid);
        Ok(types.iter().map(cheapest).collect())
    }

    /// The handle an argument names.
    fn handle(
        &self,
        node: &wasm_wave::ast::Node,
        source: &str,
    ) -> Result<ResourceAny, (String, std::ops::Range<usize>)> {
        let named = node
            .as_enum(source)
            .ok()
            .and_then(|label| label.strip_prefix(HANDLE_PREFIX))
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| self.handles.get(n.checked_sub(1)?));
        named.copied().ok_or_else(|| {
            let known = match self.handles.len() {
                0 => "no call has returned one yet".to_owned(),
                1 => format!("the only one so far is {HANDLE_PREFIX}1"),
                n => format!("the handles so far are {HANDLE_PREFIX}1 to {HANDLE_PREFIX}{n}"),
            };
            (
                format!("expected a resource handle an earlier call returned; {known}"),
                node.span(),
            )
        })
    }

    /// A result in WAVE, with each resource handle numbered and kept.
    fn show(&mut self, value: &Val) -> String {
        if !beyond_wave(value) {
            return wasm_wave::to_string(value).unwrap_or_else(|e| format!("<{e}>"));
        }
        let list = |this: &mut Self, values: &[Val]| {
            values
                .iter()
                .map(|v| this.show(v))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let payload = |this: &mut Self, value: &Option<Box<Val>>| match value {
            Some(value) => format!("({})", this.show(value)),
            None => String::new(),
        };
        match value {
            Val::Resource(handle) => {
                self.handles.push(*handle);
                format!("{HANDLE_PREFIX}{}", self.handles.len())
            }
            Val::List(values) | Val::FixedLengthList(values) => format!("[{}]", list(self, values)),
            Val::Tuple(values) => format!("({})", list(self, values)),
            Val::Record(fields) => {
                let fields: Vec<String> = fields
                    .iter()
                    .map(|(name, value)| format!("{name}: {}", self.show(value)))
                    .collect();
                format!("{{{}}}", fields.join(", "))
            }
            Val::Variant(case, value) => format!("{case}{}", payload(self, value)),
            Val::Option(Some(value)) => format!("some({})", self.show(value)),
            Val::Result(Ok(value)) => format!("ok{}", payload(self, value)),
            Val::Result(Err(value)) => format!("err{}", payload(self, value)),
            Val::Map(pairs) => {
                let pairs: Vec<String> = pairs
                    .iter()
                    .map(|(k, v)| format!("({}, {})", self.show(k), self.show(v)))
                    .collect();
                format!("[{}]", pairs.join(", "))
            }
            Val::Future(_) => "<future>".to_owned(),
            Val::Stream(_) => "<stream>".to_owned(),
            Val::ErrorContext(_) => "<error-context>".to_owned(),
            other => wasm_wave::to_string(other).unwrap_or_else(|e| format!("<{e}>")),
        }
    }

    fn func(&mut self, export: &Export) -> Result<wasmtime::component::Func, Error> {
        let parent = match &export.interface {
            Some(interface) => self
                .instance
                .get_export_index(&mut self.store, None, interface),
            None => None,
        };
        self.instance
            .get_export_index(&mut self.store, parent.as_ref(), &export.name)
            .and_then(|index| self.instance.get_func(&mut self.store, index))
            .ok_or_else(|| Error::NoSuchFunction {
                name: export.to_string(),
                available: self.available(),
            })
    }

    fn available(&self) -> Vec<String> {
        available(&self.exports)
    }
}

/// The export `query` names among `exports`: `name`, `interface#name` or
/// `interface.name`, where `interface` may be the full name, the name
/// without `@version`, or its last part.
fn resolve(exports: &[Export], query: &str) -> Result<Export, Error> {
    let find = |interface: Option<&str>, name: &str| -> Vec<&Export> {
        exports
            .iter()
            .filter(|e| e.name == name)
            .filter(|e| match (interface, &e.interface) {
                (None, _) => true,
                (Some(query), Some(full)) => weld_wit::names::names_interface(full, query),
                (Some(_), None) => false,
            })
            .collect()
    };
    let candidates: Vec<&Export> = match query.split_once('#') {
        Some((interface, name)) => find(Some(interface), name),
        None => {
            let bare = find(None, query);
            match query.rsplit_once('.') {
                Some((interface, name)) if bare.is_empty() => find(Some(interface), name),
                _ => bare,
            }
        }
    };
    match candidates.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(Error::NoSuchFunction {
            name: query.to_owned(),
            available: available(exports),
        }),
        many => Err(Error::AmbiguousFunction {
            name: query.to_owned(),
            candidates: many.iter().map(|e| e.to_string()).collect(),
        }),
    }
}

fn available(exports: &[Export]) -> Vec<String> {
    exports.iter().map(|e| e.to_string()).collect()
}

/// A call's function name and its arguments' text (`()` when none are
/// written).
fn split_call(call: &str) -> (&str, &str) {
    match call.find('(') {
        Some(open) => (call[..open].trim(), &call[open..]),
        None => (call.trim(), "()"),
    }
}

/// How many bytes of files (`@PATH`, read relative to `base`) a call must
/// pass for its function to be fed through the argument layer. Below it
/// a list of values (about 0.2 µs a byte, release build) costs at most
/// about what decoding the component and composing the layer cost a
/// large one (the 12 MB JavaScript processor: fed, a 1 MiB image took
/// 0.45 s; as values, a slightly smaller one 0.51 s).
pub const FEED_FROM: u64 = 1 << 20;

/// Whether a call passes enough bytes of files to be fed.
fn large(call: &str, base: &Path) -> bool {
    file_bytes(call, base) >= FEED_FROM
}

/// Whether any of `calls` passes enough bytes of files to be fed.
pub fn passes_large_files(calls: &[String], base: &Path) -> bool {
    calls.iter().any(|call| large(call, base))
}

/// `path`'s component with an argument layer in front of its exports for
/// the functions `calls` pass large files to (see [`FEED_FROM`] and
/// `weld_virt::arguments`); None when it can feed none of them, and they
/// are called as values.
pub fn feed(
    path: &Path,
    bytes: &std::sync::Arc<weld_wit::wasm::Bytes>,
    calls: &[String],
    base: &Path,
) -> Result<Option<Fed>, weld_virt::Error> {
    let choose = |exported: &[Exported]| -> Vec<Exported> {
        let exports: Vec<Export> = exported
            .iter()
            .map(|e| Export {
                interface: e.interface.clone(),
                name: e.function.clone(),
            })
            .collect();
        calls
            .iter()
            .filter(|call| large(call, base))
            .filter_map(|call| resolve(&exports, split_call(call).0).ok())
            .map(|export| Exported {
                interface: export.interface,
                function: export.name,
            })
            .collect()
    };
    weld_virt::arguments::feed(path, bytes, &choose)
}

/// The WAVE nodes of a call's arguments: no more than `types` has.
fn param_nodes<'a>(
    parsed: &'a wasm_wave::untyped::UntypedFuncCall,
    types: &[Type],
) -> Result<Vec<&'a wasm_wave::ast::Node>, (String, std::ops::Range<usize>)> {
    let fault = |e: wasm_wave::parser::ParserError| (e.to_string(), e.span());
    let nodes: Vec<&wasm_wave::ast::Node> = match parsed.params_node() {
        Some(params) => params.as_tuple().map_err(fault)?.collect(),
        None => Vec::new(),
    };
    if let Some(extra) = nodes.get(types.len()) {
        let more = format!("the function takes {} arguments", types.len());
        return Err((more, extra.span()));
    }
    Ok(nodes)
}

/// The cheapest value of a type of plain data (what a fed function's
/// parameters get: it reads its arguments from the host instead).
fn cheapest(ty: &Type) -> Val {
    match ty {
        Type::Bool => Val::Bool(false),
        Type::S8 => Val::S8(0),
        Type::U8 => Val::U8(0),
        Type::S16 => Val::S16(0),
        Type::U16 => Val::U16(0),
        Type::S32 => Val::S32(0),
        Type::U32 => Val::U32(0),
        Type::S64 => Val::S64(0),
        Type::U64 => Val::U64(0),
        Type::Float32 => Val::Float32(0.0),
        Type::Float64 => Val::Float64(0.0),
        Type::Char => Val::Char('\0'),
        Type::String => Val::String(String::new()),
        Type::Record(record) => Val::Record(
            record
                .fields()
                .map(|field| (field.name.to_owned(), cheapest(&field.ty)))
                .collect(),
        ),
        Type::Tuple(tuple) => Val::Tuple(tuple.types().map(|ty| cheapest(&ty)).collect()),
        Type::Variant(variant) => match variant.cases().next() {
            Some(case) => Val::Variant(
                case.name.to_owned(),
                case.ty.map(|ty| Box::new(cheapest(&ty))),
            ),
            // Every variant has a case; wasmtime refuses this otherwise.
            None => Val::Variant(String::new(), None),
        },
        Type::Enum(enumeration) => {
            Val::Enum(enumeration.names().next().unwrap_or_default().to_owned())
        }
        Type::Option(_) => Val::Option(None),
        Type::Result(result) => Val::Result(Ok(result.ok().map(|ty| Box::new(cheapest(&ty))))),
        Type::Flags(_) => Val::Flags(Vec::new()),
        // Lists, and what the layer never feeds (handles, streams).
        _ => Val::List(Vec::new()),
    }
}

/// The hostcall fuel of a session: lists of up to about 128 MiB.
const HOSTCALL_FUEL: usize = 4 << 30;

/// How handles are named: `handle-1` is a WAVE label, so a call that
/// passes one back parses.
const HANDLE_PREFIX: &str = "handle-";

/// The most bytes a `stream<u8>` result may carry: it is held in memory
/// until the call ends.
const MAX_STREAM: usize = 1 << 30;

/// Awaits a future the guest returned, whose payload is `payload`: its
/// value, or `()` (an empty tuple) for a future without one.
async fn await_future(
    accessor: &Accessor<Host>,
    future: FutureAny,
    payload: &Option<Type>,
) -> wasmtime::Result<Val> {
    let Some(payload) = payload else {
        read_future::<()>(accessor, future).await?;
        return Ok(Val::Tuple(Vec::new()));
    };
    Ok(match payload {
        Type::Bool => Val::Bool(read_future(accessor, future).await?),
        Type::S8 => Val::S8(read_future(accessor, future).await?),
        Type::U8 => Val::U8(read_future(accessor, future).await?),
        Type::S16 => Val::S16(read_future(accessor, future).await?),
        Type::U16 => Val::U16(read_future(accessor, future).await?),
        Type::S32 => Val::S32(read_future(accessor, future).await?),
        Type::U32 => Val::U32(read_future(accessor, future).await?),
        Type::S64 => Val::S64(read_future(accessor, future).await?),
        Type::U64 => Val::U64(read_future(accessor, future).await?),
        Type::Float32 => Val::Float32(read_future(accessor, future).await?),
        Type::Float64 => Val::Float64(read_future(accessor, future).await?),
        Type::Char => Val::Char(read_future(accessor, future).await?),
        Type::String => Val::String(read_future(accessor, future).await?),
        Type::List(list) if list.ty() == Type::U8 => {
            let bytes: Vec<u8> = read_future(accessor, future).await?;
            Val::List(bytes.into_iter().map(Val::U8).collect())
        }
        other => wasmtime::bail!("weld cannot await a future of {}", wit_name(other)),
    })
}

/// Whether [`await_future`] reads a future of `payload`.
fn awaitable(payload: &Type) -> bool {
    match payload {
        Type::List(list) => list.ty() == Type::U8,
        ty => matches!(
            ty,
            Type::Bool
                | Type::S8
                | Type::U8
                | Type::S16
                | Type::U16
                | Type::S32
                | Type::U32
                | Type::S64
                | Type::U64
                | Type::Float32
                | Type::Float64
                | Type::Char
                | Type::String
        ),
    }
}

/// A type as WIT writes it, for messages: a record, variant, enum, flags
/// or resource by its kind.
fn wit_name(ty: &Type) -> String {
    let join = |types: &mut dyn Iterator<Item = Type>| {
        types.map(|t| wit_name(&t)).collect::<Vec<_>>().join(", ")
    };
    match ty {
        Type::List(list) => format!("list<{}>", wit_name(&list.ty())),
        Type::Tuple(tuple) => format!("tuple<{}>", join(&mut tuple.types())),
        Type::Option(option) => format!("option<{}>", wit_name(&option.ty())),
        Type::Result(result) => {
            let part = |t: Option<Type>| t.map_or("_".to_owned(), |t| wit_name(&t));
            format!("result<{}, {}>", part(result.ok()), part(result.err()))
        }
        Type::Record(_) => "a record".to_owned(),
        Type::Variant(_) => "a variant".to_owned(),
        Type::Enum(_) => "an enum".to_owned(),
        Type::Flags(_) => "flags".to_owned(),
        Type::Own(_) | Type::Borrow(_) => "a resource handle".to_owned(),
        Type::Future(_) => "a future".to_owned(),
        Type::Stream(_) => "a stream".to_owned(),
        other => format!("{other:?}").to_lowercase(),
    }
}

/// Reads the value of a future of `T`.
async fn read_future<T>(accessor: &Accessor<Host>, future: FutureAny) -> wasmtime::Result<T>
where
    T: wasmtime::component::ComponentType + wasmtime::component::Lift + Send + Sync + 'static,
{
    let reader = future.try_into_future_reader::<T>()?;
    let (done, read) = tokio::sync::oneshot::channel();
    accessor.with(|store| reader.pipe(store, Awaiter { done: Some(done) }))?;
    read.await
        .map_err(|_| wasmtime::format_err!("the future was dropped before it had a value"))
}

/// Takes a future's value when the guest writes it.
struct Awaiter<T> {
    done: Option<tokio::sync::oneshot::Sender<T>>,
}

impl<D, T: wasmtime::component::Lift + Send + Sync + 'static> FutureConsumer<D> for Awaiter<T> {
    type Item = T;

    fn poll_consume(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        store: StoreContextMut<D>,
        mut source: Source<'_, T>,
        _: bool,
    ) -> Poll<wasmtime::Result<()>> {
        let mut value = None;
        source.read(store, &mut value)?;
        if let (Some(value), Some(done)) = (value, self.get_mut().done.take()) {
            let _ = done.send(value);
        }
        Poll::Ready(Ok(()))
    }
}

/// Reads a byte stream the guest returned to its end.
async fn read_stream(accessor: &Accessor<Host>, stream: StreamAny) -> wasmtime::Result<Vec<u8>> {
    let reader = stream.try_into_stream_reader::<u8>()?;
    let (done, read) = tokio::sync::oneshot::channel();
    let collector = Collector {
        bytes: Vec::new(),
        done: Some(done),
    };
    accessor.with(|store| reader.pipe(store, collector))?;
    read.await
        .map_err(|_| wasmtime::format_err!("the stream was lost"))?
}

/// Takes a stream's bytes as the guest writes them, and hands them over
/// once the guest drops its end (which drops the consumer).
struct Collector {
    bytes: Vec<u8>,
    done: Option<tokio::sync::oneshot::Sender<wasmtime::Result<Vec<u8>>>>,
}

impl<D> StreamConsumer<D> for Collector {
    type Item = u8;

    fn poll_consume(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        store: StoreContextMut<D>,
        source: Source<'_, u8>,
        _: bool,
    ) -> Poll<wasmtime::Result<StreamResult>> {
        let mut source = source.as_direct(store);
        let written = source.remaining().len();
        if self.bytes.len() + written > MAX_STREAM {
            let too_long = wasmtime::format_err!(
                "the stream result is longer than {} MiB, the most weld holds",
                MAX_STREAM >> 20
            );
            if let Some(done) = self.done.take() {
                let _ = done.send(Err(too_long));
            }
            return Poll::Ready(Ok(StreamResult::Dropped));
        }
        self.bytes.extend_from_slice(source.remaining());
        source.mark_read(written);
        Poll::Ready(Ok(StreamResult::Completed))
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        if let Some(done) = self.done.take() {
            let _ = done.send(Ok(std::mem::take(&mut self.bytes)));
        }
    }
}

/// Bytes as a WAVE `list<u8>`.
fn byte_list(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 4 + 2);
    out.push('[');
    for (i, byte) in bytes.iter().enumerate() {
        let separator = if i > 0 { ", " } else { "" };
        let _ = write!(out, "{separator}{byte}");
    }
    out.push(']');
    out
}

/// Whether a value holds something WAVE cannot write (and wasm-wave
/// panics on): a resource handle, a future, a stream, an error context.
fn beyond_wave(value: &Val) -> bool {
    match value {
        Val::Resource(_) | Val::Future(_) | Val::Stream(_) | Val::ErrorContext(_) => true,
        Val::List(values) | Val::Tuple(values) | Val::FixedLengthList(values) => {
            values.iter().any(beyond_wave)
        }
        Val::Record(fields) => fields.iter().any(|(_, v)| beyond_wave(v)),
        Val::Variant(_, Some(v))
        | Val::Option(Some(v))
        | Val::Result(Ok(Some(v)) | Err(Some(v))) => beyond_wave(v),
        Val::Map(pairs) => pairs.iter().any(|(k, v)| beyond_wave(k) || beyond_wave(v)),
        _ => false,
    }
}

/// Fails on a record field that `ty` does not have, at any depth: WAVE
/// would ignore it, and a misspelt field would go unnoticed when it is an
/// `option`, which WAVE fills with `none`.
fn known_fields(
    node: &wasm_wave::ast::Node,
    ty: &Type,
    source: &str,
) -> Result<(), (String, std::ops::Range<usize>)> {
    use wasm_wave::ast::NodeType;
    let unknown = |name: &str, span| (format!("the record has no field `{name}`"), span);
    // The node types were matched first, so this is not expected.
    let span = node.span();
    let shape = |e: wasm_wave::parser::ParserError| (e.to_string(), span.clone());
    match (node.ty(), ty) {
        (NodeType::Record, Type::Record(record)) => {
            for (name, value) in node.as_record(source).map_err(shape)? {
                match record.fields().find(|field| field.name == name) {
                    Some(field) => known_fields(value, &field.ty, source)?,
                    None => return Err(unknown(name, value.span())),
                }
            }
        }
        (NodeType::List, Type::List(list)) => {
            for value in node.as_list().map_err(shape)? {
                known_fields(value, &list.ty(), source)?;
            }
        }
        (NodeType::Tuple, Type::Tuple(tuple)) => {
            for (value, ty) in node.as_tuple().map_err(shape)?.zip(tuple.types()) {
                known_fields(value, &ty, source)?;
            }
        }
        (NodeType::OptionSome, Type::Option(option)) => {
            if let Some(value) = node.as_option().map_err(shape)? {
                known_fields(value, &option.ty(), source)?;
            }
        }
        (NodeType::ResultOk | NodeType::ResultErr, Type::Result(result)) => {
            match node.as_result().map_err(shape)? {
                Ok(Some(value)) => {
                    if let Some(ty) = result.ok() {
                        known_fields(value, &ty, source)?;
                    }
                }
                Err(Some(value)) => {
                    if let Some(ty) = result.err() {
                        known_fields(value, &ty, source)?;
                    }
                }
                _ => {}
            }
        }
        (NodeType::VariantWithPayload, Type::Variant(variant)) => {
            let (name, value) = node.as_variant(source).map_err(shape)?;
            if let (Some(value), Some(Some(ty))) = (
                value,
                variant
                    .cases()
                    .find(|case| case.name == name)
                    .map(|case| case.ty),
            ) {
                known_fields(value, &ty, source)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// What stands for the `N`th file of a call in its text: `weld-file-N`,
/// a WAVE label, so that the call parses before the files' bytes are
/// spelled out (and a `stream<u8>` takes them without ever being spelled).
const FILE_PLACEHOLDER: &str = "weld-file-";

/// The file a placeholder label stands for.
fn placeholder(label: &str) -> Option<usize> {
    label.strip_prefix(FILE_PLACEHOLDER)?.parse().ok()
}

/// Calls `each` on every character of `text` outside WAVE strings and
/// chars, and copies the others.
fn outside_strings(
    text: &str,
    mut each: impl FnMut(char, &mut String, &mut Peekable<CharIndices<'_>>) -> Result<(), String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    let mut quote: Option<char> = None;
    while let Some((_, c)) = chars.next() {
        match (quote, c) {
            (Some(_), '\\') => {
                out.push(c);
                if let Some((_, escaped)) = chars.next() {
                    out.push(escaped);
                }
            }
            (Some(q), c) if c == q => {
                quote = None;
                out.push(c);
            }
            (Some(_), c) => out.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                out.push(c);
            }
            (None, c) => each(c, &mut out, &mut chars)?,
        }
    }
    Ok(out)
}

/// `text` with each file placeholder replaced by the file's bytes as a
/// WAVE list.
fn with_files(text: &str, files: &[Option<Vec<u8>>]) -> String {
    let expanded = outside_strings(text, |c, out, chars| {
        let mut word = String::from(c);
        if c.is_ascii_alphabetic() {
            while let Some(&(_, next)) = chars.peek() {
                if !(next.is_ascii_alphanumeric() || next == '-') {
                    break;
                }
                word.push(next);
                chars.next();
            }
        }
        match placeholder(&word).and_then(|n| files.get(n)?.as_ref()) {
            Some(bytes) => out.push_str(&byte_list(bytes)),
            None => out.push_str(&word),
        }
        Ok(())
    });
    expanded.unwrap_or_else(|_| text.to_owned())
}

/// A call's arguments with placeholders for its files, and the files.
struct WithFiles {
    text: String,
    /// The bytes of each file, by placeholder; a stream argument takes
    /// them.
    files: Vec<Option<Vec<u8>>>,
}

/// The `PATH` of an `@PATH` or `@"PATH"`, read from after the `@`.
fn file_path(chars: &mut Peekable<CharIndices<'_>>) -> Result<String, String> {
    let mut path = String::new();
    if chars.peek().is_some_and(|(_, c)| *c == '"') {
        chars.next();
        for (_, c) in chars.by_ref() {
            if c == '"' {
                break;
            }
            path.push(c);
        }
    } else {
        while let Some((_, c)) = chars.peek() {
            if matches!(c, ',' | ')' | '}' | ']') || c.is_whitespace() {
                break;
            }
            path.push(*c);
            chars.next();
        }
    }
    match path.is_empty() {
        true => Err("`@` must be followed by a file path".to_owned()),
        false => Ok(path),
    }
}

/// How many bytes the files a call passes hold, by their sizes on disk
/// (a file that cannot be read counts nothing: the call says why).
fn file_bytes(call: &str, base: &Path) -> u64 {
    let (_, args) = split_call(call);
    let mut total = 0;
    let _ = outside_strings(args, |c, _, chars| {
        if c == '@' {
            let path = file_path(chars)?;
            total += std::fs::metadata(base.join(path)).map_or(0, |m| m.len());
        }
        Ok(())
    });
    total
}

/// Replaces each `@PATH` or `@"PATH"` outside WAVE strings and chars with
/// a placeholder, and reads the files.
fn read_files(args: &str, base: &Path) -> Result<WithFiles, String> {
    let mut files = Vec::new();
    if !args.contains('@') {
        return Ok(WithFiles {
            text: args.to_owned(),
            files,
        });
    }
    let text = outside_strings(args, |c, out, chars| {
        if c != '@' {
            out.push(c);
            return Ok(());
        }
        let path = file_path(chars)?;
        let bytes = weld_wit::files::read_regular(&base.join(&path), weld_wit::files::MAX_WASM)
            .map_err(|e| {
                format!(
                    "cannot read `@{path}`: {}",
                    weld_wit::display::error_chain(&e)
                )
            })?;
        let _ = write!(out, "{FILE_PLACEHOLDER}{}", files.len());
        files.push(Some(bytes));
        Ok(())
    })?;
    Ok(WithFiles { text, files })
}
