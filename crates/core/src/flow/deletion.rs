//! Guided deletion, from Manage and the `delete` command: the service refuses to delete an
//! association while managed things are registered to it, so the flow counts them before the
//! name is typed, deregisters each (a few at a time, each with its result, the failed ones
//! retried on request), deletes the association and follows it through
//! ASSOCIATION_DELETING until it is gone.
//!
//! Nothing is journaled: every step's state lives on the service (what is still registered,
//! whether the association still exists), so a rerun after a kill counts again and finishes
//! the job without doing anything twice.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Duration;

use super::effect::Effect;
use super::model::{Notice, Step};
use super::retry::{self, Retrying};
use super::{Flow, Generation, error_line, manage};
use crate::service::{Association, ErrorKind, ServiceError, ThingLink};

/// Deregistrations in flight at once.
pub const DEREGISTER_CONCURRENCY: usize = 4;
/// How often a deleted association is looked up until it is gone.
pub const GONE_CHECK: Duration = Duration::from_secs(1);

/// A deletion under way: from counting the registered things to the association gone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deletion {
    pub id: String,
    /// What confirms it: the name, or the id of an unnamed association.
    pub word: String,
    pub phase: DeletionPhase,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeletionPhase {
    /// ListManagedThingAccountAssociations for it, before the name is asked.
    Counting { generation: Generation },
    /// The name is asked (`ManageView::confirm_delete`); these things are deregistered first.
    Confirming { things: Vec<String> },
    /// Each thing deregistered in turn; the failed ones wait for a retry.
    Deregistering {
        generation: Generation,
        waiting: VecDeque<String>,
        in_flight: BTreeSet<String>,
        done: BTreeSet<String>,
        failed: BTreeMap<String, ServiceError>,
    },
    /// DeleteAccountAssociation sent.
    Deleting { generation: Generation },
    /// Accepted: ASSOCIATION_DELETING until GetAccountAssociation says it is gone.
    Following {
        generation: Generation,
        retrying: Option<Retrying>,
    },
}

/// How the last deletion ended, for a front end that reports it rather than shows it (the
/// `delete` command's exit status comes from the error).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeletionEnd {
    /// GetAccountAssociation says it is gone.
    Gone { id: String },
    /// A call failed: counting or deleting (`deleted` false), or following an accepted delete.
    Failed {
        id: String,
        deleted: bool,
        error: ServiceError,
    },
}

impl Deletion {
    /// A service call of this deletion is in flight (quitting should be confirmed).
    pub fn busy(&self) -> bool {
        match &self.phase {
            DeletionPhase::Counting { .. } | DeletionPhase::Deleting { .. } => true,
            DeletionPhase::Deregistering { in_flight, .. } => !in_flight.is_empty(),
            DeletionPhase::Confirming { .. } | DeletionPhase::Following { .. } => false,
        }
    }

    /// Managed things registered to it when counted (Confirming), or still to deregister.
    pub fn registered(&self) -> usize {
        match &self.phase {
            DeletionPhase::Confirming { things } => things.len(),
            DeletionPhase::Deregistering {
                waiting,
                in_flight,
                failed,
                ..
            } => waiting.len() + in_flight.len() + failed.len(),
            _ => 0,
        }
    }

    /// Every deregistration settled and some failed: `r` (RetryDeletion) tries those again.
    pub fn awaits_retry(&self) -> bool {
        matches!(&self.phase, DeletionPhase::Deregistering { waiting, in_flight, failed, .. }
            if waiting.is_empty() && in_flight.is_empty() && !failed.is_empty())
    }

    /// Deregistered so far and failed, for a progress line.
    pub fn progress(&self) -> Option<(usize, usize, usize)> {
        match &self.phase {
            DeletionPhase::Deregistering {
                waiting,
                in_flight,
                done,
                failed,
                ..
            } => Some((
                done.len(),
                failed.len(),
                done.len() + failed.len() + waiting.len() + in_flight.len(),
            )),
            _ => None,
        }
    }
}

