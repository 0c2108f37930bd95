//! The embedded wasmtime: two engines, their linkers with WASI, the
//! compile cache, and stores that carry a guest's capabilities and limits.
//!
//! A component that only uses WASI 0.2 and sync functions runs on the sync
//! side: an engine without the component model's concurrency, linked to
//! wasmtime-wasi's sync 0.2 host, with plain calls. Without concurrency
//! support wasmtime keeps no task state, and every call between host and
//! guest is cheaper for it: a host → guest call 155 ns rather than 538, a
//! traced call (two host calls) 0.8 µs rather than 1.9 (BENCHMARKS.md).
//! One that uses WASI 0.3 or the concurrency (`async func`, streams,
//! futures), or that a host calls concurrently (an HTTP handler), runs on
//! the concurrent side: an engine with it, linked to the concurrent host
//! (wasmtime-wasi's async 0.2 and its 0.3), inside `Store::run_concurrent`
//! on tokio; the sync 0.2 host blocks on tokio itself, so it cannot serve
//! a call made from within it. A component's store is made on its own
//! engine ([`Prepared::engine`]). Each side is made when a component first
//! needs it: an engine and a linker full of WASI cost a `weld run` about
//! half a millisecond, which a run that needs one side only does not pay
//! twice.

use crate::cache::{Cache, CacheStatus};
use crate::host::{Capabilities, Host, MemoryLimiter};
use crate::limits::{Limit, Limits};
use crate::{Error, MissingImport};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{
    Component, InstancePre, Linker, LinkerInstance, ResourceTable, ResourceType, WasmList,
};
use wasmtime::{Config, Engine, Store, Trap};

/// How often the epoch advances when a timeout is set.
const TICK: Duration = Duration::from_millis(10);

/// How a [`Runtime`] is set up.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub limits: Limits,
    /// Where compiled code is cached; `None` compiles every time.
    pub cache: Option<Cache>,
    /// Use the pooling allocator: instantiation in microseconds, for many
    /// short-lived instances (`weld test`).
    pub pooling: bool,
    /// Instantiate even when imports are missing; calling one traps.
    pub trap_unknown_imports: bool,
    /// Compile in fuel metering and epoch checks even without a limit, so
    /// that each store can be given limits of its own ([`Runtime::store_with`]).
    pub per_store_limits: bool,
}

/// Two wasmtime engines, with WASI 0.2 and 0.3 linked in, each made when
/// first needed.
pub struct Runtime {
    /// The engines' settings but for concurrency.
    config: Config,
    /// No concurrency, WASI 0.2 sync: for components that use none.
    sync: OnceLock<Side>,
    /// Concurrency, WASI 0.2 (async) and 0.3: for components that do.
    concurrent: OnceLock<Side>,
    options: Options,
    ticker: Option<Ticker>,
}

/// Which of a runtime's two sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Concurrency {
    Without,
    With,
}

/// An engine and the host linked for it.
struct Side {
    engine: Engine,
    linker: Linker<Host>,
}

/// What a tap passes: a site or call, the core values, and the memory
/// they lie in, from its address. The lists are read in place, and only
/// when the values are shown.
type Tapped = (u32, WasmList<u64>, u32, WasmList<u8>);

/// The core values and memory of a tap's call, copied out of the guest
/// when its values are shown (else empty).
fn tapped_values(
    store: &wasmtime::StoreContextMut<'_, Host>,
    flat: &WasmList<u64>,
    memory: &WasmList<u8>,
) -> (Vec<u64>, Vec<u8>) {
    match store
        .data()
        .calls
        .as_ref()
        .is_some_and(|c| c.shows_values())
    {
        true => (
            flat.as_le_slice(store).to_vec(),
            memory.as_le_slice(store).to_vec(),
        ),
        false => (Vec::new(), Vec::new()),
    }
}

