//! `weld test`: declarative checks of components, read from a TOML file.
//!
//! ```toml
//! [defaults]                 # optional: any case key but `name`
//! component = "processor.wasm"
//!
//! [[case]]
//! name = "grayscale of one red pixel"
//! invoke = "grayscale({data: [255, 0, 0, 255], width: 1, height: 1})"
//! expect = "{data: [76, 76, 76, 255], width: 1, height: 1}"
//!
//! [[case]]
//! name = "a short image traps"
//! invoke = "grayscale({data: [1], width: 1, height: 1})"
//! trap = "unreachable"
//!
//! [[case]]
//! name = "the probe reads a granted file"
//! component = "probe.wasm"
//! run = ["read", "/data/hello.txt"]
//! dirs = ["data::/data:ro"]
//! stdout = "hello\n"
//! ```
//!
//! Paths are relative to the spec file. A `component` may also be a
//! registry reference (`oci://…`), fetched once as the spec is read
//! ([`Suite::load_with`]). Compiled components and their `InstancePre`s
//! are shared by every case that names the same component.

use crate::handler::{Reuse, Service};
use crate::host::{Capabilities, DirGrant, Stdio};
use crate::invoke::Session;
use crate::limits::{Limits, parse_duration, parse_size};
use crate::runtime::{Linking, Prepared, Runtime};
use crate::{BoxError, Error};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use weld_wit::wasm::{Bytes, Fetch};

/// The most output a `run` case may capture from each stream.
const CAPTURE_LIMIT: usize = 64 << 20;

#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("cannot read `{path}`")]
    Read {
        path: PathBuf,
        #[source]
        source: weld_wit::Error,
    },
    #[error("`{path}` is not a valid test spec")]
    Parse {
        path: PathBuf,
        #[source]
        source: BoxError,
    },
    #[error("`{path}`, {case}: {message}")]
    Case {
        path: PathBuf,
        /// `case 3`, or `case 3 (its name)`.
        case: String,
        message: String,
    },
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct CaseSpec {
    name: Option<String>,
    component: Option<PathBuf>,
    invoke: Option<OneOrMany>,
    expect: Option<OneOrMany>,
    trap: Option<TrapSpec>,
    run: Option<Vec<String>>,
    env: Option<BTreeMap<String, String>>,
    dirs: Option<Vec<String>>,
    stdin: Option<String>,
    stdin_file: Option<PathBuf>,
    stdout: Option<String>,
    stdout_file: Option<PathBuf>,
    stderr: Option<String>,
    stderr_contains: Option<String>,
    status: Option<i32>,
    timeout: Option<String>,
    fuel: Option<u64>,
    max_memory: Option<String>,
    allow_http: Option<Vec<String>>,
    request: Option<RequestSpec>,
    body: Option<String>,
    body_file: Option<PathBuf>,
    body_contains: Option<String>,
    headers: Option<BTreeMap<String, String>>,
}

/// `request = { method = "POST", path = "/grayscale", headers = {...},
/// body = "..." | body-file = "..." }`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RequestSpec {
    method: Option<String>,
    path: String,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    body: Option<String>,
    body_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(one) => vec![one],
            OneOrMany::Many(many) => many,
        }
    }
}

/// `trap = true` for any trap, or a text the error must contain.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum TrapSpec {
    Any(bool),
    Containing(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpecFile {
    #[serde(default)]
    defaults: CaseSpec,
    #[serde(rename = "case", default)]
    cases: Vec<CaseSpec>,
}

/// A case, checked and with its defaults and paths filled in.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    component: PathBuf,
    action: Action,
    caps: Capabilities,
    stdin: Vec<u8>,
    limits: Limits,
}

#[derive(Debug, Clone)]
enum Action {
    Invoke {
        calls: Vec<String>,
        expect: Vec<String>,
        trap: Option<Option<String>>,
    },
    Http {
        request: HttpRequest,
        expect: HttpExpect,
    },
    Run {
        stdout: Option<Vec<u8>>,
        stderr: Option<String>,
        stderr_contains: Option<String>,
        status: i32,
        trap: Option<Option<String>>,
    },
}

