//! Manage: every association of the account, with details, authorize, refresh, retry as a new
//! draft and delete.

use std::borrow::Cow;

use super::destination::{self, matching};
use super::effect::Effect;
use super::intent::Intent;
use super::model::{
    BrowserNote, Load, ManageAction, ManageView, Notice, RefreshState, Step, SubmitState, TagRow,
    Tracked,
};
use super::{Flow, Generation, authorize, error_line};
use crate::service::{
    Association, AssociationState, AssociationSummary, ErrorKind, Page, ServiceError,
};

pub fn on_intent(flow: &mut Flow, intent: Intent) -> Vec<Effect> {
    if flow.step != Step::Manage {
        return Vec::new();
    }
    if !matches!(intent, Intent::FilterAssociations(_)) {
        flow.manage.message = None;
    }
    match intent {
        Intent::FilterAssociations(filter) => {
            flow.manage.filter = filter;
            refilter(flow);
            Vec::new()
        }
        Intent::ReloadAssociations => enter(flow),
        Intent::ShowAssociation(id) => fetch(flow, &id, None),
        Intent::AuthorizeAssociation(id) => {
            with_state(flow, &id, AssociationState::InProgress, |flow| {
                fetch(flow, &id, Some(ManageAction::Authorize))
            })
        }
        Intent::RefreshAssociation(id) => {
            with_state(flow, &id, AssociationState::RefreshTokenExpired, |flow| {
                refresh(flow, &id)
            })
        }
        Intent::RetryAsNew(id) => with_state(flow, &id, AssociationState::Failed, |flow| {
            fetch(flow, &id, Some(ManageAction::RetryAsNew))
        }),
        Intent::AskDelete(id) => {
            let Some(word) = flow.manage.find(&id).map(confirmation_word) else {
                return Vec::new();
            };
            flow.manage.confirm_delete = Some(id);
            flow.manage.message = Some(Notice::Info(format!(
                "Type {word:?} and Enter to delete it (Esc cancels)"
            )));
            Vec::new()
        }
        Intent::CancelDelete => {
            if flow.manage.confirm_delete.take().is_some() {
                flow.manage.message = Some(Notice::Info("Delete cancelled".into()));
            }
            Vec::new()
        }
        Intent::Delete { id, typed } => delete(flow, id, typed),
        _ => Vec::new(),
    }
}

/// Runs `then` when the association is listed in `state`; otherwise says why not.
fn with_state(
    flow: &mut Flow,
    id: &str,
    state: AssociationState,
    then: impl FnOnce(&mut Flow) -> Vec<Effect>,
) -> Vec<Effect> {
    match flow.manage.find(id).map(|a| a.state.clone()) {
        Some(current) if current == state => then(flow),
        Some(current) => {
            flow.manage.message =
                Some(Notice::Error(format!("Not possible while it is {current}")));
            Vec::new()
        }
        None => Vec::new(),
    }
}

/// Esc: cancel a delete, else back to the Start screen.
pub fn back(flow: &mut Flow) -> Vec<Effect> {
    if flow.manage.confirm_delete.is_some() {
        return on_intent(flow, Intent::CancelDelete);
    }
    flow.step = Step::Start;
    Vec::new()
}

/// From an association picked here (Authorize, State, Done) back to the list, reloaded so its
/// row shows the state it has now, and highlighted again. Polling stops; the association is
/// left as the service has it.
pub fn back_to_list(flow: &mut Flow) -> Vec<Effect> {
    let left = flow.association.take();
    flow.return_to_manage = false;
    flow.polling = None;
    flow.refresh = RefreshState::Idle;
    flow.browser = BrowserNote::None;
    let effects = enter(flow);
    if let Some(left) = left {
        flow.manage.message = Some(Notice::Info(format!(
            "{}: {}",
            confirmation_word_of(&left.name, &left.id),
            left.state
        )));
        flow.manage.focus = Some(left.id.clone());
        flow.manage.last = Some(left);
    }
    effects
}

pub fn enter(flow: &mut Flow) -> Vec<Effect> {
    flow.step = Step::Manage;
    let filter = std::mem::take(&mut flow.manage.filter);
    let last = flow.manage.last.take();
    let counts = std::mem::take(&mut flow.manage.thing_counts);
    flow.manage = ManageView {
        filter,
        last,
        thing_counts: counts,
        ..ManageView::default()
    };
    let generation = flow.next_generation();
    flow.manage.counts_generation = generation;
    vec![
        list_associations(flow, None),
        Effect::CountThings { generation },
    ]
}

