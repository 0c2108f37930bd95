//! Decoding binaries: `weld inspect` (`inspect::inspect`), the WIT of a
//! component or an encoded package (`load_bytes`, then every printer of
//! `weld wit`), `weld graph` of a component (`picture_of_component`), and
//! `weld check targets` of a component against its own world, which it
//! must fit.

use super::Gen;
use std::path::Path;
use weld_wit::check::{self, Format};

pub fn generate(g: &mut Gen) -> Vec<u8> {
    let made = match g.rng.below(6) {
        0 => g.module(),
        1 => g.smith_component(),
        2 => g.package().and_then(|p| {
            let world = *g.rng.pick(&p.worlds())?;
            p.component(world)
        }),
        3 => {
            let pool = [&g.seeds.modules[..], &g.seeds.other[..]].concat();
            let seed = g.pick(&pool);
            Some(g.mutate(seed))
        }
        4 => Some(g.entropy()),
        _ => None,
    };
    made.unwrap_or_else(|| g.component())
}

pub fn run(input: &[u8]) -> Result<(), String> {
    let path = Path::new("fuzz.wasm");
    if let Ok(report) = weld_wit::inspect::inspect(path, input) {
        let _ = report.to_string();
        let _ = serde_json::to_string(&report);
    }
    if let Ok(picture) = weld_link::picture_of_component(path, input) {
        super::draw(&picture);
    }
    let Ok(wit) = weld_wit::load_bytes(path, input.to_vec()) else {
        return Ok(());
    };
    let _ = weld_wit::print::package(&wit);
    let _ = weld_wit::print::json(&wit, None);
    for &world in wit.resolve.packages[wit.package].worlds.values() {
        let _ = weld_wit::print::world(&wit, world);
        let _ = weld_wit::print::json(&wit, Some(world));
    }
    if let Some(world) = wit.world {
        let report = check::targets::check(&wit, &wit, world, "itself".to_owned());
        if !report.passed() {
            let why = check::render(&report, Format::Human { color: false });
            return Err(format!("a component does not fit its own world: {why}"));
        }
    }
    Ok(())
}
