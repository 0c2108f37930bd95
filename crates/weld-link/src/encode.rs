//! The encoder: turns a plan (`plan.rs`) into a component, and starts
//! validating it.
//!
//! wasm-compose's `CompositionGraph` encodes the instances, checks each
//! connection's types and merges the imports left over. It can only export
//! all of one instance's exports, under their own names, so weld encodes
//! the result's exports itself with wasm-encoder: it finds each instance in
//! the encoded output (`structure`) and appends the aliases and exports,
//! and a name section so that tools (and `weld graph`) can tell the
//! instances apart.
//!
//! Validation is most of the cost of composing a large component, so it
//! runs beside the rest: the inputs are validated in full from the start;
//! the result, all but the function bodies it copies from them, once it is
//! written to a temporary file (read back from it, while it is synced to
//! disk). The file only takes its name once both pass.

use crate::plan::{Link, Plan, Shared, Unit, same_bytes};
use crate::structure::{Instantiation, Source, Structure};
use crate::{Error, difference, splice, unshare};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;
use wasm_compose::graph::{CompositionGraph, EncodeOptions};
use wasm_encoder::{
    Alias, ComponentAliasSection, ComponentExportKind, ComponentExportSection,
    ComponentNameSection, ComponentSection, NameMap,
};
use wasmparser::ComponentExternalKind;
use weld_wit::validated::Validated;

/// The full validation of the components to compose, started as soon as
/// they are read so that it overlaps parsing, encoding and writing. The
/// composition's own validation then skips their function bodies.
pub(crate) struct InputCheck(JoinHandle<Result<(), Error>>);

impl InputCheck {
    pub fn start(inputs: Vec<(PathBuf, Shared)>, validated: &Validated) -> InputCheck {
        let validated = validated.clone();
        InputCheck(std::thread::spawn(move || {
            for (i, (path, bytes)) in inputs.iter().enumerate() {
                // An input given more than once is validated once.
                if !inputs[..i].iter().any(|(_, seen)| same_bytes(seen, bytes)) {
                    validated.validate(path, bytes)?;
                }
            }
            Ok(())
        }))
    }
}

/// Whether the components are copied into the result or imported by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Components {
    Embedded,
    Imported,
}