/// The request an HTTP case sends, read and checked.
#[derive(Debug, Clone)]
struct HttpRequest {
    method: http::Method,
    path: http::uri::PathAndQuery,
    headers: http::HeaderMap,
    body: Vec<u8>,
}

/// What an HTTP case's response must be.
#[derive(Debug, Clone)]
struct HttpExpect {
    status: http::StatusCode,
    body: Option<Vec<u8>>,
    body_contains: Option<String>,
    headers: Vec<(http::HeaderName, String)>,
}

/// A test spec: its cases, ready to run.
#[derive(Debug)]
pub struct Suite {
    pub path: PathBuf,
    pub cases: Vec<Case>,
    /// The components that were fetched rather than read from files, by
    /// the name the cases give them.
    fetched: HashMap<PathBuf, Arc<Bytes>>,
}

/// How one case went.
#[derive(Debug, Clone)]
pub struct CaseResult {
    pub name: String,
    pub failure: Option<String>,
    pub duration: Duration,
}

impl Suite {
    /// Reads and checks a spec whose components are files.
    pub fn load(path: &Path) -> Result<Suite, SpecError> {
        Suite::load_with(path, &mut |_| None)
    }

    /// Reads and checks a spec, with the components that are not files
    /// from `fetch`; every problem names the case at fault.
    pub fn load_with(path: &Path, fetch: &mut Fetch<'_>) -> Result<Suite, SpecError> {
        let text = weld_wit::files::read_text(path).map_err(|source| SpecError::Read {
            path: path.to_owned(),
            source,
        })?;
        let file: SpecFile = toml::from_str(&text).map_err(|e| SpecError::Parse {
            path: path.to_owned(),
            source: e.into(),
        })?;
        let base = path.parent().unwrap_or(Path::new(""));
        let mut fetched = HashMap::new();
        let cases = file
            .cases
            .into_iter()
            .enumerate()
            .map(|(i, case)| {
                let number = format!("case {}", i + 1);
                let (name, label) = match &case.name {
                    Some(name) => (name.clone(), format!("{number} ({name})")),
                    None => (number.clone(), number),
                };
                let component = pick_component(base, &file.defaults, &case, fetch, &mut fetched);
                let checked = component
                    .and_then(|component| check_case(base, &file.defaults, case, name, component));
                checked.map_err(|message| SpecError::Case {
                    path: path.to_owned(),
                    case: label,
                    message,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Suite {
            path: path.to_owned(),
            cases,
            fetched,
        })
    }

    /// Every call the cases make of `component`, in order.
    fn calls_of(&self, component: &Path) -> Vec<String> {
        self.cases
            .iter()
            .filter(|case| case.component == component)
            .flat_map(|case| match &case.action {
                Action::Invoke { calls, .. } => calls.clone(),
                _ => Vec::new(),
            })
            .collect()
    }

    /// Runs every case in order, reporting each as it finishes.
    /// `on_compile` is called as a component starts compiling and its
    /// result dropped when it is done, as in [`Runtime::prepare`].
    ///
    /// With `trace`, every case's calls are traced there: each component
    /// as `weld trace` made it, or (with `instrument`) instrumented now.
    pub fn run<G>(
        &self,
        runtime: &Arc<Runtime>,
        on_compile: impl Fn(&Path) -> G,
        mut report: impl FnMut(&CaseResult),
        trace: Option<(&Arc<crate::trace::Trace>, bool)>,
    ) -> Vec<CaseResult> {
        let mut prepared: HashMap<(PathBuf, Linking), Result<Component, String>> = HashMap::new();
        let mut results = Vec::new();
        for case in &self.cases {
            let start = Instant::now();
            // The dispatcher of HTTP handlers calls them concurrently.
            let linking = match case.action {
                Action::Http { .. } => Linking::Concurrent,
                _ => Linking::Auto,
            };
            let component = prepared
                .entry((case.component.clone(), linking))
                .or_insert_with(|| {
                    let fetched = self.fetched.get(&case.component);
                    let calls = match linking {
                        Linking::Auto => self.calls_of(&case.component),
                        Linking::Concurrent => Vec::new(),
                    };
                    let of = Of {
                        path: &case.component,
                        fetched,
                        calls: &calls,
                    };
                    prepare(runtime, of, linking, &on_compile, trace)
                });
            let failure = match component {
                Ok(component) => run_case(runtime, component, case).err(),
                Err(message) => Some(message.clone()),
            };
            let result = CaseResult {
                name: case.name.clone(),
                failure,
                duration: start.elapsed(),
            };
            report(&result);
            results.push(result);
        }
        results
    }
}

/// What the `@PATH`s of calls are relative to: the working directory.
const CALL_BASE: &str = "";

/// A case's component, prepared, and what traces its calls.
struct Component {
    prepared: Prepared,
    tracer: Option<crate::trace::Tracer>,
    /// The argument layer in front of it, for calls that pass large files
    /// (see `invoke::feed`).
    fed: Option<weld_virt::arguments::Fed>,
}

/// A component to prepare: the file at `path`, or `fetched` when it is
/// not that file; and every call the cases make of it.
struct Of<'a> {
    path: &'a Path,
    fetched: Option<&'a Arc<Bytes>>,
    calls: &'a [String],
}

fn prepare<G>(
    runtime: &Runtime,
    Of {
        path,
        fetched,
        calls,
    }: Of<'_>,
    linking: Linking,
    on_compile: impl Fn(&Path) -> G,
    trace: Option<(&Arc<crate::trace::Trace>, bool)>,
) -> Result<Component, String> {
    let wasm = match fetched {
        Some(wasm) => Arc::clone(wasm),
        None => Arc::new(
            weld_wit::wasm::map_file(path)
                .and_then(|bytes| weld_wit::wasm::to_binary(path, bytes))
                .map_err(|e| weld_wit::display::error_chain(&e))?,
        ),
    };
    let cannot_trace = |e: crate::trace::TraceError| {
        let chain = weld_wit::display::error_chain(&e);
        format!("cannot trace `{}`: {chain}", path.display())
    };
    let root = path.file_stem().map_or_else(
        || "component".to_owned(),
        |stem| stem.to_string_lossy().into_owned(),
    );
    let traced = match trace {
        Some((trace, instrument)) => {
            crate::trace::traced(path, &wasm, &root, trace.filter(), instrument)
                .map_err(cannot_trace)?
                .map(|traced| (trace, traced))
        }
        None => None,
    };
    // The argument layer goes in front of the instrumented component, so
    // that the taps do not see it.
    let wasm = match traced.as_ref().and_then(|(_, traced)| traced.bytes.clone()) {
        Some(bytes) => Arc::new(bytes.into()),
        None => wasm,
    };
    let base = Path::new(CALL_BASE);
    let fed = match crate::invoke::passes_large_files(calls, base) {
        // A component the layer cannot front is called as before.
        true => crate::invoke::feed(path, &wasm, calls, base).ok().flatten(),
        false => None,
    };
    let bytes = fed.as_ref().map_or(&wasm[..], |fed| &fed.bytes[..]);
    let prepared = runtime
        .prepare_linking(path, bytes, || on_compile(path), linking)
        .map_err(|e| weld_wit::display::error_chain(&e))?;
    let tracer = match traced {
        Some((trace, traced)) => Some(trace.tracer(&traced.table, root).map_err(cannot_trace)?),
        None => None,
    };
    Ok(Component {
        prepared,
        tracer,
        fed,
    })
}

/// The name of a case's component: a path relative to the spec, or what
/// `fetch` fetched (kept in `fetched`, once for all the cases that name it).
fn pick_component(
    base: &Path,
    defaults: &CaseSpec,
    case: &CaseSpec,
    fetch: &mut Fetch<'_>,
    fetched: &mut HashMap<PathBuf, Arc<Bytes>>,
) -> Result<PathBuf, String> {
    let component = case
        .component
        .as_ref()
        .or(defaults.component.as_ref())
        .ok_or("no `component` (in the case or in [defaults])")?;
    if fetched.contains_key(component) {
        return Ok(component.clone());
    }
    let Some(bytes) = component.to_str().and_then(&mut *fetch) else {
        return Ok(base.join(component));
    };
    let failed = |message: String| format!("component `{}`: {message}", component.display());
    let wasm = weld_wit::wasm::to_binary(component, bytes.map_err(failed)?)
        .map_err(|e| failed(weld_wit::display::error_chain(&e)))?;
    fetched.insert(component.clone(), Arc::new(wasm));
    Ok(component.clone())
}

fn check_case(
    base: &Path,
    defaults: &CaseSpec,
    case: CaseSpec,
    name: String,
    component: PathBuf,
) -> Result<Case, String> {
    macro_rules! pick {
        ($field:ident) => {
            case.$field.clone().or_else(|| defaults.$field.clone())
        };
    }
    let read = |file: PathBuf| {
        let path = base.join(file);
        // A regular file only: `/dev/zero` would be read until memory runs
        // out, before the case's timeout could start.
        weld_wit::files::read_regular(&path, weld_wit::files::MAX_WASM)
            .map_err(|e| weld_wit::display::error_chain(&e))
    };
    let stdin = match (pick!(stdin), pick!(stdin_file)) {
        (Some(_), Some(_)) => return Err("give `stdin` or `stdin-file`, not both".into()),
        (Some(text), None) => text.into_bytes(),
        (None, Some(file)) => read(file)?,
        (None, None) => Vec::new(),
    };
    let dirs = pick!(dirs)
        .unwrap_or_default()
        .iter()
        .map(|dir| {
            let mut grant: DirGrant = dir.parse()?;
            grant.host = base.join(grant.host);
            Ok(grant)
        })
        .collect::<Result<_, String>>()?;
    let limits = Limits {
        timeout: pick!(timeout).map(|t| parse_duration(&t)).transpose()?,
        fuel: pick!(fuel),
        max_memory: pick!(max_memory).map(|m| parse_size(&m)).transpose()?,
        trap_on_grow_failure: false,
        max_stack: None,
    };
    let trap = pick!(trap).map(|trap| match trap {
        TrapSpec::Any(_) => None,
        TrapSpec::Containing(text) => Some(text),
    });
    if matches!(pick!(trap), Some(TrapSpec::Any(false))) {
        return Err("`trap = false` says nothing: leave `trap` out".into());
    }
    let mut args = vec![component.display().to_string()];
    let http_only = [
        ("body", pick!(body).is_some()),
        ("body-file", pick!(body_file).is_some()),
        ("body-contains", pick!(body_contains).is_some()),
        ("headers", pick!(headers).is_some()),
    ];
    if pick!(request).is_none()
        && let Some((key, _)) = http_only.iter().find(|(_, given)| *given)
    {
        return Err(format!(
            "`{key}` checks an HTTP response: it needs a `request`"
        ));
    }
    let action = match (pick!(invoke), pick!(run), pick!(request)) {
        (None, None, Some(request)) => {
            if trap.is_some() {
                return Err(
                    "an HTTP case gets a 500 when the handler traps: check `status` and `body-contains`, not `trap`"
                        .into(),
                );
            }
            Action::Http {
                request: http_request(request, &read)?,
                expect: HttpExpect {
                    status: match pick!(status) {
                        None => http::StatusCode::OK,
                        Some(status) => u16::try_from(status)
                            .ok()
                            .and_then(|s| http::StatusCode::from_u16(s).ok())
                            .ok_or_else(|| format!("`status = {status}` is not an HTTP status"))?,
                    },
                    body: match (pick!(body), pick!(body_file)) {
                        (Some(_), Some(_)) => {
                            return Err("give `body` or `body-file`, not both".into());
                        }
                        (Some(text), None) => Some(text.into_bytes()),
                        (None, Some(file)) => Some(read(file)?),
                        (None, None) => None,
                    },
                    body_contains: pick!(body_contains),
                    headers: pick!(headers)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(name, value)| {
                            let name = http::HeaderName::try_from(name.as_str())
                                .map_err(|_| format!("`{name}` is not a header name"))?;
                            Ok((name, value))
                        })
                        .collect::<Result<_, String>>()?,
                },
            }
        }
        (_, _, Some(_)) => {
            return Err("give `invoke`, `run` or `request`, only one".into());
        }
        (Some(_), Some(_), None) => return Err("give `invoke` or `run`, not both".into()),
        (None, None, None) => {
            return Err(
                "give `invoke` (calls), `run` (arguments) or `request` (an HTTP request)".into(),
            );
        }
        (Some(calls), None, None) => {
            let calls = calls.into_vec();
            let expect = pick!(expect).map(OneOrMany::into_vec).unwrap_or_default();
            if trap.is_none() && expect.len() != calls.len() {
                return Err(format!(
                    "{} call(s) but {} expected result(s); give `expect` for each call, or `trap`",
                    calls.len(),
                    expect.len()
                ));
            }
            Action::Invoke {
                calls,
                expect,
                trap,
            }
        }
        (None, Some(run_args), None) => {
            args.extend(run_args);
            let stdout = match (pick!(stdout), pick!(stdout_file)) {
                (Some(_), Some(_)) => return Err("give `stdout` or `stdout-file`, not both".into()),
                (Some(text), None) => Some(text.into_bytes()),
                (None, Some(file)) => Some(read(file)?),
                (None, None) => None,
            };
            Action::Run {
                stdout,
                stderr: pick!(stderr),
                stderr_contains: pick!(stderr_contains),
                status: pick!(status).unwrap_or(0),
                trap,
            }
        }
    };
    let caps = Capabilities {
        args,
        dirs,
        env: pick!(env)
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, Some(v)))
            .collect(),
        inherit_env: false,
        inherit_network: false,
        allow_http: pick!(allow_http)
            .unwrap_or_default()
            .iter()
            .map(|grant| grant.parse())
            .collect::<Result<_, _>>()?,
        stdio: Stdio::Inherit,
    };
    Ok(Case {
        name,
        component,
        action,
        caps,
        stdin,
        limits,
    })
}

