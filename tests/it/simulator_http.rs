//! The simulator's HTTP layer seen from raw sockets: what no SDK would send (half-closed
//! requests, slow or stalled clients, floods of idle connections, malformed framing), and the
//! answers it must still give in the service's error shape.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::e2e::wait_until;
use crate::common::{self, FAKE_SIGV4, config, start};
use iotmi_simulator::SimConfig;

/// One HTTP answer: status, lower-cased header names, body.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: HashMap<String, String>,
    body: String,
}

impl Reply {
    /// Asserts the service's error shape: the error type header, JSON with a non-empty Message.
    fn assert_service_error(&self, status: u16, error_type: &str) {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(
            self.headers.get("x-amzn-errortype").map(String::as_str),
            Some(error_type),
            "{self:?}"
        );
        assert_eq!(
            self.headers.get("content-type").map(String::as_str),
            Some("application/json"),
            "{self:?}"
        );
        let json: serde_json::Value =
            serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {self:?}"));
        assert!(
            json["Message"].as_str().is_some_and(|m| !m.is_empty()),
            "{self:?}"
        );
    }

    /// A malformed request hyper refused before the simulator saw it: its status, no body,
    /// and the connection closed.
    fn assert_hyper_refusal(&self, status: u16) {
        assert_eq!(self.status, status, "{self:?}");
        assert!(self.body.is_empty(), "{self:?}");
        assert_eq!(
            self.headers.get("connection").map(String::as_str),
            Some("close"),
            "{self:?}"
        );
    }
}

/// Reads one response (framed by Content-Length) from `reader`; None if the server closed
/// the connection before a whole response arrived.
fn read_reply(reader: &mut impl BufRead) -> Option<Reply> {
    let mut status_line = String::new();
    reader.read_line(&mut status_line).ok()?;
    let status = status_line.split(' ').nth(1)?.parse().ok()?;
    let mut headers = HashMap::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("read timeout");
    stream
}

/// Sends `request` on a fresh connection and reads one answer.
fn exchange(addr: SocketAddr, request: &[u8]) -> Reply {
    let mut stream = connect(addr);
    // The server may answer (and close) before everything is written: ignore write errors.
    let _ = stream.write_all(request);
    read_reply(&mut BufReader::new(stream)).expect("an answer")
}

/// Sends `request` on a fresh connection, shuts down the write side at once (as some clients
/// and proxies do) and reads until the server closes.
fn half_closed(addr: SocketAddr, request: &str) -> String {
    let mut stream = connect(addr);
    stream.write_all(request.as_bytes()).expect("send");
    stream.shutdown(Shutdown::Write).expect("half-close");
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    String::from_utf8_lossy(&reply).into_owned()
}

fn get(addr: SocketAddr, path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {FAKE_SIGV4}\r\n\r\n")
}

