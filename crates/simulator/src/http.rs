//! The simulator's HTTP/1.1 server. It is written by hand because the service's contract
//! reaches down to this layer and hyper (behind `axum::serve`) cannot be configured without
//! more dependencies: hyper answers 400/414/431 with empty bodies, drops the answer to a
//! request whose client half-closed its side, and has no header, body or idle deadlines.
//!
//! Here every refusal leaves in the service's error shape (`X-Amzn-ErrorType`, JSON
//! `{"Message": …}`), a half-closed client gets its answer (the socket is not read while a
//! request is being answered), each phase has a deadline, and connections beyond
//! `max_connections` are answered 503 at once and closed, so floods of idle sockets cannot
//! use up the process's file descriptors.
//!
//! One request at a time per connection (pipelined requests wait their turn); a body is read
//! whole before the handler runs (the service's bodies are far below the limit).

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, Version, header};
use axum::response::{IntoResponse, Response};
use futures::FutureExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::error::ApiError;

/// Deadlines and the connection cap (the `simulator` subcommand's flags set them).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections served at once; one more is answered 503 and closed.
    pub max_connections: usize,
    /// From accepting a connection (or from the first byte of a later request) to the end of
    /// the request's headers.
    pub header_timeout: Duration,
    /// From the end of the headers to the end of the body; also bounds writing the answer.
    pub body_timeout: Duration,
    /// How long a kept-alive connection may wait for its next request.
    pub idle_timeout: Duration,
}

