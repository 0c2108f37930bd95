//! `weld check semver OLD NEW`: what changed between two versions of WIT
//! packages, what each change means for callers (importers, hosts) and
//! implementers (exporters, components), the version bump the changes
//! need, and whether the declared versions make it.
//!
//! Items gated `@unstable` are left out when the WIT is read, so changes to
//! them do not count; an item added `@since` a version is expected new.

use super::{Level, Location, Report};
use crate::display::{func_type, type_definition};
use crate::{Error, Result, Wit};
use semver::Version;
use std::path::{Path, PathBuf};
use wit_parser::{InterfaceId, PackageId, Span, Stability, WorldId, WorldItem};

/// How big a version step is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bump {
    None,
    Patch,
    Minor,
    Major,
}

impl std::fmt::Display for Bump {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Bump::None => "no",
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
        })
    }
}

/// The bump from `old` to `new`. Before 1.0, a minor step counts as
/// major and a patch step as minor.
pub fn declared(old: &Version, new: &Version) -> Bump {
    let stable = old.major > 0;
    if new.major != old.major {
        Bump::Major
    } else if new.minor != old.minor {
        if stable { Bump::Minor } else { Bump::Major }
    } else if new.patch != old.patch {
        if stable { Bump::Patch } else { Bump::Minor }
    } else {
        Bump::None
    }
}

/// One kind of change, and what it means for each side.
pub(crate) struct Rule {
    name: &'static str,
    callers: &'static str,
    implementers: &'static str,
    bump: Bump,
}

const ADDED: Rule = Rule {
    name: "added",
    callers: "compatible",
    implementers: "must implement it",
    bump: Bump::Minor,
};
const REMOVED: Rule = Rule {
    name: "removed",
    callers: "breaking",
    implementers: "compatible",
    bump: Bump::Major,
};
const CHANGED: Rule = Rule {
    name: "changed",
    callers: "breaking",
    implementers: "breaking",
    bump: Bump::Major,
};
/// A function made `async`: an `async func` is another type in the
/// component model, which connects a function only to one of its kind.
const BECAME_ASYNC: Rule = Rule {
    name: "became-async",
    callers: "breaking (a sync import cannot take it)",
    implementers: "breaking (a sync export no longer fits)",
    bump: Bump::Major,
};
/// The reverse: an `async func` made sync.
const BECAME_SYNC: Rule = Rule {
    name: "became-sync",
    callers: "breaking (an async import cannot take it)",
    implementers: "breaking (an async export no longer fits)",
    bump: Bump::Major,
};
const TYPE_ADDED: Rule = Rule {
    name: "added",
    callers: "compatible",
    implementers: "compatible",
    bump: Bump::Minor,
};
const TYPE_REMOVED: Rule = Rule {
    name: "removed",
    callers: "breaking",
    implementers: "breaking",
    bump: Bump::Major,
};
/// A world import added: hosts must provide it; components may use it.
const IMPORT_ADDED: Rule = Rule {
    name: "added",
    callers: "must provide it",
    implementers: "compatible",
    bump: Bump::Minor,
};
/// A world import removed: components that use it break.
const IMPORT_REMOVED: Rule = Rule {
    name: "removed",
    callers: "compatible",
    implementers: "breaking",
    bump: Bump::Major,
};

/// A change found, before the declared versions judge it.
pub(crate) struct Change {
    pub kind: &'static str,
    rule: &'static Rule,
    pub item: String,
    pub message: String,
    pub location: Option<Location>,
    /// For a change: the definition before and after, in WIT syntax.
    pub definitions: Option<(String, String)>,
    /// For an addition: the version it is marked `@since`.
    pub since: Option<Version>,
}

impl Change {
    pub fn is_removal(&self) -> bool {
        self.rule.name == "removed"
    }

    pub fn is_addition(&self) -> bool {
        self.rule.name == "added"
    }
}

/// Where an item was: in NEW when it is there, else in OLD.
fn located(wit: &Wit, span: Span) -> Option<Location> {
    Location::of(&wit.resolve, span)
}

fn since_version(stability: &Stability) -> Option<Version> {
    match stability {
        Stability::Stable { since, .. } => Some(since.clone()),
        _ => None,
    }
}

