//! Pieces shared by the end-to-end tests of the real binary: a simulator on its own runtime
//! (so tests stay synchronous), a stand-in browser, and the wizard's common arguments.

use std::path::{Path, PathBuf};

use aws_sdk_iotmanagedintegrations::types::AccountAssociationItem;
use iotmi_simulator::{SimConfig, SimHandle};

/// An in-process simulator on its own runtime, so the tests themselves stay synchronous.
pub struct Sim {
    pub rt: tokio::runtime::Runtime,
    pub handle: SimHandle,
}

impl Sim {
    pub fn start(approve_after_ms: u64) -> Self {
        Self::with(SimConfig {
            approve_after_ms,
            ..super::config()
        })
    }

    pub fn with(config: SimConfig) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let handle = rt.block_on(super::start(config));
        Self { rt, handle }
    }

    pub fn endpoint(&self) -> String {
        self.handle.endpoint()
    }

    pub fn associations(&self) -> Vec<AccountAssociationItem> {
        let client = super::client(&self.handle);
        self.rt
            .block_on(client.list_account_associations().send())
            .expect("ListAccountAssociations")
            .items()
            .to_vec()
    }

    /// The id of the association named `name` on the service.
    pub fn id_of(&self, name: &str) -> String {
        self.associations()
            .into_iter()
            .find(|a| a.name() == Some(name))
            .unwrap_or_else(|| panic!("no association named {name:?}"))
            .account_association_id()
            .to_owned()
    }

    /// The managed things registered to `association` on the service (every page).
    pub fn registered(&self, association: &str) -> Vec<String> {
        let client = super::client(&self.handle);
        let mut things = Vec::new();
        let mut next = None;
        loop {
            let out = self
                .rt
                .block_on(
                    client
                        .list_managed_thing_account_associations()
                        .account_association_id(association)
                        .set_next_token(next)
                        .send(),
                )
                .expect("ListManagedThingAccountAssociations");
            things.extend(
                out.items()
                    .iter()
                    .filter_map(|i| i.managed_thing_id().map(str::to_owned)),
            );
            match out.next_token() {
                Some(token) => next = Some(token.to_owned()),
                None => return things,
            }
        }
    }

    pub fn oauth_url(&self, id: &str) -> String {
        let client = super::client(&self.handle);
        self.rt
            .block_on(
                client
                    .get_account_association()
                    .account_association_id(id)
                    .send(),
            )
            .expect("GetAccountAssociation")
            .o_auth_authorization_url()
            .to_owned()
    }
}

/// A stand-in browser: opens the consent page (the third party's sign-in page), submits its
/// form with `decision` as a user clicking the button would, and follows the redirects to the
/// service's callback and on to the completion page. Logs every hop to `browser.log` next to
/// it; the last line is the completion page's status (`-> 200`). Returns the `--browser-command`
/// that runs it, and the log.
pub fn write_browser(dir: &Path, decision: &str) -> (String, PathBuf) {
    let script = dir.join("consent.py");
    let log = dir.join("browser.log");
    std::fs::write(
        &script,
        r#"import sys, pathlib, urllib.parse, urllib.request
from html.parser import HTMLParser

decision, url = sys.argv[1], sys.argv[-1]
log = open(pathlib.Path(__file__).with_name("browser.log"), "a", buffering=1)

class Form(HTMLParser):
    def __init__(self):
        super().__init__()
        self.action, self.fields = None, {}
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.action = a.get("action")
        elif tag == "input" and a.get("type") == "hidden":
            self.fields[a["name"]] = a.get("value") or ""

class Hops(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        log.write(f"{code} -> {newurl}\n")
        return super().redirect_request(req, fp, code, msg, headers, newurl)

# Loopback only: a proxy from the environment must not see this traffic.
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), Hops())
try:
    log.write(f"GET {url}\n")
    form = Form()
    form.feed(opener.open(url, timeout=10).read().decode())
    fields = dict(form.fields, decision=decision)
    target = urllib.parse.urljoin(url, form.action or "")
    log.write(f"POST {target} {fields}\n")
    with opener.open(target, urllib.parse.urlencode(fields).encode(), timeout=10) as r:
        log.write(f"landed on {r.url}\n-> {r.status}\n")
except Exception as e:
    log.write(f"error: {e!r}\n")
    sys.exit(1)
"#,
    )
    .expect("write the browser script");
    (format!("python3 {} {decision}", script.display()), log)
}

pub fn wizard_args(sim: &Sim, extra: &[&str]) -> Vec<String> {
    let mut args = super::bin::endpoint_args(&sim.endpoint());
    args.extend(extra.iter().map(|a| a.to_string()));
    args
}

/// Polls `ok` until it holds, or panics after the e2e timeout.
pub fn wait_until(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + super::pty::timeout();
    while !ok() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// A simulator seed file of one connector (`big-cloud`) and the OAuth `destinations` given
/// (their `AuthConfig` from [`big_cloud_oauth`]), written to `dir/name`.
pub fn big_cloud_seed(dir: &Path, name: &str, destinations: Vec<serde_json::Value>) -> PathBuf {
    let seed = serde_json::json!({
        "CloudConnectors": [{
            "Id": "big-cloud",
            "Name": "Big Cloud",
            "Description": "connector",
            "Type": "LISTED",
            "EndpointType": "LAMBDA",
            "EndpointConfig": {"lambda": {"arn": "arn:aws:lambda:us-east-1:123456789012:function:big"}}
        }],
        "ConnectorDestinations": destinations,
        "AccountAssociations": []
    });
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(&seed).unwrap()).unwrap();
    path
}

/// A `big-cloud` OAuth destination's `AuthConfig` with `auth_url` and seven long scopes (a
/// consent URL of about 700 characters before any padding of `auth_url`).
pub fn big_cloud_oauth(auth_url: &str) -> serde_json::Value {
    let scope = (0..7)
        .map(|i| format!("https://api.bigcloud.example.com/auth/device.scope{i:02}"))
        .collect::<Vec<_>>()
        .join(" ");
    serde_json::json!({"oAuth": {
        "authUrl": auth_url,
        "tokenUrl": "{{ENDPOINT}}/third-party/big-cloud/oauth/token",
        "scope": scope,
        "tokenEndpointAuthenticationScheme": "HTTP_BASIC",
        "oAuthCompleteRedirectUrl": "{{ENDPOINT}}/oauth/complete/long-url",
        "proactiveRefreshTokenRenewal": {"enabled": true, "DaysBeforeRenewal": 3}
    }})
}
