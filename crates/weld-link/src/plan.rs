//! The plan of a composition: the components read for composing
//! (units), their instances, the links between them, what the result
//! exports and what is left imported. `weld plug` and the manifest build
//! one; `encode` turns it into a component, and `--dry-run`, `weld graph`
//! and `check compose` show it.
//!
//! Each instance says which unit it instantiates (`Instance::unit`), so
//! that the encoder and `unshare`, which gives some instances a unit of
//! their own, change one record rather than a parallel index.

use crate::Error;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use wasm_compose::graph::Component;
use wasmparser::{ComponentExternalKind, ComponentTypeRef};

/// A component read for composing, with what it imports and exports.
pub(crate) struct Unit<'a> {
    pub name: String,
    pub path: &'a Path,
    pub bytes: &'a Shared,
    pub component: Component<'a>,
    /// Instance imports: the ones that can be linked.
    pub imports: Vec<String>,
    /// Imports of functions, types and the like: never linked, always
    /// imports of the result.
    pub other_imports: Vec<String>,
    /// Instance exports: the ones that can fill an import.
    pub instance_exports: Vec<String>,
}

impl<'a> Unit<'a> {
    /// Reads a component to compose, borrowing its bytes (an 18 MB input
    /// is not copied). `name` names it in the result.
    pub fn read(
        validator: &mut wasmparser::Validator,
        name: String,
        path: &'a Path,
        bytes: &'a Shared,
    ) -> Result<Self, Error> {
        if weld_wit::wasm::kind(path, bytes)? == weld_wit::wasm::WasmKind::Module {
            return Err(weld_wit::Error::CoreModule {
                path: path.to_owned(),
                hint: "; `weld new` makes it one",
            }
            .into());
        }
        let component =
            Component::from_bytes(validator, name.clone(), &bytes[..]).map_err(|e| {
                Error::Parse {
                    path: path.to_owned(),
                    source: e.into(),
                }
            })?;
        let (imports, other_imports) = component
            .imports()
            .map(|(_, name, ty)| (name.to_owned(), matches!(ty, ComponentTypeRef::Instance(_))))
            .partition::<Vec<_>, _>(|(_, instance)| *instance);
        let names =
            |imports: Vec<(String, bool)>| imports.into_iter().map(|(name, _)| name).collect();
        let (imports, other_imports) = (names(imports), names(other_imports));
        let instance_exports = component
            .exports()
            .filter(|(_, _, kind, _)| *kind == ComponentExternalKind::Instance)
            .map(|(_, name, _, _)| name.to_owned())
            .collect();
        Ok(Unit {
            name,
            path,
            bytes,
            component,
            imports,
            other_imports,
            instance_exports,
        })
    }

    /// The imports of `instance` of this unit that are never linked.
    pub fn never_linked(&self, instance: usize) -> impl Iterator<Item = Unfilled> + '_ {
        self.other_imports.iter().map(move |import| Unfilled {
            instance,
            import: import.clone(),
        })
    }

    /// Every export, of any kind, in order.
    pub fn exports(&self) -> Vec<String> {
        self.component
            .exports()
            .map(|(_, name, _, _)| name.to_owned())
            .collect()
    }
}

/// A component's bytes (mapped from its file when large), shared with
/// the thread that validates them.
pub type Shared = Arc<weld_wit::wasm::Bytes>;

/// Whether two inputs hold the same bytes (as when one file is given twice).
pub(crate) fn same_bytes(a: &Shared, b: &Shared) -> bool {
    Arc::ptr_eq(a, b) || a[..] == b[..]
}

/// One import of an instance filled by an export of another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub importer: usize,
    pub import: String,
    pub exporter: usize,
    pub export: String,
}

/// One export of the result: `name`, taken from `export` of `instance`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    pub name: String,
    pub instance: usize,
    pub export: String,
}

/// One instance of a component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    pub name: String,
    /// The file of its component.
    pub component: PathBuf,
    /// The unit it instantiates: a component given twice is read once.
    pub(crate) unit: usize,
}

/// An import of an instance that nothing in the composition fills.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfilled {
    pub instance: usize,
    pub import: String,
}

