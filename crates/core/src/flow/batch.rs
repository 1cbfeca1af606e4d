//! The Batch step: many associations from a file ([`crate::batch`] holds the file's rules).
//!
//! Checking: the rows against the service's rules (at once), then the account's destinations
//! (the listing the wizard loads anyway) and each named destination's auth; any problem refuses
//! the whole file, nothing created. Running: creates at most `concurrency` at a time, paced by
//! an [`AdaptiveRate`]; rows the batch journal says were made are not sent again, only looked
//! up; a lost or killed run's rows are found by their ClientTokens. Following: rows waiting for
//! consent are polled together, a round at a time, until final or the wait times out.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

use super::effect::Effect;
use super::intent::Intent;
use super::model::{Load, Step};
use super::owner::OwnerAction;
use super::{Flow, Generation, error_line, retry, status};
use crate::batch::{self, BatchRow, RowProblem};
use crate::journal::BatchJournal;
use crate::rate::AdaptiveRate;
use crate::service::{
    Association, AssociationState, CreatedAssociation, DestinationDetail, ErrorKind, ServiceError,
};
use crate::url_policy::{LaunchDecision, handover_form};

/// A row's call is tried this many times when the service throttles or fails in a way waiting
/// can mend; then the row is reported failed with the last error.
pub const ROW_ATTEMPTS: u32 = 8;
/// `--concurrency`'s default.
pub const BATCH_CONCURRENCY: usize = 4;
/// The check's calls (the listing, the destinations' details) are tried this many times more
/// when the service throttles or fails in a way waiting can mend.
const CHECK_RETRIES: u32 = 8;
/// The batch journal is written at most this often (and at the end): a kill loses at most
/// this much of it, and the rows' ClientTokens find those associations again.
const PERSIST_EVERY: Duration = Duration::from_millis(250);

/// What a batch run was given.
#[derive(Clone, Debug)]
pub struct BatchPlan {
    /// The file, as the user named it (for messages).
    pub source: String,
    pub rows: Vec<BatchRow>,
    /// The problems found reading the file (its lines that are not rows among them): the
    /// check adds the rows' own and the account's, and the file is refused with them all.
    pub problems: Vec<RowProblem>,
    /// The batch journal: its seed and the associations earlier runs made.
    pub journal: BatchJournal,
    pub concurrency: usize,
    /// Check and say what would be created; create nothing.
    pub dry_run: bool,
    /// Follow rows in progress until final (or the wait times out).
    pub follow: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BatchPhase {
    /// Listing the account's destinations and their auth.
    Checking,
    /// The file has problems ([`BatchRun::problems`]): nothing was created.
    Refused,
    /// `--dry-run`: checked, nothing created.
    Planned,
    Running,
    /// Every row is done (or the wait ended).
    Finished,
    /// The service could not be asked what the check needs.
    Stopped(ServiceError),
}

/// Where a row is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowState {
    Queued,
    Sending,
    /// The association exists, in this state.
    Made(AssociationState),
    /// The service refused the row or kept failing it: no association.
    Refused,
}

#[derive(Clone, Debug)]
pub struct RowRun {
    pub row: BatchRow,
    pub token: String,
    pub general_authorization: bool,
    pub state: RowState,
    pub association_id: Option<String>,
    pub arn: Option<String>,
    /// The service's error message, or why the row was refused (sanitised).
    pub error: Option<String>,
    /// An earlier run made it (the batch journal says so).
    pub already: bool,
    /// The consent URL, raw, for the hand-over only: never journaled or logged.
    oauth_url: Option<String>,
    attempts: u32,
    /// A poll of it is queued or in flight.
    polling: bool,
}

impl RowRun {
    pub fn oauth_url(&self) -> Option<&str> {
        self.oauth_url.as_deref().filter(|u| !u.is_empty())
    }

    /// Waiting on its account owner (or the service) to finish. (A row being deleted
    /// behind the batch's back is not: nothing the batch waits for.)
    pub fn in_progress(&self) -> bool {
        self.state == RowState::Made(AssociationState::InProgress)
    }
}

/// A call of the check to make again once its backoff is over.
#[derive(Clone, Debug, PartialEq, Eq)]
enum CheckCall {
    /// The page of destinations after `listing_token`.
    Listing,
    Detail(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Job {
    Create(usize),
    Poll(usize),
}

/// What a succeeded row's discovery (and adoption) came to (`batch --discover`/`--adopt all`,
/// which run the Devices step per row).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RowDevices {
    pub found: usize,
    pub adopted: usize,
    /// Why it stopped short (the discovery failed or timed out, devices not adopted).
    pub error: Option<String>,
}

/// Counts of a batch's rows, for the progress line, the summary and the exit status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchTally {
    pub rows: usize,
    pub queued: usize,
    pub succeeded: usize,
    pub in_progress: usize,
    /// Of those in progress, the ones with a consent page for their owner.
    pub awaiting_consent: usize,
    pub failed: usize,
    /// Made by an earlier run.
    pub already: usize,
}

impl BatchTally {
    /// Rows that reached an end (made, final or not, or refused).
    pub fn done(&self) -> usize {
        self.rows - self.queued
    }
}

#[derive(Clone, Debug)]
pub struct BatchRun {
    /// The URL policy's one option, so the run can give its rows' URLs' hand-over form.
    endpoint_is_loopback: bool,
    source: String,
    seed: String,
    concurrency: usize,
    dry_run: bool,
    follow: bool,
    phase: BatchPhase,
    rows: Vec<RowRun>,
    problems: Vec<RowProblem>,
    details: HashMap<String, DestinationDetail>,
    /// GetConnectorDestination calls under way: generation → destination id.
    detail_calls: HashMap<Generation, String>,
    /// The next page's token of the destination listing (what a retried page asks for).
    listing_token: Option<String>,
    check_retry: Option<retry::Retrying>,
    /// Check calls waiting out a backoff, and their timer.
    check_again: Vec<CheckCall>,
    check_generation: Generation,
    rate: AdaptiveRate,
    queue: VecDeque<Job>,
    in_flight: usize,
    calls: u64,
    pace_generation: Generation,
    pace_pending: bool,
    round_generation: Generation,
    round_pending: bool,
    started: Option<Instant>,
    deadline: Option<Instant>,
    timed_out: bool,
    journal: BatchJournal,
    journal_dirty: bool,
    persisted_at: Option<Instant>,
}

