//! Helpers shared by the integration tests: a simulator with fast timings, SDK clients with
//! quick retries, a proxy-free HTTP agent, the consent form driven like a browser would, and
//! polling. `bin` is the real binary and its environment; `e2e` and `pty` drive it.

pub mod bin;
pub mod e2e;
pub mod pty;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_iotmanagedintegrations::Client;
use aws_sdk_iotmanagedintegrations::config::retry::{RetryConfig, RetryPartition};
use aws_sdk_iotmanagedintegrations::types::AssociationState;
use iotmi_simulator::{self, SimConfig, SimHandle};

/// A signature the simulator accepts: it checks the SigV4 shape and scope, not the HMAC.
pub const FAKE_SIGV4: &str = "AWS4-HMAC-SHA256 Credential=AKIDTEST/20250303/us-east-1/iotmanagedintegrations/aws4_request, SignedHeaders=host;x-amz-date, Signature=0123456789abcdef";

pub async fn start(config: SimConfig) -> SimHandle {
    iotmi_simulator::start(config)
        .await
        .expect("simulator starts")
}

/// Fast test timings; tests override what they exercise.
/// Makes a FIFO at `path`: what a plain open would block on for ever.
pub fn mkfifo(path: &std::path::Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo");
    assert!(status.success());
}

/// `IOTMI_TEST_JITTER_MS=N` answers every API call up to N ms late, at random: a run of the
/// suite with it shakes out tests (and code) that rely on one answer coming before another.
pub fn config() -> SimConfig {
    let jitter = std::env::var("IOTMI_TEST_JITTER_MS").ok();
    SimConfig {
        approve_after_ms: 50,
        delete_after_ms: 50,
        latency_jitter_ms: jitter.and_then(|ms| ms.parse().ok()).unwrap_or(0),
        ..SimConfig::default()
    }
}

/// The real SDK client from the project's demo config, with `max_attempts` attempts and
/// millisecond backoff so retry tests stay fast. Each client gets its own retry partition:
/// the SDK's retry token bucket is otherwise shared process-wide between tests.
pub fn client_with_attempts(handle: &SimHandle, max_attempts: u32) -> Client {
    static PARTITION: AtomicUsize = AtomicUsize::new(0);
    let sdk = iotmi_onboard::aws::demo_sdk_config(&handle.endpoint());
    let partition = format!(
        "simulator-test-{}",
        PARTITION.fetch_add(1, Ordering::Relaxed)
    );
    let config = aws_sdk_iotmanagedintegrations::config::Builder::from(&sdk)
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(max_attempts)
                .with_initial_backoff(Duration::from_millis(5))
                .with_max_backoff(Duration::from_millis(50)),
        )
        .retry_partition(RetryPartition::new(partition))
        .build();
    Client::from_conf(config)
}

pub fn client(handle: &SimHandle) -> Client {
    client_with_attempts(handle, 3)
}

/// A ureq agent that never uses a proxy and reports 4xx/5xx as responses, not errors.
pub fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .try_proxy_from_env(false)
        .timeout(Duration::from_secs(10))
        .build()
}

/// Status and body of a ureq call, whatever the status.
pub fn call(result: Result<ureq::Response, ureq::Error>) -> ureq::Response {
    match result {
        Ok(response) | Err(ureq::Error::Status(_, response)) => response,
        Err(err) => panic!("transport error: {err}"),
    }
}

