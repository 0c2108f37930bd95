//! In-process figures for the runner, printed as Markdown rows for
//! BENCHMARKS.md (`benches/run.sh` adds the whole-process comparison with
//! `wasmtime run`). Run with `cargo bench --bench runner`.

use std::path::Path;
use std::time::{Duration, Instant};
use weld_run::runtime::Linking;
use weld_run::{Capabilities, Options, Prepared, Runtime};
use weld_wit::componentize::{self, Options as NewOptions};

/// Mean time of `f` over `n` runs, after `n / 10` warm-up runs.
fn mean(n: u32, mut f: impl FnMut()) -> Duration {
    for _ in 0..n / 10 {
        f();
    }
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed() / n
}

/// The component `weld new CORE [--wit wit --world WORLD]` makes.
fn new_component(core: &Path, world: Option<&str>) -> Vec<u8> {
    let bytes = weld_wit::wasm::map_file(core).unwrap();
    let bytes = weld_wit::wasm::to_binary(core, bytes).unwrap().into_vec();
    let loaded = world.map(|_| weld_wit::load(Path::new("wit")).unwrap());
    let options = NewOptions {
        world: loaded.as_ref().map(|wit| (wit, world)),
        adapters: Vec::new(),
    };
    componentize::new_component(core, bytes, &options).unwrap()
}

fn processor(runtime: &Runtime, name: &str, core: &Path, wit: bool) -> Prepared {
    let component = new_component(core, wit.then_some("processor"));
    runtime.prepare(Path::new(name), &component, || ()).unwrap()
}

/// `bytes` prepared, traced by `trace` (text, to nowhere) when given, with
/// a store whose calls it reports.
fn prepare_traced(
    runtime: &Runtime,
    path: &Path,
    bytes: Vec<u8>,
    trace: Option<weld_run::Detail>,
) -> (Prepared, weld_run::Store) {
    let Some(detail) = trace else {
        let p = runtime.prepare(path, &bytes, || ()).unwrap();
        let store = runtime.store(&p, &Capabilities::default()).unwrap();
        return (p, store);
    };
    let traced = weld_virt::trace::instrument(
        path,
        &std::sync::Arc::new(bytes.into()),
        &weld_wit::validated::Validated::default(),
        "bench",
        &weld_virt::trace::Filter::default(),
    )
    .unwrap();
    let settings = weld_run::trace::Settings {
        detail,
        ..Default::default()
    };
    let trace = std::sync::Arc::new(weld_run::trace::Trace::new(
        settings,
        Box::new(std::io::sink()),
    ));
    let tracer = trace.tracer(&traced.table, "bench".into()).unwrap();
    let p = runtime.prepare(path, &traced.bytes, || ()).unwrap();
    let mut store = runtime.store(&p, &Capabilities::default()).unwrap();
    store.data_mut().trace(tracer.calls());
    (p, store)
}

/// One `run` of the WAT app plugged into the WAT processor (a 2x1
/// `grayscale` and a `resize`), in µs. The app's heap is never freed
/// (about 30 bytes a run in its one page), so an instance takes some
/// 2,000 runs: 1,100 are made.
fn app_run_us(runtime: &Runtime, trace: Option<weld_run::Detail>) -> f64 {
    let app = new_component(Path::new("fixtures/wat/app.wat"), Some("app"));
    let processor = new_component(Path::new("fixtures/wat/processor.wat"), Some("processor"));
    let path = Path::new("app");
    let plug = weld_link::Plug {
        path: "processor".into(),
        bytes: std::sync::Arc::new(processor.into()),
        only: Vec::new(),
    };
    let composed = weld_link::plug(
        path,
        &std::sync::Arc::new(app.into()),
        &[plug],
        &weld_wit::validated::Validated::default(),
    )
    .unwrap()
    .component
    .into_bytes()
    .unwrap();
    let (p, mut store) = prepare_traced(runtime, path, composed, trace);
    let instance = p.pre.instantiate(&mut store).unwrap();
    let interface = instance
        .get_export_index(&mut store, None, "wasi:cli/run@0.2.12")
        .unwrap();
    let run = instance
        .get_export_index(&mut store, Some(&interface), "run")
        .unwrap();
    let run = instance
        .get_typed_func::<(), (Result<(), ()>,)>(&mut store, run)
        .unwrap();
    mean(1_000, || {
        let (ran,) = run.call(&mut store, ()).unwrap();
        assert_eq!(ran, Ok(()));
    })
    .as_secs_f64()
        * 1e6
}

