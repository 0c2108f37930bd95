//! `--mount GUEST=HOSTDIR`: a host directory embedded read-only in the
//! virtual component when it is built, served through `wasi:filesystem`
//! by generated code. Descriptors, file streams and directory streams are
//! weld's own objects (negative representations); opening, reading,
//! seeking, `stat` and listing work, and whatever would write fails with
//! `read-only`.
//!
//! The tree lies in static data: a table of nodes (`NODE` bytes each, a
//! directory's children next to each other, names and file contents
//! elsewhere), and for each node the results `stat`, `get-type`,
//! `metadata-hash` and a directory listing return, laid out at build time.

use crate::layout::{Data, Flat, Layout};
use crate::module::{Body, close_loop, open_loop};
use std::path::PathBuf;
use wasm_encoder::{BlockType, InstructionSink, MemArg};
use weld_wit::wit_parser::{Function, Type, TypeDefKind};

/// Bytes per node: kind, name, contents or children, and the addresses
/// of its precomputed results.
pub const NODE: u32 = 36;
/// Where node fields lie.
const KIND: u64 = 0;
const NAME: u64 = 4;
const NAME_LEN: u64 = 8;
/// A file's contents, or a directory's first child.
const DATA: u64 = 12;
/// A file's size, or a directory's number of children.
const SIZE: u64 = 16;
/// The precomputed results of `stat`, `get-type`, `metadata-hash`, and
/// the node's entry in its directory's listing.
pub const STAT: u64 = 20;
pub const TYPE: u64 = 24;
pub const HASH: u64 = 28;
const ENTRY: u64 = 32;

/// Descriptor `n` of the tree has representation `-(BASE + n)`, and so does
/// stream slot `n`, in their own resources.
pub const BASE: i32 = 0x100;
/// The most a mounted tree's files may add up to: the component's memory
/// is 32-bit, and its data is compiled in.
const MAX_SIZE: usize = 1 << 30;
/// How many file and directory streams may be open at once; the oldest
/// slot is reused after that.
pub const SLOTS: u32 = 4096;

/// `descriptor-type` cases.
const DIRECTORY: u32 = 3;
const REGULAR_FILE: u32 = 6;

/// One file or directory of the tree.
#[derive(Debug)]
struct Node {
    name: String,
    parent: usize,
    contents: Contents,
}

#[derive(Debug)]
enum Contents {
    File(Vec<u8>),
    /// The first child and how many there are.
    Directory(usize, usize),
}

/// The mounted trees: their roots' nodes and guest paths.
#[derive(Debug, Default)]
pub struct Tree {
    nodes: Vec<Node>,
    pub roots: Vec<(usize, String)>,
    /// Links that lead nowhere, left out.
    pub skipped: Vec<PathBuf>,
}

