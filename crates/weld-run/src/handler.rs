//! HTTP handlers: a component exporting `wasi:http/incoming-handler@0.2`
//! or `wasi:http/handler@0.3`, called with one request at a time by
//! `weld serve` (from a socket) and by `weld test` (in process, no socket).
//!
//! Both go through wasmtime-wasi-http's `ProxyHandler`, the dispatcher
//! `wasmtime serve` uses, so weld's behaviour is the reference runtime's:
//! a 0.2 handler gets a fresh instance per request from the shared
//! `InstancePre` (on the pooling allocator: microseconds), and a 0.3
//! handler's instance may take further requests, concurrently and one
//! after another, up to [`Reuse`].
//!
//! What weld adds is the mapping of every way a request can fail to an
//! HTTP answer: a trap, a limit or a handler that never answers is a 500,
//! a timeout a 504, each with the cause as [`Failure`], and the instance
//! that failed is dropped while the server goes on.

use crate::host::{Capabilities, Host};
use crate::limits::{Limit, Limits};
use crate::runtime::{Prepared, Runtime};
use crate::{BoxError, Error};
use bytes::Bytes;
use http_body_util::BodyExt;
use http_body_util::combinators::UnsyncBoxBody;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, oneshot};
use wasmtime::component::GuestTaskId;
use wasmtime::{Store, StoreContextMut};
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::handler::{
    self, ExpirationError, HandlerState, InstantiationError, ProxyHandler, ProxyPre, ShouldAccept,
    WorkerExpiration, WorkerState, WorkerStatus,
};

/// A response body as weld hands it on: the guest's, or weld's own.
pub type Body = UnsyncBoxBody<Bytes, BoxError>;

/// How long an idle 0.3 instance is kept for another request.
const IDLE: Duration = Duration::from_secs(1);

/// How long after its timeout a busy instance is given up, should the
/// request's own expiry not have answered it (see [`Expiry`]).
const BACKSTOP_GRACE: Duration = Duration::from_secs(1);

/// How often a request that found the instance pool full looks again,
/// should a slot come free without an instance of this service ending.
const POOL_RECHECK: Duration = Duration::from_millis(50);

/// How many tries in a row may find the pool full with nothing of the
/// service's alive before a request gives up (see [`Pool`]).
const LONE_TRIES: u32 = 20;

/// How many requests one 0.3 instance may handle at the same time.
const CONCURRENT_PER_INSTANCE: usize = 16;

/// Further requests a 0.3 instance takes after its first, unless told.
pub const DEFAULT_REUSE: usize = 128;

/// The interface a handler exports, which decides its ABI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interface {
    /// `wasi:http/incoming-handler@0.2.x`
    IncomingHandler,
    /// `wasi:http/handler@0.3.x`
    Handler,
}

impl Interface {
    pub fn name(self) -> &'static str {
        match self {
            Interface::IncomingHandler => "wasi:http/incoming-handler@0.2",
            Interface::Handler => "wasi:http/handler@0.3",
        }
    }
}

/// Further requests one 0.3 instance takes after its first: `--reuse N`.
/// A 0.2 handler is never reused, as its interface allows no more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reuse(pub usize);

impl Default for Reuse {
    fn default() -> Self {
        Reuse(DEFAULT_REUSE)
    }
}

/// Why a request got no response from the guest, and the answer it gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub status: http::StatusCode,
    /// What went wrong, in one line: a trap, a limit, a missing response.
    pub cause: String,
}

impl Failure {
    fn of(error: &Error) -> Failure {
        let status = match error {
            Error::Limit(Limit::Timeout(_)) => http::StatusCode::GATEWAY_TIMEOUT,
            _ => http::StatusCode::INTERNAL_SERVER_ERROR,
        };
        Failure {
            status,
            cause: one_line(&weld_wit::display::error_chain(error)),
        }
    }

    fn internal(cause: String) -> Failure {
        Failure {
            status: http::StatusCode::INTERNAL_SERVER_ERROR,
            cause: one_line(&cause),
        }
    }

    /// The response weld sends in the guest's place: a one-line body.
    pub fn response(&self) -> http::Response<Body> {
        let reason = self.status.canonical_reason().unwrap_or("error");
        let text = format!("{} {reason}: {}\n", self.status.as_u16(), self.cause);
        let mut response = http::Response::new(full(text));
        *response.status_mut() = self.status;
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        response
    }
}

