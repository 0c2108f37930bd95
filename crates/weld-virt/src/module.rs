//! The core module of a virtual component: memory, a bump allocator, and
//! one function per WIT function that traps, returns a constant laid out
//! at build time, or calls the host's own function. Made with
//! wasm-encoder; no compiler is involved.
//!
//! Resources of the interfaces the component replaces are its own, so that
//! every interface using them can come from it; a handle of its own that
//! stands for one of the host's has the host's handle as representation.
//! Handles the host returns are wrapped on the way out, borrowed ones go to
//! the host as they are, and the destructor drops the host's.

use crate::layout::{BASE, Data, Flat};
use std::collections::HashMap;
use wasm_encoder::{
    BlockType, CodeSection, ConstExpr, DataSection, EntityType, ExportKind, ExportSection,
    Function, FunctionSection, GlobalSection, GlobalType, Ieee32, Ieee64, ImportSection,
    InstructionSink, MemArg, MemorySection, MemoryType, Module, NameMap, NameSection, TypeSection,
    ValType,
};
use weld_wit::wit_parser::abi::{WasmSignature, WasmType};

/// The module's globals, by what they hold, in the order they are
/// declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Global {
    /// The bump allocator's next free address.
    Heap,
    /// The state of the splitmix64 generator (`--random-seed`).
    RandomState,
    /// weld's monotonic clock, in nanoseconds.
    Clock,
    /// The next stream slot of the mounted tree.
    NextStreamSlot,
}

impl Global {
    const ALL: [Global; 4] = [
        Global::Heap,
        Global::RandomState,
        Global::Clock,
        Global::NextStreamSlot,
    ];

    pub(crate) const fn index(self) -> u32 {
        self as u32
    }
}

/// A function imported from the host: module, name and signature.
#[derive(Debug, Clone)]
pub struct Import {
    pub module: String,
    pub name: String,
    pub params: Vec<WasmType>,
    pub results: Vec<WasmType>,
}

/// A resource the component defines in place of the host's.
#[derive(Debug, Clone)]
pub struct Resource {
    /// `[resource-new]`: a handle of its own for a host handle or one of
    /// weld's objects.
    pub new: Import,
    /// The host's `[resource-drop]`, and the export name of the destructor
    /// that calls it, when its handles may wrap the host's.
    pub drop: Option<(Import, String)>,
}

/// Where the static data of `--mount` lies.
#[derive(Debug, Clone, Copy)]
pub struct MountTables {
    pub table: u32,
    pub parents: u32,
    pub slots: u32,
}

/// Where the host's handles to resources the component defines lie in a
/// result the host wrote to memory. Offsets are from the value's start.
#[derive(Debug, Clone)]
pub enum Fix {
    /// A handle, wrapped by resource number `resource`.
    Handle { offset: u32, resource: usize },
    /// A variant (or option, or result) whose discriminant of `size`
    /// bytes is at `offset`; for a case, what to fix when it is that one.
    Variant {
        offset: u32,
        size: u8,
        cases: Vec<(u32, Vec<Fix>)>,
    },
    /// A list whose pointer and length are at `offset`; what to fix in
    /// each of its elements.
    List {
        offset: u32,
        element_size: u32,
        element: Vec<Fix>,
    },
}

impl Fix {
    /// How many locals fixing needs.
    fn locals(fixes: &[Fix]) -> u32 {
        fixes
            .iter()
            .map(|fix| match fix {
                Fix::Handle { .. } => 0,
                Fix::Variant { cases, .. } => {
                    1 + cases.iter().map(|(_, f)| Fix::locals(f)).sum::<u32>()
                }
                Fix::List { element, .. } => 2 + Fix::locals(element),
            })
            .sum()
    }
}

/// What to do to the host's result before returning it.
#[derive(Debug, Clone)]
pub enum Wrap {
    None,
    /// The result is one handle, wrapped by resource number `.0`.
    Flat(usize),
    /// The result is in memory: fix it there.
    Memory(Vec<Fix>),
}

/// How a forwarding function calls the one it forwards to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lowering {
    Sync,
    /// Lowered `async` (results through the return pointer), and so
    /// callable from a sync task, which may not block: the callee must
    /// return at once (a status of RETURNED), or the call traps.
    AsyncReturned,
}

/// The status of an async call that returned at once (`RETURNED`, with
/// no subtask).
const RETURNED: i32 = 2;

/// What a function does. Every body leaves the function's result.
#[derive(Debug, Clone)]
pub enum Body {
    Trap,
    /// Returns this core value: a small result, or the address of a larger
    /// one in static data.
    Return(Flat),
    /// Returns nothing.
    Nothing,
    /// Returns a new handle of resource number `resource` for one of
    /// weld's own objects, `rep` (negative).
    Object {
        resource: usize,
        rep: i32,
    },
    /// Returns the static value at `address`, once handles to weld's own
    /// objects are stored in it: (offset, resource number, rep).
    Template {
        address: u32,
        handles: Vec<(u32, usize, i32)>,
    },
    /// Calls the host's own function.
    Forward {
        import: Import,
        /// The size and alignment of the result, when it is returned
        /// through memory.
        result: Option<(usize, usize)>,
        wrap: Wrap,
        /// The name of the post-return function, which frees the heap.
        post_return: String,
        lowering: Lowering,
    },
    /// When the first argument, a borrowed handle, is one of weld's own
    /// objects (a negative representation): the body for that object, or
    /// `other`; else `host`.
    Dispatch {
        objects: Vec<(i32, Body)>,
        other: Box<Body>,
        host: Box<Body>,
    },
    /// `poll`: the indices of weld's own pollables in the list, which are
    /// always ready, or else what `host` answers.
    Poll {
        host: Box<Body>,
    },
    /// The next number of a generator (splitmix64) seeded with `seed`, or
    /// a list of `len` (the argument) bytes from it.
    Random {
        seed: u64,
        bytes: bool,
    },
    /// The time of weld's monotonic clock.
    Now,
    /// Moves weld's monotonic clock on by the argument (a duration), or to
    /// it (an instant) if it is later, then does `then`.
    Advance {
        to: bool,
        then: Box<Body>,
    },
    /// An operation on the mounted tree.
    Mount(crate::mount::Op),
    /// `get-environment` through `host` (a forward), keeping only the
    /// variables whose names match one of `globs` and that no fixed one
    /// replaces, then the fixed ones.
    FilterEnv {
        host: Box<Body>,
        globs: Vec<Span>,
        /// The fixed variables' names, and their entries as the canonical
        /// ABI lays out a `list<tuple<string, string>>`'s elements (16 bytes
        /// each) at `entries`.
        names: Vec<Span>,
        entries: u32,
    },
    /// `wasi:http/outgoing-handler#handle` behind `--allow-http`: the
    /// request's method, scheme, authority and path, in [`canon_body`]'s
    /// form, are matched against the grants' globs; `allowed` if one
    /// matches, else `denied`.
    CheckHttp {
        check: Box<HttpCheck>,
        allowed: Box<Body>,
        denied: Box<Body>,
    },
    /// `get-directories` through `host` (a forward that leaves the host's
    /// handles as they are): the directories a grant's prefix covers are
    /// wrapped as descriptors of resource number `resource` (and, with
    /// `mark`, marked read-only or not in the read-only map), the others'
    /// handles dropped.
    FilterDirs {
        host: Box<Body>,
        /// Longest prefix first.
        grants: Vec<DirGrant>,
        resource: usize,
        mark: bool,
    },
    /// A function of `wasi:filesystem/types` behind `--allow-fs`.
    GuardFs(Box<GuardFs>),
    /// `wasi:http/client#send` answered by a mock (`--http-response`).
    MockResponse(Box<MockResponse>),
    /// A call reported to `weld:trace/tap` around `inner` (`weld trace`).
    Tap(Box<Tap>),
    /// A forward whose arguments come from the host (`weld invoke`; see
    /// `arguments`).
    Fed(Box<Fed>),
    /// A function refused without a trap that owns what it is given: its
    /// owned handles, streams and futures are dropped (a writer to one of
    /// them sees its writes fail, rather than wait for a reader that never
    /// comes), and what it returns is ready at once.
    Refuse(Refusal),
}

/// What [`Body::Tap`] reports: `enter(site, flat, base, memory)` with the
/// parameters' core values, `inner`, then `exit(call, flat, base, memory)`
/// with its result's. `memory` is the heap, where the canonical ABI put
/// the arguments and the callee the result: so the host reads every value
/// as it lies, and the tap copies nothing.
#[derive(Debug, Clone)]
pub struct Tap {
    pub site: u32,
    pub inner: Body,
    /// The core types of the function's parameters.
    pub params: Vec<WasmType>,
    pub enter: Import,
    pub exit: Import,
}

/// What [`Body::Fed`] does: `get(base, area)` with `base` the heap's next
/// address aligned to 8, where the canonical ABI then puts the list the
/// host returns (a bump allocator's next allocation); then `inner`, a
/// forward, with the core values read from the list, or with its address
/// when they go through memory. The function's own arguments are not
/// read.
#[derive(Debug, Clone)]
pub struct Fed {
    pub get: Import,
    /// The callee's core parameters, each in 8 bytes of the list; None
    /// when its parameters go through memory.
    pub params: Option<Vec<WasmType>>,
    pub inner: Body,
}

/// The locals of [`Body::Fed`] before its inner body's: the list's
/// address, and the area `get` returns it in.
const FED_LOCALS: u32 = 2;

/// Where a forward's arguments come from.
#[derive(Clone, Copy)]
enum Arguments<'a> {
    /// Its own parameters, passed on as they are.
    Own,
    /// The list at the address in local `base`, of what [`Fed::params`]
    /// says.
    Fed {
        base: u32,
        params: Option<&'a [WasmType]>,
    },
}

