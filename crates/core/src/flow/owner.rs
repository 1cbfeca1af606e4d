//! `demo` only: the presenter acts as the third-party account owner from the keyboard — approve
//! or deny on the consent page, or revoke the grant later — so a talk needs no browser. The
//! runtime drives the simulator's consent chain over HTTP exactly as a browser would, so the
//! states and messages that follow are the ones a real consent produces; the flow learns them
//! by polling, as always.

use super::effect::Effect;
use super::intent::Intent;
use super::model::Step;
use super::{Flow, Generation, status};
use crate::service::AssociationState;
use crate::url_policy::handover_form;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OwnerAction {
    /// Allow on the consent page.
    Approve,
    /// Deny on the consent page.
    Deny,
    /// Revoke the grant at the third party: a succeeded association's refresh token stops
    /// working.
    Revoke,
}

impl OwnerAction {
    /// What the owner is doing, for the notice while it runs.
    fn doing(self) -> &'static str {
        match self {
            OwnerAction::Approve => "Approving on the consent page as the account owner…",
            OwnerAction::Deny => "Denying on the consent page as the account owner…",
            OwnerAction::Revoke => "Revoking the grant at the third party as the account owner…",
        }
    }

    fn done(self) -> &'static str {
        match self {
            OwnerAction::Approve => "The account owner approved on the consent page.",
            OwnerAction::Deny => "The account owner denied access on the consent page.",
            OwnerAction::Revoke => "The account owner revoked the grant at the third party.",
        }
    }
}

/// Where the account owner is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OwnerState {
    /// An action on its way.
    pub busy: Option<Generation>,
    /// The consent URL already answered (a link is single-use: no A/D for it again).
    pub answered: Option<String>,
}

/// The owner's actions that fit the association on screen now (none outside `demo`).
pub fn owner_actions(flow: &Flow) -> &'static [OwnerAction] {
    let Some(tracked) = flow.association.as_ref() else {
        return &[];
    };
    if !flow.target.demo || flow.owner.busy.is_some() {
        return &[];
    }
    match (&tracked.state, flow.step) {
        (AssociationState::InProgress, Step::Authorize | Step::Status)
            if flow.oauth_url().is_some() && flow.oauth_url() != flow.owner.answered.as_deref() =>
        {
            &[OwnerAction::Approve, OwnerAction::Deny]
        }
        (AssociationState::Succeeded, Step::Status | Step::Done) => &[OwnerAction::Revoke],
        _ => &[],
    }
}

pub fn on_intent(flow: &mut Flow, intent: Intent) -> Vec<Effect> {
    let Intent::ActAsOwner(action) = intent else {
        return Vec::new();
    };
    if !flow.target.demo {
        return Vec::new();
    }
    if !owner_actions(flow).contains(&action) {
        flow.notice = Some(match action {
            _ if flow.owner.busy.is_some() => {
                "The account owner is still busy with the last action".into()
            }
            OwnerAction::Revoke => "Only a succeeded association can be revoked".into(),
            _ => "There is no consent page waiting for the account owner".into(),
        });
        return Vec::new();
    }
    let Some(tracked) = flow.association.as_ref() else {
        return Vec::new();
    };
    let association_id = tracked.id.clone();
    let url = match action {
        OwnerAction::Approve | OwnerAction::Deny => flow.oauth_url().map(str::to_string),
        OwnerAction::Revoke => revoke_url(flow),
    };
    // The same URL policy as opening: the owner only ever visits a URL a browser could be sent to.
    let Some(url) = url.and_then(|u| handover_form(&u, flow.opts.endpoint_is_loopback).ok()) else {
        flow.notice = Some("The consent page's URL was refused by the URL policy".into());
        return Vec::new();
    };
    start(flow, action, url, association_id)
}

/// The owner's visit to `url` (vetted), one at a time: busy until it is answered.
pub(super) fn start(
    flow: &mut Flow,
    action: OwnerAction,
    url: String,
    association_id: String,
) -> Vec<Effect> {
    let generation = flow.next_generation();
    flow.owner.busy = Some(generation);
    flow.notice = Some(action.doing().into());
    vec![Effect::ActAsOwner {
        generation,
        action,
        url,
        association_id,
    }]
}

/// The third party's revoke page: beside its consent page when the URL is known, otherwise
/// under the endpoint (the demo's third party is served by its simulator).
fn revoke_url(flow: &Flow) -> Option<String> {
    if let Some(mut url) = flow.oauth_url().and_then(|u| url::Url::parse(u).ok()) {
        let path = url.path();
        let base = path
            .rsplit_once('/')
            .map_or("", |(base, _)| base)
            .to_string();
        url.set_path(&format!("{base}/revoke"));
        url.set_query(None);
        return Some(url.into());
    }
    let endpoint = flow.target.endpoint.as_deref()?;
    let url = url::Url::parse(endpoint).ok()?;
    Some(
        url.join("/third-party/account-owner/oauth/revoke")
            .ok()?
            .into(),
    )
}

