//! `weld compose`: a composition described in a TOML manifest.
//!
//! ```toml
//! [components]                 # name = path, relative to the manifest
//! app = "python-app.wasm"
//! processor = "c-processor.wasm"
//!
//! [instances.gray]             # a component no instance names has one
//! component = "processor"      # defaults to the instance's name
//!
//! [instances.app.with]         # import = instance, or { instance, export }
//! "my:image-processor/process" = "gray"
//!
//! [exports]                    # name = instance, or { instance, export }
//! "wasi:cli/run@0.2.12" = "app"
//! ```
//!
//! Every problem is reported at the key or value at fault, with its line
//! and column.

use crate::encode::{self, Components, InputCheck};
use crate::plan::{Export, Instance, Link, Plan, Shared, Unfilled, Unit, find_cycle};
use crate::{Composed, Error};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::Spanned;
use weld_wit::display::code_list;
use weld_wit::names::{fits, names_interface, version_mismatch};
use weld_wit::validated::Validated;

type Table<T> = BTreeMap<Spanned<String>, Spanned<T>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct File {
    components: Spanned<Table<String>>,
    instances: Option<Table<InstanceEntry>>,
    exports: Option<Table<Source>>,
    /// Copy the components into the result (the default), or import them.
    embed_components: Option<bool>,
    /// The policy `weld virt` applies to the result.
    virtualize: Option<Virtualize>,
    /// What `weld check compose` requires of the result's imports and
    /// exports.
    check: Option<weld_wit::check::policy::Policy>,
}

/// A manifest's `[virtualize]` section: `weld virt`'s flags, as keys.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Virtualize {
    /// `"IFACE#FUNC" = "VALUE"` (WAVE).
    #[serde(default, rename = "const")]
    pub constants: BTreeMap<String, String>,
    #[serde(default)]
    pub deny: Vec<String>,
    /// `"IFACE#FUNC" = "CASE"`.
    #[serde(default)]
    pub deny_error: BTreeMap<String, String>,
    #[serde(default)]
    pub trap: Vec<String>,
    #[serde(default)]
    pub deny_all: bool,
    #[serde(default)]
    pub allow: Vec<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Globs over the names of the host's variables that pass.
    #[serde(default)]
    pub allow_env: Vec<String>,
    /// Grants of outgoing HTTP requests, checked inside the component.
    #[serde(default)]
    pub allow_http: Vec<String>,
    #[serde(default)]
    pub deny_http: bool,
    /// Mock upstreams, `PATTERN=STATUS[:FILE]`.
    #[serde(default)]
    pub http_response: Vec<String>,
    /// Guest path prefixes of the host's directories that pass, `:ro` for
    /// read-only, checked inside the component.
    #[serde(default)]
    pub allow_fs: Vec<String>,
    #[serde(default)]
    pub args: Vec<String>,
    pub cwd: Option<String>,
    pub clock_fixed: Option<String>,
    pub random_seed: Option<u64>,
    pub stdin: Option<String>,
    pub stdout: Option<String>,
    pub stderr: Option<String>,
    #[serde(default)]
    pub deny_fs: bool,
    #[serde(default)]
    pub deny_net: bool,
    /// `"GUEST" = "HOSTDIR"`.
    #[serde(default)]
    pub mount: BTreeMap<String, String>,
    /// Where to write what became of each import (`weld virt --report`).
    pub report: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InstanceEntry {
    component: Option<Spanned<String>>,
    #[serde(default)]
    with: Table<Source>,
}

/// An instance: its name, its component and its entry in [instances].
type Planned<'m> = (Spanned<String>, usize, Option<&'m InstanceEntry>);

/// An instance, which gives its export of the interface in question; or
/// an instance and the export to take.
#[derive(Deserialize)]
#[serde(untagged)]
enum Source {
    Instance(String),
    Export { instance: String, export: String },
}

impl Source {
    fn instance(&self) -> &str {
        match self {
            Source::Instance(instance) | Source::Export { instance, .. } => instance,
        }
    }
}

