//! Constant values laid out by the canonical ABI at build time, as the
//! caller will read them: in the module's static data, or as the single
//! core value a small result is returned as.

use crate::module::Fix;
use wasm_wave::value::Value;
use wasm_wave::wasm::WasmValue;
use weld_wit::wit_parser::abi::{FlatTypes, WasmType};
use weld_wit::wit_parser::{FlagsRepr, Handle, Int, Resolve, SizeAlign, Type, TypeDefKind, TypeId};

/// Where static data starts: address 0 stays unused, so that no constant
/// pointer is null.
pub const BASE: u32 = 8;

/// The module's static data, or the arguments of a call (see
/// `arguments`).
#[derive(Default)]
pub struct Data {
    pub bytes: Vec<u8>,
    /// Where the addresses stored in it are: a call's arguments are moved
    /// to where they will lie.
    pub pointers: Vec<u32>,
}

impl Data {
    /// Room for `size` bytes aligned to `align`; returns its address.
    pub fn alloc(&mut self, size: usize, align: usize) -> u32 {
        let start = (BASE as usize + self.bytes.len()).next_multiple_of(align.max(1));
        self.bytes.resize(start - BASE as usize + size, 0);
        start as u32
    }

    pub fn put(&mut self, address: u32, bytes: &[u8]) {
        let at = (address - BASE) as usize;
        self.bytes[at..at + bytes.len()].copy_from_slice(bytes);
    }

    /// The first address after the data.
    pub fn end(&self) -> u32 {
        BASE + self.bytes.len() as u32
    }
}

/// One core wasm value.
#[derive(Debug, Clone, Copy)]
pub enum Flat {
    I32(i32),
    I64(i64),
    F32(f32),
    F64(f64),
}

/// The most core values a flat parameter list holds (the canonical ABI's
/// `MAX_FLAT_PARAMS`).
const MAX_FLAT: usize = 16;

pub struct Layout<'a> {
    pub(crate) resolve: &'a Resolve,
    pub(crate) sizes: SizeAlign,
}

impl<'a> Layout<'a> {
    pub fn new(resolve: &'a Resolve) -> Self {
        let mut sizes = SizeAlign::default();
        sizes.fill(resolve);
        Layout { resolve, sizes }
    }

    /// The size and alignment of a value of type `ty` in memory.
    pub fn size_align(&self, ty: &Type) -> (usize, usize) {
        (
            self.sizes.size(ty).size_wasm32(),
            self.sizes.align(ty).align_wasm32(),
        )
    }

    /// `value` laid out in fresh static data; its address.
    pub fn place(&self, data: &mut Data, ty: &Type, value: &Value) -> Result<u32, String> {
        let (size, align) = self.size_align(ty);
        let address = data.alloc(size, align);
        self.store(data, ty, value, address)?;
        Ok(address)
    }

