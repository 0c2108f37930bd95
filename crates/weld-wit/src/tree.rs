//! A WIT package directory read into memory, from the file system or from a
//! git revision, and resolved from there.
//!
//! wit-parser can read a package directory itself, but it opens whatever
//! it finds: a FIFO named `x.wit` blocks it forever. And a package taken
//! from a git revision would have to be written out first, where a tree
//! entry named `..` (git accepts them) points outside the directory. So
//! weld reads every file itself, by the rules of [`crate::files`], and
//! hands wit-parser only text: nothing is ever written to disk, and the
//! layout rules are wit-parser's own (`*.wit` at the top; `deps/` holding
//! package directories, `.wit` files and encoded packages).

use crate::{Error, Result, files, wasm};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use wit_parser::{PackageId, Resolve, SourceMap, UnresolvedPackageGroup};

/// One file of a package, named as messages should name it.
pub struct Source {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

/// An entry of `deps/`.
pub enum Dep {
    /// A directory of `.wit` files: one package.
    Dir(Vec<Source>),
    /// A `.wit` file, or a WIT package encoded as wasm (binary or text).
    File(Source),
}

/// A package directory: its own `.wit` files and its dependencies.
pub struct PackageTree {
    pub files: Vec<Source>,
    pub deps: Vec<Dep>,
}

/// The most files one package tree may hold, so that a hostile tree cannot
/// make weld read without end.
const MAX_FILES: usize = 10_000;

fn is_wit(name: &str) -> bool {
    name.ends_with(".wit")
}

fn is_dep_file(name: &str) -> bool {
    is_wit(name) || name.ends_with(".wasm") || name.ends_with(".wat")
}

impl PackageTree {
    /// Reads a package directory from the file system. Links are followed;
    /// a `.wit` file that is not a regular file is an error naming it.
    pub fn from_dir(dir: &Path) -> Result<PackageTree> {
        let files = read_wit_files(dir)?;
        let mut deps = Vec::new();
        let deps_dir = dir.join("deps");
        if deps_dir.is_dir() {
            for (name, path, meta) in sorted_entries(&deps_dir)? {
                if meta.is_dir() {
                    deps.push(Dep::Dir(read_wit_files(&path)?));
                } else if is_dep_file(&name) {
                    let bytes = files::read_regular(&path, files::MAX_TEXT)?;
                    deps.push(Dep::File(Source { path, bytes }));
                }
            }
        }
        Ok(PackageTree { files, deps })
    }

