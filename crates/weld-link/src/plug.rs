//! `weld plug`: fill a socket's imports from the exports of plugs.

use crate::Error;
use crate::encode::{self, Components, InputCheck, Output};
use crate::plan::{Export, Instance, Link, Plan, Shared, Unfilled, Unit, find_cycle, same_bytes};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use weld_wit::names::{fits, version_mismatch};
use weld_wit::validated::Validated;

/// A component offered to fill imports, optionally only with some exports.
#[derive(Clone)]
pub struct Plug {
    pub path: PathBuf,
    pub bytes: Shared,
    /// Interfaces this plug may provide (full name, name without version,
    /// or last part); empty for all of its exports.
    pub only: Vec<String>,
}

/// The plan, and the composed component unless it was a dry run.
pub struct Composed {
    pub plan: Plan,
    /// The result, encoded and being validated. A dry run is a composition
    /// that is not written: it checks everything the real one does.
    pub component: Output,
}

/// Plugs `plugs` into `socket`. Plugs may fill each other's imports; each
/// import takes the first plug whose export fits it, looking first at the
/// plugs given after its own component and then at those before. The
/// result exports what the socket exports.
pub fn plug(
    socket: &Path,
    socket_bytes: &Shared,
    plugs: &[Plug],
    validated: &Validated,
) -> Result<Composed, Error> {
    let inputs = {
        let plugs = plugs.iter().map(|p| (p.path.clone(), Arc::clone(&p.bytes)));
        InputCheck::start(
            [(socket.to_owned(), Arc::clone(socket_bytes))]
                .into_iter()
                .chain(plugs)
                .collect(),
            validated,
        )
    };
    // Instance `i` is of `units[of[i]]`: a component given more than once
    // (the same bytes, such as a decorator plugged in twice) is read and
    // embedded once, with an instance per use. The plan's instances keep
    // it (`Instance::unit`).
    let given: Vec<(&Path, &Shared)> = std::iter::once((socket, socket_bytes))
        .chain(plugs.iter().map(|p| (p.path.as_path(), &p.bytes)))
        .collect();
    let mut validator = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all());
    let mut units: Vec<Unit> = Vec::new();
    let mut of = Vec::new();
    for &(path, bytes) in &given {
        match units.iter().position(|unit| same_bytes(unit.bytes, bytes)) {
            Some(unit) => of.push(unit),
            None => {
                of.push(units.len());
                let name = component_name(path, |name| units.iter().any(|u| u.name == name));
                units.push(Unit::read(&mut validator, name, path, bytes)?);
            }
        }
    }
    let instances: Vec<&Unit> = of.iter().map(|&unit| &units[unit]).collect();
    let path = |i: usize| given[i].0;
    let only = |i: usize| -> &[String] { if i == 0 { &[] } else { &plugs[i - 1].only } };
    for (i, unit) in instances.iter().enumerate().skip(1) {
        for query in only(i) {
            if !unit
                .instance_exports
                .iter()
                .any(|e| weld_wit::names::names_interface(e, query))
            {
                return Err(Error::NoSuchExport {
                    component: path(i).display().to_string(),
                    name: query.clone(),
                    available: weld_wit::display::code_list(
                        &unit.instance_exports,
                        "no interfaces",
                    ),
                });
            }
        }
    }

    let offers = |j: usize, export: &str| {
        only(j).is_empty()
            || only(j)
                .iter()
                .any(|q| weld_wit::names::names_interface(export, q))
    };
    let mut links = Vec::new();
    let mut unfilled = Vec::new();
    for (importer, unit) in instances.iter().enumerate() {
        for import in &unit.imports {
            // Plugs after the importer first, so that decorators given in
            // order form a chain; then the ones before it.
            let order = (importer + 1..instances.len()).chain(1..importer);
            let provider = order.into_iter().find_map(|j| {
                instances[j]
                    .instance_exports
                    .iter()
                    .find(|e| fits(import, e) && offers(j, e))
                    .map(|e| (j, e.clone()))
            });
            match provider {
                Some((exporter, export)) => links.push(Link {
                    importer,
                    import: import.clone(),
                    exporter,
                    export,
                }),
                None => unfilled.push(Unfilled {
                    instance: importer,
                    import: import.clone(),
                }),
            }
        }
        unfilled.extend(unit.never_linked(importer));
    }

    // Instances are named by their files; a file given again is numbered
    // (`pass.wasm#2`), so that a chain of one decorator reads clearly.
    let names: Vec<String> = (0..given.len())
        .map(|i| {
            let name = path(i).display().to_string();
            match (0..i).filter(|&j| path(j) == path(i)).count() {
                0 => name,
                before => format!("{name}#{}", before + 1),
            }
        })
        .collect();
    // Every plug must be used, or the user should hear why it was not.
    for j in 1..instances.len() {
        if !links.iter().any(|l| l.exporter == j) {
            return Err(Error::UnusedPlug {
                path: path(j).to_owned(),
                why: why_unused(&instances, &names, j),
            });
        }
    }
    if let Some(cycle) = find_cycle(&names, &links) {
        return Err(Error::Cycle(cycle));
    }
    let plan = Plan {
        instances: (0..given.len())
            .map(|i| Instance {
                name: names[i].clone(),
                component: path(i).to_owned(),
                unit: of[i],
            })
            .collect(),
        links,
        exports: instances[0]
            .exports()
            .into_iter()
            .map(|name| Export {
                export: name.clone(),
                name,
                instance: 0,
            })
            .collect(),
        unfilled,
    };
    plan.check_size()?;
    let component = encode::encode(&mut validator, units, &plan, Components::Embedded, inputs)?;
    Ok(Composed { plan, component })
}