/// Longest request line. The model allows a NextToken of 65,535 characters, but a URI (the
/// `http` crate's) holds at most 65,534 bytes; anything longer is 414, not a transport failure.
pub const MAX_REQUEST_LINE_BYTES: usize = 64 * 1024;
const MAX_URI_BYTES: usize = u16::MAX as usize - 1;
/// Largest header section (without the request line), and most header fields.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;
pub const MAX_HEADERS: usize = 100;
/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// An oversized body is read and discarded up to this much so the client, still writing,
/// sees the 413 instead of a reset connection; beyond it the connection is closed.
const DRAIN_LIMIT_BYTES: u64 = 64 * 1024 * 1024;
/// A closing connection keeps reading (and discarding) this long after its last answer so
/// that unread request bytes do not turn the close into a reset that loses the answer.
const LINGER: Duration = Duration::from_millis(500);
/// Refused connections lingering at once; more are closed right after the 503 is queued.
const MAX_LINGERING_REFUSALS: usize = 64;
/// Longest chunk-size line of a chunked body.
const MAX_CHUNK_LINE: usize = 1024;

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
    let slots = Arc::new(Semaphore::new(limits.max_connections));
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
                    match Arc::clone(&slots).try_acquire_owned() {
                        Ok(slot) => {
                            let connection = Connection::new(stream, limits, stop.clone());
                            connections.spawn(connection.serve(Arc::clone(&handler), slot));
                        }
                        Err(_) => refuse(stream, &limits, &lingering, &mut connections),
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

/// Answers a connection over the cap with 503 in the service's shape. While few refusals
/// linger, the request is read and discarded briefly so the client reads the 503 rather than
/// a reset; under a flood the 503 is queued and the socket closed at once.
fn refuse(
    mut stream: TcpStream,
    limits: &Limits,
    lingering: &Arc<Semaphore>,
    tasks: &mut JoinSet<()>,
) {
    let refusal = ApiError::ServiceUnavailable(format!(
        "The simulator is serving its limit of {} connections; retry shortly",
        limits.max_connections
    ));
    let bytes = error_bytes(refusal);
    match Arc::clone(lingering).try_acquire_owned() {
        Ok(permit) => {
            tasks.spawn(async move {
                let _permit = permit;
                let written = tokio::time::timeout(LINGER, stream.write_all(&bytes)).await;
                if matches!(written, Ok(Ok(()))) {
                    linger(&mut stream).await;
                }
            });
        }
        Err(_) => {
            // A fresh socket's send buffer is empty: the whole 503 fits.
            let _ = stream.try_write(&bytes);
        }
    }
}

/// Shuts the write side and discards what the client still sends, for at most [`LINGER`].
async fn linger(stream: &mut TcpStream) {
    let _ = stream.shutdown().await;
    let deadline = Instant::now() + LINGER;
    let mut scratch = [0u8; 8192];
    while let Ok(Ok(n)) = tokio::time::timeout_at(deadline, stream.read(&mut scratch)).await {
        if n == 0 {
            break;
        }
    }
}

/// Why no request could be read.
enum Refusal {
    /// Nothing to answer: the client closed, stayed silent, or the server is stopping.
    Quiet,
    /// Answer with this error, then close.
    Answer(ApiError),
}

impl From<ApiError> for Refusal {
    fn from(error: ApiError) -> Self {
        Refusal::Answer(error)
    }
}

/// Why reading more bytes failed.
enum Short {
    Eof,
    Timeout,
    Io,
}

enum Framing {
    Length(u64),
    Chunked,
}

struct Connection {
    stream: TcpStream,
    /// Bytes read and not yet consumed (the start of the next request, when pipelined).
    buf: Vec<u8>,
    limits: Limits,
    stop: watch::Receiver<bool>,
}

impl Connection {
    fn new(stream: TcpStream, limits: Limits, stop: watch::Receiver<bool>) -> Self {
        Self {
            stream,
            buf: Vec::with_capacity(4096),
            limits,
            stop,
        }
    }

    async fn serve(mut self, handler: Handler, _slot: OwnedSemaphorePermit) {
        let mut first = true;
        loop {
            let request = match self.read_request(first).await {
                Ok(request) => request,
                Err(Refusal::Quiet) => return,
                Err(Refusal::Answer(error)) => {
                    self.write(&error_bytes(error)).await;
                    linger(&mut self.stream).await;
                    return;
                }
            };
            first = false;
            let head_only = request.method() == Method::HEAD;
            let keep_alive = wants_keep_alive(&request) && !*self.stop.borrow();
            let version = request.version();
            // The socket is not read meanwhile: a client that half-closed after sending its
            // request is still waiting for this answer.
            let response = AssertUnwindSafe(handler(request))
                .catch_unwind()
                .await
                .unwrap_or_else(|_| {
                    ApiError::InternalServer("The simulator failed on this request".into())
                        .into_response()
                });
            let (parts, body) = response.into_parts();
            let body = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let keep_alive = keep_alive && !*self.stop.borrow();
            let framing = Framed {
                keep_alive,
                head_only,
                version,
            };
            let bytes = serialize(&parts, &body, framing);
            if !self.write(&bytes).await {
                return;
            }
            if !keep_alive {
                linger(&mut self.stream).await;
                return;
            }
        }
    }

    /// Writes all of `bytes` within the body deadline; false if the client is gone or stalled.
    async fn write(&mut self, bytes: &[u8]) -> bool {
        matches!(
            tokio::time::timeout(self.limits.body_timeout, self.stream.write_all(bytes)).await,
            Ok(Ok(()))
        )
    }

    /// Reads more bytes into `buf` before `deadline` (or until the server stops, when `idle`).
    async fn fill(&mut self, deadline: Instant, idle: bool) -> Result<usize, Short> {
        let mut chunk = [0u8; 16 * 1024];
        let mut stop = self.stop.clone();
        let read = tokio::time::timeout_at(deadline, self.stream.read(&mut chunk));
        let result = if idle {
            tokio::select! {
                result = read => result,
                () = stopped(&mut stop) => return Err(Short::Eof),
            }
        } else {
            read.await
        };
        match result {
            Err(_) => Err(Short::Timeout),
            Ok(Err(_)) => Err(Short::Io),
            Ok(Ok(0)) => Err(Short::Eof),
            Ok(Ok(n)) => {
                self.buf.extend_from_slice(&chunk[..n]);
                Ok(n)
            }
        }
    }

    async fn read_request(&mut self, first: bool) -> Result<Request, Refusal> {
        let now = Instant::now();
        // A fresh connection must deliver its headers within the header deadline; a kept-alive
        // one may first stay idle for the idle deadline.
        let wait = if first {
            self.limits.header_timeout
        } else {
            self.limits.idle_timeout
        };
        let start_deadline = now + wait;
        loop {
            // Robustness (RFC 9112 §2.2): empty lines before a request line are ignored.
            let blank = self
                .buf
                .iter()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .count();
            self.buf.drain(..blank);
            if !self.buf.is_empty() {
                break;
            }
            if self.fill(start_deadline, true).await.is_err() {
                return Err(Refusal::Quiet);
            }
        }
        let head_deadline = if first {
            start_deadline
        } else {
            Instant::now() + self.limits.header_timeout
        };
        let head_len = self.read_head(head_deadline).await?;
        let head = parse_head(&self.buf[..head_len])?;
        self.buf.drain(..head_len);
        let framing = framing(&head)?;

        let body_deadline = Instant::now() + self.limits.body_timeout;
        if let Framing::Length(declared) = framing
            && declared > MAX_BODY_BYTES as u64
        {
            if declared <= DRAIN_LIMIT_BYTES && !expects_continue(&head) {
                self.discard(declared, body_deadline).await;
            }
            return Err(too_large().into());
        }
        if expects_continue(&head) {
            let _ = self
                .stream
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .await;
        }
        let body = match framing {
            Framing::Length(n) => {
                let n = usize::try_from(n).unwrap_or(usize::MAX);
                self.read_exact_body(n, body_deadline).await?
            }
            Framing::Chunked => self.read_chunked_body(body_deadline).await?,
        };
        let mut request = Request::new(Body::from(body));
        *request.method_mut() = head.method;
        *request.uri_mut() = head.uri;
        *request.version_mut() = head.version;
        *request.headers_mut() = head.headers;
        Ok(request)
    }

    /// Reads until the end of the header section; returns its length in `buf`.
    async fn read_head(&mut self, deadline: Instant) -> Result<usize, Refusal> {
        let mut scanned = 0;
        loop {
            if let Some(end) = head_end(&self.buf, scanned) {
                check_head_size(&self.buf[..end])?;
                return Ok(end);
            }
            // Resume the search a little before the old end: a terminator may straddle reads.
            scanned = self.buf.len().saturating_sub(3);
            // Refuse as soon as the limits are passed, without waiting for the end.
            check_head_size(&self.buf)?;
            match self.fill(deadline, false).await {
                Ok(_) => {}
                Err(Short::Timeout) => {
                    return Err(ApiError::RequestTimeout(format!(
                        "Request headers: not complete within {} ms",
                        self.limits.header_timeout.as_millis()
                    ))
                    .into());
                }
                Err(Short::Eof) => {
                    return Err(ApiError::validation(
                        "Request headers: the connection was closed before their end",
                    )
                    .into());
                }
                Err(Short::Io) => return Err(Refusal::Quiet),
            }
        }
    }

    /// Reads `n` body bytes; a short body is a 400, a slow one a 408.
    async fn read_exact_body(&mut self, n: usize, deadline: Instant) -> Result<Vec<u8>, Refusal> {
        while self.buf.len() < n {
            let have = self.buf.len();
            self.fill(deadline, false)
                .await
                .map_err(|short| self.body_failure(short, have, Some(n)))?;
        }
        let rest = self.buf.split_off(n);
        Ok(std::mem::replace(&mut self.buf, rest))
    }

    fn body_failure(&self, short: Short, have: usize, want: Option<usize>) -> Refusal {
        match short {
            Short::Timeout => Refusal::Answer(ApiError::RequestTimeout(format!(
                "Request body: not complete within {} ms",
                self.limits.body_timeout.as_millis()
            ))),
            Short::Eof => Refusal::Answer(ApiError::validation(match want {
                Some(want) => {
                    format!("Request body: the connection was closed after {have} of {want} bytes")
                }
                None => "Request body: the connection was closed inside the chunked body".into(),
            })),
            Short::Io => Refusal::Quiet,
        }
    }

    /// Reads a `Transfer-Encoding: chunked` body (trailers are read and ignored).
    async fn read_chunked_body(&mut self, deadline: Instant) -> Result<Vec<u8>, Refusal> {
        let mut body = Vec::new();
        let mut discarded: u64 = 0;
        loop {
            let line = self.read_line(deadline).await?;
            let size = chunk_size(&line)?;
            if size == 0 {
                break;
            }
            let size_usize = usize::try_from(size).unwrap_or(usize::MAX);
            if body.len().saturating_add(size_usize) > MAX_BODY_BYTES || discarded > 0 {
                // Over the limit: keep reading (to answer 413 rather than reset) but not keeping.
                discarded = discarded.saturating_add(size);
                if discarded > DRAIN_LIMIT_BYTES {
                    return Err(too_large().into());
                }
                self.discard(size, deadline).await;
            } else {
                let data = self.read_exact_body(size_usize, deadline).await?;
                body.extend_from_slice(&data);
            }
            let end = self.read_line(deadline).await?;
            if !end.is_empty() {
                return Err(
                    ApiError::validation("Request body: a chunk is longer than its size").into(),
                );
            }
        }
        // Trailer fields, up to the empty line.
        let mut trailer_bytes = 0;
        loop {
            let line = self.read_line(deadline).await?;
            if line.is_empty() {
                break;
            }
            trailer_bytes += line.len();
            if trailer_bytes > MAX_HEADER_BYTES {
                return Err(ApiError::HeadersTooLarge(format!(
                    "Request trailers: larger than {MAX_HEADER_BYTES} bytes"
                ))
                .into());
            }
        }
        if discarded > 0 {
            return Err(too_large().into());
        }
        Ok(body)
    }

    /// One CRLF- (or LF-) terminated line of a chunked body, without its terminator.
    async fn read_line(&mut self, deadline: Instant) -> Result<Vec<u8>, Refusal> {
        loop {
            if let Some(at) = self.buf.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.buf.drain(..=at).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(line);
            }
            if self.buf.len() > MAX_CHUNK_LINE {
                return Err(ApiError::validation("Request body: a chunk line is too long").into());
            }
            let have = self.buf.len();
            self.fill(deadline, false)
                .await
                .map_err(|short| self.body_failure(short, have, None))?;
        }
    }

    /// Reads and drops `n` bytes (or fewer, if the client stops or the deadline passes).
    async fn discard(&mut self, n: u64, deadline: Instant) {
        let mut left = n;
        let buffered = (self.buf.len() as u64).min(left);
        self.buf.drain(..buffered as usize);
        left -= buffered;
        let mut scratch = vec![0u8; 64 * 1024];
        while left > 0 {
            let want = usize::try_from(left)
                .unwrap_or(usize::MAX)
                .min(scratch.len());
            match tokio::time::timeout_at(deadline, self.stream.read(&mut scratch[..want])).await {
                Ok(Ok(n)) if n > 0 => left -= n as u64,
                _ => return,
            }
        }
    }
}

