//! An in-process simulator of the `iot-managed-integrations` service (restJson1 over HTTP
//! on 127.0.0.1). It shares nothing with the wizard but the wire contract.
//!
//! Layout: this file holds the configuration and the running handle; `http` serves HTTP/1.1
//! with hyper and adds deadlines, the connection cap and its refusals in the service's shape,
//! `server` routes and applies auth and faults, `api` implements the operations, `store`
//! keeps associations and their time-driven lifecycle (`devices` their discoveries and managed
//! things, `device_api` those operations), `validate` and `paging` hold the
//! model's input rules, `oauth` builds authorization URLs, `consent` serves the browser's
//! side of account linking, `fixtures` the catalogue, `error` the wire error.

mod api;
mod consent;
mod device_api;
mod devices;
mod error;
mod fixtures;
mod http;
mod oauth;
mod paging;
mod server;
mod store;
mod validate;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use error::ApiError;

/// Options of the simulator; the same struct is the `simulator` subcommand's flags.
#[derive(clap::Args, Clone, Debug)]
pub struct SimConfig {
    /// Port to bind on 127.0.0.1 (0 picks any free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// JSON fixtures file replacing the built-in connectors, destinations and associations.
    #[arg(long, value_name = "FILE")]
    pub seed: Option<PathBuf>,
    /// Number of generated connector destinations to add (`Generated destination 00042`…).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub destinations: usize,
    /// Number of generated account associations to add, spread over the destinations
    /// (`Generated association 00042`…, ids fixed by number): mostly ASSOCIATION_SUCCEEDED,
    /// one in twenty each ASSOCIATION_FAILED, REFRESH_TOKEN_EXPIRED (FAILED on General
    /// Authorization destinations) and ASSOCIATION_IN_PROGRESS, with error messages where
    /// the state has one; every third tagged.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub associations: usize,
    /// Managed things registered with every generated association that has succeeded (or
    /// whose refresh token expired since), adopted from a discovery of its account's devices
    /// (--devices is raised where an account holds fewer).
    #[arg(long, default_value_t = 0, value_name = "K")]
    pub things_per_association: usize,
    /// Extra latency added to every API request, in milliseconds, before it is handled. As
    /// behind the real service's front door, a client that gives up meanwhile does not cancel
    /// the request (its connection is not read until the answer is written).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub latency_ms: u64,
    /// A random extra latency of 0 to N milliseconds per API request (seeded by --fault-seed),
    /// on top of --latency-ms: calls made together are answered in any order, as over a real
    /// network.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub latency_jitter_ms: u64,
    /// Hold the reply of every state-changing API request (create, update, delete, refresh)
    /// this many milliseconds after it took effect: a client that gives up meanwhile loses the
    /// reply, not the operation (a lost create response). Reads are answered at once.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub reply_delay_ms: u64,
    /// Share (0.0–1.0) of API requests failing with 500 or 503 before doing any work.
    #[arg(long, default_value_t = 0.0, value_name = "P", value_parser = parse_rate)]
    pub fail_rate: f64,
    /// Every Nth API request fails with 429 ThrottlingException (0 = never).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub throttle_every: u64,
    /// Most requests per second of each operation (a token bucket per operation holding a
    /// second's worth); requests beyond it fail with 429 ThrottlingException, as past the
    /// service's quotas.
    #[arg(long, value_name = "R", value_parser = parse_max_rps)]
    pub max_rps: Option<f64>,
    /// Seed for injected faults and generated ids, for reproducible runs.
    #[arg(long, value_name = "N")]
    pub fault_seed: Option<u64>,
    /// Share (0.0–1.0) of approved consents whose completion (token exchange and
    /// AWS.ActivateUser on the connector) fails: the association turns ASSOCIATION_FAILED with
    /// a connector-side or service-side ErrorMessage. Seeded by --fault-seed.
    #[arg(long, default_value_t = 0.0, value_name = "P", value_parser = parse_rate)]
    pub activate_fail_rate: f64,
    /// Delay before an approved (or General Authorization) association succeeds.
    #[arg(long, default_value_t = 1500, value_name = "N")]
    pub approve_after_ms: u64,
    /// Succeeded associations turn REFRESH_TOKEN_EXPIRED this long after succeeding.
    #[arg(long, value_name = "N")]
    pub expire_after_ms: Option<u64>,
    /// How long a deleted association stays ASSOCIATION_DELETING before it is gone.
    #[arg(long, default_value_t = 500, value_name = "N")]
    pub delete_after_ms: u64,
    /// Devices generated for every linked account, on top of its connector's catalogue (for
    /// large discoveries).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub devices: usize,
    /// How long a device discovery stays RUNNING.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub discovery_ms: u64,
    /// Share (0.0–1.0) of device discoveries ending FAILED or TIMED_OUT. Seeded by --fault-seed.
    #[arg(long, default_value_t = 0.0, value_name = "P", value_parser = parse_rate)]
    pub discovery_fail_rate: f64,
    /// Connections served at once. When all are taken, the one idle longest (no request in
    /// flight) is closed for a newcomer; only when every one has a request in flight is the
    /// newcomer answered 503 ServiceUnavailableException (so floods of idle sockets use up
    /// neither file descriptors nor the service).
    #[arg(long, default_value_t = 256, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=65536))]
    pub max_connections: u32,
    /// Deadline for a request's headers, from the connection's start (or the end of the
    /// previous answer on a kept-alive connection); a slower client is disconnected (by
    /// hyper, without an answer).
    #[arg(long, default_value_t = 10_000, value_name = "N", value_parser = positive_ms)]
    pub header_timeout_ms: u64,
    /// Deadline for a request's body after its headers, and for writing the answer.
    #[arg(long, default_value_t = 30_000, value_name = "N", value_parser = positive_ms)]
    pub body_timeout_ms: u64,
    /// A kept-alive connection waiting this long for its next request is closed (sooner if
    /// --header-timeout-ms is shorter: hyper's header deadline runs while it waits).
    #[arg(long, default_value_t = 60_000, value_name = "N", value_parser = positive_ms)]
    pub idle_timeout_ms: u64,
}