/// Managed things per association, for the list's column (kept from the last answer when
/// this one fails: it is a nicety).
pub fn on_counts(
    flow: &mut Flow,
    generation: Generation,
    result: Result<std::collections::BTreeMap<String, usize>, ServiceError>,
) -> Vec<Effect> {
    if generation == flow.manage.counts_generation
        && let Ok(counts) = result
    {
        flow.manage.thing_counts = Some(counts);
    }
    Vec::new()
}

pub fn list_associations(flow: &mut Flow, next_token: Option<String>) -> Effect {
    let generation = flow.next_generation();
    flow.manage.generation = generation;
    Effect::ListAssociations {
        generation,
        next_token,
    }
}

fn refilter(flow: &mut Flow) {
    let view = &mut flow.manage;
    let haystacks = view.items.iter().map(|a| {
        Cow::Owned(format!("{} {} {} {}", a.name, a.id, a.state, a.destination_id).to_lowercase())
    });
    view.matches = matching(&view.filter, haystacks);
}

pub fn on_page(
    flow: &mut Flow,
    generation: Generation,
    result: Result<Page<AssociationSummary>, ServiceError>,
) -> Vec<Effect> {
    if generation != flow.manage.generation {
        return Vec::new();
    }
    match result {
        Ok(page) => {
            flow.manage.items.extend(page.items);
            flow.manage.load = Load::Loaded;
            refilter(flow);
            match page.next_token {
                Some(token) => {
                    flow.manage.more = true;
                    vec![list_associations(flow, Some(token))]
                }
                None => {
                    flow.manage.more = false;
                    Vec::new()
                }
            }
        }
        Err(error) => {
            flow.manage.more = false;
            flow.manage.load = Load::Failed(error);
            Vec::new()
        }
    }
}

fn fetch(flow: &mut Flow, id: &str, action: Option<ManageAction>) -> Vec<Effect> {
    if flow.manage.find(id).is_none() {
        return Vec::new();
    }
    let generation = flow.next_generation();
    flow.manage.detail_generation = generation;
    flow.manage.pending = action;
    vec![Effect::FetchAssociation {
        generation,
        id: id.to_string(),
    }]
}

fn delete(flow: &mut Flow, id: String, typed: String) -> Vec<Effect> {
    if flow.manage.confirm_delete.as_deref() != Some(id.as_str()) {
        return Vec::new();
    }
    let Some(word) = flow.manage.find(&id).map(confirmation_word) else {
        return Vec::new();
    };
    if typed != word {
        flow.manage.message = Some(Notice::Error(
            "That is not the name: type it exactly, or Esc to cancel".into(),
        ));
        return Vec::new();
    }
    let generation = flow.next_generation();
    flow.manage.confirm_delete = None;
    flow.manage.delete_generation = Some(generation);
    flow.manage.deleting = Some(id.clone());
    flow.manage.message = Some(Notice::Info(format!("Deleting {word}…")));
    vec![Effect::DeleteAssociation { generation, id }]
}

/// The association becomes the one the flow follows (Status/Authorize screens); the draft,
/// if any, is left as it was.
fn adopt(flow: &mut Flow, association: &Association) {
    flow.association = Some(Tracked::from(association));
    flow.return_to_manage = true;
}

fn refresh(flow: &mut Flow, id: &str) -> Vec<Effect> {
    let Some(summary) = flow.manage.find(id).cloned() else {
        return Vec::new();
    };
    let association = Association {
        id: summary.id.clone(),
        arn: summary.arn,
        state: summary.state,
        error_message: summary.error_message,
        name: summary.name,
        description: summary.description,
        destination_id: summary.destination_id,
        oauth_url: String::new(),
        tags: Default::default(),
        auth_material: None,
    };
    adopt(flow, &association);
    let generation = flow.next_generation();
    flow.refresh = RefreshState::InFlight { generation };
    flow.step = Step::Status;
    vec![Effect::StartRefresh {
        generation,
        id: summary.id,
    }]
}

pub fn on_detail(
    flow: &mut Flow,
    generation: Generation,
    result: Result<Association, ServiceError>,
) -> Vec<Effect> {
    // Retry-as-new is also asked from the Done screen of an association picked here.
    if generation != flow.manage.detail_generation
        || !matches!(flow.step, Step::Manage | Step::Done)
    {
        return Vec::new();
    }
    let association = match result {
        Ok(association) => association,
        Err(error) => {
            flow.manage.pending = None;
            flow.manage.message = Some(Notice::Error(error_line(&error)));
            return Vec::new();
        }
    };
    flow.manage.detail = Some(association.clone());
    match flow.manage.pending.take() {
        Some(ManageAction::Authorize) => {
            adopt(flow, &association);
            authorize::after_association_known(flow)
        }
        Some(ManageAction::RetryAsNew) => retry_as_new(flow, association),
        None => Vec::new(),
    }
}