fn too_large() -> ApiError {
    ApiError::PayloadTooLarge(format!(
        "Request body: larger than the {MAX_BODY_BYTES} byte limit"
    ))
}

/// The end (exclusive) of the header section if `buf` holds it: after `\r\n\r\n` or `\n\n`.
fn head_end(buf: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(offset) = buf.get(i..)?.iter().position(|&b| b == b'\n') {
        let at = i + offset;
        match buf.get(at + 1) {
            Some(b'\n') => return Some(at + 2),
            Some(b'\r') if buf.get(at + 2) == Some(&b'\n') => return Some(at + 3),
            _ => i = at + 1,
        }
    }
    None
}

/// Refuses a head that has outgrown the limits before its end arrived.
fn check_head_size(buf: &[u8]) -> Result<(), ApiError> {
    match buf.iter().position(|&b| b == b'\n') {
        None if buf.len() > MAX_REQUEST_LINE_BYTES => Err(ApiError::UriTooLong(format!(
            "Request line: longer than {MAX_REQUEST_LINE_BYTES} bytes"
        ))),
        Some(line) if line > MAX_REQUEST_LINE_BYTES => Err(ApiError::UriTooLong(format!(
            "Request line: longer than {MAX_REQUEST_LINE_BYTES} bytes"
        ))),
        Some(line) if buf.len() - line > MAX_HEADER_BYTES => Err(ApiError::HeadersTooLarge(
            format!("Request headers: larger than {MAX_HEADER_BYTES} bytes"),
        )),
        _ => Ok(()),
    }
}

