//! When the journal is written: the flow decides (an explicit effect), the runtime writes.

use super::Flow;
use super::effect::Effect;
use super::model::{Step, SubmitState};
use crate::draft::Draft;
use crate::journal::{Journal, SavedStep, VERSION};
use crate::service::AssociationState;

/// What the journal should hold now: the draft and the association created from it. `None`
/// when there is nothing worth resuming or that association is finished (succeeded, or failed
/// and acknowledged). An association picked in Manage is not the draft's: it is never
/// journaled (Manage finds it again).
pub fn snapshot(flow: &Flow) -> Option<Journal> {
    if flow.step == Step::Resume {
        // Not decided yet: the saved session stays as it was.
        return flow.opts.resume.clone();
    }
    if let Some(devices) = devices_snapshot(flow) {
        return Some(devices);
    }
    let own = flow.association.as_ref().filter(|a| !a.adopted);
    let finished = match own.map(|a| &a.state) {
        // Gone or unreadable: nothing to resume (the draft went with it).
        _ if own.is_some_and(|a| a.lost.is_some()) => true,
        Some(AssociationState::Succeeded) => true,
        Some(AssociationState::Failed) => flow.exit.is_some(),
        _ => false,
    };
    if finished {
        return None;
    }
    // A draft counts from its first input, a prefilled flag included: a run killed while the
    // destination's details load comes back with what the command line gave.
    if own.is_none() && !flow.has_draft() {
        // Browsing (Start, an explicit --manage) is not drafting: a saved session stays.
        return flow.opts.resume.clone();
    }
    let step = match flow.step {
        Step::Destination => SavedStep::Destination,
        Step::Details => SavedStep::Details,
        Step::Tags => SavedStep::Tags,
        Step::Auth => SavedStep::Auth,
        Step::Review | Step::Submit => SavedStep::Review,
        // Elsewhere (Start, Manage, an adopted association's screens) the draft keeps the
        // step it was saved at.
        _ => flow
            .persisted
            .as_ref()
            .map_or(SavedStep::Destination, |j| j.step),
    };
    let unanswered = match flow.submit {
        SubmitState::InFlight { .. } | SubmitState::Failed(_) if flow.association.is_none() => {
            flow.last_sent.clone()
        }
        _ => None,
    };
    Some(Journal {
        version: VERSION,
        saved_at: 0,
        step,
        destination: flow.destination.clone(),
        draft: Draft {
            // The chosen destination is saved with its details; only one asked for and not
            // known yet is saved by id.
            destination: flow
                .destination
                .is_none()
                .then(|| flow.opts.prefill.destination.clone())
                .flatten(),
            ..flow.draft()
        },
        token_seed: flow.opts.token_seed.clone(),
        token_counter: flow.token_counter,
        unanswered,
        association_id: own.map(|a| a.id.clone()),
        devices: None,
    })
}

/// While devices are being adopted: what a rerun needs to adopt the rest with the same tokens.
fn devices_snapshot(flow: &Flow) -> Option<Journal> {
    let view = flow.devices.as_ref()?;
    // Adopting began and some of the selection is not adopted yet (failed ones included).
    let discovery_id = view.discovery.id()?;
    if view.adoption.is_none() || view.selected.is_empty() {
        return None;
    }
    Some(Journal {
        version: VERSION,
        saved_at: 0,
        step: SavedStep::Review,
        destination: None,
        draft: Draft::default(),
        token_seed: flow.opts.token_seed.clone(),
        token_counter: flow.token_counter,
        unanswered: None,
        association_id: None,
        devices: Some(crate::journal::DevicesJournal {
            association_id: view.association_id.clone(),
            association_name: view.association_name.clone(),
            discovery_id: discovery_id.to_string(),
            selected: view.selected.iter().cloned().collect(),
            from_manage: view.from_manage,
        }),
    })
}

/// `Persist` when the snapshot differs from what was last handed out (its time aside).
pub fn persist(flow: &mut Flow) -> Option<Effect> {
    let now = snapshot(flow);
    let strip = |j: &Option<Journal>| j.clone().map(|j| Journal { saved_at: 0, ..j });
    if strip(&now) == strip(&flow.persisted) {
        return None;
    }
    flow.persisted = now.clone();
    Some(Effect::Persist(now))
}

#[cfg(test)]
mod tests {
    use crate::flow::testing::*;
    use crate::flow::*;

    #[test]
    fn a_prefilled_start_is_journaled_before_any_answer_arrives() {
        let mut flow = Flow::new(
            Options {
                first: FirstScreen::Create,
                prefill: Prefill {
                    destination: Some("dest-oauth".into()),
                    name: Some("From flags".into()),
                    tags: vec![("env".into(), "prod".into())],
                    ..Prefill::default()
                },
                ..options()
            },
            now(),
        );
        let effects = init(&mut flow);
        let journal = effects
            .iter()
            .find_map(|e| match e {
                Effect::Persist(Some(journal)) => Some(journal.clone()),
                _ => None,
            })
            .expect("journaled at start");
        assert_eq!(journal.draft.destination.as_deref(), Some("dest-oauth"));
        assert_eq!(journal.draft.name.as_deref(), Some("From flags"));
        assert_eq!(
            journal.draft.tags,
            [("env".to_string(), "prod".to_string())]
        );

        // The rerun resumes it: the wanted destination comes back as the prefill.
        let mut again = flow_with_resume(journal);
        send(&mut again, Intent::Resume);
        assert_eq!(again.step, Step::Destination);
        assert_eq!(
            again.opts.prefill.destination.as_deref(),
            Some("dest-oauth")
        );
        assert_eq!(again.details.name, "From flags");
    }
}
