//! A report for people or for CI systems: human text (coloured on a
//! terminal), JSON, JUnit XML, GitHub workflow annotations, SARIF 2.1.0.

use super::{Level, Report};
use serde_json::json;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human { color: bool },
    Json,
    Junit,
    Github,
    Sarif,
}

pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Human { color } => human(report, color),
        Format::Json => serde_json::to_string_pretty(report).expect("reports serialise") + "\n",
        Format::Junit => junit(report),
        Format::Github => github(report),
        Format::Sarif => sarif(report),
    }
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Note => "note",
    }
}

fn human(report: &Report, color: bool) -> String {
    let paint = |code: &str, text: &str| {
        if color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    };
    let mut out = String::new();
    for finding in &report.findings {
        let level = match finding.level {
            Level::Error => paint("1;31", "error"),
            Level::Warning => paint("1;33", "warning"),
            Level::Note => paint("1;36", "note"),
        };
        out.push_str(&format!("{level}[{}]: {}\n", finding.rule, finding.message));
        if let Some(location) = &finding.location {
            out.push_str(&format!("  --> {location}\n"));
        }
    }
    for note in &report.notes {
        out.push_str(&format!("{note}\n"));
    }
    let errors = report
        .findings
        .iter()
        .filter(|f| f.level == Level::Error)
        .count();
    let warnings = report
        .findings
        .iter()
        .filter(|f| f.level == Level::Warning)
        .count();
    let verdict = if report.passed() {
        paint("1;32", "holds")
    } else {
        paint("1;31", "fails")
    };
    out.push_str(&format!(
        "weld check {} {}: {verdict} ({errors} error{}, {warnings} warning{})\n",
        report.check,
        report.subject,
        if errors == 1 { "" } else { "s" },
        if warnings == 1 { "" } else { "s" },
    ));
    out
}

/// One test case per finding; a check with none is one passing case.
fn junit(report: &Report) -> String {
    let suite = format!("weld check {}", report.check);
    let failures = report
        .findings
        .iter()
        .filter(|f| f.level == Level::Error)
        .count();
    let tests = report.findings.len().max(1);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"{}\" tests=\"{tests}\" failures=\"{failures}\">\n",
        crate::display::xml_escape(&suite)
    ));
    out.push_str(&format!(
        "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\">\n",
        crate::display::xml_escape(&format!("{suite} {}", report.subject))
    ));
    if report.findings.is_empty() {
        out.push_str(&format!(
            "    <testcase classname=\"{}\" name=\"{}\"/>\n",
            crate::display::xml_escape(&suite),
            crate::display::xml_escape(&report.subject)
        ));
    }
    for finding in &report.findings {
        let name = format!("{} {}", finding.rule, finding.item);
        let location = finding
            .location
            .as_ref()
            .map(|l| format!(" ({l})"))
            .unwrap_or_default();
        match finding.level {
            Level::Error => out.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\">\n      <failure message=\"{}\">{}{}</failure>\n    </testcase>\n",
                crate::display::xml_escape(&suite),
                crate::display::xml_escape(&name),
                crate::display::xml_escape(&finding.message),
                crate::display::xml_escape(&finding.message),
                crate::display::xml_escape(&location)
            )),
            _ => out.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\">\n      <system-out>{}: {}{}</system-out>\n    </testcase>\n",
                crate::display::xml_escape(&suite),
                crate::display::xml_escape(&name),
                level_name(finding.level),
                crate::display::xml_escape(&finding.message),
                crate::display::xml_escape(&location)
            )),
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// Workflow commands: `::error file=F,line=L,col=C,title=T::message`.
fn github(report: &Report) -> String {
    // Property values escape `%`, CR, LF, `:` and `,`; messages `%`, CR, LF.
    let message = |text: &str| {
        text.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let property = |text: &str| message(text).replace(':', "%3A").replace(',', "%2C");
    let mut out = String::new();
    for finding in &report.findings {
        let command = match finding.level {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "notice",
        };
        let mut properties = Vec::new();
        if let Some(location) = &finding.location {
            properties.push(format!("file={}", property(&location.file)));
            properties.push(format!("line={}", location.line));
            properties.push(format!("col={}", location.column));
        }
        properties.push(format!(
            "title={}",
            property(&format!("weld check {}: {}", report.check, finding.rule))
        ));
        out.push_str(&format!(
            "::{command} {}::{}\n",
            properties.join(","),
            message(&finding.message)
        ));
    }
    out
}

fn sarif(report: &Report) -> String {
    let mut rules: Vec<&str> = report.findings.iter().map(|f| f.rule.as_str()).collect();
    rules.sort_unstable();
    rules.dedup();
    let results: Vec<_> = report
        .findings
        .iter()
        .map(|finding| {
            let mut result = json!({
                "ruleId": finding.rule,
                "level": level_name(finding.level),
                "message": { "text": finding.message },
            });
            if let Some(location) = &finding.location {
                result["locations"] = json!([{
                    "physicalLocation": {
                        "artifactLocation": { "uri": location.file },
                        "region": { "startLine": location.line, "startColumn": location.column },
                    }
                }]);
            }
            result
        })
        .collect();
    let sarif = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "weld",
                "rules": rules.iter().map(|r| json!({ "id": r })).collect::<Vec<_>>(),
            }},
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&sarif).expect("SARIF serialises") + "\n"
}
