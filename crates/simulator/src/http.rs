//! The simulator's HTTP/1.1 server: hyper's `http1` connection does the framing (request line,
//! headers, chunked bodies, keep-alive, pipelining, `Expect: 100-continue`, half-closed clients,
//! the header deadline); this module adds what the service's contract needs on top of it.
//! Routing stays by hand in `server` (a hyper `service_fn` calls it), so every rejection of a
//! request leaves in the service's error shape; axum is kept only for the `Body` and
//! `IntoResponse` types the operations build their answers with, not for its router.
//!
//! Added here: a body size limit and deadline, a deadline for writing the answer, an idle
//! deadline for kept-alive connections, and a connection cap where idle connections give way:
//! when every slot is taken, the connection idle longest (no request in flight) is closed for
//! the newcomer, and only when every slot has a request in flight is the newcomer answered
//! 503. Refusals decided here carry the service's shape (`X-Amzn-ErrorType`, JSON
//! `{"Message": …}`); malformed requests hyper refuses itself (400, 414, 431) keep hyper's
//! empty-bodied answer, and a client too slow with its headers is disconnected by hyper.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures::FutureExt;
use http_body_util::BodyExt;
use hyper::body::{Body as HttpBody, Bytes, Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::error::ApiError;

/// Deadlines and the connection cap (the `simulator` subcommand's flags set them).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections served at once; beyond it an idle one gives way, or the newcomer gets 503.
    pub max_connections: usize,
    /// hyper's header deadline: from the moment it waits for a request's head (the
    /// connection's start, or the end of the previous answer) to the head's end.
    pub header_timeout: Duration,
    /// From the end of the headers to the end of the body; also bounds writing the answer.
    pub body_timeout: Duration,
    /// How long a kept-alive connection may wait for its next request (hyper's header
    /// deadline also runs meanwhile, so the shorter of the two applies).
    pub idle_timeout: Duration,
}

/// Room for the request line in hyper's head limit (with [`MAX_HEADER_BYTES`]): the model
/// allows a NextToken of 65,535 characters, so the head must hold a target that long; hyper
/// itself refuses one over the 65,534 bytes a URI (the `http` crate's) can hold with 414.
pub const MAX_REQUEST_LINE_BYTES: usize = 64 * 1024;
/// Largest header section (without the request line), and most header fields.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;
pub const MAX_HEADERS: usize = 100;
/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// An oversized body is read and discarded up to this much so the client, still writing,
/// sees the 413 instead of a reset connection; beyond it the 413 is sent at once.
const DRAIN_LIMIT_BYTES: u64 = 64 * 1024 * 1024;
/// How long a refused connection may take to send the request its 503 answers.
const LINGER: Duration = Duration::from_millis(500);
/// Refused connections waiting at once; more are closed without an answer.
const MAX_LINGERING_REFUSALS: usize = 64;
/// How long the accept loop waits for an evicted connection to let go of its slot.
const EVICTION_WAIT: Duration = Duration::from_secs(1);

/// The request handler: the simulator's dispatch.
pub type Handler =
    Arc<dyn Fn(Request) -> Pin<Box<dyn Future<Output = Response> + Send>> + Send + Sync>;

