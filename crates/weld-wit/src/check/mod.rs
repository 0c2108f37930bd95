//! `weld check`: interface compatibility and import policy, for CI.
//!
//! Every check makes a [`Report`] of [`Finding`]s, each naming the WIT item
//! at fault and, when there is WIT source, its file and line; the report is
//! rendered for people, as JSON, JUnit, GitHub annotations or SARIF.

mod format;
pub mod policy;
pub mod semver;
pub mod targets;

pub use format::{Format, render};

use serde::Serialize;
use wit_parser::{Resolve, Span};

/// How much a finding matters: errors fail the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Note,
    Warning,
    Error,
}

/// A place in WIT source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

impl Location {
    /// Where `span` is in `resolve`'s sources, if it is in one.
    pub fn of(resolve: &Resolve, span: Span) -> Option<Location> {
        let rendered = resolve.render_location(span);
        let mut parts = rendered.rsplitn(3, ':');
        let column = parts.next()?.parse().ok()?;
        let line = parts.next()?.parse().ok()?;
        let file = parts.next()?.to_owned();
        (!file.is_empty()).then_some(Location { file, line, column })
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// One thing a check found.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// What kind of finding: `missing-export`, `function-removed`, ...
    pub rule: String,
    pub level: Level,
    /// The WIT item it is about, as `package/interface#item`.
    pub item: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// What one check found about one subject.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// `targets`, `semver`, `policy` or `compose`.
    pub check: &'static str,
    /// What was checked, for people.
    pub subject: String,
    pub findings: Vec<Finding>,
    /// Conclusions beyond the findings, such as the version bump needed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Report {
    pub fn new(check: &'static str, subject: String) -> Report {
        Report {
            check,
            subject,
            findings: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Whether the check holds: no finding is an error.
    pub fn passed(&self) -> bool {
        self.findings.iter().all(|f| f.level != Level::Error)
    }

    /// The world of a component; for a WIT package, an error and None.
    pub fn component_world(&mut self, wit: &crate::Wit) -> Option<wit_parser::WorldId> {
        if wit.world.is_none() {
            self.add(
                Level::Error,
                "not-a-component",
                String::new(),
                "the input is a WIT package, not a component",
                None,
            );
        }
        wit.world
    }

    pub fn add(
        &mut self,
        level: Level,
        rule: &str,
        item: impl Into<String>,
        message: impl Into<String>,
        location: Option<Location>,
    ) {
        self.findings.push(Finding {
            rule: rule.to_owned(),
            level,
            item: item.into(),
            message: message.into(),
            location,
        });
    }
}