/// `weld:trace/tap`, which traced components import: the calls go to the
/// store's [`crate::trace::Calls`], or nowhere when it has none.
fn add_tap(linker: &mut Linker<Host>) -> wasmtime::Result<()> {
    let mut tap = linker.instance(weld_virt::trace::TAP)?;
    tap.func_wrap(
        "enter",
        |mut store, (site, flat, base, memory): Tapped| -> wasmtime::Result<(u32,)> {
            let (flat, memory) = tapped_values(&store, &flat, &memory);
            let host: &mut Host = store.data_mut();
            Ok((host
                .calls
                .as_mut()
                .map_or(0, |calls| calls.enter(site, &flat, base, &memory)),))
        },
    )?;
    tap.func_wrap(
        "exit",
        |mut store, (call, flat, base, memory): Tapped| -> wasmtime::Result<()> {
            let (flat, memory) = tapped_values(&store, &flat, &memory);
            let host: &mut Host = store.data_mut();
            if let Some(calls) = host.calls.as_mut() {
                calls.exit(call, &flat, base, &memory);
            }
            Ok(())
        },
    )?;
    Ok(())
}

/// `weld:invoke/arguments`: the arguments of the call in progress, for
/// the argument layer `weld invoke` puts in front of a component (see
/// `weld_virt::arguments`).
fn add_arguments(linker: &mut Linker<Host>) -> wasmtime::Result<()> {
    let mut arguments = linker.instance(weld_virt::arguments::INTERFACE)?;
    arguments.func_wrap(
        "get",
        |mut store, (base,): (u32,)| -> wasmtime::Result<(Vec<u8>,)> {
            let laid = store.data_mut().arguments.take().ok_or_else(|| {
                wasmtime::format_err!("the argument layer asked for arguments no call gave it")
            })?;
            let bytes = laid.at(base).ok_or_else(|| {
                wasmtime::format_err!(
                    "the call's arguments do not fit in the argument layer's memory below 4 GiB"
                )
            })?;
            Ok((bytes,))
        },
    )?;
    Ok(())
}

/// Which linker a component is prepared for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Linking {
    /// The sync one unless the component uses concurrency.
    Auto,
    /// The concurrent one whatever the component uses, for hosts that
    /// call it concurrently (HTTP handlers).
    Concurrent,
}

/// A component compiled and type-checked against the host, ready to be
/// instantiated any number of times.
pub struct Prepared {
    pub path: PathBuf,
    pub component: Component,
    pub pre: InstancePre<Host>,
    pub cache: CacheStatus,
    /// Whether it uses the component model's concurrency, and so runs in
    /// `Store::run_concurrent` on the concurrent engine and linker.
    pub concurrent: bool,
}

impl Side {
    fn new(config: &Config, concurrency: Concurrency) -> wasmtime::Result<Side> {
        let mut config = config.clone();
        let with = concurrency == Concurrency::With;
        config.wasm_component_model_async(with);
        config.concurrency_support(with);
        let engine = Engine::new(&config)?;
        let mut linker = Linker::new(&engine);
        match concurrency {
            Concurrency::Without => {
                wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
                wasmtime_wasi_http::p2::add_only_http_to_linker_sync(&mut linker)?;
            }
            Concurrency::With => {
                wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
                wasmtime_wasi::p3::add_to_linker(&mut linker)?;
                wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
                wasmtime_wasi_http::p3::add_to_linker(&mut linker)?;
            }
        }
        add_tap(&mut linker)?;
        add_arguments(&mut linker)?;
        Ok(Side { engine, linker })
    }
}

impl Prepared {
    /// The engine it was compiled for, which its stores must be made on.
    pub fn engine(&self) -> &Engine {
        self.component.engine()
    }
}

/// How much of each pooled memory and table is zeroed with `memset` when
/// its instance is done, rather than given back with `madvise` and faulted
/// in again by the next: a handler instantiated per request (WASI 0.2),
/// and each virtual layer in it, touches a few pages of each.
const POOL_KEEP_RESIDENT: usize = 256 << 10;