/// `d` on a row (or `delete ID`): count what is registered before the name is asked.
pub fn ask(flow: &mut Flow, id: String) -> Vec<Effect> {
    let Some(word) = flow.manage.find(&id).map(manage::confirmation_word) else {
        return Vec::new();
    };
    if flow.manage.deletion.as_ref().is_some_and(Deletion::busy) {
        return Vec::new();
    }
    flow.manage.deletion_ended = None;
    let generation = flow.next_generation();
    flow.manage.confirm_delete = None;
    // Already accepted (a run killed while following it, another client): nothing is
    // registered to it any more and nothing is asked; it is followed until gone.
    if flow
        .manage
        .find(&id)
        .is_some_and(|a| a.state == crate::service::AssociationState::Deleting)
    {
        flow.manage.message = Some(Notice::Info(format!(
            "{word} is being deleted: ASSOCIATION_DELETING until it is gone"
        )));
        flow.manage.deletion = Some(Deletion {
            id: id.clone(),
            word,
            phase: DeletionPhase::Following {
                generation,
                retrying: None,
            },
        });
        return vec![Effect::CheckDeleted { generation, id }];
    }
    flow.manage.message = Some(Notice::Info(format!(
        "Checking what is registered to {word}…"
    )));
    flow.manage.deletion = Some(Deletion {
        id: id.clone(),
        word,
        phase: DeletionPhase::Counting { generation },
    });
    vec![Effect::ListRegisteredThings {
        generation,
        association_id: id,
    }]
}

pub fn on_counted(
    flow: &mut Flow,
    generation: Generation,
    result: Result<Vec<ThingLink>, ServiceError>,
) -> Vec<Effect> {
    let Some(deletion) = flow.manage.deletion.as_mut() else {
        return Vec::new();
    };
    if deletion.phase != (DeletionPhase::Counting { generation }) {
        return Vec::new();
    }
    match result {
        Ok(links) => {
            // Pre-associated things hold the association too: each is deregistered.
            let things: Vec<String> = links.into_iter().map(|l| l.managed_thing_id).collect();
            let word = deletion.word.clone();
            flow.manage.message = Some(Notice::Info(match things.len() {
                // Short enough for an 80-column status line, and no key named: each front end
                // says how to confirm (the TUI's box and footer, plain mode's prompt).
                0 => format!("Nothing is registered to it: typing {word:?} deletes it"),
                n => format!(
                    "{n} managed thing{} registered to it: deregistered first, then it is deleted",
                    plural(n)
                ),
            }));
            flow.manage.confirm_delete = Some(deletion.id.clone());
            deletion.phase = DeletionPhase::Confirming { things };
        }
        Err(error) => {
            let why = format!(
                "Could not list what is registered to it: {}",
                error_line(&error)
            );
            return end_failed(flow, false, why, error);
        }
    }
    Vec::new()
}

/// The deletion stops on `error` (after the delete was accepted when `deleted`): the reason is
/// said, and kept for the command's exit status.
fn end_failed(flow: &mut Flow, deleted: bool, why: String, error: ServiceError) -> Vec<Effect> {
    if let Some(deletion) = flow.manage.deletion.take() {
        flow.manage.deletion_ended = Some(DeletionEnd::Failed {
            id: deletion.id,
            deleted,
            error,
        });
    }
    flow.manage.message = Some(Notice::Error(why));
    Vec::new()
}

pub fn cancel(flow: &mut Flow) -> Vec<Effect> {
    let confirming = flow.manage.confirm_delete.take().is_some();
    let counting = flow
        .manage
        .deletion
        .as_ref()
        .is_some_and(|d| matches!(d.phase, DeletionPhase::Counting { .. }));
    if confirming || counting {
        flow.manage.deletion = None;
        flow.manage.message = Some(Notice::Info("Delete cancelled".into()));
    }
    Vec::new()
}

