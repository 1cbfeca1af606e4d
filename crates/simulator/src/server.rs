//! Routing, the SigV4 presence check and fault injection. Routing is done by hand so that
//! every rejection (unknown route, bad body) leaves in the service's error shape; `http`
//! below has already read the whole body within its limits.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, Method, header};
use axum::response::{IntoResponse, Response};

use super::api::{self, Operation};
use super::consent;
use super::error::ApiError;
use super::fixtures::Catalog;
use super::store::Store;

/// The signing name every request's credential scope must carry.
const SIGNING_NAME: &str = "iotmanagedintegrations";

/// Deterministic fault injection: one seeded generator and one request counter.
pub struct Faults {
    pub fail_rate: f64,
    pub throttle_every: u64,
    pub latency: Duration,
    /// The most a request's random extra latency can be (see [`Faults::delay`]).
    jitter: Duration,
    /// How long the reply of a state-changing API request is held after it took effect, in
    /// milliseconds (see [`dispatch`]); atomic so a test can change it while serving.
    reply_delay_ms: AtomicU64,
    state: Mutex<FaultState>,
}

struct FaultState {
    rng: fastrand::Rng,
    requests: u64,
}

impl Faults {
    pub fn new(fail_rate: f64, throttle_every: u64, latency: Duration, rng: fastrand::Rng) -> Self {
        Self {
            fail_rate,
            throttle_every,
            latency,
            jitter: Duration::ZERO,
            reply_delay_ms: AtomicU64::new(0),
            state: Mutex::new(FaultState { rng, requests: 0 }),
        }
    }

    /// Holds the reply of every state-changing API request `delay` after it took effect.
    pub fn with_reply_delay(self, delay: Duration) -> Self {
        self.set_reply_delay(delay);
        self
    }

    /// Adds a random extra latency of up to `jitter` to every API request.
    pub fn with_jitter(self, jitter: Duration) -> Self {
        Self { jitter, ..self }
    }

    /// How long this API request waits before it is handled: the latency, plus its jitter.
    pub fn delay(&self) -> Duration {
        if self.jitter.is_zero() {
            return self.latency;
        }
        let most = u64::try_from(self.jitter.as_millis()).unwrap_or(u64::MAX);
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let extra = state.rng.u64(0..=most);
        self.latency + Duration::from_millis(extra)
    }

    pub fn set_reply_delay(&self, delay: Duration) {
        let millis = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self.reply_delay_ms.store(millis, Ordering::Relaxed);
    }

    fn reply_delay(&self) -> Duration {
        Duration::from_millis(self.reply_delay_ms.load(Ordering::Relaxed))
    }

    /// Decides whether this API request fails before any work is done.
    fn roll(&self) -> Option<ApiError> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.requests += 1;
        if self.throttle_every > 0 && state.requests.is_multiple_of(self.throttle_every) {
            return Some(ApiError::Throttling(
                "Rate exceeded (simulated: --throttle-every)".into(),
            ));
        }
        // Draw only when a failure rate is set, so --throttle-every alone consumes no randomness.
        if self.fail_rate > 0.0 && state.rng.f64() < self.fail_rate {
            return Some(if state.rng.bool() {
                ApiError::InternalServer("Internal server error (simulated: --fail-rate)".into())
            } else {
                ApiError::ServiceUnavailable("Service unavailable (simulated: --fail-rate)".into())
            });
        }
        None
    }
}

/// `--max-rps`: one token bucket per operation (the service's quotas are per API), holding
/// up to one second's worth of requests and refilled continuously; a request that finds its
/// bucket empty is answered ThrottlingException. Written by hand: a dozen lines, where a
/// rate-limiting crate would bring its own clock and async machinery to a synchronous check.
pub struct RateLimit {
    per_second: f64,
    buckets: Mutex<HashMap<&'static str, Bucket>>,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimit {
    pub fn new(per_second: f64) -> Self {
        Self {
            per_second,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// The most requests of one operation that may arrive at once.
    fn burst(&self) -> f64 {
        self.per_second.max(1.0)
    }

    /// Takes a token from `operation`'s bucket at `now`, or says why it cannot.
    fn admit(&self, operation: &'static str, now: Instant) -> Result<(), ApiError> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let bucket = buckets.entry(operation).or_insert(Bucket {
            tokens: self.burst(),
            at: now,
        });
        let refill = now.saturating_duration_since(bucket.at).as_secs_f64() * self.per_second;
        bucket.tokens = (bucket.tokens + refill).min(self.burst());
        bucket.at = bucket.at.max(now);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(ApiError::Throttling(format!(
                "Rate exceeded for {operation} (simulated: --max-rps {})",
                self.per_second
            )))
        }
    }
}