/// A trap's backtrace belongs in a log, not in one line.
fn one_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().trim().to_owned()
}

/// A body of bytes weld made.
pub fn full(bytes: impl Into<Bytes>) -> Body {
    http_body_util::Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed_unsync()
}

/// Finds the handler interface a prepared component exports.
pub fn interface(prepared: &Prepared) -> Result<Interface, Error> {
    let ty = prepared.component.component_type();
    let exports: Vec<String> = ty
        .exports(prepared.engine())
        .map(|(name, _)| name.to_owned())
        .collect();
    let has = |prefix: &str| exports.iter().any(|name| name.starts_with(prefix));
    if has("wasi:http/handler@0.3.") {
        Ok(Interface::Handler)
    } else if has("wasi:http/incoming-handler@0.2.") {
        Ok(Interface::IncomingHandler)
    } else {
        Err(Error::NotHandler {
            path: prepared.path.clone(),
            exports,
        })
    }
}

/// A handler ready to take requests, with the capabilities and limits
/// every request's store gets.
pub struct Service {
    proxy: ProxyHandler<State>,
    pub interface: Interface,
}

impl Service {
    /// `prepared` must be prepared with [`crate::runtime::Linking::Concurrent`]: the
    /// dispatcher calls even 0.2 handlers concurrently.
    pub fn new(
        runtime: Arc<Runtime>,
        prepared: &Prepared,
        caps: Capabilities,
        limits: Limits,
        reuse: Reuse,
        trace: Option<crate::trace::Tracer>,
    ) -> Result<Service, Error> {
        let interface = interface(prepared)?;
        let mismatch = |e: wasmtime::Error| Error::Instantiate {
            path: prepared.path.clone(),
            source: e.into(),
        };
        let (pre, accept) = match interface {
            Interface::Handler => (
                ProxyPre::P3(
                    wasmtime_wasi_http::p3::bindings::ServicePre::new(prepared.pre.clone())
                        .map_err(mismatch)?,
                ),
                Accept {
                    total: reuse.0.saturating_add(1),
                    concurrent: CONCURRENT_PER_INSTANCE,
                },
            ),
            Interface::IncomingHandler => (
                ProxyPre::P2(
                    wasmtime_wasi_http::p2::bindings::ProxyPre::new(prepared.pre.clone())
                        .map_err(mismatch)?,
                ),
                Accept {
                    total: 1,
                    concurrent: 1,
                },
            ),
        };
        Ok(Service {
            proxy: ProxyHandler::new(State {
                runtime,
                engine: prepared.engine().clone(),
                pre,
                caps,
                limits,
                accept,
                pool: Arc::new(Pool::default()),
                trace,
                handle: format!("{}#handle", interface.name()),
            }),
            interface,
        })
    }

    /// Handles one request: the guest's response, or why there is none.
    /// Must be called within a tokio runtime, which runs the instances.
    pub async fn handle(
        &self,
        request: http::Request<wasmtime_wasi_http::WasiBody>,
    ) -> Result<http::Response<Body>, Failure> {
        let (report, failure) = oneshot::channel();
        match self.proxy.handle(report, request).await {
            Ok(response) => Ok(response.map(|body| body.map_err(BoxError::from).boxed_unsync())),
            Err(error) => Err(self.failure(error, failure).await),
        }
    }

    async fn failure(
        &self,
        error: wasmtime::Error,
        reported: oneshot::Receiver<Failure>,
    ) -> Failure {
        if error.downcast_ref::<ExpirationError>().is_some() {
            let timeout = self.proxy.state().limits.timeout.unwrap_or_default();
            return Failure::of(&Error::Limit(Limit::Timeout(timeout)));
        }
        if let Some(failed) = error.downcast_ref::<InstantiationError<oneshot::Sender<Failure>>>() {
            return Failure::internal(format!(
                "failed to instantiate the handler: {:#}",
                failed.error
            ));
        }
        // The instance trapped or hit a limit: its worker reports the
        // cause as it drops the store, just after this request learns
        // that it will get no response.
        match reported.await {
            Ok(failure) => failure,
            Err(_) => Failure::internal(format!("{error:#}")),
        }
    }
}

/// How many requests one instance takes.
#[derive(Debug, Clone, Copy)]
struct Accept {
    /// In all, its first included.
    total: usize,
    /// At the same time.
    concurrent: usize,
}

