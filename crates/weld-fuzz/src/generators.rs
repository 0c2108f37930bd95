//! Generators shared by the targets: wasm-smith modules and components,
//! wit-smith packages and components made for their worlds (the dummy
//! modules of wit-component, so a world's imports and exports are real),
//! mutated seeds, and WAVE values of WIT types.

use crate::input;
use crate::targets::Gen;
use arbitrary::Unstructured;
use wit_component::{ComponentEncoder, StringEncoding, WitPrinter};
use wit_parser::{
    LiftLowerAbi, ManglingAndAbi, PackageId, Resolve, Type, TypeDefKind, WorldId, WorldItem,
    WorldKey,
};

impl Gen<'_> {
    /// Bytes for `arbitrary` to read, of a random length.
    pub fn entropy(&mut self) -> Vec<u8> {
        let len = 16 + self.rng.below(4096);
        self.rng.bytes(len)
    }

    /// A core module from wasm-smith.
    pub fn module(&mut self) -> Option<Vec<u8>> {
        let entropy = self.entropy();
        let mut u = Unstructured::new(&entropy);
        let config: wasm_smith::Config = u.arbitrary().ok()?;
        Some(wasm_smith::Module::new(config, &mut u).ok()?.to_bytes())
    }

    /// A component from wasm-smith's component generator, which knows
    /// less of the component model than wit-component does but writes
    /// shapes no WIT world has.
    pub fn smith_component(&mut self) -> Option<Vec<u8>> {
        let entropy = self.entropy();
        let mut u = Unstructured::new(&entropy);
        let config: wasm_smith::Config = u.arbitrary().ok()?;
        Some(wasm_smith::Component::new(config, &mut u).ok()?.to_bytes())
    }

    /// A package from wit-smith, with the packages it uses.
    pub fn package(&mut self) -> Option<Package> {
        let entropy = self.entropy();
        let mut u = Unstructured::new(&entropy);
        let mut config: wit_smith::Config = u.arbitrary().ok()?;
        config.max_packages = config.max_packages.min(4);
        config.max_type_size = config.max_type_size.min(50);
        let wasm = wit_smith::smith(&config, &mut u).ok()?;
        match wit_parser::decoding::decode(&wasm).ok()? {
            wit_parser::decoding::DecodedWasm::WitPackage(resolve, id) => {
                Some(Package { resolve, id })
            }
            wit_parser::decoding::DecodedWasm::Component(..) => None,
        }
    }

    /// A component of a wit-smith world, one of the seeds, or one of
    /// those mutated.
    pub fn component(&mut self) -> Vec<u8> {
        if self.rng.one_in(2)
            && let Some(package) = self.package()
            && let Some(&world) = self.rng.pick(&package.worlds())
            && let Some(component) = package.component(world)
        {
            return component;
        }
        let seed = self.pick(&self.seeds.components);
        match self.rng.one_in(3) {
            true => self.mutate(seed),
            false => seed,
        }
    }

    /// One of `pool`, or nothing when it is empty.
    pub fn pick(&mut self, pool: &[Vec<u8>]) -> Vec<u8> {
        self.rng.pick(pool).cloned().unwrap_or_default()
    }

    /// `data` mutated at the byte level, spliced with another seed.
    pub fn mutate(&mut self, data: Vec<u8>) -> Vec<u8> {
        let other = self.pick(&self.seeds.components);
        input::mutate(&mut self.rng, data, &other)
    }

    /// One of `pool`'s texts mutated, with words from another.
    pub fn mutate_text(&mut self, pool: &[String], text: &str) -> Vec<u8> {
        let other = self.rng.pick(pool).cloned().unwrap_or_default();
        input::mutate_text(&mut self.rng, text, &other)
    }
}

/// A resolved package and the packages it uses.
pub struct Package {
    pub resolve: Resolve,
    pub id: PackageId,
}