impl Runtime {
    pub fn new(options: Options) -> Result<Runtime, Error> {
        let mut config = Config::new();
        config.wasm_component_model(true);
        // Both change the compiled code, so they are only on when asked for.
        let epochs = options.limits.timeout.is_some() || options.per_store_limits;
        config.epoch_interruption(epochs);
        config.consume_fuel(options.limits.fuel.is_some() || options.per_store_limits);
        if let Some(stack) = options.limits.max_stack {
            config.max_wasm_stack(stack);
        }
        if options.pooling {
            let mut pooling = wasmtime::PoolingAllocationConfig::default();
            pooling
                .linear_memory_keep_resident(POOL_KEEP_RESIDENT)
                .table_keep_resident(POOL_KEEP_RESIDENT);
            config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pooling));
        }
        Ok(Runtime {
            config,
            sync: OnceLock::new(),
            concurrent: OnceLock::new(),
            options,
            ticker: epochs.then(Ticker::start),
        })
    }

    /// The side for components with or without concurrency, made on first
    /// use.
    fn side(&self, concurrency: Concurrency) -> Result<&Side, Error> {
        let lock = match concurrency {
            Concurrency::Without => &self.sync,
            Concurrency::With => &self.concurrent,
        };
        if let Some(side) = lock.get() {
            return Ok(side);
        }
        let side = Side::new(&self.config, concurrency).map_err(|e| Error::Engine(e.into()))?;
        Ok(lock.get_or_init(|| {
            if let Some(ticker) = &self.ticker {
                ticker.add(side.engine.clone());
            }
            side
        }))
    }

    /// The limits stores get unless given others.
    pub fn limits(&self) -> Limits {
        self.options.limits
    }

    /// Compiles a component (or loads it from the cache) and checks its
    /// imports against what the host provides. `on_compile` is called
    /// before an actual compilation and its result dropped after it, so a
    /// caller can show progress only when there is something to wait for.
    pub fn prepare<G>(
        &self,
        path: &Path,
        wasm: &[u8],
        on_compile: impl FnOnce() -> G,
    ) -> Result<Prepared, Error> {
        self.prepare_linking(path, wasm, on_compile, Linking::Auto)
    }

    /// [`Runtime::prepare`] for the linker `linking` says.
    pub fn prepare_linking<G>(
        &self,
        path: &Path,
        wasm: &[u8],
        on_compile: impl FnOnce() -> G,
        linking: Linking,
    ) -> Result<Prepared, Error> {
        if weld_wit::wasm::kind(path, wasm)? == weld_wit::wasm::WasmKind::Module {
            return Err(weld_wit::Error::CoreModule {
                path: path.to_owned(),
                hint: "; `weld new` makes it one",
            }
            .into());
        }
        // The progress shows once, however many compilations it takes.
        let on_compile = std::cell::Cell::new(Some(on_compile));
        let progress = std::cell::OnceCell::new();
        let compile = |side: &Side| {
            let compile = || {
                progress.get_or_init(|| on_compile.take().map(|start| start()));
                Component::new(&side.engine, wasm)
            };
            match &self.options.cache {
                Some(cache) => cache.load(&side.engine, wasm, compile),
                None => compile().map(|c| (c, CacheStatus::Disabled)),
            }
        };
        // Inside too: a composition whose parts call each other async
        // needs the concurrent side though its own imports are 0.2. The
        // sync engine refuses what uses concurrency in its types, and a
        // component it accepts may still import WASI 0.3: either goes to
        // the concurrent side, whose error stands if it fails there too.
        let sync_first = linking == Linking::Auto
            && weld_wit::inspect::Concurrency::of(wasm).is_some_and(|c| c.is_empty());
        let compiled = match sync_first {
            true => {
                let sync = self.side(Concurrency::Without)?;
                compile(sync)
                    .ok()
                    .filter(|(component, _)| !uses_concurrency(&sync.engine, component))
            }
            false => None,
        };
        let (concurrent, compiled) = match compiled {
            Some(compiled) => (false, Ok(compiled)),
            None => (true, compile(self.side(Concurrency::With)?)),
        };
        let (component, cache) = compiled.map_err(|e| Error::Compile {
            path: path.to_owned(),
            source: e.into(),
        })?;
        let pre = self.instance_pre(path, &component, concurrent)?;
        Ok(Prepared {
            path: path.to_owned(),
            component,
            pre,
            cache,
            concurrent,
        })
    }

    fn instance_pre(
        &self,
        path: &Path,
        component: &Component,
        concurrent: bool,
    ) -> Result<InstancePre<Host>, Error> {
        let linker = &self
            .side(match concurrent {
                true => Concurrency::With,
                false => Concurrency::Without,
            })?
            .linker;
        let first_error = match linker.instantiate_pre(component) {
            Ok(pre) => return Ok(pre),
            Err(e) => e,
        };
        let (missing, linker) =
            self.stub_missing(linker, component)
                .map_err(|_| Error::Instantiate {
                    path: path.to_owned(),
                    source: first_error.into(),
                })?;
        if !self.options.trap_unknown_imports {
            return Err(Error::MissingImports {
                path: path.to_owned(),
                imports: missing,
            });
        }
        linker
            .instantiate_pre(component)
            .map_err(|e| Error::Instantiate {
                path: path.to_owned(),
                source: e.into(),
            })
    }

    /// Finds every import the host cannot satisfy, one at a time: wasmtime
    /// reports the first, which is then stubbed with traps so the next shows.
    /// Returns them with a linker in which all are stubbed.
    fn stub_missing(
        &self,
        linker: &Linker<Host>,
        component: &Component,
    ) -> wasmtime::Result<(Vec<MissingImport>, Linker<Host>)> {
        let engine = component.engine();
        let ty = component.component_type();
        let imports: Vec<_> = ty.imports(engine).collect();
        let mut linker = linker.clone();
        linker.allow_shadowing(true);
        let mut missing: Vec<MissingImport> = Vec::new();
        let io_resources = wasi_io_resources(&imports, engine);
        loop {
            let Err(error) = linker.instantiate_pre(component) else {
                return Ok((missing, linker));
            };
            let text = format!("{error:?}");
            let Some((name, import)) = imports.iter().find(|(name, _)| {
                text.contains(&format!("`{name}`")) && !missing.iter().any(|m| m.name == *name)
            }) else {
                return Err(error);
            };
            let cause = error.root_cause().to_string();
            // wasmtime names the first absent item inside the import; an
            // absent import is simply not provided.
            let reason = if cause.ends_with("implementation is missing") {
                "not provided".to_owned()
            } else {
                cause
            };
            missing.push(MissingImport {
                name: (*name).to_owned(),
                kind: item_kind(&import.ty),
                reason,
            });
            let stubs = Stubs {
                engine,
                io_resources: &io_resources,
            };
            stubs.define(&mut linker.root(), name, &import.ty, name)?;
        }
    }

    /// A fresh store for `prepared`, with `caps` and this runtime's limits.
    pub fn store(&self, prepared: &Prepared, caps: &Capabilities) -> Result<Store<Host>, Error> {
        self.store_with(prepared.engine(), caps, self.options.limits)
    }

    /// A fresh store on `engine` (the one a component was prepared on:
    /// [`Prepared::engine`]) with `caps` and `limits`; time and fuel limits
    /// need [`Options::per_store_limits`] or the same limit in
    /// [`Options::limits`].
    pub fn store_with(
        &self,
        engine: &Engine,
        caps: &Capabilities,
        limits: Limits,
    ) -> Result<Store<Host>, Error> {
        let host = Host {
            wasi: caps.wasi()?,
            http: wasmtime_wasi_http::WasiHttpCtx::new(),
            http_hooks: caps.http_hooks(),
            table: ResourceTable::new(),
            memory: MemoryLimiter::new(limits.max_memory, limits.trap_on_grow_failure),
            limits,
            calls: None,
            arguments: None,
        };
        let mut store = Store::new(engine, host);
        store.limiter(|host| &mut host.memory);
        let config = &self.options;
        if config.per_store_limits || config.limits.fuel.is_some() {
            let fuel = limits.fuel.unwrap_or(u64::MAX);
            store.set_fuel(fuel).map_err(|e| Error::Engine(e.into()))?;
        }
        if self.epochs() {
            self.reset_deadline(&mut store, &limits);
            store.epoch_deadline_trap();
        }
        Ok(store)
    }

    fn epochs(&self) -> bool {
        self.options.per_store_limits || self.options.limits.timeout.is_some()
    }

    /// Gives the store its whole timeout again, counted from now: a
    /// reused instance's next request gets as long as its first.
    pub(crate) fn reset_deadline(&self, mut store: impl wasmtime::AsContextMut, limits: &Limits) {
        if !self.epochs() {
            return;
        }
        // Far enough to never come, near enough that wasmtime can add
        // the current epoch to it without overflowing.
        let never = u64::MAX / 2;
        let ticks = match limits.timeout {
            Some(timeout) => (timeout.div_duration_f64(TICK).ceil() as u64).saturating_add(1),
            None => never,
        };
        store.as_context_mut().set_epoch_deadline(ticks.min(never));
    }

    /// Classifies a failed guest call: a limit that was hit, the guest's own
    /// exit, a trap with its backtrace, or a host error.
    pub fn guest_error(&self, store: &Store<Host>, error: wasmtime::Error) -> Error {
        // The guest's own exit stands, even after it was refused memory:
        // it handled that. A trap after a refusal is put down to the limit.
        if let Some(exit) = error.downcast_ref::<wasmtime_wasi::I32Exit>() {
            return Error::Exit(exit.0);
        }
        if let Some(limit) = store.data().memory.hit {
            return Error::Limit(limit);
        }
        let limits = &store.data().limits;
        let max_stack = self.options.limits.max_stack;
        match error.downcast_ref::<Trap>() {
            Some(Trap::Interrupt) if limits.timeout.is_some() => {
                Error::Limit(Limit::Timeout(limits.timeout.unwrap_or_default()))
            }
            Some(Trap::OutOfFuel) if limits.fuel.is_some() => {
                Error::Limit(Limit::Fuel(limits.fuel.unwrap_or_default()))
            }
            Some(Trap::StackOverflow) if max_stack.is_some() => {
                Error::Limit(Limit::Stack(max_stack.unwrap_or_default()))
            }
            Some(trap) => Error::Trap {
                message: trap.to_string(),
                backtrace: backtrace(&error),
            },
            // A host function failed under the guest, e.g. a stub of a
            // missing import: a trap from the guest's point of view.
            None if backtrace(&error).is_some() => Error::Trap {
                message: error.root_cause().to_string(),
                backtrace: backtrace(&error),
            },
            None => Error::Guest(error.into()),
        }
    }
}