fn since(stability: &Stability) -> String {
    match stability {
        Stability::Stable { since, .. } => format!(" (@since {since})"),
        _ => String::new(),
    }
}

/// Compares OLD and NEW: every package in both, by name.
pub fn check(old: &Wit, new: &Wit, subject: String) -> Report {
    let mut report = Report::new("semver", subject);
    let key = |wit: &Wit, id: PackageId| {
        let name = &wit.resolve.packages[id].name;
        format!("{}:{}", name.namespace, name.name)
    };
    let mut compared = 0;
    for (new_id, _) in new.resolve.packages.iter() {
        let name = key(new, new_id);
        let Some((old_id, _)) = old
            .resolve
            .packages
            .iter()
            .find(|(id, _)| key(old, *id) == name)
        else {
            continue;
        };
        // A component's own root package is not a contract.
        if name == "root:component" {
            continue;
        }
        compared += 1;
        let changes = package_changes(old, old_id, new, new_id);
        judge(&mut report, old, old_id, new, new_id, changes);
    }
    if compared == 0 {
        report.add(
            Level::Error,
            "no-common-package",
            String::new(),
            "OLD and NEW have no package in common to compare",
            None,
        );
    }
    report
}

/// Reports the changes of one package, as errors when the declared version
/// bump is too small for them.
fn judge(
    report: &mut Report,
    old: &Wit,
    old_id: PackageId,
    new: &Wit,
    new_id: PackageId,
    changes: Vec<Change>,
) {
    let old_name = &old.resolve.packages[old_id].name;
    let new_name = &new.resolve.packages[new_id].name;
    let needed = changes
        .iter()
        .map(|c| c.rule.bump)
        .max()
        .unwrap_or(Bump::None);
    let made = match (&old_name.version, &new_name.version) {
        (Some(o), Some(n)) if n < o => {
            report.add(
                Level::Error,
                "version-decreased",
                new_name.to_string(),
                format!("the version went down from {o} to {n}"),
                None,
            );
            Bump::None
        }
        (Some(o), Some(n)) => declared(o, n),
        _ => Bump::Major,
    };
    let old_version = old_name.version.clone();
    for change in changes {
        // An item new since a version OLD already had was not added then.
        if let (Some(since), Some(old_version)) = (&change.since, &old_version)
            && since <= old_version
        {
            report.add(
                Level::Warning,
                "since-too-old",
                change.item.clone(),
                format!(
                    "`{}` is marked @since {since}, but {old_version} does not have it",
                    change.item
                ),
                change.location.clone(),
            );
        }
        let level = if change.rule.bump > made {
            Level::Error
        } else {
            Level::Note
        };
        report.add(
            level,
            &format!("{}-{}", change.kind, change.rule.name),
            change.item,
            format!(
                "{}: callers {}, implementers {}; needs a {} bump",
                change.message, change.rule.callers, change.rule.implementers, change.rule.bump
            ),
            change.location,
        );
    }
    let versions = match (&old_name.version, &new_name.version) {
        (Some(o), Some(n)) => format!("{o} -> {n}, a {made} bump"),
        _ => "no versions to compare".to_owned(),
    };
    let changes = match needed {
        Bump::None => "no changes that matter".to_owned(),
        _ => format!("changes that need a {needed} bump"),
    };
    report.notes.push(format!(
        "{}:{}: {changes}; {versions}",
        new_name.namespace, new_name.name
    ));
    if needed > made {
        report.add(
            Level::Error,
            "bump-too-small",
            new_name.to_string(),
            format!(
                "`{}:{}` changed in ways that need a {needed} version bump, but {versions}",
                new_name.namespace, new_name.name
            ),
            None,
        );
    }
}

