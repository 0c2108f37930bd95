//! `--trace-format svg`: a trace drawn as a timeline, so that a person
//! sees where the time goes across components without another tool.
//!
//! Each instance that is called gets a row, in the order it is first
//! called; a call is a bar from its start to its end in its callee's
//! row, one band lower for each call it was made inside of, coloured by
//! its caller, named when there is room, and with its whole line (values
//! included) as a tooltip.

use std::fmt::Write;
use std::time::Duration;

/// One call, as the timeline draws it.
#[derive(Debug, Clone)]
pub(crate) struct Span {
    /// The callee instance, whose row it is in.
    pub track: String,
    pub caller: String,
    pub function: String,
    /// The call's line in the text format: its tooltip.
    pub detail: String,
    /// How many calls it was made inside of.
    pub depth: usize,
    pub start: Duration,
    pub end: Duration,
}

const WIDTH: f64 = 1200.0;
/// The names of the rows, left of the bars.
const LABELS: f64 = 160.0;
const BAND: f64 = 18.0;
const AXIS: f64 = 24.0;
/// Colours for callers, in the order they first call.
const PALETTE: [&str; 8] = [
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f",
];

pub(crate) fn svg(spans: &[Span]) -> String {
    let mut tracks: Vec<&str> = Vec::new();
    let mut callers: Vec<&str> = Vec::new();
    for span in spans {
        if !tracks.contains(&span.track.as_str()) {
            tracks.push(&span.track);
        }
        if !callers.contains(&span.caller.as_str()) {
            callers.push(&span.caller);
        }
    }
    // Each row from its shallowest call to its deepest.
    let depths = |track: &str| {
        let depths = spans.iter().filter(|s| s.track == track).map(|s| s.depth);
        (depths.clone().min().unwrap_or(0), depths.max().unwrap_or(0))
    };
    let rows: Vec<(usize, usize)> = tracks.iter().map(|track| depths(track)).collect();
    let bands: Vec<usize> = rows
        .iter()
        .map(|(top, deepest)| deepest - top + 1)
        .collect();
    let start = spans.iter().map(|s| s.start).min().unwrap_or_default();
    let end = spans.iter().map(|s| s.end).max().unwrap_or_default();
    let total = end.saturating_sub(start).as_secs_f64().max(1e-9);
    let scale = (WIDTH - LABELS - 10.0) / total;
    let x = |at: Duration| LABELS + at.saturating_sub(start).as_secs_f64() * scale;
    let height = AXIS + bands.iter().sum::<usize>() as f64 * BAND + 10.0;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(
        out,
        r##"<rect width="100%" height="100%" fill="#ffffff"/>"##
    );
    // The time axis: ten ticks.
    for tick in 0..=10 {
        let at = total * f64::from(tick) / 10.0;
        let px = LABELS + at * scale;
        let _ = writeln!(
            out,
            r##"<line x1="{px:.1}" y1="{AXIS}" x2="{px:.1}" y2="{height}" stroke="#e0e0e0"/><text x="{px:.1}" y="14" text-anchor="middle" fill="#555">{}</text>"##,
            escape(&seconds(at))
        );
    }
    let mut top = AXIS;
    for ((track, bands), (shallowest, _)) in tracks.iter().zip(&bands).zip(&rows) {
        let _ = writeln!(
            out,
            r##"<text x="4" y="{:.1}" fill="#222">{}</text>"##,
            top + 13.0,
            escape(track)
        );
        for span in spans.iter().filter(|s| s.track == *track) {
            let (left, right) = (x(span.start), x(span.end));
            let width = (right - left).max(1.0);
            let y = top + (span.depth - shallowest) as f64 * BAND;
            let colour = PALETTE
                [callers.iter().position(|c| *c == span.caller).unwrap_or(0) % PALETTE.len()];
            let _ = write!(
                out,
                r##"<g><title>{}</title><rect x="{left:.1}" y="{y:.1}" width="{width:.1}" height="{:.1}" fill="{colour}" stroke="#ffffff" stroke-width="0.5"/>"##,
                escape(&span.detail),
                BAND - 2.0
            );
            // A name only where it fits, about 6 px a character.
            if width > span.function.len() as f64 * 6.5 {
                let _ = write!(
                    out,
                    r##"<text x="{:.1}" y="{:.1}" fill="#ffffff">{}</text>"##,
                    left + 3.0,
                    y + 12.0,
                    escape(&span.function)
                );
            }
            out.push_str("</g>\n");
        }
        top += *bands as f64 * BAND;
    }
    out.push_str("</svg>\n");
    out
}

/// Seconds as a tick's label: `0`, `250 µs`, `1.5 ms`, `2 s`.
fn seconds(s: f64) -> String {
    match s {
        0.0 => "0".to_owned(),
        s if s < 1e-3 => format!("{:.0} µs", s * 1e6),
        s if s < 1.0 => format!("{:.1} ms", s * 1e3),
        s => format!("{s:.2} s"),
    }
}

fn escape(text: &str) -> String {
    weld_wit::display::xml_escape(text)
}