impl Package {
    pub fn worlds(&self) -> Vec<WorldId> {
        self.resolve.packages[self.id]
            .worlds
            .values()
            .copied()
            .collect()
    }

    /// The package as WIT text, with the packages it uses nested in it so
    /// that the text resolves on its own.
    pub fn text(&self) -> Option<String> {
        let nested: Vec<PackageId> = self
            .resolve
            .packages
            .iter()
            .map(|(id, _)| id)
            .filter(|id| *id != self.id)
            .collect();
        let mut printer = WitPrinter::default();
        printer.print(&self.resolve, self.id, &nested).ok()?;
        Some(printer.output.to_string())
    }

    /// A core module for `world` whose functions trap, with the world
    /// embedded in it or not.
    pub fn module(&self, world: WorldId, embed: bool) -> Option<Vec<u8>> {
        let mut module = wit_component::dummy_module(
            &self.resolve,
            world,
            ManglingAndAbi::Legacy(LiftLowerAbi::Sync),
        );
        if embed {
            wit_component::embed_component_metadata(
                &mut module,
                &self.resolve,
                world,
                StringEncoding::UTF8,
            )
            .ok()?;
        }
        Some(module)
    }

    /// A component of `world`.
    pub fn component(&self, world: WorldId) -> Option<Vec<u8>> {
        let module = self.module(world, true)?;
        ComponentEncoder::default()
            .validate(true)
            .module(&module)
            .ok()?
            .encode()
            .ok()
    }

    /// A component exporting the interfaces `world` imports, which plugs
    /// into a component of `world`; none when it imports no interface of
    /// a package.
    pub fn exporter(&self, world: WorldId) -> Option<Vec<u8>> {
        let exports: String = self.resolve.worlds[world]
            .imports
            .iter()
            .filter_map(|(key, item)| match (key, item) {
                (WorldKey::Interface(id), WorldItem::Interface { .. }) => self.resolve.id_of(*id),
                _ => None,
            })
            .map(|name| format!("  export {name};\n"))
            .collect();
        if exports.is_empty() {
            return None;
        }
        let mut resolve = self.resolve.clone();
        let text = format!("package weld-fuzz:plug;\nworld plug {{\n{exports}}}\n");
        let id = resolve.push_str("plug.wit", &text).ok()?;
        let world = resolve.select_world(&[id], Some("plug")).ok()?;
        Package { resolve, id }.component(world)
    }
}

