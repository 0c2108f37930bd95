//! Values as a tap reports them (`weld:trace/tap`), read into WAVE text.
//!
//! A tap passes the core values the canonical ABI gave it and the part
//! of its memory they point into; this lifts them as the canonical ABI
//! would, by the WIT types the traced component's `weld-trace` section
//! holds, into text. Nothing here trusts the tap: an address outside the
//! memory, a bad case or a bad `char` is shown as `<unreadable>`, never a
//! panic, and lists are walked no further than the memory reaches.

use std::fmt::Write;
use weld_wit::wit_parser::abi::{FlatTypes, WasmType};
use weld_wit::wit_parser::{self as wit_parser, Handle, Resolve, SizeAlign, Type, TypeDefKind};

/// How much of each value is shown (`--trace-values`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Detail {
    /// `…` for every value.
    None,
    /// Long lists and strings cut to a prefix and their length.
    #[default]
    Short,
    Full,
}

impl std::str::FromStr for Detail {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "none" => Ok(Detail::None),
            "short" => Ok(Detail::Short),
            "full" => Ok(Detail::Full),
            _ => Err(format!("`{text}` is not none, short or full")),
        }
    }
}

/// The items of a list, and the characters of a string, that `short`
/// shows.
const SHORT_ITEMS: usize = 16;
const SHORT_CHARS: usize = 64;

/// What is shown of a value that cannot be read.
const UNREADABLE: &str = "<unreadable>";

/// The most core values a type may flatten to and still be passed flat.
const MAX_FLAT: usize = 16;

/// The memory a tap reported, and how to read it.
pub(crate) struct Reader<'a> {
    pub resolve: &'a Resolve,
    pub sizes: &'a SizeAlign,
    pub memory: &'a [u8],
    /// The address `memory` starts at.
    pub base: u32,
    pub detail: Detail,
}

/// The parameters of a call of types `types`, as the canonical ABI
/// passed them (`flat` core values, and `memory` from address `base`),
/// in WAVE: what `weld trace` shows of them, whole. The fuzz harness
/// checks the argument layer's layout (`weld_virt::arguments`) with it.
pub fn show_params(
    resolve: &Resolve,
    types: &[Type],
    flat: &[u64],
    memory: &[u8],
    base: u32,
) -> String {
    let mut sizes = SizeAlign::default();
    sizes.fill(resolve);
    let reader = Reader {
        resolve,
        sizes: &sizes,
        memory,
        base,
        detail: Detail::Full,
    };
    reader.params(types, flat)
}

/// A value could not be read.
struct Unreadable;

type Read<T> = Result<T, Unreadable>;

