//! `weld check policy COMPONENT`: an audit of what a component imports.
//! Each import is classed (an instance with functions, one of types only,
//! a function) and checked against globs over full names; required
//! exports and a maximum size are checked too.

use super::{Level, Report};
use crate::Wit;
use crate::names::{matches, names_interface};
use serde::Deserialize;
use wit_parser::WorldItem;

/// What a component may import and must export.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Policy {
    /// Globs of imports allowed; when there are some, nothing else is.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Globs of imports refused, even if allowed.
    #[serde(default)]
    pub deny: Vec<String>,
    /// Exports the component must have.
    #[serde(default)]
    pub require_exports: Vec<String>,
    /// The largest the component may be, in bytes.
    pub max_size: Option<u64>,
}

impl Policy {
    /// Reads a policy file: `allow`, `deny`, `require-exports` (lists) and
    /// `max-size` (bytes).
    pub fn load(path: &std::path::Path) -> crate::Result<Policy> {
        let bytes = crate::wasm::read_file(path)?;
        let text = String::from_utf8_lossy(&bytes);
        toml::from_str(&text).map_err(|e| crate::Error::Policy {
            path: path.to_owned(),
            message: e.to_string(),
        })
    }
}

impl Policy {
    /// Refuses allow and deny patterns that would match nothing by mistake
    /// (see [`crate::names::check_pattern`]).
    pub fn check_patterns(&self) -> crate::Result<()> {
        for pattern in self.allow.iter().chain(&self.deny) {
            crate::names::check_pattern(pattern)
                .map_err(|message| crate::Error::Pattern { message })?;
        }
        Ok(())
    }
}

/// Checks `component`, of `size` bytes, against `policy`. `check` names the
/// check in the report (`policy`, or `compose` for a manifest's result).
pub fn check(
    component: &Wit,
    size: u64,
    policy: &Policy,
    check: &'static str,
    subject: String,
) -> Report {
    let mut report = Report::new(check, subject);
    let Some(world) = report.component_world(component) else {
        return report;
    };
    let world = &component.resolve.worlds[world];
    for (key, item) in &world.imports {
        let name = component.resolve.name_world_key(key);
        let kind = match item {
            WorldItem::Interface { id, .. } => {
                match component.resolve.interfaces[*id].functions.len() {
                    0 => "an instance of types only".to_owned(),
                    1 => "an instance with 1 function".to_owned(),
                    n => format!("an instance with {n} functions"),
                }
            }
            WorldItem::Function(_) => "a function".to_owned(),
            WorldItem::Type { .. } => "a type".to_owned(),
        };
        if let Some(rule) = policy.deny.iter().find(|g| matches(&name, g)) {
            report.add(
                Level::Error,
                "denied-import",
                name.clone(),
                format!("imports `{name}` ({kind}), which the deny rule `{rule}` refuses"),
                None,
            );
        } else if !policy.allow.is_empty() && !policy.allow.iter().any(|g| matches(&name, g)) {
            report.add(
                Level::Error,
                "unallowed-import",
                name.clone(),
                format!(
                    "imports `{name}` ({kind}), which no allow rule names (allowed: {})",
                    policy.allow.join(", ")
                ),
                None,
            );
        } else {
            report.add(
                Level::Note,
                "import",
                name.clone(),
                format!("imports `{name}` ({kind})"),
                None,
            );
        }
    }
    let exports: Vec<String> = world
        .exports
        .keys()
        .map(|key| component.resolve.name_world_key(key))
        .collect();
    for required in &policy.require_exports {
        if !exports
            .iter()
            .any(|e| names_interface(e, required) || matches(e, required))
        {
            report.add(
                Level::Error,
                "missing-export",
                required.clone(),
                format!(
                    "does not export `{required}`; it exports {}",
                    crate::display::code_list(&exports, "nothing")
                ),
                None,
            );
        }
    }
    if let Some(max) = policy.max_size
        && size > max
    {
        report.add(
            Level::Error,
            "too-large",
            String::new(),
            format!("is {size} bytes, more than the {max} allowed"),
            None,
        );
    }
    report
}
