//! Putting something between the instances of a composition, made by any
//! tool, without composing it again: each component the top level
//! defines can be swapped for others with the same imports and exports
//! plus one more, an instance the top level then imports first and
//! passes to it: one for each instance of it, so that instances of one
//! component can differ. `weld trace` swaps each for itself behind a
//! tap layer that names it.
//!
//! The copies for a component's later instances are defined just after
//! it, which moves every later component of the top level up; the
//! re-encoder renumbers those references too.
//!
//! The import comes first so that it is there for every instantiation;
//! every later type and instance of the top level moves up by one, and
//! the re-encoder renumbers what refers to them (aliases, arguments,
//! exports and the name section), leaving nested scopes as they are.

use crate::BoxError;
use crate::structure::{Source, Structure};
use wasm_encoder::reencode::{Reencode, ReencodeComponent, component_utils};
use wasm_encoder::{
    Component, ComponentImportSection, ComponentTypeRef, ComponentTypeSection, InstanceType,
    RawSection,
};

/// One instance of a composition: the component it instantiates, and
/// what fills each of its imports.
#[derive(Debug, Clone)]
pub struct Member {
    /// Its name in the composition (the name section's, or a number).
    pub name: String,
    /// Which component the top level defines it is an instance of, and
    /// that component's bytes.
    pub defined: usize,
    pub bytes: std::ops::Range<usize>,
    /// Each instance import, and the name of the member that fills it
    /// (None for an import of the composition: the host's).
    pub filled_by: Vec<(String, Option<String>)>,
}

/// The members of `bytes`, a composition: None for a component with code
/// of its own at its top level, or one that instantiates nothing it
/// defines.
pub fn members(bytes: &[u8]) -> Result<Option<Vec<Member>>, BoxError> {
    let structure = Structure::read(bytes)?;
    if structure.has_code {
        return Ok(None);
    }
    let mut members = Vec::new();
    for (n, instantiation) in structure.instantiations.iter().enumerate() {
        let Some(defined) = structure.definition_of(instantiation.component) else {
            continue;
        };
        let filled_by = instantiation
            .args
            .iter()
            .filter_map(|(name, source)| {
                let by = match source {
                    Source::Import(_) => None,
                    Source::Export { instantiation, .. } | Source::Instance(instantiation) => {
                        Some(structure.instance_name(*instantiation))
                    }
                    Source::Other => return None,
                };
                Some((name.clone(), by))
            })
            .collect();
        members.push(Member {
            name: structure.instance_name(n),
            defined,
            bytes: structure.defined[defined].clone(),
            filled_by,
        });
    }
    Ok((!members.is_empty()).then_some(members))
}

/// A component defined by the top level, to be replaced.
pub struct Swap {
    /// Which one, in the order they are defined.
    pub defined: usize,
    /// A component for each of its instances, in order; the first takes
    /// its place.
    pub copies: Vec<Copy>,
}

/// The component one instance is made of.
pub struct Copy {
    pub bytes: Vec<u8>,
    /// Whether it imports the instance [`swap`] adds, and so is given it.
    pub takes_import: bool,
}

/// `bytes` with `import`, an instance of type `ty`, imported first, each
/// swapped component in place of its original, and `import` passed to
/// every instance of one.
pub fn swap(
    bytes: &[u8],
    import: &str,
    ty: InstanceType,
    swaps: Vec<Swap>,
) -> Result<Vec<u8>, BoxError> {
    let structure = Structure::read(bytes)?;
    let mut component = Component::new();
    let mut types = ComponentTypeSection::new();
    types.instance(&ty);
    component.section(&types);
    let mut imports = ComponentImportSection::new();
    imports.import(import, ComponentTypeRef::Instance(0));
    component.section(&imports);
    let mut swapper = Swapper {
        structure: &structure,
        import,
        swaps,
        depth: 0,
        defined: 0,
        instantiated: Vec::new(),
    };
    component_utils::parse_component(
        &mut swapper,
        &mut component,
        wasmparser::Parser::new(0),
        bytes,
        bytes,
    )
    .map_err(|e| format!("{e:?}"))?;
    Ok(component.finish())
}