impl Reader<'_> {
    /// The parameters, from `flat`: in order, or from the address of their
    /// tuple when they flatten to more than 16 core values.
    pub fn params(&self, types: &[Type], flat: &[u64]) -> String {
        if self.detail == Detail::None && !types.is_empty() {
            return "…".to_owned();
        }
        // Each parameter's text; the first that cannot be read ends them.
        let mut shown: Vec<String> = Vec::new();
        let mut show = |read: &mut dyn FnMut(&mut String) -> Read<()>| {
            let mut text = String::new();
            let ok = read(&mut text).is_ok();
            shown.push(if ok { text } else { UNREADABLE.to_owned() });
            ok
        };
        let count: Option<usize> = types.iter().map(|ty| self.flat_count(ty)).sum();
        match count {
            Some(count) if count <= MAX_FLAT => {
                let mut at = 0;
                for ty in types {
                    let read = &mut |out: &mut String| {
                        at += self.flat(ty, flat.get(at..).ok_or(Unreadable)?, out)?;
                        Ok(())
                    };
                    if !show(read) {
                        break;
                    }
                }
            }
            _ => {
                let offsets = self.sizes.field_offsets(types.iter());
                let address = flat.first().map(|a| *a as u32);
                for (offset, ty) in offsets {
                    let read = &mut |out: &mut String| {
                        let at = address.and_then(|a| a.checked_add(offset.size_wasm32() as u32));
                        self.load(ty, at.ok_or(Unreadable)?, out)
                    };
                    if !show(read) {
                        break;
                    }
                }
            }
        }
        shown.join(", ")
    }

    /// The result, from `flat`: its one core value, or the address of it.
    pub fn result(&self, ty: &Type, flat: &[u64]) -> String {
        if self.detail == Detail::None {
            return "…".to_owned();
        }
        let mut out = String::new();
        let shown = match self.flat_count(ty) {
            Some(1) => self.flat(ty, flat, &mut out).map(|_| ()),
            _ => flat
                .first()
                .ok_or(Unreadable)
                .and_then(|address| self.load(ty, *address as u32, &mut out)),
        };
        match shown {
            Ok(()) => out,
            Err(Unreadable) => UNREADABLE.to_owned(),
        }
    }

    /// How many core values `ty` flattens to; None past [`MAX_FLAT`].
    fn flat_count(&self, ty: &Type) -> Option<usize> {
        let mut storage = [WasmType::I32; MAX_FLAT + 1];
        let mut flat = FlatTypes::new(&mut storage);
        match self.resolve.push_flat(ty, &mut flat) {
            true => Some(flat.to_vec().len()).filter(|n| *n <= MAX_FLAT),
            false => None,
        }
    }

    /// `ty` from its core values at the start of `flat`; how many it took.
    fn flat(&self, ty: &Type, flat: &[u64], out: &mut String) -> Read<usize> {
        let first = || flat.first().copied().ok_or(Unreadable);
        let scalar = |out: &mut String| -> Read<usize> {
            scalar(ty, first()?, out)?;
            Ok(1)
        };
        let Type::Id(id) = ty else {
            return match ty {
                Type::String => {
                    let (address, len) = pair(flat)?;
                    self.string(address, len, out)?;
                    Ok(2)
                }
                _ => scalar(out),
            };
        };
        match &self.resolve.types[*id].kind {
            TypeDefKind::Type(ty) => self.flat(ty, flat, out),
            TypeDefKind::Handle(handle) => {
                handle_text(self.resolve, handle, first()? as u32, out);
                Ok(1)
            }
            TypeDefKind::Record(record) => {
                let mut at = 0;
                out.push('{');
                for (i, field) in record.fields.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    let _ = write!(out, "{}: ", field.name);
                    at += self.flat(&field.ty, flat.get(at..).ok_or(Unreadable)?, out)?;
                }
                out.push('}');
                Ok(at)
            }
            TypeDefKind::Tuple(tuple) => {
                let mut at = 0;
                out.push('(');
                for (i, ty) in tuple.types.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    at += self.flat(ty, flat.get(at..).ok_or(Unreadable)?, out)?;
                }
                out.push(')');
                Ok(at)
            }
            TypeDefKind::FixedLengthList(ty, size) => {
                let mut at = 0;
                out.push('[');
                for i in 0..*size {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    at += self.flat(ty, flat.get(at..).ok_or(Unreadable)?, out)?;
                }
                out.push(']');
                Ok(at)
            }
            TypeDefKind::Flags(flags) => {
                let words = flags.repr().count();
                let mut bits = Vec::new();
                for word in flat.get(..words).ok_or(Unreadable)? {
                    bits.extend((*word as u32).to_le_bytes());
                }
                flags_text(flags.flags.iter().map(|f| f.name.as_str()), &bits, out);
                Ok(words)
            }
            TypeDefKind::List(element) => {
                let (address, len) = pair(flat)?;
                self.elements(element, address, len, out)?;
                Ok(2)
            }
            TypeDefKind::Map(key, value) => {
                let (address, len) = pair(flat)?;
                self.map(key, value, address, len, out)?;
                Ok(2)
            }
            TypeDefKind::Enum(e) => {
                let case = e.cases.get(first()? as usize).ok_or(Unreadable)?;
                out.push_str(&case.name);
                Ok(1)
            }
            TypeDefKind::Variant(_) | TypeDefKind::Option(_) | TypeDefKind::Result(_) => {
                let (name, payload) = self.case(&self.resolve.types[*id].kind, first()?)?;
                out.push_str(name);
                if let Some(payload) = payload {
                    out.push('(');
                    self.flat(&payload, flat.get(1..).ok_or(Unreadable)?, out)?;
                    out.push(')');
                }
                // Every case takes the joined width.
                Ok(self.flat_count(ty).ok_or(Unreadable)?)
            }
            TypeDefKind::Future(_) => {
                let _ = write!(out, "future#{}", first()?);
                Ok(1)
            }
            TypeDefKind::Stream(_) => {
                let _ = write!(out, "stream#{}", first()?);
                Ok(1)
            }
            TypeDefKind::Resource | TypeDefKind::Unknown => Err(Unreadable),
        }
    }

    /// The name of case `tag` of a variant, option or result, and its
    /// payload's type.
    fn case<'k>(&self, kind: &'k TypeDefKind, tag: u64) -> Read<(&'k str, Option<Type>)> {
        match kind {
            TypeDefKind::Variant(variant) => {
                let case = variant.cases.get(tag as usize).ok_or(Unreadable)?;
                Ok((case.name.as_str(), case.ty))
            }
            TypeDefKind::Option(ty) => match tag {
                0 => Ok(("none", None)),
                1 => Ok(("some", Some(*ty))),
                _ => Err(Unreadable),
            },
            TypeDefKind::Result(result) => match tag {
                0 => Ok(("ok", result.ok)),
                1 => Ok(("err", result.err)),
                _ => Err(Unreadable),
            },
            _ => Err(Unreadable),
        }
    }

    /// `len` bytes at `address`.
    fn bytes(&self, address: u32, len: usize) -> Read<&[u8]> {
        let start = address.checked_sub(self.base).ok_or(Unreadable)? as usize;
        self.memory
            .get(start..start.checked_add(len).ok_or(Unreadable)?)
            .ok_or(Unreadable)
    }

    /// A little-endian number of `len` bytes at `address`.
    fn number(&self, address: u32, len: usize) -> Read<u64> {
        let mut bytes = [0; 8];
        bytes[..len].copy_from_slice(self.bytes(address, len)?);
        Ok(u64::from_le_bytes(bytes))
    }

    /// `ty` as it lies in memory at `address`.
    fn load(&self, ty: &Type, address: u32, out: &mut String) -> Read<()> {
        let size = self.sizes.size(ty).size_wasm32();
        let at = |offset: usize| address.checked_add(offset as u32).ok_or(Unreadable);
        let Type::Id(id) = ty else {
            return match ty {
                Type::String => {
                    let (ptr, len) = (self.number(address, 4)?, self.number(at(4)?, 4)?);
                    self.string(ptr as u32, len as u32, out)
                }
                _ => scalar(ty, self.number(address, size)?, out),
            };
        };
        match &self.resolve.types[*id].kind {
            TypeDefKind::Type(ty) => self.load(ty, address, out),
            TypeDefKind::Handle(handle) => {
                handle_text(self.resolve, handle, self.number(address, 4)? as u32, out);
                Ok(())
            }
            TypeDefKind::Record(record) => {
                let offsets = self
                    .sizes
                    .field_offsets(record.fields.iter().map(|f| &f.ty));
                out.push('{');
                for (i, (field, (offset, ty))) in record.fields.iter().zip(offsets).enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    let _ = write!(out, "{}: ", field.name);
                    self.load(ty, at(offset.size_wasm32())?, out)?;
                }
                out.push('}');
                Ok(())
            }
            TypeDefKind::Tuple(tuple) => {
                out.push('(');
                for (i, (offset, ty)) in self
                    .sizes
                    .field_offsets(&tuple.types)
                    .into_iter()
                    .enumerate()
                {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    self.load(ty, at(offset.size_wasm32())?, out)?;
                }
                out.push(')');
                Ok(())
            }
            TypeDefKind::FixedLengthList(element, len) => {
                self.elements(element, address, *len, out)
            }
            TypeDefKind::Flags(flags) => {
                let bits = self.bytes(address, size)?;
                flags_text(flags.flags.iter().map(|f| f.name.as_str()), bits, out);
                Ok(())
            }
            TypeDefKind::List(element) => {
                let (ptr, len) = (self.number(address, 4)?, self.number(at(4)?, 4)?);
                self.elements(element, ptr as u32, len as u32, out)
            }
            TypeDefKind::Map(key, value) => {
                let (ptr, len) = (self.number(address, 4)?, self.number(at(4)?, 4)?);
                self.map(key, value, ptr as u32, len as u32, out)
            }
            TypeDefKind::Enum(e) => {
                let tag = self.number(address, size)?;
                out.push_str(&e.cases.get(tag as usize).ok_or(Unreadable)?.name);
                Ok(())
            }
            kind @ (TypeDefKind::Variant(_) | TypeDefKind::Option(_) | TypeDefKind::Result(_)) => {
                let (tag_size, cases): (usize, Vec<Option<&Type>>) = match kind {
                    TypeDefKind::Variant(v) => (
                        int_size(v.tag()),
                        v.cases.iter().map(|c| c.ty.as_ref()).collect(),
                    ),
                    TypeDefKind::Option(ty) => (1, vec![None, Some(ty)]),
                    TypeDefKind::Result(r) => (1, vec![r.ok.as_ref(), r.err.as_ref()]),
                    _ => unreachable!("matched above"),
                };
                let (name, payload) = self.case(kind, self.number(address, tag_size)?)?;
                out.push_str(name);
                if let Some(payload) = payload {
                    let tag = match tag_size {
                        1 => wit_parser::Int::U8,
                        2 => wit_parser::Int::U16,
                        _ => wit_parser::Int::U32,
                    };
                    let offset = self.sizes.payload_offset(tag, cases).size_wasm32();
                    out.push('(');
                    self.load(&payload, at(offset)?, out)?;
                    out.push(')');
                }
                Ok(())
            }
            TypeDefKind::Future(_) => {
                let _ = write!(out, "future#{}", self.number(address, 4)?);
                Ok(())
            }
            TypeDefKind::Stream(_) => {
                let _ = write!(out, "stream#{}", self.number(address, 4)?);
                Ok(())
            }
            TypeDefKind::Resource | TypeDefKind::Unknown => Err(Unreadable),
        }
    }

    /// A string of `len` bytes (UTF-8, as taps lift) at `address`.
    fn string(&self, address: u32, len: u32, out: &mut String) -> Read<()> {
        let bytes = self.bytes(address, len as usize)?;
        let text = std::str::from_utf8(bytes).map_err(|_| Unreadable)?;
        let shown = match self.detail {
            Detail::Short => text.char_indices().nth(SHORT_CHARS).map(|(at, _)| at),
            _ => None,
        };
        out.push('"');
        for c in text[..shown.unwrap_or(text.len())].chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if c.is_control() => {
                    let _ = write!(out, "\\u{{{:x}}}", c as u32);
                }
                c => out.push(c),
            }
        }
        match shown {
            Some(_) => {
                let _ = write!(out, "…\" ({len} bytes)");
            }
            None => out.push('"'),
        }
        Ok(())
    }

    /// `len` elements of type `element` laid out from `address`, cut to
    /// [`SHORT_ITEMS`] with their count under `short`.
    fn elements(&self, element: &Type, address: u32, len: u32, out: &mut String) -> Read<()> {
        let size = self.sizes.size(element).size_wasm32();
        // The whole list must lie in memory, whatever is shown of it.
        self.bytes(address, size.checked_mul(len as usize).ok_or(Unreadable)?)?;
        let shown = match self.detail {
            Detail::Short => (len as usize).min(SHORT_ITEMS),
            _ => len as usize,
        };
        out.push('[');
        for i in 0..shown {
            if i > 0 {
                out.push_str(", ");
            }
            self.load(element, address + (i * size) as u32, out)?;
        }
        if shown < len as usize {
            let unit = match element {
                Type::U8 => "bytes",
                _ => "items",
            };
            let _ = write!(out, ", …] ({len} {unit})");
        } else {
            out.push(']');
        }
        Ok(())
    }

    /// A map: its entries as a list of (key, value) tuples.
    fn map(&self, key: &Type, value: &Type, address: u32, len: u32, out: &mut String) -> Read<()> {
        let offsets = self.sizes.field_offsets([key, value]);
        let entry = self.sizes.record([key, value]).size.size_wasm32();
        self.bytes(address, entry.checked_mul(len as usize).ok_or(Unreadable)?)?;
        out.push('[');
        for i in 0..len as usize {
            if i > 0 {
                out.push_str(", ");
            }
            if self.detail == Detail::Short && i == SHORT_ITEMS {
                let _ = write!(out, "…] ({len} items)");
                return Ok(());
            }
            let start = address + (i * entry) as u32;
            out.push('(');
            for (j, (offset, ty)) in offsets.iter().enumerate() {
                if j > 0 {
                    out.push_str(", ");
                }
                self.load(ty, start + offset.size_wasm32() as u32, out)?;
            }
            out.push(')');
        }
        out.push(']');
        Ok(())
    }
}