impl Tree {
    /// Reads the host directories, breadth first, so that a directory's
    /// children are next to each other; entries sorted by name.
    pub fn read(mounts: &[(String, PathBuf)]) -> Result<Tree, (PathBuf, std::io::Error)> {
        let mut tree = Tree::default();
        let mut queue = std::collections::VecDeque::new();
        for (guest, host) in mounts {
            let root = tree.nodes.len();
            tree.nodes.push(Node {
                name: String::new(),
                parent: root,
                contents: Contents::Directory(0, 0),
            });
            tree.roots.push((root, guest.clone()));
            queue.push_back((root, host.clone()));
        }
        // A link back up the tree would have it go on for ever; and the
        // tree must fit in a 32-bit memory.
        let mut seen = std::collections::HashSet::new();
        let mut size = 0usize;
        let invalid = |path: &PathBuf, message: &str| {
            (
                path.clone(),
                std::io::Error::new(std::io::ErrorKind::InvalidInput, message),
            )
        };
        while let Some((node, dir)) = queue.pop_front() {
            let fail = |e| (dir.clone(), e);
            if !seen.insert(std::fs::canonicalize(&dir).map_err(fail)?) {
                return Err(invalid(
                    &dir,
                    "a link leads back to a directory already mounted",
                ));
            }
            let mut entries: Vec<_> = std::fs::read_dir(&dir)
                .map_err(fail)?
                .collect::<Result<_, _>>()
                .map_err(fail)?;
            entries.sort_by_key(|e| e.file_name());
            let first = tree.nodes.len();
            for entry in &entries {
                let path = entry.path();
                // Links are followed: the guest sees what they point to. A
                // link to nothing is left out (and reported), not the
                // end of the whole mount.
                let meta = match std::fs::metadata(&path) {
                    Err(e)
                        if e.kind() == std::io::ErrorKind::NotFound
                            && entry.path().is_symlink() =>
                    {
                        tree.skipped.push(path);
                        continue;
                    }
                    meta => meta.map_err(|e| (path.clone(), e))?,
                };
                let contents = if meta.is_dir() {
                    queue.push_back((tree.nodes.len(), path.clone()));
                    Contents::Directory(0, 0)
                } else {
                    // Only regular files: a FIFO would block for ever and
                    // `/dev/zero` would never end.
                    let bytes = weld_wit::files::read_regular(&path, MAX_SIZE as u64)
                        .map_err(|e| (path.clone(), std::io::Error::other(e.to_string())))?;
                    size += bytes.len();
                    if size > MAX_SIZE {
                        return Err(invalid(&path, "the mounted files exceed 1 GiB"));
                    }
                    Contents::File(bytes)
                };
                tree.nodes.push(Node {
                    name: entry.file_name().to_string_lossy().into_owned(),
                    parent: node,
                    contents,
                });
            }
            tree.nodes[node].contents = Contents::Directory(first, entries.len());
        }
        Ok(tree)
    }

    /// Lays the tree out in static data; the address of its node table.
    /// `result` gives the result types of `stat`, `get-type`,
    /// `metadata-hash` and `read-directory-entry`.
    pub fn lay_out(
        &self,
        layout: &Layout<'_>,
        data: &mut Data,
        results: &Results,
    ) -> Result<u32, String> {
        let table = data.alloc(self.nodes.len() * NODE as usize, 4);
        for (i, node) in self.nodes.iter().enumerate() {
            let at = table + i as u32 * NODE;
            let name = data.alloc(node.name.len(), 1);
            data.put(name, node.name.as_bytes());
            let (kind, contents, size) = match &node.contents {
                Contents::File(bytes) => {
                    let address = data.alloc(bytes.len(), 1);
                    data.put(address, bytes);
                    (REGULAR_FILE, address, bytes.len() as u32)
                }
                Contents::Directory(first, count) => (DIRECTORY, *first as u32, *count as u32),
            };
            let kind_name = if kind == DIRECTORY {
                "directory"
            } else {
                "regular-file"
            };
            let file_size = match &node.contents {
                Contents::File(bytes) => bytes.len(),
                Contents::Directory(..) => 0,
            };
            // A result the component cannot ask for is left out (0).
            let mut place = |ty: &Option<Type>, wave: String| match ty {
                Some(ty) => layout.place_wave(data, ty, &wave),
                None => Ok(0),
            };
            let stat = place(
                &results.stat,
                format!(
                    "ok({{type: {kind_name}, link-count: 1, size: {file_size}, \
                     data-access-timestamp: none, data-modification-timestamp: none, \
                     status-change-timestamp: none}})"
                ),
            )?;
            let ty = place(&results.get_type, format!("ok({kind_name})"))?;
            let hash = place(&results.hash, format!("ok({{lower: {}, upper: 0}})", i + 1))?;
            let entry = place(
                &results.entry,
                format!("ok(some({{type: {kind_name}, name: {:?}}}))", node.name),
            )?;
            for (field, value) in [
                (KIND, kind),
                (NAME, name),
                (NAME_LEN, node.name.len() as u32),
                (DATA, contents),
                (SIZE, size),
                (STAT, stat),
                (TYPE, ty),
                (HASH, hash),
                (ENTRY, entry),
            ] {
                data.put(at + field as u32, &value.to_le_bytes());
            }
        }
        Ok(table)
    }

    /// The parent of each node, for `..`.
    pub fn parents(&self) -> Vec<u32> {
        self.nodes.iter().map(|n| n.parent as u32).collect()
    }
}