fn post(addr: SocketAddr, path: &str, body: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {FAKE_SIGV4}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// The server's side closed: a read returns end-of-file (or a reset) within `within`.
fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    stream.set_read_timeout(Some(within)).expect("timeout");
    let mut byte = [0u8; 1];
    match stream.read(&mut byte) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => e.kind() == std::io::ErrorKind::ConnectionReset,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_closed_requests_are_all_answered() {
    let sim = start(config()).await;
    let addr = sim.addr;
    let (gets, creates) = tokio::task::spawn_blocking(move || {
        let gets = (0..200)
            .filter(|_| {
                half_closed(addr, &get(addr, "/cloud-connectors")).starts_with("HTTP/1.1 200")
            })
            .count();
        let creates = (0..200)
            .filter(|i| {
                let body =
                    format!(r#"{{"ConnectorDestinationId":"acme-home-eu","Name":"Half {i}"}}"#);
                half_closed(addr, &post(addr, "/account-associations", &body))
                    .starts_with("HTTP/1.1 201")
            })
            .count();
        (gets, creates)
    })
    .await
    .expect("join");
    assert_eq!(
        (gets, creates),
        (200, 200),
        "answered GETs and creates of 200 each"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_layer_errors_leave_in_the_service_shape() {
    let sim = start(config()).await;
    let addr = sim.addr;
    tokio::task::spawn_blocking(move || {
        // 414: a request line over the 64 KiB limit, or a target over the 65,534 bytes a URI
        // can hold: refused by hyper, with its empty answer.
        let long = format!("/cloud-connectors?NextToken={}", "a".repeat(70 * 1024));
        exchange(addr, get(addr, &long).as_bytes()).assert_hyper_refusal(414);
        let just_over = format!("/cloud-connectors?NextToken={}", "a".repeat(65_510));
        exchange(addr, get(addr, &just_over).as_bytes()).assert_hyper_refusal(414);
        // A 60,000-character NextToken reaches the operation, which judges it.
        let long_token = format!("/cloud-connectors?NextToken={}", "a".repeat(60_000));
        let reply = exchange(addr, get(addr, &long_token).as_bytes());
        reply.assert_service_error(400, "ValidationException");
        assert!(reply.body.contains("NextToken"), "{reply:?}");

        // 431: one huge header (over the 32 KiB the simulator allows), or too many (hyper's).
        let huge = format!(
            "GET /cloud-connectors HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
            "b".repeat(40 * 1024)
        );
        exchange(addr, huge.as_bytes()).assert_service_error(431, "ValidationException");
        let many: String = (0..150).map(|i| format!("X-H{i}: v\r\n")).collect();
        let many = format!("GET /cloud-connectors HTTP/1.1\r\nHost: x\r\n{many}\r\n");
        exchange(addr, many.as_bytes()).assert_hyper_refusal(431);

        // 400: a head hyper cannot parse, or framing a server and a proxy could read
        // differently.
        for bad in [
            "HELLO\r\n\r\n",
            "GET /cloud-connectors HTTP/2.0\r\n\r\n",
            "GET /cloud-connectors HTTP/1.1\r\nBad Header: x\r\n\r\n",
            "POST /account-associations HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
        ] {
            exchange(addr, bad.as_bytes()).assert_hyper_refusal(400);
        }
        // A body found malformed while the simulator reads it (Transfer-Encoding wins over
        // Content-Length, so `{}` is read as a chunk size).
        for bad in [
            "POST /account-associations HTTP/1.1\r\nContent-Length: 2\r\n\
             Transfer-Encoding: chunked\r\n\r\n{}",
            "POST /account-associations HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        ] {
            exchange(addr, bad.as_bytes()).assert_service_error(400, "ValidationException");
        }

        // 413: a body over 1 MiB, sent (read and discarded, then refused) or only declared.
        let body = "x".repeat(2 * 1024 * 1024);
        exchange(addr, post(addr, "/account-associations", &body).as_bytes())
            .assert_service_error(413, "ValidationException");
        let declared = "POST /account-associations HTTP/1.1\r\nHost: x\r\n\
                        Content-Length: 104857600\r\n\r\n";
        exchange(addr, declared.as_bytes()).assert_service_error(413, "ValidationException");
    })
    .await
    .expect("join");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_alive_pipelining_chunked_bodies_and_expect_continue_work() {
    let sim = start(config()).await;
    let addr = sim.addr;
    tokio::task::spawn_blocking(move || {
        // Two requests in one write: two answers, in order, on one connection.
        let mut stream = connect(addr);
        let two = format!(
            "{}{}",
            get(addr, "/cloud-connectors/acme-home-cloud"),
            get(addr, "/cloud-connectors/nope")
        );
        stream.write_all(two.as_bytes()).expect("send");
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        let first = read_reply(&mut reader).expect("first");
        let second = read_reply(&mut reader).expect("second");
        assert_eq!((first.status, second.status), (200, 404));
        assert!(first.body.contains("Acme Home Cloud"), "{first:?}");

        // A chunked body, as a streaming client sends it.
        let body = r#"{"ConnectorDestinationId":"acme-home-eu","Name":"Chunked"}"#;
        let (a, b) = body.split_at(20);
        let chunked = format!(
            "POST /account-associations HTTP/1.1\r\nHost: x\r\nAuthorization: {FAKE_SIGV4}\r\n\
             Transfer-Encoding: chunked\r\n\r\n{:x}\r\n{a}\r\n{:x};ext=1\r\n{b}\r\n0\r\n\r\n",
            a.len(),
            b.len()
        );
        stream.write_all(chunked.as_bytes()).expect("send");
        let created = read_reply(&mut reader).expect("created");
        assert_eq!(created.status, 201, "{created:?}");

        // Expect: 100-continue (curl sends it for larger bodies): 100 first, then the answer.
        let body = r#"{"ConnectorDestinationId":"acme-home-eu","Name":"Continued"}"#;
        let head = format!(
            "POST /account-associations HTTP/1.1\r\nHost: x\r\nAuthorization: {FAKE_SIGV4}\r\n\
             Content-Length: {}\r\nExpect: 100-continue\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).expect("head");
        let interim = read_reply(&mut reader).expect("100 Continue");
        assert_eq!(interim.status, 100);
        stream.write_all(body.as_bytes()).expect("body");
        assert_eq!(read_reply(&mut reader).expect("answer").status, 201);
    })
    .await
    .expect("join");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_meet_deadlines_and_patient_ones_their_answer() {
    let sim = start(SimConfig {
        header_timeout_ms: 400,
        body_timeout_ms: 400,
        idle_timeout_ms: 300,
        ..config()
    })
    .await;
    let addr = sim.addr;
    tokio::task::spawn_blocking(move || {
        // Headers trickling in past the deadline: hyper closes the connection, without an
        // answer.
        let mut stream = connect(addr);
        let request = get(addr, "/cloud-connectors");
        let started = Instant::now();
        for byte in request.as_bytes().iter().take(30) {
            if stream.write_all(&[*byte]).is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
        assert!(rest.is_empty(), "{}", String::from_utf8_lossy(&rest));
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );

        // A body that stalls after its headers.
        let mut stream = connect(addr);
        let head = "POST /account-associations HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{";
        stream.write_all(head.as_bytes()).expect("send");
        let reply = read_reply(&mut BufReader::new(stream)).expect("408");
        reply.assert_service_error(408, "RequestTimeoutException");
        assert!(reply.body.contains("body"), "{reply:?}");

        // Slow but within the deadline: answered.
        let mut stream = connect(addr);
        let request = get(addr, "/cloud-connectors");
        let (a, b) = request.split_at(request.len() / 2);
        stream.write_all(a.as_bytes()).expect("first half");
        std::thread::sleep(Duration::from_millis(150));
        stream.write_all(b.as_bytes()).expect("second half");
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        assert_eq!(read_reply(&mut reader).expect("answer").status, 200);

        // Kept alive, then idle past the idle deadline: closed without a word.
        let idle_from = Instant::now();
        assert!(
            closed_within(&mut stream, Duration::from_secs(5)),
            "idle connection closed"
        );
        let idle = idle_from.elapsed();
        assert!(
            idle >= Duration::from_millis(250) && idle < Duration::from_secs(3),
            "{idle:?}"
        );

        // Connected and silent: closed after the header deadline, with nothing sent.
        let mut silent = connect(addr);
        let started = Instant::now();
        let mut rest = Vec::new();
        let _ = silent.read_to_end(&mut rest);
        assert!(rest.is_empty(), "{}", String::from_utf8_lossy(&rest));
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(350) && waited < Duration::from_secs(3),
            "{waited:?}"
        );
    })
    .await
    .expect("join");
    sim.shutdown().await;
}

/// A connection that has had one answer and stays open, kept alive and idle.
fn answered_connection(addr: SocketAddr) -> TcpStream {
    let mut stream = connect(addr);
    stream
        .write_all(get(addr, "/cloud-connectors").as_bytes())
        .expect("send");
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    assert_eq!(read_reply(&mut reader).expect("answer").status, 200);
    stream
}

/// A connection whose request is in flight: its headers arrived, its body is still awaited
/// (for the 30 s body deadline).
fn busy_connection(addr: SocketAddr) -> TcpStream {
    let mut stream = connect(addr);
    let head = "POST /account-associations HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{";
    stream.write_all(head.as_bytes()).expect("send");
    // Long enough for the server to read the headers: only then is the request in flight.
    std::thread::sleep(Duration::from_millis(100));
    stream
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_cap_idle_connections_give_way_and_busy_ones_get_503() {
    let sim = start(SimConfig {
        max_connections: 4,
        ..config()
    })
    .await;
    let addr = sim.addr;
    tokio::task::spawn_blocking(move || {
        // Four kept-alive idle connections take every slot; a newcomer is served all the same,
        // and the connection idle longest (the first) is the one closed for it.
        let mut idle: Vec<TcpStream> = (0..4).map(|_| answered_connection(addr)).collect();
        let reply = exchange(addr, get(addr, "/cloud-connectors").as_bytes());
        assert_eq!(reply.status, 200, "{reply:?}");
        assert!(
            closed_within(&mut idle[0], Duration::from_secs(2)),
            "the connection idle longest gave way"
        );
        assert!(
            !closed_within(&mut idle[3], Duration::from_millis(200)),
            "the most recently active one stays"
        );
        drop(idle);
        std::thread::sleep(Duration::from_millis(200));

        // Four connections with a request in flight: none gives way, a newcomer gets 503 at
        // once in the service's shape.
        let mut busy: Vec<TcpStream> = (0..4).map(|_| busy_connection(addr)).collect();
        let started = Instant::now();
        let reply = exchange(addr, get(addr, "/cloud-connectors").as_bytes());
        reply.assert_service_error(503, "ServiceUnavailableException");
        assert!(reply.body.contains("limit of 4 connections"), "{reply:?}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "shed at once, not queued"
        );
        for stream in &mut busy {
            assert!(
                !closed_within(stream, Duration::from_millis(50)),
                "a busy connection was closed"
            );
        }

        // One leaves: the next client is served.
        drop(busy.pop());
        wait_until("a free slot", || {
            exchange(addr, get(addr, "/cloud-connectors").as_bytes()).status == 200
        });
    })
    .await
    .expect("join");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hundred_idle_reconnecting_connections_do_not_lock_out_a_client() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use tokio::io::AsyncReadExt;

    const HOLDERS: usize = 300;
    // The default cap (256): 300 idle connections would take every slot.
    let sim = start(config()).await;
    let addr = sim.addr;
    let stop = Arc::new(AtomicBool::new(false));
    let connects = Arc::new(AtomicUsize::new(0));
    // Each holder connects, sends nothing, and reconnects as soon as the server closes it.
    let holders: Vec<_> = (0..HOLDERS)
        .map(|_| {
            let (stop, connects) = (Arc::clone(&stop), Arc::clone(&connects));
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let Ok(mut stream) = tokio::net::TcpStream::connect(addr).await else {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    };
                    connects.fetch_add(1, Ordering::Relaxed);
                    let mut byte = [0u8; 1];
                    while !stop.load(Ordering::Relaxed) {
                        let read = tokio::time::timeout(
                            Duration::from_millis(100),
                            stream.read(&mut byte),
                        )
                        .await;
                        if let Ok(Ok(0) | Err(_)) = read {
                            break; // closed by the server: reconnect
                        }
                    }
                }
            })
        })
        .collect();
    let all_connected = Instant::now() + Duration::from_secs(10);
    while connects.load(Ordering::Relaxed) < HOLDERS {
        assert!(
            Instant::now() < all_connected,
            "the holders did not connect"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // Another client, one request per fresh connection: every one answered, promptly.
    let started = Instant::now();
    let (answered, slowest) = tokio::task::spawn_blocking(move || {
        let mut slowest = Duration::ZERO;
        let answered = (0..50)
            .filter(|_| {
                let sent = Instant::now();
                let reply = exchange(addr, get(addr, "/cloud-connectors").as_bytes());
                slowest = slowest.max(sent.elapsed());
                reply.status == 200
            })
            .count();
        (answered, slowest)
    })
    .await
    .expect("join");
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    for holder in holders {
        holder.await.expect("holder");
    }
    eprintln!(
        "{answered}/50 answered in {elapsed:?} (slowest {slowest:?}) beside {HOLDERS} idle \
         connections that made {} connects",
        connects.load(Ordering::Relaxed)
    );
    assert_eq!(answered, 50, "every request answered");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    sim.shutdown().await;
}

/// Kills a child process if the test fails before it is reaped.
struct Reap(Child);

impl Drop for Reap {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Opens N connections to HOST:PORT and holds them until stdin closes; prints how many
/// opened. Connects are non-blocking, a few hundred in flight: a SYN dropped while the
/// listen queue is full delays that socket only, not the whole flood.
const FLOODER: &str = r#"
import errno, resource, select, socket, sys, time
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
held, failed, pending = [], 0, {}
poller = select.poll()
deadline = time.time() + 90
while len(held) + failed < n and time.time() < deadline:
    while len(pending) < 512 and len(held) + failed + len(pending) < n:
        s = socket.socket()
        s.setblocking(False)
        if s.connect_ex((host, port)) not in (0, errno.EINPROGRESS):
            failed += 1
            s.close()
            continue
        pending[s.fileno()] = s
        poller.register(s, select.POLLOUT)
    for fd, _ in poller.poll(100):
        s = pending.pop(fd)
        poller.unregister(fd)
        if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
            held.append(s)
        else:
            failed += 1
            s.close()
failed += len(pending)
print(f"opened {len(held)} failed {failed}", flush=True)
sys.stdin.read()
"#;

fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, Iterator::count)
}

#[test]
fn twenty_thousand_idle_sockets_do_not_exhaust_descriptors() {
    const CAP: usize = 64;
    // The real binary with 256 descriptors: without the cap, 20,000 idle sockets would take
    // them all and no request could be accepted.
    let command = format!(
        "ulimit -n 256 && exec {} simulator --port 0 --max-connections {CAP} --header-timeout-ms 1500",
        common::bin::BIN
    );
    let mut sim = Reap(
        Command::new("sh")
            .args(["-c", &command])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the simulator"),
    );
    let pid = sim.0.id();
    let mut line = String::new();
    BufReader::new(sim.0.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("endpoint line");
    let addr: SocketAddr = line
        .trim()
        .strip_prefix("endpoint: http://")
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("{line:?}"));

    let flooders: Vec<Reap> = (0..2)
        .map(|_| {
            Reap(
                Command::new("python3")
                    .args([
                        "-c",
                        FLOODER,
                        "127.0.0.1",
                        &addr.port().to_string(),
                        "10000",
                    ])
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .spawn()
                    .expect("spawn python3"),
            )
        })
        .collect();
    let (tx, rx) = std::sync::mpsc::channel();
    let mut flooders = flooders;
    for flooder in &mut flooders {
        let stdout = flooder.0.stdout.take().expect("stdout");
        let tx = tx.clone();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
    }
    let mut most_fds = 0;
    let mut reports = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while reports.len() < 2 {
        assert!(
            Instant::now() < deadline,
            "the flood did not finish: {reports:?}"
        );
        most_fds = most_fds.max(open_fds(pid));
        if let Ok(report) = rx.recv_timeout(Duration::from_millis(20)) {
            reports.push(report);
        }
    }
    let opened: usize = reports
        .iter()
        .filter_map(|r| r.split(' ').nth(1)?.parse::<usize>().ok())
        .sum();
    assert_eq!(opened, 20_000, "{reports:?}");
    assert!(
        most_fds <= CAP + 64 + 32,
        "the simulator held {most_fds} descriptors with a cap of {CAP}"
    );

    // While the 20,000 sockets stay open: a new client is answered at once (an idle socket
    // gives way; 503 only if its request would race a slot it cannot get) ...
    let reply = exchange(addr, get(addr, "/cloud-connectors").as_bytes());
    assert!(reply.status == 200 || reply.status == 503, "{reply:?}");
    if reply.status == 503 {
        reply.assert_service_error(503, "ServiceUnavailableException");
    }
    // ... and served.
    wait_until("a served request during the flood", || {
        exchange(addr, get(addr, "/cloud-connectors").as_bytes()).status == 200
    });
    assert!(open_fds(pid) <= CAP + 64 + 32);
    drop(flooders);
    assert!(
        sim.0.try_wait().expect("wait").is_none(),
        "the simulator is alive"
    );
    common::bin::signal(pid, "TERM");
    let status = sim.0.wait().expect("wait");
    assert_eq!(status.code(), Some(0));
}