impl BatchRun {
    /// Row `index`'s consent URL in its hand-over form, while the row awaits consent and the
    /// URL policy accepts the URL: the only form a front end prints, copies, links or opens.
    pub fn consent_url(&self, index: usize) -> Option<String> {
        let row = self.rows.get(index)?;
        if !row.in_progress() {
            return None;
        }
        handover_form(row.oauth_url()?, self.endpoint_is_loopback).ok()
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// The seed of the rows' ClientTokens (journaled): whatever else the batch does per row
    /// derives its tokens from it too, so a rerun sends the same ones.
    pub fn seed(&self) -> &str {
        &self.seed
    }

    pub fn phase(&self) -> &BatchPhase {
        &self.phase
    }

    pub fn rows(&self) -> &[RowRun] {
        &self.rows
    }

    pub fn problems(&self) -> &[RowProblem] {
        &self.problems
    }

    pub fn follows(&self) -> bool {
        self.follow
    }

    pub fn timed_out(&self) -> bool {
        self.timed_out
    }

    /// Service calls made for the rows (creates and polls, retries included).
    pub fn calls(&self) -> u64 {
        self.calls
    }

    pub fn rate(&self) -> &AdaptiveRate {
        &self.rate
    }

    pub fn started(&self) -> Option<Instant> {
        self.started
    }

    /// The run is over: nothing more will change without the user.
    pub fn ended(&self) -> bool {
        !matches!(self.phase, BatchPhase::Checking | BatchPhase::Running)
    }

    pub fn tally(&self) -> BatchTally {
        let mut tally = BatchTally {
            rows: self.rows.len(),
            ..BatchTally::default()
        };
        for row in &self.rows {
            if row.already {
                tally.already += 1;
            }
            match &row.state {
                RowState::Queued | RowState::Sending => tally.queued += 1,
                RowState::Refused => tally.failed += 1,
                RowState::Made(AssociationState::Succeeded) => tally.succeeded += 1,
                RowState::Made(AssociationState::InProgress) => {
                    tally.in_progress += 1;
                    if row.oauth_url().is_some() {
                        tally.awaiting_consent += 1;
                    }
                }
                RowState::Made(_) => tally.failed += 1,
            }
        }
        tally
    }

    /// The exit status of the run (see [`crate::exit::of_batch`]).
    pub fn exit_status(&self) -> i32 {
        crate::exit::of_batch(&self.phase, &self.tally(), self.timed_out)
    }
}

/// The run a plan starts, with every row checked against the service's rules already.
pub(super) fn new_run(plan: BatchPlan, endpoint_is_loopback: bool) -> BatchRun {
    let mut problems = plan.problems;
    problems.extend(batch::row_problems(&plan.rows));
    // Stable: a line's reading problem stays before what the rules say of it.
    problems.sort_by_key(|p| p.line);
    let seed = plan.journal.seed.clone();
    let rows = plan
        .rows
        .into_iter()
        .map(|row| {
            let token = batch::row_token(&seed, &row);
            let made = plan.journal.created.get(&token).cloned();
            RowRun {
                already: made.is_some(),
                association_id: made,
                token,
                row,
                general_authorization: false,
                state: RowState::Queued,
                arn: None,
                error: None,
                oauth_url: None,
                attempts: 0,
                polling: false,
            }
        })
        .collect();
    BatchRun {
        endpoint_is_loopback,
        source: plan.source,
        seed,
        concurrency: plan.concurrency.max(1),
        dry_run: plan.dry_run,
        follow: plan.follow,
        // Rows the rules refuse are still checked against the account: the refusal names
        // every problem of the file at once.
        phase: BatchPhase::Checking,
        rows,
        problems,
        details: HashMap::new(),
        detail_calls: HashMap::new(),
        listing_token: None,
        check_retry: None,
        check_again: Vec::new(),
        check_generation: 0,
        rate: AdaptiveRate::default(),
        queue: VecDeque::new(),
        in_flight: 0,
        calls: 0,
        pace_generation: 0,
        pace_pending: false,
        round_generation: 0,
        round_pending: false,
        started: None,
        deadline: None,
        timed_out: false,
        journal: plan.journal,
        journal_dirty: false,
        persisted_at: None,
    }
}

fn run(flow: &mut Flow) -> Option<&mut BatchRun> {
    flow.batch.as_mut()
}

/// After anything the check waits on (the identity, a page of destinations): once the
/// listing is complete, ask each named destination's auth; once those are in, decide.
pub(super) fn on_loaded(flow: &mut Flow) -> Vec<Effect> {
    if flow.step != Step::Batch {
        return Vec::new();
    }
    let listing_done = !flow.destinations.more && flow.destinations.load != Load::Loading;
    let Some(run) = flow.batch.as_ref() else {
        return Vec::new();
    };
    if run.phase != BatchPhase::Checking || !listing_done || !run.check_again.is_empty() {
        return Vec::new();
    }
    if let Load::Failed(error) = &flow.destinations.load {
        let error = error.clone();
        return stop(flow, error);
    }
    if let super::model::Identity::Failed(error) = &flow.identity {
        let error = error.clone();
        return stop(flow, error);
    }
    if run.details.is_empty() && run.detail_calls.is_empty() {
        let listed: Vec<String> = batch::destinations_named(run.rows.iter().map(|r| &r.row))
            .into_iter()
            .filter(|id| flow.destinations.items.iter().any(|d| &d.id == id))
            .collect();
        if !listed.is_empty() {
            let mut effects = Vec::new();
            for id in listed {
                let generation = flow.next_generation();
                let run = run_mut(flow);
                run.detail_calls.insert(generation, id.clone());
                effects.push(Effect::GetDestination { generation, id });
            }
            return effects;
        }
    }
    if !run.detail_calls.is_empty() || !flow.identity_known() {
        return Vec::new();
    }
    decide(flow)
}

fn run_mut(flow: &mut Flow) -> &mut BatchRun {
    flow.batch.as_mut().expect("the Batch step has a run")
}

/// Whether `generation` is one of the batch's GetConnectorDestination calls.
pub(super) fn owns_detail(flow: &Flow, generation: Generation) -> bool {
    flow.batch
        .as_ref()
        .is_some_and(|run| run.detail_calls.contains_key(&generation))
}

pub(super) fn on_detail(
    flow: &mut Flow,
    generation: Generation,
    result: Result<DestinationDetail, ServiceError>,
) -> Vec<Effect> {
    let Some(run) = run(flow) else {
        return Vec::new();
    };
    let Some(id) = run.detail_calls.remove(&generation) else {
        return Vec::new();
    };
    match result {
        Ok(detail) => {
            run.details.insert(id, detail);
            on_loaded(flow)
        }
        Err(error) => check_again(flow, error, CheckCall::Detail(id)),
    }
}

/// A page of the destination listing, while the batch checks: a failure that waiting can
/// mend asks for the same page again after a backoff, instead of deciding on part of a list.
pub(super) fn on_page(
    flow: &mut Flow,
    generation: Generation,
    result: Result<crate::service::Page<crate::service::DestinationSummary>, ServiceError>,
) -> Vec<Effect> {
    if generation != flow.destinations.generation {
        return Vec::new();
    }
    match result {
        Ok(page) => {
            run_mut(flow).listing_token = page.next_token.clone().filter(|t| !t.is_empty());
            let mut effects = super::destination::on_page(flow, generation, Ok(page));
            effects.extend(on_loaded(flow));
            effects
        }
        Err(error) => check_again(flow, error, CheckCall::Listing),
    }
}

fn check_again(flow: &mut Flow, error: ServiceError, call: CheckCall) -> Vec<Effect> {
    let salt = retry::salt_of(&run_mut(flow).seed);
    let run = run_mut(flow);
    match retry::again(&mut run.check_retry, error, salt, Some(CHECK_RETRIES)) {
        Ok(after) => {
            let first = run.check_again.is_empty();
            run.check_again.push(call);
            if !first {
                return Vec::new();
            }
            let generation = flow.next_generation();
            run_mut(flow).check_generation = generation;
            vec![Effect::Wake { generation, after }]
        }
        Err(error) => stop(flow, error),
    }
}

/// The backoff is over: the check's failed calls again.
fn on_check_woke(flow: &mut Flow) -> Vec<Effect> {
    let calls = std::mem::take(&mut run_mut(flow).check_again);
    let mut effects = Vec::new();
    for call in calls {
        match call {
            CheckCall::Listing => {
                let token = run_mut(flow).listing_token.clone();
                effects.push(super::destination::list_destinations(flow, token));
            }
            CheckCall::Detail(id) => {
                let generation = flow.next_generation();
                run_mut(flow).detail_calls.insert(generation, id.clone());
                effects.push(Effect::GetDestination { generation, id });
            }
        }
    }
    effects
}

fn stop(flow: &mut Flow, error: ServiceError) -> Vec<Effect> {
    let run = run_mut(flow);
    run.detail_calls.clear();
    // A file the rules refuse is refused with what is known, whatever the account says.
    run.phase = if run.problems.is_empty() {
        BatchPhase::Stopped(error)
    } else {
        BatchPhase::Refused
    };
    Vec::new()
}

/// Every check is in: refuse the file, plan it, or start.
fn decide(flow: &mut Flow) -> Vec<Effect> {
    let now = flow.now;
    // The listing and the run are apart in the flow: both borrowed, neither copied.
    let listed = &flow.destinations.items;
    let run = flow.batch.as_mut().expect("the Batch step has a run");
    let mut problems = std::mem::take(&mut run.problems);
    problems.extend(batch::destination_problems(
        run.rows.iter().map(|r| &r.row),
        listed,
        &run.details,
    ));
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.line);
        run.problems = problems;
        run.phase = BatchPhase::Refused;
        return Vec::new();
    }
    for row in &mut run.rows {
        row.general_authorization = row
            .row
            .draft
            .destination
            .as_ref()
            .and_then(|id| run.details.get(id))
            .is_some_and(DestinationDetail::uses_general_authorization);
    }
    if run.dry_run {
        run.phase = BatchPhase::Planned;
        return Vec::new();
    }
    run.phase = BatchPhase::Running;
    run.started = Some(now);
    let wait_timeout = flow.opts.wait_timeout;
    let run = run_mut(flow);
    run.deadline = Some(now + wait_timeout);
    for (index, row) in run.rows.iter_mut().enumerate() {
        if row.already {
            // Made by an earlier run: only its state is asked.
            row.polling = true;
            run.queue.push_back(Job::Poll(index));
        } else {
            run.queue.push_back(Job::Create(index));
        }
    }
    pump(flow)
}