struct Head {
    method: Method,
    uri: Uri,
    version: Version,
    headers: HeaderMap,
}

fn parse_head(head: &[u8]) -> Result<Head, ApiError> {
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line));
    let request_line = lines.next().unwrap_or_default();
    if request_line.len() > MAX_REQUEST_LINE_BYTES {
        return Err(ApiError::UriTooLong(format!(
            "Request line: longer than {MAX_REQUEST_LINE_BYTES} bytes"
        )));
    }
    let mut parts = request_line.split(|&b| b == b' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ApiError::validation(
            "Request line: expected METHOD TARGET HTTP/1.1 separated by single spaces",
        ));
    };
    let version = match version {
        b"HTTP/1.1" => Version::HTTP_11,
        b"HTTP/1.0" => Version::HTTP_10,
        other => {
            return Err(ApiError::validation(format!(
                "Request line: only HTTP/1.0 and HTTP/1.1 are served, got {:?}",
                String::from_utf8_lossy(other)
            )));
        }
    };
    let method = Method::from_bytes(method)
        .map_err(|_| ApiError::validation("Request line: the method is not a valid token"))?;
    if !(target.starts_with(b"/") || target.starts_with(b"http://")) {
        return Err(ApiError::validation(
            "Request line: the target must be a path starting with '/'",
        ));
    }
    if target.len() > MAX_URI_BYTES {
        return Err(ApiError::UriTooLong(format!(
            "Request line: the target is longer than {MAX_URI_BYTES} bytes"
        )));
    }
    let uri = Uri::try_from(target)
        .map_err(|e| ApiError::validation(format!("Request line: invalid target: {e}")))?;

    let mut headers = HeaderMap::new();
    for line in lines.take_while(|line| !line.is_empty()) {
        if line.starts_with(b" ") || line.starts_with(b"\t") {
            return Err(ApiError::validation(
                "Request headers: obsolete line folding is not accepted",
            ));
        }
        let colon = line.iter().position(|&b| b == b':').ok_or_else(|| {
            ApiError::validation("Request headers: a header line has no ':' separator")
        })?;
        let name = HeaderName::from_bytes(&line[..colon]).map_err(|_| {
            ApiError::validation("Request headers: a header name is not a valid token")
        })?;
        let value = line[colon + 1..].trim_ascii();
        let value = HeaderValue::from_bytes(value).map_err(|_| {
            ApiError::validation(format!(
                "Request headers: the value of {name} holds control characters"
            ))
        })?;
        if headers.len() >= MAX_HEADERS {
            return Err(ApiError::HeadersTooLarge(format!(
                "Request headers: more than {MAX_HEADERS} fields"
            )));
        }
        headers.append(name, value);
    }
    Ok(Head {
        method,
        uri,
        version,
        headers,
    })
}