/// The name of the component read from `path` in the result: its file
/// stem in kebab case, as component names must be (`python-app`), made
/// unique with a number when `taken`.
fn component_name(path: &Path, taken: impl Fn(&str) -> bool) -> String {
    let stem = weld_wit::files::source_stem(path).unwrap_or_default();
    let mut name = String::new();
    for word in stem
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
    {
        // Each word of a kebab-case name starts with a letter: one that
        // starts with a digit joins the word before it.
        if !name.is_empty() && word.starts_with(|c: char| c.is_ascii_alphabetic()) {
            name.push('-');
        }
        name.push_str(&word.to_ascii_lowercase());
    }
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name.insert_str(0, "component");
    }
    match taken(&name) {
        false => name,
        true => (2..)
            .map(|n| format!("{name}{n}"))
            .find(|numbered| !taken(numbered))
            .expect("some number is free"),
    }
}

/// One line per export of plug `j`, saying what it could have filled.
fn why_unused(units: &[&Unit<'_>], names: &[String], j: usize) -> String {
    let mut why = String::new();
    if units[j].instance_exports.is_empty() {
        return " it exports no interfaces".to_owned();
    }
    for export in &units[j].instance_exports {
        let mut near = Vec::new();
        for (i, unit) in units.iter().enumerate() {
            if i == j {
                continue;
            }
            for import in &unit.imports {
                if let Some(Some(reason)) = version_mismatch(import, export) {
                    near.push(format!(
                        "{} imports {import}; {} exports {export} ({reason})",
                        names[i], names[j]
                    ));
                }
            }
        }
        if near.is_empty() {
            why.push_str(&format!("\n  nothing imports {export}"));
        } else {
            for line in near {
                why.push_str(&format!("\n  {line}"));
            }
        }
    }
    why
}

#[cfg(test)]
mod tests {
    use super::component_name;
    use std::path::Path;

    #[test]
    fn components_are_named_in_kebab_case_and_uniquely() {
        let name = |path: &str| component_name(Path::new(path), |_| false);
        assert_eq!(name("dir/python-app.wasm"), "python-app");
        assert_eq!(name("App_V2.wat"), "app-v2");
        assert_eq!(name("image 2.wasm"), "image2");
        assert_eq!(name("63x17.wasm"), "component63x17");
        assert_eq!(name("<virtual>"), "virtual");
        assert_eq!(name("---.wasm"), "component");
        let taken = ["app", "app2"];
        let numbered = component_name(Path::new("app.wasm"), |n| taken.contains(&n));
        assert_eq!(numbered, "app3");
    }
}