/// Accepts and serves until `stop` turns true, then lets the current exchanges finish. The
/// caller bounds that wait; dropping this future aborts every connection.
pub async fn serve(
    listener: TcpListener,
    limits: Limits,
    handler: Handler,
    stop: watch::Receiver<bool>,
) {
    let slots = Slots::new(limits.max_connections);
    let lingering = Arc::new(Semaphore::new(MAX_LINGERING_REFUSALS));
    let mut connections = JoinSet::new();
    let mut stopping = stop.clone();
    loop {
        tokio::select! {
            () = stopped(&mut stopping) => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    match slots.claim().await {
                        Some(slot) => {
                            let served = serve_connection(
                                stream,
                                slot,
                                limits,
                                Arc::clone(&handler),
                                stop.clone(),
                            );
                            connections.spawn(served);
                        }
                        None => refuse(stream, &limits, &lingering, &mut connections),
                    }
                }
                // Out of descriptors or a connection reset before accept: wait, retry.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

/// Resolves once the server is told to stop (the guard `wait_for` returns is not `Send`).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await.map(|_| ());
}

/// hyper's connection settings: the limits above, and half-closed clients still answered.
fn builder(limits: &Limits) -> http1::Builder {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .half_close(true)
        .max_headers(MAX_HEADERS)
        .max_header_size(MAX_REQUEST_LINE_BYTES + MAX_HEADER_BYTES);
    builder
}

/// Answers a connection over the cap (every slot busy) with 503 in the service's shape, once
/// its request has arrived (hyper reads it, so the client reads the 503 rather than a reset).
/// Under a flood of refusals the socket is closed at once instead.
fn refuse(stream: TcpStream, limits: &Limits, lingering: &Arc<Semaphore>, tasks: &mut JoinSet<()>) {
    let Ok(permit) = Arc::clone(lingering).try_acquire_owned() else {
        return;
    };
    let max = limits.max_connections;
    let mut builder = builder(limits);
    builder.keep_alive(false).header_read_timeout(LINGER);
    tasks.spawn(async move {
        let _permit = permit;
        let service = service_fn(move |_request: hyper::Request<Incoming>| async move {
            let refusal = ApiError::ServiceUnavailable(format!(
                "The simulator is serving its limit of {max} connections; retry shortly"
            ));
            Ok::<_, Infallible>(closing(refusal))
        });
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let _ = tokio::time::timeout(LINGER, connection).await;
    });
}

/// An error of this layer in the service's shape; the connection closes after it (its
/// request may not have been read to its end).
fn closing(error: ApiError) -> Response {
    let mut response = error.into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// The connection cap: a semaphore of slots, and the state of every connection holding one so
/// that the idle one can be found when a newcomer needs its slot.
struct Slots {
    free: Arc<Semaphore>,
    held: Mutex<HashMap<u64, Arc<Tracker>>>,
    next_id: AtomicU64,
}

impl Slots {
    fn new(max: usize) -> Arc<Self> {
        Arc::new(Self {
            free: Arc::new(Semaphore::new(max)),
            held: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0),
        })
    }

    fn held(&self) -> MutexGuard<'_, HashMap<u64, Arc<Tracker>>> {
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A slot for a new connection: a free one, or the one of the connection idle longest,
    /// which is told to close; `None` when every slot has a request in flight.
    async fn claim(self: &Arc<Self>) -> Option<Slot> {
        let permit = match Arc::clone(&self.free).try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                let victim = self
                    .held()
                    .values()
                    .filter_map(|tracker| Some((tracker.idle_since()?, tracker)))
                    .min_by_key(|(since, _)| *since)
                    .map(|(_, tracker)| Arc::clone(tracker))?;
                if !victim.evict() {
                    return None;
                }
                // The evicted connection was idle: it lets go of its slot at once.
                tokio::time::timeout(EVICTION_WAIT, Arc::clone(&self.free).acquire_owned())
                    .await
                    .ok()?
                    .ok()?
            }
        };
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let tracker = Arc::new(Tracker::new());
        self.held().insert(id, Arc::clone(&tracker));
        Some(Slot {
            slots: Arc::clone(self),
            id,
            tracker,
            _permit: permit,
        })
    }
}

/// A connection's hold on a slot; dropping it frees the slot.
struct Slot {
    slots: Arc<Slots>,
    id: u64,
    tracker: Arc<Tracker>,
    _permit: OwnedSemaphorePermit,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.slots.held().remove(&self.id);
    }
}

/// What a connection is doing, as far as the cap and the deadlines care.
#[derive(Debug, Clone, Copy)]
enum Phase {
    /// No request in flight since `since` (its start, or the end of its last answer);
    /// `served` once it has had an answer (the idle deadline applies from then on).
    Idle { since: Instant, served: bool },
    /// A request in flight; `answered` once the handler is done and the answer is being
    /// written.
    Busy { answered: Option<Instant> },
    /// Chosen to make room for a newcomer: closes at once.
    Evicted,
}

/// A connection's phase, shared by its task, its requests and the accept loop.
struct Tracker {
    phase: Mutex<Phase>,
    wake: Notify,
}

impl Tracker {
    fn new() -> Self {
        Self {
            phase: Mutex::new(Phase::Idle {
                since: Instant::now(),
                served: false,
            }),
            wake: Notify::new(),
        }
    }