fn instantiate_us(pooling: bool) -> f64 {
    let runtime = Runtime::new(Options {
        pooling,
        ..Options::default()
    })
    .unwrap();
    let p = processor(
        &runtime,
        "wat",
        Path::new("fixtures/wat/processor.wat"),
        true,
    );
    let caps = Capabilities::default();
    let time = mean(5_000, || {
        let mut store = runtime.store(&p, &caps).unwrap();
        p.pre.instantiate(&mut store).unwrap();
    });
    time.as_secs_f64() * 1e6
}

/// Microseconds to make a store as `weld serve` makes one per instance
/// (WASI, HTTP, per-store limits) and instantiate the handler in it on
/// the pooling allocator: what a 0.2 handler (a fresh instance per
/// request) or a 0.3 one under `--reuse 0` costs each request before the
/// guest runs.
fn handler_instantiate_us(component: &str) -> f64 {
    let runtime = Runtime::new(Options {
        pooling: true,
        ..Options::default()
    })
    .unwrap();
    let wasm = std::fs::read(component).unwrap();
    let prepared = runtime
        .prepare_linking(Path::new(component), &wasm, || (), Linking::Concurrent)
        .unwrap();
    let limits = runtime.limits();
    let tokio = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let time = mean(5_000, || {
        tokio.block_on(async {
            let mut store = runtime
                .store_with(prepared.engine(), &Capabilities::default(), limits)
                .unwrap();
            prepared.pre.instantiate_async(&mut store).await.unwrap();
        });
    });
    time.as_secs_f64() * 1e6
}

#[derive(
    wasmtime::component::ComponentType, wasmtime::component::Lift, wasmtime::component::Lower, Clone,
)]
#[component(record)]
struct Image {
    data: Vec<u8>,
    width: u32,
    height: u32,
}

/// One typed call: the image is copied in, converted and copied out.
fn grayscale_ms(runtime: &Runtime, p: &Prepared, image: &Image) -> f64 {
    let mut store = runtime.store(p, &Capabilities::default()).unwrap();
    let instance = p.pre.instantiate(&mut store).unwrap();
    let iface = instance
        .get_export_index(&mut store, None, "my:image-processor/process")
        .unwrap();
    let func = instance
        .get_export_index(&mut store, Some(&iface), "grayscale")
        .unwrap();
    let grayscale = instance
        .get_typed_func::<(Image,), (Image,)>(&mut store, func)
        .unwrap();
    let time = mean(20, || {
        std::hint::black_box(grayscale.call(&mut store, (image.clone(),)).unwrap());
    });
    time.as_secs_f64() * 1e3
}

/// An export `add(a: u32, b: u32) -> u32` lifted sync, for the host to
/// call; `tests/cli/inputs/p3-streams.wat` has the same as an `async func`
/// lifted async with a callback.
const SYNC_ADD: &str = r#"(component
  (core module $m (func (export "add") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.add))
  (core instance $i (instantiate $m))
  (func (export "add") (param "a" u32) (param "b" u32) (result u32)
    (canon lift (core func $i "add"))))"#;