/// Starts as many queued calls as the concurrency and the rate allow; a wake for the next
/// slot when the rate holds them back.
fn pump(flow: &mut Flow) -> Vec<Effect> {
    let now = flow.now;
    let mut effects = Vec::new();
    loop {
        let run = run_mut(flow);
        if run.in_flight >= run.concurrency {
            break;
        }
        let Some(&job) = run.queue.front() else {
            break;
        };
        let ready = run.rate.ready_at(now);
        if ready > now {
            if !run.pace_pending {
                run.pace_pending = true;
                let generation = flow.next_generation();
                run_mut(flow).pace_generation = generation;
                effects.push(Effect::Wake {
                    generation,
                    after: ready - now,
                });
            }
            break;
        }
        run.rate.reserve(now);
        run.queue.pop_front();
        run.in_flight += 1;
        run.calls += 1;
        effects.push(match job {
            Job::Create(index) => {
                let row = &mut run.rows[index];
                row.state = RowState::Sending;
                row.attempts += 1;
                Effect::CreateRow {
                    row: index,
                    request: batch::row_request(&run.seed, &row.row, row.general_authorization),
                }
            }
            Job::Poll(index) => Effect::PollRow {
                row: index,
                id: run.rows[index].association_id.clone().unwrap_or_default(),
            },
        });
    }
    effects.extend(after_progress(flow));
    effects
}

