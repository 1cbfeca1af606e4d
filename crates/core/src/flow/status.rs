//! Step 7: following the association's state until it is final, and the Done screen.
//! One poll cadence, one backoff and one wait-timeout rule for every front end.

use std::time::Duration;

use super::effect::Effect;
use super::intent::Intent;
use super::model::{OutcomeKind, Polling, RefreshState, Step, SubmitState};
use super::retry;
use super::{Flow, Generation, authorize, manage, nav};
use crate::service::{Association, AssociationState, ServiceError};

/// Poll about every second at first …
pub const POLL_FAST: Duration = Duration::from_secs(1);
/// … and every five seconds after a minute (or while throttled).
pub const POLL_SLOW: Duration = Duration::from_secs(5);
pub const POLL_BACKOFF_AFTER: Duration = Duration::from_secs(60);
/// `--wait-timeout`'s default (the flags say "15m").
pub const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_secs(15 * 60);

pub fn poll_interval(elapsed: Duration) -> Duration {
    if elapsed < POLL_BACKOFF_AFTER {
        POLL_FAST
    } else {
        POLL_SLOW
    }
}

pub fn on_intent(flow: &mut Flow, intent: Intent) -> Vec<Effect> {
    match intent {
        Intent::KeepWaiting => {
            let (now, wait) = (flow.now, flow.opts.wait_timeout);
            if let Some(polling) = flow.polling.as_mut().filter(|p| p.asking_timeout) {
                polling.asking_timeout = false;
                polling.deadline = now + wait;
            }
            Vec::new()
        }
        Intent::LeaveInProgress if flow.association.is_some() && flow.polling.is_some() => {
            vec![Effect::Exit(flow.outcome(OutcomeKind::LeftInProgress))]
        }
        Intent::Refresh => refresh(flow),
        Intent::Finish if flow.step == Step::Done && flow.return_to_manage => {
            manage::back_to_list(flow)
        }
        Intent::Finish if flow.step == Step::Done => nav::exit(flow, false),
        Intent::RetryAsNew(_) if flow.step == Step::Done => retry_failed(flow),
        _ => Vec::new(),
    }
}

/// The failed screen's retry: a new association from the same inputs. This run's own draft
/// goes back to Review as it was sent (with the next ClientToken: the old one names the failed
/// association); one picked in Manage is prefilled from what the service holds, as Manage does.
fn retry_failed(flow: &mut Flow) -> Vec<Effect> {
    let Some(tracked) = flow
        .association
        .as_ref()
        .filter(|a| a.state == AssociationState::Failed)
    else {
        return Vec::new();
    };
    if tracked.adopted || flow.destination.is_none() {
        return match tracked.seen.clone() {
            Some(seen) => manage::retry_as_new(flow, seen),
            None => Vec::new(),
        };
    }
    flow.association = None;
    flow.polling = None;
    flow.submit = SubmitState::Idle;
    flow.token_counter += 1;
    flow.last_sent = None;
    nav::go_to(flow, Step::Review);
    flow.notice = Some(
        "A new association from the same inputs: Enter creates it, or edit a row first".into(),
    );
    Vec::new()
}

/// StartAccountAssociationRefresh: a new consent URL. The front ends offer it once the refresh
/// token expired; `refresh ID` asks for it in any state but deleting, and the service decides
/// (a consent link is single-use and may have been spent or lost).
/// Why refreshing an association in `state` needs asking first: a succeeded one is working,
/// and StartAccountAssociationRefresh turns it back to in progress until the new consent URL
/// is approved.
pub fn refresh_warning(state: &AssociationState) -> Option<String> {
    (*state == AssociationState::Succeeded).then(|| {
        format!(
            "it is {state}: a refresh turns it back to {} until the new consent URL is approved",
            AssociationState::InProgress
        )
    })
}