/// What every worker (one instance and its store) is made from.
struct State {
    runtime: Arc<Runtime>,
    /// The engine the handler was prepared on, which its stores are made on.
    engine: wasmtime::Engine,
    pre: ProxyPre<Host>,
    caps: Capabilities,
    limits: Limits,
    accept: Accept,
    pool: Arc<Pool>,
    /// Where each instance's calls are traced, a group of its own (one
    /// per request, unless instances are reused).
    trace: Option<crate::trace::Tracer>,
    /// The handler's function, as a trace names the host's call of it.
    handle: String,
}

/// The service's share of the pooling allocator. Its limits (1000 core
/// instances, memories and tables by default) count every core instance
/// of every live component instance, so a deep composition (a chain of
/// 32 middlewares is over 30 core instances) under load can find the
/// pool full. A request that does waits for one of this service's
/// instances to end, as `--max-concurrency` makes requests wait, rather
/// than failing with a 500; only when its `--timeout` has passed, or when
/// no instance has ever fitted and none is alive (one instance needs more
/// than the pool holds), is the pool's limit its error.
#[derive(Default)]
struct Pool {
    /// Instances whose stores are alive, being instantiated included.
    live: AtomicUsize,
    /// Whether an instance was ever made: then one fits.
    fits: AtomicBool,
    /// Held by each try after one that found the pool full. Instances
    /// take their slots one at a time, so requests that all try at once
    /// can each take part of the pool and all fail, again and again; one
    /// try at a time, each gets the slots that are free.
    retry: tokio::sync::Mutex<()>,
    /// Told when one of them ends.
    freed: Notify,
}

impl State {
    /// One try; a failed one leaves [`Pool::live`] as it was.
    async fn try_instantiate(&self) -> wasmtime::Result<handler::Instance<Host, Expiry, Worker>> {
        let mut store = self
            .runtime
            .store_with(&self.engine, &self.caps, self.limits)
            .map_err(wasmtime::Error::new)?;
        if let Some(trace) = &self.trace {
            store.data_mut().trace(trace.calls());
        }
        self.pool.live.fetch_add(1, Ordering::SeqCst);
        let proxy = match self.pre.instantiate_async(&mut store).await {
            Ok(proxy) => proxy,
            Err(error) => {
                drop(store);
                self.pool.live.fetch_sub(1, Ordering::SeqCst);
                self.pool.freed.notify_waiters();
                return Err(error);
            }
        };
        self.pool.fits.store(true, Ordering::SeqCst);
        Ok(handler::Instance {
            store,
            proxy,
            view: Host::http,
            expiration: Expiry::new(self.limits.timeout),
            state: Worker {
                runtime: self.runtime.clone(),
                limits: self.limits,
                accept: self.accept,
                waiting: Mutex::new(Vec::new()),
                pool: self.pool.clone(),
                handle: self.handle.clone(),
            },
        })
    }
}

impl HandlerState for State {
    type StoreData = Host;
    type WorkerExpiration = Expiry;
    type WorkerState = Worker;

    async fn instantiate(&self) -> wasmtime::Result<handler::Instance<Host, Expiry, Worker>> {
        let deadline = self.limits.timeout.map(|timeout| Instant::now() + timeout);
        // How many tries in a row found the pool full with no instance of
        // this service alive, before any was made: other tries can take
        // slots and end between a failure and the count, so it takes
        // `LONE_TRIES` to show that one instance needs more than the pool
        // holds.
        let mut alone = 0;
        let mut retrying = None;
        loop {
            // Listening before trying, so that an instance ending in
            // between is not missed.
            let freed = self.pool.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            let tried = self.try_instantiate().await;
            drop(retrying.take());
            let error = match tried {
                Err(error) if error.is::<wasmtime::PoolConcurrencyLimitError>() => error,
                done => return done,
            };
            let late = deadline.is_some_and(|deadline| Instant::now() >= deadline);
            let lone = self.pool.live.load(Ordering::SeqCst) == 0
                && !self.pool.fits.load(Ordering::SeqCst);
            alone = if lone { alone + 1 } else { 0 };
            if alone >= LONE_TRIES {
                return Err(error.context(
                    "one instance of this handler needs more than the whole instance pool (wasmtime's pooling allocator: 1000 core instances, memories and tables); compose fewer components into it",
                ));
            }
            if late {
                return Err(error);
            }
            let _ = tokio::time::timeout(POOL_RECHECK, freed).await;
            retrying = Some(self.pool.retry.lock().await);
        }
    }
}