/// What a forward does besides the call: where its arguments come from,
/// and what runs before its result is wrapped.
#[derive(Clone, Copy)]
struct Forwarding<'a> {
    arguments: Arguments<'a>,
    before_wrap: Option<&'a dyn Fn(&mut InstructionSink<'_>)>,
}

impl Default for Forwarding<'_> {
    fn default() -> Self {
        Forwarding {
            arguments: Arguments::Own,
            before_wrap: None,
        }
    }
}

/// What a tap's `exit` needs: the import, its locals (see [`TAP_LOCALS`])
/// and the code that pushes `base` and `memory`.
struct TapExit<'a> {
    exit: u32,
    area: u32,
    call: u32,
    kept: u32,
    heap: &'a dyn Fn(&mut InstructionSink<'_>),
}

impl TapExit<'_> {
    /// Where the `n`-th core value goes in the area the host reads.
    fn slot(n: u32) -> MemArg {
        MemArg {
            offset: u64::from(n) * 8,
            align: 3,
            memory_index: 0,
        }
    }
}

/// The locals of [`Body::Tap`] before its inner body's: the address of the
/// core values written for the host, the call's id, and an `i32` result
/// kept while `exit` is called (an `i64` one is kept in the wide local).
const TAP_LOCALS: u32 = 3;

/// One `--allow-fs` grant, as [`Body::FilterDirs`] matches preopens'
/// guest paths: exactly `exact`, or by the glob `under` (`PREFIX/*`).
#[derive(Debug, Clone)]
pub struct DirGrant {
    pub exact: Span,
    pub under: Span,
    pub read_only: bool,
}

/// What [`Body::GuardFs`] checks before it calls `allowed`.
#[derive(Debug, Clone)]
pub struct GuardFs {
    /// The path parameters (the core index of their pointers; the length
    /// follows), each with whether it is a link's target, which may not
    /// climb at all: a path that leaves its directory gets `outside`.
    pub paths: Vec<(u32, bool)>,
    /// When the function changes things on a read-only descriptor.
    pub change: Change,
    /// The core parameters that are borrowed descriptors.
    pub descriptors: Vec<u32>,
    pub outside: Body,
    pub read_only: Body,
    pub allowed: Body,
    /// `open-at`: its result (`result<descriptor, error-code>`, through
    /// memory, the handle the host's) is marked as its directory is, then
    /// wrapped as resource number `.0`.
    pub inherit: Option<usize>,
}

/// What [`Body::MockResponse`] calls, in order, and makes: the request
/// (the first parameter) is dropped; a trailers future is made and its
/// value (`ok(none)`) written, which the reader finds; the response is
/// made with empty fields, no contents and those trailers, the future of
/// its transmission dropped, its status set; `send` returns `ok` of it.
#[derive(Debug, Clone)]
pub struct MockResponse {
    pub drop_request: Import,
    pub trailers_new: Import,
    pub trailers_write: Import,
    pub fields: Import,
    pub response: Import,
    pub drop_transmitted: Import,
    pub set_status: Import,
    /// The trailers' value in static data.
    pub trailers: u32,
    pub status: u16,
    /// The size and alignment of `send`'s result, and where its `ok` holds
    /// the response.
    pub result: (u32, u32),
    pub ok_offset: u32,
}

impl MockResponse {
    /// What it calls, in the order `Context::mock_response` calls them.
    fn imports(&self) -> [&Import; 7] {
        [
            &self.drop_request,
            &self.trailers_new,
            &self.trailers_write,
            &self.fields,
            &self.response,
            &self.drop_transmitted,
            &self.set_status,
        ]
    }
}

/// When a function of [`GuardFs`] changes things.
#[derive(Debug, Clone, Copy)]
pub enum Change {
    Never,
    Always,
    /// `open-at`, when its open flags (`(param, mask)`: `create`,
    /// `truncate`) or descriptor flags (`write`, `mutate-directory`) ask
    /// to.
    Open {
        open: (u32, i32),
        flags: (u32, i32),
    },
}

/// Bytes in static data.
#[derive(Debug, Clone, Copy)]
pub struct Span {
    pub address: u32,
    pub len: u32,
}

/// What [`Body::CheckHttp`] asks the host of the request, and matches.
#[derive(Debug, Clone)]
pub struct HttpCheck {
    /// The getters of `outgoing-request`, each returning through a
    /// pointer: `scheme` (`option<scheme>`, 16 bytes), `authority` and
    /// `path-with-query` (`option<string>`, 12), `method` (12).
    pub scheme: Import,
    pub authority: Import,
    pub method: Import,
    pub path: Import,
    /// The names of the methods before `other`, as (address, length)
    /// pairs in static data.
    pub methods: u32,
    /// `/`, the path of a request that has none.
    pub root: u32,
    pub globs: Vec<Span>,
}

/// Where an `option` holds its case, and where an `option<string>` its
/// string; an `option<scheme>` holds the scheme's case (0 `HTTP`, 1
/// `HTTPS`, 2 `other`) at `SCHEME_CASE`.
const OPTION_SOME: u32 = 0;
const OPTION_STRING: u32 = 4;
const SCHEME_CASE: u32 = 4;
/// The case of `method` that carries its name (`other(string)`), after
/// `get` to `patch`.
pub const METHOD_OTHER: i32 = 9;

/// The size of a `tuple<string, string>` in memory.
const PAIR: i32 = 16;

/// What a refused function does with what it is given, and returns.
#[derive(Debug, Clone)]
pub struct Refusal {
    /// The owned handles, stream and future parameters, by core parameter
    /// index, each with what drops it: the resource's `[resource-drop]`, or
    /// the intrinsic that drops a stream's or future's readable end.
    pub drops: Vec<(u32, Import)>,
    pub returns: Returns,
}

/// What a refused function returns.
#[derive(Debug, Clone)]
pub enum Returns {
    /// Streams and futures of its own, in order.
    Transmitted {
        parts: Vec<Refused>,
        /// Where the parts are stored (4 bytes each) when the result goes
        /// through memory; else the one part is the core result.
        at: Option<u32>,
    },
    /// A plain value (an `err`), as [`Body::Return`] returns it.
    Value(Flat),
}

/// One stream or future a refused function returns.
#[derive(Debug, Clone)]
pub enum Refused {
    /// A future that holds the value at `value` in static data: made with
    /// `new`, written (async) with `write`; the reader finds the value.
    Future {
        new: Import,
        write: Import,
        value: u32,
    },
    /// A stream that has ended: made with `new`, its writable end dropped
    /// with `drop_writable`.
    Stream { new: Import, drop_writable: Import },
}

impl Refusal {
    /// The intrinsics it calls, in the order `Context::refuse` calls them.
    fn imports(&self) -> Vec<&Import> {
        let drops = self.drops.iter().map(|(_, import)| import);
        let parts = match &self.returns {
            Returns::Transmitted { parts, .. } => parts.as_slice(),
            Returns::Value(_) => &[],
        };
        let parts = parts.iter().flat_map(|part| match part {
            Refused::Future { new, write, .. } => [new, write],
            Refused::Stream { new, drop_writable } => [new, drop_writable],
        });
        drops.chain(parts).collect()
    }
}

impl Body {
    /// The bodies it chooses between, or goes on with.
    fn parts(&self) -> Vec<&Body> {
        match self {
            Body::Dispatch {
                objects,
                other,
                host,
            } => objects
                .iter()
                .map(|(_, body)| body)
                .chain([&**other, &**host])
                .collect(),
            Body::Poll { host } | Body::FilterEnv { host, .. } | Body::FilterDirs { host, .. } => {
                vec![host]
            }
            Body::GuardFs(guard) => vec![&guard.outside, &guard.read_only, &guard.allowed],
            Body::Tap(tap) => vec![&tap.inner],
            Body::Fed(fed) => vec![&fed.inner],
            Body::CheckHttp {
                allowed, denied, ..
            } => vec![allowed, denied],
            Body::Advance { then, .. } => vec![then],
            _ => Vec::new(),
        }
    }

    /// The host function this body calls, if any.
    fn forward(&self) -> Option<&Body> {
        match self {
            Body::Forward { .. } => Some(self),
            _ => self.parts().into_iter().find_map(Body::forward),
        }
    }

    /// Whether it matches globs (and so needs [`glob_body`]).
    fn globs(&self) -> bool {
        matches!(
            self,
            Body::FilterEnv { .. } | Body::CheckHttp { .. } | Body::FilterDirs { .. }
        ) || self.parts().into_iter().any(Body::globs)
    }

    /// Whether it checks paths (and so needs `escapes`).
    fn paths(&self) -> bool {
        matches!(self, Body::GuardFs(guard) if !guard.paths.is_empty())
            || self.parts().into_iter().any(Body::paths)
    }

    /// Whether it keeps the read-only map.
    fn marks(&self) -> bool {
        match self {
            Body::FilterDirs { mark, .. } => *mark,
            Body::GuardFs(guard) => !matches!(guard.change, Change::Never),
            _ => self.parts().into_iter().any(Body::marks),
        }
    }

    /// The first mock response it makes, if any.
    fn mock(&self) -> Option<&MockResponse> {
        match self {
            Body::MockResponse(mock) => Some(mock),
            _ => self.parts().into_iter().find_map(Body::mock),
        }
    }

    /// The tap it reports through, if any.
    fn tap(&self) -> Option<&Tap> {
        match self {
            Body::Tap(tap) => Some(tap),
            _ => self.parts().into_iter().find_map(Body::tap),
        }
    }

    /// The host's arguments it calls with, if any.
    fn fed(&self) -> Option<&Fed> {
        match self {
            Body::Fed(fed) => Some(fed),
            _ => self.parts().into_iter().find_map(Body::fed),
        }
    }