fn refresh(flow: &mut Flow) -> Vec<Effect> {
    let refreshable = flow
        .association
        .as_ref()
        .is_some_and(|a| a.state != AssociationState::Deleting && a.lost.is_none());
    if !refreshable || matches!(flow.refresh, RefreshState::InFlight { .. }) {
        return Vec::new();
    }
    let Some(id) = flow.association.as_ref().map(|a| a.id.clone()) else {
        return Vec::new();
    };
    let generation = flow.next_generation();
    flow.refresh = RefreshState::InFlight { generation };
    vec![Effect::StartRefresh { generation, id }]
}

pub fn start_polling(flow: &mut Flow) -> Effect {
    let generation = flow.next_generation();
    flow.polling = Some(Polling {
        generation,
        started: flow.now,
        last_poll: None,
        in_flight: false,
        polls: 0,
        retrying: None,
        deadline: flow.now + flow.opts.wait_timeout,
        asking_timeout: false,
    });
    Effect::SchedulePoll {
        generation,
        after: POLL_FAST,
    }
}

/// Starts polling with a GetAccountAssociation right away (after a resume).
pub fn poll_now(flow: &mut Flow) -> Vec<Effect> {
    let Effect::SchedulePoll { generation, .. } = start_polling(flow) else {
        unreachable!("start_polling schedules a poll")
    };
    let Some(id) = flow.association.as_ref().map(|a| a.id.clone()) else {
        return Vec::new();
    };
    if let Some(polling) = flow.polling.as_mut() {
        polling.in_flight = true;
        polling.last_poll = Some(flow.now);
    }
    vec![Effect::GetAssociation { generation, id }]
}

pub fn on_poll_due(flow: &mut Flow, generation: Generation) -> Vec<Effect> {
    let now = flow.now;
    let Some(id) = flow.association.as_ref().map(|a| a.id.clone()) else {
        return Vec::new();
    };
    let Some(polling) = flow.polling.as_mut() else {
        return Vec::new();
    };
    if polling.generation != generation || polling.in_flight {
        return Vec::new();
    }
    polling.in_flight = true;
    polling.last_poll = Some(now);
    vec![Effect::GetAssociation { generation, id }]
}

pub fn on_polled(
    flow: &mut Flow,
    generation: Generation,
    result: Result<Association, ServiceError>,
) -> Vec<Effect> {
    let now = flow.now;
    let Some(polling) = flow.polling.as_mut() else {
        return Vec::new();
    };
    if polling.generation != generation {
        return Vec::new();
    }
    polling.in_flight = false;
    polling.polls += 1;
    let mut retry_after = None;
    match result {
        Ok(association) if is_not_the_drafts(flow.association.as_ref(), &association) => {
            return not_resumed(flow, &association);
        }
        Ok(association) => {
            polling.retrying = None;
            let mut url_arrived = false;
            if let Some(tracked) = flow.association.as_mut() {
                tracked.seen = Some(association.clone());
                if tracked.name.is_empty() {
                    tracked.name = association.name.clone();
                }
                if tracked.destination_id.is_empty() {
                    tracked.destination_id = association.destination_id.clone();
                }
                tracked.state = association.state.clone();
                tracked.error_message = association.error_message.clone();
                if !association.arn.is_empty() {
                    tracked.arn = association.arn;
                }
                // After a resume the URL is only known from GetAccountAssociation.
                if tracked.oauth_url.is_empty() && !association.oauth_url.is_empty() {
                    tracked.oauth_url = association.oauth_url;
                    url_arrived = association.state == AssociationState::InProgress;
                }
            }
            // Being deleted: its consent URL is dead, and Authorize no longer offers it.
            if flow.step == Step::Authorize && flow.oauth_url().is_none() {
                flow.step = Step::Status;
            }
            if url_arrived && flow.step == Step::Status {
                flow.step = Step::Authorize;
                let mut effects = authorize::open_browser(flow);
                effects.push(Effect::SchedulePoll {
                    generation,
                    after: POLL_FAST,
                });
                return effects;
            }
            if association.state.is_final() {
                flow.polling = None;
                let mut effects = on_final_state(flow);
                if flow.opts.notify {
                    effects.push(notification(flow));
                }
                return effects;
            }
        }
        Err(error) => {
            let salt = retry::salt_of(&flow.opts.token_seed);
            match retry::again(&mut polling.retrying, error, salt, None) {
                Ok(after) => retry_after = Some(after),
                Err(error) => return end_wait(flow, error),
            }
        }
    }
    let Some(polling) = flow.polling.as_ref() else {
        return Vec::new();
    };
    let interval = retry_after
        .unwrap_or_else(|| poll_interval(now.saturating_duration_since(polling.started)));
    check_wait_deadline(flow);
    vec![Effect::SchedulePoll {
        generation,
        after: interval,
    }]
}

