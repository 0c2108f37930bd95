//! `weld serve`: an HTTP/1.1 server on hyper in front of a [`Service`].
//!
//! Everything a request can do wrong stays inside that request: a trap, a
//! limit or a missing response is answered by weld (500, or 504 for a
//! timeout) and reported as an [`Event`], and the next request gets a
//! fresh instance. Requests over `--max-concurrency` wait for a slot
//! rather than being dropped. On SIGINT or SIGTERM the server stops
//! accepting, lets the requests in flight finish (their bodies included)
//! for up to the shutdown timeout, and returns.
//!
//! The library prints nothing: what a log would say is handed to the
//! caller's `on_event`.

use crate::Error;
use crate::handler::{Body, Failure, Service};
use futures::future::{Either, select};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore, watch};

/// What a log of the server would say.
#[derive(Debug)]
pub enum Event<'a> {
    /// The socket is bound; requests are taken from now on.
    Listening(SocketAddr),
    /// A request was answered (the access log).
    Answered(&'a Answered),
    /// The guest gave a request no response; weld answered in its place.
    Failed {
        request: &'a Request,
        failure: &'a Failure,
    },
    /// A connection failed below HTTP (a client that went away, say).
    Connection { peer: SocketAddr, error: String },
    /// A signal came; requests still in flight are let finish.
    Stopping { in_flight: usize },
}

/// One request, as logs name it.
#[derive(Debug, Clone)]
pub struct Request {
    /// Counts from 1 in the order requests arrive.
    pub id: u64,
    pub method: http::Method,
    /// The path and query, as the client sent them.
    pub path: String,
}

#[derive(Debug)]
pub struct Answered {
    pub request: Request,
    pub status: http::StatusCode,
    /// Until the response's head was ready.
    pub elapsed: Duration,
}

/// How the server runs, beyond the service itself.
#[derive(Debug, Clone)]
pub struct Options {
    pub addr: SocketAddr,
    /// At most this many requests are handled at once; others wait.
    pub max_concurrency: Option<usize>,
    /// How long requests in flight may take to finish after a signal.
    pub shutdown_timeout: Duration,
    /// Whether to report [`Event::Answered`] and [`Event::Connection`].
    /// Each report wakes the reporting task, so a server whose log is off
    /// (`--quiet`) makes none: under load that is a thread wake-up per
    /// request saved.
    pub access_log: bool,
}

/// Binds `options.addr` and serves until SIGINT or SIGTERM. Runs its own
/// tokio runtime on every core.
pub fn serve(
    service: Service,
    options: &Options,
    on_event: &(dyn Fn(Event<'_>) + Send + Sync),
) -> Result<(), Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Serve {
            addr: options.addr,
            source: e.into(),
        })?;
    runtime.block_on(serve_on(service, options, on_event))
}