/// A failed association's inputs become a new draft: the destination is fetched again (its
/// auth settings may have changed) and the flow goes on from there, as a create of its own.
pub fn retry_as_new(flow: &mut Flow, failed: Association) -> Vec<Effect> {
    flow.details.name = failed.name;
    flow.details.name_edited = true;
    flow.details.description = failed.description;
    flow.tags.rows = failed
        .tags
        .into_iter()
        .map(|(key, value)| TagRow { key, value })
        .collect();
    flow.auth_material = failed.auth_material;
    flow.association = None;
    flow.polling = None;
    flow.return_to_manage = false;
    flow.submit = SubmitState::Idle;
    // A new association, so a new token even for the very same inputs (the old token names
    // the failed one).
    flow.token_counter += u32::from(flow.last_sent.is_some());
    flow.last_sent = None;
    flow.opts.prefill.destination = Some(failed.destination_id.clone());
    flow.step = Step::Destination;
    destination::fetch(flow, failed.destination_id)
}

pub fn on_deleted(
    flow: &mut Flow,
    generation: Generation,
    result: Result<(), ServiceError>,
) -> Vec<Effect> {
    if flow.manage.delete_generation != Some(generation) {
        return Vec::new();
    }
    flow.manage.delete_generation = None;
    match result {
        Ok(()) => {
            let deleted = flow.manage.deleting.take();
            let effects = enter(flow);
            flow.manage.focus = deleted;
            flow.manage.message = Some(Notice::Info(
                "Deleted: it passes through ASSOCIATION_DELETING, then is gone".into(),
            ));
            effects
        }
        Err(error) if error.kind == ErrorKind::Conflict => {
            flow.manage.message = Some(Notice::Error(
                "Managed things are still registered to it: deregister them first, then delete again".into(),
            ));
            Vec::new()
        }
        Err(error) => {
            flow.manage.message = Some(Notice::Error(error_line(&error)));
            Vec::new()
        }
    }
}

/// What a delete must be confirmed with: the name, or the id of an unnamed association.
pub fn confirmation_word(association: &AssociationSummary) -> String {
    confirmation_word_of(&association.name, &association.id)
}

fn confirmation_word_of(name: &str, id: &str) -> String {
    if name.is_empty() { id } else { name }.to_string()
}

#[cfg(test)]
mod tests {
    use crate::flow::testing::*;
    use crate::flow::*;
    use crate::service::{AssociationState, ErrorKind, ServiceError};

    #[test]
    fn delete_needs_the_exact_name_and_a_conflict_is_explained() {
        let mut flow = flow_in_manage();
        send(&mut flow, Intent::AskDelete("aa-ok".into()));
        send(
            &mut flow,
            Intent::Delete {
                id: "aa-ok".into(),
                typed: "wrong".into(),
            },
        );
        assert!(matches!(&flow.manage.message, Some(Notice::Error(_))));
        // A wrong word keeps the question open.
        let effects = send(
            &mut flow,
            Intent::Delete {
                id: "aa-ok".into(),
                typed: "Kitchen".into(),
            },
        );
        let generation = match &effects[..] {
            [Effect::DeleteAssociation { generation, id }] if id == "aa-ok" => *generation,
            other => panic!("{other:?}"),
        };
        assert!(flow.busy());
        update(
            &mut flow,
            Event::Deleted {
                generation,
                result: Err(ServiceError::new(ErrorKind::Conflict, "things")),
            },
            now(),
        );
        assert!(matches!(&flow.manage.message, Some(Notice::Error(e)) if e.contains("deregister")));
    }

    #[test]
    fn actions_check_the_state_and_authorize_follows_the_association() {
        let mut flow = flow_in_manage();
        assert!(send(&mut flow, Intent::RefreshAssociation("aa-ok".into())).is_empty());
        assert!(matches!(&flow.manage.message, Some(Notice::Error(_))));
        let effects = send(&mut flow, Intent::AuthorizeAssociation("aa-wait".into()));
        let generation = match &effects[..] {
            [Effect::FetchAssociation { generation, .. }] => *generation,
            other => panic!("{other:?}"),
        };
        let mut detail = association(AssociationState::InProgress);
        detail.id = "aa-wait".into();
        detail.oauth_url = "https://auth.example/x".into();
        update(
            &mut flow,
            Event::AssociationDetail {
                generation,
                result: Ok(detail),
            },
            now(),
        );
        assert_eq!(flow.step, Step::Authorize);
        assert_eq!(flow.association.as_ref().unwrap().id, "aa-wait");
    }

