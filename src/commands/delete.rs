//! `iotmi-onboard delete ID --yes [--deregister-things]`: Manage's guided deletion
//! (`iotmi_core::flow` deletion) answered from the flags. The association is looked up among the
//! account's, the managed things registered to it are counted before anything changes, each
//! is deregistered (a few at a time, each with its result on stderr), the association is
//! deleted and followed through ASSOCIATION_DELETING until it is gone or `--wait-timeout`.
//! Nothing is journaled: a rerun after a kill counts again, so nothing is done twice.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use iotmi_core::flow::{DeletionEnd, DeletionPhase, Flow, Intent, Load, Step};
use iotmi_core::service::{ErrorKind, ServiceError};
use iotmi_core::text::{elapsed_text, sanitize};

/// What `delete` was told.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeletePlan {
    pub id: String,
    pub deregister_things: bool,
    pub wait_timeout: Duration,
}

/// How a deletion ended, for the report.
#[derive(Debug)]
pub enum Ended {
    /// Gone, or (`gone` false) still ASSOCIATION_DELETING when `--wait-timeout` passed.
    Deleted {
        gone: bool,
    },
    /// Things are registered and `--deregister-things` was not given: nothing was changed.
    NotConfirmed(String),
    /// Some deregistrations failed (each said as it came): nothing was deleted.
    DeregistrationsFailed {
        done: usize,
        failed: usize,
    },
    Service(ServiceError),
}

/// The deletion as far as it was said on stderr, and the intents sent.
#[derive(Default)]
pub struct Tracker {
    entered: bool,
    asked: bool,
    confirmed: bool,
    said_counting: bool,
    said_count: bool,
    said_deleting: bool,
    said_results: BTreeSet<String>,
    said_retry: Option<u32>,
    following_since: Option<Instant>,
    /// The things counted, in the flow's order.
    counted: Vec<String>,
    /// Deregistered by this run, for the result.
    pub deregistered: Vec<String>,
}

impl Tracker {
    /// The intent the flags give for where the deletion is now.
    pub fn next_intent(&mut self, flow: &Flow, plan: &DeletePlan) -> Option<Intent> {
        if flow.step() != Step::Manage {
            if self.entered {
                return None;
            }
            self.entered = true;
            return Some(Intent::StartManage);
        }
        let view = flow.manage();
        if view.load != Load::Loaded || view.more {
            return None;
        }
        if !self.asked {
            view.find(&plan.id)?;
            self.asked = true;
            return Some(Intent::AskDelete(plan.id.clone()));
        }
        let deletion = view.deletion.as_ref().filter(|d| d.id == plan.id)?;
        match &deletion.phase {
            DeletionPhase::Confirming { things }
                if !self.confirmed && (things.is_empty() || plan.deregister_things) =>
            {
                self.confirmed = true;
                // `--yes` stands for the typed name.
                Some(Intent::Delete {
                    id: plan.id.clone(),
                    typed: deletion.word.clone(),
                })
            }
            _ => None,
        }
    }

