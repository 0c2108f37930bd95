//! Loading WIT from any of the places it lives: a `.wit` file, a package
//! directory with `deps/`, WIT text on stdin, or the types inside a component.

use crate::files;
use crate::tree::PackageTree;
use crate::wasm::{self, WasmKind};
use crate::{Error, Result};
use std::path::{Path, PathBuf};
use wit_parser::{PackageId, Resolve, WorldId};

/// A resolved WIT package together with everything it depends on.
#[derive(Debug, Clone)]
pub struct Wit {
    pub resolve: Resolve,
    /// The package the user asked for; every other package is a dependency.
    pub package: PackageId,
    /// The world a component was decoded from (a component's own `root` world).
    pub world: Option<WorldId>,
    /// Where the WIT came from, for messages.
    pub path: PathBuf,
}

impl Wit {
    /// The packages other than the main one, in the order they were resolved.
    pub fn dependencies(&self) -> Vec<PackageId> {
        self.resolve
            .packages
            .iter()
            .map(|(id, _)| id)
            .filter(|id| *id != self.package)
            .collect()
    }

    /// The main package's name, e.g. `my:image-processor`.
    pub fn package_name(&self) -> String {
        self.resolve.packages[self.package].name.to_string()
    }

    /// Finds a world by plain name (`app`) or by full name
    /// (`my:image-processor/app`); without a name the package's only world.
    pub fn world(&self, name: Option<&str>) -> Result<WorldId> {
        if let Some(name) = name {
            if let Ok(id) = self.resolve.select_world(&[self.package], Some(name)) {
                return Ok(id);
            }
            return Err(Error::NoSuchWorld {
                name: name.to_owned(),
                package: self.package_name(),
                available: self.world_list(),
            });
        }
        if let Some(world) = self.world {
            return Ok(world);
        }
        let worlds = &self.resolve.packages[self.package].worlds;
        match worlds.values().next() {
            Some(id) if worlds.len() == 1 => Ok(*id),
            _ => Err(Error::AmbiguousWorld {
                package: self.package_name(),
                available: self.world_list(),
            }),
        }
    }

    fn world_list(&self) -> String {
        let names: Vec<_> = self.resolve.packages[self.package]
            .worlds
            .keys()
            .map(|name| format!("`{name}`"))
            .collect();
        match names.len() {
            0 => "no worlds".to_owned(),
            1 => format!("one world: {}", names[0]),
            _ => format!("worlds {}", names.join(", ")),
        }
    }
}

/// Loads WIT from a path: a directory (with an optional `deps/`), a `.wit`
/// file, a WIT package encoded as wasm, or a component whose types are
/// decoded back into WIT.
pub fn load(path: &Path) -> Result<Wit> {
    let meta = std::fs::metadata(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    if meta.is_dir() {
        let (resolve, package) = PackageTree::from_dir(path)?.resolve(path)?;
        return Ok(Wit {
            resolve,
            package,
            world: None,
            path: path.to_owned(),
        });
    }
    load_bytes(path, files::read_regular(path, files::MAX_WASM)?)
}

/// Loads WIT from file contents: WIT text, or a wasm binary or text that is
/// a component or an encoded WIT package. `path` names the source in messages.
pub fn load_bytes(path: &Path, bytes: Vec<u8>) -> Result<Wit> {
    let named_wasm = path
        .extension()
        .is_some_and(|ext| ext == "wasm" || ext == "wat");
    if !named_wasm && !wat::Detect::from_bytes(&bytes).is_wasm() {
        let Ok(text) = String::from_utf8(bytes) else {
            return Err(Error::NotWasm {
                path: path.to_owned(),
            });
        };
        let mut resolve = Resolve::default();
        let package = crate::guard::guarded("wit-parser", || resolve.push_str(path, &text))
            .map_err(|message| Error::Wit {
                path: path.to_owned(),
                source: message.into(),
            })?
            .map_err(|e| wit_error(&resolve, path, &e))?;
        return Ok(Wit {
            resolve,
            package,
            world: None,
            path: path.to_owned(),
        });
    }
    let bytes = wasm::to_binary(path, bytes.into())?;
    if wasm::kind(path, &bytes)? == WasmKind::Module {
        return Err(Error::CoreModule {
            path: path.to_owned(),
            hint: "; a core module has no WIT of its own (`weld inspect` shows any WIT metadata it carries, and `weld new` makes it a component)",
        });
    }
    wasm::validate(path, &bytes)?;
    let decoded = crate::guard::decode(&bytes).map_err(|e| Error::Decode {
        path: path.to_owned(),
        source: e.into(),
    })?;
    let (resolve, package, world) = match decoded {
        wit_parser::decoding::DecodedWasm::WitPackage(resolve, package) => (resolve, package, None),
        wit_parser::decoding::DecodedWasm::Component(resolve, world) => {
            let package = resolve.worlds[world]
                .package
                .expect("decoded worlds belong to a package");
            (resolve, package, Some(world))
        }
    };
    Ok(Wit {
        resolve,
        package,
        world,
        path: path.to_owned(),
    })
}

/// wit-parser's errors carry spans that only their `Resolve` can turn into
/// `file:line:col` and the offending line.
fn wit_error(resolve: &Resolve, path: &Path, error: &anyhow::Error) -> Error {
    Error::Wit {
        path: path.to_owned(),
        source: resolve.render_error(error).into(),
    }
}