/// The result types the tree's precomputed results have, for the
/// functions the component imports.
pub struct Results {
    pub stat: Option<Type>,
    pub get_type: Option<Type>,
    pub hash: Option<Type>,
    pub entry: Option<Type>,
}

/// A memory access at `offset`.
pub fn at(offset: u64, align: u32) -> MemArg {
    MemArg {
        offset,
        align,
        memory_index: 0,
    }
}

/// Pushes the address of node field `field` of the node in local `node`.
pub fn field(sink: &mut InstructionSink<'_>, table: u32, node: u32) {
    sink.local_get(node)
        .i32_const(NODE as i32)
        .i32_mul()
        .i32_const(table as i32)
        .i32_add();
}

/// Loads node field `field` of the node in local `node`.
pub fn load(sink: &mut InstructionSink<'_>, table: u32, node: u32, field_offset: u64) {
    field(sink, table, node);
    sink.i32_load(at(field_offset, 2));
}

/// Sets local `node` to the node a representation in local `rep` stands
/// for: `-rep - BASE`.
pub fn node_of(sink: &mut InstructionSink<'_>, rep: u32, node: u32) {
    sink.i32_const(-BASE)
        .local_get(rep)
        .i32_sub()
        .local_set(node);
}

/// Resolves the path at (`ptr`, `len`) from directory node `dir` into
/// local `found`: the node, or -1. Components are separated by `/`; `.`
/// stays, `..` goes up but never above a mount's root. Uses the locals
/// `scratch` .. `scratch + 6`.
fn resolve(
    sink: &mut InstructionSink<'_>,
    m: &Module<'_>,
    dir: u32,
    (ptr, len): (u32, u32),
    found: u32,
    scratch: u32,
) {
    let (table, parents) = (m.table, m.parents);
    let (i, start, part, child, end, j) = (
        scratch,
        scratch + 1,
        scratch + 2,
        scratch + 3,
        scratch + 4,
        scratch + 5,
    );
    let byte = |sink: &mut InstructionSink<'_>, index: u32| {
        sink.local_get(ptr)
            .local_get(index)
            .i32_add()
            .i32_load8_u(at(0, 0));
    };
    sink.local_get(dir)
        .local_set(found)
        .i32_const(0)
        .local_set(i);
    // For each component:
    sink.block(BlockType::Empty).loop_(BlockType::Empty);
    {
        // Skip slashes.
        open_loop(sink, i, len);
        byte(sink, i);
        sink.i32_const(b'/' as i32).i32_ne().br_if(1);
        close_loop(sink, i, 1);
        // The end of the path: found.
        sink.local_get(i).local_get(len).i32_ge_u().br_if(1);
        // The component: [start, i).
        sink.local_get(i).local_set(start);
        open_loop(sink, i, len);
        byte(sink, i);
        sink.i32_const(b'/' as i32).i32_eq().br_if(1);
        close_loop(sink, i, 1);
        sink.local_get(i).local_get(start).i32_sub().local_set(part);
        // `.`: stay.
        sink.local_get(part).i32_const(1).i32_eq();
        byte(sink, start);
        sink.i32_const(b'.' as i32).i32_eq().i32_and().br_if(0);
        // `..`: the parent (a root is its own).
        sink.local_get(part).i32_const(2).i32_eq();
        byte(sink, start);
        sink.i32_const(b'.' as i32).i32_eq().i32_and();
        sink.local_get(ptr)
            .local_get(start)
            .i32_add()
            .i32_load8_u(at(1, 0))
            .i32_const(b'.' as i32)
            .i32_eq()
            .i32_and()
            .if_(BlockType::Empty)
            .local_get(found)
            .i32_const(4)
            .i32_mul()
            .i32_const(parents as i32)
            .i32_add()
            .i32_load(at(0, 2))
            .local_set(found)
            .br(1)
            .end();
        // Only a directory has children.
        load(sink, table, found, KIND);
        sink.i32_const(DIRECTORY as i32)
            .i32_ne()
            .if_(BlockType::Empty)
            .i32_const(-1)
            .local_set(found)
            .br(2)
            .end();
        load(sink, table, found, DATA);
        sink.local_tee(child);
        load(sink, table, found, SIZE);
        sink.i32_add().local_set(end).i32_const(-1).local_set(found);
        // Each child: is its name the component?
        open_loop(sink, child, end);
        load(sink, table, child, NAME_LEN);
        sink.local_get(part).i32_eq().if_(BlockType::Empty);
        {
            sink.i32_const(0).local_set(j);
            sink.block(BlockType::Empty).loop_(BlockType::Empty);
            // All bytes equal: this child.
            sink.local_get(j)
                .local_get(part)
                .i32_ge_u()
                .if_(BlockType::Empty)
                .local_get(child)
                .local_set(found)
                .br(5)
                .end();
            load(sink, table, child, NAME);
            sink.local_get(j).i32_add().i32_load8_u(at(0, 0));
            sink.local_get(ptr)
                .local_get(start)
                .i32_add()
                .local_get(j)
                .i32_add()
                .i32_load8_u(at(0, 0))
                .i32_ne()
                .br_if(1);
            close_loop(sink, j, 1);
        }
        sink.end();
        close_loop(sink, child, 1);
        // No such child: not found.
        sink.local_get(found).i32_const(0).i32_lt_s().br_if(1);
        sink.br(0);
    }
    sink.end().end();
}