/// A value of `ty` in WAVE, mostly well-formed; none for types WAVE has
/// no syntax for (handles, futures, streams, maps).
pub fn wave_value(
    resolve: &Resolve,
    ty: &Type,
    u: &mut Unstructured,
    depth: u32,
) -> arbitrary::Result<Option<String>> {
    let text = match ty {
        Type::Bool => u.arbitrary::<bool>()?.to_string(),
        Type::U8 => u.arbitrary::<u8>()?.to_string(),
        Type::U16 => u.arbitrary::<u16>()?.to_string(),
        Type::U32 => u.arbitrary::<u32>()?.to_string(),
        Type::U64 => u.arbitrary::<u64>()?.to_string(),
        Type::S8 => u.arbitrary::<i8>()?.to_string(),
        Type::S16 => u.arbitrary::<i16>()?.to_string(),
        Type::S32 => u.arbitrary::<i32>()?.to_string(),
        Type::S64 => u.arbitrary::<i64>()?.to_string(),
        Type::F32 => float(u.arbitrary::<f32>()?.into()),
        Type::F64 => float(u.arbitrary()?),
        Type::Char => format!("'{}'", u.arbitrary::<char>()?.escape_default()),
        Type::String => format!("\"{}\"", u.arbitrary::<String>()?.escape_default()),
        Type::ErrorContext => return Ok(None),
        Type::Id(id) => {
            let depth = depth + 1;
            let joined = |values: Option<Vec<String>>, open: &str, close: &str| {
                values.map(|v| format!("{open}{}{close}", v.join(", ")))
            };
            return Ok(match &resolve.types[*id].kind {
                TypeDefKind::Type(ty) => wave_value(resolve, ty, u, depth)?,
                TypeDefKind::Record(record) => {
                    let types = record.fields.iter().map(|f| &f.ty);
                    let values = wave_values(resolve, types, u, depth)?.map(|values| {
                        let names = record.fields.iter().map(|f| &f.name);
                        names
                            .zip(values)
                            .map(|(n, v)| format!("{n}: {v}"))
                            .collect()
                    });
                    joined(values, "{", "}")
                }
                TypeDefKind::Tuple(tuple) => {
                    joined(wave_values(resolve, &tuple.types, u, depth)?, "(", ")")
                }
                TypeDefKind::List(ty) => {
                    let len = if depth > 3 { 0 } else { u.int_in_range(0..=4)? };
                    let types = std::iter::repeat_n(ty, len);
                    joined(wave_values(resolve, types, u, depth)?, "[", "]")
                }
                TypeDefKind::FixedLengthList(ty, len) => {
                    let types = std::iter::repeat_n(ty, (*len).min(64) as usize);
                    joined(wave_values(resolve, types, u, depth)?, "[", "]")
                }
                TypeDefKind::Option(ty) => match u.arbitrary()? {
                    true => case(resolve, "some", Some(ty), u, depth)?,
                    false => Some("none".to_owned()),
                },
                TypeDefKind::Result(result) => match u.arbitrary()? {
                    true => case(resolve, "ok", result.ok.as_ref(), u, depth)?,
                    false => case(resolve, "err", result.err.as_ref(), u, depth)?,
                },
                TypeDefKind::Variant(variant) => match variant.cases.len() {
                    0 => None,
                    n => {
                        let chosen = &variant.cases[u.choose_index(n)?];
                        case(resolve, &chosen.name, chosen.ty.as_ref(), u, depth)?
                    }
                },
                TypeDefKind::Enum(e) => match e.cases.len() {
                    0 => None,
                    n => Some(e.cases[u.choose_index(n)?].name.clone()),
                },
                TypeDefKind::Flags(flags) => {
                    let mut set = Vec::new();
                    for flag in &flags.flags {
                        if u.arbitrary()? {
                            set.push(flag.name.clone());
                        }
                    }
                    joined(Some(set), "{", "}")
                }
                TypeDefKind::Resource
                | TypeDefKind::Handle(_)
                | TypeDefKind::Map(..)
                | TypeDefKind::Future(_)
                | TypeDefKind::Stream(_)
                | TypeDefKind::Unknown => None,
            });
        }
    };
    Ok(Some(text))
}

/// Values of each of `types`; none if one has no WAVE syntax.
fn wave_values<'t>(
    resolve: &Resolve,
    types: impl IntoIterator<Item = &'t Type>,
    u: &mut Unstructured,
    depth: u32,
) -> arbitrary::Result<Option<Vec<String>>> {
    let mut values = Vec::new();
    for ty in types {
        match wave_value(resolve, ty, u, depth)? {
            Some(value) => values.push(value),
            None => return Ok(None),
        }
    }
    Ok(Some(values))
}

/// `name`, or `name(value)` for a payload of type `ty`.
fn case(
    resolve: &Resolve,
    name: &str,
    ty: Option<&Type>,
    u: &mut Unstructured,
    depth: u32,
) -> arbitrary::Result<Option<String>> {
    Ok(match ty {
        None => Some(name.to_owned()),
        Some(ty) => wave_value(resolve, ty, u, depth)?.map(|v| format!("{name}({v})")),
    })
}

fn float(f: f64) -> String {
    match f {
        f if f.is_nan() => "nan".to_owned(),
        f if f.is_infinite() && f > 0.0 => "inf".to_owned(),
        f if f.is_infinite() => "-inf".to_owned(),
        f => f.to_string(),
    }
}
