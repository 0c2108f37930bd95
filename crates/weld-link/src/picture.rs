//! `weld graph`: a composition drawn as Mermaid or Graphviz, with its
//! instances as nodes and each link labelled with its interfaces. It is
//! drawn from a plan, or from a composed component read back.

use crate::Plan;
use crate::structure::{Source, Structure};
use std::collections::BTreeMap;

/// One end of an edge: the result's imports, an instance, or its exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum End {
    Imports,
    Instance(usize),
    Exports,
}

/// Instances and the links between them.
#[derive(Debug, Default)]
pub struct Picture {
    nodes: Vec<String>,
    /// Interfaces by the pair of ends they link, in order of appearance.
    edges: Vec<((End, End), Vec<String>)>,
    /// What was wrong with the component but did not stop the drawing.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Mermaid,
    Dot,
}

impl Picture {
    fn link(&mut self, from: End, to: End, label: String) {
        match self.edges.iter_mut().find(|(ends, _)| *ends == (from, to)) {
            Some((_, labels)) => labels.push(label),
            None => self.edges.push(((from, to), vec![label])),
        }
    }

    /// The picture of a plan.
    pub fn of_plan(plan: &Plan) -> Picture {
        let mut picture = Picture {
            nodes: plan.instances.iter().map(|i| i.name.clone()).collect(),
            edges: Vec::new(),
            warnings: Vec::new(),
        };
        for unfilled in &plan.unfilled {
            picture.link(
                End::Imports,
                End::Instance(unfilled.instance),
                unfilled.import.clone(),
            );
        }
        for link in &plan.links {
            let label = renamed(&link.export, &link.import);
            picture.link(
                End::Instance(link.exporter),
                End::Instance(link.importer),
                label,
            );
        }
        for export in &plan.exports {
            let label = renamed(&export.export, &export.name);
            picture.link(End::Instance(export.instance), End::Exports, label);
        }
        picture
    }

    /// The picture of a component's top level.
    /// The picture of a component read back. Its own code, if it has any
    /// (a component made by wit-component rather than composed), is a node
    /// of its own, named `name`: what its imports go into, and where the
    /// exports that no instance makes come from.
    pub fn of_component(structure: &Structure, name: &str) -> Picture {
        // An instance of a component made only from the top level's own
        // items (wit-component's shims, which give exports their types) is
        // part of the component's own code, not a node of its own.
        let internal = |i: &crate::structure::Instantiation| {
            structure.has_code && i.args.iter().all(|(_, source)| *source == Source::Other)
        };
        let mut nodes = Vec::new();
        let mut node_of = Vec::new();
        for (n, instantiation) in structure.instantiations.iter().enumerate() {
            node_of.push((!internal(instantiation)).then(|| {
                nodes.push(structure.instance_name(n));
                nodes.len() - 1
            }));
        }
        let own = structure.has_code.then(|| {
            nodes.push(name.to_owned());
            End::Instance(nodes.len() - 1)
        });
        let mut picture = Picture {
            nodes,
            edges: Vec::new(),
            warnings: structure.warnings.clone(),
        };
        let instance = |n: usize| node_of[n].map(End::Instance).or(own);
        let from = |source: &Source| match source {
            Source::Import(name) => Some((End::Imports, name.clone())),
            Source::Export {
                instantiation,
                name,
            } => Some((instance(*instantiation)?, name.clone())),
            Source::Instance(n) => Some((instance(*n)?, String::new())),
            Source::Other => own.map(|own| (own, String::new())),
        };
        // An edge's label: the name at its start, as the name at its end
        // calls it. An import weld renamed to keep it apart is known by
        // what fills it.
        let label = |name: String, at_end: &str| {
            if name.is_empty() {
                at_end.to_owned()
            } else if crate::unshare::is_private(at_end) {
                name
            } else {
                renamed(&name, at_end)
            }
        };
        for (n, instantiation) in structure.instantiations.iter().enumerate() {
            let Some(node) = node_of[n] else {
                continue;
            };
            for (arg, source) in &instantiation.args {
                if let Some((end, name)) = from(source) {
                    picture.link(end, End::Instance(node), label(name, arg));
                }
            }
        }
        if let Some(own) = own {
            let passed = |import: &String| {
                structure.instantiations.iter().any(|i| {
                    !internal(i)
                        && i.args
                            .iter()
                            .any(|(_, source)| *source == Source::Import(import.clone()))
                })
            };
            for import in structure.imports.iter().filter(|import| !passed(import)) {
                picture.link(End::Imports, own, import.clone());
            }
        }
        for (export, source) in &structure.exports {
            if let Some((end @ End::Instance(_), name)) = from(source) {
                picture.link(end, End::Exports, label(name, export));
            }
        }
        picture
    }