fn package_changes(old: &Wit, old_id: PackageId, new: &Wit, new_id: PackageId) -> Vec<Change> {
    let (old_package, new_package) = (&old.resolve.packages[old_id], &new.resolve.packages[new_id]);
    let prefix = format!("{}:{}", new_package.name.namespace, new_package.name.name);
    let mut changes = Vec::new();
    for (name, old_iface) in &old_package.interfaces {
        match new_package.interfaces.get(name) {
            Some(new_iface) => {
                changes.extend(interface_changes(old, *old_iface, new, *new_iface, &prefix))
            }
            None => changes.push(Change {
                kind: "interface",
                rule: &REMOVED,
                item: format!("{prefix}/{name}"),
                message: format!("interface `{prefix}/{name}` was removed"),
                location: located(old, old.resolve.interfaces[*old_iface].span),
                definitions: None,
                since: None,
            }),
        }
    }
    for (name, new_iface) in &new_package.interfaces {
        if !old_package.interfaces.contains_key(name) {
            let iface = &new.resolve.interfaces[*new_iface];
            changes.push(Change {
                kind: "interface",
                rule: &TYPE_ADDED,
                item: format!("{prefix}/{name}"),
                message: format!(
                    "interface `{prefix}/{name}` was added{}",
                    since(&iface.stability)
                ),
                location: located(new, iface.span),
                definitions: None,
                since: None,
            });
        }
    }
    for (name, old_world) in &old_package.worlds {
        match new_package.worlds.get(name) {
            Some(new_world) => {
                changes.extend(world_changes(old, *old_world, new, *new_world, &prefix))
            }
            None => changes.push(Change {
                kind: "world",
                rule: &REMOVED,
                item: format!("{prefix}/{name}"),
                message: format!("world `{prefix}/{name}` was removed"),
                location: located(old, old.resolve.worlds[*old_world].span),
                definitions: None,
                since: None,
            }),
        }
    }
    for (name, new_world) in &new_package.worlds {
        if !old_package.worlds.contains_key(name) {
            let world = &new.resolve.worlds[*new_world];
            changes.push(Change {
                kind: "world",
                rule: &TYPE_ADDED,
                item: format!("{prefix}/{name}"),
                message: format!(
                    "world `{prefix}/{name}` was added{}",
                    since(&world.stability)
                ),
                location: located(new, world.span),
                definitions: None,
                since: None,
            });
        }
    }
    changes
}

/// The differences between two versions of an interface, item by item.
pub(crate) fn interface_changes(
    old: &Wit,
    old_id: InterfaceId,
    new: &Wit,
    new_id: InterfaceId,
    prefix: &str,
) -> Vec<Change> {
    let (old_iface, new_iface) = (
        &old.resolve.interfaces[old_id],
        &new.resolve.interfaces[new_id],
    );
    let interface = format!("{prefix}/{}", new_iface.name.as_deref().unwrap_or("?"));
    let mut changes = Vec::new();
    for (name, old_func) in &old_iface.functions {
        let item = format!("{interface}#{name}");
        match new_iface.functions.get(name) {
            None => changes.push(Change {
                kind: "function",
                rule: &REMOVED,
                item,
                message: format!("function `{name}` of `{interface}` was removed"),
                location: located(old, old_func.span),
                definitions: None,
                since: None,
            }),
            Some(new_func) => {
                let (was, is) = (
                    func_type(&old.resolve, old_func),
                    func_type(&new.resolve, new_func),
                );
                if was != is {
                    let rule = match (old_func.kind.is_async(), new_func.kind.is_async()) {
                        (false, true) => &BECAME_ASYNC,
                        (true, false) => &BECAME_SYNC,
                        _ => &CHANGED,
                    };
                    changes.push(Change {
                        kind: "function",
                        rule,
                        item,
                        message: format!("`{name}` of `{interface}` was {was}, is now {is}"),
                        location: located(new, new_func.span),
                        definitions: Some((was, is)),
                        since: None,
                    });
                }
            }
        }
    }
    for (name, new_func) in &new_iface.functions {
        if !old_iface.functions.contains_key(name) {
            changes.push(Change {
                kind: "function",
                rule: &ADDED,
                item: format!("{interface}#{name}"),
                message: format!(
                    "function `{name}` was added to `{interface}`{}",
                    since(&new_func.stability)
                ),
                location: located(new, new_func.span),
                definitions: None,
                since: since_version(&new_func.stability),
            });
        }
    }
    for (name, old_type) in &old_iface.types {
        let item = format!("{interface}#{name}");
        match new_iface.types.get(name) {
            None => changes.push(Change {
                kind: "type",
                rule: &TYPE_REMOVED,
                item,
                message: format!("type `{name}` of `{interface}` was removed"),
                location: located(old, old.resolve.types[*old_type].span),
                definitions: None,
                since: None,
            }),
            Some(new_type) => {
                let (was, is) = (
                    type_definition(&old.resolve, *old_type),
                    type_definition(&new.resolve, *new_type),
                );
                if was != is {
                    let location = located(new, new.resolve.types[*new_type].span);
                    let parts = part_changes(old, *old_type, new, *new_type);
                    if parts.is_empty() {
                        changes.push(Change {
                            kind: "type",
                            rule: &CHANGED,
                            item,
                            message: format!(
                                "type `{name}` of `{interface}` was `{was}`, is now `{is}`"
                            ),
                            location,
                            definitions: Some((was, is)),
                            since: None,
                        });
                    } else {
                        for (kind, rule, message) in parts {
                            changes.push(Change {
                                kind,
                                rule,
                                item: item.clone(),
                                message: format!("type `{name}` of `{interface}`: {message}"),
                                location: location.clone(),
                                definitions: None,
                                since: None,
                            });
                        }
                    }
                }
            }
        }
    }
    for (name, new_type) in &new_iface.types {
        if !old_iface.types.contains_key(name) {
            let def = &new.resolve.types[*new_type];
            changes.push(Change {
                kind: "type",
                rule: &TYPE_ADDED,
                item: format!("{interface}#{name}"),
                message: format!(
                    "type `{name}` was added to `{interface}`{}",
                    since(&def.stability)
                ),
                location: located(new, def.span),
                definitions: None,
                since: since_version(&def.stability),
            });
        }
    }
    changes
}