    /// The HTTP check it makes, if any.
    fn check(&self) -> Option<&HttpCheck> {
        match self {
            Body::CheckHttp { check, .. } => Some(check),
            _ => self.parts().into_iter().find_map(Body::check),
        }
    }

    /// The refusal this body makes, if any (it may be one choice of a
    /// dispatch on weld's own objects).
    fn refusal(&self) -> Option<&Refusal> {
        match self {
            Body::Refuse(refusal) => Some(refusal),
            _ => self.parts().into_iter().find_map(Body::refusal),
        }
    }

    /// How many locals it needs beyond the parameters.
    fn locals(&self) -> u32 {
        match self {
            Body::Forward { wrap, .. } => {
                1 + match wrap {
                    Wrap::Memory(fixes) => Fix::locals(fixes),
                    _ => 0,
                }
            }
            // The counter, the count and the list of indices; then the
            // host's call.
            Body::Poll { host } => 3 + host.locals(),
            // The length, the list and the counter.
            Body::Random { .. } => 3,
            Body::FilterEnv { host, .. } => FILTER_LOCALS + host.locals(),
            Body::FilterDirs { host, .. } => DIRS_LOCALS + host.locals(),
            Body::GuardFs(guard) => {
                GUARD_LOCALS
                    + [&guard.outside, &guard.read_only, &guard.allowed]
                        .iter()
                        .map(|body| body.locals())
                        .max()
                        .unwrap_or(0)
            }
            Body::CheckHttp {
                allowed, denied, ..
            } => CHECK_LOCALS + allowed.locals().max(denied.locals()),
            Body::Mount(_) => crate::mount::Op::LOCALS,
            Body::MockResponse(_) => MOCK_LOCALS,
            Body::Tap(tap) => TAP_LOCALS + tap.inner.locals(),
            Body::Fed(fed) => FED_LOCALS + fed.inner.locals(),
            _ => self
                .parts()
                .into_iter()
                .map(Body::locals)
                .max()
                .unwrap_or(0),
        }
    }
}

/// One function of the module.
pub struct Export {
    pub name: String,
    pub signature: WasmSignature,
    pub body: Body,
}

const PAGE: u32 = 65536;

/// Types, with each signature added once.
#[derive(Default)]
struct Types {
    section: TypeSection,
    seen: Vec<(Vec<ValType>, Vec<ValType>)>,
}

impl Types {
    fn of(&mut self, params: &[WasmType], results: &[WasmType]) -> u32 {
        let key = (
            params.iter().map(|t| val_type(*t)).collect::<Vec<_>>(),
            results.iter().map(|t| val_type(*t)).collect::<Vec<_>>(),
        );
        if let Some(index) = self.seen.iter().position(|seen| *seen == key) {
            return index as u32;
        }
        self.section.ty().function(key.0.clone(), key.1.clone());
        self.seen.push(key);
        self.seen.len() as u32 - 1
    }
}