/// What can connect an import to an export that the component model
/// cannot connect as they are: weld-virt's bridges between the WASI 0.2
/// and 0.3 versions of an interface (`async func` on one side only).
pub trait Mediator {
    /// A component that imports what `exporter` exports and exports
    /// `import` as `importer` wants it, if one can be made.
    fn mediate(
        &self,
        importer: (&Path, &Shared),
        import: &str,
        exporter: (&Path, &Shared),
    ) -> Result<Option<Mediated>, String>;
}

/// A component made to sit between an import and an export.
pub struct Mediated {
    /// What to call it in messages (`<bridge a to b>`).
    pub path: PathBuf,
    /// What its instances are called, numbered (`bridge` makes `bridge-0`).
    pub kind: &'static str,
    pub bytes: Shared,
    /// The export of the exporter it imports, by the same name.
    pub export: String,
}

/// A manifest read and checked: its components, and the plan they make.
pub struct Manifest {
    text: Text,
    components: Vec<(String, PathBuf, Shared)>,
    file: File,
}

/// The manifest's text, to point at its keys.
struct Text {
    path: PathBuf,
    text: String,
}

impl Manifest {
    /// Reads a manifest and the components it names, as files.
    pub fn load(path: &Path) -> Result<Manifest, Error> {
        Manifest::load_with(path, &mut |_| None)
    }

    /// Reads a manifest, and the components it names through `fetch`
    /// (see [`weld_wit::wasm::Fetch`]); a `None` from it is a path
    /// relative to the manifest.
    pub fn load_with(
        path: &Path,
        fetch: &mut weld_wit::wasm::Fetch<'_>,
    ) -> Result<Manifest, Error> {
        let bytes = weld_wit::wasm::read_file(path)?;
        let text = Text {
            path: path.to_owned(),
            text: String::from_utf8(bytes).map_err(|_| Error::Manifest {
                location: path.display().to_string(),
                message: "it is not UTF-8 text".into(),
            })?,
        };
        let file: File = toml::from_str(&text.text)
            .map_err(|e| text.error(e.span().unwrap_or(0..0), e.message().trim_end().to_owned()))?;
        let base = path.parent().unwrap_or(Path::new(""));
        let mut components = Vec::new();
        for (name, file) in file.components.get_ref() {
            text.kebab(name, "component")?;
            let at_value = |message| text.error(file.span(), message);
            let (path, bytes) = match fetch(file.get_ref()) {
                Some(fetched) => (PathBuf::from(file.get_ref()), fetched.map_err(at_value)?),
                None => {
                    let path = base.join(file.get_ref());
                    let bytes = weld_wit::wasm::map_file(&path)
                        .map_err(|e| at_value(weld_wit::display::error_chain(&e)))?;
                    (path, bytes)
                }
            };
            let bytes = weld_wit::wasm::to_binary(&path, bytes)
                .map_err(|e| at_value(weld_wit::display::error_chain(&e)))?;
            components.push((name.get_ref().clone(), path, Arc::new(bytes)));
        }
        if components.is_empty() {
            return Err(text.error(
                file.components.span(),
                "[components] names no component".into(),
            ));
        }
        Ok(Manifest {
            text,
            components,
            file,
        })
    }

    fn error(&self, span: Range<usize>, message: String) -> Error {
        self.text.error(span, message)
    }

    /// The policy to apply to the result, if any.
    pub fn virtualize(&self) -> Option<&Virtualize> {
        self.file.virtualize.as_ref()
    }