/// The journal when due, the next round of polls, and the end.
fn after_progress(flow: &mut Flow) -> Vec<Effect> {
    let now = flow.now;
    let mut effects = Vec::new();
    let run = run_mut(flow);
    if run.phase != BatchPhase::Running {
        return effects;
    }
    let idle = run.queue.is_empty() && run.in_flight == 0;
    if run.follow
        && idle
        && !run.round_pending
        && run.rows.iter().any(RowRun::in_progress)
        && !run.timed_out
    {
        if run.deadline.is_some_and(|deadline| now >= deadline) {
            run.timed_out = true;
        } else {
            let elapsed = now.saturating_duration_since(run.started.unwrap_or(now));
            let after = status::poll_interval(elapsed);
            run.round_pending = true;
            let generation = flow.next_generation();
            run_mut(flow).round_generation = generation;
            effects.push(Effect::Wake { generation, after });
        }
    }
    let run = run_mut(flow);
    let finished = idle && !run.round_pending;
    if run.journal_dirty
        && (finished || run.persisted_at.is_none_or(|at| now >= at + PERSIST_EVERY))
    {
        run.journal_dirty = false;
        run.persisted_at = Some(now);
        effects.push(Effect::PersistBatch(run.journal.clone()));
    }
    if finished {
        run.phase = BatchPhase::Finished;
        let tally = run.tally();
        effects.push(Effect::Notify {
            title: "Batch finished".into(),
            body: format!(
                "{} of {} rows succeeded, {} failed, {} in progress",
                tally.succeeded, tally.rows, tally.failed, tally.in_progress
            ),
        });
    }
    effects
}

pub(super) fn owns_timer(flow: &Flow, generation: Generation) -> bool {
    flow.batch.as_ref().is_some_and(|run| {
        (!run.check_again.is_empty() && run.check_generation == generation)
            || (run.pace_pending && run.pace_generation == generation)
            || (run.round_pending && run.round_generation == generation)
    })
}

pub(super) fn on_woke(flow: &mut Flow, generation: Generation) -> Vec<Effect> {
    let now = flow.now;
    let run = run_mut(flow);
    if !run.check_again.is_empty() && run.check_generation == generation {
        return on_check_woke(flow);
    }
    if run.pace_pending && run.pace_generation == generation {
        run.pace_pending = false;
    } else if run.round_pending && run.round_generation == generation {
        run.round_pending = false;
        if run.deadline.is_some_and(|deadline| now >= deadline) {
            run.timed_out = true;
        } else {
            for index in 0..run.rows.len() {
                let row = &mut run.rows[index];
                if row.in_progress() && !row.polling {
                    row.polling = true;
                    run.queue.push_back(Job::Poll(index));
                }
            }
        }
    }
    pump(flow)
}

/// A call for row `index` answered: one call fewer in flight; the run, for the answer.
fn settle(flow: &mut Flow, index: usize) -> Option<&mut BatchRun> {
    let run = flow.batch.as_mut().filter(|run| index < run.rows.len())?;
    run.in_flight = run.in_flight.saturating_sub(1);
    Some(run)
}

pub(super) fn on_created(
    flow: &mut Flow,
    index: usize,
    result: Result<CreatedAssociation, ServiceError>,
) -> Vec<Effect> {
    let now = flow.now;
    let Some(run) = settle(flow, index) else {
        return Vec::new();
    };
    let row = &mut run.rows[index];
    match result {
        Ok(created) => {
            run.rate.on_success();
            run.journal
                .created
                .insert(row.token.clone(), created.id.clone());
            run.journal_dirty = true;
            row.association_id = Some(created.id);
            row.arn = Some(created.arn);
            row.state = RowState::Made(created.state);
            row.oauth_url = Some(created.oauth_url);
            row.error = None;
        }
        Err(error) => {
            if error.kind == ErrorKind::Throttled {
                run.rate.on_throttled(now);
            }
            if retry::can_improve(&error) && row.attempts < ROW_ATTEMPTS {
                row.state = RowState::Queued;
                row.error = Some(error_line(&error));
                // Throttled rows go first once the rate allows: they were next already.
                if error.kind == ErrorKind::Throttled {
                    run.queue.push_front(Job::Create(index));
                } else {
                    run.queue.push_back(Job::Create(index));
                }
            } else {
                row.state = RowState::Refused;
                row.error = Some(refusal_line(&error));
            }
        }
    }
    pump(flow)
}

/// Why the service refused a row, with what to do where a rerun is the likely cause.
fn refusal_line(error: &ServiceError) -> String {
    let line = error_line(error);
    if error.kind == ErrorKind::Conflict {
        format!(
            "{line} (the row changed since an earlier run made its association: delete that \
             association, or give the row another name)"
        )
    } else {
        line
    }
}

pub(super) fn on_polled(
    flow: &mut Flow,
    index: usize,
    result: Result<Association, ServiceError>,
) -> Vec<Effect> {
    let now = flow.now;
    let Some(run) = settle(flow, index) else {
        return Vec::new();
    };
    let row = &mut run.rows[index];
    row.polling = false;
    match result {
        Ok(association) => {
            run.rate.on_success();
            row.arn = Some(association.arn);
            row.error = association.error_message;
            row.state = RowState::Made(association.state);
            if !association.oauth_url.is_empty() {
                row.oauth_url = Some(association.oauth_url);
            }
        }
        Err(error) if error.kind == ErrorKind::NotFound => {
            row.state = RowState::Refused;
            row.error = Some(format!(
                "its association {} no longer exists (deleted since it was made)",
                row.association_id.as_deref().unwrap_or_default()
            ));
        }
        Err(error) => {
            if error.kind == ErrorKind::Throttled {
                run.rate.on_throttled(now);
            }
            let passing = retry::can_improve(&error);
            if passing && row.in_progress() {
                // The next round polls it again: a passing failure is not the row's error
                // (the results would say so of a row that only awaits its owner).
            } else if passing && row.attempts < ROW_ATTEMPTS {
                // A row made earlier whose state is not known yet: ask again.
                row.attempts += 1;
                row.polling = true;
                run.queue.push_back(Job::Poll(index));
            } else {
                row.error = Some(error_line(&error));
                if !passing {
                    row.state = RowState::Refused;
                }
            }
        }
    }
    pump(flow)
}

/// `demo`: what the presenter can do as row `index`'s account owner now (approve or deny its
/// consent page; nothing while another action is on its way, or outside a demo).
pub fn row_owner_actions(flow: &Flow, index: usize) -> &'static [OwnerAction] {
    if !flow.target.demo || flow.owner.busy.is_some() || row_url(flow, index).is_none() {
        return &[];
    }
    &[OwnerAction::Approve, OwnerAction::Deny]
}