    /// Stores `value`, of type `ty`, at `address` in `data`.
    pub(crate) fn store(
        &self,
        data: &mut Data,
        ty: &Type,
        value: &Value,
        address: u32,
    ) -> Result<(), String> {
        match ty {
            Type::Bool => data.put(address, &[u8::from(value.unwrap_bool())]),
            Type::U8 => data.put(address, &[value.unwrap_u8()]),
            Type::S8 => data.put(address, &value.unwrap_s8().to_le_bytes()),
            Type::U16 => data.put(address, &value.unwrap_u16().to_le_bytes()),
            Type::S16 => data.put(address, &value.unwrap_s16().to_le_bytes()),
            Type::U32 => data.put(address, &value.unwrap_u32().to_le_bytes()),
            Type::S32 => data.put(address, &value.unwrap_s32().to_le_bytes()),
            Type::U64 => data.put(address, &value.unwrap_u64().to_le_bytes()),
            Type::S64 => data.put(address, &value.unwrap_s64().to_le_bytes()),
            Type::F32 => data.put(address, &value.unwrap_f32().to_le_bytes()),
            Type::F64 => data.put(address, &value.unwrap_f64().to_le_bytes()),
            Type::Char => data.put(address, &u32::from(value.unwrap_char()).to_le_bytes()),
            Type::String => {
                let text = value.unwrap_string();
                let at = data.alloc(text.len(), 1);
                data.put(at, text.as_bytes());
                self.pointer(data, address, at, text.len());
            }
            Type::ErrorContext => return Err("a constant cannot hold an error-context".into()),
            Type::Id(id) => match &self.resolve.types[*id].kind {
                TypeDefKind::Type(ty) => self.store(data, ty, value, address)?,
                TypeDefKind::Record(record) => {
                    let fields: Vec<_> = value.unwrap_record().collect();
                    let offsets = self
                        .sizes
                        .field_offsets(record.fields.iter().map(|f| &f.ty));
                    for (field, (offset, ty)) in record.fields.iter().zip(offsets) {
                        let (_, field_value) = fields
                            .iter()
                            .find(|(name, _)| *name == field.name)
                            .ok_or_else(|| format!("field `{}` is missing", field.name))?;
                        self.store(data, ty, field_value, address + offset.size_wasm32() as u32)?;
                    }
                }
                TypeDefKind::Tuple(tuple) => {
                    let offsets = self.sizes.field_offsets(tuple.types.iter());
                    for ((offset, ty), item) in offsets.into_iter().zip(value.unwrap_tuple()) {
                        self.store(data, ty, &item, address + offset.size_wasm32() as u32)?;
                    }
                }
                TypeDefKind::List(element) => {
                    let items: Vec<_> = value.unwrap_list().collect();
                    let size = self.sizes.size(element).size_wasm32();
                    let at =
                        data.alloc(size * items.len(), self.sizes.align(element).align_wasm32());
                    for (i, item) in items.iter().enumerate() {
                        self.store(data, element, item, at + (i * size) as u32)?;
                    }
                    self.pointer(data, address, at, items.len());
                }
                TypeDefKind::Flags(flags) => {
                    let set: Vec<_> = value.unwrap_flags().collect();
                    let mut bits = vec![0u8; self.sizes.size(ty).size_wasm32()];
                    for (i, flag) in flags.flags.iter().enumerate() {
                        if set.iter().any(|name| *name == flag.name) {
                            bits[i / 8] |= 1 << (i % 8);
                        }
                    }
                    data.put(address, &bits);
                }
                TypeDefKind::Enum(enumeration) => {
                    let case = value.unwrap_enum();
                    let index = enumeration.cases.iter().position(|c| c.name == *case);
                    let index = index.ok_or_else(|| format!("no enum case `{case}`"))?;
                    self.discriminant(data, enumeration.tag(), index, address);
                }
                TypeDefKind::Variant(variant) => {
                    let (case, payload) = value.unwrap_variant();
                    let index = variant.cases.iter().position(|c| c.name == *case);
                    let index = index.ok_or_else(|| format!("no variant case `{case}`"))?;
                    let cases: Vec<_> = variant.cases.iter().map(|c| c.ty.as_ref()).collect();
                    self.case(data, &cases, index, payload.as_deref(), address)?;
                }
                TypeDefKind::Option(some) => {
                    let (index, payload) = match value.unwrap_option() {
                        None => (0, None),
                        Some(payload) => (1, Some(payload)),
                    };
                    self.case(
                        data,
                        &[None, Some(some)],
                        index,
                        payload.as_deref(),
                        address,
                    )?;
                }
                TypeDefKind::Result(result) => {
                    let (index, payload) = match value.unwrap_result() {
                        Ok(payload) => (0, payload),
                        Err(payload) => (1, payload),
                    };
                    let cases = [result.ok.as_ref(), result.err.as_ref()];
                    self.case(data, &cases, index, payload.as_deref(), address)?;
                }
                kind => return Err(format!("a constant cannot hold a {}", kind.as_str())),
            },
        }
        Ok(())
    }

    /// A list's or string's address and length, stored at `address`.
    pub(crate) fn pointer(&self, data: &mut Data, address: u32, at: u32, len: usize) {
        data.pointers.push(address);
        data.put(address, &at.to_le_bytes());
        data.put(address + 4, &(len as u32).to_le_bytes());
    }