    /// What the result must satisfy (`[check]`), if anything.
    pub fn check_policy(&self) -> Option<&weld_wit::check::policy::Policy> {
        self.file.check.as_ref()
    }
    /// The instances listed, then one for each component they leave
    /// without one, named like it: (name, component, entry).
    fn instances(&self) -> Result<Vec<Planned<'_>>, Error> {
        let file = &self.file;
        let mut instances: Vec<Planned<'_>> = Vec::new();
        let component_names: Vec<String> = self.components.iter().map(|c| c.0.clone()).collect();
        for (name, entry) in file.instances.iter().flatten() {
            self.text.kebab(name, "instance")?;
            let (component, span) = match &entry.get_ref().component {
                Some(component) => (component.get_ref(), component.span()),
                None => (name.get_ref(), name.span()),
            };
            let Some(index) = component_names.iter().position(|c| c == component) else {
                return Err(self.error(
                    span,
                    format!(
                        "there is no component `{component}`; [components] names {}",
                        code_list(&component_names, "none")
                    ),
                ));
            };
            instances.push((name.clone(), index, Some(entry.get_ref())));
        }
        for (i, (name, _)) in file.components.get_ref().iter().enumerate() {
            if !instances.iter().any(|(_, c, _)| *c == i) {
                if instances
                    .iter()
                    .any(|(n, _, _)| n.get_ref() == name.get_ref())
                {
                    return Err(self.error(
                        name.span(),
                        format!(
                            "component `{}` has no instance, and an instance of another component has its name",
                            name.get_ref()
                        ),
                    ));
                }
                instances.push((name.clone(), i, None));
            }
        }
        Ok(instances)
    }

    /// Checks the wiring and encodes the result (see [`Composed`]).
    pub fn compose(&self, validated: &Validated) -> Result<Composed, Error> {
        self.compose_mediated(validated, None)
    }

    /// [`Manifest::compose`], asking `mediator` for a component to put
    /// between an import and the instance the manifest fills it from when
    /// nothing that instance exports fits.
    pub fn compose_mediated(
        &self,
        validated: &Validated,
        mediator: Option<&dyn Mediator>,
    ) -> Result<Composed, Error> {
        let file = &self.file;
        // Declared before the units, which borrow them.
        let mut mediated: Vec<Mediated> = Vec::new();
        let instances = self.instances()?;
        let inputs = InputCheck::start(
            self.components
                .iter()
                .map(|(_, path, bytes)| (path.clone(), Arc::clone(bytes)))
                .collect(),
            validated,
        );
        let instance_names: Vec<String> = instances
            .iter()
            .map(|(n, _, _)| n.get_ref().clone())
            .collect();

        let mut validator =
            wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all());
        let mut units = self
            .components
            .iter()
            .map(|(name, path, bytes)| Unit::read(&mut validator, name.clone(), path, bytes))
            .collect::<Result<Vec<_>, _>>()?;
        // The unit of each instance, until the plan's instances say it.
        let mut of: Vec<usize> = instances.iter().map(|(_, c, _)| *c).collect();
        // A mediating component's instance comes after the manifest's.
        let mediator_instance = |n: usize| instances.len() + n;

        let mut links = Vec::new();
        let mut unfilled = Vec::new();
        for (importer, (name, component, entry)) in instances.iter().enumerate() {
            let unit = &units[*component];
            let mut filled = Vec::new();
            for (key, source) in entry.map(|e| &e.with).into_iter().flatten() {
                let import = self.one_of(
                    key.span(),
                    &unit.imports,
                    key.get_ref(),
                    &format!("instance `{}` imports", name.get_ref()),
                    "no interfaces",
                )?;
                if filled.contains(&import) {
                    return Err(
                        self.error(key.span(), format!("`{import}` is already wired above"))
                    );
                }
                let exporter =
                    self.instance(&instance_names, source.span(), source.get_ref().instance())?;
                if exporter == importer {
                    return Err(self.error(
                        source.span(),
                        format!("instance `{}` cannot fill its own import", name.get_ref()),
                    ));
                }
                let exports = &units[of[exporter]].instance_exports;
                let export = match source.get_ref() {
                    Source::Export { export, .. } => self.one_of(
                        source.span(),
                        exports,
                        export,
                        &format!("instance `{}` exports", instance_names[exporter]),
                        "no interfaces",
                    )?,
                    Source::Instance(_) => {
                        match self.fitting(
                            source.span(),
                            exports,
                            &import,
                            &instance_names[exporter],
                        ) {
                            Ok(export) => export,
                            Err(unfit) => {
                                let asked = mediator.map(|m| {
                                    m.mediate(
                                        (unit.path, unit.bytes),
                                        &import,
                                        (units[of[exporter]].path, units[of[exporter]].bytes),
                                    )
                                });
                                let found = asked
                                    .transpose()
                                    .map_err(|e| self.error(source.span(), e))?
                                    .flatten();
                                let Some(between) = found else {
                                    return Err(unfit);
                                };
                                let middle = mediator_instance(mediated.len());
                                links.push(Link {
                                    importer: middle,
                                    import: between.export.clone(),
                                    exporter,
                                    export: between.export.clone(),
                                });
                                mediated.push(between);
                                filled.push(import.clone());
                                links.push(Link {
                                    importer,
                                    import: import.clone(),
                                    exporter: middle,
                                    export: import,
                                });
                                continue;
                            }
                        }
                    }
                };
                filled.push(import.clone());
                links.push(Link {
                    importer,
                    import,
                    exporter,
                    export,
                });
            }
            for import in &unit.imports {
                if !filled.contains(import) {
                    unfilled.push(Unfilled {
                        instance: importer,
                        import: import.clone(),
                    });
                }
            }
            unfilled.extend(unit.never_linked(importer));
        }
        let mut instance_names = instance_names;
        for (n, between) in mediated.iter().enumerate() {
            // Numbered past any instance of the manifest's so named.
            let name = (n..)
                .map(|k| format!("{}-{k}", between.kind))
                .find(|name| !instance_names.contains(name))
                .expect("a free name");
            let unit = Unit::read(&mut validator, name.clone(), &between.path, &between.bytes)?;
            validated.validate(&between.path, &between.bytes)?;
            let instance = mediator_instance(n);
            for import in &unit.imports {
                if !links
                    .iter()
                    .any(|l| l.importer == instance && l.import == *import)
                {
                    unfilled.push(Unfilled {
                        instance,
                        import: import.clone(),
                    });
                }
            }
            unfilled.extend(unit.never_linked(instance));
            instance_names.push(name);
            of.push(units.len());
            units.push(unit);
        }
        if let Some(cycle) = find_cycle(&instance_names, &links) {
            return Err(Error::Cycle(cycle));
        }

        let exports = match &file.exports {
            Some(table) => self.exports(table, &units, &of, &instance_names)?,
            None => {
                let roots: Vec<usize> = (0..instances.len())
                    .filter(|i| !links.iter().any(|l| l.exporter == *i))
                    .collect();
                let [root] = roots[..] else {
                    let roots: Vec<String> =
                        roots.iter().map(|i| instance_names[*i].clone()).collect();
                    return Err(Error::Manifest {
                        location: self.text.path.display().to_string(),
                        message: format!(
                            "there is no [exports] section, and nothing imports from {}: say what the result exports in [exports]",
                            code_list(&roots, "")
                        ),
                    });
                };
                units[of[root]]
                    .exports()
                    .into_iter()
                    .map(|name| Export {
                        export: name.clone(),
                        name,
                        instance: root,
                    })
                    .collect()
            }
        };

        let plan = Plan {
            instances: instances
                .iter()
                .map(|(name, component, _)| Instance {
                    name: name.get_ref().clone(),
                    component: self.components[*component].1.clone(),
                    unit: *component,
                })
                .chain(mediated.iter().enumerate().map(|(n, between)| Instance {
                    name: instance_names[mediator_instance(n)].clone(),
                    component: between.path.clone(),
                    unit: of[mediator_instance(n)],
                }))
                .collect(),
            links,
            exports,
            unfilled,
        };
        plan.check_size()?;
        let components = match file.embed_components {
            Some(false) => Components::Imported,
            _ => Components::Embedded,
        };
        let component = encode::encode(&mut validator, units, &plan, components, inputs)?;
        Ok(Composed { plan, component })
    }

    /// The index of instance `name`.
    fn instance(&self, names: &[String], span: Range<usize>, name: &str) -> Result<usize, Error> {
        names.iter().position(|n| n == name).ok_or_else(|| {
            self.error(
                span,
                format!(
                    "there is no instance `{name}`; the instances are {}",
                    code_list(names, "none")
                ),
            )
        })
    }

    /// The one name in `names` that `query` names (in full, without its
    /// version, or by its last part).
    fn one_of(
        &self,
        span: Range<usize>,
        names: &[String],
        query: &str,
        owner: &str,
        none: &str,
    ) -> Result<String, Error> {
        let found: Vec<String> = names
            .iter()
            .filter(|n| names_interface(n, query))
            .cloned()
            .collect();
        match &found[..] {
            [one] => Ok(one.clone()),
            [] => Err(self.error(
                span,
                format!("{owner} no `{query}`; it has {}", code_list(names, none)),
            )),
            _ => Err(self.error(
                span,
                format!(
                    "`{query}` could be {}; give the full name",
                    code_list(&found, "")
                ),
            )),
        }
    }

    /// The export of instance `exporter` that fits `import`, or why none.
    fn fitting(
        &self,
        span: Range<usize>,
        exports: &[String],
        import: &str,
        exporter: &str,
    ) -> Result<String, Error> {
        if let Some(export) = exports.iter().find(|e| fits(import, e)) {
            return Ok(export.clone());
        }
        let near: Vec<String> = exports
            .iter()
            .filter_map(|e| Some(format!("{e} ({})", version_mismatch(import, e)??)))
            .collect();
        let why = if near.is_empty() {
            format!("it exports {}", code_list(exports, "no interfaces"))
        } else {
            format!("it exports {}", near.join(", "))
        };
        Err(self.error(
            span,
            format!("instance `{exporter}` exports nothing that fits `{import}`: {why}"),
        ))
    }

    fn exports(
        &self,
        table: &Table<Source>,
        units: &[Unit<'_>],
        of: &[usize],
        instance_names: &[String],
    ) -> Result<Vec<Export>, Error> {
        let mut exports: Vec<Export> = Vec::new();
        for (key, source) in table {
            let name = key.get_ref();
            if let Err(e) = wasmparser::names::ComponentName::new(name, 0) {
                return Err(self.error(
                    key.span(),
                    format!("`{name}` is not a valid export name: {}", e.message()),
                ));
            }
            if let Some(earlier) = exports.iter().find(|e| {
                weld_wit::names::unversioned(&e.name) == weld_wit::names::unversioned(name)
            }) {
                return Err(self.error(
                    key.span(),
                    format!(
                        "the result already exports `{}`; two exports may not differ only in version",
                        earlier.name
                    ),
                ));
            }
            let instance =
                self.instance(instance_names, source.span(), source.get_ref().instance())?;
            let available = units[of[instance]].exports();
            let owner = format!("instance `{}` exports", instance_names[instance]);
            let export = match source.get_ref() {
                Source::Export { export, .. } => {
                    self.one_of(source.span(), &available, export, &owner, "nothing")?
                }
                Source::Instance(_) => match available.iter().find(|e| fits(name, e)) {
                    Some(export) => export.clone(),
                    None => self.one_of(source.span(), &available, name, &owner, "nothing")?,
                },
            };
            exports.push(Export {
                name: name.clone(),
                instance,
                export,
            });
        }
        Ok(exports)
    }
}