/// The module: static `data` at `BASE`, the heap after it.
pub fn encode(
    data: &Data,
    exports: &[Export],
    resources: &[Resource],
    mount: Option<MountTables>,
    memory: &str,
    realloc: &str,
) -> Vec<u8> {
    // The read-only map of `--allow-fs`, if kept, lies between the data
    // and the heap: zeros at first, and never freed.
    let map = exports
        .iter()
        .any(|export| export.body.marks())
        .then(|| data.end().next_multiple_of(8));
    let heap_start = match map {
        Some(map) => map + crate::allow_fs::MAP_SLOTS,
        None => data.end().next_multiple_of(8),
    };
    let mut types = Types::default();
    let mut imports = ImportSection::new();
    // Each name is imported once: refused functions may drop handles of
    // the same resource.
    let mut imported: HashMap<(String, String), u32> = HashMap::new();
    let mut import = |import: &Import, types: &mut Types| {
        let key = (import.module.clone(), import.name.clone());
        *imported.entry(key).or_insert_with(|| {
            let ty = types.of(&import.params, &import.results);
            imports.import(&import.module, &import.name, EntityType::Function(ty));
            imports.len() - 1
        })
    };

    // Imported functions come first in the function index space.
    let mut forwarded = Vec::new();
    for export in exports {
        if let Some(Body::Forward { import: i, .. }) = export.body.forward() {
            forwarded.push(import(i, &mut types));
        }
    }
    // For each export, the indices of what `of` says its body calls.
    let mut per_export = |of: &dyn Fn(&Body) -> Vec<&Import>, types: &mut Types| -> Vec<Vec<u32>> {
        exports
            .iter()
            .map(|export| {
                of(&export.body)
                    .into_iter()
                    .map(|i| import(i, types))
                    .collect()
            })
            .collect()
    };
    // The intrinsics of each refused function.
    let intrinsics = per_export(
        &|body| body.refusal().map(Refusal::imports).unwrap_or_default(),
        &mut types,
    );
    // The host functions each HTTP check calls: its four getters.
    let checks = per_export(
        &|body| {
            body.check()
                .map(|c| vec![&c.scheme, &c.authority, &c.method, &c.path])
                .unwrap_or_default()
        },
        &mut types,
    );
    // What each export's tap calls: `enter` and `exit`.
    let taps = per_export(
        &|body| {
            body.tap()
                .map(|t| vec![&t.enter, &t.exit])
                .unwrap_or_default()
        },
        &mut types,
    );
    // What each fed export calls for its arguments: `get`.
    let feds = per_export(
        &|body| body.fed().map(|f| vec![&f.get]).unwrap_or_default(),
        &mut types,
    );
    // What each export's mocks call: the same for every mock of it.
    let mocks = per_export(
        &|body| {
            body.mock()
                .map(|m| m.imports().to_vec())
                .unwrap_or_default()
        },
        &mut types,
    );
    let news: Vec<u32> = resources
        .iter()
        .map(|r| import(&r.new, &mut types))
        .collect();
    let dtors: Vec<Option<(u32, &str)>> = resources
        .iter()
        .map(|r| {
            r.drop
                .as_ref()
                .map(|(drop, dtor)| (import(drop, &mut types), dtor.as_str()))
        })
        .collect();

    let mut functions = FunctionSection::new();
    let mut code = CodeSection::new();
    let mut export_section = ExportSection::new();
    let mut next = imports.len();
    let mut define = |ty: u32, body: &Function, code: &mut CodeSection| {
        functions.function(ty);
        code.function(body);
        next += 1;
        next - 1
    };

    let ty = types.of(&[WasmType::I32; 4], &[WasmType::I32]);
    let realloc_index = define(ty, &realloc_body(), &mut code);
    export_section.export(realloc, ExportKind::Func, realloc_index);
    // Traps in backtraces name the function they are in.
    let mut names = NameMap::new();
    names.append(realloc_index, realloc);
    // A helper function, defined only where a body calls it (else never
    // called: u32::MAX). Each takes i32s and returns an i32.
    let mut helper = |needed: bool, params: usize, body: fn() -> Function, name: &str| {
        if !needed {
            return u32::MAX;
        }
        let ty = types.of(&vec![WasmType::I32; params], &[WasmType::I32]);
        let index = define(ty, &body(), &mut code);
        names.append(index, name);
        index
    };
    let glob = helper(
        exports.iter().any(|export| export.body.globs()),
        5,
        glob_body,
        "glob",
    );
    let canon = helper(
        exports.iter().any(|export| export.body.check().is_some()),
        8,
        canon_body,
        "canon",
    );
    let escapes = helper(
        exports.iter().any(|export| export.body.paths()),
        3,
        crate::allow_fs::escapes_body,
        "escapes",
    );
    let drops: Vec<Option<u32>> = dtors.iter().map(|d| d.map(|(drop, _)| drop)).collect();

    let mut forwarded = forwarded.into_iter();
    for (((((export, intrinsics), checks), mocks), taps), fed) in exports
        .iter()
        .zip(&intrinsics)
        .zip(&checks)
        .zip(&mocks)
        .zip(&taps)
        .zip(&feds)
    {
        let params = export.signature.params.len() as u32;
        let ty = types.of(&export.signature.params, &export.signature.results);
        let callee = export.body.forward().map(|_| {
            forwarded
                .next()
                .expect("one import per function that calls the host")
        });
        let locals = export.body.locals();
        // One i64 after the i32 locals, for the generator.
        let mut body = Function::new([(locals, ValType::I32), (1, ValType::I64)]);
        let mut sink = body.instructions();
        if callee.is_none() {
            // The arguments the caller stored on the heap are never read:
            // each call starts the heap afresh.
            sink.i32_const(heap_start as i32)
                .global_set(Global::Heap.index());
        }
        let context = Context {
            wide: params + locals,
            params,
            result: export.signature.results.first().map(|t| val_type(*t)),
            callee: callee.unwrap_or(u32::MAX),
            realloc: realloc_index,
            glob,
            canon,
            checks,
            mocks,
            taps,
            fed,
            heap_start,
            news: &news,
            drops: &drops,
            escapes,
            map: map.unwrap_or(u32::MAX),
            intrinsics,
            mount,
        };
        context.emit(&mut sink, &export.body, params);
        sink.end();
        let index = define(ty, &body, &mut code);
        export_section.export(&export.name, ExportKind::Func, index);
        names.append(index, &export.name);
        if let Some(Body::Forward { post_return, .. }) = export.body.forward() {
            // After the caller has read the result, the heap is freed.
            let free_ty = types.of(&export.signature.results, &[]);
            let mut free = Function::new([]);
            free.instructions()
                .i32_const(heap_start as i32)
                .global_set(Global::Heap.index())
                .end();
            let index = define(free_ty, &free, &mut code);
            export_section.export(post_return, ExportKind::Func, index);
        }
    }

    // A destructor drops the host's handle the representation is; weld's
    // own objects (negative representations) hold nothing of the host's.
    let dtor_ty = types.of(&[WasmType::I32], &[]);
    for (drop, dtor_name) in dtors.iter().flatten() {
        let mut dtor = Function::new([]);
        dtor.instructions()
            .local_get(0)
            .i32_const(0)
            .i32_ge_s()
            .if_(BlockType::Empty)
            .local_get(0)
            .call(*drop)
            .end()
            .end();
        let index = define(dtor_ty, &dtor, &mut code);
        export_section.export(dtor_name, ExportKind::Func, index);
    }

    let mut memories = MemorySection::new();
    memories.memory(MemoryType {
        minimum: u64::from(heap_start.div_ceil(PAGE) + 1),
        maximum: None,
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    export_section.export(memory, ExportKind::Memory, 0);
    // The random generator's seed.
    let seed = exports.iter().find_map(|e| match e.body {
        Body::Random { seed, .. } => Some(seed),
        _ => None,
    });
    let mut globals = GlobalSection::new();
    for global in Global::ALL {
        let (val_type, init) = match global {
            Global::Heap => (ValType::I32, ConstExpr::i32_const(heap_start as i32)),
            Global::RandomState => (ValType::I64, ConstExpr::i64_const(seed.unwrap_or(0) as i64)),
            // It starts at 1 ns, as near to 0 as Go's runtime allows
            // ("nanotime returning zero" is fatal to it).
            Global::Clock => (ValType::I64, ConstExpr::i64_const(1)),
            Global::NextStreamSlot => (ValType::I32, ConstExpr::i32_const(0)),
        };
        let ty = GlobalType {
            val_type,
            mutable: true,
            shared: false,
        };
        globals.global(ty, &init);
    }
    let mut data_section = DataSection::new();
    data_section.active(
        0,
        &ConstExpr::i32_const(BASE as i32),
        data.bytes.iter().copied(),
    );

    let mut module = Module::new();
    module.section(&types.section);
    if !imports.is_empty() {
        module.section(&imports);
    }
    module
        .section(&functions)
        .section(&memories)
        .section(&globals)
        .section(&export_section)
        .section(&code)
        .section(&data_section);
    let mut name_section = NameSection::new();
    name_section.module("weld-virtual");
    name_section.functions(&names);
    module.section(&name_section);
    module.finish()
}

/// What the code of one function needs to know.
struct Context<'a> {
    params: u32,
    /// The i64 local.
    wide: u32,
    /// The core result type, if any.
    result: Option<ValType>,
    /// The host function it calls, if any.
    callee: u32,
    realloc: u32,
    /// The `[resource-new]` of each resource.
    news: &'a [u32],
    /// The host's `[resource-drop]` of each resource that wraps the host's.
    drops: &'a [Option<u32>],
    /// `escapes`, where a function checks paths (see `allow_fs`).
    escapes: u32,
    /// The address of the read-only map, if kept.
    map: u32,
    /// The stream and future intrinsics a refused function calls.
    intrinsics: &'a [u32],
    /// [`glob_body`], where a function matches globs.
    glob: u32,
    /// [`canon_body`], where a function checks HTTP requests.
    canon: u32,
    /// The getters an HTTP check calls.
    checks: &'a [u32],
    /// What a mock response calls (see [`MockResponse::imports`]).
    mocks: &'a [u32],
    /// A tap's `enter` and `exit`.
    taps: &'a [u32],
    /// `get` of the host's arguments.
    fed: &'a [u32],
    /// Where the heap starts, which a tap reports from.
    heap_start: u32,
    mount: Option<MountTables>,
}

impl Context<'_> {
    fn block_type(&self) -> BlockType {
        self.result.map_or(BlockType::Empty, BlockType::Result)
    }

    /// The code of `body`, leaving the function's result; its locals start
    /// at `local`.
    fn emit(&self, sink: &mut InstructionSink<'_>, body: &Body, local: u32) {
        let at = |offset: u32| MemArg {
            offset: u64::from(offset),
            align: 2,
            memory_index: 0,
        };
        match body {
            Body::Trap => {
                sink.unreachable();
            }
            Body::Nothing => {}
            Body::Refuse(refusal) => self.refuse(sink, refusal),
            Body::FilterEnv {
                host,
                globs,
                names,
                entries,
            } => self.filter_env(sink, host, globs, names, *entries, local),
            Body::CheckHttp {
                check,
                allowed,
                denied,
            } => self.check_http(sink, check, allowed, denied, local),
            Body::FilterDirs {
                host,
                grants,
                resource,
                mark,
            } => self.filter_dirs(sink, host, grants, *resource, *mark, local),
            Body::GuardFs(guard) => self.guard_fs(sink, guard, local),
            Body::MockResponse(mock) => self.mock_response(sink, mock, local),
            Body::Tap(tap) => self.tap(sink, tap, local),
            Body::Fed(fed) => self.fed(sink, fed, local),
            Body::Return(Flat::I32(v)) => {
                sink.i32_const(*v);
            }
            Body::Return(Flat::I64(v)) => {
                sink.i64_const(*v);
            }
            Body::Return(Flat::F32(v)) => {
                sink.f32_const(Ieee32::from(*v));
            }
            Body::Return(Flat::F64(v)) => {
                sink.f64_const(Ieee64::from(*v));
            }
            Body::Object { resource, rep } => {
                sink.i32_const(*rep).call(self.news[*resource]);
            }
            Body::Template { address, handles } => {
                for (offset, resource, rep) in handles {
                    sink.i32_const((*address + *offset) as i32)
                        .i32_const(*rep)
                        .call(self.news[*resource])
                        .i32_store(at(0));
                }
                sink.i32_const(*address as i32);
            }
            Body::Forward {
                result,
                wrap,
                lowering,
                ..
            } => self.forward(sink, *result, wrap, *lowering, local, Forwarding::default()),
            Body::Dispatch {
                objects,
                other,
                host,
            } => {
                sink.local_get(0)
                    .i32_const(0)
                    .i32_lt_s()
                    .if_(self.block_type());
                for (rep, body) in objects {
                    sink.local_get(0)
                        .i32_const(*rep)
                        .i32_eq()
                        .if_(self.block_type());
                    self.emit(sink, body, local);
                    sink.else_();
                }
                self.emit(sink, other, local);
                for _ in objects {
                    sink.end();
                }
                sink.else_();
                self.emit(sink, host, local);
                sink.end();
            }
            Body::Random { bytes: false, .. } => self.next_random(sink),
            Body::Mount(op) => {
                let tables = self.mount.expect("mount operations come with a tree");
                let module = crate::mount::Module {
                    table: tables.table,
                    parents: tables.parents,
                    slots: tables.slots,
                    realloc: self.realloc,
                    news: self.news,
                    slot_counter: Global::NextStreamSlot.index(),
                };
                op.emit(&module, sink, local);
            }
            Body::Now => {
                sink.global_get(Global::Clock.index());
            }
            Body::Advance { to: false, then } => {
                sink.global_get(Global::Clock.index())
                    .local_get(0)
                    .i64_add()
                    .global_set(Global::Clock.index());
                self.emit(sink, then, local);
            }
            Body::Advance { to: true, then } => {
                sink.local_get(0)
                    .global_get(Global::Clock.index())
                    .local_get(0)
                    .global_get(Global::Clock.index())
                    .i64_gt_u()
                    .select()
                    .global_set(Global::Clock.index());
                self.emit(sink, then, local);
            }
            Body::Random { bytes: true, .. } => {
                // The parameter is the length, a u64; the result is a
                // list<u8> returned through memory.
                let (len, list, i) = (local, local + 1, local + 2);
                sink.local_get(0).i32_wrap_i64().local_set(len);
                // Whole words of random bytes, the last one in part.
                self.alloc(sink, 8, &|sink| {
                    sink.local_get(len)
                        .i32_const(7)
                        .i32_add()
                        .i32_const(-8)
                        .i32_and();
                });
                sink.local_set(list);
                open_loop(sink, i, len);
                sink.local_get(list).local_get(i).i32_add();
                self.next_random(sink);
                sink.i64_store(MemArg {
                    offset: 0,
                    align: 0,
                    memory_index: 0,
                });
                close_loop(sink, i, 8);
                self.list_result(sink, list, len, i);
            }
            Body::Poll { host } => {
                // Parameters: the list's pointer and length, of reps.
                let (list, len) = (0, 1);
                let (i, count, indices) = (local, local + 1, local + 2);
                self.alloc(sink, 4, &|sink| {
                    sink.local_get(len).i32_const(4).i32_mul();
                });
                sink.local_set(indices);
                open_loop(sink, i, len);
                sink.local_get(list)
                    .local_get(i)
                    .i32_const(4)
                    .i32_mul()
                    .i32_add()
                    .i32_load(at(0))
                    .i32_const(0)
                    .i32_lt_s()
                    .if_(BlockType::Empty)
                    .local_get(indices)
                    .local_get(count)
                    .i32_const(4)
                    .i32_mul()
                    .i32_add()
                    .local_get(i)
                    .i32_store(at(0))
                    .local_get(count)
                    .i32_const(1)
                    .i32_add()
                    .local_set(count)
                    .end();
                close_loop(sink, i, 1);
                // Some are weld's: they are ready now.
                sink.local_get(count).if_(self.block_type());
                self.list_result(sink, indices, count, local + 3);
                sink.else_();
                self.emit(sink, host, local + 3);
                sink.end();
            }
        }
    }

    /// Allocates on the heap: `size` pushes the size; leaves the address.
    /// The code of a refusal (see [`Refusal::imports`] for the order of
    /// `self.intrinsics`). `new` gives both ends in the i64 local: the
    /// readable one in its low half, the writable in its high half.
    fn refuse(&self, sink: &mut InstructionSink<'_>, refusal: &Refusal) {
        let mut intrinsics = self.intrinsics.iter().copied();
        let mut next = || intrinsics.next().expect("an import per intrinsic");
        for (param, _) in &refusal.drops {
            sink.local_get(*param).call(next());
        }
        let writable = |sink: &mut InstructionSink<'_>| {
            sink.local_get(self.wide)
                .i64_const(32)
                .i64_shr_u()
                .i32_wrap_i64();
        };
        let (parts, at) = match &refusal.returns {
            Returns::Transmitted { parts, at } => (parts, *at),
            Returns::Value(value) => {
                self.emit(sink, &Body::Return(*value), 0);
                return;
            }
        };
        for (n, part) in parts.iter().enumerate() {
            sink.call(next()).local_set(self.wide);
            match part {
                Refused::Future { value, .. } => {
                    // The write waits for the reader, who finds the value;
                    // its status (blocked) is of no interest.
                    writable(sink);
                    sink.i32_const(*value as i32).call(next()).drop();
                }
                Refused::Stream { .. } => {
                    writable(sink);
                    sink.call(next());
                }
            }
            match at {
                Some(at) => {
                    sink.i32_const((at + 4 * n as u32) as i32)
                        .local_get(self.wide)
                        .i32_wrap_i64()
                        .i32_store(MemArg {
                            offset: 0,
                            align: 2,
                            memory_index: 0,
                        });
                }
                None => {
                    sink.local_get(self.wide).i32_wrap_i64();
                }
            }
        }
        if let Some(at) = at {
            sink.i32_const(at as i32);
        }
    }

    /// [`Body::FilterEnv`]: the host's list, at the address the forward
    /// leaves, is copied to a new one with room for the fixed variables.
    fn filter_env(
        &self,
        sink: &mut InstructionSink<'_>,
        host: &Body,
        globs: &[Span],
        names: &[Span],
        entries: u32,
        local: u32,
    ) {
        let fixed = names.len() as i32 * PAIR;
        let copy = ListCopy::at(local, PAIR);
        let (entry, next, keep) = (copy.entry, copy.next, local + ListCopy::LOCALS);
        let at = |offset| mem_arg(offset, 2);
        let wide = |offset| mem_arg(offset, 3);
        self.emit(sink, host, local + FILTER_LOCALS);
        copy.start(self, sink, fixed);
        // Kept if a glob matches the name...
        sink.i32_const(0).local_set(keep);
        let name = |sink: &mut InstructionSink<'_>| {
            sink.local_get(entry)
                .i32_load(at(0))
                .local_get(entry)
                .i32_load(at(4));
        };
        // Whether the name matches `pattern`, as a glob or exactly.
        let matches = |sink: &mut InstructionSink<'_>, pattern: &Span, wild: bool| {
            sink.i32_const(pattern.address as i32)
                .i32_const(pattern.len as i32);
            name(sink);
            sink.i32_const(i32::from(wild)).call(self.glob);
        };
        for glob in globs {
            matches(sink, glob, true);
            sink.local_get(keep).i32_or().local_set(keep);
        }
        // ...and no fixed variable has it.
        for fixed in names {
            matches(sink, fixed, false);
            sink.if_(BlockType::Empty)
                .i32_const(0)
                .local_set(keep)
                .end();
        }
        sink.local_get(keep).if_(BlockType::Empty);
        for offset in [0, 8] {
            sink.local_get(next)
                .local_get(entry)
                .i64_load(wide(offset))
                .i64_store(wide(offset));
        }
        copy.advance(sink);
        sink.end();
        close_loop(sink, entry, PAIR);
        sink.local_get(next)
            .i32_const(entries as i32)
            .i32_const(fixed)
            .memory_copy(0, 0);
        copy.finish(sink, fixed);
    }

    /// [`Body::MockResponse`].
    fn mock_response(&self, sink: &mut InstructionSink<'_>, mock: &MockResponse, local: u32) {
        let [
            drop_request,
            trailers_new,
            trailers_write,
            fields,
            response,
            drop_transmitted,
            set_status,
        ] = self.mocks[..]
        else {
            unreachable!("a mock imports what it calls");
        };
        let (headers, pair, area) = (local, local + 1, local + 2);
        let word = |offset| mem_arg(offset, 2);
        sink.local_get(0).call(drop_request);
        // Both ends of the trailers: the readable one in the low half.
        sink.call(trailers_new).local_set(self.wide);
        sink.local_get(self.wide)
            .i64_const(32)
            .i64_shr_u()
            .i32_wrap_i64()
            .i32_const(mock.trailers as i32)
            .call(trailers_write)
            .drop();
        sink.call(fields).local_set(headers);
        self.alloc(sink, 4, &|sink| {
            sink.i32_const(8);
        });
        sink.local_set(pair);
        // `new(headers, none, trailers)`, the response and its
        // transmission's future at `pair`.
        sink.local_get(headers)
            .i32_const(0)
            .i32_const(0)
            .local_get(self.wide)
            .i32_wrap_i64()
            .local_get(pair)
            .call(response);
        sink.local_get(pair)
            .i32_load(word(4))
            .call(drop_transmitted);
        sink.local_get(pair)
            .i32_load(word(0))
            .i32_const(i32::from(mock.status))
            .call(set_status)
            .drop();
        let (size, align) = mock.result;
        self.alloc(sink, align as i32, &|sink| {
            sink.i32_const(size as i32);
        });
        sink.local_tee(area)
            .i32_const(0)
            .i32_store8(mem_arg(0, 0))
            .local_get(area)
            .local_get(pair)
            .i32_load(word(0))
            .i32_store(word(mock.ok_offset))
            .local_get(area);
    }

    /// Leaves whether the descriptor whose host handle is in local
    /// `handle` is read-only: its byte in the map, or for a handle beyond
    /// the map, read-only.
    fn is_read_only(&self, sink: &mut InstructionSink<'_>, handle: u32) {
        sink.local_get(handle)
            .i32_const(crate::allow_fs::MAP_SLOTS as i32)
            .i32_lt_u()
            .if_(BlockType::Result(ValType::I32))
            .local_get(handle)
            .i32_load8_u(mem_arg(self.map, 0))
            .else_()
            .i32_const(1)
            .end();
    }

    /// Marks the descriptor whose host handle is in local `handle` as
    /// `value` pushes (1 read-only, 0 not).
    fn mark(
        &self,
        sink: &mut InstructionSink<'_>,
        handle: u32,
        value: &dyn Fn(&mut InstructionSink<'_>),
    ) {
        sink.local_get(handle)
            .i32_const(crate::allow_fs::MAP_SLOTS as i32)
            .i32_lt_u()
            .if_(BlockType::Empty)
            .local_get(handle);
        value(sink);
        sink.i32_store8(mem_arg(self.map, 0)).end();
    }

    /// [`Body::FilterDirs`]: the host's list, at the address the forward
    /// leaves, is copied to a new one of the directories a grant covers.
    fn filter_dirs(
        &self,
        sink: &mut InstructionSink<'_>,
        host: &Body,
        grants: &[DirGrant],
        resource: usize,
        mark: bool,
        local: u32,
    ) {
        let copy = ListCopy::at(local, PREOPEN);
        let (entry, next) = (copy.entry, copy.next);
        let (keep, handle) = (local + ListCopy::LOCALS, local + ListCopy::LOCALS + 1);
        let at = |offset| mem_arg(offset, 2);
        self.emit(sink, host, local + DIRS_LOCALS);
        copy.start(self, sink, 0);
        // The first grant that covers the guest path: whether it is
        // read-only, or -1 for none.
        sink.i32_const(-1).local_set(keep);
        for grant in grants {
            sink.local_get(keep)
                .i32_const(0)
                .i32_lt_s()
                .if_(BlockType::Empty);
            for (pattern, wild) in [(grant.exact, false), (grant.under, true)] {
                sink.i32_const(pattern.address as i32)
                    .i32_const(pattern.len as i32)
                    .local_get(entry)
                    .i32_load(at(4))
                    .local_get(entry)
                    .i32_load(at(8))
                    .i32_const(i32::from(wild))
                    .call(self.glob);
            }
            sink.i32_or()
                .if_(BlockType::Empty)
                .i32_const(i32::from(grant.read_only))
                .local_set(keep)
                .end()
                .end();
        }
        sink.local_get(entry).i32_load(at(0)).local_set(handle);
        sink.local_get(keep)
            .i32_const(0)
            .i32_ge_s()
            .if_(BlockType::Empty);
        if mark {
            self.mark(sink, handle, &|sink| {
                sink.local_get(keep);
            });
        }
        // The descriptor wrapped, the guest path as it is.
        sink.local_get(next)
            .local_get(handle)
            .call(self.news[resource])
            .i32_store(at(0));
        sink.local_get(next)
            .local_get(entry)
            .i64_load(mem_arg(4, 2))
            .i64_store(mem_arg(4, 2));
        copy.advance(sink);
        sink.else_()
            .local_get(handle)
            .call(self.drops[resource].expect("a forwarded resource drops the host's"))
            .end();
        close_loop(sink, entry, PREOPEN);
        copy.finish(sink, 0);
    }

    /// [`Body::GuardFs`]: `outside` if a path leaves its directory, else
    /// `read_only` if the function changes a read-only descriptor, else
    /// `allowed`, whose result (for `open-at`) is marked and wrapped.
    fn guard_fs(&self, sink: &mut InstructionSink<'_>, guard: &GuardFs, local: u32) {
        let (area, handle) = (local, local + 1);
        let inner = local + GUARD_LOCALS;
        let mut open = 0;
        if !guard.paths.is_empty() {
            sink.i32_const(0);
            for (ptr, strict) in &guard.paths {
                sink.local_get(*ptr)
                    .local_get(*ptr + 1)
                    .i32_const(i32::from(*strict))
                    .call(self.escapes)
                    .i32_or();
            }
            sink.if_(self.block_type());
            self.emit(sink, &guard.outside, inner);
            sink.else_();
            open += 1;
        }
        let changes = match guard.change {
            Change::Never => None,
            Change::Always => Some(None),
            Change::Open { open, flags } => Some(Some((open, flags))),
        };
        if let Some(asks) = changes {
            sink.i32_const(0);
            for descriptor in &guard.descriptors {
                self.is_read_only(sink, *descriptor);
                sink.i32_or();
            }
            if let Some(((open, open_mask), (flags, flags_mask))) = asks {
                sink.local_get(open)
                    .i32_const(open_mask)
                    .i32_and()
                    .local_get(flags)
                    .i32_const(flags_mask)
                    .i32_and()
                    .i32_or()
                    .i32_const(0)
                    .i32_ne()
                    .i32_and();
            }
            sink.if_(self.block_type());
            self.emit(sink, &guard.read_only, inner);
            sink.else_();
            open += 1;
        }
        self.emit(sink, &guard.allowed, inner);
        if let Some(resource) = guard.inherit {
            let at = |offset| mem_arg(offset, 2);
            let directory = guard.descriptors.first().copied().unwrap_or(0);
            sink.local_tee(area)
                .i32_load8_u(mem_arg(0, 0))
                .i32_eqz()
                .if_(BlockType::Empty)
                .local_get(area)
                .i32_load(at(4))
                .local_set(handle);
            self.mark(sink, handle, &|sink| self.is_read_only(sink, directory));
            sink.local_get(area)
                .local_get(handle)
                .call(self.news[resource])
                .i32_store(at(4))
                .end()
                .local_get(area);
        }
        for _ in 0..open {
            sink.end();
        }
    }

    /// [`Body::CheckHttp`]; the request is the first parameter.
    fn check_http(
        &self,
        sink: &mut InstructionSink<'_>,
        check: &HttpCheck,
        allowed: &Body,
        denied: &Body,
        local: u32,
    ) {
        let [
            scheme,
            authority,
            method,
            path,
            kind,
            text,
            len,
            ok,
            m_ptr,
            m_len,
            p_ptr,
            p_len,
        ] = std::array::from_fn(|i| local + i as u32);
        let [scheme_of, authority_of, method_of, path_of] = self.checks[..] else {
            unreachable!("a check imports its four getters");
        };
        let byte = |offset| mem_arg(offset, 0);
        let word = |offset| mem_arg(offset, 2);
        for (area, size, call) in [
            (scheme, 16, scheme_of),
            (authority, 12, authority_of),
            (method, 12, method_of),
            (path, 12, path_of),
        ] {
            self.alloc(sink, 4, &|sink| {
                sink.i32_const(size);
            });
            sink.local_set(area).local_get(0).local_get(area).call(call);
        }
        sink.i32_const(0).local_set(ok);
        // No authority, or a scheme other than HTTP and HTTPS: refused. No
        // scheme is HTTPS, as the host takes it.
        sink.local_get(authority)
            .i32_load8_u(byte(OPTION_SOME))
            .if_(BlockType::Empty);
        sink.local_get(scheme)
            .i32_load8_u(byte(SCHEME_CASE))
            .i32_const(1)
            .local_get(scheme)
            .i32_load8_u(byte(OPTION_SOME))
            .select()
            .local_tee(kind)
            .i32_const(2)
            .i32_lt_u()
            .if_(BlockType::Empty);
        // The method's name: from the table, or `other`'s string.
        sink.local_get(method)
            .i32_load8_u(byte(0))
            .local_tee(m_len)
            .i32_const(METHOD_OTHER)
            .i32_lt_u()
            .if_(BlockType::Empty)
            .local_get(m_len)
            .i32_const(8)
            .i32_mul()
            .i32_const(check.methods as i32)
            .i32_add()
            .local_tee(m_ptr)
            .i32_load(word(4))
            .local_set(m_len)
            .local_get(m_ptr)
            .i32_load(word(0))
            .local_set(m_ptr)
            .else_();
        string_at(sink, method, m_ptr, m_len);
        sink.end();
        // The path and query, `/` if none.
        sink.i32_const(check.root as i32)
            .local_set(p_ptr)
            .i32_const(1)
            .local_set(p_len)
            .local_get(path)
            .i32_load8_u(byte(OPTION_SOME))
            .if_(BlockType::Empty);
        string_at(sink, path, p_ptr, p_len);
        sink.end();
        // The canonical text goes on the heap.
        self.alloc(sink, 1, &|sink| {
            sink.local_get(authority)
                .i32_load(word(OPTION_STRING + 4))
                .local_get(m_len)
                .i32_add()
                .local_get(p_len)
                .i32_add()
                .i32_const(24)
                .i32_add();
        });
        sink.local_set(text)
            .local_get(kind)
            .local_get(authority)
            .i32_load(word(OPTION_STRING))
            .local_get(authority)
            .i32_load(word(OPTION_STRING + 4))
            .local_get(m_ptr)
            .local_get(m_len)
            .local_get(p_ptr)
            .local_get(p_len)
            .local_get(text)
            .call(self.canon)
            .local_tee(len)
            .i32_const(0)
            .i32_ge_s()
            .if_(BlockType::Empty);
        for glob in &check.globs {
            sink.i32_const(glob.address as i32)
                .i32_const(glob.len as i32)
                .local_get(text)
                .local_get(len)
                .i32_const(1)
                .call(self.glob)
                .local_get(ok)
                .i32_or()
                .local_set(ok);
        }
        sink.end().end().end();
        sink.local_get(ok).if_(self.block_type());
        self.emit(sink, allowed, local + CHECK_LOCALS);
        sink.else_();
        self.emit(sink, denied, local + CHECK_LOCALS);
        sink.end();
    }

    fn alloc(
        &self,
        sink: &mut InstructionSink<'_>,
        align: i32,
        size: &dyn Fn(&mut InstructionSink<'_>),
    ) {
        sink.i32_const(0).i32_const(0).i32_const(align);
        size(sink);
        sink.call(self.realloc);
    }

    /// [`Body::Fed`]: the host's list of arguments, then the forward.
    fn fed(&self, sink: &mut InstructionSink<'_>, fed: &Fed, local: u32) {
        let (base, area) = (local, local + 1);
        let [get] = self.fed else {
            unreachable!("a fed function imports get");
        };
        let word = MemArg {
            offset: 0,
            align: 2,
            memory_index: 0,
        };
        self.alloc(sink, 4, &|sink| {
            sink.i32_const(8);
        });
        sink.local_set(area);
        // The heap aligned to 8 is where the list will be allocated.
        sink.global_get(Global::Heap.index())
            .i32_const(7)
            .i32_add()
            .i32_const(-8)
            .i32_and()
            .local_tee(base)
            .global_set(Global::Heap.index());
        sink.local_get(base).local_get(area).call(*get);
        // Anywhere else, its addresses would be wrong.
        sink.local_get(area)
            .i32_load(word)
            .local_get(base)
            .i32_ne()
            .if_(BlockType::Empty)
            .unreachable()
            .end();
        let Body::Forward {
            result,
            wrap,
            lowering,
            ..
        } = &fed.inner
        else {
            unreachable!("a fed function forwards");
        };
        let forwarding = Forwarding {
            arguments: Arguments::Fed {
                base,
                params: fed.params.as_deref(),
            },
            before_wrap: None,
        };
        self.forward(
            sink,
            *result,
            wrap,
            *lowering,
            local + FED_LOCALS,
            forwarding,
        );
    }

    /// [`Body::Tap`]: the parameters widened to `i64`s on the heap for
    /// `enter`, the inner body, its result likewise for `exit`, and the
    /// result left as the inner body left it.
    fn tap(&self, sink: &mut InstructionSink<'_>, tap: &Tap, local: u32) {
        let (area, call, kept) = (local, local + 1, local + 2);
        let [enter, exit] = self.taps else {
            unreachable!("a tap imports enter and exit");
        };
        let wide = TapExit::slot;
        let slots = tap.params.len().max(1) as i32;
        self.alloc(sink, 8, &|sink| {
            sink.i32_const(slots * 8);
        });
        sink.local_set(area);
        for (i, ty) in tap.params.iter().enumerate() {
            sink.local_get(area).local_get(i as u32);
            widen(sink, val_type(*ty));
            sink.i64_store(wide(i as u32));
        }
        // `base`, then `memory`: the heap so far, from its start.
        let heap = |sink: &mut InstructionSink<'_>| {
            sink.i32_const(self.heap_start as i32)
                .i32_const(self.heap_start as i32)
                .global_get(Global::Heap.index())
                .i32_const(self.heap_start as i32)
                .i32_sub();
        };
        sink.i32_const(tap.site as i32)
            .local_get(area)
            .i32_const(tap.params.len() as i32);
        heap(sink);
        sink.call(*enter).local_set(call);
        let exit = TapExit {
            exit: *exit,
            area,
            call,
            kept,
            heap: &heap,
        };
        let inner = local + TAP_LOCALS;
        match &tap.inner {
            // The host's handles in the result are reported before they
            // are wrapped, so that a handle shows the same number going
            // out as it does coming back (a borrow's is its
            // representation: the host's).
            Body::Forward {
                result,
                wrap: wrap @ (Wrap::Flat(_) | Wrap::Memory(_)),
                lowering,
                ..
            } => {
                let report = |sink: &mut InstructionSink<'_>| match wrap {
                    Wrap::Memory(_) => self.tap_exit_from(sink, &exit, inner),
                    _ => self.tap_exit(sink, &exit),
                };
                let forwarding = Forwarding {
                    before_wrap: Some(&report),
                    ..Forwarding::default()
                };
                self.forward(sink, *result, wrap, *lowering, inner, forwarding);
            }
            body => {
                self.emit(sink, body, inner);
                self.tap_exit(sink, &exit);
            }
        }
    }

    /// A tap's `exit` with the result on the stack, left there.
    fn tap_exit(&self, sink: &mut InstructionSink<'_>, exit: &TapExit<'_>) {
        // The result, kept in `kept` (or the wide local) as its bits.
        let bits = self.result.map(|ty| match ty {
            ValType::F32 => {
                sink.i32_reinterpret_f32();
                ValType::I32
            }
            ValType::F64 => {
                sink.i64_reinterpret_f64();
                ValType::I64
            }
            ty => ty,
        });
        let keep = match bits {
            Some(ValType::I64) => self.wide,
            _ => exit.kept,
        };
        if let Some(bits) = bits {
            sink.local_set(keep).local_get(exit.area).local_get(keep);
            widen(sink, bits);
            sink.i64_store(TapExit::slot(0));
        }
        sink.local_get(exit.call)
            .local_get(exit.area)
            .i32_const(i32::from(bits.is_some()));
        (exit.heap)(sink);
        sink.call(exit.exit);
        if bits.is_some() {
            sink.local_get(keep);
            match self.result {
                Some(ValType::F32) => {
                    sink.f32_reinterpret_i32();
                }
                Some(ValType::F64) => {
                    sink.f64_reinterpret_i64();
                }
                _ => {}
            }
        }
    }

    /// A tap's `exit` with the result's address in local `address`.
    fn tap_exit_from(&self, sink: &mut InstructionSink<'_>, exit: &TapExit<'_>, address: u32) {
        sink.local_get(exit.area).local_get(address);
        widen(sink, ValType::I32);
        sink.i64_store(TapExit::slot(0));
        sink.local_get(exit.call).local_get(exit.area).i32_const(1);
        (exit.heap)(sink);
        sink.call(exit.exit);
    }

    /// A list result returned through memory: its pointer and length (in
    /// locals `list` and `len`) stored on the heap, whose address (kept in
    /// local `area`) it leaves.
    fn list_result(&self, sink: &mut InstructionSink<'_>, list: u32, len: u32, area: u32) {
        let at = |offset| MemArg {
            offset,
            align: 2,
            memory_index: 0,
        };
        self.alloc(sink, 4, &|sink| {
            sink.i32_const(8);
        });
        sink.local_tee(area)
            .local_get(list)
            .i32_store(at(0))
            .local_get(area)
            .local_get(len)
            .i32_store(at(4))
            .local_get(area);
    }

    /// The next number of splitmix64, whose state is [`Global::RandomState`].
    fn next_random(&self, sink: &mut InstructionSink<'_>) {
        let z = self.wide;
        sink.global_get(Global::RandomState.index())
            .i64_const(0x9E37_79B9_7F4A_7C15_u64 as i64)
            .i64_add()
            .global_set(Global::RandomState.index())
            .global_get(Global::RandomState.index())
            .local_tee(z)
            .local_get(z)
            .i64_const(30)
            .i64_shr_u()
            .i64_xor()
            .i64_const(0xBF58_476D_1CE4_E5B9_u64 as i64)
            .i64_mul()
            .local_tee(z)
            .local_get(z)
            .i64_const(27)
            .i64_shr_u()
            .i64_xor()
            .i64_const(0x94D0_49BB_1331_11EB_u64 as i64)
            .i64_mul()
            .local_tee(z)
            .local_get(z)
            .i64_const(31)
            .i64_shr_u()
            .i64_xor();
    }

    /// Calls the host's function with the same arguments (or, fed, with
    /// the host's list's); borrowed handles are the host's already. The
    /// host's handles in the result are wrapped, after `before_wrap` (a
    /// tap's report) if given, which finds a flat result on the stack and
    /// must leave it there.
    fn forward(
        &self,
        sink: &mut InstructionSink<'_>,
        result: Option<(usize, usize)>,
        wrap: &Wrap,
        lowering: Lowering,
        local: u32,
        forwarding: Forwarding<'_>,
    ) {
        let area = local;
        if let Some((size, align)) = result {
            self.alloc(sink, align as i32, &|sink| {
                sink.i32_const(size as i32);
            });
            sink.local_set(area);
        }
        match forwarding.arguments {
            Arguments::Own => {
                for param in 0..self.params {
                    sink.local_get(param);
                }
            }
            Arguments::Fed {
                base,
                params: Some(params),
            } => {
                for (i, ty) in params.iter().enumerate() {
                    let slot = MemArg {
                        offset: i as u64 * 8,
                        align: 0,
                        memory_index: 0,
                    };
                    sink.local_get(base);
                    match val_type(*ty) {
                        ValType::I64 => sink.i64_load(slot),
                        ValType::F32 => sink.f32_load(slot),
                        ValType::F64 => sink.f64_load(slot),
                        _ => sink.i32_load(slot),
                    };
                }
            }
            Arguments::Fed { base, params: None } => {
                sink.local_get(base);
            }
        }
        if result.is_some() {
            sink.local_get(area);
        }
        sink.call(self.callee);
        if lowering == Lowering::AsyncReturned {
            sink.i32_const(RETURNED)
                .i32_ne()
                .if_(BlockType::Empty)
                .unreachable()
                .end();
        }
        if let Some(report) = forwarding.before_wrap {
            report(sink);
        }
        match wrap {
            Wrap::None => {}
            Wrap::Flat(resource) => {
                sink.call(self.news[*resource]);
            }
            Wrap::Memory(fixes) => {
                let mut next_local = area + 1;
                emit_fixes(sink, fixes, area, &mut next_local, self.news);
            }
        }
        if result.is_some() {
            sink.local_get(area);
        }
    }
}

