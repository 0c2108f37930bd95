//! `weld plug`: fill a socket's imports from the exports of plugs.

use crate::Error;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use wasm_compose::graph::{Component, CompositionGraph, EncodeOptions};
use wasmparser::{ComponentExternalKind, ComponentTypeRef};

/// A component offered to fill imports, optionally only with some exports.
pub struct Plug {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    /// Interfaces this plug may provide (full name, name without version,
    /// or last part); empty for all of its exports.
    pub only: Vec<String>,
}

/// One import filled by one export. Components are numbered as given:
/// 0 is the socket, 1.. the plugs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub importer: usize,
    pub import: String,
    pub exporter: usize,
    pub export: String,
}

/// What is connected to what, and what remains imported.
#[derive(Debug, Clone)]
pub struct Plan {
    pub components: Vec<PathBuf>,
    pub links: Vec<Link>,
    /// Imports no plug fills, merged: they become the result's imports.
    pub leftover: Vec<String>,
}

/// The plan, and the composed component unless it was a dry run.
pub struct Plugged {
    pub plan: Plan,
    pub component: Option<Vec<u8>>,
}

impl std::fmt::Display for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = |i: usize| self.components[i].display().to_string();
        for link in &self.links {
            let export = if link.export == link.import {
                String::new()
            } else {
                format!(" (as {})", link.export)
            };
            writeln!(
                f,
                "{} imports {} <- {}{export}",
                name(link.importer),
                link.import,
                name(link.exporter)
            )?;
        }
        for import in &self.leftover {
            writeln!(f, "left imported: {import}")?;
        }
        Ok(())
    }
}

/// An interface name split into its unversioned part and its version.
fn split_version(name: &str) -> (&str, Option<semver::Version>) {
    let base = weld_wit::names::unversioned(name);
    let version = name
        .get(base.len() + 1..)
        .and_then(|v| semver::Version::parse(v).ok());
    (base, version)
}

/// Why an export cannot fill an import of the same interface, if it cannot.
fn version_mismatch(import: &str, export: &str) -> Option<Option<&'static str>> {
    let (import_base, import_version) = split_version(import);
    let (export_base, export_version) = split_version(export);
    if import_base != export_base {
        return None;
    }
    Some(match (import_version, export_version) {
        (None, None) => None,
        (None, Some(_)) => Some("the import has no version"),
        (Some(_), None) => Some("the export has no version"),
        (Some(i), Some(e)) => {
            if i.major != e.major {
                Some("incompatible major version")
            } else if i.major == 0 && i.minor != e.minor {
                Some("incompatible 0.x minor version")
            } else if i.major == 0 && i.minor == 0 && i.patch != e.patch {
                Some("incompatible 0.0.x version")
            } else if e < i {
                Some("older than the import")
            } else {
                None
            }
        }
    })
}

/// Whether `export` satisfies `import`: the same interface at a
/// semver-compatible version no older than the import's.
fn fits(import: &str, export: &str) -> bool {
    version_mismatch(import, export) == Some(None)
}

struct Parsed<'a> {
    path: &'a Path,
    imports: Vec<String>,
    exports: Vec<String>,
    only: &'a [String],
}

fn instance_imports(component: &Component<'_>) -> Vec<String> {
    component
        .imports()
        .filter(|(_, _, ty)| matches!(ty, ComponentTypeRef::Instance(_)))
        .map(|(_, name, _)| name.to_owned())
        .collect()
}

fn instance_exports(component: &Component<'_>) -> Vec<String> {
    component
        .exports()
        .filter(|(_, _, kind, _)| *kind == ComponentExternalKind::Instance)
        .map(|(_, name, _, _)| name.to_owned())
        .collect()
}

/// Reads a component to compose, borrowing its bytes (an 18 MB input is
/// not copied).
fn parse<'a>(
    validator: &mut wasmparser::Validator,
    i: usize,
    path: &Path,
    bytes: &'a [u8],
) -> Result<Component<'a>, Error> {
    if weld_wit::wasm::kind(path, bytes)? == weld_wit::wasm::WasmKind::Module {
        return Err(weld_wit::Error::CoreModule {
            path: path.to_owned(),
            hint: "; `weld new` makes it one",
        }
        .into());
    }
    Component::from_bytes(validator, format!("c{i}"), bytes).map_err(|e| Error::Parse {
        path: path.to_owned(),
        source: e.into(),
    })
}