impl Text {
    /// An error at `span` of the manifest: `file:line:column: message`,
    /// then the line with the span underlined.
    fn error(&self, span: Range<usize>, message: String) -> Error {
        let start = span.start.min(self.text.len());
        let line_start = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |i| start + i);
        let line_number = self.text[..start].matches('\n').count() + 1;
        let column = self.text[line_start..start].chars().count() + 1;
        let line = &self.text[line_start..line_end];
        let width = self.text[start..span.end.clamp(start, line_end)]
            .chars()
            .count()
            .max(1);
        let gutter = " ".repeat(line_number.to_string().len());
        Error::Manifest {
            location: format!("{}:{line_number}:{column}", self.path.display()),
            message: format!(
                "{message}\n{gutter} |\n{line_number} | {line}\n{gutter} | {}{}",
                " ".repeat(column - 1),
                "^".repeat(width)
            ),
        }
    }

    fn kebab(&self, name: &Spanned<String>, what: &str) -> Result<(), Error> {
        if wasmparser::names::KebabStr::new(name.get_ref()).is_none() {
            return Err(self.error(
                name.span(),
                format!(
                    "`{}` is not a valid {what} name: use lowercase words joined by `-`, such as `image-app`",
                    name.get_ref()
                ),
            ));
        }
        Ok(())
    }
}