/// Encodes `plan`, whose instances instantiate `units`, and starts
/// validating the result. `validator` is the one that read the units.
pub(crate) fn encode(
    validator: &mut wasmparser::Validator,
    units: Vec<Unit<'_>>,
    plan: &Plan,
    components: Components,
    inputs: InputCheck,
) -> Result<Output, Error> {
    // One instance exporting all it exports, as it names it: there is
    // nothing to compose.
    if let ([unit], []) = (&units[..], &plan.links[..])
        && components == Components::Embedded
        && plan.instances.len() == 1
        && plan
            .exports
            .iter()
            .map(|e| (&e.name, &e.export))
            .eq(unit.exports().iter().map(|name| (name, name)))
    {
        return Ok(Output::unchanged(unit.bytes, inputs));
    }
    let suspect = match filled_instance_type(&units, plan)? {
        Some(suspect) => Some(suspect),
        None => unshare::export_uses_filled_resource(&units, plan),
    };
    let mut plan = plan.clone();
    let units = unshare::separate(validator, units, &mut plan)?;
    let plan = &plan;
    let unit_of = |instance: usize| plan.instances[instance].unit;
    // The kinds of the exports, known before the components move into
    // the graph.
    let mut kinds = Vec::new();
    for export in &plan.exports {
        let unit = &units[unit_of(export.instance)];
        let kind = unit
            .component
            .export_by_name(&export.export)
            .map(|(_, kind, _)| kind)
            .ok_or_else(|| Error::Encode(format!("lost track of `{}`", export.export).into()))?;
        kinds.push(kind);
    }
    let named: Vec<(String, &Path, &[u8])> = units
        .iter()
        .map(|u| (u.name.clone(), u.path, &u.bytes[..]))
        .collect();
    // The inputs of the components the result embeds, in order.
    let embedded: Vec<usize> = match components {
        Components::Embedded => (0..units.len())
            .filter(|&unit| plan.instantiates(unit))
            .collect(),
        Components::Imported => Vec::new(),
    };
    let inputs_embedded: Vec<Shared> = embedded
        .iter()
        .map(|&unit| Arc::clone(units[unit].bytes))
        .collect();
    let renames = unshare::renames(&units, plan);
    let rewritten: Vec<Option<Shared>> = units
        .iter()
        .zip(&renames)
        .map(|(unit, renames)| {
            (!renames.is_empty())
                .then(|| unshare::rename_imports(unit.bytes, renames).map(|b| Arc::new(b.into())))
                .transpose()
                .map_err(Error::Encode)
        })
        .collect::<Result<_, _>>()?;
    // Types from different validators cannot be compared: the units are
    // read again by the validator that read them first.
    let units = units
        .into_iter()
        .zip(&rewritten)
        .map(|(unit, bytes)| match bytes {
            Some(bytes) => Unit::read(validator, unit.name, unit.path, bytes),
            None => Ok(unit),
        })
        .collect::<Result<Vec<_>, _>>()?;
    unshare::check_host_imports(&units, plan, &renames)?;
    let import_name = |link: &'_ Link| -> String {
        renames[unit_of(link.importer)]
            .get(&link.import)
            .unwrap_or(&link.import)
            .clone()
    };

    let embedded_bytes: Vec<Shared> = embedded
        .iter()
        .map(|&unit| Arc::clone(rewritten[unit].as_ref().unwrap_or(units[unit].bytes)))
        .collect();
    let mut graph = CompositionGraph::new();
    let mut ids = Vec::new();
    for unit in units {
        ids.push(
            graph
                .add_component(unit.component)
                .map_err(|e| Error::Encode(e.into()))?,
        );
    }
    let mut instances = Vec::new();
    for instance in &plan.instances {
        instances.push(
            graph
                .instantiate(ids[instance.unit])
                .map_err(|e| Error::Encode(e.into()))?,
        );
    }
    for link in &plan.links {
        // Links name the components' own imports and exports.
        let export = graph
            .get_component_of_instance(instances[link.exporter])
            .and_then(|(_, c)| c.export_by_name(&link.export))
            .map(|(index, _, _)| index);
        let import = graph
            .get_component_of_instance(instances[link.importer])
            .and_then(|(_, c)| c.import_by_name(&import_name(link)))
            .map(|(index, _)| index);
        let (Some(export), Some(import)) = (export, import) else {
            return Err(Error::Encode(
                format!("lost track of `{}`", link.import).into(),
            ));
        };
        let connected = graph.connect(
            instances[link.exporter],
            Some(export),
            instances[link.importer],
            import,
        );
        if connected.is_err() {
            let (importer, exporter) = (
                &named[unit_of(link.importer)],
                &named[unit_of(link.exporter)],
            );
            return Err(Error::Mismatch {
                importer: plan.instances[link.importer].name.clone(),
                import: link.import.clone(),
                exporter: plan.instances[link.exporter].name.clone(),
                export: link.export.clone(),
                difference: difference::explain(
                    (importer.1, importer.2, &link.import),
                    (exporter.1, exporter.2, &link.export),
                ),
            });
        }
    }
    let names: Vec<&str> = named.iter().map(|(name, _, _)| name.as_str()).collect();
    let encode = |define_components| {
        let options = EncodeOptions {
            define_components,
            export: None,
            validate: false,
        };
        let encoded = weld_wit::guard::guarded("wasm-compose", || graph.encode(options))
            .and_then(|encoded| encoded.map_err(|e| format!("{e:#}")))?;
        match crate::named_types::name_imported_types(&encoded) {
            Ok(Some(named)) => Ok(named),
            Ok(None) => Ok(encoded),
            Err(e) => Err(format!("cannot name the imported types: {e}")),
        }
    };
    let (mut bytes, spliced) = match components {
        Components::Imported => {
            let cannot = |e: String| {
                Error::Encode(
                    format!("cannot import the components rather than embed them (`embed-components = false`): {e}").into(),
                )
            };
            // What wasm-compose cannot import, it embeds, and weld makes
            // the definitions imports (see `imported`).
            let imported = match encode(false) {
                Ok(imported) => imported,
                Err(e) if e.contains("AliasableResourceId") => {
                    let embedded = encode(true).map_err(cannot)?;
                    // As the graph has them: with imports renamed (`unshare`).
                    let components: Vec<crate::imported::Imported<'_>> = named
                        .iter()
                        .zip(&rewritten)
                        .map(
                            |((name, path, bytes), rewritten)| crate::imported::Imported {
                                name,
                                path,
                                bytes: rewritten.as_deref().map_or(*bytes, |b| &b[..]),
                            },
                        )
                        .collect();
                    crate::imported::import_components(&embedded, &components)
                        .map_err(|e| cannot(e.to_string()))?
                }
                Err(e) => return Err(cannot(e)),
            };
            (imported, false)
        }
        // wasm-compose copies the components it embeds; importing them and
        // splicing them in (see `splice`) saves that copy. It cannot import
        // a component that exports a resource (it cannot encode its type),
        // nor one named like an import left over.
        Components::Embedded => {
            let importable = !plan.leftover().iter().any(|import| names.contains(import));
            match importable.then(|| encode(false)).and_then(Result::ok) {
                Some(wrapper) => {
                    let imported: Vec<&str> = embedded.iter().map(|&unit| names[unit]).collect();
                    let skeleton =
                        splice::placeholders(&wrapper, &imported).map_err(Error::Encode)?;
                    (skeleton, true)
                }
                None => (encode(true).map_err(|e| Error::Encode(e.into()))?, false),
            }
        }
    };
    let linked: Vec<String> = plan.links.iter().map(import_name).collect();
    let defined = append_exports(&mut bytes, plan, &linked, &kinds, &names, components)
        .map_err(|e| Error::Encode(e.into()))?;
    let output = match spliced {
        true => Output::spliced(bytes, &defined, embedded_bytes, inputs_embedded, inputs),
        false => Some(Output::whole(bytes, defined, inputs_embedded, inputs)),
    };
    let mut output = output
        .ok_or_else(|| Error::Encode("cannot find the placeholders of the components".into()))?;
    output.suspect = suspect.map(Box::new);
    Ok(output)
}