/// The name typed: deregister what is registered, then delete.
pub fn confirm(flow: &mut Flow, id: String, typed: String) -> Vec<Effect> {
    if flow.manage.confirm_delete.as_deref() != Some(id.as_str()) {
        return Vec::new();
    }
    let Some(deletion) = flow.manage.deletion.as_mut().filter(|d| d.id == id) else {
        return Vec::new();
    };
    if typed != deletion.word {
        flow.manage.message = Some(Notice::Error(
            "That is not the name: type it exactly".into(),
        ));
        return Vec::new();
    }
    let DeletionPhase::Confirming { things } = &deletion.phase else {
        return Vec::new();
    };
    let things = things.clone();
    flow.manage.confirm_delete = None;
    if things.is_empty() {
        return delete_now(flow);
    }
    let generation = flow.next_generation();
    if let Some(deletion) = flow.manage.deletion.as_mut() {
        deletion.phase = DeletionPhase::Deregistering {
            generation,
            waiting: things.into(),
            in_flight: BTreeSet::new(),
            done: BTreeSet::new(),
            failed: BTreeMap::new(),
        };
    }
    dispatch(flow)
}

/// `r` after some deregistrations failed: those are tried again.
pub fn retry_failed(flow: &mut Flow) -> Vec<Effect> {
    let Some(Deletion {
        phase:
            DeletionPhase::Deregistering {
                waiting,
                in_flight,
                failed,
                ..
            },
        ..
    }) = flow.manage.deletion.as_mut()
    else {
        return Vec::new();
    };
    if failed.is_empty() || !in_flight.is_empty() || !waiting.is_empty() {
        return Vec::new();
    }
    waiting.extend(std::mem::take(failed).into_keys());
    dispatch(flow)
}

/// Keeps up to [`DEREGISTER_CONCURRENCY`] deregistrations in flight; once all are settled
/// without a failure, deletes.
fn dispatch(flow: &mut Flow) -> Vec<Effect> {
    let Some(deletion) = flow.manage.deletion.as_mut() else {
        return Vec::new();
    };
    let association_id = deletion.id.clone();
    let word = deletion.word.clone();
    let DeletionPhase::Deregistering {
        generation,
        waiting,
        in_flight,
        done,
        failed,
    } = &mut deletion.phase
    else {
        return Vec::new();
    };
    let mut effects = Vec::new();
    while in_flight.len() < DEREGISTER_CONCURRENCY
        && let Some(thing_id) = waiting.pop_front()
    {
        in_flight.insert(thing_id.clone());
        effects.push(Effect::DeregisterThing {
            generation: *generation,
            thing_id,
            association_id: association_id.clone(),
        });
    }
    let total = done.len() + failed.len() + waiting.len() + in_flight.len();
    if in_flight.is_empty() && failed.is_empty() {
        return delete_now(flow);
    }
    flow.manage.message = Some(if in_flight.is_empty() {
        // No key named: each front end offers its own (the TUI's footer, plain mode's prompt).
        Notice::Error(format!(
            "{} of {total} deregistered from {word}, {} failed: they can be tried again, or \
             left registered",
            done.len(),
            failed.len()
        ))
    } else {
        Notice::Info(format!(
            "Deregistering managed things from {word}: {} of {total} done",
            done.len()
        ))
    });
    effects
}

pub fn on_deregistered(
    flow: &mut Flow,
    generation: Generation,
    thing_id: String,
    result: Result<(), ServiceError>,
) -> Vec<Effect> {
    let Some(Deletion {
        phase:
            DeletionPhase::Deregistering {
                generation: current,
                in_flight,
                done,
                failed,
                ..
            },
        ..
    }) = flow.manage.deletion.as_mut()
    else {
        return Vec::new();
    };
    if *current != generation || !in_flight.remove(&thing_id) {
        return Vec::new();
    }
    match result {
        // Already deregistered (a run killed after the call took effect): done all the same.
        Ok(())
        | Err(ServiceError {
            kind: ErrorKind::NotFound,
            ..
        }) => {
            done.insert(thing_id);
            // The list's count follows, so a deletion left part-way shows what is left.
            let id = flow.manage.deletion.as_ref().map(|d| d.id.clone());
            if let (Some(id), Some(counts)) = (id, flow.manage.thing_counts.as_mut())
                && let Some(count) = counts.get_mut(&id)
            {
                *count = count.saturating_sub(1);
            }
        }
        Err(error) => {
            failed.insert(thing_id, error);
        }
    }
    dispatch(flow)
}

