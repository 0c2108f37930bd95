//! WIT text, as `weld wit FILE.wit` reads it (`load_bytes` of a `.wit`),
//! and what `weld wit` prints of it: a package that uses no other must
//! parse again as printed, since `weld wit` output is meant to be WIT.

use super::Gen;
use std::path::Path;

pub fn generate(g: &mut Gen) -> Vec<u8> {
    let text = match g.rng.below(3) {
        0 => g.package().and_then(|p| p.text()),
        _ => g.rng.pick(&g.seeds.wit).cloned(),
    };
    let text = text.unwrap_or_default();
    match g.rng.below(3) {
        0 => text.into_bytes(),
        _ => g.mutate_text(&g.seeds.wit, &text),
    }
}

pub fn run(input: &[u8]) -> Result<(), String> {
    let Ok(wit) = weld_wit::load_bytes(Path::new("fuzz.wit"), input.to_vec()) else {
        return Ok(());
    };
    let _ = weld_wit::print::json(&wit, None);
    for &world in wit.resolve.packages[wit.package].worlds.values() {
        let _ = weld_wit::print::world(&wit, world);
    }
    let _ = wit.world(None);
    let printed = weld_wit::print::package(&wit).map_err(super::chain)?;
    // A package that uses others is printed alone, as it is in a
    // directory with `deps/`: it resolves only with them.
    if !wit.dependencies().is_empty() {
        return Ok(());
    }
    match weld_wit::load_bytes(Path::new("printed.wit"), printed.clone().into_bytes()) {
        Ok(_) => Ok(()),
        Err(e) => Err(format!(
            "what `weld wit` printed does not parse: {}\n{printed}",
            super::chain(e)
        )),
    }
}
