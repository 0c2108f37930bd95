//! The targets: each generates inputs from the seeded RNG and the seeds,
//! and runs one through weld's libraries. `run` returns `Err` only for a
//! broken promise about an output (a component that does not validate);
//! weld refusing an input with an error is the expected outcome of most
//! inputs, and a panic is caught by the harness.

mod componentize;
mod decode;
mod manifest;
mod plug;
mod semver;
mod trace;
mod virt;
mod wave;
mod wit_text;

use crate::input::Seeds;
use crate::rng::Rng;

pub struct Target {
    pub name: &'static str,
    pub generate: fn(&mut Gen) -> Vec<u8>,
    pub run: fn(&[u8]) -> Result<(), String>,
}

/// What generators draw from.
pub struct Gen<'a> {
    pub rng: Rng,
    pub seeds: &'a Seeds,
}

pub static TARGETS: [Target; 9] = [
    Target {
        name: "decode",
        generate: decode::generate,
        run: decode::run,
    },
    Target {
        name: "wit-text",
        generate: wit_text::generate,
        run: wit_text::run,
    },
    Target {
        name: "componentize",
        generate: componentize::generate,
        run: componentize::run,
    },
    Target {
        name: "plug",
        generate: plug::generate,
        run: plug::run,
    },
    Target {
        name: "virt",
        generate: virt::generate,
        run: virt::run,
    },
    Target {
        name: "manifest",
        generate: manifest::generate,
        run: manifest::run,
    },
    Target {
        name: "wave",
        generate: wave::generate,
        run: wave::run,
    },
    Target {
        name: "semver",
        generate: semver::generate,
        run: semver::run,
    },
    Target {
        name: "trace",
        generate: trace::generate,
        run: trace::run,
    },
];

pub fn find(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}

/// Checks a component weld composed: weld's own check of it (which also
/// waits for the inputs' validation), and then wasmparser's, with every
/// feature, should weld have passed it. An invalid input is an error, not
/// a failure; an invalid output weld accepted, or one it calls a bug of
/// its own, is.
fn check_output(output: weld_link::Output) -> Result<(), String> {
    let mut bytes = Vec::new();
    output
        .write_to(&mut bytes)
        .map_err(|e| format!("cannot write the output: {e}"))?;
    match output.check(&bytes) {
        Err(e @ weld_link::Error::InvalidOutput(_)) => Err(chain(e)),
        Err(_) => Ok(()),
        Ok(()) => validate(&bytes),
    }
}

/// wasmparser's verdict on a component weld produced.
fn validate(bytes: &[u8]) -> Result<(), String> {
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(bytes)
        .map(drop)
        .map_err(|e| format!("the output does not validate: {e}"))
}

/// An error and its causes, on one line.
fn chain(error: impl std::error::Error + Send + Sync + 'static) -> String {
    format!("{:#}", anyhow::Error::new(error))
}

/// `weld graph` of `picture`, in both of its formats.
fn draw(picture: &weld_link::Picture) {
    for format in [weld_link::Format::Mermaid, weld_link::Format::Dot] {
        picture.render(format);
    }
}

/// The interfaces a component imports and exports, by full name.
pub(crate) fn interfaces(component: &[u8]) -> (Vec<String>, Vec<String>) {
    let Ok(wit) = weld_wit::load_bytes(std::path::Path::new("c.wasm"), component.to_vec()) else {
        return (Vec::new(), Vec::new());
    };
    let Some(world) = wit.world else {
        return (Vec::new(), Vec::new());
    };
    let world = &wit.resolve.worlds[world];
    let names = |keys: &mut dyn Iterator<Item = &weld_wit::wit_parser::WorldKey>| {
        keys.map(|key| wit.resolve.name_world_key(key)).collect()
    };
    (
        names(&mut world.imports.keys()),
        names(&mut world.exports.keys()),
    )
}
