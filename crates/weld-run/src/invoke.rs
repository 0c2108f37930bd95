//! Calling exported functions with WAVE values, as `weld invoke` does.
//!
//! Calls run in order on one instance, so state carries from one to the
//! next. In a call, `@PATH` (or `@"PATH"`) stands for the bytes of a file as
//! a `list<u8>`, so large inputs need not be spelled out.

use crate::runtime::{Prepared, Runtime};
use crate::{Error, host::Host};
use std::fmt::Write;
use std::path::Path;
use wasmtime::Store;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Instance, ResourceAny, Type, Val, wasm_wave};

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
}

impl Called {
    /// Whether the result equals `expected`, written in WAVE: compared as
    /// values of the result's type, so spacing and field order do not matter.
    pub fn matches(&self, expected: &str) -> Result<bool, String> {
        match (self.values.as_slice(), self.types.as_slice()) {
            ([value], [ty]) if !beyond_wave(value) => {
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
    exports: Vec<Export>,
    /// The resource handles calls returned, named `handle-1`, `handle-2`...
    /// by their place here, so that later calls can pass them back.
    handles: Vec<ResourceAny>,
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
        let instance = prepared.pre.instantiate(&mut store).map_err(|e| {
            match runtime.guest_error(&store, e) {
                Error::Guest(source) => Error::Instantiate {
                    path: prepared.path.clone(),
                    source,
                },
                other => other,
            }
        })?;
        let engine = runtime.engine();
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
            exports,
            handles: Vec::new(),
        })
    }

    /// Makes one call, such as `grayscale({data: @img.rgba, width: 2, height: 1})`.
    /// `@PATH`s are read relative to `base`.
    pub fn call(&mut self, call: &str, base: &Path) -> Result<Called, Error> {
        let bad_call = |message: String| Error::Call { message };
        let (name, args) = match call.find('(') {
            Some(open) => (call[..open].trim(), &call[open..]),
            None => (call.trim(), "()"),
        };
        let export = self.resolve(name)?;
        let func = self.func(&export)?;
        let ty = func.ty(&self.store);
        let types: Vec<_> = ty.params().map(|(_, ty)| ty).collect();
        let expanded = expand_files(args, base).map_err(bad_call)?;
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
            .and_then(|parsed| self.params(&parsed, &types))
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
        let types: Vec<Type> = ty.results().collect();
        let mut values = vec![Val::Bool(false); types.len()];
        if let Err(e) = func.call(&mut self.store, &parsed, &mut values) {
            return Err(self.runtime.guest_error(&self.store, e));
        }
        let shown = values.iter().map(|v| self.show(v)).collect();
        Ok(Called {
            values,
            types,
            shown,
        })
    }

    /// The arguments of a call, as WAVE reads them but for resource
    /// handles (which WAVE has no syntax for): an argument of a resource
    /// type names a handle an earlier call returned, `handle-1`.
    fn params(
        &self,
        parsed: &wasm_wave::untyped::UntypedFuncCall,
        types: &[Type],
    ) -> Result<Vec<Val>, (String, std::ops::Range<usize>)> {
        let source = parsed.source();
        let fault = |e: wasm_wave::parser::ParserError| (e.to_string(), e.span());
        let nodes: Vec<&wasm_wave::ast::Node> = match parsed.params_node() {
            Some(params) => params.as_tuple().map_err(fault)?.collect(),
            None => Vec::new(),
        };
        if let Some(extra) = nodes.get(types.len()) {
            let more = format!("the function takes {} arguments", types.len());
            return Err((more, extra.span()));
        }
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
                ty => {
                    known_fields(node, ty, source)?;
                    node.to_wasm_value::<Val>(ty, source).map_err(fault)?
                }
            };
            values.push(value);
        }
        Ok(values)
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

    /// `name`, `interface#name` or `interface.name`, where `interface` may
    /// be the full name, the name without `@version`, or its last part.
    fn resolve(&self, query: &str) -> Result<Export, Error> {
        let candidates: Vec<&Export> = match query.split_once('#') {
            Some((interface, name)) => self.find(Some(interface), name),
            None => {
                let bare = self.find(None, query);
                match query.rsplit_once('.') {
                    Some((interface, name)) if bare.is_empty() => self.find(Some(interface), name),
                    _ => bare,
                }
            }
        };
        match candidates.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(Error::NoSuchFunction {
                name: query.to_owned(),
                available: self.available(),
            }),
            many => Err(Error::AmbiguousFunction {
                name: query.to_owned(),
                candidates: many.iter().map(|e| e.to_string()).collect(),
            }),
        }
    }

    fn find(&self, interface: Option<&str>, name: &str) -> Vec<&Export> {
        self.exports
            .iter()
            .filter(|e| e.name == name)
            .filter(|e| match (interface, &e.interface) {
                (None, _) => true,
                (Some(query), Some(full)) => weld_wit::names::names_interface(full, query),
                (Some(_), None) => false,
            })
            .collect()
    }

    fn available(&self) -> Vec<String> {
        self.exports.iter().map(|e| e.to_string()).collect()
    }
}

/// The hostcall fuel of a session: lists of up to about 128 MiB.
const HOSTCALL_FUEL: usize = 4 << 30;

/// How handles are named: `handle-1` is a WAVE label, so a call that
/// passes one back parses.
const HANDLE_PREFIX: &str = "handle-";

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

/// Replaces each `@PATH` or `@"PATH"` outside WAVE strings and chars with
/// the file's bytes as a list literal.
fn expand_files(args: &str, base: &Path) -> Result<String, String> {
    if !args.contains('@') {
        return Ok(args.to_owned());
    }
    let mut out = String::with_capacity(args.len());
    let mut chars = args.char_indices().peekable();
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
            (None, '@') => {
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
                if path.is_empty() {
                    return Err("`@` must be followed by a file path".to_owned());
                }
                let bytes =
                    weld_wit::files::read_regular(&base.join(&path), weld_wit::files::MAX_WASM)
                        .map_err(|e| {
                            format!(
                                "cannot read `@{path}`: {}",
                                weld_wit::display::error_chain(&e)
                            )
                        })?;
                out.push('[');
                for (i, byte) in bytes.iter().enumerate() {
                    let separator = if i > 0 { "," } else { "" };
                    let _ = write!(out, "{separator}{byte}");
                }
                out.push(']');
            }
            (None, c) => out.push(c),
        }
    }
    Ok(out)
}