fn positive_ms(raw: &str) -> Result<u64, String> {
    match raw.parse::<u64>() {
        Ok(0) => Err("must be at least 1 millisecond".into()),
        Ok(ms) => Ok(ms),
        Err(_) => Err(format!("{raw:?} is not a whole number of milliseconds")),
    }
}

fn parse_max_rps(raw: &str) -> Result<f64, String> {
    match raw.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 => Ok(rate),
        Ok(rate) => Err(format!(
            "must be a positive number of requests per second, got {rate}"
        )),
        Err(_) => Err(format!("{raw:?} is not a number")),
    }
}

fn parse_rate(raw: &str) -> Result<f64, String> {
    let rate: f64 = raw
        .parse()
        .map_err(|_| format!("{raw:?} is not a number"))?;
    if (0.0..=1.0).contains(&rate) {
        Ok(rate)
    } else {
        Err(format!("must be between 0.0 and 1.0, got {rate}"))
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            port: 0,
            seed: None,
            destinations: 0,
            associations: 0,
            things_per_association: 0,
            latency_ms: 0,
            latency_jitter_ms: 0,
            reply_delay_ms: 0,
            fail_rate: 0.0,
            throttle_every: 0,
            max_rps: None,
            fault_seed: None,
            activate_fail_rate: 0.0,
            approve_after_ms: 1500,
            expire_after_ms: None,
            delete_after_ms: 500,
            devices: 0,
            discovery_ms: 1000,
            discovery_fail_rate: 0.0,
            max_connections: 256,
            header_timeout_ms: 10_000,
            body_timeout_ms: 30_000,
            idle_timeout_ms: 60_000,
        }
    }
}

/// How fast the simulated service moves, for `demo --pace`: a talk can go faster or slower
/// than the service really does. `Normal` is [`SimConfig::default`]'s timing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Pace {
    /// Approve-to-success in 250 ms, discoveries and deletions in a few hundred.
    Fast,
    /// The default timings (an approval settles in 1.5 s).
    #[default]
    Normal,
    /// Long enough to talk over each state (an approval settles in 5 s).
    Slow,
}

