//! When the journal is written: the flow decides (an explicit effect), the runtime writes.

use super::Flow;
use super::effect::Effect;
use super::model::{Step, SubmitState};
use crate::journal::{Journal, SavedStep, VERSION};
use crate::service::AssociationState;

/// What the journal should hold now; `None` when there is nothing worth resuming (nothing
/// chosen yet) or the association is finished (succeeded, or failed and acknowledged).
pub fn snapshot(flow: &Flow) -> Option<Journal> {
    if matches!(flow.step, Step::Resume | Step::Start | Step::Manage) {
        // Browsing is not drafting: a saved session stays as it was.
        return flow.opts.resume.clone();
    }
    let finished = match flow.association.as_ref().map(|a| &a.state) {
        Some(AssociationState::Succeeded) => true,
        Some(AssociationState::Failed) => flow.exit.is_some(),
        _ => false,
    };
    if finished
        || (flow.destination.is_none() && flow.association.is_none() && flow.last_sent.is_none())
    {
        return None;
    }
    let step = match flow.step {
        Step::Start | Step::Manage | Step::Resume | Step::Destination => SavedStep::Destination,
        Step::Details => SavedStep::Details,
        Step::Tags => SavedStep::Tags,
        Step::Auth => SavedStep::Auth,
        _ => SavedStep::Review,
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
        name: flow.details.name.clone(),
        description: flow.details.description.clone(),
        tags: flow.tag_pairs(),
        auth_material: flow.auth_material.clone(),
        token_seed: flow.opts.token_seed.clone(),
        token_counter: flow.token_counter,
        unanswered,
        association_id: flow.association.as_ref().map(|a| a.id.clone()),
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