fn http_request(
    spec: RequestSpec,
    read: &dyn Fn(PathBuf) -> Result<Vec<u8>, String>,
) -> Result<HttpRequest, String> {
    let method = spec.method.as_deref().unwrap_or("GET");
    let method = http::Method::from_bytes(method.as_bytes())
        .map_err(|_| format!("`{method}` is not an HTTP method"))?;
    if !spec.path.starts_with('/') {
        return Err(format!(
            "the request path `{}` does not start with `/`",
            spec.path
        ));
    }
    let path = spec
        .path
        .parse()
        .map_err(|_| format!("`{}` is not a request path", spec.path))?;
    let mut headers = http::HeaderMap::new();
    for (name, value) in &spec.headers {
        let name = http::HeaderName::try_from(name.as_str())
            .map_err(|_| format!("`{name}` is not a header name"))?;
        let value = http::HeaderValue::try_from(value.as_str())
            .map_err(|_| format!("the value of header `{name}` cannot be sent"))?;
        headers.append(name, value);
    }
    let body = match (spec.body, spec.body_file) {
        (Some(_), Some(_)) => {
            return Err("give the request a `body` or a `body-file`, not both".into());
        }
        (Some(text), None) => text.into_bytes(),
        (None, Some(file)) => read(file)?,
        (None, None) => Vec::new(),
    };
    Ok(HttpRequest {
        method,
        path,
        headers,
        body,
    })
}

