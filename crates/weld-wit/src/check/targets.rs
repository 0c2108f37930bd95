//! `weld check targets COMPONENT --wit DIR`: does the component fit the
//! world? Every export the world asks for must be there, every import the
//! component makes must be one the world offers, and the functions and
//! types of each must agree, in WIT syntax. Semver-compatible names fit:
//! a component that exports `@0.2.12` exports what `@0.2.0` asks for.

use super::semver::interface_changes;
use super::{Level, Location, Report};
use crate::Wit;
use crate::names::{fits, unversioned};
use wit_parser::{WorldId, WorldItem, WorldKey};

/// The interfaces of a world's imports or exports, by name.
fn interfaces(
    wit: &Wit,
    items: &wit_parser::IndexMap<WorldKey, WorldItem>,
) -> Vec<(String, WorldItem)> {
    items
        .iter()
        .map(|(key, item)| (wit.resolve.name_world_key(key), item.clone()))
        .collect()
}

pub fn check(component: &Wit, target: &Wit, world: WorldId, subject: String) -> Report {
    let mut report = Report::new("targets", subject);
    let Some(own) = report.component_world(component) else {
        return report;
    };
    let (own, wanted) = (
        &component.resolve.worlds[own],
        &target.resolve.worlds[world],
    );
    let world_name = target.resolve.worlds[world].name.clone();
    let world_location = Location::of(&target.resolve, wanted.span);
    let span_of = |item: &WorldItem| match item {
        WorldItem::Interface { span, .. } | WorldItem::Type { span, .. } => *span,
        WorldItem::Function(func) => func.span,
    };

    let exported = interfaces(component, &own.exports);
    for (name, item) in interfaces(target, &wanted.exports) {
        let location = Location::of(&target.resolve, span_of(&item));
        match exported.iter().find(|(e, _)| fits(&name, e)) {
            None => report.add(
                Level::Error,
                "missing-export",
                name.clone(),
                format!("world `{world_name}` exports `{name}`, which the component does not"),
                location,
            ),
            // The component must provide every function of the world's.
            Some((_, provided)) => compare(
                &mut report,
                target,
                &item,
                component,
                provided,
                &name,
                false,
            ),
        }
    }
    let offered = interfaces(target, &wanted.imports);
    for (name, item) in interfaces(component, &own.imports) {
        match offered.iter().find(|(o, _)| fits(&name, o)) {
            None => {
                let near = offered
                    .iter()
                    .find(|(o, _)| unversioned(o) == unversioned(&name))
                    .map(|(o, _)| format!(" (it imports `{o}`)"))
                    .unwrap_or_default();
                report.add(
                    Level::Error,
                    "extra-import",
                    name.clone(),
                    format!(
                        "the component imports `{name}`, which world `{world_name}` does not{near}"
                    ),
                    world_location.clone(),
                );
            }
            // What the component uses must be as the world has it.
            Some((_, offered_item)) => compare(
                &mut report,
                target,
                offered_item,
                component,
                &item,
                &name,
                true,
            ),
        }
    }
    for (name, _) in &exported {
        if !interfaces(target, &wanted.exports)
            .iter()
            .any(|(w, _)| fits(w, name))
        {
            report.add(
                Level::Note,
                "extra-export",
                name.clone(),
                format!("the component also exports `{name}`, which world `{world_name}` does not ask for"),
                None,
            );
        }
    }
    report
}

/// Compares the world's version of an interface with the component's: the
/// component's must have everything of the world's (an export), or the
/// world's everything the component uses (an import).
fn compare(
    report: &mut Report,
    target: &Wit,
    target_item: &WorldItem,
    component: &Wit,
    component_item: &WorldItem,
    name: &str,
    import: bool,
) {
    let (WorldItem::Interface { id: t, .. }, WorldItem::Interface { id: c, .. }) =
        (target_item, component_item)
    else {
        return;
    };
    // From the component's version to the world's: an addition is what the
    // world has and the component lacks, a removal the other way round.
    for change in interface_changes(component, *c, target, *t, "") {
        let item = change.item.split_once('#').map_or("", |(_, item)| item);
        let message = match (
            &change.definitions,
            change.is_removal(),
            change.is_addition(),
        ) {
            (Some((own, world)), _, _) => format!(
                "`{name}`: {} `{item}` is {world} in the world, {own} in the component",
                change.kind
            ),
            // A field, case or flag: any difference is a mismatch.
            _ if matches!(change.kind, "field" | "case" | "flag") => {
                let part = change.message.split_once(": ").map_or("", |(_, part)| part);
                format!("`{name}`: type `{item}` differs: {part} in the world's version")
            }
            // An import may use less than the world offers, an export
            // have more than it asks.
            (None, true, _) if import => format!(
                "`{name}`: the component uses {} `{item}`, which the world does not have",
                change.kind
            ),
            (None, _, true) if !import => {
                format!("`{name}`: the component lacks {} `{item}`", change.kind)
            }
            _ => continue,
        };
        report.add(
            Level::Error,
            "mismatch",
            format!("{name}#{item}"),
            message,
            change.location.filter(|l| !l.file.is_empty()),
        );
    }
}