impl Pace {
    /// Sets the delays a watcher of the flow sees: consent (approve-to-success), device
    /// discovery and deletion. Faults, deadlines and the catalogue are left alone.
    pub fn apply(self, config: SimConfig) -> SimConfig {
        let (approve_after_ms, discovery_ms, delete_after_ms) = match self {
            Pace::Fast => (250, 300, 150),
            Pace::Normal => {
                let normal = SimConfig::default();
                (
                    normal.approve_after_ms,
                    normal.discovery_ms,
                    normal.delete_after_ms,
                )
            }
            Pace::Slow => (5_000, 4_000, 2_000),
        };
        SimConfig {
            approve_after_ms,
            discovery_ms,
            delete_after_ms,
            ..config
        }
    }
}

/// A running simulator; dropping it does not stop it, call [`SimHandle::shutdown`].
pub struct SimHandle {
    pub addr: SocketAddr,
    shared: Arc<server::Shared>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl SimHandle {
    /// `http://127.0.0.1:PORT`
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Changes `--reply-delay-ms` while serving: a test holds the first run's create and lets
    /// the rerun's go through.
    pub fn set_reply_delay(&self, delay: Duration) {
        self.shared.faults.set_reply_delay(delay);
    }

    /// Stops accepting, lets in-flight requests finish (bounded), and waits for the server.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let mut task = self.task;
        if tokio::time::timeout(Duration::from_secs(5), &mut task)
            .await
            .is_err()
        {
            // A client holding a connection open must not block shutdown forever.
            task.abort();
        }
    }
}

/// Binds and starts serving in the background of the current tokio runtime.
pub async fn start(config: SimConfig) -> anyhow::Result<SimHandle> {
    let fixtures = match &config.seed {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading seed file {}", path.display()))?;
            fixtures::parse(&text, &path.display().to_string())?
        }
        None => fixtures::parse(fixtures::DEFAULT_FIXTURES, "the built-in fixtures")?,
    };
    // Bound first: fixture URLs name the simulator, whose port is known only now.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port))
        .await
        .with_context(|| format!("binding 127.0.0.1:{}", config.port))?;
    let addr = listener.local_addr()?;
    let endpoint = format!("http://{addr}");
    let catalog = fixtures::Catalog::build(&fixtures, config.destinations, &endpoint)?;

    // One seed drives faults and ids alike, so a run with --fault-seed replays exactly.
    let mut seed_rng = config
        .fault_seed
        .map_or_else(fastrand::Rng::new, fastrand::Rng::with_seed);
    let fault_rng = seed_rng.fork();
    let store_rng = seed_rng.fork();
    let activation = store::Activation {
        fail_rate: config.activate_fail_rate,
        rng: seed_rng.fork(),
    };

    let timing = store::Timing {
        approve_after: Duration::from_millis(config.approve_after_ms),
        expire_after: config.expire_after_ms.map(Duration::from_millis),
        delete_after: Duration::from_millis(config.delete_after_ms),
    };
    // Every generated association's account must hold the managed things it gets.
    let per_account = config.devices.max(
        config
            .things_per_association
            .saturating_sub(devices::fewest_devices(&catalog)),
    );
    let devices = devices::Devices::new(
        devices::DeviceConfig {
            per_account,
            discovery_time: Duration::from_millis(config.discovery_ms),
            fail_rate: config.discovery_fail_rate,
        },
        seed_rng.fork(),
    );
    let mut store = store::Store::new(timing, endpoint, store_rng, activation, devices);
    let now = Instant::now();
    store.seed(&fixtures.account_associations, &catalog, now)?;
    let generated =
        store::generated_associations(&catalog, config.associations, config.things_per_association);
    store.seed(&generated, &catalog, now)?;

    let shared = Arc::new(server::Shared {
        catalog,
        store: Mutex::new(store),
        faults: server::Faults::new(
            config.fail_rate,
            config.throttle_every,
            Duration::from_millis(config.latency_ms),
            fault_rng,
        )
        .with_reply_delay(Duration::from_millis(config.reply_delay_ms))
        .with_jitter(Duration::from_millis(config.latency_jitter_ms)),
        rate_limit: config.max_rps.map(server::RateLimit::new),
    });
    let (stop, stopped) = watch::channel(false);
    let limits = http::Limits {
        max_connections: config.max_connections as usize,
        header_timeout: Duration::from_millis(config.header_timeout_ms),
        body_timeout: Duration::from_millis(config.body_timeout_ms),
        idle_timeout: Duration::from_millis(config.idle_timeout_ms),
    };
    let dispatch_shared = Arc::clone(&shared);
    let handler: http::Handler =
        Arc::new(move |request| Box::pin(server::dispatch(Arc::clone(&dispatch_shared), request)));
    let task = tokio::spawn(http::serve(listener, limits, handler, stopped));
    Ok(SimHandle {
        addr,
        shared,
        stop,
        task,
    })
}

