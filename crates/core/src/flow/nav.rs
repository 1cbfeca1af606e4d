//! Moving between steps, and leaving: shared by every step.

use super::Flow;
use super::effect::Effect;
use super::intent::Intent;
use super::model::{OutcomeKind, Question, Step, SubmitState};
use super::{
    auth, command_line, destination, details, devices, manage, resume, review, start, status,
    submit, tags,
};
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
    if matches!(step, Step::Auth | Step::Review)
        && let Some(refused) = &flow.refused_material
    {
        flow.notice = Some(super::validate::capitalized(&refused.reason));
    }
    flow.step = step;
}

/// `Intent::Back`, by step.
pub fn back_from(flow: &mut Flow) -> Vec<Effect> {
    match flow.step {
        Step::Destination => destination::back(flow),
        Step::Details | Step::Tags | Step::Auth | Step::Review => back(flow, flow.step),
        Step::Submit => submit::on_intent(flow, Intent::EditDraft),
        Step::Authorize | Step::Status | Step::Done if flow.return_to_manage => {
            manage::back_to_list(flow)
        }
        Step::Authorize | Step::Status => {
            flow.notice = Some("The association exists: q leaves it as it is".into());
            Vec::new()
        }
        Step::Done => {
            flow.notice = Some("This is the last screen: Enter or q leaves".into());
            Vec::new()
        }
        Step::Manage => manage::back(flow),
        Step::Devices => devices::back(flow),
        Step::Start | Step::Resume | Step::Batch => Vec::new(),
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
        Step::Devices => devices::next(flow),
        Step::Destination | Step::Submit | Step::Status | Step::Manage | Step::Batch => Vec::new(),
    }
}

pub fn request_quit(flow: &mut Flow, interrupted: bool) -> Vec<Effect> {
    // Ctrl-C means now; `q` asks first when it would lose a draft no journal keeps.
    // The question about another run's same request loses nothing: that run keeps its draft.
    let loses_draft =
        !interrupted && flow.has_draft() && !flow.opts.journaled && flow.second_run().is_none();
    if flow.busy() || loses_draft {
        flow.question = Some(Question::ConfirmQuit { interrupted });
        Vec::new()
    } else {
        exit(flow, interrupted)
    }
}

/// What quitting now would leave behind, for the quit question of every front end. It never
/// contradicts resume: what the journal keeps is said to be kept.
pub fn quit_warning(flow: &Flow) -> String {
    if let Some(run) = flow.batch.as_ref().filter(|run| !run.ended()) {
        let tally = run.tally();
        let done = format!(
            "The batch is running: {} of {} rows are final.",
            tally.succeeded + tally.failed,
            tally.rows
        );
        return if flow.target.demo {
            format!(
                "{done} This is a demo: its simulator stops when you quit, and the batch with it."
            )
        } else if flow.opts.journaled {
            format!(
                "{done} What was sent is journaled: run the same command again and it resumes, \
                 never creating a row twice."
            )
        } else {
            format!("{done} This run keeps no journal: a rerun cannot tell which rows it made.")
        };
    }
    let rerun = command_line::rerun(&flow.target).filter(|_| flow.opts.journaled);
    if matches!(flow.submit, SubmitState::InFlight { .. }) {
        return match rerun {
            Some(rerun) => format!(
                "A create request is in flight. It is saved with its ClientToken: run `{rerun}` \
                 again and it is followed to the end, never created twice."
            ),
            None => "A create request is in flight and this run keeps no journal: if you quit \
                     now, you will not see what became of it."
                .into(),
        };
    }
    if let Some(tracked) = &flow.association {
        return match command_line::check_later(&flow.target, &tracked.id) {
            Some([ours, _]) => format!(
                "It stays {} if you quit. Check it later: {ours}",
                tracked.state
            ),
            None => "This is a demo: its simulator stops when you quit, and the association \
                     with it."
                .into(),
        };
    }
    if flow
        .manage
        .deletion
        .as_ref()
        .is_some_and(super::deletion::Deletion::busy)
    {
        return "A delete is in flight: the service carries it out, but you will not see the \
                result here."
            .into();
    }
    if flow.has_draft() && !flow.opts.journaled {
        return if flow.target.demo {
            "This demo keeps no journal: quitting loses this draft.".into()
        } else {
            "This run keeps no journal (another run holds it): quitting loses this draft.".into()
        };
    }
    "A request is in flight.".into()
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
    let lost = flow.association.as_ref().is_some_and(|a| a.lost.is_some());
    let kind = match flow.association.as_ref().map(|a| &a.state) {
        // Ctrl-C is 130 on every screen, Done's included (the README's exit table); the
        // summary printed still says what became of the association.
        _ if interrupted => OutcomeKind::Interrupted,
        Some(_) if lost => OutcomeKind::Lost,
        Some(AssociationState::Succeeded) => OutcomeKind::Succeeded,
        Some(AssociationState::Failed) => OutcomeKind::Failed,
        Some(_) => OutcomeKind::LeftInProgress,
        // `q` is no interrupt: 1 when a draft is left unsubmitted, 0 when nothing was begun.
        None if flow.has_draft() => OutcomeKind::Cancelled,
        // Back in Manage from an association lost while followed: the summary printed is that
        // association's, and so is the exit status.
        None if flow.manage.last.as_ref().is_some_and(|a| a.lost.is_some()) => OutcomeKind::Lost,
        None => OutcomeKind::Closed,
    };
    vec![Effect::Exit(flow.outcome(kind))]
}

#[cfg(test)]
mod tests {
    use crate::flow::testing::*;
    use crate::flow::*;

