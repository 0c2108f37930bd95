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
use wasm_encoder::{
    BlockType, CodeSection, ConstExpr, DataSection, EntityType, ExportKind, ExportSection,
    Function, FunctionSection, GlobalSection, GlobalType, Ieee32, Ieee64, ImportSection,
    InstructionSink, MemArg, MemorySection, MemoryType, Module, TypeSection, ValType,
};
use weld_wit::wit_parser::abi::{WasmSignature, WasmType};

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
    /// `[resource-new]`: a handle of its own for a host handle.
    pub new: Import,
    /// The host's `[resource-drop]`.
    pub drop: Import,
    /// The export name of the destructor.
    pub dtor: String,
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

/// What a function does.
#[derive(Debug, Clone)]
pub enum Body {
    Trap,
    /// Returns this core value: a small result, or the address of a larger
    /// one in static data.
    Return(Flat),
    /// Calls the host's own function.
    Forward {
        import: Import,
        /// The size and alignment of the result, when it is returned
        /// through memory.
        result: Option<(usize, usize)>,
        wrap: Wrap,
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
    memory: &str,
    realloc: &str,
) -> Vec<u8> {
    let heap_start = data.end().next_multiple_of(8);
    let mut types = Types::default();
    let mut imports = ImportSection::new();
    let mut import = |import: &Import, types: &mut Types| {
        let ty = types.of(&import.params, &import.results);
        imports.import(&import.module, &import.name, EntityType::Function(ty));
        imports.len() - 1
    };

    // Imported functions come first in the function index space.
    let mut forwarded = Vec::new();
    for export in exports {
        if let Body::Forward { import: i, .. } = &export.body {
            forwarded.push(import(i, &mut types));
        }
    }
    let news: Vec<u32> = resources
        .iter()
        .map(|r| import(&r.new, &mut types))
        .collect();
    let drops: Vec<u32> = resources
        .iter()
        .map(|r| import(&r.drop, &mut types))
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

    let mut forwarded = forwarded.into_iter();
    for export in exports {
        let params = export.signature.params.len() as u32;
        let ty = types.of(&export.signature.params, &export.signature.results);
        let body = match &export.body {
            Body::Forward {
                result,
                wrap,
                post_return,
                ..
            } => {
                let callee = forwarded.next().expect("one import per forwarded function");
                let body = forward_body(params, callee, *result, wrap, realloc_index, &news);
                let free_ty = types.of(&export.signature.results, &[]);
                let mut free = Function::new([]);
                free.instructions()
                    .i32_const(heap_start as i32)
                    .global_set(0)
                    .end();
                let index = define(ty, &body, &mut code);
                export_section.export(&export.name, ExportKind::Func, index);
                let index = define(free_ty, &free, &mut code);
                export_section.export(post_return, ExportKind::Func, index);
                continue;
            }
            Body::Trap | Body::Return(_) => {
                let mut body = Function::new([]);
                let mut sink = body.instructions();
                // The arguments the caller stored on the heap are never
                // read: each call starts the heap afresh.
                sink.i32_const(heap_start as i32).global_set(0);
                match &export.body {
                    Body::Return(Flat::I32(v)) => sink.i32_const(*v),
                    Body::Return(Flat::I64(v)) => sink.i64_const(*v),
                    Body::Return(Flat::F32(v)) => sink.f32_const(Ieee32::from(*v)),
                    Body::Return(Flat::F64(v)) => sink.f64_const(Ieee64::from(*v)),
                    _ => sink.unreachable(),
                };
                sink.end();
                body
            }
        };
        let index = define(ty, &body, &mut code);
        export_section.export(&export.name, ExportKind::Func, index);
    }

    // A destructor drops the host's handle the representation is; weld's
    // own objects (negative representations) hold nothing of the host's.
    let dtor_ty = types.of(&[WasmType::I32], &[]);
    for (resource, drop) in resources.iter().zip(&drops) {
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
        export_section.export(&resource.dtor, ExportKind::Func, index);
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
    module.finish()
}

/// Calls the host's function with the same arguments; borrowed handles
/// are the host's already. The heap is freed after the caller has read the
/// result.
fn forward_body(
    params: u32,
    callee: u32,
    result: Option<(usize, usize)>,
    wrap: &Wrap,
    realloc: u32,
    news: &[u32],
) -> Function {
    let fixes = match wrap {
        Wrap::Memory(fixes) => fixes.as_slice(),
        _ => &[],
    };
    let area = params;
    let mut body = Function::new([(1 + Fix::locals(fixes), ValType::I32)]);
    let mut sink = body.instructions();
    if let Some((size, align)) = result {
        sink.i32_const(0)
            .i32_const(0)
            .i32_const(align as i32)
            .i32_const(size as i32)
            .call(realloc)
            .local_set(area);
    }
    for param in 0..params {
        sink.local_get(param);
    }
    if result.is_some() {
        sink.local_get(area);
    }
    sink.call(callee);
    match wrap {
        Wrap::None => {}
        Wrap::Flat(resource) => {
            sink.call(news[*resource]);
        }
        Wrap::Memory(fixes) => {
            let mut next_local = area + 1;
            emit_fixes(&mut sink, fixes, area, &mut next_local, news);
        }
    }
    if result.is_some() {
        sink.local_get(area);
    }
    sink.end();
    body
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
                    .local_set(end)
                    .block(BlockType::Empty)
                    .loop_(BlockType::Empty)
                    .local_get(item)
                    .local_get(end)
                    .i32_ge_u()
                    .br_if(1);
                emit_fixes(sink, element, item, next_local, news);
                sink.local_get(item)
                    .i32_const(*element_size as i32)
                    .i32_add()
                    .local_set(item)
                    .br(0)
                    .end()
                    .end();
            }
        }
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
        .if_(BlockType::Empty)
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