/// How the body is delimited (RFC 9112 §6.3), refusing the ambiguous cases a proxy and this
/// server could read differently (request smuggling).
fn framing(head: &Head) -> Result<Framing, ApiError> {
    let lengths: Vec<&HeaderValue> = head
        .headers
        .get_all(header::CONTENT_LENGTH)
        .iter()
        .collect();
    let encodings: Vec<&HeaderValue> = head
        .headers
        .get_all(header::TRANSFER_ENCODING)
        .iter()
        .collect();
    if !encodings.is_empty() {
        if !lengths.is_empty() {
            return Err(ApiError::validation(
                "Request headers: both Content-Length and Transfer-Encoding are present",
            ));
        }
        let chunked_only = head.version == Version::HTTP_11
            && encodings.len() == 1
            && encodings[0].as_bytes().eq_ignore_ascii_case(b"chunked");
        if !chunked_only {
            return Err(ApiError::validation(
                "Request headers: Transfer-Encoding must be exactly 'chunked' (HTTP/1.1)",
            ));
        }
        return Ok(Framing::Chunked);
    }
    let Some(first) = lengths.first() else {
        return Ok(Framing::Length(0));
    };
    let parse = |value: &HeaderValue| {
        let digits = value.as_bytes();
        (!digits.is_empty() && digits.iter().all(u8::is_ascii_digit))
            .then(|| std::str::from_utf8(digits).ok()?.parse::<u64>().ok())
            .flatten()
    };
    let length = parse(first).ok_or_else(|| {
        ApiError::validation("Request headers: Content-Length must be a decimal number")
    })?;
    if lengths.iter().any(|value| parse(value) != Some(length)) {
        return Err(ApiError::validation(
            "Request headers: Content-Length is given more than once with different values",
        ));
    }
    Ok(Framing::Length(length))
}

