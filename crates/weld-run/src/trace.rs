//! The host side of `weld:trace/tap`: each call a tap reports, with its
//! values read by the traced component's `weld-trace` table, written as
//! an indented tree (text), one JSON object per call, Chrome's Trace
//! Event Format, or a timeline (SVG).
//!
//! A [`Trace`] is where the calls go, and what is written as it ends; a
//! [`Tracer`] is one traced component's (`weld test` traces several into
//! one trace). Every store gets its own [`Calls`] from the tracer (`weld
//! serve` makes one per request), the calls in progress in it, so
//! nesting is exact per request and requests get groups of their own. A call still in progress when its store goes away (a trap, a
//! limit, an exit) is written as unfinished: that is the chain a trap
//! happened in, across components.

use crate::lift::{Detail, Reader};
use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use weld_virt::trace::{HOST, Site, Table};
use weld_wit::wit_parser::{Resolve, SizeAlign, Type};

/// How calls are written (`--trace-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// An indented tree, a line per call.
    #[default]
    Text,
    /// One JSON object per call, on a line of its own.
    Json,
    /// Chrome's Trace Event Format (JSON array form), which Perfetto and
    /// `chrome://tracing` open: one track per callee instance.
    Chrome,
    /// A timeline weld draws itself, written when the trace ends: a row
    /// per callee instance, nested calls below their caller's.
    Svg,
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            "chrome" => Ok(Format::Chrome),
            "svg" => Ok(Format::Svg),
            _ => Err(format!("`{text}` is not text, json, chrome or svg")),
        }
    }
}

/// The traced component's table could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    #[error("the `weld-trace` section is not a trace table: {0}")]
    Table(String),
    #[error("the WIT of tap layer {layer} does not resolve: {message}")]
    Wit { layer: usize, message: String },
    #[error(transparent)]
    Instrument(#[from] weld_virt::Error),
    #[error("site {site} names `{interface}#{function}`, which its layer's WIT does not declare")]
    Site {
        site: usize,
        interface: String,
        function: String,
    },
}

/// A component to run traced, and what its taps report from.
pub struct Traced {
    /// The instrumented component; None when the one given already was.
    pub bytes: Option<Vec<u8>>,
    pub table: Table,
}

/// `wasm`, from `path`, to run traced: as it is if `weld trace` made it,
/// else instrumented now when `instrument` says so (its taps kept to what
/// `filter` keeps, the component named `root` as a caller). None when it
/// is to run untraced.
pub fn traced(
    path: &std::path::Path,
    wasm: &Arc<weld_wit::wasm::Bytes>,
    root: &str,
    filter: &weld_virt::trace::Filter,
    instrument: bool,
) -> Result<Option<Traced>, TraceError> {
    if let Some(table) = Trace::table_of(wasm)? {
        return Ok(Some(Traced { bytes: None, table }));
    }
    if !instrument {
        return Ok(None);
    }
    let validated = weld_wit::validated::Validated::default();
    let traced = weld_virt::trace::instrument(path, wasm, &validated, root, filter)?;
    Ok(Some(Traced {
        bytes: Some(traced.bytes),
        table: traced.table,
    }))
}

/// The types one layer's values are read with.
struct Layer {
    resolve: Resolve,
    sizes: SizeAlign,
}

/// A site, with its function's types in its layer.
struct Typed {
    site: Site,
    /// Who calls what, made once for all its calls.
    label: Arc<Label>,
    params: Vec<Type>,
    result: Option<Type>,
}

/// Where the calls go, and what has gone wrong writing them.
struct Writer {
    out: Box<dyn Write + Send>,
    failed: Option<std::io::Error>,
    /// Chrome's track of each (group, instance).
    tracks: HashMap<(u64, String), u64>,
    /// The calls an SVG timeline draws, as they end.
    spans: Vec<crate::timeline::Span>,
}

impl Writer {
    fn write(&mut self, text: &str) {
        if self.failed.is_none()
            && let Err(e) = self.out.write_all(text.as_bytes())
        {
            self.failed = Some(e);
        }
    }
}

