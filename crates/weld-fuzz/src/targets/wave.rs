//! WAVE arguments, as `weld invoke` and `weld test` read a call: wasmtime's
//! `wasm_wave` parses `f(...)` and types its arguments against the
//! function's parameters (`UntypedFuncCall::to_wasm_params`, as in
//! `weld_run::invoke::Session::call`). The functions are a fixed set
//! covering every kind of value; their wasmtime types come from a
//! component compiled once, never instantiated. A value that parsed must
//! print (`wasm_wave::to_string`, as `weld invoke` prints results) and
//! parse again to the same text. It must also lay out for the argument
//! layer (`weld_virt::arguments`, which `weld invoke` uses for large
//! files) at some address, and read back from there as a host reads a
//! call's core values and memory (`weld_run::show_params`) as the same
//! values.
//!
//! An input is two parts: a byte choosing the function, and the
//! arguments' text (`(...)`).

use super::Gen;
use crate::generators::{Package, wave_value};
use crate::input::{join, split};
use arbitrary::Unstructured;
use std::sync::OnceLock;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, Type, Val, wasm_wave};
use weld_wit::wit_parser::{Function, Resolve, WorldItem};

const WIT: &str = r#"
package weld-fuzz:wave;

world calls {
  record image { data: list<u8>, width: u32, height: u32 }
  variant shape { circle(f32), rect(tuple<u32, u32>), nothing }
  enum color { red, green, blue }
  flags perms { read, write, exec }

  export nothing: func();
  export scalars: func(a: bool, b: s8, c: u16, d: s32, e: u64, f: f32, g: f64, h: char);
  export text: func(s: string, l: list<string>);
  export grayscale: func(img: image) -> image;
  export resize: func(img: image, new-width: u32, new-height: u32) -> image;
  export nested: func(o: option<option<u8>>, r: result<list<s64>, string>, t: tuple<color, perms, shape>);
  export results: func(a: result, b: result<_, color>, c: result<u8>);
  export lists: func(a: list<list<shape>>, b: list<option<image>>);
  export wide: func(a: tuple<u64, u64, u64, u64, u64, u64, u64, u64, u8>, b: tuple<f32, f64, f32, f64, s8, s16, s32, s64, result<f32, u64>>, c: option<string>);
}
"#;

/// The functions, with their WIT (to write arguments) and wasmtime
/// (to read them) parameter types.
struct Calls {
    resolve: Resolve,
    functions: Vec<(Function, Vec<Type>)>,
}

fn calls() -> &'static Calls {
    static CALLS: OnceLock<Calls> = OnceLock::new();
    CALLS.get_or_init(|| {
        let mut resolve = Resolve::default();
        let id = resolve.push_str("wave.wit", WIT).expect("the WIT parses");
        let world = resolve.select_world(&[id], None).expect("one world");
        let package = Package { resolve, id };
        let bytes = package.component(world).expect("a component of the world");
        let engine = wasmtime::Engine::default();
        let component = Component::new(&engine, bytes).expect("the component compiles");
        let ty = component.component_type();
        let functions = package.resolve.worlds[world]
            .exports
            .values()
            .filter_map(|item| match item {
                WorldItem::Function(f) => Some(f.clone()),
                _ => None,
            })
            .map(|f| match ty.get_export(&engine, &f.name).map(|e| e.ty) {
                Some(ComponentItem::ComponentFunc(func)) => {
                    let params = func.params().map(|(_, ty)| ty).collect();
                    (f, params)
                }
                _ => panic!("the component exports `{}`", f.name),
            })
            .collect();
        Calls {
            resolve: package.resolve,
            functions,
        }
    })
}