/// The user's intents on the Batch screen: open a row's consent page; in `demo`, answer it as
/// its owner.
pub(super) fn on_intent(flow: &mut Flow, intent: Intent) -> Vec<Effect> {
    if let Intent::ActAsRowOwner { row, action } = intent {
        return act_as_owner(flow, row, action);
    }
    let Intent::OpenRowConsent(index) = intent else {
        return Vec::new();
    };
    let Some(url) = row_url(flow, index) else {
        flow.notice = Some("This row has no consent page to open.".into());
        return Vec::new();
    };
    match &flow.opts.launch {
        LaunchDecision::Launch(launcher) => vec![Effect::OpenBrowser {
            url,
            launcher: launcher.clone(),
        }],
        LaunchDecision::Skip(reason) => {
            flow.notice = Some(format!("Not opened here: {}", reason.explain()));
            Vec::new()
        }
    }
}

fn act_as_owner(flow: &mut Flow, index: usize, action: OwnerAction) -> Vec<Effect> {
    if !row_owner_actions(flow, index).contains(&action) {
        flow.notice = Some(if flow.owner.busy.is_some() {
            "The account owner is still busy with the last action".into()
        } else {
            "This row has no consent page waiting for its owner".into()
        });
        return Vec::new();
    }
    let url = row_url(flow, index).unwrap_or_default();
    let association_id = run_mut(flow).rows[index]
        .association_id
        .clone()
        .unwrap_or_default();
    // The batch's next round of polls sees the new state.
    super::owner::start(flow, action, url, association_id)
}

/// A row's consent URL in its hand-over form when the URL policy accepts it: the only form
/// any front end may copy, link, QR-encode or open.
pub fn row_url(flow: &Flow, index: usize) -> Option<String> {
    flow.batch.as_ref()?.consent_url(index)
}

/// A row's state in a word or two, as every front end shows it.
pub fn row_state_label(row: &RowRun) -> &'static str {
    match &row.state {
        RowState::Queued => "queued",
        RowState::Sending => "sending",
        RowState::Refused => "refused",
        RowState::Made(AssociationState::InProgress) if row.oauth_url().is_some() => {
            "awaiting consent"
        }
        RowState::Made(AssociationState::InProgress) => "in progress",
        RowState::Made(AssociationState::Succeeded) => "succeeded",
        RowState::Made(AssociationState::Failed) => "failed",
        RowState::Made(AssociationState::Deleting) => "deleting",
        RowState::Made(AssociationState::RefreshTokenExpired) => "refresh token expired",
        RowState::Made(AssociationState::Unknown(_)) => "unknown state",
    }
}