/// What is connected to what, what the result exports and what remains
/// imported.
#[derive(Debug, Clone)]
pub struct Plan {
    pub instances: Vec<Instance>,
    pub links: Vec<Link>,
    pub exports: Vec<Export>,
    /// Imports nothing fills, by instance: they become the result's
    /// imports, merged by name.
    pub unfilled: Vec<Unfilled>,
}

/// The most component instances a component may hold: wasmparser's
/// limit, which every runtime shares.
const MAX_INSTANCES: usize = 1000;

impl Plan {
    /// Refuses, before anything is encoded (and in a dry run too), a plan
    /// whose result would hold more instances than a component may: each
    /// instance, each interface passed on (an alias), each imported one
    /// and each exported one, and one the encoding adds.
    pub(crate) fn check_size(&self) -> Result<(), Error> {
        let count = self.instances.len()
            + self.links.len()
            + self.leftover().len()
            + self.exports.len()
            + 1;
        match count > MAX_INSTANCES {
            true => Err(Error::TooLarge {
                count,
                limit: MAX_INSTANCES,
            }),
            false => Ok(()),
        }
    }

    /// Whether some instance instantiates `unit`.
    pub(crate) fn instantiates(&self, unit: usize) -> bool {
        self.instances.iter().any(|instance| instance.unit == unit)
    }

    /// This plan with its result then plugged, as the socket, into
    /// `wrapper` (the plan of `weld plug RESULT --plug ...`, which is what
    /// `weld virt` makes of a composition). The wrapper's plugs join as
    /// instances of their own, and an import of the result that a plug
    /// fills reaches, from that plug, each instance that imports it (at
    /// that version or at an older compatible one, which the result's
    /// import unified). So
    /// the graph and dry run of a manifest with `[virtualize]` show the
    /// component that `weld compose` writes, not the one before it.
    pub fn wrapped_by(mut self, wrapper: &Plan) -> Plan {
        const SOCKET: usize = 0;
        let first = self.instances.len();
        let units = self.instances.iter().map(|i| i.unit + 1).max().unwrap_or(0);
        // Wrapper instance `i` (not the socket) is instance `at(i)` here.
        let at = |i: usize| first + i - 1;
        let inner = |exports: &[Export], name: &str| {
            exports.iter().find(|export| export.name == name).cloned()
        };
        let exports = std::mem::take(&mut self.exports);
        for instance in &wrapper.instances[SOCKET + 1..] {
            self.instances.push(Instance {
                unit: units + instance.unit,
                ..instance.clone()
            });
        }
        for link in &wrapper.links {
            if link.importer == SOCKET {
                let (filled, kept) = std::mem::take(&mut self.unfilled)
                    .into_iter()
                    .partition(|unfilled| weld_wit::names::fits(&unfilled.import, &link.import));
                self.unfilled = kept;
                self.links
                    .extend(filled.into_iter().map(|unfilled: Unfilled| Link {
                        importer: unfilled.instance,
                        import: unfilled.import,
                        exporter: at(link.exporter),
                        export: link.export.clone(),
                    }));
            } else if link.exporter == SOCKET {
                if let Some(export) = inner(&exports, &link.export) {
                    self.links.push(Link {
                        importer: at(link.importer),
                        import: link.import.clone(),
                        exporter: export.instance,
                        export: export.export,
                    });
                }
            } else {
                self.links.push(Link {
                    importer: at(link.importer),
                    exporter: at(link.exporter),
                    ..link.clone()
                });
            }
        }
        self.unfilled.extend(
            wrapper
                .unfilled
                .iter()
                .filter(|unfilled| unfilled.instance != SOCKET)
                .map(|unfilled| Unfilled {
                    instance: at(unfilled.instance),
                    import: unfilled.import.clone(),
                }),
        );
        self.exports = wrapper
            .exports
            .iter()
            .filter_map(|export| match export.instance {
                SOCKET => inner(&exports, &export.export).map(|inner| Export {
                    name: export.name.clone(),
                    ..inner
                }),
                instance => Some(Export {
                    instance: at(instance),
                    ..export.clone()
                }),
            })
            .collect();
        self
    }