/// Wraps the host's handles in the value at the address in local `base`.
fn emit_fixes(
    sink: &mut InstructionSink<'_>,
    fixes: &[Fix],
    base: u32,
    next_local: &mut u32,
    news: &[u32],
) {
    let at = |offset: u32, align: u32| MemArg {
        offset: u64::from(offset),
        align,
        memory_index: 0,
    };
    for fix in fixes {
        match fix {
            Fix::Handle { offset, resource } => {
                sink.local_get(base)
                    .local_get(base)
                    .i32_load(at(*offset, 2))
                    .call(news[*resource])
                    .i32_store(at(*offset, 2));
            }
            Fix::Variant {
                offset,
                size,
                cases,
            } => {
                let discriminant = *next_local;
                *next_local += 1;
                sink.local_get(base);
                match size {
                    1 => sink.i32_load8_u(at(*offset, 0)),
                    2 => sink.i32_load16_u(at(*offset, 1)),
                    _ => sink.i32_load(at(*offset, 2)),
                };
                sink.local_set(discriminant);
                for (case, fixes) in cases {
                    sink.local_get(discriminant)
                        .i32_const(*case as i32)
                        .i32_eq()
                        .if_(BlockType::Empty);
                    emit_fixes(sink, fixes, base, next_local, news);
                    sink.end();
                }
            }
            Fix::List {
                offset,
                element_size,
                element,
            } => {
                let (item, end) = (*next_local, *next_local + 1);
                *next_local += 2;
                sink.local_get(base)
                    .i32_load(at(*offset, 2))
                    .local_tee(item)
                    .local_get(base)
                    .i32_load(at(*offset + 4, 2))
                    .i32_const(*element_size as i32)
                    .i32_mul()
                    .i32_add()
                    .local_set(end);
                open_loop(sink, item, end);
                emit_fixes(sink, element, item, next_local, news);
                close_loop(sink, item, *element_size as i32);
            }
        }
    }
}