async fn serve_on(
    service: Service,
    options: &Options,
    on_event: &(dyn Fn(Event<'_>) + Send + Sync),
) -> Result<(), Error> {
    let listener = TcpListener::bind(options.addr)
        .await
        .map_err(|source| Error::Listen {
            addr: options.addr,
            source,
        })?;
    let local = listener.local_addr().map_err(|source| Error::Listen {
        addr: options.addr,
        source,
    })?;
    let stop = Stop::on_signals().map_err(|e| Error::Serve {
        addr: local,
        source: e.into(),
    })?;
    on_event(Event::Listening(local));
    let shared = Arc::new(Shared {
        service,
        slots: options
            .max_concurrency
            .map(|n| Arc::new(Semaphore::new(n.max(1)))),
        next_id: AtomicU64::new(1),
        in_flight: InFlight::default(),
        access_log: options.access_log,
    });
    let (events, mut event_rx) = tokio::sync::mpsc::unbounded_channel::<Owned>();
    let accept = accept(listener, shared.clone(), events, &stop);
    // Events are reported here, on this task, so the callback needs no
    // 'static lifetime; the accept loop runs beside it.
    let mut printer = Box::pin(async {
        while let Some(event) = event_rx.recv().await {
            event.report(on_event);
        }
    });
    if let Either::Right(_) = select(pin!(accept), printer.as_mut()).await {
        return Ok(());
    }
    let in_flight = shared.in_flight.count();
    on_event(Event::Stopping { in_flight });
    let drained = pin!(async {
        shared.in_flight.drained().await;
    });
    let timeout = pin!(tokio::time::sleep(options.shutdown_timeout));
    let finished = {
        let both = pin!(select(drained, timeout));
        let both = select(both, printer.as_mut());
        match both.await {
            Either::Left((Either::Left(_), _)) => true,
            Either::Left((Either::Right(_), _)) => false,
            Either::Right(_) => true,
        }
    };
    // Report what the last requests logged.
    drop(printer);
    while let Ok(event) = event_rx.try_recv() {
        event.report(on_event);
    }
    match finished {
        true => Ok(()),
        false => Err(Error::ShutdownTimeout {
            unfinished: shared.in_flight.count(),
            timeout: options.shutdown_timeout,
        }),
    }
}

/// Takes connections until the server is told to stop, then closes the
/// socket.
async fn accept(listener: TcpListener, shared: Arc<Shared>, events: Events, stop: &Stop) {
    let mut shutdown = stop.receiver();
    loop {
        let accepted = match select(pin!(listener.accept()), pin!(stopped(&mut shutdown))).await {
            Either::Left((accepted, _)) => accepted,
            Either::Right(_) => return,
        };
        let Ok((stream, peer)) = accepted else {
            // Out of file descriptors, say: let connections close first.
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(
            shared.clone(),
            stream,
            peer,
            events.clone(),
            stop.receiver(),
        ));
    }
}

struct Shared {
    service: Service,
    slots: Option<Arc<Semaphore>>,
    next_id: AtomicU64,
    in_flight: InFlight,
    access_log: bool,
}

/// An event made on a connection's task, reported on the server's.
enum Owned {
    Answered(Answered),
    Failed(Request, Failure),
    Connection(SocketAddr, String),
}

impl Owned {
    fn report(&self, on_event: &(dyn Fn(Event<'_>) + Send + Sync)) {
        match self {
            Owned::Answered(answered) => on_event(Event::Answered(answered)),
            Owned::Failed(request, failure) => on_event(Event::Failed { request, failure }),
            Owned::Connection(peer, error) => on_event(Event::Connection {
                peer: *peer,
                error: error.clone(),
            }),
        }
    }
}

type Events = tokio::sync::mpsc::UnboundedSender<Owned>;

async fn connection(
    shared: Arc<Shared>,
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    events: Events,
    mut stop: watch::Receiver<bool>,
) {
    let access_log = shared.access_log;
    let service = {
        let events = events.clone();
        hyper::service::service_fn(move |request| respond(shared.clone(), request, events.clone()))
    };
    let io = wasmtime_wasi_http::io::TokioIo::new(stream);
    let mut conn = pin!(
        hyper::server::conn::http1::Builder::new()
            .keep_alive(true)
            .serve_connection(io, service)
    );
    let result = {
        let stopped = pin!(stopped(&mut stop));
        match select(conn.as_mut(), stopped).await {
            Either::Left((result, _)) => result,
            Either::Right(_) => {
                // Finish the request in progress, then close.
                conn.as_mut().graceful_shutdown();
                conn.await
            }
        }
    };
    if let Err(error) = result
        && !error.is_incomplete_message()
        && access_log
    {
        let _ = events.send(Owned::Connection(peer, error.to_string()));
    }
}

async fn respond(
    shared: Arc<Shared>,
    request: http::Request<Incoming>,
    events: Events,
) -> Result<http::Response<Body>, Infallible> {
    let started = Instant::now();
    let guard = shared.in_flight.enter();
    let about = Request {
        id: shared.next_id.fetch_add(1, Ordering::Relaxed),
        method: request.method().clone(),
        path: request
            .uri()
            .path_and_query()
            .map_or_else(|| request.uri().path().to_owned(), |p| p.to_string()),
    };
    let slot = match &shared.slots {
        Some(slots) => slots.clone().acquire_owned().await.ok(),
        None => None,
    };
    let request = request.map(|body| body.map_err(wasmtime_wasi_http::Error::from).boxed_unsync());
    let response = match shared.service.handle(request).await {
        Ok(response) => response,
        Err(failure) => {
            let response = failure.response();
            let _ = events.send(Owned::Failed(about.clone(), failure));
            response
        }
    };
    if shared.access_log {
        let _ = events.send(Owned::Answered(Answered {
            request: about,
            status: response.status(),
            elapsed: started.elapsed(),
        }));
    }
    // The request stays in flight, and holds its slot, until hyper has
    // sent the whole body and drops it.
    Ok(response.map(|body| {
        body.map_frame(move |frame| {
            let _held = (&guard, &slot);
            frame
        })
        .boxed_unsync()
    }))
}

/// Requests begun and not yet finished, to wait for on shutdown.
#[derive(Default)]
struct InFlight {
    count: Arc<AtomicUsize>,
    done: Arc<Notify>,
}

struct InFlightGuard {
    count: Arc<AtomicUsize>,
    done: Arc<Notify>,
}

impl InFlight {
    fn enter(&self) -> InFlightGuard {
        self.count.fetch_add(1, Ordering::SeqCst);
        InFlightGuard {
            count: self.count.clone(),
            done: self.done.clone(),
        }
    }

    fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    async fn drained(&self) {
        loop {
            let notified = self.done.notified();
            if self.count() == 0 {
                return;
            }
            notified.await;
        }
    }
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        if self.count.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.done.notify_waiters();
        }
    }
}

/// Resolves once the server is told to stop.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

/// Set once SIGINT or SIGTERM arrives.
struct Stop {
    sender: Arc<watch::Sender<bool>>,
}

impl Stop {
    fn on_signals() -> std::io::Result<Stop> {
        use tokio::signal::unix::{SignalKind, signal};
        let (sender, _) = watch::channel(false);
        let sender = Arc::new(sender);
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        let notify = sender.clone();
        tokio::spawn(async move {
            let interrupt = pin!(interrupt.recv());
            let terminate = pin!(terminate.recv());
            select(interrupt, terminate).await;
            notify.send_replace(true);
        });
        Ok(Stop { sender })
    }

    fn receiver(&self) -> watch::Receiver<bool> {
        self.sender.subscribe()
    }
}