    /// The result's imports: the unfilled ones, each name once.
    pub fn leftover(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for Unfilled { import, .. } in &self.unfilled {
            if !names.contains(&import.as_str()) {
                names.push(import);
            }
        }
        names
    }
}

impl std::fmt::Display for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = |i: usize| &self.instances[i].name;
        let renamed = |from: &str, to: &str| {
            if from == to {
                String::new()
            } else {
                format!(" (as {from})")
            }
        };
        for link in &self.links {
            writeln!(
                f,
                "{} imports {} <- {}{}",
                name(link.importer),
                link.import,
                name(link.exporter),
                renamed(&link.export, &link.import)
            )?;
        }
        for export in &self.exports {
            writeln!(
                f,
                "exports {} <- {}{}",
                export.name,
                name(export.instance),
                renamed(&export.export, &export.name)
            )?;
        }
        for import in self.leftover() {
            writeln!(f, "left imported: {import}")?;
        }
        Ok(())
    }
}

/// The first cycle among the links, as `a imports from b imports from a`.
pub(crate) fn find_cycle(names: &[String], links: &[Link]) -> Option<String> {
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
    (0..names.len())
        .find_map(|start| visit(start, links, &mut Vec::new(), &mut done))
        .map(|cycle| {
            cycle
                .iter()
                .map(|i| names[*i].as_str())
                .collect::<Vec<_>>()
                .join(" imports from ")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance(name: &str, unit: usize) -> Instance {
        Instance {
            name: name.into(),
            component: PathBuf::from(name),
            unit,
        }
    }

    /// A manifest of two instances, one importing environment at an older
    /// version than the result (which unified it), wrapped by a virtual
    /// layer that fills the result's environment and imports the host's
    /// streams: the layer reaches both importers, and only what is still
    /// imported is left.
    #[test]
    fn a_wrapper_fills_each_instance_that_imports_what_it_fills() {
        let env = "wasi:cli/environment@0.2.12";
        let plan = Plan {
            instances: vec![instance("app", 0), instance("lib", 1)],
            links: vec![Link {
                importer: 0,
                import: "x:y/z".into(),
                exporter: 1,
                export: "x:y/z".into(),
            }],
            exports: vec![Export {
                name: "wasi:cli/run@0.2.12".into(),
                instance: 0,
                export: "wasi:cli/run@0.2.12".into(),
            }],
            unfilled: vec![
                Unfilled {
                    instance: 0,
                    import: env.into(),
                },
                Unfilled {
                    instance: 1,
                    import: "wasi:cli/environment@0.2.9".into(),
                },
                Unfilled {
                    instance: 1,
                    import: "wasi:cli/stdout@0.2.12".into(),
                },
            ],
        };
        let wrapper = Plan {
            instances: vec![instance("composed", 0), instance("<virtual>", 1)],
            links: vec![Link {
                importer: 0,
                import: env.into(),
                exporter: 1,
                export: env.into(),
            }],
            exports: vec![Export {
                name: "wasi:cli/run@0.2.12".into(),
                instance: 0,
                export: "wasi:cli/run@0.2.12".into(),
            }],
            unfilled: vec![
                Unfilled {
                    instance: 0,
                    import: "wasi:cli/stdout@0.2.12".into(),
                },
                Unfilled {
                    instance: 1,
                    import: "wasi:io/streams@0.2.12".into(),
                },
            ],
        };
        let wrapped = plan.wrapped_by(&wrapper);
        assert_eq!(
            wrapped.to_string(),
            "app imports x:y/z <- lib\n\
             app imports wasi:cli/environment@0.2.12 <- <virtual>\n\
             lib imports wasi:cli/environment@0.2.9 <- <virtual> (as wasi:cli/environment@0.2.12)\n\
             exports wasi:cli/run@0.2.12 <- app\n\
             left imported: wasi:cli/stdout@0.2.12\n\
             left imported: wasi:io/streams@0.2.12\n"
        );
        assert_eq!(wrapped.instances[2].unit, 3, "a unit of its own");
    }
}
