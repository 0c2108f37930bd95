//! Re-encoding a component's top level with its type indices changed.
//!
//! Both rewrites of wasm-compose's encoding (`splice`, `named_types`)
//! change what the top level's type references point at and leave nested
//! scopes alone: a reference in a nested scope means a top-level type only
//! when it is an outer alias reaching exactly up to the top.

use wasm_encoder::reencode::{Reencode, ReencodeComponent};

/// What a rewrite does to a reference to the top level's type `ty`.
pub(crate) trait TopLevelTypes {
    fn top_level(&mut self, ty: u32) -> u32;
}

/// A re-encoder applying `types` to the top level's type references.
pub(crate) struct Renumber<T> {
    pub types: T,
    depth: u32,
}

impl<T> Renumber<T> {
    pub fn new(types: T) -> Renumber<T> {
        Renumber { types, depth: 0 }
    }
}

impl<T: TopLevelTypes> Reencode for Renumber<T> {
    type Error = std::convert::Infallible;
}

impl<T: TopLevelTypes> ReencodeComponent for Renumber<T> {
    fn push_depth(&mut self) {
        self.depth += 1;
    }

    fn pop_depth(&mut self) {
        self.depth -= 1;
    }

    fn component_type_index(&mut self, ty: u32) -> u32 {
        match self.depth {
            0 => self.types.top_level(ty),
            _ => ty,
        }
    }

    fn outer_component_type_index(&mut self, count: u32, ty: u32) -> u32 {
        match self.depth == count {
            true => self.types.top_level(ty),
            false => ty,
        }
    }
}