/// A journal's association, seen for the first time, that is not the draft's (another
/// destination or name): a tampered or mixed-up journal must not make this run follow, and
/// report as its own, somebody else's association.
fn is_not_the_drafts(tracked: Option<&super::model::Tracked>, seen: &Association) -> bool {
    let Some(tracked) = tracked.filter(|t| !t.adopted && t.seen.is_none()) else {
        return false;
    };
    // What either side leaves blank (an unnamed association) proves nothing either way.
    let differs =
        |ours: &str, theirs: &str| !ours.is_empty() && !theirs.is_empty() && ours != theirs;
    differs(&tracked.destination_id, &seen.destination_id) || differs(&tracked.name, &seen.name)
}

/// Not resumed: the association is let go (the journal with it) and the draft is kept on
/// Review, where submitting it again returns its own association if it made one.
fn not_resumed(flow: &mut Flow, seen: &Association) -> Vec<Effect> {
    let id = flow.association.take().map(|a| a.id).unwrap_or_default();
    flow.polling = None;
    flow.submit = SubmitState::Idle;
    nav::go_to(flow, Step::Review);
    // The cause first: a status line may be cut at its width.
    flow.notice = Some(format!(
        "Not this draft's association, not resumed: {id} is {:?} on {}. The draft is kept.",
        crate::text::sanitize(&seen.name),
        crate::text::sanitize(&seen.destination_id)
    ));
    Vec::new()
}

/// The service said something waiting cannot change (the association is gone, or may not be
/// read): the wait ends now, on Done, with the reason; the journal lets go of the association.
fn end_wait(flow: &mut Flow, error: ServiceError) -> Vec<Effect> {
    flow.polling = None;
    if let Some(tracked) = flow.association.as_mut() {
        tracked.lost = Some(error);
    }
    flow.step = Step::Done;
    Vec::new()
}

/// Past the wait timeout the flow asks: keep waiting, or leave it in progress?
pub fn check_wait_deadline(flow: &mut Flow) {
    let now = flow.now;
    if let Some(polling) = flow.polling.as_mut()
        && !polling.asking_timeout
        && now >= polling.deadline
    {
        polling.asking_timeout = true;
        if flow.step == Step::Authorize {
            flow.step = Step::Status;
        }
    }
}

/// What the bell and desktop notification say when the association is final.
fn notification(flow: &Flow) -> Effect {
    let (name, state) = flow
        .association
        .as_ref()
        .map(|a| (a.name.clone(), a.state.clone()))
        .unwrap_or((String::new(), AssociationState::Failed));
    let body = match state {
        AssociationState::Succeeded => format!("{name}: the account is associated"),
        AssociationState::Failed => format!("{name}: the association failed"),
        other => format!("{name}: {other}"),
    };
    Effect::Notify {
        title: "iotmi-onboard".into(),
        body,
    }
}

/// A final state: Done, except an expired refresh token, which stays here to offer a refresh.
pub fn on_final_state(flow: &mut Flow) -> Vec<Effect> {
    let state = flow.association.as_ref().map(|a| a.state.clone());
    flow.step = match state {
        Some(AssociationState::RefreshTokenExpired) => Step::Status,
        _ => Step::Done,
    };
    Vec::new()
}