fn chunk_size(line: &[u8]) -> Result<u64, ApiError> {
    let size = line.split(|&b| b == b';').next().unwrap_or_default();
    let size = size.trim_ascii();
    let invalid = || ApiError::validation("Request body: invalid chunk size");
    if size.is_empty() || size.len() > 15 || !size.iter().all(u8::is_ascii_hexdigit) {
        return Err(invalid());
    }
    u64::from_str_radix(std::str::from_utf8(size).map_err(|_| invalid())?, 16)
        .map_err(|_| invalid())
}

fn expects_continue(head: &Head) -> bool {
    head.version == Version::HTTP_11
        && head
            .headers
            .get(header::EXPECT)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"))
}

/// HTTP/1.1 keeps the connection unless told to close; HTTP/1.0 only when asked to keep it.
fn wants_keep_alive(request: &Request) -> bool {
    let connection = request
        .headers()
        .get_all(header::CONNECTION)
        .iter()
        .flat_map(|v| v.to_str().unwrap_or("").split(','))
        .map(|token| token.trim().to_ascii_lowercase())
        .collect::<Vec<_>>();
    if connection.iter().any(|t| t == "close") {
        return false;
    }
    request.version() == Version::HTTP_11 || connection.iter().any(|t| t == "keep-alive")
}

/// How a response is framed on this connection.
#[derive(Clone, Copy)]
struct Framed {
    keep_alive: bool,
    /// An answer to HEAD: headers only.
    head_only: bool,
    /// The request's version: an HTTP/1.0 client is told explicitly when the connection stays.
    version: Version,
}