/// Everything the handlers share.
pub struct Shared {
    pub catalog: Catalog,
    pub store: Mutex<Store>,
    pub faults: Faults,
    /// `--max-rps`, when set.
    pub rate_limit: Option<RateLimit>,
}

impl Shared {
    /// The store lock; a panic elsewhere must not take the whole simulator down with it.
    pub fn lock_store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Every API answer carries a request id, as the service's do (the SDK reports it with errors).
///
/// `--reply-delay-ms` is applied here, after `handle` has returned: the operation has already
/// taken effect (store mutated, response built) when the hold starts, so a client that hangs up
/// during the hold, which drops this future, loses only the reply. Reads are not held: a lost
/// reply matters where a retry could do the work twice, and a test (or an operator with the AWS
/// CLI) can look at the service while a create's reply is still held.
pub async fn dispatch(shared: Arc<Shared>, request: Request) -> Response {
    static NEXT_REQUEST: AtomicU64 = AtomicU64::new(1);
    let is_api = !consent::is_browser_path(request.uri().path());
    let changes_state = request.method() != Method::GET && request.method() != Method::HEAD;
    let mut response = handle(&shared, request).await;
    if is_api {
        let n = NEXT_REQUEST.fetch_add(1, Ordering::Relaxed);
        if let Ok(value) =
            axum::http::HeaderValue::from_str(&format!("00000000-0000-4000-8000-{n:012x}"))
        {
            response.headers_mut().insert("x-amzn-requestid", value);
        }
        let hold = shared.faults.reply_delay();
        if changes_state && !hold.is_zero() {
            tokio::time::sleep(hold).await;
        }
    }
    response
}

async fn handle(shared: &Shared, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().unwrap_or("").to_owned();

    if consent::is_browser_path(&path) {
        let body = body_bytes(body).await;
        return consent::handle(shared, &parts.method, &path, &query, &body);
    }

    let operation = match route(&parts.method, &path) {
        Ok(op) => op,
        Err(err) => return err.into_response(),
    };
    let delay = shared.faults.delay();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let region = match credential_region(&parts.headers) {
        Ok(region) => region,
        Err(err) => return err.into_response(),
    };
    if let Some(fault) = shared.faults.roll() {
        return fault.into_response();
    }
    if let Some(limit) = &shared.rate_limit
        && let Err(throttled) = limit.admit(operation.name(), Instant::now())
    {
        return throttled.into_response();
    }
    let body = body_bytes(body).await;
    let query: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    match api::handle(shared, operation, &region, &query, &body) {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

/// Maps method and path to an operation; path labels are percent-decoded.
fn route(method: &Method, path: &str) -> Result<Operation, ApiError> {
    let unknown = || ApiError::UnknownOperation(format!("No operation matches {method} {path}"));
    let segments = path
        .strip_prefix('/')
        .unwrap_or(path)
        .split('/')
        .map(percent_decode)
        .collect::<Option<Vec<String>>>()
        .ok_or_else(|| ApiError::validation("Path: invalid percent-encoding or UTF-8"))?;
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let label = |s: &str| s.to_owned();
    let op = match (method.clone(), segments.as_slice()) {
        (Method::GET, ["cloud-connectors"]) => Operation::ListCloudConnectors,
        (Method::GET, ["cloud-connectors", id]) => Operation::GetCloudConnector(label(id)),
        (Method::GET, ["connector-destinations"]) => Operation::ListConnectorDestinations,
        (Method::GET, ["connector-destinations", id]) => {
            Operation::GetConnectorDestination(label(id))
        }
        (Method::POST, ["account-associations"]) => Operation::CreateAccountAssociation,
        (Method::GET, ["account-associations"]) => Operation::ListAccountAssociations,
        (Method::GET, ["account-associations", id]) => Operation::GetAccountAssociation(label(id)),
        (Method::PUT, ["account-associations", id]) => {
            Operation::UpdateAccountAssociation(label(id))
        }
        (Method::DELETE, ["account-associations", id]) => {
            Operation::DeleteAccountAssociation(label(id))
        }
        (Method::POST, ["account-associations", id, "refresh"]) => {
            Operation::StartAccountAssociationRefresh(label(id))
        }
        (Method::POST, ["device-discoveries"]) => Operation::StartDeviceDiscovery,
        (Method::GET, ["device-discoveries"]) => Operation::ListDeviceDiscoveries,
        (Method::GET, ["device-discoveries", id]) => Operation::GetDeviceDiscovery(label(id)),
        (Method::GET, ["device-discoveries", id, "devices"]) => {
            Operation::ListDiscoveredDevices(label(id))
        }
        (Method::POST, ["managed-things"]) => Operation::CreateManagedThing,
        (Method::GET, ["managed-things"]) => Operation::ListManagedThings,
        (Method::GET, ["managed-things", id]) => Operation::GetManagedThing(label(id)),
        (Method::PUT, ["managed-thing-associations", "register"]) => {
            Operation::RegisterAccountAssociation
        }
        (Method::PUT, ["managed-thing-associations", "deregister"]) => {
            Operation::DeregisterAccountAssociation
        }
        (Method::GET, ["managed-thing-associations"]) => {
            Operation::ListManagedThingAccountAssociations
        }
        _ => return Err(unknown()),
    };
    Ok(op)
}

/// Decodes `%XX` escapes of one path segment (no `+` rule: that is for query strings).
fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = segment.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The region of the request's SigV4 credential scope. The signature itself is not
/// verified (there is no secret to verify it with); its presence and scope are.
fn credential_region(headers: &HeaderMap) -> Result<String, ApiError> {
    let denied = |why: &str| {
        ApiError::AccessDenied(format!("Missing or invalid SigV4 authentication: {why}"))
    };
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| denied("no Authorization header"))?
        .to_str()
        .map_err(|_| denied("the Authorization header is not ASCII"))?;
    let fields = value
        .strip_prefix("AWS4-HMAC-SHA256 ")
        .ok_or_else(|| denied("the Authorization header must start with AWS4-HMAC-SHA256"))?;
    let field = |name: &str| {
        fields
            .split(',')
            .map(str::trim)
            .find_map(|f| f.strip_prefix(name))
    };
    let credential =
        field("Credential=").ok_or_else(|| denied("no Credential in the Authorization header"))?;
    if field("SignedHeaders=").is_none_or(str::is_empty)
        || field("Signature=").is_none_or(str::is_empty)
    {
        return Err(denied(
            "the Authorization header lacks SignedHeaders or Signature",
        ));
    }
    let scope: Vec<&str> = credential.split('/').collect();
    let [access_key, date, region, service, terminator] = scope.as_slice() else {
        return Err(denied(
            "Credential must be ACCESS_KEY/DATE/REGION/SERVICE/aws4_request",
        ));
    };
    let region_ok = !region.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    if access_key.is_empty()
        || date.len() != 8
        || !date.chars().all(|c| c.is_ascii_digit())
        || !region_ok
    {
        return Err(denied(
            "Credential must be ACCESS_KEY/DATE/REGION/SERVICE/aws4_request",
        ));
    }
    if *service != SIGNING_NAME || *terminator != "aws4_request" {
        return Err(denied(&format!(
            "the credential scope must name service '{SIGNING_NAME}', found '{service}'"
        )));
    }
    Ok((*region).to_owned())
}

/// The body `http` read in full (and within its limit) before the handler ran.
async fn body_bytes(body: Body) -> Vec<u8> {
    axum::body::to_bytes(body, super::http::MAX_BODY_BYTES)
        .await
        .map(|bytes| bytes.to_vec())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, value.parse().expect("header"));
        headers
    }