/// Whether a component's type needs the concurrent host: it imports WASI
/// 0.3, or a function it imports or exports is `async` or passes a stream,
/// a future or an error context.
fn uses_concurrency(engine: &Engine, component: &Component) -> bool {
    let ty = component.component_type();
    let wasi_03 = |name: &str| {
        name.starts_with("wasi:")
            && name
                .split_once('@')
                .is_some_and(|(_, version)| version.starts_with("0.3."))
    };
    ty.imports(engine)
        .any(|(name, item)| wasi_03(name) || item_uses_concurrency(engine, &item.ty))
        || ty
            .exports(engine)
            .any(|(_, item)| item_uses_concurrency(engine, &item.ty))
}

fn item_uses_concurrency(engine: &Engine, item: &ComponentItem) -> bool {
    match item {
        ComponentItem::ComponentFunc(func) => {
            func.async_()
                || func.params().any(|(_, ty)| type_uses_concurrency(&ty))
                || func.results().any(|ty| type_uses_concurrency(&ty))
        }
        ComponentItem::ComponentInstance(instance) => instance
            .exports(engine)
            .any(|(_, item)| item_uses_concurrency(engine, &item.ty)),
        ComponentItem::Component(component) => {
            component
                .imports(engine)
                .any(|(_, item)| item_uses_concurrency(engine, &item.ty))
                || component
                    .exports(engine)
                    .any(|(_, item)| item_uses_concurrency(engine, &item.ty))
        }
        ComponentItem::Type(ty) => type_uses_concurrency(ty),
        ComponentItem::CoreFunc(_) | ComponentItem::Module(_) | ComponentItem::Resource(_) => false,
    }
}

