//! `--allow-fs GUEST-PATH-PREFIX[:ro]`: the host's preopened directories,
//! passed through the virtual component only under the grants' prefixes,
//! and checked there, so that the sandbox holds on any runtime.
//!
//! What is checked, and why it is enough:
//! - `get-directories` keeps the preopens whose guest paths are a prefix
//!   or under one, and drops the others' handles. A grant passes whole
//!   preopens, never part of one: a symlink inside a directory is
//!   resolved by the host, which WASI confines to the preopen, so a
//!   prefix's boundary is always a preopen's, and no link can lead out of
//!   it. A preopen wider than every prefix (`/` under `--allow-fs /data`)
//!   is not passed at all, rather than narrowed to a part that a link
//!   could leave.
//! - Every path given to a descriptor must stay inside it, as written: no
//!   absolute path, and no `..` that climbs above the descriptor. The
//!   layer cannot prove where a climb through a link ends, so it refuses
//!   it (`access`) rather than trust the host to. A link the guest makes
//!   (`symlink-at`) may not point absolutely or through `..` at all.
//! - A read-only grant's directories, and every descriptor opened from
//!   them, refuse each change (`read-only`): writes, truncation, creation,
//!   removal, renames, links and times. Which descriptors are read-only is
//!   a byte per host handle in the layer's memory, set when the layer
//!   hands a descriptor out (the preopens, and `open-at`), so that a
//!   descriptor's read-only mark cannot be forged or lost by the guest.

use wasm_encoder::{BlockType, Function, InstructionSink, MemArg, ValType};
use weld_wit::wit_parser::{Function as WitFunction, Type};

/// The functions of `wasi:filesystem/types` (methods of `descriptor`, by
/// their names in WASI 0.2 and 0.3) that change the filesystem.
const CHANGES: [&str; 12] = [
    "write-via-stream",
    "append-via-stream",
    "set-size",
    "set-times",
    "write",
    "create-directory-at",
    "link-at",
    "rename-at",
    "remove-directory-at",
    "set-times-at",
    "symlink-at",
    "unlink-file-at",
];

/// The method that opens a descriptor from a directory.
const OPEN_AT: &str = "open-at";

/// The names of the parameters that are paths.
pub(crate) const PATHS: [&str; 3] = ["path", "old-path", "new-path"];

/// How many host handles the read-only map holds, one byte each: a
/// handle beyond it is taken as read-only (refusing what it cannot tell).
pub(crate) const MAP_SLOTS: u32 = 65536;

/// What `--allow-fs` checks of one function of `wasi:filesystem/types`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FsGuard {
    /// It changes the filesystem (or, for `open-at`, may): refused on a
    /// read-only descriptor.
    pub changes: bool,
    /// It takes paths, which must stay inside the descriptor.
    pub paths: bool,
    /// It is `open-at`, under a read-only grant: what it opens from a
    /// read-only directory is read-only too.
    pub opens: bool,
}

impl FsGuard {
    /// What to check of `func`; None if nothing.
    pub(crate) fn of(func: &WitFunction, read_only: bool) -> Option<FsGuard> {
        let method = method_name(func);
        let opens = read_only && method == Some(OPEN_AT);
        let guard = FsGuard {
            changes: read_only && (opens || method.is_some_and(|m| CHANGES.contains(&m))),
            paths: func
                .params
                .iter()
                .any(|p| p.ty == Type::String && PATHS.contains(&p.name.as_str())),
            opens,
        };
        (guard.changes || guard.paths).then_some(guard)
    }

    /// What the report says it checks.
    pub(crate) fn rules(&self) -> Vec<String> {
        let mut rules = Vec::new();
        if self.paths {
            rules.push("paths stay inside the directory".to_owned());
        }
        match (self.opens, self.changes) {
            (true, _) => rules.push("opens only for reading from read-only directories".to_owned()),
            (false, true) => rules.push("refused on read-only directories".to_owned()),
            (false, false) => {}
        }
        rules
    }
}

/// A method's name without its `[method]descriptor.` prefix.
pub(crate) fn method_name(func: &WitFunction) -> Option<&str> {
    func.name.strip_prefix("[method]descriptor.")
}