/// An operation on weld's own descriptors and streams. Addresses are of
/// static data; `payload` is the offset of a `result`'s payload.
#[derive(Debug, Clone)]
pub enum Op {
    /// `open-at(self, path-flags, path, open-flags, flags)`: a descriptor
    /// of resource number `resource`, or one of the errors.
    OpenAt {
        resource: usize,
        payload: u32,
        not_found: u32,
        read_only: u32,
        not_directory: u32,
    },
    /// `stat-at` and `metadata-hash-at(self, path-flags, path)`: the
    /// precomputed result in node field `field`.
    At { field: u64, not_found: u32 },
    /// `stat`, `get-type`, `metadata-hash(self)`: the precomputed result.
    Precomputed { field: u64 },
    /// `read-via-stream(self, offset)` on a file, `read-directory(self)` on
    /// a directory: a stream of resource number `resource` in a new slot.
    OpenStream {
        resource: usize,
        payload: u32,
        directory: bool,
        wrong_kind: u32,
    },
    /// `read` and `blocking-read(self, len)` on a file stream.
    StreamRead { payload: u32, closed: u32 },
    /// `skip` and `blocking-skip(self, len)` on a file stream.
    StreamSkip { payload: u32, closed: u32 },
    /// `read-directory-entry(self)`: the next child's precomputed entry.
    NextEntry { end: u32 },
    /// `read(self, length, offset)` on a file descriptor.
    Read {
        size: u32,
        payload: u32,
        list: u32,
        eof: u32,
        wrong_kind: u32,
    },
    /// `is-same-object(self, other)`.
    SameObject,
}

/// What generating an operation needs from the module.
pub struct Module<'a> {
    pub table: u32,
    pub parents: u32,
    pub slots: u32,
    pub realloc: u32,
    pub news: &'a [u32],
    /// The global counting stream slots.
    pub slot_counter: u32,
}

impl Op {
    /// How many locals it needs.
    pub const LOCALS: u32 = 10;