/// The `simulator` subcommand: print `endpoint: …` first, serve until Ctrl-C/SIGTERM, exit 0.
pub async fn run_foreground(config: SimConfig) -> anyhow::Result<()> {
    use std::io::Write;

    let handle = start(config).await?;
    {
        // Scripts read this line to find the port; flush so it is not stuck in a buffer.
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "endpoint: {}", handle.endpoint())?;
        stdout.flush()?;
    }
    wait_for_signal().await?;
    handle.shutdown().await;
    Ok(())
}

#[cfg(unix)]
async fn wait_for_signal() -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate =
        signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result.context("waiting for Ctrl-C")?,
        _ = terminate.recv() => {}
    }
    Ok(())
}

#[cfg(not(unix))]
async fn wait_for_signal() -> anyhow::Result<()> {
    tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/iotmanagedintegrations/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc";

    /// Sends one request on a fresh connection and reads the reply until the server closes it,
    /// giving up (and hanging up) after `patience`: `None` then.
    async fn call(
        addr: SocketAddr,
        method: &str,
        path: &str,
        body: &str,
        patience: Duration,
    ) -> Option<(u16, serde_json::Value)> {
        call_with_head(addr, method, path, body, patience)
            .await
            .map(|(status, _, body)| (status, body))
    }

    /// [`call`], also handing back the reply's head (status line and headers, lowercased).
    async fn call_with_head(
        addr: SocketAddr,
        method: &str,
        path: &str,
        body: &str,
        patience: Duration,
    ) -> Option<(u16, String, serde_json::Value)> {
        let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {AUTH}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream
            .write_all(request.as_bytes())
            .await
            .expect("send request");
        let mut reply = Vec::new();
        tokio::time::timeout(patience, stream.read_to_end(&mut reply))
            .await
            .ok()?
            .expect("read reply");
        // `stream` is dropped here either way: a client that gave up has hung up.
        let reply = String::from_utf8(reply).expect("UTF-8 reply");
        let (head, body) = reply.split_once("\r\n\r\n").expect("a complete reply");
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("status");
        let body = serde_json::from_str(body).unwrap_or(serde_json::Value::Null);
        Some((status, head.to_ascii_lowercase(), body))
    }

    const PATIENT: Duration = Duration::from_secs(20);

    /// Every item of a listing, following NextToken (`path` has a query already).
    async fn list_all(addr: SocketAddr, path: &str) -> Vec<serde_json::Value> {
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page_path = match &token {
                Some(token) => format!("{path}&NextToken={token}"),
                None => path.to_owned(),
            };
            let (status, page) = call(addr, "GET", &page_path, "", PATIENT)
                .await
                .expect("list");
            assert_eq!(status, 200, "{page}");
            items.extend(page["Items"].as_array().expect("Items").iter().cloned());
            token = page["NextToken"].as_str().map(str::to_owned);
            if token.is_none() {
                return items;
            }
        }
    }

    fn ids_named(list: &serde_json::Value, name: &str) -> Vec<String> {
        list["Items"]
            .as_array()
            .expect("Items")
            .iter()
            .filter(|item| item["Name"] == name)
            .map(|item| {
                item["AccountAssociationId"]
                    .as_str()
                    .expect("id")
                    .to_owned()
            })
            .collect()
    }

    #[tokio::test]
    async fn reply_delay_loses_the_reply_not_the_create() {
        let delay = Duration::from_millis(600);
        let sim = start(SimConfig {
            reply_delay_ms: delay.as_millis() as u64,
            ..SimConfig::default()
        })
        .await
        .expect("start simulator");
        let name = "Lost reply";
        let create = format!(
            r#"{{"ClientToken":"lost-reply-token-1","ConnectorDestinationId":"acme-home-us","Name":"{name}"}}"#
        );
        let patient = Duration::from_secs(10);

        // The client gives up well before the reply is due, and hangs up.
        let started = Instant::now();
        let gave_up = call(
            sim.addr,
            "POST",
            "/account-associations",
            &create,
            Duration::from_millis(100),
        )
        .await;
        assert!(gave_up.is_none(), "no reply within 100 ms: {gave_up:?}");

        // The create took effect all the same, at once: this list is answered while the
        // create's reply is still being held (reads are not held).
        let (status, list) = call(sim.addr, "GET", "/account-associations", "", patient)
            .await
            .expect("list");
        assert_eq!(status, 200);
        let listed = ids_named(&list, name);
        assert_eq!(listed.len(), 1, "created once: {list}");
        assert!(started.elapsed() < delay, "the list reply was not held");

        // A retry with the same ClientToken answers with the same association.
        let (status, again) = call(sim.addr, "POST", "/account-associations", &create, patient)
            .await
            .expect("retry");
        assert_eq!(status, 201, "{again}");
        assert_eq!(again["AccountAssociationId"], listed[0].as_str());
        let (_, list) = call(sim.addr, "GET", "/account-associations", "", patient)
            .await
            .expect("list");
        assert_eq!(ids_named(&list, name), listed, "no second association");

        sim.shutdown().await;
    }

    #[tokio::test]
    async fn reply_delay_spares_the_consent_pages() {
        let sim = start(SimConfig {
            reply_delay_ms: 5_000,
            ..SimConfig::default()
        })
        .await
        .expect("start simulator");
        let mut stream = tokio::net::TcpStream::connect(sim.addr)
            .await
            .expect("connect");
        stream
            .write_all(
                b"GET /third-party/acme-home-cloud/oauth/authorize?state=x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            )
            .await
            .expect("send");
        let mut reply = Vec::new();
        tokio::time::timeout(Duration::from_secs(2), stream.read_to_end(&mut reply))
            .await
            .expect("the consent page is not held")
            .expect("read");
        assert!(reply.starts_with(b"HTTP/1.1 "));
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn a_client_token_makes_one_association_even_when_retries_race_a_held_reply() {
        let delay = Duration::from_millis(400);
        let sim = start(SimConfig {
            reply_delay_ms: delay.as_millis() as u64,
            ..SimConfig::default()
        })
        .await
        .expect("start simulator");
        let create = |name: &str| {
            format!(
                r#"{{"ClientToken":"race-token-1","ConnectorDestinationId":"brightlight-api-key","Name":"{name}","GeneralAuthorization":{{"AuthMaterialName":"api-key"}}}}"#
            )
        };
        let body = create("Raced");
        let started = Instant::now();
        let replies = futures::future::join_all(
            (0..8).map(|_| call(sim.addr, "POST", "/account-associations", &body, PATIENT)),
        )
        .await;
        // The replies are held side by side, not one after another behind a lock.
        assert!(
            started.elapsed() < delay * 4,
            "8 held replies took {:?}",
            started.elapsed()
        );
        let ids: std::collections::BTreeSet<String> = replies
            .into_iter()
            .map(|reply| {
                let (status, body) = reply.expect("reply");
                assert_eq!(status, 201, "{body}");
                body["AccountAssociationId"]
                    .as_str()
                    .expect("id")
                    .to_owned()
            })
            .collect();
        assert_eq!(
            ids.len(),
            1,
            "the same association for every retry: {ids:?}"
        );
        let listed = list_all(sim.addr, "/account-associations?MaxResults=100").await;
        assert_eq!(
            listed.iter().filter(|item| item["Name"] == "Raced").count(),
            1
        );

        // The same token with other parameters: ConflictException in the service's shape.
        let (status, head, body) = call_with_head(
            sim.addr,
            "POST",
            "/account-associations",
            &create("Other name"),
            PATIENT,
        )
        .await
        .expect("conflict");
        assert_eq!(status, 409, "{body}");
        assert!(
            head.contains("\r\nx-amzn-errortype: conflictexception"),
            "{head}"
        );
        assert!(
            body["Message"]
                .as_str()
                .is_some_and(|m| m.contains("race-token-1")),
            "{body}"
        );
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn a_general_authorization_destination_takes_thousands_of_associations() {
        let sim = start(SimConfig {
            approve_after_ms: 0,
            ..SimConfig::default()
        })
        .await
        .expect("start simulator");
        const COUNT: usize = 2_500;
        let mut ids = std::collections::BTreeSet::new();
        for i in 0..COUNT {
            let body = format!(
                r#"{{"ClientToken":"ga-row-{i}","ConnectorDestinationId":"brightlight-api-key","Name":"GA row {i}","GeneralAuthorization":{{"AuthMaterialName":"api-key"}}}}"#
            );
            let (status, created) = call(sim.addr, "POST", "/account-associations", &body, PATIENT)
                .await
                .expect("create");
            assert_eq!(status, 201, "row {i}: {created}");
            ids.insert(
                created["AccountAssociationId"]
                    .as_str()
                    .expect("id")
                    .to_owned(),
            );
        }
        assert_eq!(ids.len(), COUNT);
        let listed = list_all(
            sim.addr,
            "/account-associations?ConnectorDestinationId=brightlight-api-key&MaxResults=100",
        )
        .await;
        let rows: Vec<_> = listed
            .iter()
            .filter(|item| {
                item["Name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with("GA row "))
            })
            .collect();
        assert_eq!(rows.len(), COUNT);
        assert!(
            rows.iter()
                .all(|item| item["AssociationState"] == "ASSOCIATION_SUCCEEDED"),
            "every one linked"
        );
        sim.shutdown().await;
    }

    fn is_throttled(reply: &Option<(u16, String, serde_json::Value)>) -> bool {
        reply.as_ref().is_some_and(|(status, head, body)| {
            *status == 429
                && head.contains("\r\nx-amzn-errortype: throttlingexception")
                && body["Message"].is_string()
        })
    }

    #[tokio::test]
    async fn max_rps_throttles_requests_beyond_the_rate_and_lets_them_through_after() {
        let sim = start(SimConfig {
            max_rps: Some(5.0),
            ..SimConfig::default()
        })
        .await
        .expect("start simulator");
        let list = || call_with_head(sim.addr, "GET", "/account-associations", "", PATIENT);
        let started = Instant::now();
        let mut throttled = 0;
        for _ in 0..20 {
            let reply = list().await;
            if is_throttled(&reply) {
                throttled += 1;
            } else {
                assert_eq!(reply.map(|(status, ..)| status), Some(200));
            }
        }
        // A second's worth at once, plus what refilled meanwhile.
        let refilled = (started.elapsed().as_secs_f64() * 5.0).ceil() as usize;
        assert!(
            20 - throttled <= 5 + refilled,
            "{} of 20 passed in {:?}",
            20 - throttled,
            started.elapsed()
        );
        // Another operation has its own quota.
        let (status, ..) = call_with_head(sim.addr, "GET", "/connector-destinations", "", PATIENT)
            .await
            .expect("destinations");
        assert_eq!(status, 200);
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert!(!is_throttled(&list().await), "refilled after a pause");
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn throttle_every_refuses_every_nth_request_in_the_service_shape() {
        let sim = start(SimConfig {
            throttle_every: 3,
            ..SimConfig::default()
        })
        .await
        .expect("start simulator");
        let mut pattern = Vec::new();
        for _ in 0..6 {
            let reply = call_with_head(sim.addr, "GET", "/account-associations", "", PATIENT).await;
            pattern.push(is_throttled(&reply));
        }
        assert_eq!(pattern, [false, false, true, false, false, true]);
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn generated_associations_are_listed_with_their_states_tags_and_managed_things() {
        let config = SimConfig {
            associations: 300,
            things_per_association: 8,
            approve_after_ms: 60_000,
            ..SimConfig::default()
        };
        let sim = start(config.clone()).await.expect("start simulator");
        let listed = list_all(sim.addr, "/account-associations?MaxResults=50").await;
        let generated: Vec<_> = listed
            .iter()
            .filter(|item| {
                item["Name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with("Generated association "))
            })
            .collect();
        assert_eq!(generated.len(), 300);
        let in_state = |state: &str| {
            generated
                .iter()
                .filter(|item| item["AssociationState"] == state)
                .count()
        };
        assert_eq!(in_state("ASSOCIATION_SUCCEEDED"), 300 * 17 / 20);
        assert_eq!(in_state("ASSOCIATION_IN_PROGRESS"), 15);
        assert_eq!(
            in_state("ASSOCIATION_FAILED") + in_state("REFRESH_TOKEN_EXPIRED"),
            30
        );
        assert!(
            generated
                .iter()
                .filter(|item| item["AssociationState"] == "ASSOCIATION_FAILED")
                .all(|item| item["ErrorMessage"].is_string())
        );
        let destinations: std::collections::BTreeSet<_> = generated
            .iter()
            .map(|item| item["ConnectorDestinationId"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(destinations.len(), 7, "spread over every destination");

        let id_of = |item: &serde_json::Value| {
            item["AccountAssociationId"]
                .as_str()
                .expect("id")
                .to_owned()
        };
        let first = id_of(generated[0]);
        let (status, got) = call(
            sim.addr,
            "GET",
            &format!("/account-associations/{first}"),
            "",
            PATIENT,
        )
        .await
        .expect("get");
        assert_eq!(status, 200);
        assert_eq!(got["Tags"]["source"], "generated", "{got}");

        let succeeded = generated
            .iter()
            .find(|item| item["AssociationState"] == "ASSOCIATION_SUCCEEDED")
            .map(|item| id_of(item))
            .expect("a succeeded one");
        let links = list_all(
            sim.addr,
            &format!("/managed-thing-associations?AccountAssociationId={succeeded}&MaxResults=3"),
        )
        .await;
        assert_eq!(links.len(), 8, "{links:?}");
        let thing = links[0]["ManagedThingId"].as_str().expect("thing");
        let (status, thing) = call(
            sim.addr,
            "GET",
            &format!("/managed-things/{thing}"),
            "",
            PATIENT,
        )
        .await
        .expect("thing");
        assert_eq!(status, 200);
        assert_eq!(thing["ProvisioningStatus"], "ACTIVATED");
        let in_progress = generated
            .iter()
            .find(|item| item["AssociationState"] == "ASSOCIATION_IN_PROGRESS")
            .map(|item| id_of(item))
            .expect("one in progress");
        let none = list_all(
            sim.addr,
            &format!("/managed-thing-associations?AccountAssociationId={in_progress}&MaxResults=3"),
        )
        .await;
        assert!(none.is_empty());
        sim.shutdown().await;

        // The same flags make the same ids and names.
        let again = start(config).await.expect("start again");
        let relisted = list_all(again.addr, "/account-associations?MaxResults=50").await;
        let names_and_ids = |items: &[serde_json::Value]| -> Vec<(String, String)> {
            items
                .iter()
                .map(|item| (id_of(item), item["Name"].to_string()))
                .collect()
        };
        assert_eq!(names_and_ids(&relisted), names_and_ids(&listed));
        again.shutdown().await;
    }
}
