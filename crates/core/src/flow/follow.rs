//! Following an existing association by id (`status ID --wait`, `refresh ID`): one
//! GetAccountAssociation, then the same Authorize and State steps as after a create, so the
//! scripted commands wait, refresh and time out by the flow's one set of rules.

use super::effect::Effect;
use super::intent::Intent;
use super::model::{Following, Step, SubmitState, Tracked};
use super::retry;
use super::{Flow, Generation, status};
use crate::service::{Association, ServiceError};

pub fn on_intent(flow: &mut Flow, intent: Intent) -> Vec<Effect> {
    let Intent::Follow(id) = intent else {
        return Vec::new();
    };
    // Only a run that has nothing of its own yet: never trade a draft's association for another.
    if id.is_empty() || flow.association.is_some() || flow.submit != SubmitState::Idle {
        return Vec::new();
    }
    let generation = flow.next_generation();
    flow.following = Some(Following {
        id: id.clone(),
        generation,
        error: None,
        retrying: None,
    });
    vec![Effect::FetchAssociation { generation, id }]
}

/// This GetAccountAssociation answer is the one a Follow waits for.
pub fn answers(flow: &Flow, generation: Generation) -> bool {
    flow.following
        .as_ref()
        .is_some_and(|f| f.generation == generation && f.error.is_none())
}

pub fn on_detail(flow: &mut Flow, result: Result<Association, ServiceError>) -> Vec<Effect> {
    match result {
        Ok(association) => {
            flow.following = None;
            flow.association = Some(Tracked::from(&association));
            if association.state.is_final() {
                return status::on_final_state(flow);
            }
            // No browser: following is looking, not consenting (a refresh opens its new URL).
            flow.step = if flow.oauth_url().is_some() {
                Step::Authorize
            } else {
                Step::Status
            };
            vec![status::start_polling(flow)]
        }
        Err(error) => {
            let salt = retry::salt_of(&flow.opts.token_seed);
            let Some(following) = flow.following.as_mut() else {
                return Vec::new();
            };
            // The one wait rule: a passing error (throttled, 5xx…) is asked again after a
            // backoff; any other is the answer.
            match retry::again(&mut following.retrying, error, salt, Some(LOOKUP_RETRIES)) {
                Ok(after) => vec![Effect::Wake {
                    generation: following.generation,
                    after,
                }],
                Err(error) => {
                    following.error = Some(error);
                    Vec::new()
                }
            }
        }
    }
}

/// Retries of a look-up that keeps failing in passing, before its error is the answer.
pub const LOOKUP_RETRIES: u32 = 6;

/// Whether `Event::Woke { generation }` is the look-up's retry timer.
pub fn owns_timer(flow: &Flow, generation: Generation) -> bool {
    flow.following
        .as_ref()
        .is_some_and(|f| f.generation == generation && f.retrying.is_some())
}

/// The retry timer: GetAccountAssociation again.
pub fn on_woke(flow: &Flow) -> Vec<Effect> {
    match &flow.following {
        Some(following) => vec![Effect::FetchAssociation {
            generation: following.generation,
            id: following.id.clone(),
        }],
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use crate::flow::testing::*;
    use crate::flow::*;
    use crate::service::{Association, AssociationState, ErrorKind, ServiceError};

    fn followed(flow: &mut Flow, id: &str) -> Generation {
        match &send(flow, Intent::Follow(id.into()))[..] {
            [
                Effect::FetchAssociation {
                    generation,
                    id: asked,
                },
            ] if asked == id => *generation,
            other => panic!("{other:?}"),
        }
    }

    fn answer(
        flow: &mut Flow,
        generation: Generation,
        result: Result<Association, ServiceError>,
    ) -> Vec<Effect> {
        update(flow, Event::AssociationDetail { generation, result }, now())
    }

    #[test]
    fn an_in_progress_association_is_followed_like_a_created_one() {
        let mut flow = flow_at_start();
        let generation = followed(&mut flow, "aa-1");
        assert!(
            flow.waiting(),
            "front ends hold input while it is looked up"
        );
        let mut found = association(AssociationState::InProgress);
        found.id = "aa-1".into();
        found.oauth_url = "https://auth.example/consent".into();
        let effects = answer(&mut flow, generation, Ok(found.clone()));
        assert_eq!(flow.step, Step::Authorize);
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::SchedulePoll { .. })),
            "polling starts: {effects:?}"
        );
        let tracked = flow.association.as_ref().unwrap();
        assert_eq!(tracked.id, "aa-1");
        assert_eq!(tracked.seen.as_ref(), Some(&found));
        assert!(!flow.waiting());
        assert_eq!(flow.browser, BrowserNote::None, "no browser for looking");
    }

    #[test]
    fn a_final_association_goes_straight_to_done() {
        let mut flow = flow_at_start();
        let generation = followed(&mut flow, "aa-2");
        answer(
            &mut flow,
            generation,
            Ok(association(AssociationState::Failed)),
        );
        assert_eq!(flow.step, Step::Done);
        assert!(flow.polling.is_none());
    }

    #[test]
    fn an_error_is_kept_for_the_front_end_and_nothing_is_tracked() {
        let mut flow = flow_at_start();
        let generation = followed(&mut flow, "nope");
        let step = flow.step;
        answer(
            &mut flow,
            generation,
            Err(ServiceError::new(
                ErrorKind::NotFound,
                "no such association",
            )),
        );
        assert_eq!(flow.step, step);
        assert!(flow.association.is_none());
        let error = flow.following.as_ref().and_then(|f| f.error.as_ref());
        assert_eq!(error.map(|e| e.kind), Some(ErrorKind::NotFound));
        assert!(!flow.waiting());
    }

    #[test]
    fn a_passing_error_is_asked_again_after_a_backoff() {
        let mut flow = flow_at_start();
        let generation = followed(&mut flow, "aa-1");
        let effects = answer(
            &mut flow,
            generation,
            Err(ServiceError::new(ErrorKind::ServerError, "boom")),
        );
        assert!(
            matches!(&effects[..], [Effect::Wake { generation: g, .. }] if *g == generation),
            "{effects:?}"
        );
        assert!(flow.following.as_ref().unwrap().error.is_none());
        assert!(flow.waiting(), "still looking");
        let effects = update(&mut flow, Event::Woke { generation }, now());
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::FetchAssociation { id, .. } if id == "aa-1")),
            "{effects:?}"
        );
        let mut found = association(AssociationState::Succeeded);
        found.id = "aa-1".into();
        answer(&mut flow, generation, Ok(found));
        assert_eq!(flow.step, Step::Done);
    }

    #[test]
    fn a_run_with_its_own_association_does_not_follow_another() {
        let mut flow = flow_at(Step::Review);
        let effects = send(&mut flow, Intent::Submit);
        assert!(!effects.is_empty());
        assert!(send(&mut flow, Intent::Follow("other".into())).is_empty());
    }
}