    fn phase(&self) -> MutexGuard<'_, Phase> {
        self.phase.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn idle_since(&self) -> Option<Instant> {
        match *self.phase() {
            Phase::Idle { since, .. } => Some(since),
            _ => None,
        }
    }

    /// Marks the connection evicted if it is still idle, and wakes its task.
    fn evict(&self) -> bool {
        let mut phase = self.phase();
        if !matches!(*phase, Phase::Idle { .. }) {
            return false;
        }
        *phase = Phase::Evicted;
        drop(phase);
        self.wake.notify_one();
        true
    }

    /// A request has arrived: false if the connection was evicted meanwhile.
    fn begin(self: &Arc<Self>) -> Option<InFlight> {
        let mut phase = self.phase();
        if matches!(*phase, Phase::Evicted) {
            return None;
        }
        *phase = Phase::Busy { answered: None };
        Some(InFlight(Arc::clone(self)))
    }

    fn answered(&self) {
        let mut phase = self.phase();
        if let Phase::Busy { answered } = &mut *phase {
            *answered = Some(Instant::now());
        }
        drop(phase);
        // The task's deadline changed: the answer must now be written in time.
        self.wake.notify_one();
    }

    /// What the connection's task does next at `now`.
    fn verdict(&self, limits: &Limits, now: Instant) -> Verdict {
        match *self.phase() {
            Phase::Evicted => Verdict::Close,
            Phase::Idle { since, served } => {
                if !served {
                    // A fresh connection: hyper's header deadline covers it.
                    Verdict::Wait(None)
                } else if now >= since + limits.idle_timeout {
                    Verdict::Close
                } else {
                    Verdict::Wait(Some(since + limits.idle_timeout))
                }
            }
            Phase::Busy { answered: None } => Verdict::Wait(None),
            Phase::Busy { answered: Some(at) } => {
                if now >= at + limits.body_timeout {
                    // The client does not read its answer: let the slot go.
                    Verdict::Close
                } else {
                    Verdict::Wait(Some(at + limits.body_timeout))
                }
            }
        }
    }
}

enum Verdict {
    /// Keep serving until this deadline (or a wake-up).
    Wait(Option<Instant>),
    Close,
}

/// A request in flight on a connection; dropped with its answer's body, once hyper has
/// taken the whole answer, it turns the connection idle.
struct InFlight(Arc<Tracker>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut phase = self.0.phase();
        if let Phase::Busy { .. } = *phase {
            *phase = Phase::Idle {
                since: Instant::now(),
                served: true,
            };
        }
        drop(phase);
        // The idle deadline starts now.
        self.0.wake.notify_one();
    }
}

/// An answer's body that keeps its request in flight until hyper is done with it.
struct Tracked {
    body: Body,
    _in_flight: InFlight,
}

impl HttpBody for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    // hyper frames the answer with Content-Length from the exact size.
    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// Serves one connection with hyper, closing it when it is evicted, idle past its deadline,