/// The bytes of a response: status line, the handler's headers with this layer's framing
/// headers, and the body (none for HEAD, 204 and 304).
fn serialize(parts: &axum::http::response::Parts, body: &[u8], framed: Framed) -> Vec<u8> {
    let status = parts.status;
    let mut out = Vec::with_capacity(256 + body.len());
    out.extend_from_slice(
        format!(
            "HTTP/1.1 {} {}\r\n",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        )
        .as_bytes(),
    );
    for (name, value) in &parts.headers {
        if name == header::CONTENT_LENGTH
            || name == header::TRANSFER_ENCODING
            || name == header::CONNECTION
        {
            continue;
        }
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    let bodiless = status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED
        || status.is_informational();
    if !bodiless {
        out.extend_from_slice(format!("content-length: {}\r\n", body.len()).as_bytes());
    }
    if !framed.keep_alive {
        out.extend_from_slice(b"connection: close\r\n");
    } else if framed.version == Version::HTTP_10 {
        out.extend_from_slice(b"connection: keep-alive\r\n");
    }
    out.extend_from_slice(b"\r\n");
    if !bodiless && !framed.head_only {
        out.extend_from_slice(body);
    }
    out
}

/// An error of this layer as bytes, in the service's shape; the connection closes after it.
fn error_bytes(error: ApiError) -> Vec<u8> {
    let body = error.body().to_string();
    let (parts, _) = error.into_response().into_parts();
    let framed = Framed {
        keep_alive: false,
        head_only: false,
        version: Version::HTTP_11,
    };
    serialize(&parts, body.as_bytes(), framed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_end_finds_either_terminator_across_reads() {
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nA: b\r\n\r\nrest", 0), Some(24));
        assert_eq!(head_end(b"GET / HTTP/1.1\nA: b\n\nrest", 0), Some(21));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nA: b\r\n", 0), None);
        let buf = b"GET / HTTP/1.1\r\n\r\n";
        assert_eq!(head_end(buf, buf.len() - 3), Some(buf.len()));
    }

    #[test]
    fn heads_parse_and_refuse_with_reasons() {
        let head = parse_head(b"POST /a?b=c HTTP/1.1\r\nHost: x\r\nX-A:  v \r\n\r\n").expect("ok");
        assert_eq!(head.method, Method::POST);
        assert_eq!(head.uri.query(), Some("b=c"));
        assert_eq!(head.headers["x-a"], "v");
        for (bad, why) in [
            (&b"GET /\r\n\r\n"[..], "expected METHOD"),
            (b"GET  / HTTP/1.1\r\n\r\n", "expected METHOD"),
            (b"GET / HTTP/2.0\r\n\r\n", "only HTTP/1.0"),
            (b"G(T / HTTP/1.1\r\n\r\n", "method"),
            (b"GET x HTTP/1.1\r\n\r\n", "starting with '/'"),
            (b"GET / HTTP/1.1\r\nA b\r\n\r\n", "no ':'"),
            (b"GET / HTTP/1.1\r\nA : b\r\n\r\n", "not a valid token"),
            (b"GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", "folding"),
            (b"GET / HTTP/1.1\r\nA: b\x01\r\n\r\n", "control"),
        ] {
            let err = parse_head(bad).err().expect("refused");
            assert_eq!(err.status(), StatusCode::BAD_REQUEST, "{bad:?}");
            assert!(err.message().contains(why), "{bad:?}: {}", err.message());
        }
        let many: String = (0..=MAX_HEADERS).map(|i| format!("h{i}: v\r\n")).collect();
        let err = parse_head(format!("GET / HTTP/1.1\r\n{many}\r\n").as_bytes())
            .err()
            .expect("too many");
        assert_eq!(err.status(), StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    }

    #[test]
    fn ambiguous_framing_is_refused() {
        let framing_of = |head: &str| framing(&parse_head(head.as_bytes()).expect("head"));
        assert!(matches!(
            framing_of("GET / HTTP/1.1\r\n\r\n"),
            Ok(Framing::Length(0))
        ));
        assert!(matches!(
            framing_of("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"),
            Ok(Framing::Length(5))
        ));
        assert!(matches!(
            framing_of("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n"),
            Ok(Framing::Chunked)
        ));
        for bad in [
            "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: 1e3\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
        ] {
            assert!(framing_of(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn chunk_sizes() {
        assert_eq!(chunk_size(b"1a").ok(), Some(26));
        assert_eq!(chunk_size(b"0;name=value").ok(), Some(0));
        for bad in [&b""[..], b"g", b"-1", b"fffffffffffffffff"] {
            assert!(chunk_size(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn oversized_heads_are_414_or_431() {
        let line = vec![b'a'; MAX_REQUEST_LINE_BYTES + 1];
        assert_eq!(
            check_head_size(&line).err().map(|e| e.status()),
            Some(StatusCode::URI_TOO_LONG)
        );
        let mut head = b"GET / HTTP/1.1\r\n".to_vec();
        head.extend(vec![b'a'; MAX_HEADER_BYTES + 1]);
        assert_eq!(
            check_head_size(&head).err().map(|e| e.status()),
            Some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE)
        );
    }
}