/// The journal a run that has only the seed starts with.
pub fn fresh_journal(seed: String) -> BatchJournal {
    BatchJournal {
        version: crate::journal::VERSION,
        seed,
        created: BTreeMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::super::testing::{self, destinations, ga_detail, oauth_detail};
    use super::super::{Event, Flow, init, update};
    use super::*;
    use crate::draft::Draft;
    use crate::service::{CallerIdentity, CreateRequest};

    fn row(line: usize, destination: &str, name: &str) -> BatchRow {
        BatchRow {
            line,
            draft: Draft {
                destination: Some(destination.into()),
                name: Some(name.into()),
                auth_material: (destination == "dest-ga").then(|| "api-key".into()),
                ..Draft::default()
            },
        }
    }

    fn plan(rows: Vec<BatchRow>) -> BatchPlan {
        BatchPlan {
            source: "fleet.csv".into(),
            rows,
            problems: Vec::new(),
            journal: fresh_journal(testing::SEED.into()),
            concurrency: BATCH_CONCURRENCY,
            dry_run: false,
            follow: true,
        }
    }

    /// What the fake service does with a create: the state it answers, or an error.
    type Answer = Box<dyn FnMut(usize, &CreateRequest) -> Result<CreatedAssociation, ServiceError>>;

    struct Harness {
        flow: Flow,
        now: Instant,
        /// Token → association id: the service's idempotency.
        made: BTreeMap<String, String>,
        /// Association id → state the service reports on a poll.
        states: BTreeMap<String, AssociationState>,
        creates: usize,
        polls: usize,
        most_in_flight: usize,
        in_flight: usize,
        persisted: Option<BatchJournal>,
        effects: VecDeque<Effect>,
        timers: Vec<(Instant, Generation)>,
        /// The first this many listings and details are throttled.
        throttle_checks: u32,
        /// Every poll is throttled.
        throttle_polls: bool,
    }

    impl Harness {
        fn new(plan: BatchPlan) -> Self {
            let mut options = testing::options();
            options.batch = Some(plan);
            let now = testing::now();
            let mut flow = Flow::new(options, now);
            let effects: VecDeque<Effect> = init(&mut flow).into();
            Self {
                flow,
                now,
                made: BTreeMap::new(),
                states: BTreeMap::new(),
                creates: 0,
                polls: 0,
                most_in_flight: 0,
                in_flight: 0,
                persisted: None,
                effects,
                timers: Vec::new(),
                throttle_checks: 0,
                throttle_polls: false,
            }
        }

        fn input(&mut self, event: Event) {
            let effects = update(&mut self.flow, event, self.now);
            self.effects.extend(effects);
        }

        /// Answers the listing, the identity and the destinations' details.
        fn checked(&mut self) {
            self.input(Event::Identity(Ok(CallerIdentity {
                account: "123456789012".into(),
                arn: "arn:aws:iam::123456789012:user/ops".into(),
            })));
            // The listing and details are answered; what the run starts is left queued.
            let mut unused: Answer = Box::new(|_, _| unreachable!("not carried out here"));
            let mut started = VecDeque::new();
            while let Some(effect) = self.effects.pop_front() {
                match effect {
                    Effect::ListDestinations { .. } | Effect::GetDestination { .. } => {
                        self.carry_out(effect, &mut unused)
                    }
                    other => started.push_back(other),
                }
            }
            self.effects = started;
        }

        fn run(&mut self, answer: &mut Answer) {
            loop {
                while let Some(effect) = self.effects.pop_front() {
                    self.carry_out(effect, answer);
                }
                // Nothing left but timers: the earliest fires.
                self.timers.sort();
                if self.timers.is_empty() {
                    return;
                }
                let (at, generation) = self.timers.remove(0);
                self.now = self.now.max(at);
                self.input(Event::Woke { generation });
            }
        }

        fn carry_out(&mut self, effect: Effect, answer: &mut Answer) {
            match effect {
                Effect::ListDestinations { generation, .. } => {
                    let result = self.check_answer(crate::service::Page {
                        items: destinations(),
                        next_token: None,
                    });
                    self.input(Event::DestinationsPage { generation, result });
                }
                Effect::GetDestination { generation, id } => {
                    let detail = if id == "dest-ga" {
                        ga_detail()
                    } else {
                        oauth_detail()
                    };
                    let result = self.check_answer(detail);
                    self.input(Event::DestinationDetail { generation, result });
                }
                Effect::CreateRow { row, request } => {
                    self.creates += 1;
                    self.in_flight += 1;
                    self.most_in_flight = self.most_in_flight.max(self.in_flight);
                    let result = answer(row, &request).map(|created| {
                        let id = self
                            .made
                            .entry(request.client_token.clone())
                            .or_insert(created.id.clone())
                            .clone();
                        self.states
                            .entry(id.clone())
                            .or_insert(created.state.clone());
                        CreatedAssociation { id, ..created }
                    });
                    self.in_flight -= 1;
                    self.input(Event::RowCreated { row, result });
                }
                Effect::PollRow { row, id } => {
                    self.polls += 1;
                    let result = match self.states.get(&id) {
                        _ if self.throttle_polls => {
                            Err(ServiceError::new(ErrorKind::Throttled, "Rate exceeded"))
                        }
                        Some(state) => Ok(Association {
                            state: state.clone(),
                            ..testing::association(state.clone())
                        }),
                        None => Err(ServiceError::new(
                            ErrorKind::NotFound,
                            "no such association",
                        )),
                    };
                    self.input(Event::RowPolled { row, result });
                }
                Effect::Wake { generation, after } => {
                    self.timers.push((self.now + after, generation))
                }
                Effect::PersistBatch(journal) => self.persisted = Some(journal),
                _ => {}
            }
        }

        fn check_answer<T>(&mut self, answer: T) -> Result<T, ServiceError> {
            if self.throttle_checks > 0 {
                self.throttle_checks -= 1;
                return Err(ServiceError::new(ErrorKind::Throttled, "Rate exceeded"));
            }
            Ok(answer)
        }

        fn run_of(&self) -> &BatchRun {
            self.flow.batch().unwrap()
        }
    }

    fn made(state: AssociationState) -> Answer {
        let mut next = 0;
        Box::new(move |_, request| {
            next += 1;
            Ok(CreatedAssociation {
                id: format!("assoc-{next}"),
                arn: format!("arn:assoc-{next}"),
                state: state.clone(),
                oauth_url: if request.auth_material.is_some() {
                    String::new()
                } else {
                    format!("https://idp.example.com/authorize?state={next}")
                },
            })
        })
    }

    /// Checks `rows` against the account: the file must be refused, nothing sent; the lines
    /// of its problems, and the run.
    fn refused(rows: Vec<BatchRow>) -> (Vec<usize>, Harness) {
        refused_plan(plan(rows))
    }

    fn refused_plan(plan: BatchPlan) -> (Vec<usize>, Harness) {
        let mut harness = Harness::new(plan);
        harness.checked();
        let run = harness.run_of();
        assert_eq!(run.phase(), &BatchPhase::Refused, "{:?}", run.problems());
        assert_eq!(run.exit_status(), crate::exit::USAGE);
        let lines = run.problems().iter().map(|p| p.line).collect();
        assert_eq!(harness.creates, 0);
        (lines, harness)
    }

    #[test]
    fn a_file_with_bad_rows_is_refused_whole_before_any_call() {
        let (lines, _) = refused(vec![
            row(2, "dest-ga", "A"),
            row(3, "dest-ga", "bad.name"),
            row(4, "dest-ga", "A"),
        ]);
        assert_eq!(lines, [3, 4]);
    }

    #[test]
    fn destinations_not_in_the_account_refuse_the_file_with_their_lines() {
        let (lines, _) = refused(vec![
            row(2, "dest-ga", "A"),
            row(3, "dest-gone", "B"),
            BatchRow {
                line: 4,
                draft: Draft {
                    auth_material: Some("api-key".into()),
                    ..row(4, "dest-oauth", "C").draft
                },
            },
        ]);
        assert_eq!(lines, [3, 4]);
    }

    #[test]
    fn a_file_is_refused_with_its_rule_and_account_problems_together() {
        let (lines, _) = refused(vec![
            row(2, "dest-ga", "A"),
            row(3, "dest-ga", "bad.name"),
            row(4, "dest-gone", "B"),
        ]);
        assert_eq!(lines, [3, 4]);
    }

    /// Lines that cannot be read do not hide the rest: the rules' and the account's problems
    /// of the other lines are said in the same refusal, in line order.
    fn refusal_of(file_name: &str, text: &str) -> Vec<String> {
        let parsed = batch::parse(file_name, text).expect("rows to check");
        let (_, harness) = refused_plan(BatchPlan {
            problems: parsed.problems,
            ..plan(parsed.rows)
        });
        harness
            .run_of()
            .problems()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn unreadable_lines_are_refused_with_every_other_problem_of_the_file() {
        let csv = "destination,name,description,tags,auth_material\n\
            dest-ga,Site A,,,api-key\n\
            dest-ga,bad.name,,,api-key\n\
            nope,Site B,,,\n\
            dest-ga,Site A,,,api-key\n\
            dest-oauth,Site C,,,api-key\n\
            dest-ga,Site D,,a=1;broken,api-key\n\
            dest-ga,Site E,,,wrong-material\n\
            dest-ga,,,,api-key\n\
            dest-ga,Site F,d,t=1,api-key,extra\n";
        let said = refusal_of("fleet.csv", csv);
        let lines: Vec<&str> = said.iter().map(|p| p.split(':').next().unwrap()).collect();
        assert_eq!(
            lines,
            [
                "line 3", "line 4", "line 5", "line 6", "line 7", "line 8", "line 9", "line 10"
            ],
            "{said:#?}"
        );
        assert!(
            said[1].contains("\"nope\" is not in this account"),
            "{said:#?}"
        );
        assert!(said[2].contains("as line 2"), "{said:#?}");
        assert!(said[4].contains("\"broken\" is not KEY=VALUE"), "{said:#?}");
        assert!(said[6].contains("no name"), "{said:#?}");
        assert!(said[7].contains("6 fields"), "{said:#?}");

        let jsonl = "{\"ConnectorDestinationId\":\"dest-ga\",\"Name\":\"Site A\",\
                \"GeneralAuthorization\":{\"AuthMaterialName\":\"api-key\"}}\n\
            {\"ConnectorDestinationId\":\"nope\",\"Name\":\"Site B\"}\n\
            not json\n\
            {\"ConnectorDestinationId\":\"dest-oauth\",\"Name\":\"bad.name\"}\n";
        let said = refusal_of("fleet.jsonl", jsonl);
        let lines: Vec<&str> = said.iter().map(|p| p.split(':').next().unwrap()).collect();
        assert_eq!(lines, ["line 2", "line 3", "line 4"], "{said:#?}");
        assert!(said[1].contains("not a CreateAccountAssociation request"));
    }

    #[test]
    fn a_throttled_check_asks_again_after_a_backoff_and_then_runs() {
        let mut harness = Harness::new(plan(vec![
            row(2, "dest-ga", "A"),
            row(3, "dest-oauth", "B"),
        ]));
        harness.throttle_checks = 3;
        harness.checked();
        assert_eq!(
            harness.run_of().phase(),
            &BatchPhase::Checking,
            "waiting out a backoff"
        );
        harness.run(&mut made(AssociationState::Succeeded));
        assert_eq!(harness.run_of().phase(), &BatchPhase::Finished);
        assert_eq!(harness.run_of().tally().succeeded, 2);
    }

    #[test]
    fn a_check_that_keeps_failing_stops_the_batch_with_the_error() {
        let mut harness = Harness::new(plan(vec![row(2, "dest-ga", "A")]));
        harness.throttle_checks = 100;
        harness.checked();
        harness.run(&mut made(AssociationState::Succeeded));
        let run = harness.run_of();
        assert!(matches!(run.phase(), BatchPhase::Stopped(e) if e.kind == ErrorKind::Throttled));
        assert_eq!(harness.creates, 0);
        assert_eq!(run.exit_status(), crate::exit::ERROR);
    }

    #[test]
    fn a_dry_run_checks_and_creates_nothing() {
        let mut rows = plan(vec![row(2, "dest-ga", "A"), row(3, "dest-oauth", "B")]);
        rows.dry_run = true;
        let mut harness = Harness::new(rows);
        harness.checked();
        assert_eq!(harness.run_of().phase(), &BatchPhase::Planned);
        assert_eq!(harness.creates, 0);
        assert_eq!(harness.run_of().exit_status(), crate::exit::OK);
    }

    fn many(n: usize) -> Vec<BatchRow> {
        (0..n)
            .map(|i| row(i + 2, "dest-ga", &format!("Site {i}")))
            .collect()
    }

    #[test]
    fn rows_are_created_once_each_paced_and_at_most_concurrency_at_a_time() {
        let mut harness = Harness::new(plan(many(40)));
        harness.checked();
        let start = harness.now;
        harness.run(&mut made(AssociationState::Succeeded));
        let run = harness.run_of();
        assert_eq!(run.phase(), &BatchPhase::Finished);
        assert_eq!(harness.creates, 40);
        assert_eq!(harness.made.len(), 40, "one token per row");
        let tally = run.tally();
        assert_eq!((tally.succeeded, tally.failed), (40, 0));
        // Paced: 40 calls starting at 5/s and growing take more than a couple of seconds.
        let took = harness.now - start;
        assert!(took > Duration::from_secs(2), "{took:?}");
        assert!(run.rate().rate() > crate::rate::RATE_FIRST);
        let journal = harness.persisted.as_ref().expect("journaled");
        assert_eq!(journal.created.len(), 40);
        let text = serde_json::to_string(journal).unwrap();
        assert!(
            !text.contains("api-key") && !text.contains("Site"),
            "{text}"
        );
        assert_eq!(run.exit_status(), crate::exit::OK);
    }

    #[test]
    fn effects_in_flight_never_exceed_the_concurrency() {
        let mut flowing = plan(many(20));
        flowing.concurrency = 2;
        let mut harness = Harness::new(flowing);
        harness.checked();
        // Answer nothing: count what the flow starts on its own, timers included.
        let mut started = 0;
        for _ in 0..50 {
            let Some(effect) = harness.effects.pop_front() else {
                harness.timers.sort();
                if harness.timers.is_empty() {
                    break;
                }
                let (at, generation) = harness.timers.remove(0);
                harness.now = at;
                harness.input(Event::Woke { generation });
                continue;
            };
            if matches!(effect, Effect::CreateRow { .. }) {
                started += 1;
            }
            if let Effect::Wake { generation, after } = effect {
                harness.timers.push((harness.now + after, generation));
            }
        }
        assert_eq!(started, 2);
    }

    #[test]
    fn throttled_rows_are_sent_again_the_rate_backs_off_and_every_row_is_made_once() {
        let mut harness = Harness::new(plan(many(30)));
        harness.checked();
        let mut calls = 0;
        let mut inner = made(AssociationState::Succeeded);
        let mut answer: Answer = Box::new(move |row, request| {
            calls += 1;
            if calls % 3 == 0 {
                Err(ServiceError::new(ErrorKind::Throttled, "Rate exceeded"))
            } else {
                inner(row, request)
            }
        });
        harness.run(&mut answer);
        let run = harness.run_of();
        assert_eq!(run.tally().succeeded, 30);
        assert_eq!(harness.made.len(), 30);
        assert!(run.rate().throttles() >= 10, "{}", run.rate().throttles());
        assert!(run.rate().describe().contains("throttled"));
        assert_eq!(run.calls(), harness.creates as u64);
    }

    #[test]
    fn a_row_the_service_refuses_fails_alone_with_its_reason() {
        let mut harness = Harness::new(plan(many(3)));
        harness.checked();
        let mut inner = made(AssociationState::Succeeded);
        let mut answer: Answer = Box::new(move |row, request| {
            if row == 1 {
                Err(ServiceError::new(ErrorKind::Conflict, "token reused"))
            } else {
                inner(row, request)
            }
        });
        harness.run(&mut answer);
        let run = harness.run_of();
        assert_eq!(run.rows()[1].state, RowState::Refused);
        assert!(
            run.rows()[1]
                .error
                .as_deref()
                .unwrap()
                .contains("row changed")
        );
        assert_eq!(run.tally().succeeded, 2);
        assert_eq!(run.exit_status(), crate::exit::FAILED);
    }

    #[test]
    fn rows_an_earlier_run_made_are_looked_up_not_sent_again() {
        let rows = many(5);
        let mut first = Harness::new(plan(rows.clone()));
        first.checked();
        first.run(&mut made(AssociationState::Succeeded));
        let journal = first.persisted.clone().unwrap();
        // The rerun: same file, the journal from the first run; the service remembers.
        let mut again = plan(rows);
        again.journal = journal;
        let mut second = Harness::new(again);
        second.made = first.made.clone();
        second.states = first.states.clone();
        second.checked();
        second.run(&mut made(AssociationState::Succeeded));
        let run = second.run_of();
        assert_eq!(second.creates, 0);
        assert_eq!(second.polls, 5);
        assert_eq!(run.tally().already, 5);
        assert_eq!(run.tally().succeeded, 5);
    }

    #[test]
    fn rows_awaiting_consent_are_polled_together_until_their_owners_approve() {
        let mut harness = Harness::new(plan(vec![
            row(2, "dest-oauth", "A"),
            row(3, "dest-oauth", "B"),
            row(4, "dest-ga", "C"),
        ]));
        harness.checked();
        let mut creating = made(AssociationState::InProgress);
        while let Some(effect) = harness.effects.pop_front() {
            harness.carry_out(effect, &mut creating);
        }
        // Timers until the creates are all answered.
        while harness.run_of().tally().queued > 0 {
            harness.timers.sort();
            let (at, generation) = harness.timers.remove(0);
            harness.now = at;
            harness.input(Event::Woke { generation });
            while let Some(effect) = harness.effects.pop_front() {
                harness.carry_out(effect, &mut creating);
            }
        }
        let run = harness.run_of();
        assert_eq!(run.tally().in_progress, 3);
        assert_eq!(run.phase(), &BatchPhase::Running);
        assert!(row_url(&harness.flow, 0).is_some());
        assert_eq!(
            row_url(&harness.flow, 2),
            None,
            "GA rows have no consent page"
        );
        assert_eq!(row_state_label(&run.rows()[0]), "awaiting consent");
        // The owners approve; the next round of polls sees it.
        let ids: BTreeSet<String> = harness.states.keys().cloned().collect();
        for id in ids {
            harness.states.insert(id, AssociationState::Succeeded);
        }
        harness.run(&mut made(AssociationState::InProgress));
        let run = harness.run_of();
        assert_eq!(run.phase(), &BatchPhase::Finished);
        assert_eq!(run.tally().succeeded, 3);
        assert_eq!(harness.creates, 3);
        assert!(harness.polls >= 3);
        assert_eq!(
            row_url(&harness.flow, 0),
            None,
            "succeeded: nothing to hand over"
        );
    }

    #[test]
    fn in_a_demo_the_presenter_answers_a_rows_consent_page_as_its_owner() {
        let rows = vec![row(2, "dest-ga", "A"), row(3, "dest-oauth", "B")];
        let mut demo = Harness::new(plan(rows.clone()));
        demo.flow.target.demo = true;
        demo.checked();
        let mut creating = made(AssociationState::InProgress);
        while demo.run_of().tally().queued > 0 {
            while let Some(effect) = demo.effects.pop_front() {
                demo.carry_out(effect, &mut creating);
            }
            demo.timers.sort();
            if demo.run_of().tally().queued > 0 {
                let (at, generation) = demo.timers.remove(0);
                demo.now = at;
                demo.input(Event::Woke { generation });
            }
        }
        assert_eq!(
            row_owner_actions(&demo.flow, 0),
            &[],
            "a GA row has no consent page"
        );
        assert_eq!(
            row_owner_actions(&demo.flow, 1),
            &[OwnerAction::Approve, OwnerAction::Deny]
        );
        let url = row_url(&demo.flow, 1).unwrap().to_owned();
        let effects = update(
            &mut demo.flow,
            Intent::ActAsRowOwner {
                row: 1,
                action: OwnerAction::Approve,
            },
            demo.now,
        );
        assert!(
            matches!(&effects[..], [Effect::ActAsOwner { url: u, action: OwnerAction::Approve, .. }] if *u == url),
            "{effects:?}"
        );
        assert_eq!(
            row_owner_actions(&demo.flow, 1),
            &[],
            "busy until it is done"
        );

        // Outside a demo there is no owner to play.
        let mut real = Harness::new(plan(rows));
        real.checked();
        real.run(&mut made(AssociationState::InProgress));
        let effects = update(
            &mut real.flow,
            Intent::ActAsRowOwner {
                row: 1,
                action: OwnerAction::Approve,
            },
            real.now,
        );
        assert!(
            effects
                .iter()
                .all(|e| !matches!(e, Effect::ActAsOwner { .. }))
        );
    }

    #[test]
    fn the_wait_ends_at_the_timeout_with_rows_still_in_progress() {
        let mut harness = Harness::new(plan(vec![row(2, "dest-oauth", "A")]));
        harness.checked();
        harness.run(&mut made(AssociationState::InProgress));
        let run = harness.run_of();
        assert_eq!(run.phase(), &BatchPhase::Finished);
        assert!(run.timed_out());
        assert_eq!(run.tally().in_progress, 1);
        assert_eq!(run.exit_status(), crate::exit::TIMED_OUT);
    }

    #[test]
    fn a_throttled_poll_is_not_the_error_of_a_row_still_in_progress() {
        let mut harness = Harness::new(plan(vec![row(2, "dest-oauth", "A")]));
        harness.checked();
        harness.throttle_polls = true;
        harness.run(&mut made(AssociationState::InProgress));
        let run = harness.run_of();
        assert!(harness.polls >= 2 && run.rate().throttles() >= 2);
        assert_eq!(run.tally().in_progress, 1);
        // The row awaits consent as it did; the next round would have asked again.
        assert_eq!(run.rows()[0].error, None, "{:?}", run.rows()[0]);
    }

    #[test]
    fn without_following_the_run_ends_once_every_row_is_sent() {
        let mut no_wait = plan(vec![row(2, "dest-oauth", "A")]);
        no_wait.follow = false;
        let mut harness = Harness::new(no_wait);
        harness.checked();
        harness.run(&mut made(AssociationState::InProgress));
        let run = harness.run_of();
        assert_eq!(run.phase(), &BatchPhase::Finished);
        assert!(!run.timed_out());
        assert_eq!(harness.polls, 0);
        assert_eq!(run.exit_status(), crate::exit::OK);
    }
}