/// A field, case or flag added to a type: breaking for both sides, since
/// records are exact and a new case reaches code that does not know it.
const PART_ADDED: Rule = Rule {
    name: "added",
    callers: "breaking",
    implementers: "breaking",
    bump: Bump::Major,
};

/// What changed inside a record, variant, enum or flags type, part by
/// part; empty when the type changed in kind or otherwise.
fn part_changes(
    old: &Wit,
    old_id: wit_parser::TypeId,
    new: &Wit,
    new_id: wit_parser::TypeId,
) -> Vec<(&'static str, &'static Rule, String)> {
    use crate::display::type_name;
    use wit_parser::TypeDefKind;
    // (name, the part's type in WIT syntax) on each side.
    let parts = |wit: &Wit, id| -> Option<(&'static str, Vec<(String, String)>)> {
        let resolve = &wit.resolve;
        Some(match &resolve.types[id].kind {
            TypeDefKind::Record(r) => (
                "field",
                r.fields
                    .iter()
                    .map(|f| (f.name.clone(), type_name(resolve, &f.ty)))
                    .collect(),
            ),
            TypeDefKind::Variant(v) => (
                "case",
                v.cases
                    .iter()
                    .map(|c| {
                        let payload = c.ty.map(|t| type_name(resolve, &t)).unwrap_or_default();
                        (c.name.clone(), payload)
                    })
                    .collect(),
            ),
            TypeDefKind::Enum(e) => (
                "case",
                e.cases
                    .iter()
                    .map(|c| (c.name.clone(), String::new()))
                    .collect(),
            ),
            TypeDefKind::Flags(f) => (
                "flag",
                f.flags
                    .iter()
                    .map(|f| (f.name.clone(), String::new()))
                    .collect(),
            ),
            _ => return None,
        })
    };
    let (Some((kind, before)), Some((new_kind, after))) = (parts(old, old_id), parts(new, new_id))
    else {
        return Vec::new();
    };
    if kind != new_kind {
        return Vec::new();
    }
    let show = |name: &str, ty: &str| match ty {
        "" => format!("`{name}`"),
        ty if kind == "field" => format!("`{name}: {ty}`"),
        ty => format!("`{name}({ty})`"),
    };
    let mut changes = Vec::new();
    for (name, ty) in &before {
        match after.iter().find(|(n, _)| n == name) {
            None => changes.push((
                kind,
                &TYPE_REMOVED,
                format!("{kind} {} was removed", show(name, ty)),
            )),
            Some((_, now)) if now != ty => changes.push((
                kind,
                &CHANGED,
                format!("{kind} {} is now {}", show(name, ty), show(name, now)),
            )),
            Some(_) => {}
        }
    }
    for (name, ty) in &after {
        if !before.iter().any(|(n, _)| n == name) {
            changes.push((
                kind,
                &PART_ADDED,
                format!("{kind} {} was added", show(name, ty)),
            ));
        }
    }
    // The same parts in another order change the layout too.
    if changes.is_empty() {
        changes.push((kind, &CHANGED, format!("its {kind}s were reordered")));
    }
    changes
}