    /// Reads PATH at revision REV of the git repository around the working
    /// directory, straight from git's objects: a package directory, or a
    /// single file (a `.wit` file, a component) as its bytes.
    pub fn from_git(spec: &str, rev: &str, path: &str) -> Result<Result<PackageTree, Vec<u8>>> {
        let git = Git {
            spec,
            read: Default::default(),
        };
        if rev.is_empty() || rev.starts_with('-') {
            return Err(git.error(format!(
                "`{rev}` is not a revision; a revision cannot be empty or start with `-`"
            )));
        }
        let object = git
            .text(&[
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                &format!("{rev}:{path}"),
            ])
            .map_err(|_| git.error(format!("`{path}` is not in revision `{rev}`")))?;
        let shown = |name: &str| PathBuf::from(path).join(name);
        if git.text(&["cat-file", "-t", &object])? != "tree" {
            return Ok(Err(git.blob(&object, files::MAX_WASM)?));
        }
        let mut files = Vec::new();
        let mut deps = Vec::new();
        for entry in git.tree(&object)? {
            match (entry.kind, entry.name.as_str()) {
                (Kind::Blob, name) if is_wit(name) => files.push(Source {
                    path: shown(name),
                    bytes: git.blob(&entry.object, files::MAX_TEXT)?,
                }),
                (Kind::Tree, "deps") => {
                    for dep in git.tree(&entry.object)? {
                        let dep_path = shown("deps").join(&dep.name);
                        match dep.kind {
                            Kind::Tree => {
                                let mut package = Vec::new();
                                for file in git.tree(&dep.object)? {
                                    if file.kind == Kind::Blob && is_wit(&file.name) {
                                        package.push(Source {
                                            path: dep_path.join(&file.name),
                                            bytes: git.blob(&file.object, files::MAX_TEXT)?,
                                        });
                                    }
                                }
                                deps.push(Dep::Dir(package));
                            }
                            Kind::Blob if is_dep_file(&dep.name) => deps.push(Dep::File(Source {
                                path: dep_path,
                                bytes: git.blob(&dep.object, files::MAX_TEXT)?,
                            })),
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(Ok(PackageTree { files, deps }))
    }

    /// Resolves the package and its dependencies. `path` names the package
    /// in messages.
    pub fn resolve(self, path: &Path) -> Result<(Resolve, PackageId)> {
        let wit_error = |source: String| Error::Wit {
            path: path.to_owned(),
            source: source.into(),
        };
        let mut resolve = Resolve::default();
        let mut groups = Vec::new();
        for dep in self.deps {
            match dep {
                Dep::Dir(files) => groups.push(parse(files).map_err(wit_error)?),
                Dep::File(source) if is_wit(&source.path.to_string_lossy()) => {
                    groups.push(parse(vec![source]).map_err(wit_error)?)
                }
                Dep::File(source) => {
                    let bytes = wasm::to_binary(&source.path, source.bytes.into())?;
                    let decoded = crate::guard::decode(&bytes)
                        .map_err(|e| wit_error(format!("`{}`: {e:#}", source.path.display())))?;
                    let wit_parser::decoding::DecodedWasm::WitPackage(dep, _) = decoded else {
                        return Err(wit_error(format!(
                            "`{}` is a component, not an encoded WIT package",
                            source.path.display()
                        )));
                    };
                    resolve
                        .merge(dep)
                        .map_err(|e| wit_error(format!("{e:#}")))?;
                }
            }
        }
        if self.files.is_empty() {
            return Err(wit_error(format!(
                "`{}` holds no `.wit` files",
                path.display()
            )));
        }
        let main = parse(self.files).map_err(wit_error)?;
        let package = crate::guard::guarded("wit-parser", || resolve.push_groups(main, groups))
            .map_err(wit_error)?
            .map_err(|e| wit_error(resolve.render_error(&anyhow::Error::from(e))))?;
        Ok((resolve, package))
    }
}

/// Parses the files of one package, rendering an error at its location.
fn parse(files: Vec<Source>) -> std::result::Result<UnresolvedPackageGroup, String> {
    let mut map = SourceMap::default();
    for file in files {
        let Ok(text) = String::from_utf8(file.bytes) else {
            return Err(format!("`{}` is not UTF-8 text", file.path.display()));
        };
        map.push(&file.path, text);
    }
    crate::guard::guarded("wit-parser", || map.parse())?.map_err(|(map, e)| e.render(&map))
}

/// The entries of a directory, sorted by name, with the metadata of what
/// each names (links followed). Entries whose names are not UTF-8, and
/// dangling links, are left out as wit-parser leaves them out.
fn sorted_entries(dir: &Path) -> Result<Vec<(String, PathBuf, std::fs::Metadata)>> {
    let failed = |source| Error::Read {
        path: dir.to_owned(),
        source,
    };
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(failed)? {
        let entry = entry.map_err(failed)?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let path = entry.path();
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        entries.push((name, path, meta));
        if entries.len() > MAX_FILES {
            return Err(Error::TooManyFiles {
                path: dir.to_owned(),
                limit: MAX_FILES,
            });
        }
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(entries)
}

/// The `.wit` files directly in `dir`.
fn read_wit_files(dir: &Path) -> Result<Vec<Source>> {
    let mut sources = Vec::new();
    for (name, path, meta) in sorted_entries(dir)? {
        if is_wit(&name) && !meta.is_dir() {
            let bytes = files::read_regular(&path, files::MAX_TEXT)?;
            sources.push(Source { path, bytes });
        }
    }
    Ok(sources)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Blob,
    Tree,
    /// A submodule or anything else: never read.
    Other,
}

/// One entry of a git tree, its name checked.
struct Entry {
    kind: Kind,
    object: String,
    name: String,
}

/// Runs git for one `git:REV:PATH` source.
struct Git<'a> {
    spec: &'a str,
    /// Blobs read so far, against [`MAX_FILES`].
    read: std::cell::Cell<usize>,
}

impl Git<'_> {
    fn error(&self, message: String) -> Error {
        Error::Git {
            spec: self.spec.to_owned(),
            message,
        }
    }

    fn run(&self, args: &[&str]) -> Result<Vec<u8>> {
        let output = Command::new("git")
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| self.error(format!("cannot run git: {e}")))?;
        if !output.status.success() {
            return Err(self.error(String::from_utf8_lossy(&output.stderr).trim().to_owned()));
        }
        Ok(output.stdout)
    }

    fn text(&self, args: &[&str]) -> Result<String> {
        let out = self.run(args)?;
        String::from_utf8(out)
            .map(|s| s.trim_end().to_owned())
            .map_err(|_| self.error("git printed something that is not UTF-8".into()))
    }

    /// A blob's contents, of at most `limit` bytes.
    fn blob(&self, object: &str, limit: u64) -> Result<Vec<u8>> {
        self.read.set(self.read.get() + 1);
        if self.read.get() > MAX_FILES {
            return Err(self.error(format!("the package holds more than {MAX_FILES} files")));
        }
        let size: u64 = self
            .text(&["cat-file", "-s", object])?
            .parse()
            .map_err(|_| self.error(format!("git gave no size for {object}")))?;
        if size > limit {
            return Err(self.error(format!(
                "object {object} is {size} bytes, more than the {limit} weld reads from such a file"
            )));
        }
        self.run(&["cat-file", "blob", object])
    }

    /// The entries of a tree object. A name that could not be a file name
    /// in a checkout (`..`, `.`, empty, or holding `/` or NUL) is refused
    /// outright: such a tree was made to attack whoever checks it out.
    fn tree(&self, object: &str) -> Result<Vec<Entry>> {
        let listing = self.run(&["ls-tree", "-z", "--end-of-options", object])?;
        let mut entries = Vec::new();
        for record in listing.split(|b| *b == 0).filter(|r| !r.is_empty()) {
            let text = std::str::from_utf8(record)
                .map_err(|_| self.error("git listed a name that is not UTF-8".into()))?;
            let (info, name) = text
                .split_once('\t')
                .ok_or_else(|| self.error(format!("unexpected `git ls-tree` line `{text}`")))?;
            if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\0']) {
                return Err(self.error(format!(
                    "tree {object} has an entry named `{}`, which no checkout could hold; refusing the revision",
                    name.escape_debug()
                )));
            }
            let mut info = info.split(' ');
            let kind = match info.nth(1) {
                Some("blob") => Kind::Blob,
                Some("tree") => Kind::Tree,
                _ => Kind::Other,
            };
            entries.push(Entry {
                kind,
                object: info.next().unwrap_or_default().to_owned(),
                name: name.to_owned(),
            });
            if entries.len() > MAX_FILES {
                return Err(self.error(format!("tree {object} has more than {MAX_FILES} entries")));
            }
        }
        Ok(entries)
    }
}