    /// Whether the deletion is over, and how.
    pub fn end(&self, flow: &Flow, plan: &DeletePlan) -> Option<Ended> {
        let view = flow.manage();
        if let Load::Failed(error) = &view.load {
            return Some(Ended::Service(error.clone()));
        }
        if flow.step() == Step::Manage
            && view.load == Load::Loaded
            && !view.more
            && !self.asked
            && view.find(&plan.id).is_none()
        {
            return Some(Ended::Service(ServiceError::new(
                ErrorKind::NotFound,
                format!(
                    "AccountAssociation {} is not among the account's associations",
                    sanitize(&plan.id)
                ),
            )));
        }
        match &view.deletion_ended {
            Some(DeletionEnd::Gone { id }) if *id == plan.id => {
                return Some(Ended::Deleted { gone: true });
            }
            Some(DeletionEnd::Failed { id, error, .. }) if *id == plan.id => {
                return Some(Ended::Service(error.clone()));
            }
            _ => {}
        }
        let deletion = view.deletion.as_ref().filter(|d| d.id == plan.id)?;
        match &deletion.phase {
            DeletionPhase::Confirming { things }
                if !things.is_empty() && !plan.deregister_things =>
            {
                let n = things.len();
                Some(Ended::NotConfirmed(format!(
                    "not deleting {}: {n} managed thing{} registered to it, and the service \
                     deletes an association only once none is. --deregister-things \
                     deregisters {} first, then deletes it. Nothing was changed.",
                    sanitize(&plan.id),
                    if n == 1 { " is" } else { "s are" },
                    if n == 1 { "it" } else { "them" },
                )))
            }
            DeletionPhase::Deregistering { done, failed, .. } if deletion.awaits_retry() => {
                Some(Ended::DeregistrationsFailed {
                    done: done.len(),
                    failed: failed.len(),
                })
            }
            DeletionPhase::Following { .. }
                if self
                    .following_since
                    .is_some_and(|since| since.elapsed() > plan.wait_timeout) =>
            {
                Some(Ended::Deleted { gone: false })
            }
            _ => None,
        }
    }

    /// Progress on stderr: the count, each thing's result, the delete, the wait.
    pub fn report(&mut self, flow: &Flow, plan: &DeletePlan) {
        let Some(deletion) = flow.manage().deletion.as_ref().filter(|d| d.id == plan.id) else {
            return;
        };
        let word = sanitize(&deletion.word);
        match &deletion.phase {
            DeletionPhase::Counting { .. } if !self.said_counting => {
                self.said_counting = true;
                stderr_line!("Checking what is registered to {word}…");
            }
            DeletionPhase::Confirming { things } if !self.said_count => {
                self.said_count = true;
                self.counted = things.clone();
                let n = things.len();
                stderr_line!(
                    "{n} managed thing{} registered to {word}.",
                    if n == 1 { " is" } else { "s are" }
                );
            }
            DeletionPhase::Deregistering {
                waiting,
                in_flight,
                done,
                failed,
                ..
            } => {
                let total = waiting.len() + in_flight.len() + done.len() + failed.len();
                for thing in done {
                    if self.said_results.insert(thing.clone()) {
                        self.deregistered.push(thing.clone());
                        stderr_line!(
                            "Deregistered {} ({} of {total}).",
                            sanitize(thing),
                            self.deregistered.len()
                        );
                    }
                }
                for (thing, error) in failed {
                    if self.said_results.insert(thing.clone()) {
                        stderr_line!("error: {} was not deregistered: {error}", sanitize(thing));
                    }
                }
            }
            DeletionPhase::Deleting { .. } if !self.said_deleting => {
                self.said_deleting = true;
                self.settle_deregistered();
                stderr_line!("Deleting {word}…");
            }
            DeletionPhase::Following { retrying, .. } => {
                if self.following_since.is_none() {
                    self.settle_deregistered();
                    self.following_since = Some(Instant::now());
                    stderr_line!(
                        "{word} is ASSOCIATION_DELETING: waiting until it is gone (up to {}).",
                        elapsed_text(plan.wait_timeout)
                    );
                }
                if let Some(retrying) = retrying
                    && self.said_retry != Some(retrying.attempt)
                {
                    self.said_retry = Some(retrying.attempt);
                    stderr_line!("{}", retrying.line());
                }
            }
            _ => {}
        }
    }

    /// The delete goes out only once every counted thing is deregistered: the last results,
    /// settled in the same update as the delete, are said here.
    fn settle_deregistered(&mut self) {
        let total = self.counted.len();
        for thing in std::mem::take(&mut self.counted) {
            if self.said_results.insert(thing.clone()) {
                self.deregistered.push(thing.clone());
                stderr_line!(
                    "Deregistered {} ({} of {total}).",
                    sanitize(&thing),
                    self.deregistered.len()
                );
            }
        }
    }
}