/// A composed component, as pieces to write one after the other: the
/// components it embeds are written straight from their inputs.
/// Validation checks the bytes as written, while the inputs are validated
/// from the start (`InputCheck`).
pub struct Output {
    pieces: Vec<Piece>,
    /// Ranges of the result that should hold verbatim copies of inputs
    /// validated in full: their function bodies need no second look.
    copies: Vec<(Range<usize>, Shared)>,
    inputs: InputCheck,
    /// What is likely at fault should the result not validate.
    suspect: Option<Box<Error>>,
}

enum Piece {
    Encoded(Vec<u8>),
    Input(Shared),
}

impl Piece {
    fn bytes(&self) -> &[u8] {
        match self {
            Piece::Encoded(bytes) => bytes,
            Piece::Input(bytes) => bytes,
        }
    }
}

impl Output {
    /// An encoding that holds its components.
    fn whole(
        bytes: Vec<u8>,
        defined: Vec<Range<usize>>,
        inputs_embedded: Vec<Shared>,
        inputs: InputCheck,
    ) -> Output {
        Output {
            pieces: vec![Piece::Encoded(bytes)],
            copies: defined.into_iter().zip(inputs_embedded).collect(),
            inputs,
            suspect: None,
        }
    }

    /// The input itself, when there is nothing to compose: re-encoding it
    /// would only risk what wasm-compose gets wrong (it redefines the
    /// types of imports that nothing fills, breaking world-level types
    /// used by other types or by imported functions).
    /// It is written from the input, not copied.
    pub(crate) fn unchanged(input: &Shared, inputs: InputCheck) -> Output {
        Output {
            pieces: vec![Piece::Input(Arc::clone(input))],
            copies: vec![(0..input.len(), Arc::clone(input))],
            inputs,
            suspect: None,
        }
    }

    /// `skeleton` with the components `embedded` (inputs, or copies of
    /// them with imports renamed) in place of its `placeholders`.
    pub(crate) fn spliced(
        skeleton: Vec<u8>,
        placeholders: &[Range<usize>],
        embedded: Vec<Shared>,
        inputs_embedded: Vec<Shared>,
        inputs: InputCheck,
    ) -> Option<Output> {
        if placeholders.len() != embedded.len() {
            return None;
        }
        let mut pieces = Vec::new();
        let mut copies = Vec::new();
        let (mut from, mut len) = (0, 0);
        for ((placeholder, bytes), input) in placeholders.iter().zip(embedded).zip(inputs_embedded)
        {
            let start = splice::section_start(&skeleton, placeholder)?;
            let mut head = skeleton[from..start].to_vec();
            head.extend(splice::component_section_header(bytes.len()));
            len += head.len();
            copies.push((len..len + bytes.len(), input));
            len += bytes.len();
            pieces.push(Piece::Encoded(head));
            pieces.push(Piece::Input(bytes));
            from = placeholder.end;
        }
        pieces.push(Piece::Encoded(skeleton[from..].to_vec()));
        Some(Output {
            pieces,
            copies,
            inputs,
            suspect: None,
        })
    }

