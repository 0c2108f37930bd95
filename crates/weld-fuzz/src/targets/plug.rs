//! `weld plug`: `weld_link::plug` of a socket and up to three plugs, then
//! the plan and its picture (`--dry-run`, `weld graph`). The composed
//! component must validate.
//!
//! Inputs are pairs made for each other: a wit-smith world and a
//! component exporting what it imports, or a fixture and fixtures that
//! export what it imports; sometimes mutated. An input is four parts: the socket and
//! the plugs, an empty part standing for no plug.

use super::Gen;
use crate::input::{join, split};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use weld_link::{Picture, Plug, Shared};
use weld_wit::validated::Validated;

pub fn generate(g: &mut Gen) -> Vec<u8> {
    let mut parts = match g.rng.below(3) {
        0 | 1 => pair(g).unwrap_or_default(),
        _ => Vec::new(),
    };
    if parts.is_empty() {
        parts = fixtures(g);
    }
    if g.rng.one_in(4) {
        let at = g.rng.below(parts.len());
        parts[at] = g.mutate(std::mem::take(&mut parts[at]));
    }
    let parts: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    join::<4>(&parts)
}

/// A component of a wit-smith world, and one or two components exporting
/// what it imports (the second of another world of the package, to give
/// the linker a choice).
fn pair(g: &mut Gen) -> Option<Vec<Vec<u8>>> {
    let package = g.package()?;
    let worlds = package.worlds();
    let world = *g.rng.pick(&worlds)?;
    let mut parts = vec![package.component(world)?, package.exporter(world)?];
    if let Some(&other) = g.rng.pick(&worlds)
        && let Some(plug) = package.exporter(other)
    {
        parts.push(plug);
    }
    Some(parts)
}

/// A fixture and up to three others that export what it imports, in a
/// random order (so some plugs are given before what they need).
fn fixtures(g: &mut Gen) -> Vec<Vec<u8>> {
    let socket = g.pick(&g.seeds.components);
    let (imports, _) = super::interfaces(&socket);
    let mut fitting: Vec<Vec<u8>> = g
        .seeds
        .components
        .iter()
        .zip(g.seeds.exports())
        .filter(|(_, exports)| exports.iter().any(|e| imports.contains(e)))
        .map(|(c, _)| c.clone())
        .collect();
    let mut parts = vec![socket];
    while parts.len() < 4 && !fitting.is_empty() {
        let at = g.rng.below(fitting.len());
        parts.push(fitting.swap_remove(at));
    }
    parts
}

pub fn run(input: &[u8]) -> Result<(), String> {
    let Some(composed) = compose(input) else {
        return Ok(());
    };
    let _ = composed.plan.to_string();
    super::draw(&Picture::of_plan(&composed.plan));
    super::check_output(composed.component)
}

/// The socket and plugs of `input` plugged together, if they fit.
pub(crate) fn compose(input: &[u8]) -> Option<weld_link::Composed> {
    let [socket, plugs @ ..] = split::<4>(input);
    let shared = |bytes: &[u8]| -> Shared { Arc::new(bytes.to_vec().into()) };
    let plugs: Vec<Plug> = plugs
        .iter()
        .filter(|p| !p.is_empty())
        .enumerate()
        .map(|(i, bytes)| Plug {
            path: PathBuf::from(format!("plug{i}.wasm")),
            bytes: shared(bytes),
            only: Vec::new(),
        })
        .collect();
    weld_link::plug(
        Path::new("socket.wasm"),
        &shared(socket),
        &plugs,
        &Validated::default(),
    )
    .ok()
}