/// Opens a loop over `i` from its value up to that of `end`, exclusive:
/// `block loop (br_if 1 when i >= end)`. `close_loop` steps and closes it.
pub(crate) fn open_loop(sink: &mut InstructionSink<'_>, i: u32, end: u32) {
    sink.block(BlockType::Empty)
        .loop_(BlockType::Empty)
        .local_get(i)
        .local_get(end)
        .i32_ge_u()
        .br_if(1);
}

/// `i += step`, then back to the start of the loop `open_loop` opened.
pub(crate) fn close_loop(sink: &mut InstructionSink<'_>, i: u32, step: i32) {
    sink.local_get(i)
        .i32_const(step)
        .i32_add()
        .local_set(i)
        .br(0)
        .end()
        .end();
}

/// A core value on the stack as the `i64` of its bits: `i32`s zero-
/// extended, floats reinterpreted.
fn widen(sink: &mut InstructionSink<'_>, ty: ValType) {
    match ty {
        ValType::I32 => {
            sink.i64_extend_i32_u();
        }
        ValType::F32 => {
            sink.i32_reinterpret_f32().i64_extend_i32_u();
        }
        ValType::F64 => {
            sink.i64_reinterpret_f64();
        }
        _ => {}
    }
}

fn val_type(ty: WasmType) -> ValType {
    match ty {
        WasmType::I32 | WasmType::Pointer | WasmType::Length => ValType::I32,
        WasmType::I64 | WasmType::PointerOrI64 => ValType::I64,
        WasmType::F32 => ValType::F32,
        WasmType::F64 => ValType::F64,
    }
}