fn delete_now(flow: &mut Flow) -> Vec<Effect> {
    let generation = flow.next_generation();
    let Some(deletion) = flow.manage.deletion.as_mut() else {
        return Vec::new();
    };
    deletion.phase = DeletionPhase::Deleting { generation };
    flow.manage.message = Some(Notice::Info(format!("Deleting {}…", deletion.word)));
    vec![Effect::DeleteAssociation {
        generation,
        id: deletion.id.clone(),
    }]
}

pub fn on_deleted(
    flow: &mut Flow,
    generation: Generation,
    result: Result<(), ServiceError>,
) -> Vec<Effect> {
    let Some(deletion) = flow.manage.deletion.as_mut() else {
        return Vec::new();
    };
    if deletion.phase != (DeletionPhase::Deleting { generation }) {
        return Vec::new();
    }
    match result {
        Ok(()) => {
            let id = deletion.id.clone();
            let word = deletion.word.clone();
            let follow = flow.next_generation();
            if let Some(deletion) = flow.manage.deletion.as_mut() {
                deletion.phase = DeletionPhase::Following {
                    generation: follow,
                    retrying: None,
                };
            }
            let mut effects = manage::enter(flow);
            flow.manage.focus = Some(id.clone());
            flow.manage.message = Some(Notice::Info(format!(
                "Deleted {word}: ASSOCIATION_DELETING until it is gone"
            )));
            effects.push(Effect::CheckDeleted {
                generation: follow,
                id,
            });
            effects
        }
        Err(error) => {
            let why = if error.kind == ErrorKind::Conflict {
                // Registered after the count (another client): count again.
                "something was registered to it meanwhile: d counts again".to_string()
            } else {
                error_line(&error)
            };
            end_failed(flow, false, format!("Not deleted: {why}"), error)
        }
    }
}

/// GetAccountAssociation after the delete: gone ends the deletion, DELETING looks again.
pub fn on_checked(
    flow: &mut Flow,
    generation: Generation,
    result: Result<Association, ServiceError>,
) -> Vec<Effect> {
    let salt = retry::salt_of(&flow.opts.token_seed);
    let Some(deletion) = flow.manage.deletion.as_mut() else {
        return Vec::new();
    };
    let DeletionPhase::Following {
        generation: current,
        retrying,
    } = &mut deletion.phase
    else {
        return Vec::new();
    };
    if *current != generation {
        return Vec::new();
    }
    let after = match result {
        Err(error) if error.kind == ErrorKind::NotFound => {
            let word = deletion.word.clone();
            flow.manage.deletion_ended = Some(DeletionEnd::Gone {
                id: deletion.id.clone(),
            });
            flow.manage.deletion = None;
            // Quietly: the operator may be busy with another row meanwhile.
            let effects = if flow.step == Step::Manage {
                manage::reload_quietly(flow)
            } else {
                Vec::new()
            };
            flow.manage.message = Some(Notice::Info(format!("Deleted {word}: it is gone")));
            return effects;
        }
        Ok(_) => {
            *retrying = None;
            GONE_CHECK
        }
        Err(error) => match retry::again(retrying, error, salt, None) {
            Ok(after) => after,
            Err(error) => {
                let why = format!("Deleted, but it cannot be followed: {}", error_line(&error));
                return end_failed(flow, true, why, error);
            }
        },
    };
    vec![Effect::Wake { generation, after }]
}

/// The timer of the next look-up.
pub fn on_woke(flow: &mut Flow, generation: Generation) -> Vec<Effect> {
    match flow.manage.deletion.as_ref() {
        Some(Deletion {
            id,
            phase:
                DeletionPhase::Following {
                    generation: current,
                    ..
                },
            ..
        }) if *current == generation => vec![Effect::CheckDeleted {
            generation,
            id: id.clone(),
        }],
        _ => Vec::new(),
    }
}