/// How a trace is written, and of what.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub format: Format,
    pub detail: Detail,
    /// Which of the host's calls into exports are traced (the taps' own
    /// were chosen when the component was instrumented).
    pub filter: weld_virt::trace::Filter,
    /// Whether each store's calls are numbered as a group of their own
    /// (`weld serve`'s requests): `[3]` before each line of text.
    pub grouped: bool,
}

/// What one traced component's taps report from: its table, read.
struct Sites {
    layers: Vec<Layer>,
    sites: Vec<Typed>,
    /// The component's name, as the callee of the host's calls into its
    /// exports.
    root: String,
}

impl Sites {
    fn read(table: &Table, root: String) -> Result<Sites, TraceError> {
        let mut layers = Vec::new();
        for (i, layer) in table.layers.iter().enumerate() {
            let mut resolve = Resolve::default();
            resolve
                .push_str("weld-trace-layer.wit", &layer.wit)
                .map_err(|e| TraceError::Wit {
                    layer: i,
                    message: format!("{e:#}"),
                })?;
            let mut sizes = SizeAlign::default();
            sizes.fill(&resolve);
            layers.push(Layer { resolve, sizes });
        }
        let mut sites = Vec::new();
        for (i, site) in table.sites.iter().enumerate() {
            let unknown = || TraceError::Site {
                site: i,
                interface: site.interface.clone(),
                function: site.function.clone(),
            };
            let resolve = &layers.get(site.layer).ok_or_else(unknown)?.resolve;
            let func = resolve
                .interfaces
                .iter()
                .find(|(id, _)| resolve.id_of(*id).as_deref() == Some(site.interface.as_str()))
                .and_then(|(_, interface)| interface.functions.get(&site.function))
                .ok_or_else(unknown)?;
            sites.push(Typed {
                params: func.params.iter().map(|p| p.ty).collect(),
                result: func.result,
                label: Arc::new(Label {
                    caller: site.caller.clone(),
                    callee: site.callee.clone(),
                    interface: site.interface.clone(),
                    function: site.function.clone(),
                }),
                site: site.clone(),
            });
        }
        Ok(Sites {
            layers,
            sites,
            root,
        })
    }
}

/// A traced component's calls, reported to a trace: each store gets its
/// [`Calls`] from it.
#[derive(Clone)]
pub struct Tracer {
    trace: Arc<Trace>,
    sites: Arc<Sites>,
}

impl Tracer {
    /// The calls of a new store: a group of their own.
    pub fn calls(&self) -> Calls {
        Calls {
            trace: Arc::clone(&self.trace),
            sites: Arc::clone(&self.sites),
            group: self.trace.next_group.fetch_add(1, Ordering::Relaxed) + 1,
            open: Vec::new(),
            next: 1,
            pending: None,
        }
    }
}

/// A trace being written, of the calls of one or more traced components
/// (`weld test` traces each case's).
pub struct Trace {
    format: Format,
    detail: Detail,
    filter: weld_virt::trace::Filter,
    grouped: bool,
    start: Instant,
    out: Mutex<Writer>,
    next_group: AtomicU64,
}

impl Trace {
    /// The table of a traced component, if it is one.
    pub fn table_of(bytes: &[u8]) -> Result<Option<Table>, TraceError> {
        for payload in wasmparser::Parser::new(0).parse_all(bytes) {
            match payload {
                Ok(wasmparser::Payload::CustomSection(section))
                    if section.name() == weld_virt::trace::SECTION =>
                {
                    return serde_json::from_slice(section.data())
                        .map(Some)
                        .map_err(|e| TraceError::Table(e.to_string()));
                }
                // Nested components are skipped whole; the table is at the
                // top.
                Ok(wasmparser::Payload::ComponentSection { .. })
                | Ok(wasmparser::Payload::ModuleSection { .. }) => {}
                Ok(_) => {}
                Err(_) => return Ok(None),
            }
        }
        Ok(None)
    }

