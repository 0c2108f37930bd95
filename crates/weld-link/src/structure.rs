//! The top level of a composed component, read back: the components it
//! holds or imports, the instances it makes of them and with what, and
//! what it exports. The encoder uses it to find its instances; `weld
//! graph` draws it.

use std::collections::HashMap;
use std::ops::Range;
use wasmparser::{
    Chunk, ComponentAlias, ComponentExternalKind, ComponentInstance, ComponentName,
    ComponentOuterAliasKind, ComponentTypeRef, KnownCustom, Parser, Payload,
};

/// Where an item of an index space comes from.
#[derive(Debug, Clone)]
enum Origin {
    Import(String),
    /// An export of the instance at this index.
    Alias {
        instance: u32,
        name: String,
    },
    /// The n-th instantiation of the top level.
    Instantiation(usize),
    /// The n-th component defined in the top level.
    Defined(usize),
    Other,
}

/// What an instantiation argument or an export of the result is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// An import of the result.
    Import(String),
    /// An export of the n-th instantiation.
    Export { instantiation: usize, name: String },
    /// The n-th instantiation itself.
    Instance(usize),
    /// Something else, such as an item defined in the top level.
    Other,
}

/// One `instantiate` of the top level.
#[derive(Debug, Clone)]
pub struct Instantiation {
    /// Index in the instance index space.
    pub index: u32,
    /// Index in the component index space.
    pub component: u32,
    pub args: Vec<(String, Source)>,
}

/// How many items each index space holds; `next` hands out the index of
/// an item about to be added.
#[derive(Debug, Clone, Default)]
pub(crate) struct Counts([u32; 6]);

impl Counts {
    fn slot(kind: ComponentExternalKind) -> usize {
        match kind {
            ComponentExternalKind::Module => 0,
            ComponentExternalKind::Func => 1,
            ComponentExternalKind::Value => 2,
            ComponentExternalKind::Type => 3,
            ComponentExternalKind::Instance => 4,
            ComponentExternalKind::Component => 5,
        }
    }

    pub fn next(&mut self, kind: ComponentExternalKind) -> u32 {
        let count = &mut self.0[Self::slot(kind)];
        *count += 1;
        *count - 1
    }
}

/// A type the top level imports as equal to a type of an instance it
/// imports: what a world-level `use iface.{t as name}` becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InstanceType {
    /// The type import's name.
    pub name: String,
    /// The instance import it is taken from.
    pub instance: String,
    /// The type's name among that instance's exports.
    pub ty: String,
}

/// The top level of a component.
#[derive(Debug, Default)]
pub struct Structure {
    pub imports: Vec<String>,
    /// Imported types that name a type of an imported instance.
    pub(crate) instance_types: Vec<InstanceType>,
    pub instantiations: Vec<Instantiation>,
    pub exports: Vec<(String, Source)>,
    pub(crate) counts: Counts,
    /// Where the components defined in the top level lie, in order.
    pub(crate) defined: Vec<Range<usize>>,
    /// Whether the top level has code of its own (core instances), as a
    /// component made by wit-component does, rather than only wiring
    /// components together, as a composition does.
    pub has_code: bool,
    /// What was wrong but did not stop the reading.
    pub warnings: Vec<String>,
    spaces: [Vec<Origin>; 6],
    component_names: HashMap<u32, String>,
    instance_names: HashMap<u32, String>,
}

/// Steps over a nested module or component, whose size its header claims:
/// one that claims more than the input holds is an error, not a panic.
fn skip<'a>(
    data: &'a [u8],
    nested: &std::ops::Range<usize>,
) -> Result<&'a [u8], wasmparser::BinaryReaderError> {
    match data.get(nested.len()..) {
        Some(rest) => Ok(rest),
        // wasmparser makes its errors itself: the end of the input, where
        // the nested one's bytes should be.
        None => Err(wasmparser::BinaryReader::new(&[], nested.start)
            .read_u8()
            .expect_err("nothing to read")),
    }
}

