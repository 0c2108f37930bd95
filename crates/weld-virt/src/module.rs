//! The core module of a virtual component: memory, a bump allocator, and
//! one function per WIT function that traps, returns a constant laid out
//! at build time, or calls the host's own function. Made with wasm-encoder; no compiler is involved.

use crate::layout::{BASE, Data, Flat};
use wasm_encoder::{
    CodeSection, ConstExpr, DataSection, EntityType, ExportKind, ExportSection, Function,
    FunctionSection, GlobalSection, GlobalType, Ieee32, Ieee64, ImportSection, MemorySection,
    MemoryType, Module, TypeSection, ValType,
};
use weld_wit::wit_parser::abi::{WasmSignature, WasmType};

/// What a function does.
#[derive(Debug, Clone)]
pub enum Body {
    Trap,
    /// Returns this core value: a small result, or the address of a larger
    /// one in static data.
    Return(Flat),
    /// Calls the same function imported from the host, as module and name,
    /// with the import's signature.
    Forward {
        module: String,
        name: String,
        signature: WasmSignature,
        /// The size and alignment of the result, when it is returned
        /// through memory.
        result: Option<(usize, usize)>,
        /// The name of the post-return function, which frees the heap.
        post_return: String,
    },
}

/// One function of the module.
pub struct Export {
    pub name: String,
    pub signature: WasmSignature,
    pub body: Body,
}

const PAGE: u32 = 65536;

/// The module: static `data` at `BASE`, the heap after it.
pub fn encode(data: &Data, exports: &[Export], memory: &str, realloc: &str) -> Vec<u8> {
    let heap_start = data.end().next_multiple_of(8);
    let mut types = TypeSection::new();
    let mut imports = ImportSection::new();
    let mut functions = FunctionSection::new();
    let mut code = CodeSection::new();
    let mut export_section = ExportSection::new();
    let mut signature = |params: &[WasmType], results: &[WasmType]| {
        types.ty().function(
            params.iter().map(|t| val_type(*t)),
            results.iter().map(|t| val_type(*t)),
        );
        types.len() - 1
    };

    // Imported functions come first in the function index space.
    let forwarded: Vec<&Export> = exports
        .iter()
        .filter(|e| matches!(e.body, Body::Forward { .. }))
        .collect();
    for export in &forwarded {
        if let Body::Forward {
            module,
            name,
            signature: sig,
            ..
        } = &export.body
        {
            let ty = signature(&sig.params, &sig.results);
            imports.import(module, name, EntityType::Function(ty));
        }
    }
    let imported = forwarded.len() as u32;
    let mut next = imported;
    let mut define = |ty: u32, body: &Function, code: &mut CodeSection| {
        functions.function(ty);
        code.function(body);
        next += 1;
        next - 1
    };

    // cabi_realloc(old, old_size, align, new_size).
    let ty = signature(&[WasmType::I32; 4], &[WasmType::I32]);
    let realloc_index = define(ty, &realloc_body(), &mut code);
    export_section.export(realloc, ExportKind::Func, realloc_index);

    let mut import_index = 0;
    for export in exports {
        let ty = signature(&export.signature.params, &export.signature.results);
        let mut body = Function::new(match &export.body {
            Body::Forward {
                result: Some(_), ..
            } => vec![(1, ValType::I32)],
            _ => Vec::new(),
        });
        let mut sink = body.instructions();
        match &export.body {
            Body::Forward { result, .. } => {
                // The arguments on the heap are read by the host; the heap
                // is freed after the caller has read the result.
                let area = export.signature.params.len() as u32;
                if let Some((size, align)) = result {
                    sink.i32_const(0)
                        .i32_const(0)
                        .i32_const(*align as i32)
                        .i32_const(*size as i32)
                        .call(realloc_index)
                        .local_set(area);
                }
                for param in 0..export.signature.params.len() as u32 {
                    sink.local_get(param);
                }
                if result.is_some() {
                    sink.local_get(area);
                }
                sink.call(import_index);
                import_index += 1;
                if result.is_some() {
                    sink.local_get(area);
                }
            }
            body => {
                // The arguments the caller stored on the heap are never
                // read: each call starts the heap afresh.
                sink.i32_const(heap_start as i32).global_set(0);
                match body {
                    Body::Return(Flat::I32(v)) => sink.i32_const(*v),
                    Body::Return(Flat::I64(v)) => sink.i64_const(*v),
                    Body::Return(Flat::F32(v)) => sink.f32_const(Ieee32::from(*v)),
                    Body::Return(Flat::F64(v)) => sink.f64_const(Ieee64::from(*v)),
                    _ => sink.unreachable(),
                };
            }
        }
        sink.end();
        let index = define(ty, &body, &mut code);
        export_section.export(&export.name, ExportKind::Func, index);
        if let Body::Forward { post_return, .. } = &export.body {
            let ty = signature(&export.signature.results, &[]);
            let mut free = Function::new([]);
            free.instructions()
                .i32_const(heap_start as i32)
                .global_set(0)
                .end();
            let index = define(ty, &free, &mut code);
            export_section.export(post_return, ExportKind::Func, index);
        }
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
    let mut globals = GlobalSection::new();
    globals.global(
        GlobalType {
            val_type: ValType::I32,
            mutable: true,
            shared: false,
        },
        &ConstExpr::i32_const(heap_start as i32),
    );
    let mut data_section = DataSection::new();
    data_section.active(
        0,
        &ConstExpr::i32_const(BASE as i32),
        data.bytes.iter().copied(),
    );

    let mut module = Module::new();
    module.section(&types);
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
    module.finish()
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
    s.global_get(0)
        .local_get(align)
        .i32_add()
        .i32_const(1)
        .i32_sub()
        .i32_const(0)
        .local_get(align)
        .i32_sub()
        .i32_and()
        .local_set(at);
    s.local_get(at).local_get(new_size).i32_add().global_set(0);
    // Grow memory by what the heap now overruns, rounded up to pages.
    s.global_get(0)
        .memory_size(0)
        .i32_const(16)
        .i32_shl()
        .i32_gt_u()
        .if_(wasm_encoder::BlockType::Empty)
        .global_get(0)
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
        .if_(wasm_encoder::BlockType::Empty)
        .unreachable()
        .end()
        .end();
    s.local_get(old_size)
        .if_(wasm_encoder::BlockType::Empty)
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
