//! The scripted front end: `create`, `status` and `refresh` answer the flow from their flags
//! instead of keys or typed lines. Flow and runtime are the wizard's own, so `create` sends
//! the wizard's request under the one ClientToken rule, and `--wait` polls, backs off and
//! times out by the rules of the UI and plain mode. Progress goes to stderr
//! ([`crate::progress`]), the result to stdout (text rows, or JSON with the API's member names).

use std::time::Duration;

use tokio::time::Instant;

use super::delete::{self, DeletePlan};
use crate::cli::{BrowserArgs, OutputFormat};
use crate::output::{AssociationRecord, print_json, print_record, print_rows, report};
use crate::progress::{Progress, browser_note};
use crate::runtime::Runtime;
use crate::session::Connection;
use iotmi_core::exit;
use iotmi_core::flow::{
    self, BrowserNote, DetailLoad, Flow, Identity, Intent, Options, Prefill, RefreshState, Step,
    SubmitState, TokenRule, Tracked, details_errors,
};
use iotmi_core::service::{AssociationState, ServiceError};
use iotmi_core::text::sanitize;

/// What the command asks of the flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Create from the prefill; `wait` follows it to a final state.
    Create { wait: bool },
    /// Show an existing association; `wait` follows it to a final state.
    Status { id: String, wait: bool },
    /// A new consent URL for an existing association; `yes` even for a succeeded one.
    Refresh { id: String, yes: bool },
    /// Discover a succeeded association's devices; `wait` lists them; `adopt` adopts them.
    Discover {
        id: String,
        wait: bool,
        adopt: Option<AdoptChoice>,
    },
    /// Manage's guided deletion ([`super::delete`]).
    Delete(DeletePlan),
}

/// Which discovered devices `discover --adopt` adopts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AdoptChoice {
    All,
    /// Connector device ids.
    These(Vec<String>),
}

impl Plan {
    fn waits(&self) -> bool {
        matches!(
            self,
            Plan::Create { wait: true }
                | Plan::Status { wait: true, .. }
                | Plan::Discover { wait: true, .. }
        )
    }
}

/// The flow's options for a command: the draft from the flags, no journal or resume, the
/// session's own ClientTokens (`create` chooses its rule).
pub fn options(
    connection: &Connection,
    prefill: Prefill,
    browser: &BrowserArgs,
    wait_timeout: Duration,
) -> Options {
    Options {
        ssh: connection.ssh_session(),
        ..crate::session::options(
            connection.target.clone(),
            connection.endpoint_is_loopback,
            prefill,
            browser.no_browser,
            browser.browser_command.as_deref(),
            wait_timeout,
        )
    }
}