    const GOOD: &str = "AWS4-HMAC-SHA256 Credential=AKID/20250101/eu-west-1/iotmanagedintegrations/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc";

    #[test]
    fn jitter_spreads_each_requests_delay_over_the_range() {
        let latency = Duration::from_millis(10);
        let steady = Faults::new(0.0, 0, latency, fastrand::Rng::with_seed(7));
        assert!((0..50).all(|_| steady.delay() == latency));
        let jittery = Faults::new(0.0, 0, latency, fastrand::Rng::with_seed(7))
            .with_jitter(Duration::from_millis(50));
        let delays: std::collections::BTreeSet<Duration> =
            (0..200).map(|_| jittery.delay()).collect();
        let (least, most) = (*delays.first().unwrap(), *delays.last().unwrap());
        assert!(
            least >= latency && most <= Duration::from_millis(60),
            "{delays:?}"
        );
        // Spread, not one fixed extra: answers to calls made together come in any order.
        assert!(
            delays.len() > 20 && most - least >= Duration::from_millis(40),
            "{delays:?}"
        );
    }

    #[test]
    fn region_comes_from_the_credential_scope() {
        assert_eq!(
            credential_region(&auth(GOOD)).ok().as_deref(),
            Some("eu-west-1")
        );
    }

    #[test]
    fn missing_or_foreign_credentials_are_denied() {
        assert!(credential_region(&HeaderMap::new()).is_err());
        for bad in [
            "Bearer x",
            "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=a",
            "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/iotmanagedintegrations/aws4_request",
            "AWS4-HMAC-SHA256 Credential=AKID/2025/us-east-1/iotmanagedintegrations/aws4_request, SignedHeaders=h, Signature=a",
            "AWS4-HMAC-SHA256 Credential=AKID/20250101/us east/iotmanagedintegrations/aws4_request, SignedHeaders=h, Signature=a",
        ] {
            let err = credential_region(&auth(bad)).expect_err(bad);
            assert_eq!(err.error_type(), "AccessDeniedException");
        }
    }