/// Nanoseconds per host call of `add`: sync with `call`, or (for an
/// async-capable component) with `call_concurrent`, each call in a
/// `run_concurrent` of its own as `weld invoke` makes it, or all in one.
fn add_ns(runtime: &Runtime, wasm: &[u8], how: Call) -> f64 {
    const N: u32 = 20_000;
    let p = runtime.prepare(Path::new("add"), wasm, || ()).unwrap();
    let mut store = runtime.store(&p, &Capabilities::default()).unwrap();
    let instance = match p.concurrent {
        true => wasmtime_wasi::runtime::in_tokio(p.pre.instantiate_async(&mut store)).unwrap(),
        false => p.pre.instantiate(&mut store).unwrap(),
    };
    let add = instance
        .get_typed_func::<(u32, u32), (u32,)>(&mut store, "add")
        .unwrap();
    let time = match how {
        Call::Sync => mean(N, || {
            std::hint::black_box(add.call(&mut store, (1, 2)).unwrap());
        }),
        Call::EachConcurrent => mean(N, || {
            let run = store.run_concurrent(async |a| add.call_concurrent(a, (1, 2)).await);
            std::hint::black_box(wasmtime_wasi::runtime::in_tokio(run).unwrap().unwrap());
        }),
        Call::AllConcurrent => {
            let run = store.run_concurrent(async |a| {
                let start = Instant::now();
                for _ in 0..N {
                    std::hint::black_box(add.call_concurrent(a, (1, 2)).await.unwrap());
                }
                start.elapsed() / N
            });
            wasmtime_wasi::runtime::in_tokio(run).unwrap()
        }
    };
    time.as_secs_f64() * 1e9
}

/// Nanoseconds per cross-component call of `bench:cross/callee#id`: the
/// caller's `run(n)` (`benches/cross/caller-CALLER.wat`, which calls `id`
/// n times) composed by `weld plug` with `benches/cross/callee-CALLEE.wat`,
/// timed for n calls less the time of a `run(0)`. A `run` that is an
/// `async func` is called as `weld invoke` calls it, in a
/// `run_concurrent` of its own; n stays small, since wasmtime 48 keeps a
/// record of each subtask a task makes until the task ends.
fn cross_ns(runtime: &Runtime, caller: &str, callee: &str, trace: Option<weld_run::Detail>) -> f64 {
    const N: u32 = 2_000;
    const RUNS: u32 = 100;
    let read = |name: &str| -> weld_link::Shared {
        let path = format!("benches/cross/{name}.wat");
        std::sync::Arc::new(wat::parse_file(&path).unwrap().into())
    };
    let plug = weld_link::Plug {
        path: format!("callee-{callee}").into(),
        bytes: read(&format!("callee-{callee}")),
        only: Vec::new(),
    };
    let caller_path = std::path::PathBuf::from(format!("caller-{caller}"));
    let composed = weld_link::plug(
        &caller_path,
        &read(&format!("caller-{caller}")),
        &[plug],
        &weld_wit::validated::Validated::default(),
    )
    .unwrap()
    .component
    .into_bytes()
    .unwrap();
    let (p, mut store) = prepare_traced(runtime, &caller_path, composed, trace);
    let instance = match p.concurrent {
        true => wasmtime_wasi::runtime::in_tokio(p.pre.instantiate_async(&mut store)).unwrap(),
        false => p.pre.instantiate(&mut store).unwrap(),
    };
    let run = instance
        .get_typed_func::<(u32,), (u32,)>(&mut store, "run")
        .unwrap();
    let mut time = |n: u32| {
        mean(RUNS, || match p.concurrent {
            true => {
                let call = store.run_concurrent(async |a| run.call_concurrent(a, (n,)).await);
                std::hint::black_box(wasmtime_wasi::runtime::in_tokio(call).unwrap().unwrap());
            }
            false => {
                std::hint::black_box(run.call(&mut store, (n,)).unwrap());
            }
        })
    };
    let (calls, none) = (time(N), time(0));
    calls.saturating_sub(none).as_secs_f64() * 1e9 / f64::from(N)
}