/// A form found in an HTML page: its action, method, hidden fields and submit choices.
#[derive(Debug)]
pub struct Form {
    pub action: String,
    pub method: String,
    pub hidden: Vec<(String, String)>,
    pub buttons: Vec<(String, String)>,
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let needle = format!("{name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let end = tag[start..].find('"')? + start;
    Some(unescape(&tag[start..end]))
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Parses the first `<form>` of a page (as a browser would need it), without assuming its fields.
pub fn parse_form(html: &str) -> Form {
    let form_start = html.find("<form").expect("page has a <form>");
    let form_end = html[form_start..].find("</form>").expect("form is closed") + form_start;
    let form_html = &html[form_start..form_end];
    let open_tag = &form_html[..form_html.find('>').expect("form tag closes")];
    let mut form = Form {
        action: attr(open_tag, "action").unwrap_or_default(),
        method: attr(open_tag, "method")
            .unwrap_or_default()
            .to_ascii_lowercase(),
        hidden: Vec::new(),
        buttons: Vec::new(),
    };
    for (i, _) in form_html.match_indices('<') {
        let tag_end = form_html[i..].find('>').map_or(form_html.len(), |e| e + i);
        let tag = &form_html[i..tag_end];
        let (Some(name), Some(value)) = (attr(tag, "name"), attr(tag, "value")) else {
            continue;
        };
        if tag.starts_with("<input") && attr(tag, "type").as_deref() == Some("hidden") {
            form.hidden.push((name, value));
        } else if tag.starts_with("<button")
            || (tag.starts_with("<input") && attr(tag, "type").as_deref() == Some("submit"))
        {
            form.buttons.push((name, value));
        }
    }
    form
}

/// One consent walked like a browser: every hop's status and URL, and the page it ends on.
#[derive(Debug)]
pub struct ConsentWalk {
    /// (status, URL) of each request: the third party's page, its form's POST, the service's
    /// callback, the completion page.
    pub hops: Vec<(u16, String)>,
    pub status: u16,
    pub html: String,
}

impl ConsentWalk {
    /// The URL the browser ended on (the destination's oAuthCompleteRedirectUrl).
    pub fn final_url(&self) -> &str {
        self.hops.last().map_or("", |(_, url)| url.as_str())
    }
}

/// Opens a consent URL (the third party's sign-in and consent page), submits its form with
/// the button whose value is `decision`, and follows the redirects one by one as a browser
/// would: to the service's callback, then to the completion page.
pub fn consent_walk(url: &str, decision: &str) -> ConsentWalk {
    // Redirects are followed here, not by ureq, so that every hop is seen and checked.
    let agent = ureq::AgentBuilder::new()
        .try_proxy_from_env(false)
        .timeout(Duration::from_secs(10))
        .redirects(0)
        .build();
    let page = call(agent.get(url).call());
    let mut hops = vec![(page.status(), url.to_owned())];
    assert_eq!(page.status(), 200, "the consent page loads: {url}");
    let html = page.into_string().expect("html body");
    let form = parse_form(&html);
    assert_eq!(form.method, "post");
    let (button_name, button_value) = form
        .buttons
        .iter()
        .find(|(_, value)| value == decision)
        .unwrap_or_else(|| panic!("no {decision} button in {:?}", form.buttons));
    let mut current = url::Url::parse(url).expect("url");
    let target = current.join(&form.action).expect("form action resolves");
    let mut fields: Vec<(&str, &str)> = form
        .hidden
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    fields.push((button_name.as_str(), button_value.as_str()));
    let mut response = call(agent.post(target.as_str()).send_form(&fields));
    hops.push((response.status(), target.to_string()));
    current = target;
    while (300..400).contains(&response.status()) {
        assert!(hops.len() < 10, "too many redirects: {hops:?}");
        let location = response
            .header("location")
            .unwrap_or_else(|| panic!("a redirect without Location: {hops:?}"))
            .to_owned();
        current = current.join(&location).expect("Location resolves");
        response = call(agent.get(current.as_str()).call());
        hops.push((response.status(), current.to_string()));
    }
    let status = response.status();
    ConsentWalk {
        hops,
        status,
        html: response.into_string().expect("html body"),
    }
}

/// [`consent_walk`], reduced to the status and HTML of the page the browser ends on.
pub fn consent(url: &str, decision: &str) -> (u16, String) {
    let walk = consent_walk(url, decision);
    (walk.status, walk.html)
}

/// Waits until `probe` returns Some, or panics at the deadline with the last observation.
pub async fn poll<T, F, Fut>(what: &str, timeout: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        match probe().await {
            Ok(value) => return value,
            Err(last) if Instant::now() >= deadline => {
                panic!("timed out waiting for {what}; last: {last}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

/// Creates an association on `destination` (no General Authorization): (id, consent URL).
pub async fn create_association(
    client: &Client,
    destination: &str,
    name: &str,
) -> (String, String) {
    let out = client
        .create_account_association()
        .connector_destination_id(destination)
        .name(name)
        .send()
        .await
        .expect("create association");
    (
        out.account_association_id().to_owned(),
        out.o_auth_authorization_url().to_owned(),
    )
}

/// An association's state, or the service error as text.
pub async fn state_of(client: &Client, id: &str) -> Result<AssociationState, String> {
    client
        .get_account_association()
        .account_association_id(id)
        .send()
        .await
        .map(|out| out.association_state().clone())
        .map_err(|e| format!("{:?}", e.into_service_error()))
}

/// Waits (5 s at most) until association `id` is in state `want`.
pub async fn wait_for_state(client: &Client, id: &str, want: AssociationState) {
    poll(
        &format!("{id} to reach {want:?}"),
        Duration::from_secs(5),
        || async {
            match state_of(client, id).await {
                Ok(state) if state == want => Ok(()),
                other => Err(format!("{other:?}")),
            }
        },
    )
    .await
}

/// The query parameters of a URL.
pub fn query_params(url: &str) -> HashMap<String, String> {
    url::Url::parse(url)
        .expect("url")
        .query_pairs()
        .into_owned()
        .collect()
}

/// A free port to hand a child (`demo --port`) below Linux's ephemeral range (32768–60999): a port picked
/// by binding port 0 and letting go can be handed to another test's connection before the
/// demo binds it ("Address already in use" under load); ports down here are only ever bound
/// by name.
pub fn port_outside_the_ephemeral_range() -> u16 {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |t| t.subsec_nanos())
        ^ std::process::id();
    (0..200)
        .map(|i| 20_000 + ((seed as usize + i * 7_919) % 10_000) as u16)
        .find(|port| std::net::TcpListener::bind(("127.0.0.1", *port)).is_ok())
        .expect("a free port between 20000 and 30000")
}