/// The runtime drove the chain: say how it went and look at the association at once (the
/// outcome is the service's, learnt by polling as after a browser).
pub fn on_acted(
    flow: &mut Flow,
    generation: Generation,
    action: OwnerAction,
    result: Result<(), String>,
) -> Vec<Effect> {
    if flow.owner.busy != Some(generation) {
        return Vec::new();
    }
    flow.owner.busy = None;
    match result {
        Ok(()) => {
            if action != OwnerAction::Revoke {
                flow.owner.answered = flow.oauth_url().map(str::to_string);
            }
            flow.notice = Some(action.done().into());
            poll_soon(flow)
        }
        Err(why) => {
            flow.notice = Some(format!("The account owner could not act: {why}"));
            Vec::new()
        }
    }
}

/// A GetAccountAssociation now: on the running poll when there is one, else a new poll (a
/// final association is not polled any more).
fn poll_soon(flow: &mut Flow) -> Vec<Effect> {
    let id = match flow.association.as_ref() {
        Some(tracked) => tracked.id.clone(),
        None => return Vec::new(),
    };
    let now = flow.now;
    match flow.polling.as_mut() {
        Some(polling) if polling.in_flight => Vec::new(),
        Some(polling) => {
            polling.in_flight = true;
            polling.last_poll = Some(now);
            vec![Effect::GetAssociation {
                generation: polling.generation,
                id,
            }]
        }
        None => status::poll_now(flow),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::testing::*;
    use crate::flow::*;

    fn demo_waiting_for_consent() -> Flow {
        let mut flow = flow_at(Step::Review);
        flow.target.demo = true;
        flow.opts.endpoint_is_loopback = true;
        let effects = send(&mut flow, Intent::Submit);
        answer_created(
            &mut flow,
            generation_of(&effects),
            "http://127.0.0.1:4000/third-party/acme/oauth/authorize?state=s",
        );
        assert_eq!(flow.step, Step::Authorize);
        flow
    }

    /// The action succeeded: the flow asks the service for the association again at once.
    fn answered_and_polled(flow: &mut Flow, generation: Generation, action: OwnerAction) {
        let effects = update(
            flow,
            Event::OwnerActed {
                generation,
                action,
                result: Ok(()),
            },
            now(),
        );
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::GetAssociation { .. })),
            "{effects:?}"
        );
    }

    fn acted(effects: &[Effect]) -> (Generation, OwnerAction, String) {
        effects
            .iter()
            .find_map(|e| match e {
                Effect::ActAsOwner {
                    generation,
                    action,
                    url,
                    ..
                } => Some((*generation, *action, url.clone())),
                _ => None,
            })
            .expect("an ActAsOwner effect")
    }

    #[test]
    fn approve_visits_the_consent_url_and_then_polls_at_once() {
        let mut flow = demo_waiting_for_consent();
        assert_eq!(
            owner_actions(&flow),
            &[OwnerAction::Approve, OwnerAction::Deny]
        );
        let (generation, action, url) =
            acted(&send(&mut flow, Intent::ActAsOwner(OwnerAction::Approve)));
        assert_eq!(action, OwnerAction::Approve);
        assert_eq!(url, flow.oauth_url().unwrap());
        assert!(owner_actions(&flow).is_empty(), "one action at a time");
        answered_and_polled(&mut flow, generation, action);
        assert!(flow.notice.as_deref().unwrap().contains("approved"));
        assert!(
            owner_actions(&flow).is_empty(),
            "the link is used: no second answer while the service settles"
        );
    }

    #[test]
    fn outside_a_demo_the_owner_keys_do_nothing() {
        let mut flow = demo_waiting_for_consent();
        flow.target.demo = false;
        assert!(owner_actions(&flow).is_empty());
        assert!(send(&mut flow, Intent::ActAsOwner(OwnerAction::Approve)).is_empty());
    }

    #[test]
    fn revoke_fits_only_a_succeeded_association_and_polls_it_again() {
        let mut flow = demo_waiting_for_consent();
        assert!(send(&mut flow, Intent::ActAsOwner(OwnerAction::Revoke)).is_empty());
        assert!(flow.notice.as_deref().unwrap().contains("succeeded"));
        let generation = flow.polling.as_ref().unwrap().generation;
        answer_poll(&mut flow, generation, AssociationState::Succeeded);
        assert_eq!(flow.step, Step::Done);
        assert_eq!(owner_actions(&flow), &[OwnerAction::Revoke]);
        let (generation, _, url) = acted(&send(&mut flow, Intent::ActAsOwner(OwnerAction::Revoke)));
        assert_eq!(url, "http://127.0.0.1:4000/third-party/acme/oauth/revoke");
        // A final association is polled again.
        answered_and_polled(&mut flow, generation, OwnerAction::Revoke);
    }

    #[test]
    fn a_failed_action_says_why_and_a_stale_answer_is_dropped() {
        let mut flow = demo_waiting_for_consent();
        let (generation, action, _) =
            acted(&send(&mut flow, Intent::ActAsOwner(OwnerAction::Deny)));
        let stale = update(
            &mut flow,
            Event::OwnerActed {
                generation: generation + 100,
                action,
                result: Ok(()),
            },
            now(),
        );
        assert!(stale.is_empty());
        update(
            &mut flow,
            Event::OwnerActed {
                generation,
                action,
                result: Err("Link already used".into()),
            },
            now(),
        );
        assert!(
            flow.notice
                .as_deref()
                .unwrap()
                .contains("Link already used")
        );
        assert_eq!(
            owner_actions(&flow),
            &[OwnerAction::Approve, OwnerAction::Deny]
        );
    }
}