    /// The code of the operation, leaving the function's result. Its
    /// locals start at `local`.
    pub fn emit(&self, m: &Module<'_>, sink: &mut InstructionSink<'_>, local: u32) {
        let (node, found, area, scratch) = (local, local + 1, local + 2, local + 3);
        let alloc = |sink: &mut InstructionSink<'_>, size: u32, align: u32| {
            sink.i32_const(0)
                .i32_const(0)
                .i32_const(align as i32)
                .i32_const(size as i32)
                .call(m.realloc)
                .local_set(area);
        };
        // `ok(handle)`, a new handle of `resource` for rep -(BASE + index).
        let ok_handle = |sink: &mut InstructionSink<'_>, resource: usize, index: u32, payload| {
            alloc(sink, 8 + payload, 4);
            sink.local_get(area).i32_const(0).i32_store8(at(0, 0));
            sink.local_get(area)
                .i32_const(-BASE)
                .local_get(index)
                .i32_sub()
                .call(m.news[resource])
                .i32_store(at(u64::from(payload), 2))
                .local_get(area);
        };
        let result = BlockType::Result(wasm_encoder::ValType::I32);
        match self {
            Op::OpenAt {
                resource,
                payload,
                not_found,
                read_only,
                not_directory,
            } => {
                // create, exclusive or truncate; or write, mutate-directory.
                sink.local_get(4)
                    .i32_const(0b1101)
                    .i32_and()
                    .local_get(5)
                    .i32_const(0b10_0010)
                    .i32_and()
                    .i32_or()
                    .if_(result)
                    .i32_const(*read_only as i32)
                    .else_();
                resolve_or(sink, m, (node, found, scratch), *not_found);
                // `directory` asked of a file.
                sink.local_get(4).i32_const(0b10).i32_and();
                load(sink, m.table, found, KIND);
                sink.i32_const(DIRECTORY as i32)
                    .i32_ne()
                    .i32_and()
                    .if_(result)
                    .i32_const(*not_directory as i32)
                    .else_();
                ok_handle(sink, *resource, found, *payload);
                sink.end().end().end();
            }
            Op::At { field, not_found } => {
                resolve_or(sink, m, (node, found, scratch), *not_found);
                load(sink, m.table, found, *field);
                sink.end();
            }
            Op::Precomputed { field } => {
                node_of(sink, 0, node);
                load(sink, m.table, node, *field);
            }
            Op::OpenStream {
                resource,
                payload,
                directory,
                wrong_kind,
            } => {
                let kind = if *directory { DIRECTORY } else { REGULAR_FILE };
                kind_or(sink, m, node, kind, *wrong_kind);
                // A slot: (node, position).
                let slot = found;
                sink.global_get(m.slot_counter)
                    .local_tee(slot)
                    .i32_const(1)
                    .i32_add()
                    .i32_const(SLOTS as i32)
                    .i32_rem_u()
                    .global_set(m.slot_counter);
                slot_address(sink, m.slots, slot);
                sink.local_get(node).i32_store(at(0, 2));
                slot_address(sink, m.slots, slot);
                if *directory {
                    sink.i64_const(0);
                } else {
                    sink.local_get(1);
                }
                sink.i64_store(at(8, 3));
                ok_handle(sink, *resource, slot, *payload);
                sink.end();
            }
            Op::StreamRead { payload, closed } | Op::StreamSkip { payload, closed } => {
                let (slot, position, size, count) = (found, scratch, scratch + 1, scratch + 2);
                cursor_of(sink, m.slots, slot, node, position);
                load(sink, m.table, node, SIZE);
                sink.local_set(size);
                // At the end: closed.
                sink.local_get(position)
                    .local_get(size)
                    .i32_ge_u()
                    .if_(result)
                    .i32_const(*closed as i32)
                    .else_();
                // count = min(len, size - position)
                sink.local_get(size)
                    .local_get(position)
                    .i32_sub()
                    .local_tee(count);
                sink.i64_extend_i32_u()
                    .local_get(1)
                    .i64_lt_u()
                    .if_(BlockType::Empty)
                    .else_()
                    .local_get(1)
                    .i32_wrap_i64()
                    .local_set(count)
                    .end();
                slot_address(sink, m.slots, slot);
                sink.local_get(position)
                    .local_get(count)
                    .i32_add()
                    .i64_extend_i32_u()
                    .i64_store(at(8, 3));
                alloc(sink, 16 + payload, 8);
                sink.local_get(area).i32_const(0).i32_store8(at(0, 0));
                if matches!(self, Op::StreamRead { .. }) {
                    sink.local_get(area);
                    load(sink, m.table, node, DATA);
                    sink.local_get(position)
                        .i32_add()
                        .i32_store(at(u64::from(*payload), 2))
                        .local_get(area)
                        .local_get(count)
                        .i32_store(at(u64::from(*payload) + 4, 2));
                } else {
                    sink.local_get(area)
                        .local_get(count)
                        .i64_extend_i32_u()
                        .i64_store(at(u64::from(*payload), 3));
                }
                sink.local_get(area).end();
            }
            Op::NextEntry { end } => {
                let (slot, index) = (found, scratch);
                cursor_of(sink, m.slots, slot, node, index);
                sink.local_get(index);
                load(sink, m.table, node, SIZE);
                sink.i32_ge_u().if_(result).i32_const(*end as i32).else_();
                slot_address(sink, m.slots, slot);
                sink.local_get(index)
                    .i32_const(1)
                    .i32_add()
                    .i64_extend_i32_u()
                    .i64_store(at(8, 3));
                load(sink, m.table, node, DATA);
                sink.local_get(index).i32_add().local_set(index);
                load(sink, m.table, index, ENTRY);
                sink.end();
            }
            Op::Read {
                size,
                payload,
                list,
                eof,
                wrong_kind,
            } => {
                let (file_size, count, offset) = (scratch, scratch + 1, scratch + 2);
                kind_or(sink, m, node, REGULAR_FILE, *wrong_kind);
                load(sink, m.table, node, SIZE);
                sink.local_set(file_size);
                // offset, at most the size
                sink.local_get(2)
                    .local_get(file_size)
                    .i64_extend_i32_u()
                    .local_get(2)
                    .local_get(file_size)
                    .i64_extend_i32_u()
                    .i64_lt_u()
                    .select()
                    .i32_wrap_i64()
                    .local_set(offset);
                // count = min(length, size - offset)
                sink.local_get(file_size)
                    .local_get(offset)
                    .i32_sub()
                    .local_tee(count)
                    .i64_extend_i32_u()
                    .local_get(1)
                    .i64_gt_u()
                    .if_(BlockType::Empty)
                    .local_get(1)
                    .i32_wrap_i64()
                    .local_set(count)
                    .end();
                alloc(sink, *size, 4);
                sink.local_get(area).i32_const(0).i32_store8(at(0, 0));
                sink.local_get(area);
                load(sink, m.table, node, DATA);
                sink.local_get(offset)
                    .i32_add()
                    .i32_store(at(u64::from(payload + list), 2))
                    .local_get(area)
                    .local_get(count)
                    .i32_store(at(u64::from(payload + list + 4), 2))
                    .local_get(area)
                    .local_get(offset)
                    .local_get(count)
                    .i32_add()
                    .local_get(file_size)
                    .i32_ge_u()
                    .i32_store8(at(u64::from(payload + eof), 0))
                    .local_get(area)
                    .end();
            }
            Op::SameObject => {
                sink.local_get(0).local_get(1).i32_eq();
            }
        }
    }
}