    #[test]
    fn routes() {
        assert!(
            matches!(route(&Method::GET, "/account-associations/abc"), Ok(Operation::GetAccountAssociation(id)) if id == "abc")
        );
        assert!(
            matches!(route(&Method::POST, "/account-associations/a%62c/refresh"), Ok(Operation::StartAccountAssociationRefresh(id)) if id == "abc")
        );
        assert!(matches!(
            route(&Method::PATCH, "/account-associations/abc"),
            Err(ApiError::UnknownOperation(_))
        ));
        assert!(matches!(
            route(&Method::GET, "/nope"),
            Err(ApiError::UnknownOperation(_))
        ));
        assert!(matches!(
            route(&Method::GET, "/account-associations/%zz"),
            Err(ApiError::Validation(_))
        ));
        assert!(matches!(
            route(&Method::GET, "/account-associations/%ff"),
            Err(ApiError::Validation(_))
        ));
    }

    #[test]
    fn max_rps_refuses_what_exceeds_the_rate_per_operation_and_refills() {
        let limit = RateLimit::new(4.0);
        let t0 = Instant::now();
        let kinds = |at: Instant, operation: &'static str, n: usize| {
            (0..n)
                .map(|_| limit.admit(operation, at).err().map(|e| e.error_type()))
                .collect::<Vec<_>>()
        };
        // A second's worth at once, then the fifth is refused.
        assert_eq!(
            kinds(t0, "CreateAccountAssociation", 5),
            [None, None, None, None, Some("ThrottlingException")]
        );
        // Another operation has its own bucket.
        assert_eq!(kinds(t0, "GetAccountAssociation", 1), [None]);
        // A quarter of a second later, one more request fits (4 per second), not two.
        let later = t0 + Duration::from_millis(250);
        assert_eq!(
            kinds(later, "CreateAccountAssociation", 2),
            [None, Some("ThrottlingException")]
        );
        // After a long pause the bucket holds a second's worth again, no more.
        let much_later = t0 + Duration::from_secs(60);
        assert_eq!(
            kinds(much_later, "CreateAccountAssociation", 5)
                .iter()
                .filter(|k| k.is_none())
                .count(),
            4
        );
        // Under one per second, a single request still passes at a time.
        let slow = RateLimit::new(0.5);
        assert!(slow.admit("ListAccountAssociations", t0).is_ok());
        let err = slow
            .admit("ListAccountAssociations", t0)
            .expect_err("the bucket holds one");
        assert_eq!(err.status(), axum::http::StatusCode::TOO_MANY_REQUESTS);
    }

    #[test]
    fn faults_are_deterministic() {
        let outcomes = |seed| {
            let faults = Faults::new(0.5, 0, Duration::ZERO, fastrand::Rng::with_seed(seed));
            (0..64)
                .map(|_| faults.roll().map(|e| e.error_type()))
                .collect::<Vec<_>>()
        };
        assert_eq!(outcomes(3), outcomes(3));
        let throttled = Faults::new(0.0, 3, Duration::ZERO, fastrand::Rng::with_seed(1));
        let kinds: Vec<_> = (0..6)
            .map(|_| throttled.roll().map(|e| e.error_type()))
            .collect();
        assert_eq!(
            kinds,
            [
                None,
                None,
                Some("ThrottlingException"),
                None,
                None,
                Some("ThrottlingException")
            ]
        );
    }
}