/// The re-encoder of [`swap`].
struct Swapper<'a> {
    structure: &'a Structure,
    import: &'a str,
    swaps: Vec<Swap>,
    depth: u32,
    /// How many components the top level has defined so far.
    defined: usize,
    /// The swaps' instances so far: how many of each.
    instantiated: Vec<usize>,
}

impl Swapper<'_> {
    /// The swap of the top level's component `index`, if it is swapped.
    fn swap_of(&self, index: u32) -> Option<usize> {
        let defined = self.structure.definition_of(index)?;
        self.swaps.iter().position(|swap| swap.defined == defined)
    }

    /// The copies defined before the top level's component `index`.
    fn copies_before(&self, index: u32) -> u32 {
        self.swaps
            .iter()
            .filter(|swap| {
                self.structure
                    .defined_component(swap.defined)
                    .is_some_and(|at| at < index)
            })
            .map(|swap| swap.copies.len().saturating_sub(1) as u32)
            .sum()
    }
}

impl Reencode for Swapper<'_> {
    type Error = std::convert::Infallible;
}

impl ReencodeComponent for Swapper<'_> {
    fn push_depth(&mut self) {
        self.depth += 1;
    }

    fn pop_depth(&mut self) {
        self.depth -= 1;
    }

    fn component_type_index(&mut self, ty: u32) -> u32 {
        match self.depth {
            0 => ty + 1,
            _ => ty,
        }
    }

    fn outer_component_type_index(&mut self, count: u32, ty: u32) -> u32 {
        match self.depth == count {
            true => ty + 1,
            false => ty,
        }
    }

    fn component_instance_index(&mut self, instance: u32) -> u32 {
        match self.depth {
            0 => instance + 1,
            _ => instance,
        }
    }

    fn component_index(&mut self, component: u32) -> u32 {
        match self.depth {
            0 => component + self.copies_before(component),
            _ => component,
        }
    }

    fn outer_component_index(&mut self, count: u32, component: u32) -> u32 {
        match self.depth == count {
            true => component + self.copies_before(component),
            false => component,
        }
    }

    fn parse_component_subcomponent(
        &mut self,
        component: &mut Component,
        parser: wasmparser::Parser,
        data: &[u8],
        whole_component: &[u8],
    ) -> Result<(), wasm_encoder::reencode::Error<Self::Error>> {
        if self.depth > 0 {
            return component_utils::parse_component_subcomponent(
                self,
                component,
                parser,
                data,
                whole_component,
            );
        }
        let defined = self.defined;
        self.defined += 1;
        match self.swaps.iter().position(|swap| swap.defined == defined) {
            Some(at) => {
                for copy in &self.swaps[at].copies {
                    component.section(&RawSection {
                        id: wasm_encoder::ComponentSectionId::Component as u8,
                        data: &copy.bytes,
                    });
                }
                Ok(())
            }
            None => component_utils::parse_component_subcomponent(
                self,
                component,
                parser,
                data,
                whole_component,
            ),
        }
    }

    fn parse_component_instance(
        &mut self,
        instances: &mut wasm_encoder::ComponentInstanceSection,
        instance: wasmparser::ComponentInstance<'_>,
    ) -> Result<(), wasm_encoder::reencode::Error<Self::Error>> {
        match instance {
            wasmparser::ComponentInstance::Instantiate {
                component_index,
                args,
            } if self.depth == 0
                && let Some(swap) = self.swap_of(component_index) =>
            {
                let mut given: Vec<(&str, wasm_encoder::ComponentExportKind, u32)> = args
                    .iter()
                    .map(|arg| {
                        (
                            arg.name,
                            arg.kind.into(),
                            self.component_external_index(arg.kind, arg.index),
                        )
                    })
                    .collect();
                if self.instantiated.len() < self.swaps.len() {
                    self.instantiated.resize(self.swaps.len(), 0);
                }
                // The n-th instance is of the n-th copy (the last, should
                // there be more instances than copies).
                let nth = self.instantiated[swap].min(self.swaps[swap].copies.len() - 1);
                self.instantiated[swap] += 1;
                if self.swaps[swap].copies[nth].takes_import {
                    given.push((self.import, wasm_encoder::ComponentExportKind::Instance, 0));
                }
                let index = self.component_index(component_index) + nth as u32;
                instances.instantiate(index, given);
                Ok(())
            }
            instance => component_utils::parse_component_instance(self, instances, instance),
        }
    }
}