/// or too slow to take its answer; on stop, after its current exchange.
async fn serve_connection(
    stream: TcpStream,
    slot: Slot,
    limits: Limits,
    handler: Handler,
    mut stop: watch::Receiver<bool>,
) {
    let tracker = Arc::clone(&slot.tracker);
    let service = {
        let tracker = Arc::clone(&tracker);
        service_fn(move |request| {
            let answer = answer(request, Arc::clone(&tracker), limits, Arc::clone(&handler));
            answer.map(Ok::<_, Infallible>)
        })
    };
    let mut connection = pin!(builder(&limits).serve_connection(TokioIo::new(stream), service));
    let mut stopping = false;
    loop {
        let deadline = match tracker.verdict(&limits, Instant::now()) {
            Verdict::Close => break,
            // Nothing to watch but wake-ups: sleep for a day, the connection ends first.
            Verdict::Wait(deadline) => {
                deadline.unwrap_or_else(|| Instant::now() + Duration::from_secs(86_400))
            }
        };
        tokio::select! {
            _ = connection.as_mut() => return,
            () = tracker.wake.notified() => {}
            () = tokio::time::sleep_until(deadline) => {}
            () = stopped(&mut stop), if !stopping => {
                // Idle connections close at once; a request in flight is answered first.
                stopping = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
    // Closing: a connection that is truly idle ends cleanly here; one whose next request just
    // completed is answered (503, it was evicted) if that takes one turn; one half-way
    // through its headers is dropped.
    connection.as_mut().graceful_shutdown();
    let _ = futures::poll!(connection.as_mut());
    drop(slot);
}

/// One request: the checks of this layer, the body read within its limits, then the handler.
async fn answer(
    request: hyper::Request<Incoming>,
    tracker: Arc<Tracker>,
    limits: Limits,
    handler: Handler,
) -> hyper::Response<Tracked> {
    let Some(in_flight) = tracker.begin() else {
        // The slot went to a newcomer the moment this request arrived: the client retries.
        let refusal = ApiError::ServiceUnavailable(
            "The simulator closed this idle connection to serve another client; retry".into(),
        );
        return track(closing(refusal), InFlight(Arc::clone(&tracker)));
    };
    let response = match read_request(request, &limits).await {
        Ok(request) => AssertUnwindSafe(handler(request))
            .catch_unwind()
            .await
            .unwrap_or_else(|_| {
                ApiError::InternalServer("The simulator failed on this request".into())
                    .into_response()
            }),
        Err(error) => closing(error),
    };
    tracker.answered();
    track(response, in_flight)
}

fn track(response: Response, in_flight: InFlight) -> hyper::Response<Tracked> {
    response.map(|body| Tracked {
        body,
        _in_flight: in_flight,
    })
}

/// The request with its whole body, or the refusal of this layer: headers over their limit
/// (431), a body over its limit (413), too slow (408) or malformed (400).
async fn read_request(
    request: hyper::Request<Incoming>,
    limits: &Limits,
) -> Result<Request, ApiError> {
    let (parts, body) = request.into_parts();
    if header_bytes(&parts.headers) > MAX_HEADER_BYTES {
        return Err(ApiError::HeadersTooLarge(format!(
            "Request headers: larger than {MAX_HEADER_BYTES} bytes"
        )));
    }
    let deadline = Instant::now() + limits.body_timeout;
    let bytes = read_body(body, expects_continue(&parts.headers), deadline)
        .await
        .map_err(|error| match error {
            BodyError::TooLarge => ApiError::PayloadTooLarge(format!(
                "Request body: larger than the {MAX_BODY_BYTES} byte limit"
            )),
            BodyError::Timeout => ApiError::RequestTimeout(format!(
                "Request body: not complete within {} ms",
                limits.body_timeout.as_millis()
            )),
            BodyError::Malformed(why) => ApiError::validation(format!("Request body: {why}")),
        })?;
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// The header section's size as sent, near enough: each field's `name: value\r\n`.
fn header_bytes(headers: &HeaderMap) -> usize {
    headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum()
}

fn expects_continue(headers: &HeaderMap) -> bool {
    headers
        .get(header::EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"))
}

enum BodyError {
    TooLarge,
    Timeout,
    Malformed(String),
}

/// Reads the body whole, by `deadline`. An oversized one is read on and discarded (up to
/// [`DRAIN_LIMIT_BYTES`]) so that a client still writing it reads the 413 rather than a reset,
/// unless it waits for `100 Continue` (which hyper sends only if the body is read) or has
/// declared more than that.
async fn read_body(
    mut body: Incoming,
    expects_continue: bool,
    deadline: Instant,
) -> Result<Bytes, BodyError> {
    if let Some(declared) = body.size_hint().exact()
        && declared > MAX_BODY_BYTES as u64
        && (expects_continue || declared > DRAIN_LIMIT_BYTES)
    {
        return Err(BodyError::TooLarge);
    }
    let mut kept = Vec::new();
    let mut seen: u64 = 0;
    loop {
        let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) => return Err(BodyError::Timeout),
            Ok(None) => break,
            Ok(Some(Err(error))) => {
                // hyper's message is generic; its source says what was wrong.
                let why = match std::error::Error::source(&error) {
                    Some(source) => format!("{error}: {source}"),
                    None => error.to_string(),
                };
                return Err(BodyError::Malformed(why));
            }
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        seen += data.len() as u64;
        if seen > DRAIN_LIMIT_BYTES {
            return Err(BodyError::TooLarge);
        }
        if seen <= MAX_BODY_BYTES as u64 {
            kept.extend_from_slice(&data);
        }
    }
    if seen > MAX_BODY_BYTES as u64 {
        return Err(BodyError::TooLarge);
    }
    Ok(Bytes::from(kept))
}