/// A pointer and a length at the start of `flat`.
fn pair(flat: &[u64]) -> Read<(u32, u32)> {
    match flat {
        [address, len, ..] => Ok((*address as u32, *len as u32)),
        _ => Err(Unreadable),
    }
}

/// A number, `bool` or `char` from its bits.
fn scalar(ty: &Type, bits: u64, out: &mut String) -> Read<()> {
    let _ = match ty {
        Type::Bool => write!(out, "{}", bits != 0),
        Type::U8 => write!(out, "{}", bits as u8),
        Type::U16 => write!(out, "{}", bits as u16),
        Type::U32 => write!(out, "{}", bits as u32),
        Type::U64 => write!(out, "{bits}"),
        Type::S8 => write!(out, "{}", bits as u8 as i8),
        Type::S16 => write!(out, "{}", bits as u16 as i16),
        Type::S32 => write!(out, "{}", bits as u32 as i32),
        Type::S64 => write!(out, "{}", bits as i64),
        Type::F32 => float(out, f64::from(f32::from_bits(bits as u32))),
        Type::F64 => float(out, f64::from_bits(bits)),
        Type::Char => {
            let c = char::from_u32(bits as u32).ok_or(Unreadable)?;
            match c {
                '\'' => write!(out, "'\\''"),
                '\\' => write!(out, "'\\\\'"),
                c if c.is_control() => write!(out, "'\\u{{{:x}}}'", c as u32),
                c => write!(out, "'{c}'"),
            }
        }
        Type::ErrorContext => write!(out, "error-context#{bits}"),
        Type::String | Type::Id(_) => return Err(Unreadable),
    };
    Ok(())
}