fn type_uses_concurrency(ty: &wasmtime::component::Type) -> bool {
    use wasmtime::component::Type;
    match ty {
        Type::Future(_) | Type::Stream(_) | Type::ErrorContext => true,
        Type::List(list) => type_uses_concurrency(&list.ty()),
        Type::FixedLengthList(list) => type_uses_concurrency(&list.ty()),
        Type::Record(record) => record
            .fields()
            .any(|field| type_uses_concurrency(&field.ty)),
        Type::Tuple(tuple) => tuple.types().any(|ty| type_uses_concurrency(&ty)),
        Type::Variant(variant) => variant
            .cases()
            .any(|case| case.ty.as_ref().is_some_and(type_uses_concurrency)),
        Type::Option(option) => type_uses_concurrency(&option.ty()),
        Type::Result(result) => {
            result.ok().as_ref().is_some_and(type_uses_concurrency)
                || result.err().as_ref().is_some_and(type_uses_concurrency)
        }
        Type::Map(map) => type_uses_concurrency(&map.key()) || type_uses_concurrency(&map.value()),
        _ => false,
    }
}

fn backtrace(error: &wasmtime::Error) -> Option<String> {
    error
        .downcast_ref::<wasmtime::WasmBacktrace>()
        .map(|bt| bt.to_string())
}

