//! Step 6: the OAuth URL is handed to a browser (or to the operator to open elsewhere).

use super::effect::Effect;
use super::intent::Intent;
use super::model::{BrowserNote, Step};
use super::{Flow, status};
use crate::url_policy::{LaunchDecision, SkipReason, handover_form, shown_form};

pub fn on_intent(flow: &mut Flow, intent: Intent) -> Vec<Effect> {
    match intent {
        Intent::OpenBrowser if flow.step == Step::Authorize => {
            let effects = open_browser(flow);
            // Asked for by the user: say at once why nothing opens.
            flow.notice = match &flow.browser {
                BrowserNote::Skipped(reason) => Some(browser_skipped_line(flow, *reason)),
                BrowserNote::Refused(why) => Some(format!("Not opened: {why}")),
                _ => None,
            };
            effects
        }
        Intent::ShowStatus if flow.step == Step::Authorize => {
            flow.step = Step::Status;
            Vec::new()
        }
        Intent::ShowAuthorize if flow.step == Step::Status && flow.oauth_url().is_some() => {
            flow.step = Step::Authorize;
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// The association exists (created, refreshed or adopted from Manage): poll it and, when there
/// is a URL, show it and try the browser.
pub fn after_association_known(flow: &mut Flow) -> Vec<Effect> {
    let Some(state) = flow.association.as_ref().map(|a| a.state.clone()) else {
        return Vec::new();
    };
    if state.is_final() {
        flow.polling = None;
        return status::on_final_state(flow);
    }
    let mut effects = vec![status::start_polling(flow)];
    if flow.oauth_url().is_some() {
        flow.step = Step::Authorize;
        effects.extend(open_browser(flow));
    } else {
        flow.step = Step::Status;
    }
    effects
}

/// Opens the URL when the URL policy accepts it and a browser can be launched here.
pub fn open_browser(flow: &mut Flow) -> Vec<Effect> {
    let Some(raw) = flow.oauth_url() else {
        return Vec::new();
    };
    let url = match handover_form(raw, flow.opts.endpoint_is_loopback) {
        Ok(url) => url,
        Err(refusal) => {
            flow.browser = BrowserNote::Refused(refusal.to_string());
            return Vec::new();
        }
    };
    match &flow.opts.launch {
        LaunchDecision::Launch(launcher) => {
            flow.browser = BrowserNote::Opening;
            vec![Effect::OpenBrowser {
                url,
                launcher: launcher.clone(),
            }]
        }
        LaunchDecision::Skip(reason) => {
            flow.browser = BrowserNote::Skipped(*reason);
            Vec::new()
        }
    }
}

/// Where the user will sign in, said before anything opens: the URL's host (in punycode, so a
/// look-alike IDN host shows as what it is) and the connector's name when known.
pub fn sign_in(flow: &Flow) -> Option<(String, Option<String>)> {
    let url = url::Url::parse(&vetted_url(flow)?).ok()?;
    let host = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str()?),
        None => url.host_str()?.to_string(),
    };
    let tracked = flow.association.as_ref()?;
    let connector_id = match &flow.destination {
        Some(d) if d.id == tracked.destination_id => Some(d.cloud_connector_id.as_str()),
        _ => flow
            .listed_destination(&tracked.destination_id)
            .map(|d| d.cloud_connector_id.as_str()),
    };
    let connector = connector_id
        .and_then(|id| flow.connector_name(id))
        .map(str::to_string);
    Some((host, connector))
}

/// The URL's hand-over form (punycode host), when the URL policy accepts it: the only URL a
/// front end may open, copy, link or QR-encode.
pub fn vetted_url(flow: &Flow) -> Option<String> {
    handover_form(flow.oauth_url()?, flow.opts.endpoint_is_loopback).ok()
}

/// The URL as every front end shows it: the hand-over form when accepted, so what the screen
/// shows is what is copied; a refused URL sanitised.
pub fn shown_url(flow: &Flow) -> Option<String> {
    Some(shown_form(
        flow.oauth_url()?,
        flow.opts.endpoint_is_loopback,
    ))
}

/// Over SSH with the consent URL on this host's loopback (`demo`, a simulator on
/// `127.0.0.1`): neither a phone nor the operator's browser can reach it until the port is
/// forwarded, so the hand-over leads with [`LoopbackOverSsh::lines`] (a QR code of it
/// would lead nowhere).
pub fn loopback_over_ssh(flow: &Flow) -> Option<LoopbackOverSsh> {
    let ssh = flow.opts.ssh.as_ref()?;
    let vetted = vetted_url(flow)?;
    if !out_of_reach_over_ssh(flow, &vetted) {
        return None;
    }
    let url = url::Url::parse(&vetted).ok()?;
    Some(LoopbackOverSsh {
        host: url.host_str()?.to_string(),
        port: url.port_or_known_default()?,
        tunnel: ssh.tunnel.clone(),
        port_per_run: ssh.port_per_run,
    })
}

/// Whether `url` (any consent URL: the association's, a batch row's) is on this host's
/// loopback while the session is over SSH: a phone, or the operator's own browser, cannot
/// reach it until the port is forwarded.
pub fn out_of_reach_over_ssh(flow: &Flow, url: &str) -> bool {
    flow.opts.ssh.is_some()
        && url::Url::parse(url).is_ok_and(|url| crate::url_policy::is_loopback_url(&url))
}

/// Why no browser opened, in the words that fit the URL, for every front end: a URL on this
/// host's loopback cannot be opened "elsewhere" as it is (over SSH it needs the tunnel first;
/// without a display, a browser on this host).
pub fn browser_skipped_line(flow: &Flow, reason: SkipReason) -> String {
    if let (SkipReason::OverSsh, Some(over)) = (reason, loopback_over_ssh(flow)) {
        return over.browser_skipped().into();
    }
    let loopback = vetted_url(flow)
        .and_then(|url| url::Url::parse(&url).ok())
        .is_some_and(|url| crate::url_policy::is_loopback_url(&url));
    if reason == SkipReason::NoDisplay && loopback {
        return "No browser opened: no graphical display, and this loopback URL opens only in a \
                browser on this host"
            .into();
    }
    format!("No browser opened: {}", reason.explain())
}

/// See [`loopback_over_ssh`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoopbackOverSsh {
    pub host: String,
    pub port: u16,
    pub tunnel: Option<String>,
    pub port_per_run: bool,
}