/// A float as WAVE writes it: `nan`, `inf` and `-inf` by name.
fn float(out: &mut String, value: f64) -> std::fmt::Result {
    match value {
        v if v.is_nan() => write!(out, "nan"),
        v if v.is_infinite() && v > 0.0 => write!(out, "inf"),
        v if v.is_infinite() => write!(out, "-inf"),
        v => write!(out, "{v}"),
    }
}

/// A handle as `own<name>#n` or `borrow<name>#n`: no WAVE value stands
/// for one.
fn handle_text(resolve: &Resolve, handle: &Handle, index: u32, out: &mut String) {
    let (kind, resource) = match handle {
        Handle::Own(id) => ("own", *id),
        Handle::Borrow(id) => ("borrow", *id),
    };
    let name = resolve.types[resource]
        .name
        .as_deref()
        .unwrap_or("resource");
    let _ = write!(out, "{kind}<{name}>#{index}");
}

/// The flags whose bits are set, as `{a, b}`.
fn flags_text<'a>(names: impl Iterator<Item = &'a str>, bits: &[u8], out: &mut String) {
    let set: Vec<&str> = names
        .enumerate()
        .filter(|(i, _)| {
            bits.get(i / 8)
                .is_some_and(|byte| byte & (1 << (i % 8)) != 0)
        })
        .map(|(_, name)| name)
        .collect();
    let _ = write!(out, "{{{}}}", set.join(", "));
}