    /// Writes the component out, piece by piece.
    pub fn write_to(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        self.pieces
            .iter()
            .try_for_each(|piece| out.write_all(piece.bytes()))
    }

    /// Validates `written`, the bytes `write_to` wrote (read back), and
    /// waits for the validation of the inputs.
    pub fn check(self, written: &[u8]) -> Result<(), Error> {
        let checked: Vec<Range<usize>> = self
            .copies
            .into_iter()
            .filter(|(range, input)| written.get(range.clone()) == Some(&input[..]))
            .map(|(range, _)| range)
            .collect();
        let output =
            weld_wit::wasm::validate_except(Path::new("the composition"), written, &checked);
        // An invalid input is reported as such, before the result.
        self.inputs
            .0
            .join()
            .unwrap_or_else(|_| Err(Error::InvalidOutput("the validator panicked".into())))?;
        output.map(drop).map_err(|e| match self.suspect {
            Some(suspect) => *suspect,
            None => Error::InvalidOutput(e.into()),
        })
    }

    /// The bytes, once they are valid.
    pub fn into_bytes(self) -> Result<Vec<u8>, Error> {
        let bytes = self
            .pieces
            .iter()
            .map(Piece::bytes)
            .collect::<Vec<_>>()
            .concat();
        self.check(&bytes)?;
        Ok(bytes)
    }
}

/// A type a component imports from an instance it imports (a world-level
/// `use`) stays an import of the result, which wasm-compose defines again
/// by structure once that instance is filled inside the composition. That
/// holds for a record of plain fields, but not for a type that names
/// other types of the instance (a variant of a flags, a resource): the
/// result then fails to validate, and this is why. (wasm-compose passes
/// only top-level exports as arguments, so the plug's type cannot be
/// passed instead.)
fn filled_instance_type(units: &[Unit<'_>], plan: &Plan) -> Result<Option<Error>, Error> {
    let mut read: std::collections::HashMap<usize, Structure> = Default::default();
    for link in &plan.links {
        let importer = plan.instances[link.importer].unit;
        let unit = &units[importer];
        let structure = match read.entry(importer) {
            std::collections::hash_map::Entry::Occupied(read) => read.into_mut(),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(Structure::read(unit.bytes).map_err(|e| Error::Parse {
                    path: unit.path.to_owned(),
                    source: e.into(),
                })?)
            }
        };
        if let Some(used) = structure
            .instance_types
            .iter()
            .find(|used| used.instance == link.import)
        {
            let exporter = &units[plan.instances[link.exporter].unit];
            return Ok(Some(Error::TypeOfFilledImport(Box::new(
                crate::FilledImportType {
                    importer: unit.path.display().to_string(),
                    import: link.import.clone(),
                    exporter: exporter.path.display().to_string(),
                    name: used.name.clone(),
                    ty: used.ty.clone(),
                },
            ))));
        }
    }
    Ok(None)
}