    pub(crate) fn discriminant(&self, data: &mut Data, tag: Int, index: usize, address: u32) {
        match tag {
            Int::U8 => data.put(address, &[index as u8]),
            Int::U16 => data.put(address, &(index as u16).to_le_bytes()),
            Int::U32 => data.put(address, &(index as u32).to_le_bytes()),
            Int::U64 => data.put(address, &(index as u64).to_le_bytes()),
        }
    }

    /// A case of a variant: its discriminant, then its payload if any.
    fn case(
        &self,
        data: &mut Data,
        cases: &[Option<&Type>],
        index: usize,
        payload: Option<&Value>,
        address: u32,
    ) -> Result<(), String> {
        let tag = discriminant_type(cases.len());
        self.discriminant(data, tag, index, address);
        if let (Some(ty), Some(payload)) = (cases[index], payload) {
            let offset = self.sizes.payload_offset(tag, cases.iter().copied());
            self.store(data, ty, payload, address + offset.size_wasm32() as u32)?;
        }
        Ok(())
    }

    /// Where handles to the resources `resource` numbers lie in a value of
    /// type `ty` at `offset`.
    pub fn fixes(
        &self,
        ty: &Type,
        offset: u32,
        resource: &dyn Fn(TypeId) -> Option<usize>,
    ) -> Vec<Fix> {
        let Type::Id(id) = ty else {
            return Vec::new();
        };
        let fields = |types: &mut dyn Iterator<Item = &Type>| -> Vec<Fix> {
            let types: Vec<&Type> = types.collect();
            self.sizes
                .field_offsets(types.iter().copied())
                .into_iter()
                .flat_map(|(at, ty)| self.fixes(ty, offset + at.size_wasm32() as u32, resource))
                .collect()
        };
        let variant = |cases: &[Option<&Type>]| -> Vec<Fix> {
            let tag = discriminant_type(cases.len());
            let payload = offset
                + self
                    .sizes
                    .payload_offset(tag, cases.iter().copied())
                    .size_wasm32() as u32;
            let cases: Vec<(u32, Vec<Fix>)> = cases
                .iter()
                .enumerate()
                .filter_map(|(i, ty)| {
                    let fixes = self.fixes((*ty)?, payload, resource);
                    (!fixes.is_empty()).then_some((i as u32, fixes))
                })
                .collect();
            if cases.is_empty() {
                return Vec::new();
            }
            let size = match tag {
                Int::U8 => 1,
                Int::U16 => 2,
                _ => 4,
            };
            vec![Fix::Variant {
                offset,
                size,
                cases,
            }]
        };
        match &self.resolve.types[*id].kind {
            TypeDefKind::Type(ty) => self.fixes(ty, offset, resource),
            TypeDefKind::Handle(Handle::Own(r)) => {
                let mut r = *r;
                while let TypeDefKind::Type(Type::Id(next)) = self.resolve.types[r].kind {
                    r = next;
                }
                resource(r)
                    .map(|resource| vec![Fix::Handle { offset, resource }])
                    .unwrap_or_default()
            }
            TypeDefKind::Record(record) => fields(&mut record.fields.iter().map(|f| &f.ty)),
            TypeDefKind::Tuple(tuple) => fields(&mut tuple.types.iter()),
            TypeDefKind::Variant(v) => {
                let cases: Vec<_> = v.cases.iter().map(|c| c.ty.as_ref()).collect();
                variant(&cases)
            }
            TypeDefKind::Option(some) => variant(&[None, Some(some)]),
            TypeDefKind::Result(r) => variant(&[r.ok.as_ref(), r.err.as_ref()]),
            TypeDefKind::List(element) => {
                let element_fixes = self.fixes(element, 0, resource);
                if element_fixes.is_empty() {
                    return Vec::new();
                }
                vec![Fix::List {
                    offset,
                    element_size: self.sizes.size(element).size_wasm32() as u32,
                    element: element_fixes,
                }]
            }
            _ => Vec::new(),
        }
    }

