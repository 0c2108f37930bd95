//! A `weld compose` manifest composed end to end: components, wiring,
//! exports, and its `[virtualize]` section with its report.
//!
//! `weld compose`, its `--dry-run`, `weld check compose` and `weld graph`
//! of a manifest all come here, so that each checks what the others do:
//! a dry run that says yes is a composition that works.

use crate::{Error, Policy, Report, virtualize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use weld_link::{Manifest, Output, Plan};
use weld_wit::validated::Validated;

/// What a manifest makes.
pub struct Composition {
    /// The wiring of what is written: the manifest's, with the virtual
    /// layer of `[virtualize]` and any bridges as instances of their own.
    pub plan: Plan,
    /// The result, sandboxed if the manifest says so, being validated.
    pub component: Output,
    /// What `[virtualize]` made of each import, and where the manifest
    /// asks for it to be written (`report = "FILE"`).
    pub report: Option<(PathBuf, Report)>,
}

/// Composes the manifest read from `path`.
pub fn compose_manifest(
    manifest: &Manifest,
    path: &Path,
    validated: &Validated,
) -> Result<Composition, Error> {
    // A 0.3 import wired to a 0.2 export (or the reverse) gets a bridge,
    // as `weld plug` puts one in.
    let composed = manifest.compose_mediated(validated, Some(&crate::bridge::Bridges))?;
    let Some(section) = manifest.virtualize() else {
        return Ok(Composition {
            plan: composed.plan,
            component: composed.component,
            report: None,
        });
    };
    let in_section = |source: Error| Error::Virtualize {
        manifest: path.to_owned(),
        source: Box::new(source),
    };
    let base = path.parent().unwrap_or(Path::new(""));
    let policy = Policy::from_manifest(section, base).map_err(in_section)?;
    let bytes = Arc::new(composed.component.into_bytes()?.into());
    let virtualized = virtualize(path, &bytes, &policy, validated).map_err(in_section)?;
    Ok(Composition {
        plan: composed.plan.wrapped_by(&virtualized.composed.plan),
        component: virtualized.composed.component,
        report: section
            .report
            .as_ref()
            .map(|report| (base.join(report), virtualized.report)),
    })
}

/// `weld check compose`: composes `manifest`, read from `path`, as `weld compose`
/// would, writing nothing, and checks the result against its `[check]`
/// section. A wiring or `[virtualize]` mistake is a finding; an input that
/// cannot be read (the manifest, a component) is the error.
pub fn check_manifest(
    manifest: &Manifest,
    path: &Path,
    validated: &Validated,
) -> Result<weld_wit::check::Report, Error> {
    use weld_wit::check::{Level, Report, policy};
    let subject = format!("`{}`", path.display());
    let composition = match compose_manifest(manifest, path, validated) {
        Ok(composition) => composition,
        Err(e @ Error::Link(weld_link::Error::Wit(_))) => return Err(e),
        Err(e) => {
            let rule = match e {
                Error::Virtualize { .. } => "virtualize",
                _ => "wiring",
            };
            let mut report = Report::new("compose", subject);
            let message = weld_wit::display::error_chain(&e);
            report.add(Level::Error, rule, String::new(), message, None);
            return Ok(report);
        }
    };
    let bytes = composition.component.into_bytes()?;
    let size = bytes.len() as u64;
    let result = weld_wit::load_bytes(path, bytes)?;
    let rules = manifest.check_policy().cloned().unwrap_or_default();
    Ok(policy::check(&result, size, &rules, "compose", subject))
}
