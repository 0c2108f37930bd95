//! The image processors do the real work the WIT specifies: each one, made
//! into a component by `weld new`, is checked byte for byte against a
//! reference implementation on wasmtime, and the self-checking WAT app is
//! run against them.

mod common;

use wasmtime::component::{Component, ComponentType, Lift, Linker, Lower, TypedFunc};
use wasmtime::{Engine, Store};

#[derive(ComponentType, Lift, Lower, Clone, Debug, PartialEq)]
#[component(record)]
struct Image {
    data: Vec<u8>,
    width: u32,
    height: u32,
}

/// The semantics written in `wit/image-processor.wit`.
fn grayscale(img: &Image) -> Image {
    let mut data = img.data.clone();
    for px in data.chunks_exact_mut(4) {
        let y =
            ((77 * u32::from(px[0]) + 150 * u32::from(px[1]) + 29 * u32::from(px[2])) >> 8) as u8;
        px[..3].fill(y);
    }
    Image { data, ..*img }
}

fn resize(img: &Image, width: u32, height: u32) -> Image {
    let mut data = Vec::with_capacity(width as usize * height as usize * 4);
    for y in 0..u64::from(height) {
        for x in 0..u64::from(width) {
            if img.data.is_empty() {
                data.extend([0; 4]);
                continue;
            }
            let sx = x * u64::from(img.width) / u64::from(width);
            let sy = y * u64::from(img.height) / u64::from(height);
            let at = ((sy * u64::from(img.width) + sx) * 4) as usize;
            data.extend_from_slice(&img.data[at..at + 4]);
        }
    }
    Image {
        data,
        width,
        height,
    }
}

/// A deterministic image with every byte value represented.
fn test_image(width: u32, height: u32) -> Image {
    let mut state = 0x2545_f491_u32 ^ width.wrapping_mul(31) ^ height;
    let data = (0..width * height * 4)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect();
    Image {
        data,
        width,
        height,
    }
}

struct Processor {
    store: Store<()>,
    grayscale: TypedFunc<(Image,), (Image,)>,
    resize: TypedFunc<(Image, u32, u32), (Image,)>,
}

/// Every processor, by name, as a component built with `weld new`.
fn processors() -> Vec<(&'static str, Processor)> {
    let dir = tempfile::tempdir().unwrap();
    let wat = common::build_wat_fixture("processor", dir.path());
    let c = dir.path().join("c-processor.wasm");
    common::weld_ok(&[
        "new",
        "tests/cli/inputs/c-processor.core.wasm",
        "-o",
        c.to_str().unwrap(),
    ]);
    vec![("wat", processor(&wat)), ("c", processor(&c))]
}

fn processor(path: &std::path::Path) -> Processor {
    let engine = Engine::default();
    let component = Component::from_file(&engine, path).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &component)
        .unwrap();
    let process = instance
        .get_export_index(&mut store, None, "my:image-processor/process")
        .unwrap();
    let func = |store: &mut Store<()>, name| {
        let index = instance
            .get_export_index(&mut *store, Some(&process), name)
            .unwrap();
        instance.get_func(&mut *store, index).unwrap()
    };
    let grayscale = func(&mut store, "grayscale").typed(&store).unwrap();
    let resize = func(&mut store, "resize").typed(&store).unwrap();
    Processor {
        store,
        grayscale,
        resize,
    }
}

#[test]
fn grayscale_matches_the_specification() {
    for (name, mut p) in processors() {
        for (w, h) in [(1, 1), (63, 17), (0, 0), (0, 5), (640, 480)] {
            let img = test_image(w, h);
            let (got,) = p.grayscale.call(&mut p.store, (img.clone(),)).unwrap();
            assert_eq!(got, grayscale(&img), "{name}: grayscale of {w}x{h}");
        }
    }
}

#[test]
fn resize_matches_the_specification() {
    let cases = [
        ((63, 17), (31, 8)),
        ((63, 17), (1, 1)),
        ((63, 17), (100, 50)),
        ((1, 1), (3, 2)),
        ((5, 3), (0, 4)),
        ((0, 0), (3, 2)),
        ((640, 480), (320, 240)),
    ];
    for (name, mut p) in processors() {
        // Many calls in a row also show that each result is freed.
        for _ in 0..20 {
            for ((w, h), (nw, nh)) in cases {
                let img = test_image(w, h);
                let (got,) = p.resize.call(&mut p.store, (img.clone(), nw, nh)).unwrap();
                assert_eq!(
                    got,
                    resize(&img, nw, nh),
                    "{name}: resize {w}x{h} to {nw}x{nh}"
                );
            }
        }
    }
}

#[test]
fn an_image_of_the_wrong_length_traps() {
    for (name, mut p) in processors() {
        let bad = Image {
            data: vec![1, 2, 3],
            width: 1,
            height: 1,
        };
        let err = p.grayscale.call(&mut p.store, (bad,)).unwrap_err();
        let trap = err.downcast_ref::<wasmtime::Trap>();
        assert_eq!(
            trap,
            Some(&wasmtime::Trap::UnreachableCodeReached),
            "{name}: {err:?}"
        );
    }
}

/// The app's imports are host functions that forward to a processor,
/// standing in for the composition that `weld plug` will do.
#[test]
fn app_checks_itself_against_each_processor() {
    let dir = tempfile::tempdir().unwrap();
    let app_path = common::build_wat_fixture("app", dir.path());
    for (name, processor) in processors() {
        assert_eq!(run_app(&app_path, processor), Ok(()), "app against {name}");
    }
}

fn run_app(app_path: &std::path::Path, processor: Processor) -> Result<(), ()> {
    let Processor {
        mut store,
        grayscale,
        resize,
    } = processor;
    let engine = store.engine().clone();
    let mut linker = Linker::<()>::new(&engine);
    let mut process = linker.instance("my:image-processor/process").unwrap();
    process
        .func_wrap("grayscale", move |store, (img,): (Image,)| {
            grayscale.call(store, (img,))
        })
        .unwrap();
    process
        .func_wrap("resize", move |store, (img, w, h): (Image, u32, u32)| {
            resize.call(store, (img, w, h))
        })
        .unwrap();
    let app = Component::from_file(&engine, app_path).unwrap();
    let instance = linker.instantiate(&mut store, &app).unwrap();
    let run_iface = instance
        .get_export_index(&mut store, None, "wasi:cli/run@0.2.12")
        .unwrap();
    let run = instance
        .get_export_index(&mut store, Some(&run_iface), "run")
        .unwrap();
    let run = instance
        .get_typed_func::<(), (Result<(), ()>,)>(&mut store, run)
        .unwrap();
    run.call(&mut store, ()).unwrap().0
}
