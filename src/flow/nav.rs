//! Moving between steps, and leaving: shared by every step.

use super::Flow;
use super::effect::Effect;
use super::intent::Intent;
use super::model::{Outcome, OutcomeKind, Question, Step};
use super::{auth, destination, details, manage, resume, review, start, status, submit, tags};
use crate::service::AssociationState;

/// The step after `from` on the way to Review.
pub fn forward(flow: &mut Flow, from: Step) -> Vec<Effect> {
    let ga = flow.uses_general_authorization();
    let material_ok = flow.destination.as_ref().is_some_and(|d| {
        flow.auth_material
            .as_ref()
            .is_some_and(|m| d.auth_materials.contains(m))
    });
    let next = if flow.return_to_review {
        if from == Step::Destination && ga && !material_ok {
            Step::Auth
        } else {
            Step::Review
        }
    } else {
        match from {
            Step::Destination => Step::Details,
            Step::Details => Step::Tags,
            Step::Tags if ga => Step::Auth,
            Step::Tags | Step::Auth => Step::Review,
            other => other,
        }
    };
    go_to(flow, next);
    Vec::new()
}

pub fn back(flow: &mut Flow, from: Step) -> Vec<Effect> {
    let previous = if flow.return_to_review {
        Step::Review
    } else {
        match from {
            Step::Details => Step::Destination,
            Step::Tags => Step::Details,
            Step::Auth => Step::Tags,
            Step::Review if flow.uses_general_authorization() => Step::Auth,
            Step::Review => Step::Tags,
            other => other,
        }
    };
    go_to(flow, previous);
    Vec::new()
}

pub fn go_to(flow: &mut Flow, step: Step) {
    if step == Step::Review {
        flow.return_to_review = false;
    }
    flow.step = step;
}

/// `Intent::Back`, by step.
pub fn back_from(flow: &mut Flow) -> Vec<Effect> {
    match flow.step {
        Step::Destination => destination::back(flow),
        Step::Details | Step::Tags | Step::Auth | Step::Review => back(flow, flow.step),
        Step::Submit => submit::on_intent(flow, Intent::EditDraft),
        Step::Authorize => {
            flow.notice = Some("The association exists: quit leaves it in progress".into());
            Vec::new()
        }
        Step::Manage => manage::back(flow),
        Step::Start | Step::Resume | Step::Status | Step::Done => Vec::new(),
    }
}

/// `Intent::Next`, by step.
pub fn next_from(flow: &mut Flow) -> Vec<Effect> {
    match flow.step {
        Step::Start => start::on_intent(flow, Intent::StartCreate),
        Step::Resume => resume::on_intent(flow, Intent::Resume),
        Step::Details => details::next(flow),
        Step::Tags => tags::next(flow),
        Step::Auth => auth::next(flow),
        Step::Review => review::on_intent(flow, Intent::Submit),
        Step::Authorize => super::authorize::on_intent(flow, Intent::ShowStatus),
        Step::Done => status::on_intent(flow, Intent::Finish),
        Step::Destination | Step::Submit | Step::Status | Step::Manage => Vec::new(),
    }
}

pub fn request_quit(flow: &mut Flow, interrupted: bool) -> Vec<Effect> {
    if flow.busy() {
        flow.question = Some(Question::ConfirmQuit { interrupted });
        Vec::new()
    } else {
        exit(flow, interrupted)
    }
}

/// The answer to an open question; other intents wait until it is answered.
pub fn answer(flow: &mut Flow, question: Question, intent: Intent) -> Vec<Effect> {
    let Question::ConfirmQuit { interrupted } = question;
    match intent {
        Intent::ConfirmQuit => exit(flow, interrupted),
        // A second Ctrl-C means "now".
        Intent::Quit { interrupted: true } => exit(flow, true),
        Intent::CancelQuit | Intent::Back => {
            flow.question = None;
            Vec::new()
        }
        _ => Vec::new(),
    }
}

pub fn exit(flow: &mut Flow, interrupted: bool) -> Vec<Effect> {
    flow.question = None;
    let kind = match flow.association.as_ref().map(|a| &a.state) {
        Some(AssociationState::Succeeded) => OutcomeKind::Succeeded,
        Some(AssociationState::Failed) => OutcomeKind::Failed,
        _ if interrupted => OutcomeKind::Interrupted,
        Some(_) => OutcomeKind::LeftInProgress,
        None => OutcomeKind::Interrupted,
    };
    vec![Effect::Exit(Outcome {
        kind,
        summary: flow.summary(),
    })]
}