    /// How many core values the flat form of `ty` has; None for more than
    /// the 16 a flat parameter list may hold (it then goes through memory).
    pub fn flat_count(&self, ty: &Type) -> Option<usize> {
        let mut storage = [WasmType::I32; MAX_FLAT];
        let mut flat = FlatTypes::new(&mut storage);
        self.resolve
            .push_flat(ty, &mut flat)
            .then(|| flat.to_vec().len())
    }

    /// `err` of a `result` type in fresh static data, with the error case
    /// `case` of its enum or variant (no payload); its address.
    pub fn place_err(&self, data: &mut Data, ty: &Type, case: Option<usize>) -> u32 {
        let (size, align) = self.size_align(ty);
        let address = data.alloc(size, align);
        data.put(address, &[1]);
        if let (Some(TypeDefKind::Result(result)), Some(case)) = (self.definition(ty), case) {
            let offset = self
                .sizes
                .payload_offset(Int::U8, [result.ok.as_ref(), result.err.as_ref()])
                .size_wasm32() as u32;
            let tag = match result.err.as_ref().and_then(|err| self.definition(err)) {
                Some(TypeDefKind::Enum(e)) => e.tag(),
                Some(TypeDefKind::Variant(v)) => v.tag(),
                _ => Int::U8,
            };
            self.discriminant(data, tag, case, address + offset);
        }
        address
    }

    /// A value written in WAVE, laid out in fresh static data; its address.
    pub fn place_wave(&self, data: &mut Data, ty: &Type, wave: &str) -> Result<u32, String> {
        let wave_type = match ty {
            Type::Id(id) => wasm_wave::value::resolve_wit_type(self.resolve, *id),
            _ => return Err("not a named type".into()),
        }
        .map_err(|e| e.to_string())?;
        let value: Value = wasm_wave::from_str(&wave_type, wave).map_err(|e| e.to_string())?;
        self.place(data, ty, &value)
    }

    /// The offset of a `result`'s payload.
    pub fn result_payload_offset(&self, ty: &Type) -> u32 {
        match self.definition(ty) {
            Some(TypeDefKind::Result(result)) => self
                .sizes
                .payload_offset(Int::U8, [result.ok.as_ref(), result.err.as_ref()])
                .size_wasm32() as u32,
            _ => 0,
        }
    }

    /// The offsets of the fields of a tuple or record type.
    pub fn field_offsets(&self, ty: &Type) -> Vec<u32> {
        let types: Vec<&Type> = match self.definition(ty) {
            Some(TypeDefKind::Tuple(tuple)) => tuple.types.iter().collect(),
            Some(TypeDefKind::Record(record)) => record.fields.iter().map(|f| &f.ty).collect(),
            _ => Vec::new(),
        };
        self.sizes
            .field_offsets(types)
            .into_iter()
            .map(|(offset, _)| offset.size_wasm32() as u32)
            .collect()
    }

    /// What a named type is, through aliases.
    pub fn kind(&self, ty: &Type) -> Option<&TypeDefKind> {
        self.definition(ty)
    }

    /// `ok` of a `result` type in fresh static data, with `value` as its
    /// payload if that is a `u64`; its address.
    pub fn place_ok(&self, data: &mut Data, ty: &Type, value: u64) -> u32 {
        let (size, align) = self.size_align(ty);
        let address = data.alloc(size, align);
        if let Some(TypeDefKind::Result(result)) = self.definition(ty)
            && result.ok == Some(Type::U64)
        {
            let offset = self
                .sizes
                .payload_offset(Int::U8, [result.ok.as_ref(), result.err.as_ref()])
                .size_wasm32() as u32;
            data.put(address + offset, &value.to_le_bytes());
        }
        address
    }

    /// The index of case `name` of the error type of a `result` type.
    pub fn error_case(&self, ty: &Type, name: &str) -> Option<usize> {
        let Some(TypeDefKind::Result(result)) = self.definition(ty) else {
            return None;
        };
        match self.definition(result.err.as_ref()?)? {
            TypeDefKind::Variant(v) => v.cases.iter().position(|c| c.name == name),
            TypeDefKind::Enum(e) => e.cases.iter().position(|c| c.name == name),
            _ => None,
        }
    }

