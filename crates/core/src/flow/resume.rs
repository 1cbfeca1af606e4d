//! An unfinished session from the journal: resume it or start fresh.

use super::effect::Effect;
use super::intent::Intent;
use super::model::{DraftFate, OutcomeKind, Step, Tracked};
use super::{Flow, nav, status, submit};
use crate::journal::{Journal, SavedStep};
use crate::service::AssociationState;

pub fn on_intent(flow: &mut Flow, intent: Intent) -> Vec<Effect> {
    if flow.step != Step::Resume {
        return Vec::new();
    }
    match intent {
        Intent::Resume => match flow.opts.resume.take() {
            Some(journal) => resume(flow, journal),
            None => Vec::new(),
        },
        Intent::Discard => {
            flow.opts.resume = None;
            flow.step = Step::Destination;
            flow.notice = Some("Saved session discarded".into());
            Vec::new()
        }
        Intent::MakeSecond(make) => match flow.second_run() {
            Some(_) => make_second(flow, make),
            None => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// The answer about another run's same request: go on to a second association (its draft not
/// journaled: the other run holds the journal), or leave with nothing created.
fn make_second(flow: &mut Flow, make: bool) -> Vec<Effect> {
    if make {
        // Asked once: the draft is this run's from now on, whatever the other run does.
        flow.opts.held = None;
        flow.step = Step::Destination;
        flow.notice = Some(
            "Making a second association; this draft is not saved (the other run holds the \
             journal)."
                .into(),
        );
        return Vec::new();
    }
    let mut outcome = flow.outcome(OutcomeKind::Cancelled);
    // Nothing of this run's is lost: the request is the other run's, and it keeps it.
    outcome.draft = DraftFate::None;
    vec![Effect::Exit(outcome)]
}

/// Back to where the journal left off: the same step with every field, a resend of an
/// unanswered create with the same token, or straight to the association's state.
pub fn resume(flow: &mut Flow, journal: Journal) -> Vec<Effect> {
    if let Some(devices) = journal.devices {
        flow.opts.token_seed = journal.token_seed;
        return super::devices::resume(flow, devices);
    }
    let draft = journal.draft;
    flow.details.name = draft.name.unwrap_or_default();
    flow.details.name_edited = true;
    flow.details.description = draft.description.unwrap_or_default();
    flow.tags.rows = draft
        .tags
        .into_iter()
        .map(|(key, value)| super::model::TagRow { key, value })
        .collect();
    flow.auth_material = draft.auth_material;
    flow.opts.token_seed = journal.token_seed;
    flow.token_counter = journal.token_counter;
    flow.destination = journal.destination;
    if flow.destination.is_none() && draft.destination.is_some() {
        flow.opts.prefill.destination = draft.destination;
    }
    if let Some(id) = journal.association_id {
        flow.association = Some(Tracked {
            id: id.clone(),
            arn: String::new(),
            name: flow.details.name.clone(),
            destination_id: flow
                .destination
                .as_ref()
                .map(|d| d.id.clone())
                .unwrap_or_default(),
            state: AssociationState::InProgress,
            // The consent URL is kept nowhere: GetAccountAssociation gives it again.
            oauth_url: String::new(),
            error_message: None,
            seen: None,
            adopted: false,
            lost: None,
        });
        // The state and the consent URL come back from GetAccountAssociation, asked at once
        // (Authorize follows as soon as the URL is known).
        flow.step = Step::Status;
        return status::poll_now(flow);
    }
    if let Some(request) = journal.unanswered {
        return submit::send_create(flow, request);
    }
    let step = match (journal.step, &flow.destination) {
        (_, None) => Step::Destination,
        (SavedStep::Destination, _) => Step::Destination,
        (SavedStep::Details, _) => Step::Details,
        (SavedStep::Tags, _) => Step::Tags,
        (SavedStep::Auth, _) if flow.uses_general_authorization() => Step::Auth,
        _ => Step::Review,
    };
    nav::go_to(flow, step);
    Vec::new()
}

#[cfg(test)]
mod tests {
    use crate::flow::testing::*;
    use crate::flow::*;
    use crate::journal::SavedStep;

    /// A run prefilled with `name` for dest-oauth while another run (pid 7) holds a journal
    /// on dest-oauth named "Kitchen".
    fn second_run(name: &str) -> Flow {
        let mut journal = saved_journal();
        journal.draft.name = Some("Kitchen".into());
        Flow::new(
            Options {
                first: FirstScreen::Create,
                prefill: Prefill {
                    destination: Some("dest-oauth".into()),
                    name: Some(name.into()),
                    ..Prefill::default()
                },
                held: Some(crate::journal::HeldJournal {
                    pid: Some(7),
                    journal,
                }),
                ..options()
            },
            now(),
        )
    }

    #[test]
    fn the_same_request_as_another_live_run_is_asked_about_and_no_leaves_with_nothing_sent() {
        let mut flow = second_run("Kitchen");
        assert_eq!(flow.step, Step::Resume);
        let held = flow.second_run().expect("asked");
        assert_eq!(
            second_run_summary(held),
            "Another run (pid 7, holding the journal) is onboarding the same request: \
             destination dest-oauth, name \"Kitchen\" (not submitted yet)."
        );
        // Resume and Next do not answer it.
        assert!(send(&mut flow, Intent::Resume).is_empty());
        assert!(send(&mut flow, Intent::Next).is_empty());
        assert_eq!(flow.step, Step::Resume);
        let effects = send(&mut flow, Intent::MakeSecond(false));
        let outcome = effects
            .iter()
            .find_map(|e| match e {
                Effect::Exit(outcome) => Some(outcome.clone()),
                _ => None,
            })
            .expect("leaves");
        assert_eq!(outcome.kind, OutcomeKind::Cancelled);
        assert_eq!(
            outcome.draft,
            DraftFate::None,
            "the draft is the other run's"
        );
        assert!(!outcome.sent_unanswered);
        assert!(
            !effects
                .iter()
                .any(|e| matches!(e, Effect::CreateAssociation { .. } | Effect::Persist(_)))
        );
    }

    #[test]
    fn yes_makes_a_second_association_from_the_prefill() {
        let mut flow = second_run("Kitchen");
        send(&mut flow, Intent::MakeSecond(true));
        assert_eq!(flow.step, Step::Destination);
        assert!(flow.second_run().is_none(), "asked once");
        assert!(
            flow.notice()
                .is_some_and(|n| n.contains("second association"))
        );
        assert_eq!(flow.details.name, "Kitchen");
    }

    #[test]
    fn a_different_request_goes_on_as_before() {
        let flow = second_run("Hallway");
        assert_eq!(flow.step, Step::Destination);
        assert!(flow.second_run().is_none());
    }

    #[test]
    fn quitting_at_the_question_asks_nothing_more() {
        let mut flow = second_run("Kitchen");
        let effects = send(&mut flow, Intent::Quit { interrupted: false });
        assert!(flow.question.is_none());
        assert!(effects.iter().any(|e| matches!(e, Effect::Exit(_))));
    }

    #[test]
    fn the_consent_url_is_fetched_again_never_taken_from_or_put_in_the_journal() {
        let mut journal = saved_journal();
        journal.association_id = Some("aa-1".into());
        // An earlier version's journal held the URL: it still loads, without it.
        let mut old = serde_json::to_value(&journal).unwrap();
        old["oauth_url"] = "https://auth.example/saved".into();
        let journal: crate::journal::Journal = serde_json::from_value(old).unwrap();
        let mut flow = flow_with_resume(journal);
        let effects = send(&mut flow, Intent::Resume);
        assert_eq!(flow.step, Step::Status);
        assert_eq!(flow.oauth_url(), None);
        let generation = effects
            .iter()
            .find_map(|e| match e {
                Effect::GetAssociation { generation, id } if id == "aa-1" => Some(*generation),
                _ => None,
            })
            .expect("asked at once");
        let mut answer = followed(&flow, AssociationState::InProgress);
        answer.oauth_url = "https://auth.example/fresh".into();
        update(
            &mut flow,
            Event::Polled {
                generation,
                result: Ok(answer),
            },
            now(),
        );
        assert_eq!(flow.step, Step::Authorize);
        assert_eq!(flow.oauth_url(), Some("https://auth.example/fresh"));
        // Journaled while in progress, without the URL, in the struct and on disk.
        let saved = persist::snapshot(&flow).expect("journaled");
        let text = serde_json::to_string(&saved).unwrap();
        assert!(!text.contains("auth.example"), "{text}");
        assert!(!text.contains("oauth_url"), "{text}");
    }

    #[test]
    fn an_association_that_is_not_the_drafts_is_not_resumed() {
        let mut journal = saved_journal();
        journal.association_id = Some("someone-elses".into());
        let mut flow = flow_with_resume(journal.clone());
        let effects = send(&mut flow, Intent::Resume);
        let generation = effects
            .iter()
            .find_map(|e| match e {
                Effect::GetAssociation { generation, .. } => Some(*generation),
                _ => None,
            })
            .expect("asked at once");
        let mut theirs = association(AssociationState::Succeeded);
        theirs.id = "someone-elses".into();
        theirs.name = "Not mine".into();
        update(
            &mut flow,
            Event::Polled {
                generation,
                result: Ok(theirs),
            },
            now(),
        );
        assert!(flow.association.is_none(), "not followed");
        assert_eq!(flow.step, Step::Review, "the draft is kept");
        assert_eq!(Some(&flow.details.name), journal.draft.name.as_ref());
        assert!(
            flow.notice
                .as_deref()
                .is_some_and(|n| n.contains("Not this draft's")),
            "{:?}",
            flow.notice
        );
        let saved = persist::snapshot(&flow).expect("the draft stays journaled");
        assert_eq!(saved.association_id, None);
    }

    #[test]
    fn resume_returns_to_the_saved_step_with_every_field() {
        let mut journal = saved_journal();
        journal.step = SavedStep::Tags;
        let mut flow = flow_with_resume(journal);
        assert_eq!(flow.step, Step::Resume);
        assert!(send(&mut flow, Intent::Resume).is_empty());
        assert_eq!(flow.step, Step::Tags);
        assert_eq!(flow.details.name, "Saved name");
        assert_eq!(flow.tag_pairs(), vec![("env".into(), "prod".into())]);
        assert_eq!(flow.client_token(), "seed0123456789abcdef0123-2");
    }

    #[test]
    fn resume_resends_an_unanswered_create_with_its_token() {
        let mut journal = saved_journal();
        let request = journal_request(&journal);
        journal.unanswered = Some(request.clone());
        let mut flow = flow_with_resume(journal);
        let effects = send(&mut flow, Intent::Resume);
        assert_eq!(flow.step, Step::Submit);
        assert!(effects.iter().any(
            |e| matches!(e, Effect::CreateAssociation { request: sent, .. } if *sent == request)
        ));
    }

    #[test]
    fn resume_of_a_created_association_fetches_it_at_once() {
        let mut journal = saved_journal();
        journal.association_id = Some("aa-1".into());
        let mut flow = flow_with_resume(journal);
        let effects = send(&mut flow, Intent::Resume);
        assert_eq!(flow.step, Step::Status);
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::GetAssociation { id, .. } if id == "aa-1"))
        );
    }

    #[test]
    fn discard_starts_fresh_and_clears_the_journal() {
        let mut flow = flow_with_resume(saved_journal());
        let effects = send(&mut flow, Intent::Discard);
        assert_eq!(flow.step, Step::Destination);
        assert!(effects.contains(&Effect::Persist(None)));
    }
}