pub fn on_refreshed(
    flow: &mut Flow,
    generation: Generation,
    result: Result<String, ServiceError>,
) -> Vec<Effect> {
    if flow.refresh != (RefreshState::InFlight { generation }) {
        return Vec::new();
    }
    match result {
        Ok(url) => {
            flow.refresh = RefreshState::Idle;
            if let Some(tracked) = flow.association.as_mut() {
                tracked.oauth_url = url;
                tracked.state = AssociationState::InProgress;
                tracked.error_message = None;
            }
            authorize::after_association_known(flow)
        }
        Err(error) => {
            flow.refresh = RefreshState::Failed(error);
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::flow::testing::*;
    use crate::flow::*;
    use crate::service::{AssociationState, CreateRequest, ErrorKind, ServiceError};

    #[test]
    fn polls_fast_then_slow_and_stops_on_a_final_state() {
        assert_eq!(poll_interval(Duration::from_secs(10)), POLL_FAST);
        assert_eq!(poll_interval(Duration::from_secs(61)), POLL_SLOW);
        let mut flow = flow_at(Step::Review);
        let effects = send(&mut flow, Intent::Submit);
        let effects = answer_created(&mut flow, generation_of(&effects), "https://auth.example/x");
        let poll = poll_generation(&effects);
        let effects = update(&mut flow, Event::PollDue { generation: poll }, now());
        assert!(matches!(effects[..], [Effect::GetAssociation { .. }]));
        answer_poll(&mut flow, poll, AssociationState::Succeeded);
        assert_eq!(flow.step, Step::Done);
        assert!(flow.polling.is_none());
        let effects = send(&mut flow, Intent::Finish);
        assert!(matches!(
            &effects[..],
            [
                ..,
                Effect::Exit(Outcome {
                    kind: OutcomeKind::Succeeded,
                    ..
                })
            ]
        ));
    }

    /// Submits, answers the create, and puts one GetAccountAssociation in flight.
    fn polling_flow() -> (Flow, Generation) {
        let mut flow = flow_at(Step::Review);
        let effects = send(&mut flow, Intent::Submit);
        let effects = answer_created(&mut flow, generation_of(&effects), "https://auth.example/x");
        let poll = poll_generation(&effects);
        update(&mut flow, Event::PollDue { generation: poll }, now());
        (flow, poll)
    }

    fn failed_poll(flow: &mut Flow, poll: Generation, kind: ErrorKind) -> Vec<Effect> {
        update(
            flow,
            Event::Polled {
                generation: poll,
                result: Err(ServiceError::new(kind, "no")),
            },
            now(),
        )
    }

    #[test]
    fn errors_waiting_cannot_mend_end_the_wait_and_the_journal_lets_go() {
        for kind in [
            ErrorKind::NotFound,
            ErrorKind::AccessDenied,
            ErrorKind::Validation,
        ] {
            let (mut flow, poll) = polling_flow();
            assert!(persist::snapshot(&flow).is_some_and(|j| j.association_id.is_some()));
            let effects = failed_poll(&mut flow, poll, kind);
            assert!(
                !effects
                    .iter()
                    .any(|e| matches!(e, Effect::SchedulePoll { .. })),
                "{kind:?}: no further poll: {effects:?}"
            );
            assert_eq!(flow.step, Step::Done, "{kind:?}");
            assert!(flow.polling.is_none());
            assert_eq!(
                flow.association
                    .as_ref()
                    .and_then(|a| a.lost.as_ref())
                    .map(|e| e.kind),
                Some(kind)
            );
            assert!(
                effects.iter().any(|e| matches!(e, Effect::Persist(None))),
                "{kind:?}: the journal is cleared: {effects:?}"
            );
            let effects = send(&mut flow, Intent::Finish);
            assert!(matches!(
                effects.last(),
                Some(Effect::Exit(Outcome {
                    kind: OutcomeKind::Lost,
                    ..
                }))
            ));
            assert_eq!(OutcomeKind::Lost.exit_code(), crate::exit::ERROR);
        }
    }

    /// Only a NotFound says the association is gone: an access denied leaves its last state
    /// (it may still exist), and neither offers the consent URL any more.
    #[test]
    fn a_not_found_while_following_says_gone_and_drops_the_stale_state() {
        for (kind, gone) in [
            (ErrorKind::NotFound, true),
            (ErrorKind::AccessDenied, false),
        ] {
            let (mut flow, poll) = polling_flow();
            failed_poll(&mut flow, poll, kind);
            let tracked = flow.association.as_ref().unwrap();
            assert_eq!(tracked.gone(), gone, "{kind:?}");
            assert_eq!(flow.oauth_url(), None, "{kind:?}: no dead consent URL");
            let summary = flow.summary().unwrap();
            assert_eq!(summary.gone, gone, "{kind:?}");
            assert_eq!(summary.oauth_url, "", "{kind:?}");
            assert_eq!(
                summary.state,
                (!gone).then_some(AssociationState::InProgress),
                "{kind:?}"
            );
            assert!(send(&mut flow, Intent::Refresh).is_empty(), "{kind:?}");
        }
    }

    #[test]
    fn errors_waiting_can_mend_back_off_and_say_so() {
        let (mut flow, poll) = polling_flow();
        let mut waits = Vec::new();
        for attempt in 1..=4 {
            let effects = failed_poll(&mut flow, poll, ErrorKind::Throttled);
            let after = effects
                .iter()
                .find_map(|e| match e {
                    Effect::SchedulePoll { after, .. } => Some(*after),
                    _ => None,
                })
                .expect("polled again");
            let retrying = flow.polling.as_ref().unwrap().retrying.clone().unwrap();
            assert_eq!(retrying.attempt, attempt);
            assert_eq!(retrying.after, after);
            assert!(retrying.line().starts_with("throttled — retrying in "));
            waits.push(after);
            update(&mut flow, Event::PollDue { generation: poll }, now());
        }
        assert!(waits.windows(2).all(|w| w[1] > w[0]), "{waits:?}");
        // A good answer clears the note.
        answer_poll(&mut flow, poll, AssociationState::InProgress);
        assert!(flow.polling.as_ref().unwrap().retrying.is_none());
    }

    #[test]
    fn a_final_state_rings_only_when_the_front_end_asked_for_it() {
        for notify in [true, false] {
            let mut flow = flow_at(Step::Review);
            flow.opts.notify = notify;
            let effects = send(&mut flow, Intent::Submit);
            let effects =
                answer_created(&mut flow, generation_of(&effects), "https://auth.example/x");
            let poll = poll_generation(&effects);
            update(&mut flow, Event::PollDue { generation: poll }, now());
            let effects = answer_poll(&mut flow, poll, AssociationState::Succeeded);
            let rung: Vec<_> = effects
                .iter()
                .filter_map(|e| match e {
                    Effect::Notify { body, .. } => Some(body.clone()),
                    _ => None,
                })
                .collect();
            if notify {
                assert_eq!(rung, ["Acme OAuth account: the account is associated"]);
            } else {
                assert!(rung.is_empty());
            }
        }
    }

    #[test]
    fn the_summary_keeps_the_consent_url_only_while_in_progress() {
        let mut flow = flow_at(Step::Review);
        let effects = send(&mut flow, Intent::Submit);
        let effects = answer_created(&mut flow, generation_of(&effects), "https://auth.example/x");
        let summary = flow.summary().expect("a summary");
        assert_eq!(summary.oauth_url, "https://auth.example/x");
        let json = serde_json::to_value(&summary).unwrap();
        assert_eq!(json["OAuthAuthorizationUrl"], "https://auth.example/x");
        assert_eq!(json["AssociationState"], "ASSOCIATION_IN_PROGRESS");
        let poll = poll_generation(&effects);
        update(&mut flow, Event::PollDue { generation: poll }, now());
        answer_poll(&mut flow, poll, AssociationState::Succeeded);
        let json = serde_json::to_value(flow.summary().unwrap()).unwrap();
        assert!(json.get("OAuthAuthorizationUrl").is_none(), "{json}");
    }

    #[test]
    fn an_expired_refresh_token_offers_a_refresh_that_hands_out_a_new_url() {
        let mut flow = flow_at(Step::Review);
        let effects = send(&mut flow, Intent::Submit);
        let effects = answer_created(&mut flow, generation_of(&effects), "https://auth.example/x");
        let poll = poll_generation(&effects);
        update(&mut flow, Event::PollDue { generation: poll }, now());
        answer_poll(&mut flow, poll, AssociationState::RefreshTokenExpired);
        assert_eq!(flow.step, Step::Status);
        let effects = send(&mut flow, Intent::Refresh);
        let generation = match &effects[..] {
            [Effect::StartRefresh { generation, .. }] => *generation,
            other => panic!("{other:?}"),
        };
        update(
            &mut flow,
            Event::Refreshed {
                generation,
                result: Ok("https://auth.example/again".into()),
            },
            now(),
        );
        assert_eq!(flow.step, Step::Authorize);
        assert_eq!(flow.oauth_url(), Some("https://auth.example/again"));
    }

    #[test]
    fn only_a_succeeded_association_warns_before_a_refresh() {
        let warning = refresh_warning(&AssociationState::Succeeded).expect("warned");
        assert!(
            warning.contains("ASSOCIATION_IN_PROGRESS"),
            "says what it turns into: {warning}"
        );
        for state in [
            AssociationState::RefreshTokenExpired,
            AssociationState::InProgress,
            AssociationState::Failed,
        ] {
            assert_eq!(refresh_warning(&state), None, "{state}");
        }
    }

    #[test]
    fn a_failed_association_is_retried_as_a_new_one_with_the_next_token() {
        let mut flow = flow_at(Step::Review);
        let effects = send(&mut flow, Intent::Submit);
        let first = created_request(&effects);
        let effects = answer_created(&mut flow, generation_of(&effects), "https://auth.example/x");
        let poll = poll_generation(&effects);
        update(&mut flow, Event::PollDue { generation: poll }, now());
        answer_poll(&mut flow, poll, AssociationState::Failed);
        assert_eq!(flow.step, Step::Done);
        let effects = send(&mut flow, Intent::RetryAsNew("aa-1".into()));
        assert!(
            matches!(effects[..], [] | [Effect::Persist(_)]),
            "{effects:?}"
        );
        assert_eq!(flow.step, Step::Review);
        assert!(flow.association.is_none());
        let effects = send(&mut flow, Intent::Submit);
        let again = created_request(&effects);
        assert_eq!(
            CreateRequest {
                client_token: String::new(),
                ..again.clone()
            },
            CreateRequest {
                client_token: String::new(),
                ..first.clone()
            },
            "the same inputs"
        );
        assert_ne!(again.client_token, first.client_token, "a new association");
    }

    #[test]
    fn past_the_wait_timeout_it_asks_and_can_leave_in_progress() {
        let mut flow = flow_at(Step::Review);
        flow.opts.wait_timeout = Duration::from_secs(5);
        let effects = send(&mut flow, Intent::Submit);
        let effects = answer_created(&mut flow, generation_of(&effects), "https://auth.example/x");
        let poll = poll_generation(&effects);
        let later = now() + Duration::from_secs(6);
        update(&mut flow, Event::PollDue { generation: poll }, later);
        let answer = followed(&flow, AssociationState::InProgress);
        update(
            &mut flow,
            Event::Polled {
                generation: poll,
                result: Ok(answer),
            },
            later,
        );
        assert!(flow.polling.as_ref().unwrap().asking_timeout);
        assert_eq!(flow.step, Step::Status);
        let effects = update(&mut flow, Intent::LeaveInProgress, later);
        assert!(matches!(
            &effects[..],
            [
                ..,
                Effect::Exit(Outcome {
                    kind: OutcomeKind::LeftInProgress,
                    ..
                })
            ]
        ));
    }
}