fn int_size(int: wit_parser::Int) -> usize {
    match int {
        wit_parser::Int::U8 => 1,
        wit_parser::Int::U16 => 2,
        wit_parser::Int::U32 => 4,
        wit_parser::Int::U64 => 8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tap's values come from a guest: none of them may panic the
    /// host, whatever they claim.
    #[test]
    fn bad_values_are_unreadable_not_a_panic() {
        let mut resolve = Resolve::default();
        resolve
            .push_str(
                "t.wit",
                "package t:t;
                interface i {
                    record image { data: list<u8>, width: u32, height: u32 }
                    variant v { a(string), b(f64), c }
                    flags f { x, y }
                    f1: func(img: image) -> image;
                    f2: func(v: v, c: char, o: option<list<string>>, r: result<f32, u64>, f: f);
                }",
            )
            .unwrap();
        let mut sizes = SizeAlign::default();
        sizes.fill(&resolve);
        let interface = resolve.interfaces.iter().next().unwrap().1;
        let memory = [7u8; 64];
        let reader = |detail| Reader {
            resolve: &resolve,
            sizes: &sizes,
            memory: &memory,
            base: 1000,
            detail,
        };
        let params = |name: &str| -> Vec<Type> {
            interface.functions[name]
                .params
                .iter()
                .map(|p| p.ty)
                .collect()
        };
        let hostile: [&[u64]; 6] = [
            &[],
            &[u64::MAX; 16],
            &[1000, 1 << 31, 1, 1],
            &[0, 999, 4, 0xD800, 1, 1, 5000, 1, 1, 3],
            &[3, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            &[1, 0x7ff8_0000_0000_0000, 0, 0x11_0000, 2, 0, 0, 0, 0, 0],
        ];
        for flat in hostile {
            for detail in [Detail::None, Detail::Short, Detail::Full] {
                for name in ["f1", "f2"] {
                    let _ = reader(detail).params(&params(name), flat);
                }
                let result = interface.functions["f1"].result.unwrap();
                let _ = reader(detail).result(&result, flat);
            }
        }
        // An image whose bytes lie outside the memory is unreadable...
        let shown = reader(Detail::Short).params(&params("f1"), &[1000, 100, 1, 1]);
        assert_eq!(shown, "<unreadable>");
        // ...and one inside is read, cut when long.
        let shown = reader(Detail::Short).params(&params("f1"), &[1000, 20, 5, 1]);
        assert_eq!(
            shown,
            "{data: [7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, …] (20 bytes), width: 5, height: 1}"
        );
    }
}