#[derive(Clone, Copy)]
enum Call {
    Sync,
    EachConcurrent,
    AllConcurrent,
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::env::set_current_dir(root).unwrap();
    println!("| measurement | value |");
    println!("| --- | --- |");
    println!(
        "| instantiate the WAT processor (`InstancePre`, on-demand allocator) | {:.1} µs |",
        instantiate_us(false)
    );
    println!(
        "| instantiate the WAT processor (`InstancePre`, pooling allocator) | {:.1} µs |",
        instantiate_us(true)
    );
    for (what, component) in [
        (
            "0.2 hello handler",
            "fixtures/components/http-wat-hello.wasm",
        ),
        (
            "0.3 hello handler",
            "fixtures/components/http-p3-wat-hello.wasm",
        ),
    ] {
        println!(
            "| instantiate the {what} as `weld serve` does per request (a store with WASI and HTTP; pooling) | {:.1} µs |",
            handler_instantiate_us(component)
        );
    }

    let pixels: Vec<u8> = (0..1920 * 1080 * 4).map(|i| (i * 7 % 251) as u8).collect();
    let image = Image {
        data: pixels.clone(),
        width: 1920,
        height: 1080,
    };

    let runtime = Runtime::new(Options::default()).unwrap();
    let native = mean(20, || {
        let mut out = pixels.clone();
        for px in out.chunks_exact_mut(4) {
            let y = ((77 * u32::from(px[0]) + 150 * u32::from(px[1]) + 29 * u32::from(px[2])) >> 8)
                as u8;
            px[..3].fill(y);
        }
        std::hint::black_box(out);
    });
    println!(
        "| grayscale 1920×1080, native Rust reference | {:.2} ms |",
        native.as_secs_f64() * 1e3
    );
    for (name, core, wit) in [
        ("WAT", "fixtures/wat/processor.wat", true),
        ("C", "tests/cli/inputs/c-processor.core.wasm", false),
    ] {
        let p = processor(&runtime, name, Path::new(core), wit);
        let ms = grayscale_ms(&runtime, &p, &image);
        println!("| one `grayscale` call on 1920×1080, {name} processor | {ms:.2} ms |");
    }

    let sync_add = wat::parse_str(SYNC_ADD).unwrap();
    let async_add = wat::parse_file("tests/cli/inputs/p3-streams.wat").unwrap();
    for (what, wasm, how) in [
        ("sync `add`, `call`", &sync_add, Call::Sync),
        (
            "async `add` (callback), one `run_concurrent` per call",
            &async_add,
            Call::EachConcurrent,
        ),
        (
            "async `add` (callback), calls in one `run_concurrent`",
            &async_add,
            Call::AllConcurrent,
        ),
    ] {
        let ns = add_ns(&runtime, wasm, how);
        println!("| host → guest call, {what} | {ns:.0} ns |");
    }
    for (what, caller, callee) in [
        ("sync → sync", "sync-sync", "sync"),
        (
            "sync → async (a sync-lowered call of an `async func` lifted async with a callback)",
            "sync-async",
            "async",
        ),
        (
            "async → sync (from a caller lifted async)",
            "async-sync",
            "sync",
        ),
        (
            "async → async (an async-lowered call, a subtask that returns at once)",
            "async-async",
            "async",
        ),
    ] {
        let ns = cross_ns(&runtime, caller, callee, None);
        println!("| cross-component call, {what} | {ns:.0} ns |");
    }
    // What `--trace` costs a call across a link (BENCHMARKS.md "Tracing").
    for (what, trace) in [
        ("untraced", None),
        (
            "traced, `--trace-values none`",
            Some(weld_run::Detail::None),
        ),
        (
            "traced, `--trace-values short`",
            Some(weld_run::Detail::Short),
        ),
    ] {
        let ns = cross_ns(&runtime, "sync-sync", "sync", trace);
        println!("| tiny cross-component call (`id: func(x: u32) -> u32`), {what} | {ns:.0} ns |");
        let us = app_run_us(&runtime, trace);
        println!(
            "| the WAT app's `run` (a 2×1 `grayscale` and a `resize` across the link), {what} | {us:.2} µs |"
        );
    }
}
