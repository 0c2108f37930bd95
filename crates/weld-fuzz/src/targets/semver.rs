//! `weld check semver`: `check::semver::check` of an old and a new
//! version of a WIT package, the new one an edit of the old (versions
//! bumped or not, items added, removed or changed), and its report in
//! every format. The JSON and SARIF reports must be JSON, and a package
//! compared with itself must pass.
//!
//! An input is two parts: the old WIT text and the new.

use super::Gen;
use crate::input::{join, split};
use std::path::Path;
use weld_wit::check::{self, Format};

pub fn generate(g: &mut Gen) -> Vec<u8> {
    let old = match g.rng.below(3) {
        0 => g.rng.pick(&g.seeds.wit).cloned(),
        _ => g.package().and_then(|p| p.text()),
    }
    .unwrap_or_default();
    let new = match g.rng.below(4) {
        0 => bump(g, &old).into_bytes(),
        1 => {
            let bumped = bump(g, &old);
            g.mutate_text(&g.seeds.wit, &bumped)
        }
        _ => g.mutate_text(&g.seeds.wit, &old),
    };
    join::<2>(&[old.as_bytes(), &new])
}

/// `text` with every version `@X.Y.Z` given a new patch, minor or major
/// number.
fn bump(g: &mut Gen, text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('@') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let mut numbers: Vec<u64> = rest[..end]
            .split('.')
            .filter_map(|n| n.parse().ok())
            .collect();
        if let Some(n) = numbers.get_mut(g.rng.below(3)) {
            *n += 1;
        }
        let numbers: Vec<String> = numbers.iter().map(u64::to_string).collect();
        out.push_str(&numbers.join("."));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

pub fn run(input: &[u8]) -> Result<(), String> {
    let [old, new] = split(input);
    let load = |name: &str, text: &[u8]| weld_wit::load_bytes(Path::new(name), text.to_vec()).ok();
    let (Some(old), Some(new)) = (load("old.wit", old), load("new.wit", new)) else {
        return Ok(());
    };
    let report = check::semver::check(&old, &new, "old -> new".to_owned());
    for format in [Format::Human { color: true }, Format::Junit, Format::Github] {
        check::render(&report, format);
    }
    for format in [Format::Json, Format::Sarif] {
        let text = check::render(&report, format);
        if let Err(e) = serde_json::from_str::<serde_json::Value>(&text) {
            return Err(format!("the {format:?} report is not JSON: {e}"));
        }
    }
    let same = check::semver::check(&old, &old, "old -> old".to_owned());
    match same.passed() {
        true => Ok(()),
        false => Err(format!(
            "a package compared with itself fails: {}",
            check::render(&same, Format::Human { color: false })
        )),
    }
}