/// Plugs `plugs` into `socket`. Plugs may fill each other's imports; each
/// import takes the first plug whose export fits it, looking first at the
/// plugs given after its own component and then at those before.
pub fn plug(
    socket: &Path,
    socket_bytes: &[u8],
    plugs: &[Plug],
    dry_run: bool,
) -> Result<Plugged, Error> {
    let mut validator = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all());
    let mut components = vec![parse(&mut validator, 0, socket, socket_bytes)?];
    for (i, plug) in plugs.iter().enumerate() {
        components.push(parse(&mut validator, i + 1, &plug.path, &plug.bytes)?);
    }
    let no_restriction: Vec<String> = Vec::new();
    let parsed: Vec<Parsed<'_>> = components
        .iter()
        .enumerate()
        .map(|(i, component)| Parsed {
            path: if i == 0 { socket } else { &plugs[i - 1].path },
            imports: instance_imports(component),
            exports: instance_exports(component),
            only: if i == 0 {
                &no_restriction
            } else {
                &plugs[i - 1].only
            },
        })
        .collect();
    for p in &parsed[1..] {
        for query in p.only {
            if !p
                .exports
                .iter()
                .any(|e| weld_wit::names::names_interface(e, query))
            {
                return Err(Error::NoSuchExport {
                    path: p.path.to_owned(),
                    name: query.clone(),
                    available: weld_wit::display::code_list(&p.exports, "no interfaces"),
                });
            }
        }
    }

    let offers = |j: usize, export: &str| {
        let only = parsed[j].only;
        only.is_empty()
            || only
                .iter()
                .any(|q| weld_wit::names::names_interface(export, q))
    };
    let mut links = Vec::new();
    let mut leftover: Vec<String> = Vec::new();
    for (importer, p) in parsed.iter().enumerate() {
        for import in &p.imports {
            // Plugs after the importer first, so that decorators given in
            // order form a chain; then the ones before it.
            let order = (importer + 1..parsed.len()).chain(1..importer);
            let provider = order.into_iter().find_map(|j| {
                parsed[j]
                    .exports
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
                None if !leftover.contains(import) => leftover.push(import.clone()),
                None => {}
            }
        }
    }

    // Every plug must be used, or the user should hear why it was not.
    for j in 1..parsed.len() {
        if !links.iter().any(|l| l.exporter == j) {
            return Err(Error::UnusedPlug {
                path: parsed[j].path.to_owned(),
                why: why_unused(&parsed, j),
            });
        }
    }
    if let Some(cycle) = find_cycle(&parsed, &links) {
        return Err(Error::Cycle(cycle));
    }
    let plan = Plan {
        components: parsed.iter().map(|p| p.path.to_owned()).collect(),
        links,
        leftover,
    };
    if dry_run {
        return Ok(Plugged {
            plan,
            component: None,
        });
    }
    let bytes = encode(components, &plan, &parsed, socket_bytes, plugs)?;
    Ok(Plugged {
        plan,
        component: Some(bytes),
    })
}

/// One line per export of plug `j`, saying what it could have filled.
fn why_unused(parsed: &[Parsed<'_>], j: usize) -> String {
    let mut why = String::new();
    if parsed[j].exports.is_empty() {
        return " it exports no interfaces".to_owned();
    }
    for export in &parsed[j].exports {
        let mut near = Vec::new();
        for (i, p) in parsed.iter().enumerate() {
            if i == j {
                continue;
            }
            for import in &p.imports {
                if let Some(Some(reason)) = version_mismatch(import, export) {
                    near.push(format!(
                        "{} imports {import}; {} exports {export} ({reason})",
                        p.path.display(),
                        parsed[j].path.display()
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

/// The first cycle among the plugs' links, as `a -> b -> a`.
fn find_cycle(parsed: &[Parsed<'_>], links: &[Link]) -> Option<String> {
    fn visit(
        node: usize,
        links: &[Link],
        path: &mut Vec<usize>,
        done: &mut HashSet<usize>,
    ) -> Option<Vec<usize>> {
        if let Some(at) = path.iter().position(|n| *n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node);
            return Some(cycle);
        }
        if !done.insert(node) {
            return None;
        }
        path.push(node);
        for link in links.iter().filter(|l| l.importer == node) {
            if let Some(cycle) = visit(link.exporter, links, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = HashSet::new();
    (0..parsed.len())
        .find_map(|start| visit(start, links, &mut Vec::new(), &mut done))
        .map(|cycle| {
            cycle
                .iter()
                .map(|i| parsed[*i].path.display().to_string())
                .collect::<Vec<_>>()
                .join(" imports from ")
        })
}

fn encode(
    components: Vec<Component<'_>>,
    plan: &Plan,
    parsed: &[Parsed<'_>],
    socket_bytes: &[u8],
    plugs: &[Plug],
) -> Result<Vec<u8>, Error> {
    let mut graph = CompositionGraph::new();
    let mut instances = Vec::new();
    for component in components {
        let id = graph
            .add_component(component)
            .map_err(|e| Error::Encode(e.into()))?;
        instances.push(graph.instantiate(id).map_err(|e| Error::Encode(e.into()))?);
    }
    for link in &plan.links {
        // Links name the components' own imports and exports, found above.
        let export = graph
            .get_component_of_instance(instances[link.exporter])
            .and_then(|(_, c)| c.export_by_name(&link.export))
            .map(|(index, _, _)| index);
        let import = graph
            .get_component_of_instance(instances[link.importer])
            .and_then(|(_, c)| c.import_by_name(&link.import))
            .map(|(index, _)| index);
        let (Some(export), Some(import)) = (export, import) else {
            return Err(Error::Encode(
                format!("lost track of `{}`", link.import).into(),
            ));
        };
        if graph
            .connect(
                instances[link.exporter],
                Some(export),
                instances[link.importer],
                import,
            )
            .is_err()
        {
            let bytes = |i: usize| {
                if i == 0 {
                    socket_bytes
                } else {
                    &plugs[i - 1].bytes[..]
                }
            };
            return Err(Error::Mismatch {
                importer: parsed[link.importer].path.to_owned(),
                import: link.import.clone(),
                exporter: parsed[link.exporter].path.to_owned(),
                export: link.export.clone(),
                difference: crate::difference::explain(
                    (
                        parsed[link.importer].path,
                        bytes(link.importer),
                        &link.import,
                    ),
                    (
                        parsed[link.exporter].path,
                        bytes(link.exporter),
                        &link.export,
                    ),
                ),
            });
        }
    }
    let bytes = graph
        .encode(EncodeOptions {
            define_components: true,
            export: Some(instances[0]),
            validate: false,
        })
        .map_err(|e| Error::Encode(e.into()))?;
    weld_wit::wasm::validate(Path::new("the composition"), &bytes)
        .map_err(|e| Error::InvalidOutput(e.into()))?;
    Ok(bytes)
}