fn item_kind(item: &ComponentItem) -> &'static str {
    match item {
        ComponentItem::ComponentFunc(_) | ComponentItem::CoreFunc(_) => "function",
        ComponentItem::Module(_) => "module",
        ComponentItem::Component(_) => "component",
        ComponentItem::ComponentInstance(_) => "instance",
        ComponentItem::Type(_) => "type",
        ComponentItem::Resource(_) => "resource",
    }
}

/// A resource type for imported resources the host does not provide; no
/// value of it is ever made, since every function that could is a trap.
struct Unprovided;

/// The component's view of the `wasi:io` resources, paired with the host
/// types wasmtime-wasi gives them. A missing interface that uses them
/// (`wasi:http/types` re-exports `input-stream`, say) must be stubbed with
/// these very types, or it would not type-check against the real `wasi:io`.
fn wasi_io_resources(
    imports: &[(&str, wasmtime::component::types::ComponentExtern<'_>)],
    engine: &Engine,
) -> Vec<(ResourceType, ResourceType)> {
    use wasmtime_wasi::p2::{DynInputStream, DynOutputStream, DynPollable, IoError};
    let host = |interface: &str, resource: &str| match (interface, resource) {
        ("wasi:io/streams", "input-stream") => Some(ResourceType::host::<DynInputStream>()),
        ("wasi:io/streams", "output-stream") => Some(ResourceType::host::<DynOutputStream>()),
        ("wasi:io/poll", "pollable") => Some(ResourceType::host::<DynPollable>()),
        ("wasi:io/error", "error") => Some(ResourceType::host::<IoError>()),
        _ => None,
    };
    let mut pairs = Vec::new();
    for (name, import) in imports {
        let ComponentItem::ComponentInstance(instance) = &import.ty else {
            continue;
        };
        let interface = name
            .split_once('@')
            .map_or(*name, |(interface, _)| interface);
        for (export, item) in instance.exports(engine) {
            if let (ComponentItem::Resource(theirs), Some(ours)) =
                (item.ty, host(interface, export))
            {
                pairs.push((theirs, ours));
            }
        }
    }
    pairs
}

/// Defines imports so that they type-check and trap when used.
struct Stubs<'a> {
    engine: &'a Engine,
    io_resources: &'a [(ResourceType, ResourceType)],
}

impl Stubs<'_> {
    fn define(
        &self,
        linker: &mut LinkerInstance<'_, Host>,
        name: &str,
        item: &ComponentItem,
        path: &str,
    ) -> wasmtime::Result<()> {
        match item {
            ComponentItem::ComponentFunc(_) => {
                let path = path.to_owned();
                linker.func_new(name, move |_, _, _, _| {
                    wasmtime::bail!("`{path}` is not provided by the host (--trap-unknown-imports)")
                })
            }
            ComponentItem::ComponentInstance(instance) => {
                let mut inner = linker.instance(name)?;
                for (export, item) in instance.exports(self.engine) {
                    self.define(&mut inner, export, &item.ty, &format!("{path}#{export}"))?;
                }
                Ok(())
            }
            ComponentItem::Resource(theirs) => {
                let ty = self
                    .io_resources
                    .iter()
                    .find(|(known, _)| known == theirs)
                    .map_or_else(ResourceType::host::<Unprovided>, |(_, ours)| *ours);
                linker.resource(name, ty, |_, _| Ok(()))
            }
            ComponentItem::Type(_) => Ok(()),
            ComponentItem::Module(_) | ComponentItem::Component(_) | ComponentItem::CoreFunc(_) => {
                wasmtime::bail!("cannot stand in for imported {} `{path}`", item_kind(item))
            }
        }
    }
}

/// Advances the epochs of the engines added to it every [`TICK`] until
/// dropped.
struct Ticker {
    stop: Arc<AtomicBool>,
    engines: Arc<Mutex<Vec<Engine>>>,
}

impl Ticker {
    fn start() -> Ticker {
        let stop = Arc::new(AtomicBool::new(false));
        let engines = Arc::new(Mutex::new(Vec::<Engine>::new()));
        let (flag, ticked) = (stop.clone(), engines.clone());
        std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                std::thread::sleep(TICK);
                let engines = ticked.lock().unwrap_or_else(|e| e.into_inner());
                engines.iter().for_each(Engine::increment_epoch);
            }
        });
        Ticker { stop, engines }
    }

    fn add(&self, engine: Engine) {
        self.engines
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(engine);
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