/// Runs one case; `Err` says why it failed.
fn run_case(runtime: &Arc<Runtime>, component: &Component, case: &Case) -> Result<(), String> {
    let prepared = &component.prepared;
    // Each case gets fresh streams, so no output leaks between cases.
    let out = MemoryOutputPipe::new(CAPTURE_LIMIT);
    let err = MemoryOutputPipe::new(CAPTURE_LIMIT);
    let caps = Capabilities {
        stdio: Stdio::Captured {
            stdin: case.stdin.clone(),
            stdout: out.clone(),
            stderr: err.clone(),
        },
        ..case.caps.clone()
    };
    // The case's own limits first, then those given to `weld test`.
    let defaults = runtime.limits();
    let limits = Limits {
        timeout: case.limits.timeout.or(defaults.timeout),
        fuel: case.limits.fuel.or(defaults.fuel),
        max_memory: case.limits.max_memory.or(defaults.max_memory),
        trap_on_grow_failure: defaults.trap_on_grow_failure,
        max_stack: defaults.max_stack,
    };
    if let Action::Http { request, expect } = &case.action {
        let tracer = component.tracer.clone();
        return http_case(runtime, prepared, caps, limits, request, expect, tracer);
    }
    let mut store = runtime
        .store_with(prepared.engine(), &caps, limits)
        .map_err(|e| weld_wit::display::error_chain(&e))?;
    if let Some(tracer) = &component.tracer {
        store.data_mut().trace(tracer.calls());
    }
    match &case.action {
        Action::Http { .. } => unreachable!("handled above"),
        Action::Invoke {
            calls,
            expect,
            trap,
        } => {
            let mut session = match Session::new(runtime, prepared, store) {
                Ok(session) => session,
                Err(error) => return expected_failure(trap, &error),
            };
            if let Some(fed) = &component.fed {
                session = session.feeding(fed);
            }
            let base = Path::new(CALL_BASE);
            for (i, call) in calls.iter().enumerate() {
                let called = match session.call(call, base) {
                    Ok(called) => called,
                    Err(error) => return expected_failure(trap, &error),
                };
                if let Some(expected) = expect.get(i)
                    && !called.matches(expected)?
                {
                    return Err(format!(
                        "`{call}` returned `{called}`, expected `{expected}`"
                    ));
                }
            }
            match trap {
                Some(_) => Err("expected a trap, but every call returned".into()),
                None => Ok(()),
            }
        }
        Action::Run {
            stdout,
            stderr,
            stderr_contains,
            status,
            trap,
        } => {
            let status_got = match crate::command::run(runtime, prepared, store) {
                Ok(code) => code,
                Err(error) if trap.is_some() => return expected_failure(trap, &error),
                Err(error) => return Err(weld_wit::display::error_chain(&error)),
            };
            if trap.is_some() {
                return Err(format!(
                    "expected a trap, but it exited with status {status_got}"
                ));
            }
            let (out, err) = (out.contents(), err.contents());
            if status_got != *status {
                let stderr = String::from_utf8_lossy(&err);
                let stderr = stderr.trim_end();
                let shown = if stderr.is_empty() {
                    String::new()
                } else {
                    format!("; stderr: {stderr}")
                };
                return Err(format!(
                    "exited with status {status_got}, expected {status}{shown}"
                ));
            }
            if let Some(expected) = stdout {
                compare("stdout", expected, &out)?;
            }
            if let Some(expected) = stderr {
                compare("stderr", expected.as_bytes(), &err)?;
            }
            if let Some(part) = stderr_contains {
                let text = String::from_utf8_lossy(&err);
                if !text.contains(part.as_str()) {
                    return Err(format!(
                        "stderr does not contain `{part}`; it is `{}`",
                        text.trim_end()
                    ));
                }
            }
            Ok(())
        }
    }
}