    /// A trace written to `out`.
    pub fn new(settings: Settings, out: Box<dyn Write + Send>) -> Trace {
        let Settings {
            format,
            detail,
            filter,
            grouped,
        } = settings;
        let mut writer = Writer {
            out,
            failed: None,
            tracks: HashMap::new(),
            spans: Vec::new(),
        };
        if format == Format::Chrome {
            writer.write("[\n");
        }
        Trace {
            format,
            detail,
            filter,
            grouped,
            start: Instant::now(),
            out: Mutex::new(writer),
            next_group: AtomicU64::new(0),
        }
    }

    /// Which calls are kept.
    pub fn filter(&self) -> &weld_virt::trace::Filter {
        &self.filter
    }

    /// The tracer of a component traced with `table`, named `root`.
    pub fn tracer(self: &Arc<Self>, table: &Table, root: String) -> Result<Tracer, TraceError> {
        let sites = Sites::read(table, root)?;
        if self.format == Format::Text {
            for untapped in &table.untapped {
                self.write(&format!(
                    "note: calls from {} to `{}` are not traced: {}\n",
                    untapped.caller, untapped.import, untapped.why
                ));
            }
        }
        Ok(Tracer {
            trace: Arc::clone(self),
            sites: Arc::new(sites),
        })
    }

    /// Ends the trace: the rest written out, and the first write that
    /// failed, if one did.
    pub fn finish(&self) -> std::io::Result<()> {
        let mut writer = self.out.lock().unwrap_or_else(|e| e.into_inner());
        match self.format {
            // The array form may end without its `]`; a last empty object
            // lets every event end with a comma.
            Format::Chrome => writer.write("{}]\n"),
            Format::Svg => {
                let svg = crate::timeline::svg(&writer.spans);
                writer.write(&svg);
            }
            Format::Text | Format::Json => {}
        }
        if let Some(e) = writer.failed.take() {
            return Err(e);
        }
        writer.out.flush()
    }

    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    fn write(&self, text: &str) {
        self.out
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .write(text);
    }

    /// Chrome's track for `instance` in `group`, named on first use.
    fn track(&self, group: u64, instance: &str) -> u64 {
        let mut writer = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let next = writer.tracks.len() as u64 + 1;
        let key = (group, instance.to_owned());
        if let Some(track) = writer.tracks.get(&key) {
            return *track;
        }
        writer.tracks.insert(key, next);
        let name = serde_json::json!({
            "ph": "M", "name": "thread_name", "pid": group, "tid": next,
            "args": {"name": instance},
        });
        writer.write(&format!("{name},\n"));
        next
    }
}

/// Who called what: a site's, or a call the host made into an export.
#[derive(Debug, Clone)]
struct Label {
    caller: String,
    callee: String,
    interface: String,
    function: String,
}

impl Label {
    fn function_name(&self) -> String {
        match self.interface.is_empty() {
            true => self.function.clone(),
            false => format!("{}#{}", self.interface, self.function),
        }
    }
}

/// A call in progress.
struct Open {
    id: u32,
    parent: Option<u32>,
    label: Arc<Label>,
    args: String,
    start: Duration,
    /// Its site, whose result type reads what it returns; None for an
    /// export, whose result the host shows.
    site: Option<usize>,
    /// Whether its text line waits for it to return.
    deferred: bool,
}

/// The calls in progress in one store.
pub struct Calls {
    trace: Arc<Trace>,
    sites: Arc<Sites>,
    group: u64,
    open: Vec<Open>,
    next: u32,
    /// The text line of the innermost call, not yet ended with a newline:
    /// a call that makes no other ends on its own line.
    pending: Option<u32>,
}

impl Calls {
    /// Whether values are shown, and so read from the taps.
    pub(crate) fn shows_values(&self) -> bool {
        self.trace.detail != Detail::None
    }

