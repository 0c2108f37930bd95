//! WIT output: text, JSON, and a package directory with `deps/`.

use crate::load::{self, Wit};
use crate::{Error, Result};
use std::path::{Path, PathBuf};
use wit_component::{StringEncoding, WitPrinter};
use wit_parser::{InterfaceId, PackageId, Resolve, WorldId, WorldItem, WorldKey};

/// Prints the main package, with the packages it uses nested when they
/// exist nowhere else (see below).
pub fn package(wit: &Wit) -> Result<String> {
    // A package directory's dependencies live in its `deps/`; anything
    // else (a component, a `.wit` file with `package x:y { ... }` blocks, a
    // WIT package encoded as wasm) holds them itself, so they are printed
    // nested, and what is printed resolves when read back.
    let nested = if wit.world.is_some() || !wit.path.is_dir() {
        wit.dependencies()
    } else {
        Vec::new()
    };
    print(&wit.resolve, wit.package, &nested)
}

/// Prints one world with everything it imports and exports: the world is
/// encoded as a component type and decoded again, which keeps exactly the
/// interfaces and types it reaches, as a component built for it would see
/// them (doc comments do not survive the round trip).
pub fn world(wit: &Wit, world: WorldId) -> Result<String> {
    let (resolve, world) = world_closure(&wit.resolve, world)?;
    let package = resolve.worlds[world]
        .package
        .expect("decoded worlds belong to a package");
    let nested: Vec<_> = resolve
        .packages
        .iter()
        .map(|(id, _)| id)
        .filter(|id| *id != package)
        .collect();
    print(&resolve, package, &nested)
}

/// The machine-readable resolve, with the index of the main package (and of
/// the world, when one was chosen) added at the top level.
pub fn json(wit: &Wit, world: Option<WorldId>) -> Result<String> {
    let (resolve, package, world) = match world {
        Some(world) => {
            let (resolve, world) = world_closure(&wit.resolve, world)?;
            let package = resolve.worlds[world].package;
            (resolve, package, Some(world))
        }
        None => (wit.resolve.clone(), Some(wit.package), wit.world),
    };
    let mut value = serde_json::to_value(&resolve).map_err(|e| Error::Print(e.into()))?;
    value["package"] = package.map(|id| id.index()).into();
    value["world"] = world.map(|id| id.index()).into();
    serde_json::to_string_pretty(&value).map_err(|e| Error::Print(e.into()))
}

/// Writes the package as `DIR/<name>.wit` with each dependency in
/// `DIR/deps/<namespace>-<name>[-<version>].wit`.
///
/// The directory is built beside its destination and renamed into place, and
/// is parsed again before that, so a failure leaves nothing behind and what
/// lands always resolves. An existing non-empty `DIR` is never replaced.
pub fn write_dir(wit: &Wit, dir: &Path) -> Result<()> {
    if dir.exists() && !is_empty_dir(dir) {
        return Err(Error::OutputDirExists {
            path: dir.to_owned(),
        });
    }
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let write_err = |path: &Path| {
        let path = path.to_owned();
        move |source| Error::Write { path, source }
    };
    let staging = tempfile::Builder::new()
        .prefix(".weld-wit-")
        .tempdir_in(parent)
        .map_err(write_err(dir))?;
    let file_name = |id: PackageId| {
        let name = &wit.resolve.packages[id].name;
        match &name.version {
            Some(v) => format!("{}-{}-{v}.wit", name.namespace, name.name),
            None => format!("{}-{}.wit", name.namespace, name.name),
        }
    };
    let main = staging.path().join(format!(
        "{}.wit",
        wit.resolve.packages[wit.package].name.name
    ));
    let mut files = vec![(main, print(&wit.resolve, wit.package, &[])?)];
    for dep in wit.dependencies() {
        let path = staging.path().join("deps").join(file_name(dep));
        files.push((path, print(&wit.resolve, dep, &[])?));
    }
    for (path, text) in &files {
        let parent = path.parent().expect("files live in the staging directory");
        std::fs::create_dir_all(parent).map_err(write_err(parent))?;
        std::fs::write(path, text).map_err(write_err(path))?;
    }
    // What we wrote must resolve on its own, or it is not worth writing.
    load::load(staging.path()).map_err(|e| Error::Print(e.into()))?;
    if dir.exists() {
        std::fs::remove_dir(dir).map_err(write_err(dir))?;
    }
    let staged: PathBuf = staging.keep();
    std::fs::rename(&staged, dir).map_err(|source| {
        let _ = std::fs::remove_dir_all(&staged);
        Error::Write {
            path: dir.to_owned(),
            source,
        }
    })
}

fn is_empty_dir(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_none())
}

/// The main package, then each of `nested` in `package ... { ... }` form,
/// separated by blank lines.
fn print(resolve: &Resolve, package: PackageId, nested: &[PackageId]) -> Result<String> {
    let print_one = |id: PackageId, is_main: bool| {
        let mut printer = WitPrinter::default();
        printer
            .print_package(resolve, id, is_main)
            .map_err(|e| Error::Print(e.into()))?;
        Ok(printer.output.to_string())
    };
    let mut texts = vec![print_one(package, true)?];
    for id in nested {
        texts.push(print_one(*id, false)?);
    }
    Ok(texts.join("\n"))
}

/// A world re-decoded on its own: its resolve holds only what the world uses.
fn world_closure(resolve: &Resolve, world: WorldId) -> Result<(Resolve, WorldId)> {
    check_dependencies(resolve, world)?;
    // wit-component panics on what the check above does not foresee.
    crate::guard::guarded("wit-component", || {
        wit_component::metadata::encode(resolve, world, StringEncoding::UTF8, None)
    })
    .map_err(|message| Error::Print(message.into()))?
    .and_then(|bytes| wit_parser::decoding::decode_world(&bytes))
    .map_err(|e| Error::Print(e.into()))
}

/// Refuses a world that exports an interface using another that the world
/// has neither as import nor export, which wit-component cannot encode.
fn check_dependencies(resolve: &Resolve, world: WorldId) -> Result<()> {
    let world = &resolve.worlds[world];
    let has = |id: InterfaceId| {
        let key = WorldKey::Interface(id);
        world.imports.contains_key(&key) || world.exports.contains_key(&key)
    };
    for (key, item) in &world.exports {
        let WorldItem::Interface { id, .. } = item else {
            continue;
        };
        if let Some(missing) = resolve.interface_direct_deps(*id).find(|&dep| !has(dep)) {
            return Err(Error::WorldMissesDependency {
                world: world.name.clone(),
                export: resolve.name_world_key(key),
                uses: resolve
                    .id_of(missing)
                    .unwrap_or_else(|| "an unnamed interface".into()),
            });
        }
    }
    Ok(())
}
