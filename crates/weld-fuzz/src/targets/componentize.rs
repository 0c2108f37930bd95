//! `weld new`: `componentize::new_component` on core modules, with WIT
//! they carry or WIT given beside them (`--wit`, `--world`). The
//! component it returns must validate.
//!
//! An input is three parts: the module, WIT text (empty for none) and the
//! world's name (empty for the package's only world).

use super::Gen;
use crate::input::{join, split};
use std::path::Path;
use weld_wit::componentize::{Options, new_component};

pub fn generate(g: &mut Gen) -> Vec<u8> {
    if g.rng.one_in(2)
        && let Some(package) = g.package()
        && let Some(&world) = g.rng.pick(&package.worlds())
    {
        let given = g.rng.one_in(2);
        let module = package.module(world, !given).unwrap_or_default();
        let module = match g.rng.one_in(4) {
            true => g.mutate(module),
            false => module,
        };
        let (wit, name) = match given {
            true => (
                package.text().unwrap_or_default(),
                package.resolve.worlds[world].name.clone(),
            ),
            false => (String::new(), String::new()),
        };
        return join::<3>(&[&module, wit.as_bytes(), name.as_bytes()]);
    }
    let module = match g.rng.below(3) {
        0 => g.module().unwrap_or_default(),
        _ => {
            let seed = g.pick(&g.seeds.modules);
            g.mutate(seed)
        }
    };
    join::<3>(&[&module])
}

pub fn run(input: &[u8]) -> Result<(), String> {
    let [module, wit, world] = split(input);
    let wit = match wit.is_empty() {
        true => None,
        false => match weld_wit::load_bytes(Path::new("fuzz.wit"), wit.to_vec()) {
            Ok(wit) => Some(wit),
            Err(_) => return Ok(()),
        },
    };
    let world = std::str::from_utf8(world).ok().filter(|w| !w.is_empty());
    let options = Options {
        world: wit.as_ref().map(|wit| (wit, world)),
        adapters: Vec::new(),
    };
    match new_component(Path::new("fuzz.wasm"), module.to_vec(), &options) {
        Ok(component) => super::validate(&component),
        Err(weld_wit::Error::InvalidOutput { source, .. }) => {
            Err(format!("weld new made an invalid component: {source}"))
        }
        Err(_) => Ok(()),
    }
}