fn world_changes(
    old: &Wit,
    old_id: WorldId,
    new: &Wit,
    new_id: WorldId,
    prefix: &str,
) -> Vec<Change> {
    let (old_world, new_world) = (&old.resolve.worlds[old_id], &new.resolve.worlds[new_id]);
    let world = format!("{prefix}/{}", new_world.name);
    let names = |wit: &Wit, items: &wit_parser::IndexMap<wit_parser::WorldKey, WorldItem>| {
        items
            .iter()
            .map(|(key, item)| {
                (
                    crate::names::unversioned(&wit.resolve.name_world_key(key)).to_owned(),
                    item_span(item),
                )
            })
            .collect::<Vec<_>>()
    };
    let mut changes = Vec::new();
    for (direction, old_items, new_items, added, removed) in [
        (
            "import",
            &old_world.imports,
            &new_world.imports,
            &IMPORT_ADDED,
            &IMPORT_REMOVED,
        ),
        (
            "export",
            &old_world.exports,
            &new_world.exports,
            &ADDED,
            &REMOVED,
        ),
    ] {
        let (before, after) = (names(old, old_items), names(new, new_items));
        for (name, span) in &before {
            if !after.iter().any(|(n, _)| n == name) {
                changes.push(Change {
                    kind: direction,
                    rule: removed,
                    item: format!("{world}#{name}"),
                    message: format!("world `{world}` no longer {direction}s `{name}`"),
                    location: span.and_then(|s| located(old, s)),
                    definitions: None,
                    since: None,
                });
            }
        }
        for (name, span) in &after {
            if !before.iter().any(|(n, _)| n == name) {
                changes.push(Change {
                    kind: direction,
                    rule: added,
                    item: format!("{world}#{name}"),
                    message: format!("world `{world}` now {direction}s `{name}`"),
                    location: span.and_then(|s| located(new, s)),
                    definitions: None,
                    since: None,
                });
            }
        }
    }
    changes
}

fn item_span(item: &WorldItem) -> Option<Span> {
    match item {
        WorldItem::Interface { span, .. } | WorldItem::Type { span, .. } => Some(*span),
        WorldItem::Function(func) => Some(func.span),
    }
}

/// Reads OLD or NEW: a WIT file or directory, a component, or
/// `git:REV:PATH`, which reads PATH as it is at revision REV of the git
/// repository around the working directory, straight from git's objects
/// (see [`crate::tree`]): nothing is checked out.
pub fn load_source(spec: &str) -> Result<Wit> {
    let Some(rest) = spec.strip_prefix("git:") else {
        return crate::load(Path::new(spec));
    };
    let (rev, path) = rest.split_once(':').ok_or_else(|| Error::Git {
        spec: spec.to_owned(),
        message: "expected git:REV:PATH".into(),
    })?;
    let mut wit = match crate::tree::PackageTree::from_git(spec, rev, path)? {
        Ok(tree) => {
            let (resolve, package) = tree.resolve(Path::new(path))?;
            Wit {
                resolve,
                package,
                world: None,
                path: PathBuf::new(),
            }
        }
        // A `.wit` file or a component, as `weld check semver FILE` reads one.
        Err(bytes) => crate::load_bytes(Path::new(path), bytes)?,
    };
    wit.path = PathBuf::from(spec);
    Ok(wit)
}