    /// A tap's `enter`: the call's id.
    pub(crate) fn enter(&mut self, site: u32, flat: &[u64], base: u32, memory: &[u8]) -> u32 {
        let Some(typed) = self.sites.sites.get(site as usize) else {
            return 0;
        };
        let reader = self.reader(typed, base, memory);
        let args = reader.params(&typed.params, flat);
        self.start(Arc::clone(&typed.label), args, Some(site as usize))
    }

    /// A tap's `exit`.
    pub(crate) fn exit(&mut self, call: u32, flat: &[u64], base: u32, memory: &[u8]) {
        let Some(Open {
            site: Some(site), ..
        }) = self.open.iter().find(|open| open.id == call)
        else {
            return;
        };
        let typed = &self.sites.sites[*site];
        let result = typed.result.map(|ty| {
            let reader = self.reader(typed, base, memory);
            reader.result(&ty, flat)
        });
        self.end(call, result);
    }

    /// A call the host makes into the component's export `function`
    /// (`interface#name`): its id, or 0 when the filter leaves it out.
    pub fn enter_export(&mut self, function: &str, args: String) -> u32 {
        let (interface, function) = function.rsplit_once('#').unwrap_or(("", function));
        let root = &self.sites.root;
        if !self.trace.filter.keeps(HOST, root, interface, function) {
            return 0;
        }
        let label = Arc::new(Label {
            caller: HOST.to_owned(),
            callee: root.clone(),
            interface: interface.to_owned(),
            function: function.to_owned(),
        });
        let args = match self.trace.detail {
            Detail::None if !args.is_empty() => "…".to_owned(),
            _ => args,
        };
        self.start(label, args, None)
    }

    /// That call returned `result` (in WAVE).
    pub fn exit_export(&mut self, call: u32, result: Option<String>) {
        let result = match self.trace.detail {
            Detail::None => result.map(|_| "…".to_owned()),
            _ => result,
        };
        self.end(call, result);
    }

    /// Ends every call in progress as returned (with no result shown):
    /// the store's work is done (`weld serve`'s request, answered).
    pub fn return_all(&mut self) {
        while let Some(open) = self.open.pop() {
            self.write_end(open, None, true);
        }
    }

    fn reader<'a>(&'a self, typed: &Typed, base: u32, memory: &'a [u8]) -> Reader<'a> {
        let layer = &self.sites.layers[typed.site.layer];
        Reader {
            resolve: &layer.resolve,
            sizes: &layer.sizes,
            memory,
            base,
            detail: self.trace.detail,
        }
    }

    fn start(&mut self, label: Arc<Label>, args: String, site: Option<usize>) -> u32 {
        let id = self.next;
        self.next = self.next.wrapping_add(1).max(1);
        // A call to the host makes no traced call inside it, and may
        // write to stderr while it runs: its line is written whole, when
        // it returns.
        let deferred = site.is_some() && label.callee == HOST;
        if self.trace.format == Format::Text {
            self.end_pending_line();
            if !deferred {
                let line = self.call_line(&label, &args, self.open.len());
                self.trace.write(&line);
                self.pending = Some(id);
            }
        }
        self.open.push(Open {
            id,
            parent: self.open.last().map(|open| open.id),
            label,
            args,
            start: self.trace.now(),
            site,
            deferred,
        });
        id
    }

    /// `caller → callee  interface#function(args)`, indented for `depth`.
    fn call_line(&self, label: &Label, args: &str, depth: usize) -> String {
        format!(
            "{}{} → {}  {}({args})",
            self.indent(depth),
            label.caller,
            label.callee,
            label.function_name()
        )
    }

    /// Ends call `id`, and any still open inside it (which trapped out
    /// of the tap that would have ended them).
    fn end(&mut self, id: u32, result: Option<String>) {
        let Some(at) = self.open.iter().rposition(|open| open.id == id) else {
            return;
        };
        while self.open.len() > at + 1 {
            let inner = self.open.pop().expect("more than `at` are open");
            self.write_end(inner, None, false);
        }
        let open = self.open.pop().expect("`at` is open");
        self.write_end(open, result, true);
    }