/// Appends the plan's exports, and a name section naming its components
/// and instances, to a graph wasm-compose encoded without exports.
/// Returns where the components it defines lie.
fn append_exports(
    bytes: &mut Vec<u8>,
    plan: &Plan,
    linked: &[String],
    kinds: &[ComponentExternalKind],
    units: &[&str],
    components: Components,
) -> Result<Vec<Range<usize>>, String> {
    let structure = Structure::read(bytes).map_err(|e| e.to_string())?;
    // wasm-compose defines the components that have instances, in order.
    let mut component_index = Vec::new();
    let mut defined = 0;
    for (unit, name) in units.iter().enumerate() {
        let index = match components {
            _ if !plan.instantiates(unit) => None,
            Components::Embedded => {
                defined += 1;
                structure.defined_component(defined - 1)
            }
            Components::Imported => structure.imported_component(name),
        };
        component_index.push(index);
    }
    let encoded = find_instances(&structure, plan, linked, &component_index)
        .ok_or("cannot find the instances in the encoding")?;

    let mut aliases = ComponentAliasSection::new();
    let mut exports = ComponentExportSection::new();
    let mut counts = structure.counts.clone();
    let mut aliased = Vec::new();
    for (export, &kind) in plan.exports.iter().zip(kinds) {
        let instance = structure.instantiations[encoded[export.instance]].index;
        aliases.alias(Alias::InstanceExport {
            instance,
            kind: export_kind(kind),
            name: &export.export,
        });
        aliased.push(counts.next(kind));
    }
    for ((export, &kind), index) in plan.exports.iter().zip(kinds).zip(aliased) {
        exports.export(&export.name, export_kind(kind), index, None);
    }
    if !plan.exports.is_empty() {
        aliases.append_to_component(bytes);
        exports.append_to_component(bytes);
    }

    let mut component_names = NameMap::new();
    for (index, name) in component_index.iter().zip(units) {
        if let Some(index) = index {
            component_names.append(*index, name);
        }
    }
    let mut instance_names = NameMap::new();
    for (instance, n) in plan.instances.iter().zip(&encoded) {
        instance_names.append(structure.instantiations[*n].index, &instance.name);
    }
    let mut names = ComponentNameSection::new();
    names.components(&component_names);
    names.instances(&instance_names);
    names.append_to_component(bytes);
    Ok(structure.defined)
}

/// Which instantiation of the encoding is each instance of the plan: one
/// of the same component whose arguments are the plan's links (`linked`
/// names their imports as encoded). Instances
/// of one component that look alike from their arguments may differ in
/// what later imports from them, so a choice that a later instantiation
/// contradicts is undone.
fn find_instances(
    structure: &Structure,
    plan: &Plan,
    linked: &[String],
    component_index: &[Option<u32>],
) -> Option<Vec<usize>> {
    /// A link, with the name of its import as encoded.
    struct Linked<'p> {
        link: &'p Link,
        import: &'p str,
    }
    /// What an instantiation of an instance must look like.
    struct Wanted<'p> {
        /// The index of its component in the encoding.
        component: Option<u32>,
        links: Vec<Linked<'p>>,
    }
    struct Search<'p> {
        structure: &'p Structure,
        wanted: Vec<Wanted<'p>>,
        found: Vec<Option<usize>>,
    }
    impl Search<'_> {
        fn fits(&self, i: usize, instantiation: &Instantiation) -> bool {
            let wanted = &self.wanted[i];
            self.found[i].is_none()
                && wanted.component == Some(instantiation.component)
                && wanted.links.iter().all(|Linked { link, import }| {
                    let exporter = self.found[link.exporter];
                    instantiation.args.iter().any(|(name, source)| {
                        name == import
                            && matches!(source, Source::Export { instantiation, name }
                                if Some(*instantiation) == exporter && *name == link.export)
                    })
                })
        }

        fn assign(&mut self, n: usize) -> bool {
            let Some(instantiation) = self.structure.instantiations.get(n) else {
                return self.found.iter().all(Option::is_some);
            };
            for i in 0..self.wanted.len() {
                if self.fits(i, instantiation) {
                    self.found[i] = Some(n);
                    if self.assign(n + 1) {
                        return true;
                    }
                    self.found[i] = None;
                }
            }
            false
        }
    }
    let mut wanted: Vec<Wanted> = plan
        .instances
        .iter()
        .map(|instance| Wanted {
            component: component_index[instance.unit],
            links: Vec::new(),
        })
        .collect();
    for (link, import) in plan.links.iter().zip(linked) {
        wanted[link.importer].links.push(Linked { link, import });
    }
    let mut search = Search {
        structure,
        found: vec![None; wanted.len()],
        wanted,
    };
    search
        .assign(0)
        .then(|| search.found.into_iter().flatten().collect())
}

fn export_kind(kind: ComponentExternalKind) -> ComponentExportKind {
    match kind {
        ComponentExternalKind::Module => ComponentExportKind::Module,
        ComponentExternalKind::Func => ComponentExportKind::Func,
        ComponentExternalKind::Value => ComponentExportKind::Value,
        ComponentExternalKind::Type => ComponentExportKind::Type,
        ComponentExternalKind::Instance => ComponentExportKind::Instance,
        ComponentExternalKind::Component => ComponentExportKind::Component,
    }
}
