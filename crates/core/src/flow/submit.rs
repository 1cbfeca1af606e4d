//! Submitting: CreateAccountAssociation, retried with the very same request on failure.

use super::effect::Effect;
use super::intent::Intent;
use super::model::{Step, SubmitState, Tracked};
use super::{Flow, Generation, authorize, nav};
use crate::service::{CreateRequest, CreatedAssociation, ServiceError};

pub fn on_intent(flow: &mut Flow, intent: Intent) -> Vec<Effect> {
    if flow.step != Step::Submit || !matches!(flow.submit, SubmitState::Failed(_)) {
        return Vec::new();
    }
    match intent {
        // A retry resends the very same request, token included: never a second association.
        Intent::Retry if !flow.retry_can_succeed() => {
            flow.notice = Some(SAME_TOKEN_CONFLICT.into());
            Vec::new()
        }
        Intent::Retry => match flow.last_sent.clone() {
            Some(request) => send_create(flow, request),
            None => Vec::new(),
        },
        Intent::EditDraft => {
            // The token is taken with other parameters: whatever is submitted next, even the
            // same values, goes with a new one.
            if !flow.retry_can_succeed() {
                flow.token_counter += 1;
            }
            flow.submit = SubmitState::Idle;
            nav::go_to(flow, Step::Review);
            Vec::new()
        }
        _ => Vec::new(),
    }
}

const SAME_TOKEN_CONFLICT: &str = "The service holds this ClientToken for other parameters: the \
     same request cannot succeed. e edits it and submits a new request (a new token)";

pub fn send_create(flow: &mut Flow, request: CreateRequest) -> Vec<Effect> {
    let generation = flow.next_generation();
    flow.submit = SubmitState::InFlight { generation };
    flow.last_sent = Some(request.clone());
    flow.step = Step::Submit;
    vec![Effect::CreateAssociation {
        generation,
        request,
    }]
}

pub fn on_created(
    flow: &mut Flow,
    generation: Generation,
    result: Result<CreatedAssociation, ServiceError>,
) -> Vec<Effect> {
    if flow.submit != (SubmitState::InFlight { generation }) {
        return Vec::new();
    }
    match result {
        Ok(created) => {
            flow.submit = SubmitState::Idle;
            let sent = flow.last_sent.as_ref();
            flow.association = Some(Tracked {
                id: created.id,
                arn: created.arn,
                name: sent.and_then(|r| r.name.clone()).unwrap_or_default(),
                destination_id: sent.map(|r| r.destination_id.clone()).unwrap_or_default(),
                state: created.state,
                oauth_url: created.oauth_url,
                error_message: None,
                seen: None,
                adopted: false,
                lost: None,
            });
            authorize::after_association_known(flow)
        }
        Err(error) => {
            flow.submit = SubmitState::Failed(error);
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::flow::testing::*;
    use crate::flow::*;
    use crate::service::{ErrorKind, ServiceError};

    #[test]
    fn a_failed_submit_is_retried_with_the_same_token_and_edit_gets_the_next() {
        let mut flow = flow_at(Step::Review);
        let effects = send(&mut flow, Intent::Submit);
        let first = created_request(&effects);
        update(
            &mut flow,
            Event::Created {
                generation: generation_of(&effects),
                result: Err(ServiceError::new(ErrorKind::Timeout, "slow")),
            },
            now(),
        );
        let retried = created_request(&send(&mut flow, Intent::Retry));
        assert_eq!(retried, first);
        let again = current_submit(&flow);
        update(
            &mut flow,
            Event::Created {
                generation: again,
                result: Err(ServiceError::new(ErrorKind::Timeout, "slow")),
            },
            now(),
        );
        send(&mut flow, Intent::EditDraft);
        assert_eq!(flow.step, Step::Review);
        send(&mut flow, Intent::EditRow(ReviewRow::Name));
        send(&mut flow, Intent::SetName("other".into()));
        send(&mut flow, Intent::Next);
        let changed = created_request(&send(&mut flow, Intent::Submit));
        assert_eq!(changed.client_token, "seed0123456789abcdef0123-1");
    }

    #[test]
    fn a_conflict_is_never_retried_with_the_same_token_and_the_edit_submits_a_new_one() {
        let mut flow = flow_at(Step::Review);
        let effects = send(&mut flow, Intent::Submit);
        let first = created_request(&effects);
        update(
            &mut flow,
            Event::Created {
                generation: generation_of(&effects),
                result: Err(ServiceError::new(ErrorKind::Conflict, "token reused")),
            },
            now(),
        );
        assert!(!flow.retry_can_succeed());
        let effects = send(&mut flow, Intent::Retry);
        assert!(
            !effects
                .iter()
                .any(|e| matches!(e, Effect::CreateAssociation { .. })),
            "{effects:?}"
        );
        assert!(flow.notice().is_some_and(|n| n.contains("cannot succeed")));
        send(&mut flow, Intent::EditDraft);
        assert_eq!(flow.step, Step::Review);
        // The same values, under a new token.
        let again = created_request(&send(&mut flow, Intent::Submit));
        assert_ne!(again.client_token, first.client_token);
        assert!(crate::flow::token::same_parameters(&again, &first));
    }

    /// `create`'s rule: whatever the session's own seed, the same destination and name in
    /// the same account send the same token (a batch row's), and another name another one.
    #[test]
    fn the_account_rule_sends_the_batch_row_s_token_for_the_destination_and_name() {
        const ACCOUNT: &str = "accountseed0123456789abcd";
        let submitted = |session_seed: &str, name: &str| {
            let mut flow = flow_at_from(
                Options {
                    token_seed: session_seed.into(),
                    token_rule: TokenRule::Account {
                        seed: ACCOUNT.into(),
                    },
                    ..options()
                },
                Step::Details,
            );
            send(&mut flow, Intent::SetName(name.into()));
            for _ in 0..2 {
                send(&mut flow, Intent::Next);
            }
            assert_eq!(flow.step, Step::Review);
            let request = created_request(&send(&mut flow, Intent::Submit));
            assert_eq!(flow.client_token(), request.client_token, "the token shown");
            request
        };
        let first = submitted("sessionseedAAAAAAAAAAAAA", "Lost Term");
        let rerun = submitted("sessionseedBBBBBBBBBBBBB", "Lost Term");
        assert_eq!(first.client_token, rerun.client_token);
        let row = crate::batch::BatchRow {
            line: 2,
            draft: crate::draft::Draft {
                destination: Some(first.destination_id.clone()),
                name: Some("Lost Term".into()),
                ..Default::default()
            },
        };
        assert_eq!(
            first.client_token,
            crate::batch::row_token(ACCOUNT, &row),
            "one rule with batch rows"
        );
        let other = submitted("sessionseedAAAAAAAAAAAAA", "Other Term");
        assert_ne!(other.client_token, first.client_token);
    }

    #[test]
    fn created_oauth_goes_to_authorize_and_polls() {
        let mut flow = flow_at(Step::Review);
        let effects = send(&mut flow, Intent::Submit);
        let effects = answer_created(&mut flow, generation_of(&effects), "https://auth.example/x");
        assert_eq!(flow.step, Step::Authorize);
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::SchedulePoll { .. }))
        );
    }
}