    /// Mermaid or dot text; edges in the order of the nodes they lead
    /// to, so that a plan and the component composed from it read alike.
    pub fn render(&self, format: Format) -> String {
        let mut edges: Vec<&((End, End), Vec<String>)> = self.edges.iter().collect();
        edges.sort_by_key(|((from, to), _)| (*to, *from));
        let id = |end: End| match end {
            End::Imports => "imports".to_owned(),
            End::Exports => "exports".to_owned(),
            End::Instance(n) => format!("i{n}"),
        };
        let ends: Vec<End> = [End::Imports]
            .into_iter()
            .chain((0..self.nodes.len()).map(End::Instance))
            .chain([End::Exports])
            .filter(|end| {
                matches!(end, End::Instance(_))
                    || self.edges.iter().any(|((a, b), _)| a == end || b == end)
            })
            .collect();
        let name = |end: End| match end {
            End::Imports => "imports".to_owned(),
            End::Exports => "exports".to_owned(),
            End::Instance(n) => self.nodes[n].clone(),
        };
        let mut out = String::new();
        match format {
            Format::Mermaid => {
                out.push_str("flowchart LR\n");
                for &end in &ends {
                    let label = mermaid_text(&name(end));
                    match end {
                        End::Instance(_) => out.push_str(&format!("  {}[\"{label}\"]\n", id(end))),
                        _ => out.push_str(&format!("  {}([\"{label}\"])\n", id(end))),
                    }
                }
                for ((from, to), labels) in &edges {
                    let label = mermaid_text(&compact(labels).join("\n")).replace('\n', "<br>");
                    out.push_str(&format!("  {} -- \"{label}\" --> {}\n", id(*from), id(*to)));
                }
            }
            Format::Dot => {
                out.push_str("digraph composition {\n  rankdir=LR;\n  node [shape=box];\n");
                for &end in &ends {
                    let shape = match end {
                        End::Instance(_) => "",
                        _ => ", shape=ellipse",
                    };
                    out.push_str(&format!(
                        "  {} [label={}{shape}];\n",
                        id(end),
                        dot_text(&name(end))
                    ));
                }
                for ((from, to), labels) in &edges {
                    out.push_str(&format!(
                        "  {} -> {} [label={}];\n",
                        id(*from),
                        id(*to),
                        dot_text(&compact(labels).join("\n"))
                    ));
                }
                out.push_str("}\n");
            }
        }
        out
    }
}

/// `name`, or `export as name` when they differ.
fn renamed(export: &str, name: &str) -> String {
    if export == name {
        name.to_owned()
    } else {
        format!("{export} as {name}")
    }
}

/// Interfaces of one package and version on one line, to keep pictures
/// readable: `wasi:cli/{environment, exit}@0.2.9`, or `wasi:cli/*@0.2.9 (10
/// interfaces)` for more than four. Anything else stays as it is.
fn compact(labels: &[String]) -> Vec<String> {
    let mut groups: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let mut order = Vec::new();
    for label in labels {
        let parsed = label.split_once('/').filter(|_| !label.contains(" as "));
        let Some((package, rest)) = parsed else {
            order.push((label.clone(), String::new()));
            continue;
        };
        let (interface, version) = match rest.split_once('@') {
            Some((interface, version)) => (interface, format!("@{version}")),
            None => (rest, String::new()),
        };
        let key = (package.to_owned(), version);
        if !groups.contains_key(&key) {
            order.push(key.clone());
        }
        groups.entry(key).or_default().push(interface.to_owned());
    }
    order
        .into_iter()
        .map(
            |(package, version)| match groups.get(&(package.clone(), version.clone())) {
                None => package,
                Some(interfaces) if interfaces.len() == 1 => {
                    format!("{package}/{}{version}", interfaces[0])
                }
                Some(interfaces) if interfaces.len() <= 4 => {
                    format!("{package}/{{{}}}{version}", interfaces.join(", "))
                }
                Some(interfaces) => {
                    format!("{package}/*{version} ({} interfaces)", interfaces.len())
                }
            },
        )
        .collect()
}

fn mermaid_text(text: &str) -> String {
    text.replace('"', "#quot;")
}

fn dot_text(text: &str) -> String {
    format!(
        "\"{}\"",
        text.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
    )
}