/// Resolves the path argument (locals 2 and 3) from the directory the
/// descriptor in local 0 stands for, into local `found`; then opens
/// `if found < 0 { not_found } else {`, for the caller to close.
fn resolve_or(
    sink: &mut InstructionSink<'_>,
    m: &Module<'_>,
    (node, found, scratch): (u32, u32, u32),
    not_found: u32,
) {
    node_of(sink, 0, node);
    resolve(sink, m, node, (2, 3), found, scratch);
    sink.local_get(found)
        .i32_const(0)
        .i32_lt_s()
        .if_(BlockType::Result(wasm_encoder::ValType::I32))
        .i32_const(not_found as i32)
        .else_();
}

/// Sets local `node` to the node the descriptor in local 0 stands for;
/// then opens `if its kind is not kind { wrong_kind } else {`, for the
/// caller to close.
fn kind_or(sink: &mut InstructionSink<'_>, m: &Module<'_>, node: u32, kind: u32, wrong_kind: u32) {
    node_of(sink, 0, node);
    load(sink, m.table, node, KIND);
    sink.i32_const(kind as i32)
        .i32_ne()
        .if_(BlockType::Result(wasm_encoder::ValType::I32))
        .i32_const(wrong_kind as i32)
        .else_();
}

/// Sets local `slot` to the stream slot a representation in local 0
/// stands for.
fn slot_of(sink: &mut InstructionSink<'_>, slot: u32) {
    node_of(sink, 0, slot);
}

/// Sets local `slot` to the stream slot the representation in local 0
/// stands for, and locals `node` and `position` to its node and position.
fn cursor_of(sink: &mut InstructionSink<'_>, slots: u32, slot: u32, node: u32, position: u32) {
    slot_of(sink, slot);
    slot_address(sink, slots, slot);
    sink.i32_load(at(0, 2)).local_set(node);
    slot_address(sink, slots, slot);
    sink.i64_load(at(8, 3)).i32_wrap_i64().local_set(position);
}