    /// `[]` of a list type or `none` of an option type in fresh static
    /// data; its address. None for anything else.
    pub fn place_empty(&self, data: &mut Data, ty: &Type, value: &str) -> Option<u32> {
        let empty = matches!(
            (self.definition(ty)?, value),
            (TypeDefKind::List(_), "[]") | (TypeDefKind::Option(_), "none")
        );
        // Both are all zeros: a null pointer with no elements, or the
        // `none` discriminant.
        empty.then(|| {
            let (size, align) = self.size_align(ty);
            data.alloc(size, align)
        })
    }

    /// What a named type is, through aliases.
    fn definition(&self, ty: &Type) -> Option<&TypeDefKind> {
        let Type::Id(mut id) = *ty else {
            return None;
        };
        loop {
            match &self.resolve.types[id].kind {
                TypeDefKind::Type(Type::Id(next)) => id = *next,
                kind => return Some(kind),
            }
        }
    }

    /// The single core value a result of type `ty` is returned as, when
    /// its flat form is one value.
    pub fn flat(&self, ty: &Type, value: &Value) -> Option<Flat> {
        Some(match ty {
            Type::Bool => Flat::I32(i32::from(value.unwrap_bool())),
            Type::U8 => Flat::I32(i32::from(value.unwrap_u8())),
            Type::S8 => Flat::I32(i32::from(value.unwrap_s8())),
            Type::U16 => Flat::I32(i32::from(value.unwrap_u16())),
            Type::S16 => Flat::I32(i32::from(value.unwrap_s16())),
            Type::U32 => Flat::I32(value.unwrap_u32() as i32),
            Type::S32 => Flat::I32(value.unwrap_s32()),
            Type::U64 => Flat::I64(value.unwrap_u64() as i64),
            Type::S64 => Flat::I64(value.unwrap_s64()),
            Type::F32 => Flat::F32(value.unwrap_f32()),
            Type::F64 => Flat::F64(value.unwrap_f64()),
            Type::Char => Flat::I32(u32::from(value.unwrap_char()) as i32),
            Type::String | Type::ErrorContext => return None,
            Type::Id(id) => match &self.resolve.types[*id].kind {
                TypeDefKind::Type(ty) => return self.flat(ty, value),
                TypeDefKind::Record(record) if record.fields.len() == 1 => {
                    let (_, field) = value.unwrap_record().next()?;
                    return self.flat(&record.fields[0].ty, &field);
                }
                TypeDefKind::Tuple(tuple) if tuple.types.len() == 1 => {
                    return self.flat(&tuple.types[0], &*value.unwrap_tuple().next()?);
                }
                TypeDefKind::Enum(enumeration) => {
                    let case = value.unwrap_enum();
                    Flat::I32(enumeration.cases.iter().position(|c| c.name == *case)? as i32)
                }
                TypeDefKind::Flags(flags)
                    if matches!(
                        flags.repr(),
                        FlagsRepr::U8 | FlagsRepr::U16 | FlagsRepr::U32(1)
                    ) =>
                {
                    let set: Vec<_> = value.unwrap_flags().collect();
                    let bits = flags
                        .flags
                        .iter()
                        .enumerate()
                        .filter(|(_, f)| set.iter().any(|name| *name == f.name))
                        .fold(0u32, |bits, (i, _)| bits | 1 << i);
                    Flat::I32(bits as i32)
                }
                TypeDefKind::Variant(variant) if variant.cases.iter().all(|c| c.ty.is_none()) => {
                    let (case, _) = value.unwrap_variant();
                    Flat::I32(variant.cases.iter().position(|c| c.name == *case)? as i32)
                }
                TypeDefKind::Result(result) if result.ok.is_none() && result.err.is_none() => {
                    Flat::I32(i32::from(value.unwrap_result().is_err()))
                }
                _ => return None,
            },
        })
    }
}

/// The integer type of a variant's discriminant, as the canonical ABI
/// chooses it.
pub(crate) fn discriminant_type(cases: usize) -> Int {
    match cases {
        0..=0x100 => Int::U8,
        0x101..=0x1_0000 => Int::U16,
        _ => Int::U32,
    }
}