impl LoopbackOverSsh {
    /// Why the URL cannot be reached as it is: the hand-over's first line.
    pub fn unreachable(&self) -> String {
        format!(
            "Over SSH this URL is on this host's loopback ({}:{}): a phone or a browser on \
             your machine cannot reach it.",
            self.host, self.port
        )
    }

    /// The tunnel that makes it reachable, as `(before, command, after)` so a screen can set
    /// the command apart; without `SSH_CONNECTION` the user and host are left to fill in.
    pub fn tunnel_line(&self) -> (&'static str, String, &'static str) {
        let port = self.port;
        match &self.tunnel {
            Some(tunnel) => (
                "On your own machine run ",
                tunnel.clone(),
                ", then open the URL there.",
            ),
            None => (
                "On your own machine run ",
                format!("ssh -L {port}:127.0.0.1:{port} USER@THIS-HOST"),
                " (this host's name), then open the URL there.",
            ),
        }
    }

    /// `demo` without `--port`: the next run listens elsewhere, so say how to keep the port.
    pub fn per_run(&self) -> Option<String> {
        self.port_per_run.then(|| {
            format!(
                "The demo picks a new port each run: `demo --port {}` keeps this one.",
                self.port
            )
        })
    }

    /// In place of the skipped launch's usual advice (open it elsewhere), which leads nowhere
    /// until the port is forwarded.
    pub fn browser_skipped(&self) -> &'static str {
        "No browser opened here: forward the port as above, then open the URL in your own browser"
    }
}

#[cfg(test)]
mod tests {
    use crate::flow::testing::*;
    use crate::flow::*;
    use crate::url_policy::{LaunchDecision, SkipReason};

    fn authorizing(url: &str, ssh: Option<SshSession>) -> Flow {
        let mut flow = flow_at(Step::Review);
        flow.opts.endpoint_is_loopback = true;
        flow.opts.ssh = ssh;
        let effects = send(&mut flow, Intent::Submit);
        answer_created(&mut flow, generation_of(&effects), url);
        flow
    }

    #[test]
    fn a_loopback_url_over_ssh_leads_with_the_tunnel() {
        let ssh = SshSession {
            tunnel: Some("ssh -L 4567:127.0.0.1:4567 alice@6.7.8.9".into()),
            port_per_run: true,
        };
        let flow = authorizing("http://127.0.0.1:4567/oauth/consent/a1", Some(ssh.clone()));
        let over = loopback_over_ssh(&flow).expect("loopback over SSH");
        assert!(over.unreachable().contains("127.0.0.1:4567"));
        assert!(over.unreachable().contains("a phone"));
        assert_eq!(
            over.tunnel_line().1,
            "ssh -L 4567:127.0.0.1:4567 alice@6.7.8.9"
        );
        assert!(over.per_run().unwrap().contains("--port 4567"));
        assert!(!over.browser_skipped().contains("scan"));
        for url in ["http://localhost:80/c", "http://[::1]:9/c"] {
            assert!(
                loopback_over_ssh(&authorizing(url, Some(ssh.clone()))).is_some(),
                "{url}"
            );
        }
        // A real provider's page is reachable from anywhere; not over SSH, nothing to forward.
        let remote = authorizing("https://auth.example.com/oauth?x=1", Some(ssh));
        assert_eq!(loopback_over_ssh(&remote), None);
        let local = authorizing("http://127.0.0.1:4567/oauth/consent/a1", None);
        assert_eq!(loopback_over_ssh(&local), None);
        // SSH_TTY alone names no server: the line says what to fill in; a fixed port is kept.
        let bare = authorizing("http://127.0.0.1:4567/c", Some(SshSession::default()));
        let over = loopback_over_ssh(&bare).unwrap();
        assert_eq!(
            over.tunnel_line().1,
            "ssh -L 4567:127.0.0.1:4567 USER@THIS-HOST"
        );
        assert_eq!(over.per_run(), None);
    }