/// Pushes the address of the slot in local `slot`.
fn slot_address(sink: &mut InstructionSink<'_>, slots: u32, slot: u32) {
    sink.local_get(slot)
        .i32_const(16)
        .i32_mul()
        .i32_const(slots as i32)
        .i32_add();
}

/// What a function does on the mounted tree's descriptors and streams:
/// the WIT methods of `wasi:filesystem` and `wasi:io` that a mount serves,
/// each made the [`Op`] that implements it (none for any other function).
pub(crate) fn body(
    layout: &Layout<'_>,
    data: &mut Data,
    interface: &str,
    func: &Function,
    find: &dyn Fn(&str) -> Option<usize>,
) -> Option<Body> {
    let ty = func.result?;
    let payload = layout.result_payload_offset(&ty);
    let mut err = |case: &str| {
        let index = layout.error_case(&ty, case);
        layout.place_err(data, &ty, index)
    };
    let (resource, method) = func.name.strip_prefix("[method]")?.split_once('.')?;
    let op = match (weld_wit::names::unversioned(interface), resource, method) {
        ("wasi:filesystem/types", "descriptor", "open-at") => Op::OpenAt {
            resource: find("descriptor")?,
            payload,
            not_found: err("no-entry"),
            read_only: err("read-only"),
            not_directory: err("not-directory"),
        },
        ("wasi:filesystem/types", "descriptor", "stat-at") => Op::At {
            field: STAT,
            not_found: err("no-entry"),
        },
        ("wasi:filesystem/types", "descriptor", "metadata-hash-at") => Op::At {
            field: HASH,
            not_found: err("no-entry"),
        },
        ("wasi:filesystem/types", "descriptor", "stat") => Op::Precomputed { field: STAT },
        ("wasi:filesystem/types", "descriptor", "get-type") => Op::Precomputed { field: TYPE },
        ("wasi:filesystem/types", "descriptor", "metadata-hash") => Op::Precomputed { field: HASH },
        ("wasi:filesystem/types", "descriptor", "read-via-stream") => Op::OpenStream {
            resource: find("input-stream")?,
            payload,
            directory: false,
            wrong_kind: err("is-directory"),
        },
        ("wasi:filesystem/types", "descriptor", "read-directory") => Op::OpenStream {
            resource: find("directory-entry-stream")?,
            payload,
            directory: true,
            wrong_kind: err("not-directory"),
        },
        ("wasi:filesystem/types", "descriptor", "read") => {
            let ok = match layout.kind(&ty) {
                Some(TypeDefKind::Result(result)) => result.ok?,
                _ => return None,
            };
            let fields = layout.field_offsets(&ok);
            Op::Read {
                size: layout.size_align(&ty).0 as u32,
                payload,
                list: *fields.first()?,
                eof: *fields.get(1)?,
                wrong_kind: err("is-directory"),
            }
        }
        ("wasi:filesystem/types", "descriptor", "is-same-object") => Op::SameObject,
        ("wasi:filesystem/types", "descriptor", "get-flags") => {
            let address = layout.place_wave(data, &ty, "ok({read})").ok()?;
            return Some(Body::Return(Flat::I32(address as i32)));
        }
        ("wasi:filesystem/types", "descriptor", "advise" | "sync" | "sync-data") => {
            return Some(Body::Return(
                Flat::I32(layout.place_ok(data, &ty, 0) as i32),
            ));
        }
        ("wasi:filesystem/types", "descriptor", _) => {
            return Some(Body::Return(Flat::I32(err("read-only") as i32)));
        }
        ("wasi:filesystem/types", "directory-entry-stream", "read-directory-entry") => {
            Op::NextEntry {
                end: layout.place_wave(data, &ty, "ok(none)").ok()?,
            }
        }
        ("wasi:io/streams", "input-stream", "read" | "blocking-read") => Op::StreamRead {
            payload,
            closed: err("closed"),
        },
        ("wasi:io/streams", "input-stream", "skip" | "blocking-skip") => Op::StreamSkip {
            payload,
            closed: err("closed"),
        },
        _ => return None,
    };
    Some(Body::Mount(op))
}