impl Structure {
    /// Reads the top level of a component, skipping over nested modules
    /// and components.
    pub fn read(bytes: &[u8]) -> Result<Self, wasmparser::BinaryReaderError> {
        let mut structure = Structure::default();
        let mut parser = Parser::new(0);
        let mut data = bytes;
        loop {
            let payload = match parser.parse(data, true)? {
                Chunk::Parsed { consumed, payload } => {
                    data = &data[consumed..];
                    payload
                }
                Chunk::NeedMoreData(_) => unreachable!("the whole input is given at once"),
            };
            match payload {
                Payload::ModuleSection {
                    unchecked_range, ..
                } => {
                    structure.add(ComponentExternalKind::Module, Origin::Other);
                    data = skip(data, &unchecked_range)?;
                }
                Payload::ComponentSection {
                    unchecked_range, ..
                } => {
                    let defined = Origin::Defined(structure.defined.len());
                    structure.add(ComponentExternalKind::Component, defined);
                    data = skip(data, &unchecked_range)?;
                    structure.defined.push(unchecked_range);
                }
                Payload::ComponentImportSection(reader) => {
                    for import in reader {
                        let import = import?;
                        let name = import.name.name.to_owned();
                        if let ComponentTypeRef::Type(wasmparser::TypeBounds::Eq(ty)) = import.ty
                            && let Some((instance, ty)) = structure.imported_instance_type(ty)
                        {
                            structure.instance_types.push(InstanceType {
                                name: name.clone(),
                                instance,
                                ty,
                            });
                        }
                        structure.add(kind_of(import.ty), Origin::Import(name.clone()));
                        structure.imports.push(name);
                    }
                }
                Payload::ComponentAliasSection(reader) => {
                    for alias in reader {
                        match alias? {
                            ComponentAlias::InstanceExport {
                                kind,
                                instance_index,
                                name,
                            } => structure.add(
                                kind,
                                Origin::Alias {
                                    instance: instance_index,
                                    name: name.to_owned(),
                                },
                            ),
                            ComponentAlias::Outer { kind, .. } => match kind {
                                ComponentOuterAliasKind::CoreModule => {
                                    structure.add(ComponentExternalKind::Module, Origin::Other)
                                }
                                ComponentOuterAliasKind::Type => {
                                    structure.add(ComponentExternalKind::Type, Origin::Other)
                                }
                                ComponentOuterAliasKind::Component => {
                                    structure.add(ComponentExternalKind::Component, Origin::Other)
                                }
                                ComponentOuterAliasKind::CoreType => {}
                            },
                            ComponentAlias::CoreInstanceExport { .. } => {}
                        }
                    }
                }
                Payload::ComponentTypeSection(reader) => {
                    for _ in 0..reader.count() {
                        structure.add(ComponentExternalKind::Type, Origin::Other);
                    }
                }
                Payload::ComponentCanonicalSection(reader) => {
                    for canon in reader {
                        if let wasmparser::CanonicalFunction::Lift { .. } = canon? {
                            structure.add(ComponentExternalKind::Func, Origin::Other);
                        }
                    }
                }
                Payload::ComponentInstanceSection(reader) => {
                    for instance in reader {
                        match instance? {
                            ComponentInstance::Instantiate {
                                component_index,
                                args,
                            } => {
                                let args = args
                                    .iter()
                                    .map(|arg| {
                                        let source = structure.source(arg.kind, arg.index);
                                        (arg.name.to_owned(), source)
                                    })
                                    .collect();
                                let n = structure.instantiations.len();
                                let index =
                                    structure.space(ComponentExternalKind::Instance).len() as u32;
                                structure
                                    .add(ComponentExternalKind::Instance, Origin::Instantiation(n));
                                structure.instantiations.push(Instantiation {
                                    index,
                                    component: component_index,
                                    args,
                                });
                            }
                            ComponentInstance::FromExports(_) => {
                                structure.add(ComponentExternalKind::Instance, Origin::Other);
                            }
                        }
                    }
                }
                Payload::ComponentExportSection(reader) => {
                    for export in reader {
                        let export = export?;
                        let source = structure.source(export.kind, export.index);
                        structure.add(export.kind, Origin::Other);
                        structure
                            .exports
                            .push((export.name.name.to_owned(), source));
                    }
                }
                Payload::CustomSection(reader) => {
                    // Names only label what is there: a corrupt section
                    // loses them, with a warning.
                    if let KnownCustom::ComponentName(names) = reader.as_known()
                        && let Err(e) = structure.read_names(names)
                    {
                        structure.component_names.clear();
                        structure.instance_names.clear();
                        structure.warnings.push(weld_wit::inspect::bad_names(&e));
                    }
                }
                Payload::InstanceSection(_) => structure.has_code = true,
                Payload::End(_) => return Ok(structure),
                _ => {}
            }
        }
    }