/// Sends an HTTP case's request to the handler in process, through the
/// same dispatcher as `weld serve` but with no socket, and checks the
/// response; a failure weld answers for the guest (500, 504) is checked
/// like any response.
fn http_case(
    runtime: &Arc<Runtime>,
    prepared: &Prepared,
    caps: Capabilities,
    limits: Limits,
    request: &HttpRequest,
    expect: &HttpExpect,
    tracer: Option<crate::trace::Tracer>,
) -> Result<(), String> {
    use http_body_util::BodyExt;
    let service = Service::new(runtime.clone(), prepared, caps, limits, Reuse(0), tracer)
        .map_err(|e| weld_wit::display::error_chain(&e))?;
    let mut outgoing = http::Request::new(
        http_body_util::Full::new(bytes::Bytes::from(request.body.clone()))
            .map_err(|never| match never {})
            .boxed_unsync(),
    );
    *outgoing.method_mut() = request.method.clone();
    *outgoing.uri_mut() = request.path.clone().into();
    *outgoing.headers_mut() = request.headers.clone();
    outgoing
        .headers_mut()
        .entry(http::header::HOST)
        .or_insert(http::HeaderValue::from_static("localhost"));
    let (head, body) = wasmtime_wasi::runtime::in_tokio(async {
        let response = match service.handle(outgoing).await {
            Ok(response) => response,
            Err(failure) => failure.response(),
        };
        let (head, body) = response.into_parts();
        let body = http_body_util::Limited::new(body, CAPTURE_LIMIT)
            .collect()
            .await
            .map(|body| body.to_bytes());
        (head, body)
    });
    let body = body.map_err(|e| format!("the response body failed: {e}"))?;
    if head.status != expect.status {
        let text = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
        return Err(format!(
            "answered {}, expected {}; the body: {:?}",
            head.status.as_u16(),
            expect.status.as_u16(),
            text.trim_end()
        ));
    }
    for (name, value) in &expect.headers {
        let got: Vec<_> = head
            .headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        if !got.iter().any(|v| v == value) {
            return Err(match got.is_empty() {
                true => format!("no `{name}` header; expected `{value}`"),
                false => format!(
                    "header `{name}` is `{}`, expected `{value}`",
                    got.join(", ")
                ),
            });
        }
    }
    if let Some(expected) = &expect.body {
        compare("the body", expected, &body)?;
    }
    if let Some(part) = &expect.body_contains {
        let text = String::from_utf8_lossy(&body);
        if !text.contains(part.as_str()) {
            return Err(format!(
                "the body does not contain `{part}`; it is `{}`",
                text.trim_end()
            ));
        }
    }
    Ok(())
}