pub fn generate(g: &mut Gen) -> Vec<u8> {
    let calls = calls();
    let index = g.rng.below(calls.functions.len());
    let (function, _) = &calls.functions[index];
    let entropy = g.entropy();
    let mut u = Unstructured::new(&entropy);
    let args: Option<Vec<String>> = function
        .params
        .iter()
        .map(|p| wave_value(&calls.resolve, &p.ty, &mut u, 0).ok().flatten())
        .collect();
    let text = format!("({})", args.unwrap_or_default().join(", "));
    let text = match g.rng.below(3) {
        0 => text.into_bytes(),
        _ => g.mutate_text(&[], &text),
    };
    join::<2>(&[&[index as u8], &text])
}

pub fn run(input: &[u8]) -> Result<(), String> {
    let [choice, args] = split(input);
    let calls = calls();
    let choice = choice.first().copied().unwrap_or(0);
    let index = choice as usize % calls.functions.len();
    let (function, types) = &calls.functions[index];
    let Ok(args) = std::str::from_utf8(args) else {
        return Ok(());
    };
    let parsed = wasm_wave::untyped::UntypedFuncCall::parse(&format!("f{args}"))
        .and_then(|call| call.to_wasm_params::<Val>(types.iter()));
    let Ok(values) = parsed else {
        return Ok(());
    };
    for (value, ty) in values.iter().zip(types) {
        let printed = wasm_wave::to_string(value)
            .map_err(|e| format!("a value read from `{args}` does not print: {e}"))?;
        let again = wasm_wave::from_str::<Val>(ty, &printed)
            .map_err(|e| format!("`{printed}`, printed from `{args}`, does not parse: {e}"))?;
        let reprinted = wasm_wave::to_string(&again).unwrap_or_default();
        if reprinted != printed {
            return Err(format!("`{printed}` parses back as `{reprinted}`"));
        }
    }
    // Aligned to 8 as the layer aligns it, near the start of memory or
    // near its end (where the list may not fit).
    let base = match choice & 0x80 != 0 {
        true => u32::MAX - 4095,
        false => 8 * (1 + args.len() as u32 % 4096),
    };
    laid_out_reads_back(function, types, args, &values, base)
}

/// Whether `args`, which WAVE read as `values`, lays out for the argument
/// layer at `base` and reads back from there as those values.
fn laid_out_reads_back(
    function: &Function,
    types: &[Type],
    args: &str,
    values: &[Val],
    base: u32,
) -> Result<(), String> {
    let resolve = &calls().resolve;
    let source = format!("f{args}");
    let parsed = wasm_wave::untyped::UntypedFuncCall::parse(&source).map_err(|e| e.to_string())?;
    let nodes: Vec<&wasm_wave::ast::Node> = match parsed.params_node() {
        Some(params) => params.as_tuple().map_err(|e| e.to_string())?.collect(),
        None => Vec::new(),
    };
    let laid =
        weld_virt::arguments::lay_out_call(resolve, function, &nodes, &source, &mut |_| None)
            .map_err(|(e, _)| format!("WAVE reads `{args}`, the argument layer refuses it: {e}"))?;
    let Some(memory) = laid.at(base) else {
        return Ok(());
    };
    let flat: Vec<u64> = match weld_virt::arguments::flat_params(resolve, function) {
        Some(params) => memory
            .chunks(8)
            .take(params.len())
            .map(|slot| u64::from_le_bytes(slot.try_into().unwrap_or_default()))
            .collect(),
        None => vec![u64::from(base)],
    };
    let wit_types: Vec<_> = function.params.iter().map(|p| p.ty).collect();
    let shown = weld_run::show_params(resolve, &wit_types, &flat, &memory, base);
    let back = wasm_wave::untyped::UntypedFuncCall::parse(&format!("f({shown})"))
        .and_then(|call| call.to_wasm_params::<Val>(types.iter()))
        .map_err(|e| {
            format!("`{args}` laid out reads back as `{shown}`, which WAVE cannot read: {e}")
        })?;
    for (value, again) in values.iter().zip(&back) {
        let (value, again) = (wasm_wave::to_string(value), wasm_wave::to_string(again));
        if value.is_err() || value.as_ref().ok() != again.as_ref().ok() {
            return Err(format!("`{args}` laid out reads back as `{shown}`"));
        }
    }
    Ok(())
}