/// Whether `Event::Woke { generation }` is this deletion's timer.
pub fn owns_timer(flow: &Flow, generation: Generation) -> bool {
    matches!(
        flow.manage.deletion.as_ref().map(|d| &d.phase),
        Some(DeletionPhase::Following { generation: current, .. }) if *current == generation
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use crate::flow::testing::*;
    use crate::flow::*;
    use crate::service::{AssociationState, ErrorKind, Page, ServiceError};

    /// `d` on a row: the count is asked for before the name.
    fn ask(flow: &mut Flow, id: &str) -> Generation {
        let effects = send(flow, Intent::AskDelete(id.into()));
        match &effects[..] {
            [
                Effect::ListRegisteredThings {
                    generation,
                    association_id,
                },
            ] if association_id == id => *generation,
            other => panic!("{other:?}"),
        }
    }

    fn counted(flow: &mut Flow, generation: Generation, things: &[&str]) -> Vec<Effect> {
        update(
            flow,
            Event::RegisteredThings {
                generation,
                result: Ok(things
                    .iter()
                    .map(|t| crate::service::ThingLink {
                        managed_thing_id: t.to_string(),
                        associated: true,
                    })
                    .collect()),
            },
            now(),
        )
    }

    fn typed(flow: &mut Flow, id: &str, word: &str) -> Vec<Effect> {
        send(
            flow,
            Intent::Delete {
                id: id.into(),
                typed: word.into(),
            },
        )
    }

    fn deregistered(
        flow: &mut Flow,
        generation: Generation,
        thing: &str,
        result: Result<(), ServiceError>,
    ) -> Vec<Effect> {
        update(
            flow,
            Event::ThingDeregistered {
                generation,
                thing_id: thing.into(),
                result,
            },
            now(),
        )
    }

    fn deregistrations(effects: &[Effect]) -> Vec<(Generation, String)> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::DeregisterThing {
                    generation,
                    thing_id,
                    association_id,
                } => {
                    assert_eq!(association_id, "aa-ok");
                    Some((*generation, thing_id.clone()))
                }
                _ => None,
            })
            .collect()
    }

    fn message(flow: &Flow) -> String {
        match &flow.manage.message {
            Some(Notice::Info(m) | Notice::Error(m)) => m.clone(),
            None => String::new(),
        }
    }

    #[test]
    fn the_count_comes_before_the_name_and_a_wrong_name_keeps_the_question() {
        let mut flow = flow_in_manage();
        let generation = ask(&mut flow, "aa-ok");
        assert!(
            flow.manage.confirm_delete.is_none(),
            "not asked before the count"
        );
        assert!(flow.busy());
        counted(&mut flow, generation, &["t1", "t2"]);
        assert_eq!(flow.manage.confirm_delete.as_deref(), Some("aa-ok"));
        let said = message(&flow);
        assert!(
            said.starts_with("2 managed things registered to it: deregistered first"),
            "{said}"
        );
        assert!(typed(&mut flow, "aa-ok", "wrong").is_empty());
        assert!(matches!(&flow.manage.message, Some(Notice::Error(_))));
        assert_eq!(flow.manage.confirm_delete.as_deref(), Some("aa-ok"));
        // Esc cancels without a call.
        assert!(manage::back(&mut flow).is_empty());
        assert!(flow.manage.deletion.is_none() && flow.manage.confirm_delete.is_none());
    }

    #[test]
    fn nothing_registered_deletes_at_once_then_follows_until_gone() {
        let mut flow = flow_in_manage();
        let generation = ask(&mut flow, "aa-bad");
        counted(&mut flow, generation, &[]);
        let said = message(&flow);
        assert!(said.contains("\"Broken\""), "{said}");
        // No key is named: each front end says how it confirms.
        assert!(!said.contains("Esc") && !said.contains("Enter"), "{said}");
        let effects = typed(&mut flow, "aa-bad", "Broken");
        let [Effect::DeleteAssociation { generation, ref id }] = effects[..] else {
            panic!("{effects:?}")
        };
        assert_eq!(id, "aa-bad");
        let effects = update(
            &mut flow,
            Event::Deleted {
                generation,
                result: Ok(()),
            },
            now(),
        );
        assert_eq!(flow.manage.focus.as_deref(), Some("aa-bad"));
        let check = effects
            .iter()
            .find_map(|e| match e {
                Effect::CheckDeleted { generation, id } if id == "aa-bad" => Some(*generation),
                _ => None,
            })
            .expect("followed");
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::ListAssociations { .. }))
        );
        // Still DELETING: looked up again after a second.
        let mut deleting = association(AssociationState::Deleting);
        deleting.id = "aa-bad".into();
        let effects = update(
            &mut flow,
            Event::DeleteChecked {
                generation: check,
                result: Ok(deleting),
            },
            now(),
        );
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::Wake { after, .. } if *after == super::GONE_CHECK)),
            "{effects:?}"
        );
        let effects = update(&mut flow, Event::Woke { generation: check }, now());
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::CheckDeleted { .. })),
            "{effects:?}"
        );
        // The list reloaded; meanwhile another row is picked and its details asked for.
        let listing = flow.manage.generation;
        let rows = vec![
            summary("aa-ok", "Kitchen", AssociationState::Succeeded),
            summary("aa-bad", "Broken", AssociationState::Deleting),
        ];
        let page = |items| Event::AssociationsPage {
            generation: listing,
            result: Ok(Page {
                items,
                next_token: None,
            }),
        };
        update(&mut flow, page(rows), now());
        send(&mut flow, Intent::PickAssociation(Some("aa-ok".into())));
        send(&mut flow, Intent::ShowAssociation("aa-ok".into()));
        assert!(flow.manage.fetching);
        // Gone.
        let effects = update(
            &mut flow,
            Event::DeleteChecked {
                generation: check,
                result: Err(ServiceError::new(ErrorKind::NotFound, "gone")),
            },
            now(),
        );
        // Reloaded quietly: the row picked and the details asked for are still so.
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::ListAssociations { .. })),
            "{effects:?}"
        );
        assert_eq!(flow.manage.picked.as_deref(), Some("aa-ok"));
        assert!(
            flow.manage.fetching,
            "the details asked for are still awaited"
        );
        assert_eq!(flow.manage.items.len(), 2, "the list stays until reloaded");
        assert!(flow.manage.deletion.is_none());
        assert_eq!(message(&flow), "Deleted Broken: it is gone");
        assert_eq!(
            flow.manage.deletion_ended,
            Some(DeletionEnd::Gone {
                id: "aa-bad".into()
            }),
            "told how it ended, past the reload"
        );
    }

    #[test]
    fn one_already_deleting_is_followed_until_gone_without_asking_or_deleting_again() {
        let mut flow = flow_in_manage();
        flow.manage.items[0].state = AssociationState::Deleting;
        let effects = send(&mut flow, Intent::AskDelete("aa-ok".into()));
        let [Effect::CheckDeleted { generation, ref id }] = effects[..] else {
            panic!("{effects:?}")
        };
        assert_eq!(id, "aa-ok");
        assert!(flow.manage.confirm_delete.is_none(), "nothing to confirm");
        update(
            &mut flow,
            Event::DeleteChecked {
                generation,
                result: Err(ServiceError::new(ErrorKind::NotFound, "gone")),
            },
            now(),
        );
        assert!(matches!(
            flow.manage.deletion_ended,
            Some(DeletionEnd::Gone { .. })
        ));
    }

    #[test]
    fn a_failed_count_or_delete_is_kept_with_its_error() {
        let mut flow = flow_in_manage();
        let generation = ask(&mut flow, "aa-ok");
        update(
            &mut flow,
            Event::RegisteredThings {
                generation,
                result: Err(ServiceError::new(ErrorKind::AccessDenied, "no")),
            },
            now(),
        );
        assert!(matches!(
            &flow.manage.deletion_ended,
            Some(DeletionEnd::Failed { deleted: false, error, .. })
                if error.kind == ErrorKind::AccessDenied
        ));
        // A new deletion starts with a clean slate.
        ask(&mut flow, "aa-ok");
        assert_eq!(flow.manage.deletion_ended, None);
    }

    #[test]
    fn registered_things_are_deregistered_a_few_at_a_time_then_it_is_deleted() {
        let mut flow = flow_in_manage();
        let generation = ask(&mut flow, "aa-ok");
        let things: Vec<String> = (1..=6).map(|n| format!("t{n}")).collect();
        let names: Vec<&str> = things.iter().map(String::as_str).collect();
        counted(&mut flow, generation, &names);
        let mut in_flight = deregistrations(&typed(&mut flow, "aa-ok", "Kitchen"));
        assert_eq!(in_flight.len(), DEREGISTER_CONCURRENCY);
        assert!(message(&flow).contains("0 of 6 done"), "{}", message(&flow));
        let mut deleted = None;
        let mut done = 0;
        while let Some((generation, thing)) = in_flight.pop() {
            // One was deregistered by a run killed after the call took effect.
            let result = if thing == "t1" {
                Err(ServiceError::new(ErrorKind::NotFound, "not registered"))
            } else {
                Ok(())
            };
            let effects = deregistered(&mut flow, generation, &thing, result);
            done += 1;
            in_flight.extend(deregistrations(&effects));
            if let Some(Effect::DeleteAssociation { generation, .. }) = effects
                .iter()
                .find(|e| matches!(e, Effect::DeleteAssociation { .. }))
            {
                deleted = Some(*generation);
            }
        }
        assert_eq!(done, 6, "each thing deregistered once");
        assert!(deleted.is_some(), "deleted once all were deregistered");
    }

    #[test]
    fn failed_deregistrations_wait_for_a_retry_and_are_not_deleted_past() {
        let mut flow = flow_in_manage();
        flow.manage.thing_counts = Some([("aa-ok".to_string(), 2)].into());
        let generation = ask(&mut flow, "aa-ok");
        counted(&mut flow, generation, &["t1", "t2"]);
        let sent = deregistrations(&typed(&mut flow, "aa-ok", "Kitchen"));
        let (generation, _) = sent[0];
        deregistered(&mut flow, generation, "t1", Ok(()));
        let effects = deregistered(
            &mut flow,
            generation,
            "t2",
            Err(ServiceError::new(ErrorKind::ServerError, "boom")),
        );
        assert!(
            effects.is_empty(),
            "not deleted past a failure: {effects:?}"
        );
        assert!(message(&flow).contains("1 of 2 deregistered from Kitchen, 1 failed"));
        assert_eq!(
            flow.manage
                .thing_counts
                .as_ref()
                .and_then(|c| c.get("aa-ok")),
            Some(&1),
            "the list's count shows the one left"
        );
        assert!(!message(&flow).contains("Esc"), "no front end's key");
        assert!(!flow.busy());
        assert!(
            flow.manage
                .deletion
                .as_ref()
                .is_some_and(Deletion::awaits_retry)
        );
        let retried = deregistrations(&send(&mut flow, Intent::RetryDeletion));
        assert_eq!(
            retried.iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>(),
            ["t2"]
        );
        assert!(
            !flow
                .manage
                .deletion
                .as_ref()
                .is_some_and(Deletion::awaits_retry)
        );
        let effects = deregistered(&mut flow, retried[0].0, "t2", Ok(()));
        assert!(matches!(&effects[..], [Effect::DeleteAssociation { .. }]));
    }

    #[test]
    fn a_conflict_at_delete_says_to_count_again() {
        let mut flow = flow_in_manage();
        let generation = ask(&mut flow, "aa-ok");
        counted(&mut flow, generation, &[]);
        let effects = typed(&mut flow, "aa-ok", "Kitchen");
        let [Effect::DeleteAssociation { generation, .. }] = effects[..] else {
            panic!("{effects:?}")
        };
        update(
            &mut flow,
            Event::Deleted {
                generation,
                result: Err(ServiceError::new(ErrorKind::Conflict, "things")),
            },
            now(),
        );
        assert!(flow.manage.deletion.is_none());
        assert!(
            message(&flow).contains("d counts again"),
            "{}",
            message(&flow)
        );
    }
}
