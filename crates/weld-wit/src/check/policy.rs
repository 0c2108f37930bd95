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

/// What a policy looks at: each import by name, with its kind as the
/// report says it, and the exports by name.
pub struct Surface {
    pub imports: Vec<(String, String)>,
    pub exports: Vec<String>,
}

impl Surface {
    /// A component's imports and exports, from its WIT.
    fn of(component: &Wit, world: wit_parser::WorldId) -> Surface {
        let resolve = &component.resolve;
        let world = &resolve.worlds[world];
        let imports = world
            .imports
            .iter()
            .map(|(key, item)| {
                let kind = match item {
                    WorldItem::Interface { id, .. } => {
                        match resolve.interfaces[*id].functions.len() {
                            0 => "an instance of types only".to_owned(),
                            1 => "an instance with 1 function".to_owned(),
                            n => format!("an instance with {n} functions"),
                        }
                    }
                    WorldItem::Function(_) => "a function".to_owned(),
                    WorldItem::Type { .. } => "a type".to_owned(),
                };
                (resolve.name_world_key(key), kind)
            })
            .collect();
        let exports = world
            .exports
            .keys()
            .map(|key| resolve.name_world_key(key))
            .collect();
        Surface { imports, exports }
    }

    /// A component's imports and exports by name and kind alone, for one
    /// whose types wit-parser cannot read as WIT.
    pub fn of_names(path: &std::path::Path, bytes: &[u8]) -> crate::Result<Surface> {
        let report = crate::inspect::inspect(path, bytes)?;
        let crate::inspect::Contents::Component(component) = report.contents else {
            return Ok(Surface {
                imports: Vec::new(),
                exports: Vec::new(),
            });
        };
        let kind = |item: &crate::inspect::Item| {
            use crate::inspect::ItemKind;
            match item.kind {
                ItemKind::Instance => "an instance",
                ItemKind::Function => "a function",
                ItemKind::Type => "a type",
                ItemKind::Resource => "a resource",
                ItemKind::Module => "a module",
                ItemKind::Component => "a component",
                ItemKind::Value => "a value",
            }
            .to_owned()
        };
        Ok(Surface {
            imports: component
                .imports
                .iter()
                .map(|i| (i.name.clone(), kind(i)))
                .collect(),
            exports: component.exports.iter().map(|e| e.name.clone()).collect(),
        })
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
    check_surface(report, &Surface::of(component, world), size, policy)
}

/// Checks what `surface` shows of a component of `size` bytes against
/// `policy`, adding to `report`.
pub fn check_surface(mut report: Report, surface: &Surface, size: u64, policy: &Policy) -> Report {
    for (name, kind) in &surface.imports {
        if let Some(rule) = policy.deny.iter().find(|g| matches(name, g)) {
            report.add(
                Level::Error,
                "denied-import",
                name.clone(),
                format!("imports `{name}` ({kind}), which the deny rule `{rule}` refuses"),
                None,
            );
        } else if !policy.allow.is_empty() && !policy.allow.iter().any(|g| matches(name, g)) {
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
    let exports = &surface.exports;
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
                    crate::display::code_list(exports, "nothing")
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