/// Whether a path parameter is a link's target (`symlink-at`'s
/// `old-path`), which may not climb at all.
pub(crate) fn is_link_target(func: &WitFunction, param: &str) -> bool {
    method_name(func) == Some("symlink-at") && param == "old-path"
}

/// `escapes(ptr, len, strict) -> i32`: 1 if the path at `ptr` is absolute
/// or, read part by part, climbs above where it starts (`a/../..`); with
/// `strict`, if it holds any `..` part.
pub(crate) fn escapes_body() -> Function {
    let (ptr, len, strict) = (0, 1, 2);
    let (i, start, depth, part) = (3, 4, 5, 6);
    let byte = |offset| MemArg {
        offset,
        align: 0,
        memory_index: 0,
    };
    let mut f = Function::new([(4, ValType::I32)]);
    let mut s = f.instructions();
    // Absolute.
    s.local_get(len)
        .if_(BlockType::Empty)
        .local_get(ptr)
        .i32_load8_u(byte(0))
        .i32_const(i32::from(b'/'))
        .i32_eq()
        .if_(BlockType::Empty)
        .i32_const(1)
        .return_()
        .end()
        .end();
    s.loop_(BlockType::Empty);
    // At the end of a part: the end of the path, or a `/`.
    end_of_part(&mut s, ptr, len, i);
    s.if_(BlockType::Empty);
    s.local_get(i).local_get(start).i32_sub().local_set(part);
    // `..`
    s.local_get(part)
        .i32_const(2)
        .i32_eq()
        .if_(BlockType::Empty)
        .local_get(ptr)
        .local_get(start)
        .i32_add()
        .i32_load16_u(byte(0))
        .i32_const(i32::from(u16::from_le_bytes([b'.', b'.'])))
        .i32_eq()
        .local_set(part)
        .else_()
        // `.` and empty parts stay where they are; 2 marks them.
        .local_get(part)
        .i32_eqz()
        .local_get(part)
        .i32_const(1)
        .i32_eq()
        .local_get(ptr)
        .local_get(start)
        .i32_add()
        .i32_load8_u(byte(0))
        .i32_const(i32::from(b'.'))
        .i32_eq()
        .i32_and()
        .i32_or()
        .i32_const(1)
        .i32_shl()
        .local_set(part)
        .end();
    // part: 1 for `..`, 2 for no move, 0 for a name.
    s.local_get(part)
        .i32_const(1)
        .i32_eq()
        .if_(BlockType::Empty)
        .local_get(strict)
        .local_get(depth)
        .i32_eqz()
        .i32_or()
        .if_(BlockType::Empty)
        .i32_const(1)
        .return_()
        .end()
        .local_get(depth)
        .i32_const(1)
        .i32_sub()
        .local_set(depth)
        .end();
    s.local_get(part)
        .i32_eqz()
        .if_(BlockType::Empty)
        .local_get(depth)
        .i32_const(1)
        .i32_add()
        .local_set(depth)
        .end();
    s.local_get(i).i32_const(1).i32_add().local_set(start);
    s.end();
    // On to the next byte, if any.
    s.local_get(i)
        .local_get(len)
        .i32_lt_u()
        .if_(BlockType::Empty)
        .local_get(i)
        .i32_const(1)
        .i32_add()
        .local_set(i)
        .br(1)
        .end();
    s.end();
    s.i32_const(0).end();
    f
}

/// Leaves whether byte `i` of the path ends a part: `i == len`, or a `/`.
fn end_of_part(s: &mut InstructionSink<'_>, ptr: u32, len: u32, i: u32) {
    s.local_get(i)
        .local_get(len)
        .i32_eq()
        .if_(BlockType::Result(ValType::I32))
        .i32_const(1)
        .else_()
        .local_get(ptr)
        .local_get(i)
        .i32_add()
        .i32_load8_u(MemArg {
            offset: 0,
            align: 0,
            memory_index: 0,
        })
        .i32_const(i32::from(b'/'))
        .i32_eq()
        .end();
}
