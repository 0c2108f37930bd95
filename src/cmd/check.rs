use crate::flags::CacheFlag;
use crate::io;
use anyhow::Result;
use std::io::IsTerminal;
use std::path::PathBuf;
use weld_wit::check::policy::Policy;
use weld_wit::check::{self, Format, Report};

/// Check interface compatibility and import policy, for CI.
///
/// Exit status: 0 the check holds, 1 it fails, 2 the input could not be
/// read. `--format` gives the report for people (the default, coloured on
/// a terminal) or for CI systems.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    check: Check,
    /// How to write the report.
    #[arg(long, value_enum, default_value_t = ReportFormat::Human, global = true)]
    format: ReportFormat,
    /// Write the report to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE", global = true)]
    output: Option<PathBuf>,
}

#[derive(clap::Subcommand)]
enum Check {
    /// Does the component fit the world? Missing exports, extra imports
    /// and mismatched functions and types, in WIT syntax.
    Targets {
        component: PathBuf,
        /// The WIT package: a directory (with `deps/`) or a file.
        #[arg(long, value_name = "DIR")]
        wit: PathBuf,
        /// The world, if the package has several.
        #[arg(short, long, value_name = "NAME")]
        world: Option<String>,
    },
    /// What changed between two versions of WIT, what it means for callers
    /// and for implementers, and whether the versions say so. OLD and NEW
    /// are WIT directories, files, components, or `git:REV:PATH`.
    Semver { old: String, new: String },
    /// Audit what a component imports: each import against the globs, the
    /// required exports and the size.
    Policy {
        component: PathBuf,
        /// Allow imports matching GLOB (`wasi:cli/*`); when any are given,
        /// nothing else is.
        #[arg(long, value_name = "GLOB")]
        allow: Vec<String>,
        /// Refuse imports matching GLOB (`wasi:sockets/*`).
        #[arg(long, value_name = "GLOB")]
        deny: Vec<String>,
        /// An export the component must have.
        #[arg(long, value_name = "NAME")]
        require_export: Vec<String>,
        /// The largest the component may be (`5MiB`).
        #[arg(long, value_name = "SIZE", value_parser = weld_run::limits::parse_size)]
        max_size: Option<u64>,
        /// A TOML policy: `allow`, `deny`, `require-exports`, `max-size`
        /// (bytes); flags add to it.
        #[arg(long, value_name = "FILE.toml")]
        policy: Option<PathBuf>,
    },
    /// Check a `weld compose` manifest: its wiring type-checks, and the
    /// result satisfies its `[check]` section. Nothing is written.
    Compose {
        manifest: PathBuf,
        #[command(flatten)]
        cache: CacheFlag,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ReportFormat {
    Human,
    Json,
    Junit,
    Github,
    Sarif,
}

/// The input could not be read: exit status 2.
#[derive(Debug)]
pub struct Unreadable;

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("cannot read what to check")
    }
}

impl std::error::Error for Unreadable {}

impl Args {
    pub fn run(self) -> Result<u8> {
        let report = self.check.report()?;
        let format = match self.format {
            ReportFormat::Human => Format::Human {
                color: self.output.is_none()
                    && std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none(),
            },
            ReportFormat::Json => Format::Json,
            ReportFormat::Junit => Format::Junit,
            ReportFormat::Github => Format::Github,
            ReportFormat::Sarif => Format::Sarif,
        };
        io::write_text(self.output.as_deref(), &check::render(&report, format))?;
        Ok(if report.passed() { 0 } else { 1 })
    }
}

fn unreadable<T>(result: Result<T>) -> Result<T> {
    result.map_err(|e| e.context(Unreadable))
}

impl Check {
    fn report(self) -> Result<Report> {
        match self {
            Check::Targets {
                component,
                wit,
                world,
            } => {
                let (own, target, world) = unreadable((|| {
                    let own = weld_wit::load_bytes(
                        &io::input_name(&component),
                        io::read_wasm(&component)?.into_vec(),
                    )?;
                    let target = weld_wit::load(&wit)?;
                    let world = target.world(world.as_deref())?;
                    Ok((own, target, world))
                })())?;
                let subject = format!("`{}` against `{}`", component.display(), wit.display());
                Ok(check::targets::check(&own, &target, world, subject))
            }
            Check::Semver { old, new } => {
                // A registry reference is fetched here; a path or a
                // `git:` source is the library's to read.
                let load = |source: &str| -> Result<weld_wit::Wit> {
                    let path = std::path::Path::new(source);
                    if io::reference(path)?.is_some() {
                        return Ok(weld_wit::load_bytes(path, io::read(path)?)?);
                    }
                    Ok(check::semver::load_source(source)?)
                };
                let (before, after) = unreadable((|| Ok((load(&old)?, load(&new)?)))())?;
                Ok(check::semver::check(
                    &before,
                    &after,
                    format!("`{old}` -> `{new}`"),
                ))
            }
            Check::Policy {
                component,
                allow,
                deny,
                require_export,
                max_size,
                policy,
            } => {
                let name = io::input_name(&component);
                let (own, size, mut rules) = unreadable((|| {
                    let bytes = io::read_wasm(&component)?;
                    let size = bytes.len() as u64;
                    // A component whose types wit-parser cannot read is
                    // checked by the names and kinds of its imports.
                    let own = match weld_wit::load_bytes(&name, bytes.to_vec()) {
                        Ok(own) => Ok(own),
                        Err(why @ weld_wit::Error::Decode { .. }) => Err((
                            check::policy::Surface::of_names(&name, &bytes)?,
                            weld_wit::display::error_chain(&why),
                        )),
                        Err(e) => return Err(e.into()),
                    };
                    let rules = match &policy {
                        Some(path) => Policy::load(path)?,
                        None => Policy::default(),
                    };
                    Ok((own, size, rules))
                })())?;
                rules.allow.extend(allow);
                rules.deny.extend(deny);
                rules.require_exports.extend(require_export);
                rules.max_size = max_size.or(rules.max_size);
                unreadable(rules.check_patterns().map_err(anyhow::Error::from))?;
                let subject = format!("`{}`", component.display());
                Ok(match own {
                    Ok(own) => check::policy::check(&own, size, &rules, "policy", subject),
                    Err((surface, why)) => {
                        let mut report = Report::new("policy", subject);
                        report.add(
                            check::Level::Note,
                            "not-wit",
                            String::new(),
                            format!("{why}; its imports are checked by name and kind only"),
                            None,
                        );
                        check::policy::check_surface(report, &surface, size, &rules)
                    }
                })
            }
            Check::Compose { manifest, cache } => unreadable(
                crate::io::load_manifest(&manifest, crate::io::LockUse::Follow).and_then(
                    |loaded| {
                        weld_virt::check_manifest(&loaded.manifest, &manifest, &cache.validated())
                            .map_err(anyhow::Error::from)
                    },
                ),
            ),
        }
    }
}