/// A bump allocator: aligns the heap pointer, grows memory when needed and
/// copies what a reallocation kept.
fn realloc_body() -> Function {
    let (old, old_size, align, new_size, at) = (0, 1, 2, 3, 4);
    let mut f = Function::new([(1, ValType::I32)]);
    let mut s = f.instructions();
    // at = (heap + align - 1) & -align
    s.global_get(Global::Heap.index())
        .local_get(align)
        .i32_add()
        .i32_const(1)
        .i32_sub()
        .i32_const(0)
        .local_get(align)
        .i32_sub()
        .i32_and()
        .local_set(at);
    s.local_get(at)
        .local_get(new_size)
        .i32_add()
        .global_set(Global::Heap.index());
    // Grow memory by what the heap now overruns, rounded up to pages.
    s.global_get(Global::Heap.index())
        .memory_size(0)
        .i32_const(16)
        .i32_shl()
        .i32_gt_u()
        .if_(BlockType::Empty)
        .global_get(Global::Heap.index())
        .memory_size(0)
        .i32_const(16)
        .i32_shl()
        .i32_sub()
        .i32_const(PAGE as i32 - 1)
        .i32_add()
        .i32_const(16)
        .i32_shr_u()
        .memory_grow(0)
        .i32_const(-1)
        .i32_eq()
        .if_(BlockType::Empty)
        .unreachable()
        .end()
        .end();
    s.local_get(old_size)
        .if_(BlockType::Empty)
        .local_get(at)
        .local_get(old)
        .local_get(old_size)
        .local_get(new_size)
        .local_get(old_size)
        .local_get(new_size)
        .i32_lt_u()
        .select()
        .memory_copy(0, 0)
        .end();
    s.local_get(at).end();
    f
}