/// A failure is a pass when the case expects a trap and the message fits.
fn expected_failure(trap: &Option<Option<String>>, error: &Error) -> Result<(), String> {
    let text = weld_wit::display::error_chain(error);
    match trap {
        Some(None) if matches!(error, Error::Trap { .. } | Error::Limit(_)) => Ok(()),
        Some(Some(part)) if text.contains(part.as_str()) => Ok(()),
        Some(Some(part)) => Err(format!("expected a trap containing `{part}`, got: {text}")),
        _ => Err(text),
    }
}

/// Names where two outputs first differ, with a little of each.
fn compare(stream: &str, expected: &[u8], actual: &[u8]) -> Result<(), String> {
    if expected == actual {
        return Ok(());
    }
    let at = expected
        .iter()
        .zip(actual)
        .position(|(a, b)| a != b)
        .unwrap_or(expected.len().min(actual.len()));
    let line = 1 + actual[..at].iter().filter(|b| **b == b'\n').count();
    let excerpt = |bytes: &[u8]| {
        let end = (at + 40).min(bytes.len());
        format!("{:?}", String::from_utf8_lossy(&bytes[at..end]))
    };
    Err(format!(
        "{stream} differs at byte {at} (line {line}): expected {}, got {} ({} bytes expected, {} got)",
        excerpt(expected),
        excerpt(actual),
        expected.len(),
        actual.len()
    ))
}

/// The results as JUnit XML, one test case per spec case.
pub fn junit(suite_name: &str, results: &[CaseResult]) -> String {
    let failures = results.iter().filter(|r| r.failure.is_some()).count();
    let total: f64 = results.iter().map(|r| r.duration.as_secs_f64()).sum();
    let name = weld_wit::display::xml_escape(suite_name);
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites tests=\"{}\" failures=\"{failures}\" time=\"{total:.3}\">\n  <testsuite name=\"{name}\" tests=\"{}\" failures=\"{failures}\" time=\"{total:.3}\">\n",
        results.len(),
        results.len()
    );
    for result in results {
        let case = weld_wit::display::xml_escape(&result.name);
        let time = result.duration.as_secs_f64();
        match &result.failure {
            None => xml.push_str(&format!(
                "    <testcase name=\"{case}\" classname=\"{name}\" time=\"{time:.3}\"/>\n"
            )),
            Some(failure) => {
                let failure = weld_wit::display::xml_escape(failure);
                xml.push_str(&format!(
                    "    <testcase name=\"{case}\" classname=\"{name}\" time=\"{time:.3}\">\n      <failure message=\"{failure}\">{failure}</failure>\n    </testcase>\n"
                ));
            }
        }
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    xml
}