    /// Why no browser opened is worded for the URL, the same for `o`'s notice and the screen:
    /// a loopback URL over SSH needs the tunnel (not "scan it"), and without a display a
    /// loopback URL is for a browser on this host (not "another machine").
    #[test]
    fn why_no_browser_opened_fits_a_loopback_url() {
        let ssh = SshSession {
            tunnel: Some("ssh -L 4567:127.0.0.1:4567 alice@6.7.8.9".into()),
            port_per_run: false,
        };
        let loopback = "http://127.0.0.1:4567/oauth/consent/a1";
        let mut over_ssh = authorizing(loopback, Some(ssh.clone()));
        over_ssh.opts.launch = LaunchDecision::Skip(SkipReason::OverSsh);
        send(&mut over_ssh, Intent::OpenBrowser);
        let said = over_ssh.take_notice().expect("o says why");
        assert!(said.contains("forward the port"), "{said}");
        assert!(!said.contains("scan"), "{said}");
        assert_eq!(said, browser_skipped_line(&over_ssh, SkipReason::OverSsh));

        let mut remote = authorizing("https://auth.example.com/oauth?x=1", Some(ssh));
        remote.opts.launch = LaunchDecision::Skip(SkipReason::OverSsh);
        let said = browser_skipped_line(&remote, SkipReason::OverSsh);
        assert!(said.contains("your own device"), "{said}");

        let local = authorizing(loopback, None);
        let said = browser_skipped_line(&local, SkipReason::NoDisplay);
        assert!(said.contains("a browser on this host"), "{said}");
        assert!(!said.contains("on a machine with a browser"), "{said}");
        let remote = authorizing("https://auth.example.com/oauth?x=1", None);
        let said = browser_skipped_line(&remote, SkipReason::NoDisplay);
        assert!(said.contains("on a machine with a browser"), "{said}");
    }

    #[test]
    fn a_refused_url_is_never_opened() {
        let mut flow = flow_at(Step::Review);
        flow.opts.launch = LaunchDecision::Launch(crate::url_policy::Launcher::System);
        let effects = send(&mut flow, Intent::Submit);
        let effects = answer_created(&mut flow, generation_of(&effects), "javascript:alert(1)");
        assert!(
            !effects
                .iter()
                .any(|e| matches!(e, Effect::OpenBrowser { .. }))
        );
        assert!(matches!(flow.browser, BrowserNote::Refused(_)));
        assert!(
            send(&mut flow, Intent::OpenBrowser)
                .iter()
                .all(|e| !matches!(e, Effect::OpenBrowser { .. }))
        );
        assert_eq!(super::vetted_url(&flow), None);
    }

    #[test]
    fn every_hand_over_of_a_look_alike_host_is_its_punycode_form() {
        let mut flow = flow_at(Step::Review);
        flow.opts.launch = LaunchDecision::Launch(crate::url_policy::Launcher::System);
        let effects = send(&mut flow, Intent::Submit);
        // "аpple.com" with a Cyrillic а.
        let raw = "https://\u{0430}pple.com/oauth/authorize?state=x";
        let effects = answer_created(&mut flow, generation_of(&effects), raw);
        let puny = "https://xn--pple-43d.com/oauth/authorize?state=x";
        let opened: Vec<&str> = effects
            .iter()
            .filter_map(|e| match e {
                Effect::OpenBrowser { url, .. } => Some(url.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(opened, [puny]);
        assert_eq!(super::vetted_url(&flow).as_deref(), Some(puny));
        assert_eq!(super::shown_url(&flow).as_deref(), Some(puny));
    }

    #[test]
    fn over_ssh_the_browser_is_skipped_and_said_why() {
        let mut flow = flow_at(Step::Review);
        flow.opts.launch = LaunchDecision::Skip(SkipReason::OverSsh);
        let effects = send(&mut flow, Intent::Submit);
        answer_created(&mut flow, generation_of(&effects), "https://auth.example/x");
        assert_eq!(flow.browser, BrowserNote::Skipped(SkipReason::OverSsh));
        send(&mut flow, Intent::OpenBrowser);
        assert!(
            flow.notice
                .as_deref()
                .is_some_and(|n| n.contains("over SSH")),
            "o says why: {:?}",
            flow.notice
        );
        send(&mut flow, Intent::ShowStatus);
        assert_eq!(flow.step, Step::Status);
        send(&mut flow, Intent::ShowAuthorize);
        assert_eq!(flow.step, Step::Authorize);
    }
}