/// The locals of a filter that copies the elements of a list the host
/// returned (at the address in `area`) that it keeps to a new `list`:
/// `entry` walks the host's up to `end`, `next` is where the next kept one
/// goes.
struct ListCopy {
    area: u32,
    entry: u32,
    end: u32,
    list: u32,
    next: u32,
    /// The size of an element.
    size: i32,
}

impl ListCopy {
    const LOCALS: u32 = 5;

    /// Its locals from `local` on.
    fn at(local: u32, size: i32) -> ListCopy {
        ListCopy {
            area: local,
            entry: local + 1,
            end: local + 2,
            list: local + 3,
            next: local + 4,
            size,
        }
    }

    /// With the address of the host's result on the stack: the new list
    /// made, with `extra` bytes more, and the loop over the host's opened
    /// (closed by `close_loop(sink, entry, size)`).
    fn start(&self, context: &Context<'_>, sink: &mut InstructionSink<'_>, extra: i32) {
        let at = |offset| mem_arg(offset, 2);
        sink.local_set(self.area);
        sink.local_get(self.area)
            .i32_load(at(0))
            .local_tee(self.entry)
            .local_get(self.area)
            .i32_load(at(4))
            .i32_const(self.size)
            .i32_mul()
            .i32_add()
            .local_set(self.end);
        context.alloc(sink, 4, &|sink| {
            sink.local_get(self.area)
                .i32_load(at(4))
                .i32_const(self.size)
                .i32_mul()
                .i32_const(extra)
                .i32_add();
        });
        sink.local_tee(self.list).local_set(self.next);
        open_loop(sink, self.entry, self.end);
    }

    /// Moves `next` on past an element kept.
    fn advance(&self, sink: &mut InstructionSink<'_>) {
        sink.local_get(self.next)
            .i32_const(self.size)
            .i32_add()
            .local_set(self.next);
    }

    /// The new list's address and length (with `extra` bytes after the
    /// kept elements) where the host's were; leaves the result's address.
    fn finish(&self, sink: &mut InstructionSink<'_>, extra: i32) {
        let at = |offset| mem_arg(offset, 2);
        sink.local_get(self.area)
            .local_get(self.list)
            .i32_store(at(0));
        sink.local_get(self.area)
            .local_get(self.next)
            .i32_const(extra)
            .i32_add()
            .local_get(self.list)
            .i32_sub()
            .i32_const(self.size)
            .i32_div_u()
            .i32_store(at(4));
        sink.local_get(self.area);
    }
}

/// The locals of [`Body::FilterEnv`] before its host call's.
const FILTER_LOCALS: u32 = ListCopy::LOCALS + 1;
/// The locals of [`Body::CheckHttp`] before those of its two bodies.
const CHECK_LOCALS: u32 = 12;
/// The locals of [`Body::GuardFs`] before those of its bodies: the
/// result's address and the host's handle in it.
const GUARD_LOCALS: u32 = 2;
/// The locals of [`Body::FilterDirs`] before its host call's.
const DIRS_LOCALS: u32 = ListCopy::LOCALS + 2;
/// The locals of [`Body::MockResponse`]: the headers, the address of
/// `response.new`'s result and that of `send`'s.
const MOCK_LOCALS: u32 = 3;
/// The size of a `tuple<descriptor, string>` in memory.
const PREOPEN: i32 = 12;

/// [`canon_body`]'s source: its one function is copied into the module.
const CANON: &str = include_str!("canon.wat");

/// The function of `canon.wat`, which only reads and writes memory 0.
fn canon_body() -> Function {
    use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
    let binary = wat::parse_str(CANON).expect("canon.wat is valid");
    let body = wasmparser::Parser::new(0)
        .parse_all(&binary)
        .find_map(|payload| match payload {
            Ok(wasmparser::Payload::CodeSectionEntry(body)) => Some(body),
            _ => None,
        })
        .expect("canon.wat has a function");
    let mut reencoder = RoundtripReencoder;
    let mut function = reencoder
        .new_function_with_parsed_locals(&body)
        .expect("its locals read");
    let mut reader = body.get_operators_reader().expect("its code reads");
    while !reader.eof() {
        let instruction = reencoder
            .parse_instruction(&mut reader)
            .expect("its instructions read");
        function.instruction(&instruction);
    }
    function
}

/// `glob(pattern, pattern_len, text, text_len, wild) -> i32`: whether the
/// text matches, byte by byte, with `*` any run and `?` any one byte when
/// `wild` is 1, or only when equal when it is 0. Greedy with one
/// backtrack point, so linear in practice and never recursive.
fn glob_body() -> Function {
    let (pat, plen, text, tlen, wild) = (0, 1, 2, 3, 4);
    let (p, i, star, mark, c) = (5, 6, 7, 8, 9);
    let byte = MemArg {
        offset: 0,
        align: 0,
        memory_index: 0,
    };
    let mut f = Function::new([(5, ValType::I32)]);
    let mut s = f.instructions();
    s.i32_const(-1).local_set(star);
    s.block(BlockType::Empty); // fail
    s.block(BlockType::Empty); // done
    s.loop_(BlockType::Empty);
    // The whole text read: done.
    s.local_get(i).local_get(tlen).i32_ge_u().br_if(1);
    s.local_get(p)
        .local_get(plen)
        .i32_lt_u()
        .if_(BlockType::Empty);
    s.local_get(pat)
        .local_get(p)
        .i32_add()
        .i32_load8_u(byte)
        .local_set(c);
    // `*`: remember where, match it to nothing for now.
    s.local_get(wild)
        .local_get(c)
        .i32_const(i32::from(b'*'))
        .i32_eq()
        .i32_and()
        .if_(BlockType::Empty);
    s.local_get(p).local_set(star);
    s.local_get(i).local_set(mark);
    s.local_get(p).i32_const(1).i32_add().local_set(p);
    s.br(2);
    s.end();
    // `?` or the same byte: both move on.
    s.local_get(wild)
        .local_get(c)
        .i32_const(i32::from(b'?'))
        .i32_eq()
        .i32_and()
        .local_get(c)
        .local_get(text)
        .local_get(i)
        .i32_add()
        .i32_load8_u(byte)
        .i32_eq()
        .i32_or()
        .if_(BlockType::Empty);
    s.local_get(p).i32_const(1).i32_add().local_set(p);
    s.local_get(i).i32_const(1).i32_add().local_set(i);
    s.br(2);
    s.end();
    s.end();
    // No match here: let the last `*` take one more byte, or fail.
    s.local_get(star).i32_const(-1).i32_eq().br_if(2);
    s.local_get(star).i32_const(1).i32_add().local_set(p);
    s.local_get(mark)
        .i32_const(1)
        .i32_add()
        .local_tee(mark)
        .local_set(i);
    s.br(0);
    s.end(); // loop
    s.end(); // done
    // Trailing `*`s match nothing.
    s.loop_(BlockType::Empty);
    s.local_get(p)
        .local_get(plen)
        .i32_lt_u()
        .if_(BlockType::Empty);
    s.local_get(wild)
        .local_get(pat)
        .local_get(p)
        .i32_add()
        .i32_load8_u(byte)
        .i32_const(i32::from(b'*'))
        .i32_eq()
        .i32_and()
        .if_(BlockType::Empty);
    s.local_get(p).i32_const(1).i32_add().local_set(p);
    s.br(2);
    s.end();
    s.end();
    s.end();
    s.local_get(p).local_get(plen).i32_eq().return_();
    s.end(); // fail
    s.i32_const(0);
    s.end();
    f
}

/// Where a load or store goes in memory 0: `offset` bytes on, aligned to
/// 2^`align`.
fn mem_arg(offset: u32, align: u32) -> MemArg {
    MemArg {
        offset: u64::from(offset),
        align,
        memory_index: 0,
    }
}

/// The string after the case of a value at the address in local `area`
/// (`option<string>`, or `method`'s `other`), into locals `ptr`, `len`.
fn string_at(sink: &mut InstructionSink<'_>, area: u32, ptr: u32, len: u32) {
    sink.local_get(area)
        .i32_load(mem_arg(OPTION_STRING, 2))
        .local_set(ptr)
        .local_get(area)
        .i32_load(mem_arg(OPTION_STRING + 4, 2))
        .local_set(len);
}
