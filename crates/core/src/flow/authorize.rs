//! Step 6: the OAuth URL is handed to a browser (or to the operator to open elsewhere).

use super::effect::Effect;
use super::intent::Intent;
use super::model::{BrowserNote, Step};
use super::{Flow, status};
use crate::url_policy::{LaunchDecision, handover_form, shown_form};

pub fn on_intent(flow: &mut Flow, intent: Intent) -> Vec<Effect> {
    match intent {
        Intent::OpenBrowser if flow.step == Step::Authorize => {
            let effects = open_browser(flow);
            // Asked for by the user: say at once why nothing opens.
            flow.notice = match &flow.browser {
                BrowserNote::Skipped(reason) => {
                    Some(format!("No browser opened: {}", reason.explain()))
                }
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

#[cfg(test)]
mod tests {
    use crate::flow::testing::*;
    use crate::flow::*;
    use crate::url_policy::{LaunchDecision, SkipReason};

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