    fn write_end(&mut self, open: Open, result: Option<String>, returned: bool) {
        let end = self.trace.now();
        let took = end.saturating_sub(open.start);
        match self.trace.format {
            Format::Text => {
                let outcome = match (returned, &result) {
                    (false, _) => " -> unfinished".to_owned(),
                    (true, Some(result)) => format!(" -> {result}"),
                    (true, None) => String::new(),
                };
                let line = match self.pending.take() {
                    Some(pending) if pending == open.id => {
                        format!("{outcome}  [{}]\n", duration(took))
                    }
                    None if open.deferred => {
                        let call = self.call_line(&open.label, &open.args, self.open.len());
                        format!("{call}{outcome}  [{}]\n", duration(took))
                    }
                    other => {
                        if other.is_some() {
                            self.trace.write("\n");
                        }
                        format!(
                            "{}{}{outcome}  [{}]\n",
                            self.indent(self.open.len()),
                            open.label.function,
                            duration(took)
                        )
                    }
                };
                self.trace.write(&line);
            }
            Format::Json => {
                let object = serde_json::json!({
                    "id": open.id,
                    "parent": open.parent,
                    "group": self.group,
                    "caller": open.label.caller,
                    "callee": open.label.callee,
                    "interface": open.label.interface,
                    "function": open.label.function,
                    "args": open.args,
                    "result": result,
                    "returned": returned,
                    "start_ns": open.start.as_nanos() as u64,
                    "end_ns": end.as_nanos() as u64,
                });
                self.trace.write(&format!("{object}\n"));
            }
            Format::Svg => {
                let span = crate::timeline::Span {
                    track: open.label.callee.clone(),
                    caller: open.label.caller.clone(),
                    function: open.label.function.clone(),
                    detail: format!(
                        "{} → {}  {}({}){}",
                        open.label.caller,
                        open.label.callee,
                        open.label.function_name(),
                        open.args,
                        result
                            .as_ref()
                            .map_or(String::new(), |r| format!(" -> {r}"))
                    ),
                    depth: self.open.len(),
                    start: open.start,
                    end,
                };
                self.trace
                    .out
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .spans
                    .push(span);
            }
            Format::Chrome => {
                let track = self.trace.track(self.group, &open.label.callee);
                let event = serde_json::json!({
                    "name": open.label.function_name(),
                    "cat": format!("{} → {}", open.label.caller, open.label.callee),
                    "ph": "X",
                    "pid": self.group,
                    "tid": track,
                    "ts": open.start.as_nanos() as f64 / 1000.0,
                    "dur": took.as_nanos() as f64 / 1000.0,
                    "args": {"args": open.args, "result": result, "returned": returned},
                });
                self.trace.write(&format!("{event},\n"));
            }
        }
    }

    fn end_pending_line(&mut self) {
        if self.pending.take().is_some() {
            self.trace.write("\n");
        }
    }

    fn indent(&self, depth: usize) -> String {
        let group = match self.trace.grouped {
            true => format!("[{}] ", self.group),
            false => String::new(),
        };
        format!("{group}{}", "  ".repeat(depth))
    }
}

impl Drop for Calls {
    /// Calls still open never returned: a trap, a limit or an exit ended
    /// them, innermost first.
    fn drop(&mut self) {
        while let Some(open) = self.open.pop() {
            self.write_end(open, None, false);
        }
        self.end_pending_line();
    }
}

/// A duration as people read one: `850 ns`, `12.3 µs`, `4.1 ms`, `2.0 s`.
fn duration(took: Duration) -> String {
    let ns = took.as_nanos() as f64;
    match ns {
        ns if ns < 1e3 => format!("{ns} ns"),
        ns if ns < 1e6 => format!("{:.1} µs", ns / 1e3),
        ns if ns < 1e9 => format!("{:.1} ms", ns / 1e6),
        ns => format!("{:.1} s", ns / 1e9),
    }
}