    /// Authorize on "Garage" from the list: the flow follows it on the Authorize screen.
    fn authorizing_garage() -> Flow {
        let mut flow = flow_in_manage();
        let effects = send(&mut flow, Intent::AuthorizeAssociation("aa-wait".into()));
        let generation = match &effects[..] {
            [Effect::FetchAssociation { generation, .. }] => *generation,
            other => panic!("{other:?}"),
        };
        let mut detail = association(AssociationState::InProgress);
        detail.id = "aa-wait".into();
        detail.name = "Garage".into();
        detail.oauth_url = "https://auth.example/x".into();
        update(
            &mut flow,
            Event::AssociationDetail {
                generation,
                result: Ok(detail),
            },
            now(),
        );
        assert_eq!(flow.step, Step::Authorize);
        flow
    }

    #[test]
    fn after_an_action_the_user_is_back_on_the_list_with_the_row_reloaded() {
        // Esc from Authorize: back to the list, which is listed again, Garage highlighted.
        let mut flow = authorizing_garage();
        let effects = send(&mut flow, Intent::Back);
        assert_eq!(flow.step, Step::Manage);
        assert!(matches!(
            effects[..],
            [Effect::ListAssociations { .. }, Effect::CountThings { .. }]
        ));
        assert_eq!(flow.manage.focus.as_deref(), Some("aa-wait"));
        assert!(flow.polling.is_none() && flow.association.is_none());

        // Consent finishes: Done, and Enter goes back to the list rather than exiting.
        let mut flow = authorizing_garage();
        let poll = flow.polling.as_ref().unwrap().generation;
        update(&mut flow, Event::PollDue { generation: poll }, now());
        let mut done = association(AssociationState::Succeeded);
        done.id = "aa-wait".into();
        update(
            &mut flow,
            Event::Polled {
                generation: poll,
                result: Ok(done),
            },
            now(),
        );
        assert_eq!(flow.step, Step::Done);
        let effects = send(&mut flow, Intent::Finish);
        assert!(!effects.iter().any(|e| matches!(e, Effect::Exit(_))));
        assert!(matches!(
            effects[..],
            [Effect::ListAssociations { .. }, Effect::CountThings { .. }]
        ));
        assert_eq!(flow.step, Step::Manage);
        assert!(
            matches!(&flow.manage.message, Some(Notice::Info(m)) if m == "Garage: ASSOCIATION_SUCCEEDED")
        );
        // Nothing of it was journaled: Manage finds it again.
        assert_eq!(persist::snapshot(&flow), None);
    }

    #[test]
    fn a_delete_returns_to_the_list_and_the_refreshed_row_is_highlighted() {
        let mut flow = flow_in_manage();
        send(&mut flow, Intent::AskDelete("aa-bad".into()));
        let effects = send(
            &mut flow,
            Intent::Delete {
                id: "aa-bad".into(),
                typed: "Broken".into(),
            },
        );
        let [Effect::DeleteAssociation { generation, .. }] = effects[..] else {
            panic!("{effects:?}")
        };
        let effects = update(
            &mut flow,
            Event::Deleted {
                generation,
                result: Ok(()),
            },
            now(),
        );
        assert!(matches!(
            effects[..],
            [Effect::ListAssociations { .. }, Effect::CountThings { .. }]
        ));
        assert_eq!(flow.manage.focus.as_deref(), Some("aa-bad"));
    }

    #[test]
    fn retry_as_new_makes_a_prefilled_draft() {
        let mut flow = flow_in_manage();
        let effects = send(&mut flow, Intent::RetryAsNew("aa-bad".into()));
        let generation = match &effects[..] {
            [Effect::FetchAssociation { generation, .. }] => *generation,
            other => panic!("{other:?}"),
        };
        let mut failed = association(AssociationState::Failed);
        failed.id = "aa-bad".into();
        failed.name = "Broken".into();
        failed.tags = [("env".to_string(), "prod".to_string())]
            .into_iter()
            .collect();
        let effects = update(
            &mut flow,
            Event::AssociationDetail {
                generation,
                result: Ok(failed),
            },
            now(),
        );
        assert_eq!(flow.step, Step::Destination);
        assert_eq!(flow.details.name, "Broken");
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::GetDestination { id, .. } if id == "dest-oauth"))
        );
    }
}