/// One instance's view of its requests: each waits on a channel for the
/// cause, should the instance fail under it.
struct Worker {
    runtime: Arc<Runtime>,
    limits: Limits,
    accept: Accept,
    waiting: Mutex<Vec<oneshot::Sender<Failure>>>,
    pool: Arc<Pool>,
    handle: String,
}

impl WorkerState for Worker {
    type StoreData = Host;
    type RequestData = oneshot::Sender<Failure>;

    fn should_accept_request(&self, concurrent: usize, total: usize) -> ShouldAccept {
        if total >= self.accept.total {
            ShouldAccept::Never
        } else if concurrent >= self.accept.concurrent {
            ShouldAccept::No
        } else {
            ShouldAccept::Yes
        }
    }

    fn on_request_start(
        &self,
        mut store: StoreContextMut<'_, Host>,
        report: oneshot::Sender<Failure>,
        _task: GuestTaskId,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + Sync>> {
        if let Ok(mut waiting) = self.waiting.lock() {
            waiting.retain(|report| !report.is_closed());
            waiting.push(report);
        }
        // Each request has the whole timeout, on a reused instance too.
        self.runtime.reset_deadline(&mut store, &self.limits);
        // Traced, a request an instance of its own takes is a call from the
        // host that lasts as long as the instance; on a reused one, whose
        // requests overlap, the calls made for them show alone.
        if self.accept.total == 1
            && let Some(calls) = store.data_mut().calls()
        {
            calls.enter_export(&self.handle, String::new());
        }
        match self.limits.timeout {
            Some(timeout) => Box::pin(tokio::time::sleep(timeout)),
            None => Box::pin(std::future::pending()),
        }
    }

    fn drop(&self, mut store: Store<Host>, result: wasmtime::Result<()>) {
        if result.is_ok()
            && let Some(calls) = store.data_mut().calls()
        {
            calls.return_all();
        }
        // The dispatcher's own expiry (see `Expiry`) is a timeout too.
        let failure = result.err().map(|error| {
            Failure::of(&match self.limits.timeout {
                Some(timeout) if error.to_string() == "guest timed out" => {
                    Error::Limit(Limit::Timeout(timeout))
                }
                _ => self.runtime.guest_error(&store, error),
            })
        });
        // Its pool slots back first, for a request waiting on them.
        std::mem::drop(store);
        self.pool.live.fetch_sub(1, Ordering::SeqCst);
        self.pool.freed.notify_waiters();
        let Some(failure) = failure else {
            return;
        };
        let waiting = match self.waiting.lock() {
            Ok(mut waiting) => std::mem::take(&mut *waiting),
            Err(_) => return,
        };
        for report in waiting {
            let _ = report.send(failure.clone());
        }
    }
}

/// When an instance is given up: idle for [`IDLE`], or busy past the
/// timeout. The second is a backstop; each request's own timeout (in
/// [`Worker::on_request_start`]) is what normally answers 504.
struct Expiry {
    timeout: Option<Duration>,
    sleep: Pin<Box<tokio::time::Sleep>>,
    armed_for: Option<(WorkerStatus, Instant)>,
}

impl Expiry {
    fn new(timeout: Option<Duration>) -> Expiry {
        Expiry {
            timeout,
            sleep: Box::pin(tokio::time::sleep(IDLE)),
            armed_for: None,
        }
    }
}

impl WorkerExpiration for Expiry {
    fn poll(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        status: WorkerStatus,
        start: Instant,
    ) -> Poll<()> {
        let this = self.get_mut();
        let limit = match status {
            WorkerStatus::Idle => Some(IDLE),
            WorkerStatus::Requests | WorkerStatus::PostReturn => {
                this.timeout.map(|timeout| timeout + BACKSTOP_GRACE)
            }
        };
        let Some(limit) = limit else {
            return Poll::Pending;
        };
        if this.armed_for != Some((status, start)) {
            this.armed_for = Some((status, start));
            this.sleep.as_mut().reset((start + limit).into());
        }
        this.sleep.as_mut().poll(cx)
    }
}