    fn exit_kind(effects: &[Effect]) -> Option<(OutcomeKind, DraftFate)> {
        effects.iter().find_map(|e| match e {
            Effect::Exit(outcome) => Some((outcome.kind, outcome.draft)),
            _ => None,
        })
    }

    #[test]
    fn q_with_a_draft_no_journal_keeps_asks_first_and_is_no_interrupt() {
        let mut flow = flow_at(Step::Tags);
        assert!(flow.has_draft());
        let effects = send(&mut flow, Intent::Quit { interrupted: false });
        assert!(exit_kind(&effects).is_none(), "asks first");
        assert_eq!(
            flow.question,
            Some(Question::ConfirmQuit { interrupted: false })
        );
        assert!(quit_warning(&flow).contains("quitting loses this draft"));
        let effects = send(&mut flow, Intent::ConfirmQuit);
        assert_eq!(
            exit_kind(&effects),
            Some((OutcomeKind::Cancelled, DraftFate::Lost))
        );
        assert_eq!(OutcomeKind::Cancelled.exit_code(), 1);
    }

    #[test]
    fn q_with_a_journaled_draft_leaves_at_once_saying_it_is_saved() {
        let mut flow = flow_at(Step::Tags);
        flow.opts.journaled = true;
        let effects = send(&mut flow, Intent::Quit { interrupted: false });
        assert_eq!(
            exit_kind(&effects),
            Some((OutcomeKind::Cancelled, DraftFate::Saved))
        );
    }

    #[test]
    fn q_with_nothing_begun_is_exit_0_and_ctrl_c_is_130() {
        let mut flow = flow_at_start();
        let effects = send(&mut flow, Intent::Quit { interrupted: false });
        assert_eq!(
            exit_kind(&effects),
            Some((OutcomeKind::Closed, DraftFate::None))
        );
        assert_eq!(OutcomeKind::Closed.exit_code(), 0);
        let mut flow = flow_at(Step::Tags);
        let effects = send(&mut flow, Intent::Quit { interrupted: true });
        assert_eq!(
            exit_kind(&effects),
            Some((OutcomeKind::Interrupted, DraftFate::Lost))
        );
    }

    #[test]
    fn ctrl_c_after_a_final_state_is_still_an_interrupt() {
        for state in [AssociationState::Succeeded, AssociationState::Failed] {
            let mut flow = flow_at(Step::Review);
            let effects = send(&mut flow, Intent::Submit);
            answer_created(&mut flow, generation_of(&effects), "https://auth.example/x");
            flow.association.as_mut().unwrap().state = state.clone();
            // As the final state leaves it: polling over, on Done.
            flow.polling = None;
            flow.step = Step::Done;
            let effects = send(&mut flow, Intent::Quit { interrupted: true });
            let (kind, _) = exit_kind(&effects).expect("leaves at once");
            assert_eq!(kind.exit_code(), crate::exit::INTERRUPTED, "{state:?}");
            // `q` keeps the association's own status.
            let effects = send(&mut flow, Intent::Quit { interrupted: false });
            assert_ne!(exit_kind(&effects).map(|(k, _)| k.exit_code()), Some(130));
        }
    }

    #[test]
    fn the_quit_warning_never_contradicts_resume() {
        let mut flow = flow_at(Step::Review);
        flow.opts.journaled = true;
        flow.target.endpoint = Some("http://127.0.0.1:4567".into());
        send(&mut flow, Intent::Submit);
        let warning = quit_warning(&flow);
        assert!(
            warning.contains("saved with its ClientToken")
                && warning.contains(
                    "iotmi-onboard --region us-east-1 --endpoint-url http://127.0.0.1:4567"
                ),
            "{warning}"
        );
        assert!(!warning.contains("will not see"), "{warning}");
        let generation = current_submit(&flow);
        answer_created(&mut flow, generation, "https://auth.example/x");
        let warning = quit_warning(&flow);
        assert!(
            warning.contains("iotmi-onboard status aa-1 --region us-east-1"),
            "{warning}"
        );
        flow.target.demo = true;
        assert!(quit_warning(&flow).contains("This is a demo"));
    }

    #[test]
    fn esc_on_step_1_goes_to_start_keeping_the_draft_and_its_journal() {
        let mut flow = flow_at(Step::Tags);
        send(&mut flow, Intent::Back);
        send(&mut flow, Intent::Back);
        assert_eq!(flow.step, Step::Destination);
        let journaled = persist::snapshot(&flow).expect("a draft is journaled");
        send(&mut flow, Intent::Back);
        assert_eq!(flow.step, Step::Start);
        assert!(flow.has_draft());
        let on_start = persist::snapshot(&flow).expect("still journaled on Start");
        assert_eq!(on_start.draft.name, journaled.draft.name);
        assert_eq!(on_start.step, journaled.step);
        send(&mut flow, Intent::StartCreate);
        assert_eq!(flow.step, Step::Destination);
        assert_eq!(Some(&flow.details.name), journaled.draft.name.as_ref());
    }

    #[test]
    fn esc_on_the_last_screen_says_how_to_leave_instead_of_leaving() {
        let mut flow = flow_at(Step::Review);
        let effects = send(&mut flow, Intent::Submit);
        let effects = answer_created(&mut flow, generation_of(&effects), "https://auth.example/x");
        let poll = poll_generation(&effects);
        update(&mut flow, Event::PollDue { generation: poll }, now());
        answer_poll(&mut flow, poll, crate::service::AssociationState::Succeeded);
        assert_eq!(flow.step, Step::Done);
        let effects = send(&mut flow, Intent::Back);
        assert!(exit_kind(&effects).is_none());
        assert_eq!(flow.step, Step::Done);
        assert!(
            flow.notice
                .as_deref()
                .unwrap_or_default()
                .contains("Enter or q")
        );
    }
}