    /// Which of the components the top level defines its component
    /// `index` is, if it is one of them.
    pub(crate) fn definition_of(&self, index: u32) -> Option<usize> {
        match self
            .space(ComponentExternalKind::Component)
            .get(index as usize)
        {
            Some(Origin::Defined(n)) => Some(*n),
            _ => None,
        }
    }

    fn space(&self, kind: ComponentExternalKind) -> &Vec<Origin> {
        &self.spaces[Counts::slot(kind)]
    }

    fn add(&mut self, kind: ComponentExternalKind, origin: Origin) {
        self.spaces[Counts::slot(kind)].push(origin);
        self.counts.next(kind);
    }

    /// The instance import and export name that type `ty` aliases, if it
    /// is an export of an imported instance.
    fn imported_instance_type(&self, ty: u32) -> Option<(String, String)> {
        let Some(Origin::Alias { instance, name }) =
            self.space(ComponentExternalKind::Type).get(ty as usize)
        else {
            return None;
        };
        match self
            .space(ComponentExternalKind::Instance)
            .get(*instance as usize)
        {
            Some(Origin::Import(import)) => Some((import.clone(), name.clone())),
            _ => None,
        }
    }

    fn source(&self, kind: ComponentExternalKind, index: u32) -> Source {
        let origin = |kind, index: u32| self.space(kind).get(index as usize).cloned();
        match origin(kind, index) {
            Some(Origin::Import(name)) => Source::Import(name),
            Some(Origin::Instantiation(n)) => Source::Instance(n),
            Some(Origin::Alias { instance, name }) => {
                match origin(ComponentExternalKind::Instance, instance) {
                    Some(Origin::Instantiation(n)) => Source::Export {
                        instantiation: n,
                        name,
                    },
                    _ => Source::Other,
                }
            }
            _ => Source::Other,
        }
    }

    fn read_names(
        &mut self,
        names: wasmparser::ComponentNameSectionReader<'_>,
    ) -> Result<(), wasmparser::BinaryReaderError> {
        for subsection in names {
            let (map, target) = match subsection? {
                ComponentName::Components(map) => (map, &mut self.component_names),
                ComponentName::Instances(map) => (map, &mut self.instance_names),
                _ => continue,
            };
            for naming in map {
                let naming = naming?;
                target.insert(naming.index, naming.name.to_owned());
            }
        }
        Ok(())
    }

    /// The index of the n-th component defined in the top level.
    pub(crate) fn defined_component(&self, n: usize) -> Option<u32> {
        self.space(ComponentExternalKind::Component)
            .iter()
            .position(|o| matches!(o, Origin::Defined(d) if *d == n))
            .map(|i| i as u32)
    }

    /// The index of the component imported as `name`.
    pub(crate) fn imported_component(&self, name: &str) -> Option<u32> {
        self.space(ComponentExternalKind::Component)
            .iter()
            .position(|o| matches!(o, Origin::Import(n) if n == name))
            .map(|i| i as u32)
    }

    /// What the n-th instantiation is called: its name in the name
    /// section, else that of its component, else their indices.
    pub fn instance_name(&self, n: usize) -> String {
        let instantiation = &self.instantiations[n];
        if let Some(name) = self.instance_names.get(&instantiation.index) {
            return name.clone();
        }
        let component = match self
            .space(ComponentExternalKind::Component)
            .get(instantiation.component as usize)
        {
            Some(Origin::Import(name)) => Some(name.clone()),
            _ => self.component_names.get(&instantiation.component).cloned(),
        };
        match component {
            Some(component) => format!("{component} #{n}"),
            None => format!(
                "instance {} of component {}",
                instantiation.index, instantiation.component
            ),
        }
    }
}

fn kind_of(ty: ComponentTypeRef) -> ComponentExternalKind {
    match ty {
        ComponentTypeRef::Module(_) => ComponentExternalKind::Module,
        ComponentTypeRef::Func(_) => ComponentExternalKind::Func,
        ComponentTypeRef::Value(_) => ComponentExternalKind::Value,
        ComponentTypeRef::Type(_) => ComponentExternalKind::Type,
        ComponentTypeRef::Instance(_) => ComponentExternalKind::Instance,
        ComponentTypeRef::Component(_) => ComponentExternalKind::Component,
    }
}