/// How a script ended.
#[derive(Debug)]
enum End {
    /// The service refused or failed: reported with its remedy.
    Service(ServiceError),
    /// The flow refused a value from the flags (exit 2).
    Invalid(Vec<(&'static str, String)>),
    /// Not done without the operator's say-so (`--yes`…): why, and nothing was changed (exit 2).
    NotConfirmed(String),
    /// Created without `--wait`.
    Created,
    /// The association as it is (final, or `--wait` not asked, or given up on).
    Shown {
        timed_out: bool,
    },
    Refreshed,
    /// `discover` without `--wait`: the discovery's id.
    Discovering(String),
    /// The devices listed (and adopted, when asked).
    Devices {
        timed_out: bool,
    },
    DiscoveryFailed(String),
    Deletion(delete::Ended),
}

struct Script {
    plan: Plan,
    progress: Progress,
    /// The intent last sent and the step it was sent on: still there afterwards, with the
    /// flow no longer waiting, means the flow refused it.
    sent: Option<Step>,
    handed_over: bool,
    refreshed: bool,
    adopting: bool,
    pending: std::collections::VecDeque<Intent>,
    deletion: delete::Tracker,
}

/// Runs `plan` to its end; the exit status.
pub async fn run(
    connection: &Connection,
    plan: Plan,
    options: Options,
    output: OutputFormat,
) -> anyhow::Result<i32> {
    let (flow, mut script, end) = drive(connection, plan, options).await?;
    script.finish(&flow, end, connection, output)
}

use iotmi_core::flow::RowDevices;

/// The Devices step for one association, as `discover ID --wait [--adopt all]` runs it, with
/// nothing printed: what a batch's `--discover` / `--adopt all` does per succeeded row.
pub async fn discover_quietly(
    connection: &Connection,
    id: String,
    adopt: bool,
    options: Options,
) -> RowDevices {
    let plan = Plan::Discover {
        id,
        wait: true,
        adopt: adopt.then_some(AdoptChoice::All),
    };
    let (flow, _, end) = match drive(connection, plan, options).await {
        Ok(driven) => driven,
        Err(error) => {
            return RowDevices {
                error: Some(error.to_string()),
                ..RowDevices::default()
            };
        }
    };
    let view = flow.devices().as_ref();
    let found = view.map_or(0, |v| v.items.len());
    let (adopted, failed) = view
        .and_then(|v| v.adoption.as_ref())
        .map_or((0, Vec::new()), |a| {
            (
                a.done.len(),
                a.failed.iter().map(|(d, e)| format!("{d}: {e}")).collect(),
            )
        });
    let error = match end {
        End::Devices { timed_out: true } => Some("the discovery was still running".to_owned()),
        End::Devices { timed_out: false } if failed.is_empty() => None,
        End::Devices { .. } => Some(format!("not adopted: {}", failed.join("; "))),
        End::DiscoveryFailed(why) => Some(why),
        End::Service(error) => Some(iotmi_core::flow::error_line(&error)),
        other => Some(format!("{other:?}")),
    };
    RowDevices {
        found,
        adopted,
        error: error.map(|e| sanitize(&e).into_owned()),
    }
}

/// The flow driven by `plan` until the script ends.
async fn drive(
    connection: &Connection,
    plan: Plan,
    options: Options,
) -> anyhow::Result<(Flow, Script, End)> {
    let wait_timeout = options.wait_timeout;
    let named_name = options.prefill.name.is_some();
    let mut flow = Flow::new(options, Instant::now().into_std());
    let mut runtime = Runtime::new(connection.service.clone(), None);
    let mut script = Script {
        progress: Progress::new(plan.waits().then_some(wait_timeout)),
        plan,
        sent: None,
        handed_over: false,
        refreshed: false,
        adopting: false,
        pending: Default::default(),
        deletion: Default::default(),
    };
    let mut still = tokio::time::interval(Duration::from_secs(1));
    let end = loop {
        if matches!(script.plan, Plan::Create { .. }) {
            crate::signals::set_unsettled(unsettled_create(&flow));
        }
        if let Some(end) = script.end(&flow) {
            break end;
        }
        if script.plan.waits() && script.handed_over {
            script.progress.report(&flow);
        }
        if let Plan::Delete(plan) = &script.plan {
            script.deletion.report(&flow, plan);
        }
        if let Some(intent) = script.next_intent(&flow, named_name) {
            script.sent = Some(flow.step());
            let effects = flow::update(&mut flow, intent, Instant::now().into_std());
            if runtime.run(effects).is_some() {
                break End::Shown { timed_out: false };
            }
            continue;
        }
        tokio::select! {
            event = runtime.next_event() => {
                let Some(event) = event else {
                    anyhow::bail!("the runtime stopped reporting");
                };
                let effects = flow::update(&mut flow, event, Instant::now().into_std());
                if runtime.run(effects).is_some() {
                    break End::Shown { timed_out: false };
                }
            }
            _ = still.tick() => script.progress.still(&flow),
        }
    };
    Ok((flow, script, end))
}

impl Script {
    /// The intent the flags give for where the flow is now, once per step.
    fn next_intent(&mut self, flow: &Flow, named_name: bool) -> Option<Intent> {
        // A choice made of several intents (select, then adopt) goes out whole.
        if let Some(intent) = self.pending.pop_front() {
            return Some(intent);
        }
        // Several intents on one step (list, count, confirm): the tracker keeps its own count.
        if let Plan::Delete(plan) = &self.plan {
            return self.deletion.next_intent(flow, plan);
        }
        if flow.waiting() || self.sent == Some(flow.step()) {
            return None;
        }
        match (&self.plan, flow.step()) {
            (Plan::Create { .. }, Step::Destination) => {
                let id = flow.opts().prefill.destination.clone().unwrap_or_default();
                Some(Intent::ChooseDestination(id))
            }
            (Plan::Create { .. }, Step::Details) => {
                if !named_name {
                    stderr_line!(
                        "name: {} (suggested from the destination; --name to choose)",
                        sanitize(&flow.details().name)
                    );
                }
                Some(Intent::Next)
            }
            (Plan::Create { .. }, Step::Tags | Step::Auth) => Some(Intent::Next),
            // Nothing is created before whose account it is is known.
            (Plan::Create { .. }, Step::Review) if *flow.identity() == Identity::Checking => None,
            (Plan::Create { .. }, Step::Review) => Some(Intent::Submit),
            (Plan::Status { id, .. } | Plan::Refresh { id, .. } | Plan::Discover { id, .. }, _)
                if flow.association().is_none() && flow.following().is_none() =>
            {
                Some(Intent::Follow(id.clone()))
            }
            (Plan::Discover { id, .. }, Step::Done) => Some(Intent::ShowDevices(id.clone())),
            (
                Plan::Discover {
                    adopt: Some(choice),
                    ..
                },
                Step::Devices,
            ) if !self.adopting
                && matches!(
                    flow.devices().as_ref().map(|v| &v.discovery),
                    Some(iotmi_core::flow::DiscoveryState::Done { .. })
                ) =>
            {
                self.adopting = true;
                let mut intents = Vec::new();
                match choice {
                    AdoptChoice::All => intents.push(Intent::SelectAllDevices(true)),
                    AdoptChoice::These(ids) => {
                        intents.push(Intent::SelectAllDevices(false));
                        for id in ids {
                            let known = flow.devices().as_ref().is_some_and(|v| {
                                v.items.iter().any(|d| &d.connector_device_id == id)
                            });
                            if !known {
                                stderr_line!(
                                    "warning: no device {:?} in this discovery",
                                    sanitize(id)
                                );
                            }
                            intents.push(Intent::ToggleDevice(id.clone()));
                        }
                    }
                }
                intents.push(Intent::AdoptSelected);
                self.pending.extend(intents);
                self.pending.pop_front()
            }
            (Plan::Refresh { yes, .. }, _)
                if !self.refreshed
                    && flow.association().as_ref().is_some_and(|tracked| {
                        *yes || iotmi_core::flow::refresh_warning(&tracked.state).is_none()
                    }) =>
            {
                self.refreshed = true;
                Some(Intent::Refresh)
            }
            _ => None,
        }
    }

    /// Whether the script is over, and how.
    fn end(&mut self, flow: &Flow) -> Option<End> {
        if let Plan::Delete(plan) = &self.plan {
            return self.deletion.end(flow, plan).map(End::Deletion);
        }
        if let Plan::Discover { .. } = &self.plan
            && let Some(end) = self.discover_end(flow)
        {
            return Some(end);
        }
        if flow.waiting() {
            return None;
        }
        if let Some(error) = flow.following().as_ref().and_then(|f| f.error.clone()) {
            return Some(End::Service(error));
        }
        if let (Plan::Create { .. }, Identity::Failed(error)) = (&self.plan, &flow.identity()) {
            return Some(End::Service(error.clone()));
        }
        if let DetailLoad::Failed { error, .. } = &flow.destinations().detail {
            return Some(End::Service(error.clone()));
        }
        if let SubmitState::Failed(error) = &flow.submit() {
            return Some(End::Service(error.clone()));
        }
        if let RefreshState::Failed(error) = &flow.refresh() {
            return Some(End::Service(error.clone()));
        }
        if self.sent == Some(flow.step())
            && flow.association().is_none()
            && let Some(refused) = refusal(flow)
        {
            return Some(End::Invalid(refused));
        }
        let tracked = flow.association().as_ref()?;
        // The launcher has run (or was not needed): its outcome is part of the report.
        if *flow.browser() == BrowserNote::Opening {
            return None;
        }
        match &self.plan {
            // Their ends are `discover_end`'s and the deletion tracker's.
            Plan::Discover { .. } | Plan::Delete(_) => None,
            Plan::Create { wait: false } => Some(End::Created),
            Plan::Status { wait: false, .. } => Some(End::Shown { timed_out: false }),
            Plan::Refresh { yes: false, .. } if !self.refreshed => {
                iotmi_core::flow::refresh_warning(&tracked.state).map(|why| {
                    End::NotConfirmed(format!(
                        "not refreshing {}: {why}. Nothing was changed; --yes refreshes it anyway",
                        tracked.id
                    ))
                })
            }
            Plan::Refresh { .. } => {
                (self.refreshed && *flow.refresh() == RefreshState::Idle).then_some(End::Refreshed)
            }
            Plan::Create { wait: true } | Plan::Status { wait: true, .. } => {
                if !self.handed_over {
                    self.handed_over = true;
                    if matches!(self.plan, Plan::Create { .. }) {
                        self.progress.hand_over(flow);
                        stderr_line!("{}", rerun_line(flow));
                    } else {
                        self.progress.report(flow);
                    }
                }
                if flow.asking_timeout() {
                    return Some(End::Shown { timed_out: true });
                }
                (tracked.lost.is_some() || tracked.state.is_final() && flow.polling().is_none())
                    .then_some(End::Shown { timed_out: false })
            }
        }
    }

    /// Where `discover` stops: refused (not succeeded), the discovery started (no `--wait`),
    /// failed, listed (and adopted, when asked), or given up on after `--wait-timeout`.
    fn discover_end(&self, flow: &Flow) -> Option<End> {
        use iotmi_core::flow::DiscoveryState;
        let Plan::Discover { wait, adopt, .. } = &self.plan else {
            return None;
        };
        if let Some(tracked) = flow
            .association()
            .as_ref()
            .filter(|_| flow.following().is_none())
            && tracked.state != AssociationState::Succeeded
        {
            return Some(End::DiscoveryFailed(format!(
                "{} is {}: its devices can be discovered once it has succeeded",
                tracked.id, tracked.state
            )));
        }
        let view = flow.devices().as_ref()?;
        match &view.discovery {
            DiscoveryState::Failed(why) => Some(End::DiscoveryFailed(why.clone())),
            DiscoveryState::Running { id, .. } if !wait => Some(End::Discovering(id.clone())),
            DiscoveryState::Running { started, .. }
                if flow.now().saturating_duration_since(*started) > flow.opts().wait_timeout =>
            {
                Some(End::Devices { timed_out: true })
            }
            DiscoveryState::Done { .. } => {
                // No adoption once the choice went out: every device found is managed already
                // (a rerun), and there is nothing to wait for.
                let adopted = adopt.is_none()
                    || (self.adopting
                        && self.pending.is_empty()
                        && view.adoption.as_ref().is_none_or(|a| a.finished()));
                adopted.then_some(End::Devices { timed_out: false })
            }
            _ => None,
        }
    }

    fn finish(
        &mut self,
        flow: &Flow,
        end: End,
        connection: &Connection,
        output: OutputFormat,
    ) -> anyhow::Result<i32> {
        let client_token = matches!(self.plan, Plan::Create { .. }).then(|| flow.client_token());
        let tracked = flow.association().as_ref();
        match (end, tracked) {
            (End::Service(error), _) => {
                let failed_create = matches!(flow.submit(), SubmitState::Failed(_));
                // A Conflict on create is this ClientToken used for another request: rerunning
                // with it conflicts again, so the generic "then retry" is not said.
                if failed_create && error.kind == iotmi_core::service::ErrorKind::Conflict {
                    stderr_line!("error: {error}");
                    stderr_line!("hint: {}", conflict_line(flow));
                    return Ok(exit::ERROR);
                }
                let code = report(&error, &connection.target);
                if failed_create && error.is_retryable() {
                    stderr_line!(
                        "hint: {}: the service then returns the association it may already \
                         have made instead of a second one",
                        rerun_advice(flow)
                    );
                }
                Ok(code)
            }
            (End::Invalid(errors), _) => Ok(crate::output::report_invalid(&errors)),
            (End::NotConfirmed(why), _) => {
                stderr_line!("error: {}", sanitize(&why));
                Ok(exit::USAGE)
            }
            (End::Created, Some(tracked)) => {
                let mut record = record(tracked, flow);
                record.client_token = client_token;
                print_record(&record, output)?;
                if let Some(note) = browser_note(flow) {
                    stderr_line!("{note}");
                }
                Ok(exit::OK)
            }
            (End::Shown { timed_out }, Some(tracked)) => {
                self.progress.report(flow);
                if tracked.lost.is_some() {
                    // Gone or unreadable (said on stderr): no record of a state it no longer
                    // has, as for an id the service does not know.
                    return Ok(code_for(tracked, flow.target()));
                }
                let mut record = record(tracked, flow);
                record.client_token = client_token;
                print_record(&record, output)?;
                if timed_out {
                    stderr_line!(
                        "[{}] still {}: gave up waiting. Check later: {}",
                        iotmi_core::text::elapsed_text(
                            flow.polling()
                                .as_ref()
                                .map_or(Duration::ZERO, |p| flow.now() - p.started)
                        ),
                        tracked.state,
                        suggest(flow, &["status", &tracked.id, "--wait"])
                    );
                    return Ok(exit::TIMED_OUT);
                }
                Ok(code_for(tracked, flow.target()))
            }
            (End::Refreshed, Some(tracked)) => {
                let url = iotmi_core::flow::shown_url(flow).unwrap_or_default();
                match output {
                    OutputFormat::Json => print_json(&Refreshed {
                        account_association_id: tracked.id.clone(),
                        oauth_url: url,
                    })?,
                    OutputFormat::Text => {
                        print_rows(&[("association-id", tracked.id.clone()), ("url", url)])?
                    }
                }
                if let Some(note) = browser_note(flow) {
                    stderr_line!("{note}");
                }
                stderr_line!(
                    "Approve it, then: {}",
                    suggest(flow, &["status", &tracked.id, "--wait"])
                );
                Ok(exit::OK)
            }
            (End::Discovering(id), Some(tracked)) => {
                match output {
                    OutputFormat::Json => print_json(&serde_json::json!({
                        "AccountAssociationId": tracked.id,
                        "DeviceDiscoveryId": id,
                        "Status": "RUNNING",
                    }))?,
                    OutputFormat::Text => print_rows(&[
                        ("association-id", tracked.id.clone()),
                        ("discovery-id", id.clone()),
                        ("status", "RUNNING".into()),
                    ])?,
                }
                stderr_line!(
                    "Discovering. List the devices when it is done: {}",
                    suggest(flow, &["discover", &tracked.id, "--wait"])
                );
                Ok(exit::OK)
            }
            (End::Deletion(ended), _) => self.deletion_ended(flow, ended, connection, output),
            (End::DiscoveryFailed(why), _) => {
                stderr_line!("error: {}", sanitize(&why));
                Ok(exit::FAILED)
            }
            (End::Devices { timed_out }, Some(_)) => {
                let view = flow.devices().as_ref();
                let devices = view.map(|v| v.items.as_slice()).unwrap_or_default();
                crate::output::print_devices(devices, output)?;
                if timed_out {
                    stderr_line!("The discovery is still running: gave up waiting.");
                    return Ok(exit::TIMED_OUT);
                }
                let Some(adoption) = view.and_then(|v| v.adoption.as_ref()) else {
                    return Ok(exit::OK);
                };
                stderr_line!(
                    "Adopted {} of {} as managed things registered to the association.",
                    adoption.done.len(),
                    adoption.total
                );
                for (device, error) in &adoption.failed {
                    stderr_line!("error: {}: {}", sanitize(device), error);
                }
                Ok(if adoption.failed.is_empty() {
                    exit::OK
                } else {
                    exit::ERROR
                })
            }
            (_, None) => anyhow::bail!("the flow ended without an association"),
        }
    }
}

impl Script {
    fn deletion_ended(
        &mut self,
        flow: &Flow,
        ended: delete::Ended,
        connection: &Connection,
        output: OutputFormat,
    ) -> anyhow::Result<i32> {
        let Plan::Delete(plan) = &self.plan else {
            anyhow::bail!("a deletion ended without being asked for");
        };
        self.deletion.report(flow, plan);
        match ended {
            delete::Ended::Deleted { gone } => {
                crate::output::print_deleted(&plan.id, gone, &self.deletion.deregistered, output)?;
                if gone {
                    stderr_line!("{} is gone.", sanitize(&plan.id));
                    return Ok(exit::OK);
                }
                stderr_line!(
                    "Still ASSOCIATION_DELETING after {}: gave up waiting. It finishes on its own; \
                     check with: {}",
                    iotmi_core::text::elapsed_text(plan.wait_timeout),
                    suggest(flow, &["status", &plan.id])
                );
                Ok(exit::TIMED_OUT)
            }
            delete::Ended::NotConfirmed(why) => {
                stderr_line!("error: {why}");
                Ok(exit::USAGE)
            }
            delete::Ended::DeregistrationsFailed { done, failed } => {
                stderr_line!(
                    "error: {done} of {} deregistered, {failed} failed (said above): nothing \
                     was deleted. Run the same command again: it deregisters only what is \
                     still registered, then deletes.",
                    done + failed
                );
                Ok(exit::ERROR)
            }
            delete::Ended::Service(error) => {
                if error.kind == iotmi_core::service::ErrorKind::Conflict {
                    stderr_line!(
                        "Not deleted: something was registered to it meanwhile. Run the same \
                         command again to count again."
                    );
                } else if let Some(iotmi_core::flow::Notice::Error(said)) = &flow.manage().message {
                    stderr_line!("{}", sanitize(said));
                }
                Ok(report(&error, &connection.target))
            }
        }
    }
}

/// How to send this create's ClientToken again: the same command, where the token is the
/// account's (or given); else (`--new`, or no state directory) with the token named.
fn rerun_advice(flow: &Flow) -> String {
    match &flow.opts().token_rule {
        TokenRule::Account { .. } | TokenRule::Given(_) => "run the same command again".to_owned(),
        TokenRule::PerSession => format!(
            "run it again with --client-token {} (and without --new)",
            flow.client_token()
        ),
    }
}

/// Said once a create has an association (with `--wait`, before following it).
fn rerun_line(flow: &Flow) -> String {
    format!(
        "Client token {}: {} returns this association instead of a second one.",
        flow.client_token(),
        match &flow.opts().token_rule {
            TokenRule::Account { .. } => {
                "running the same command again (the same destination and name)".to_owned()
            }
            TokenRule::Given(_) | TokenRule::PerSession => {
                format!("a rerun with --client-token {}", flow.client_token())
            }
        }
    )
}

/// While CreateAccountAssociation is in flight: what a stop leaves behind and how to get the
/// association back without making a second one.
fn unsettled_create(flow: &Flow) -> Option<String> {
    let SubmitState::InFlight { .. } = flow.submit() else {
        return None;
    };
    let advice = rerun_advice(flow);
    Some(format!(
        "The CreateAccountAssociation request was sent (ClientToken {}) and may have made the \
         association. {}{}: it returns that association, never a second one.",
        flow.client_token(),
        advice[..1].to_uppercase(),
        &advice[1..]
    ))
}

/// A ConflictException on create: this ClientToken already named an association made with
/// other parameters.
fn conflict_line(flow: &Flow) -> String {
    match &flow.opts().token_rule {
        TokenRule::Account { .. } => {
            let draft = flow.draft();
            format!(
                "an association with destination {} and name {:?} was already made in this \
                 account (by an earlier create or batch) with other parameters (description, \
                 tags or auth material): this create's ClientToken is that association's, so \
                 the service refuses it. Run the earlier command to get it back, or pass --new \
                 to make another association with the same destination and name.",
                sanitize(draft.destination.as_deref().unwrap_or_default()),
                sanitize(draft.name.as_deref().unwrap_or_default()),
            )
        }
        TokenRule::Given(_) | TokenRule::PerSession => format!(
            "ClientToken {} was used for a different request: give this one another \
             --client-token, or none with --new for a token of its own",
            flow.client_token()
        ),
    }
}

/// A command of this tool to run later, with this run's `--profile/--region/--endpoint-url`
/// (sanitised: the id is the service's).
fn suggest(flow: &Flow, words: &[&str]) -> String {
    sanitize(&iotmi_core::flow::command_line::iotmi_onboard(
        flow.target(),
        words,
    ))
    .into_owned()
}

/// Why the flow stayed on its step after the flags' intent: each field at fault.
fn refusal(flow: &Flow) -> Option<Vec<(&'static str, String)>> {
    let mut errors = Vec::new();
    match flow.step() {
        // `batch` runs its own step (commands/batch.rs), never a script.
        Step::Batch => {}
        Step::Details => {
            let (name, description) = details_errors(flow);
            errors.extend(name.map(|e| ("name", e)));
            errors.extend(description.map(|e| ("description", e)));
        }
        Step::Auth => {
            let offered = flow
                .destination()
                .as_ref()
                .map(|d| d.auth_materials.join(", "))
                .unwrap_or_default();
            errors.push((
                "auth-material",
                flow.refused_material().map_or_else(
                    || {
                        format!(
                            "required for this General Authorization destination (it offers: {})",
                            sanitize(&offered)
                        )
                    },
                    str::to_owned,
                ),
            ));
        }
        // The flow stops the first Submit of a material it cannot send: a script stops there.
        Step::Review => {
            errors.extend(
                flow.refused_material()
                    .map(|reason| ("auth-material", reason.to_owned())),
            );
        }
        // No field of the flags is checked there: every step named, so a new one is decided.
        Step::Start
        | Step::Resume
        | Step::Destination
        | Step::Tags
        | Step::Submit
        | Step::Authorize
        | Step::Status
        | Step::Done
        | Step::Devices
        | Step::Manage => {}
    }
    if errors.is_empty()
        && let Some(notice) = flow.notice()
    {
        errors.push(("request", notice.to_string()));
    }
    (!errors.is_empty()).then_some(errors)
}

/// The association as last seen by GetAccountAssociation, else as the flow knows it.
/// The URL in its hand-over form (what a user copies from the output), like every front end.
fn record(tracked: &Tracked, flow: &Flow) -> AssociationRecord {
    let oauth_url = iotmi_core::flow::shown_url(flow);
    match &tracked.seen {
        Some(seen) => AssociationRecord {
            oauth_url,
            ..AssociationRecord::full(seen)
        },
        None => AssociationRecord {
            account_association_id: tracked.id.clone(),
            arn: tracked.arn.clone(),
            association_state: tracked.state.to_string(),
            connector_destination_id: Some(tracked.destination_id.clone())
                .filter(|d| !d.is_empty()),
            name: Some(tracked.name.clone()).filter(|n| !n.is_empty()),
            error_message: tracked.error_message.clone(),
            oauth_url,
            ..AssociationRecord::default()
        },
    }
}

/// 3 for an association that failed (with its ErrorMessage on stderr) or whose refresh token
/// expired, else 0.
pub fn code_for(tracked: &Tracked, target: &iotmi_core::flow::Target) -> i32 {
    if tracked.lost.is_some() {
        // The explanation was said while following (progress).
        return iotmi_core::flow::OutcomeKind::Lost.exit_code();
    }
    match tracked.state {
        AssociationState::Failed => stderr_line!(
            "The association failed: {}",
            tracked
                .error_message
                .as_deref()
                .map(sanitize)
                .unwrap_or("(no error message)".into())
        ),
        AssociationState::RefreshTokenExpired => stderr_line!(
            "The refresh token expired: run `{}` and approve again.",
            sanitize(&iotmi_core::flow::command_line::iotmi_onboard(
                target,
                &["refresh", &tracked.id]
            ))
        ),
        _ => {}
    }
    exit::of_association(&tracked.state)
}

#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct Refreshed {
    account_association_id: String,
    #[serde(rename = "OAuthAuthorizationUrl")]
    oauth_url: String,
}

/// The request the script sends for the flow's prefill (destinations answered by
/// `flow::testing`): front ends are compared on it.
#[cfg(test)]
pub(crate) fn first_request(flow: &mut Flow) -> iotmi_core::service::CreateRequest {
    let mut script = Script {
        plan: Plan::Create { wait: false },
        progress: Progress::new(None),
        sent: None,
        handed_over: false,
        refreshed: false,
        adopting: false,
        pending: Default::default(),
        deletion: Default::default(),
    };
    for _ in 0..20 {
        let intent = script
            .next_intent(flow, true)
            .expect("the script has an answer for every step before the create");
        script.sent = Some(flow.step());
        let effects = flow::update(flow, intent, iotmi_core::flow::testing::now());
        if let Some(request) = iotmi_core::flow::testing::answer_effects(flow, &effects) {
            return request;
        }
    }
    panic!(
        "no create after 20 intents; the flow is at {:?}",
        flow.step()
    );
}
