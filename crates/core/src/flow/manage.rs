//! Manage: every association of the account, with details, authorize, refresh, retry as a new
//! draft and delete.

use super::deletion::{self, DeletionPhase};
use super::destination;
use super::effect::Effect;
use super::intent::Intent;
use super::model::{
    BrowserNote, Load, ManageAction, ManageView, Notice, RefreshState, ReportFile, Step,
    SubmitState, TagRow, Tracked,
};
use super::{Flow, Generation, authorize, error_line, retry};
use crate::filter::matching_associations;
use crate::service::{Association, AssociationState, AssociationSummary, Page, ServiceError};

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
        Intent::PickAssociation(id) => {
            flow.manage.picked = id.filter(|id| flow.manage.find(id).is_some());
            Vec::new()
        }
        Intent::ReloadAssociations => reload(flow),
        Intent::WriteReport => write_report(flow),
        Intent::ShowAssociation(id) => fetch(flow, &id, None),
        Intent::AuthorizeAssociation(id) => {
            with_state(flow, &id, AssociationState::InProgress, |flow| {
                fetch(flow, &id, Some(ManageAction::Authorize))
            })
        }
        Intent::RefreshAssociation(_) if !flow.manage.selected.is_empty() => refresh_selected(flow),
        Intent::RefreshAssociation(id) => {
            with_state(flow, &id, AssociationState::RefreshTokenExpired, |flow| {
                refresh(flow, &id)
            })
        }
        Intent::ToggleAssociation(id) => toggle(flow, id),
        Intent::RetryAsNew(id) => with_state(flow, &id, AssociationState::Failed, |flow| {
            fetch(flow, &id, Some(ManageAction::RetryAsNew))
        }),
        Intent::AskDelete(id) => deletion::ask(flow, id),
        Intent::CancelDelete => deletion::cancel(flow),
        Intent::RetryDeletion => deletion::retry_failed(flow),
        Intent::Delete { id, typed } => deletion::confirm(flow, id, typed),
        _ => Vec::new(),
    }
}

/// Manage's key vocabulary, one for the TUI and plain mode: the same letter does the same
/// thing in both (Enter also shows details in the TUI, Delete also deletes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ManageCommand {
    Details,
    Authorize,
    Refresh,
    FindDevices,
    RetryAsNew,
    Delete,
    Reload,
    /// The report of the associations shown (every one listed, not only the picked).
    WriteReport,
}

impl ManageCommand {
    pub const ALL: [ManageCommand; 8] = [
        ManageCommand::Details,
        ManageCommand::Authorize,
        ManageCommand::Refresh,
        ManageCommand::FindDevices,
        ManageCommand::RetryAsNew,
        ManageCommand::Delete,
        ManageCommand::Reload,
        ManageCommand::WriteReport,
    ];

    pub fn key(self) -> char {
        match self {
            ManageCommand::Details => 'v',
            ManageCommand::Authorize => 'a',
            ManageCommand::Refresh => 'r',
            ManageCommand::FindDevices => 'f',
            ManageCommand::RetryAsNew => 'n',
            ManageCommand::Delete => 'd',
            ManageCommand::Reload => 'g',
            ManageCommand::WriteReport => 'w',
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ManageCommand::Details => "details",
            ManageCommand::Authorize => "authorize",
            ManageCommand::Refresh => "refresh",
            ManageCommand::FindDevices => "find devices",
            ManageCommand::RetryAsNew => "retry as new",
            ManageCommand::Delete => "delete",
            ManageCommand::Reload => "reload",
            ManageCommand::WriteReport => "write a report of the list",
        }
    }

    /// The command typed as its letter.
    pub fn from_key(typed: &str) -> Option<Self> {
        let mut chars = typed.chars();
        let (Some(key), None) = (chars.next(), chars.next()) else {
            return None;
        };
        Self::ALL.into_iter().find(|c| c.key() == key)
    }

    /// Offered for an association in this state: each action only where the service allows it.
    pub fn offered(self, state: &AssociationState) -> bool {
        match self {
            ManageCommand::Authorize => *state == AssociationState::InProgress,
            ManageCommand::Refresh => *state == AssociationState::RefreshTokenExpired,
            ManageCommand::FindDevices => *state == AssociationState::Succeeded,
            ManageCommand::RetryAsNew => *state == AssociationState::Failed,
            ManageCommand::Details
            | ManageCommand::Delete
            | ManageCommand::Reload
            | ManageCommand::WriteReport => true,
        }
    }

    pub fn intent(self, id: &str) -> Intent {
        let id = id.to_string();
        match self {
            ManageCommand::Details => Intent::ShowAssociation(id),
            ManageCommand::Authorize => Intent::AuthorizeAssociation(id),
            ManageCommand::Refresh => Intent::RefreshAssociation(id),
            ManageCommand::FindDevices => Intent::ShowDevices(id),
            ManageCommand::RetryAsNew => Intent::RetryAsNew(id),
            ManageCommand::Delete => Intent::AskDelete(id),
            ManageCommand::Reload => Intent::ReloadAssociations,
            ManageCommand::WriteReport => Intent::WriteReport,
        }
    }
}

/// The association a typed number names: its place among the matches listed.
pub fn numbered_association(flow: &Flow, answer: &str) -> Option<String> {
    let n = answer.parse::<usize>().ok()?;
    let &i = flow.manage.matches.get(n.checked_sub(1)?)?;
    Some(flow.manage.items[i].id.clone())
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
    let counting = flow
        .manage
        .deletion
        .as_ref()
        .is_some_and(|d| matches!(d.phase, DeletionPhase::Counting { .. }));
    if flow.manage.confirm_delete.is_some() || counting {
        return on_intent(flow, Intent::CancelDelete);
    }
    // Deregistrations that failed are left as they are (a later delete counts again).
    if let Some(deletion) = flow.manage.deletion.as_ref()
        && matches!(deletion.phase, DeletionPhase::Deregistering { .. })
        && !deletion.busy()
    {
        flow.manage.message = Some(Notice::Info(format!(
            "Left {} with {} managed thing(s) still registered",
            deletion.word,
            deletion.registered()
        )));
        flow.manage.deletion = None;
        return Vec::new();
    }
    if flow.manage.picked.take().is_some() {
        return Vec::new();
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
            left.state_text()
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
    let queue = std::mem::take(&mut flow.manage.refresh_queue);
    // A deletion being followed until gone outlives the reload.
    let deletion = flow.manage.deletion.take();
    let deletion_ended = flow.manage.deletion_ended.take();
    // A report being written is answered after a reload too.
    let report = flow.manage.report.take();
    flow.manage = ManageView {
        filter,
        last,
        thing_counts: counts,
        refresh_queue: queue,
        deletion,
        deletion_ended,
        report,
        ..ManageView::default()
    };
    let generation = flow.next_generation();
    flow.manage.counts_generation = generation;
    vec![
        list_associations(flow, None),
        Effect::CountThings { generation },
    ]
}

/// `w`: the report of the rows shown, as listed (the filter applied), gathered and written by
/// the runtime with `report`'s own code. One at a time; not before the list is whole.
fn write_report(flow: &mut Flow) -> Vec<Effect> {
    let view = &flow.manage;
    let refusal = if view.report.is_some() {
        Some(Notice::Info("A report is being written already".into()))
    } else if view.load != Load::Loaded || view.more {
        Some(Notice::Error(
            "Wait for the whole list before writing a report".into(),
        ))
    } else if view.matches.is_empty() {
        Some(Notice::Error(
            "Nothing to report: no association is shown".into(),
        ))
    } else {
        None
    };
    if let Some(refusal) = refusal {
        flow.manage.message = Some(refusal);
        return Vec::new();
    }
    let associations: Vec<AssociationSummary> = view
        .matches
        .iter()
        .map(|&i| view.items[i].clone())
        .collect();
    let generation = flow.next_generation();
    flow.manage.report = Some(generation);
    flow.manage.message = Some(Notice::Info(format!(
        "Writing a report of {} association(s)…",
        associations.len()
    )));
    vec![Effect::WriteReport {
        generation,
        associations,
    }]
}

/// Where the report went (path and rows), or why it was not written.
pub fn on_report_written(
    flow: &mut Flow,
    generation: Generation,
    result: Result<ReportFile, String>,
) -> Vec<Effect> {
    if flow.manage.report != Some(generation) {
        return Vec::new();
    }
    flow.manage.report = None;
    flow.manage.message = Some(match result {
        Ok(file) => Notice::Info(format!(
            "Report of {} association(s) written to {}",
            file.rows, file.path
        )),
        Err(why) => Notice::Error(format!("The report was not written: {why}")),
    });
    Vec::new()
}

/// Managed things per association, for the list's column (kept from the last answer when
/// this one fails: it is a nicety).
pub fn on_counts(
    flow: &mut Flow,
    generation: Generation,
    result: Result<std::collections::BTreeMap<String, usize>, ServiceError>,
) -> Vec<Effect> {
    if generation != flow.manage.counts_generation {
        return Vec::new();
    }
    match result {
        Ok(counts) => {
            flow.manage.counts_retry.answered();
            flow.manage.thing_counts = Some(counts);
            Vec::new()
        }
        // The count is a column of the list, not news: asked again quietly, then left out.
        Err(error) => retry::wake_again(flow, |flow| &mut flow.manage.counts_retry, error)
            .ok()
            .into_iter()
            .collect(),
    }
}

/// The count's retry timer: counted again, if Manage is still open.
pub fn on_counts_retry_woke(flow: &mut Flow) -> Vec<Effect> {
    if flow.step != Step::Manage {
        return Vec::new();
    }
    let generation = flow.next_generation();
    flow.manage.counts_generation = generation;
    vec![Effect::CountThings { generation }]
}

pub fn list_associations(flow: &mut Flow, next_token: Option<String>) -> Effect {
    let generation = flow.next_generation();
    flow.manage.generation = generation;
    flow.manage.retry.asking(&next_token);
    Effect::ListAssociations {
        generation,
        next_token,
    }
}

fn refilter(flow: &mut Flow) {
    let view = &mut flow.manage;
    view.matches = matching_associations(&view.filter, &view.items);
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
            let retried = flow.manage.retry.answered().map(|r| Notice::Info(r.line()));
            if flow.manage.message.is_some()
                && [retried, Some(Notice::Info(RELOADING.into()))].contains(&flow.manage.message)
            {
                flow.manage.message = None;
            }
            match flow.manage.incoming.as_mut() {
                Some(incoming) => incoming.extend(page.items),
                None => {
                    flow.manage.items.extend(page.items);
                    flow.manage.load = Load::Loaded;
                    refilter(flow);
                }
            }
            match page.next_token {
                Some(token) => {
                    flow.manage.more = flow.manage.incoming.is_none();
                    vec![list_associations(flow, Some(token))]
                }
                None => {
                    flow.manage.more = false;
                    if let Some(incoming) = flow.manage.incoming.take() {
                        flow.manage.items = incoming;
                        flow.manage.reload_asked = false;
                        refilter(flow);
                    }
                    let mut effects = schedule_auto_reload(flow);
                    // Back on the list in a bulk refresh: the next one starts now.
                    effects.extend(next_in_queue(flow));
                    effects
                }
            }
        }
        Err(error) => {
            // Throttling or a passing failure: the same page is asked again after the backoff
            // every wait uses, the list kept as far as it came and the reason said meanwhile
            // (a quiet reload's retries are not news).
            let quiet = flow.manage.incoming.is_some() && !flow.manage.reload_asked;
            match retry::wake_again(flow, |flow| &mut flow.manage.retry, error) {
                Ok(wake) => {
                    let line = flow
                        .manage
                        .retry
                        .retrying
                        .as_ref()
                        .map(retry::Retrying::line);
                    if !quiet {
                        flow.manage.message = line.map(Notice::Info);
                    }
                    vec![wake]
                }
                // A reload that failed (the runtime logged the call): the list stays as it
                // was, and is reloaded again later.
                Err(error) if flow.manage.incoming.is_some() => {
                    flow.manage.incoming = None;
                    if std::mem::take(&mut flow.manage.reload_asked) {
                        flow.manage.message = Some(Notice::Error(format!(
                            "Could not reload the list ({}): it is shown as it was",
                            error.title().to_lowercase()
                        )));
                    }
                    schedule_auto_reload(flow)
                }
                Err(error) => {
                    flow.manage.more = false;
                    flow.manage.load = Load::Failed(error);
                    Vec::new()
                }
            }
        }
    }
}

/// The listing's retry timer: the same page again, if that listing is still the one wanted.
pub fn on_retry_woke(flow: &mut Flow) -> Vec<Effect> {
    if flow.step != Step::Manage {
        return Vec::new();
    }
    let page = flow.manage.retry.page();
    vec![list_associations(flow, page)]
}

/// How often the list reloads by itself while something in it is still changing.
pub const AUTO_RELOAD: std::time::Duration = std::time::Duration::from_secs(10);

/// While an association is in progress or being deleted, the list reloads every
/// [`AUTO_RELOAD`] (one listing, quietly) so its row changes without a key.
fn schedule_auto_reload(flow: &mut Flow) -> Vec<Effect> {
    let changing = flow.manage.items.iter().any(|a| {
        matches!(
            a.state,
            AssociationState::InProgress | AssociationState::Deleting
        )
    });
    if !changing {
        return Vec::new();
    }
    let generation = flow.next_generation();
    flow.manage.auto_generation = generation;
    vec![Effect::Wake {
        generation,
        after: AUTO_RELOAD,
    }]
}

/// The auto-reload timer: reload quietly if the list is still what the user looks at.
pub fn on_woke(flow: &mut Flow, generation: Generation) -> Vec<Effect> {
    if generation != flow.manage.auto_generation
        || flow.step != Step::Manage
        || flow.manage.more
        || flow.manage.pending.is_some()
    {
        return Vec::new();
    }
    reload_quietly(flow)
}

/// What the list says while a reload asked for is on its way.
pub const RELOADING: &str = "Reloading the list…";

/// `g`: a list that is whole stays on screen, usable, while it is read again (replaced once
/// the new one is whole, as a quiet reload does); one still loading or failed is loaded anew.
fn reload(flow: &mut Flow) -> Vec<Effect> {
    if flow.manage.load != Load::Loaded || flow.manage.more {
        return enter(flow);
    }
    flow.manage.reload_asked = true;
    flow.manage.message = Some(Notice::Info(RELOADING.into()));
    // One already on its way is the one asked for.
    if flow.manage.incoming.is_some() {
        return Vec::new();
    }
    reload_quietly(flow)
}

/// The list read again in the background: it is replaced once whole, and what the user is
/// doing (a picked row, its details, a confirmation) is left as it is. A list still loading
/// is simply loaded again.
pub fn reload_quietly(flow: &mut Flow) -> Vec<Effect> {
    if flow.manage.load != Load::Loaded || flow.manage.more {
        return enter(flow);
    }
    flow.manage.incoming = Some(Vec::new());
    let counts = flow.next_generation();
    flow.manage.counts_generation = counts;
    vec![
        list_associations(flow, None),
        Effect::CountThings { generation: counts },
    ]
}

/// Space on a row: picked for a bulk refresh (only expired ones can be refreshed).
pub fn toggle(flow: &mut Flow, id: String) -> Vec<Effect> {
    if flow.manage.selected.remove(&id) {
        return Vec::new();
    }
    match flow.manage.find(&id).map(|a| &a.state) {
        Some(AssociationState::RefreshTokenExpired) => {
            flow.manage.selected.insert(id);
        }
        // A pick that `r` would then refuse helps nobody: say so now.
        Some(_) => {
            flow.manage.message = Some(Notice::Info(
                "Only an association whose token expired can be picked for a bulk refresh".into(),
            ));
        }
        None => {}
    }
    Vec::new()
}

/// `r` with rows picked: every expired one is refreshed in turn, each through its own
/// consent URL; the rest of the queue starts when the user is back on the list.
fn refresh_selected(flow: &mut Flow) -> Vec<Effect> {
    // Only the picked rows the filter shows: a hidden row is never refreshed unseen.
    let manage = &flow.manage;
    let expired: Vec<String> = manage
        .matches
        .iter()
        .filter_map(|&i| manage.items.get(i))
        .filter(|a| {
            flow.manage.selected.contains(&a.id) && a.state == AssociationState::RefreshTokenExpired
        })
        .map(|a| a.id.clone())
        .collect();
    flow.manage.selected.clear();
    if expired.is_empty() {
        flow.manage.message = Some(Notice::Error(
            "None of the picked associations has an expired token".into(),
        ));
        return Vec::new();
    }
    flow.manage.refresh_queue = expired.into();
    next_in_queue(flow)
}

/// The next queued refresh, if any (on entering the list or after one finished).
fn next_in_queue(flow: &mut Flow) -> Vec<Effect> {
    let Some(id) = flow.manage.refresh_queue.pop_front() else {
        return Vec::new();
    };
    let left = flow.manage.refresh_queue.len();
    let effects = refresh(flow, &id);
    if left > 0 {
        flow.notice = Some(format!(
            "{left} more to refresh after this one (Esc or Enter at the end goes on)"
        ));
    }
    effects
}

fn fetch(flow: &mut Flow, id: &str, action: Option<ManageAction>) -> Vec<Effect> {
    if flow.manage.find(id).is_none() {
        return Vec::new();
    }
    let generation = flow.next_generation();
    flow.manage.detail_generation = generation;
    flow.manage.fetching = true;
    flow.manage.pending = action;
    vec![Effect::FetchAssociation {
        generation,
        id: id.to_string(),
    }]
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
    flow.manage.fetching = false;
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

/// What a delete must be confirmed with: the name, or the id of an unnamed association.
pub fn confirmation_word(association: &AssociationSummary) -> String {
    confirmation_word_of(&association.name, &association.id)
}

fn confirmation_word_of(name: &str, id: &str) -> String {
    if name.is_empty() { id } else { name }.to_string()
}

#[cfg(test)]
mod tests {
    use super::AUTO_RELOAD;
    use crate::flow::testing::*;
    use crate::flow::*;
    use crate::service::{AssociationState, AssociationSummary, Page};

    /// Manage opened from Start with `items` listed.
    fn managing(items: Vec<AssociationSummary>) -> Flow {
        let mut flow = flow_at_start();
        let effects = send(&mut flow, Intent::StartManage);
        let Effect::ListAssociations { generation, .. } = effects[0] else {
            panic!("{effects:?}")
        };
        page(&mut flow, generation, items);
        flow
    }

    fn page(
        flow: &mut Flow,
        generation: Generation,
        items: Vec<AssociationSummary>,
    ) -> Vec<Effect> {
        update(
            flow,
            Event::AssociationsPage {
                generation,
                result: Ok(Page {
                    items,
                    next_token: None,
                }),
            },
            now(),
        )
    }

    #[test]
    fn the_filter_matches_the_description_as_list_filter_does() {
        let mut described = summary("aa-1", "Kitchen", AssociationState::Succeeded);
        described.description = "Grandma's flat".into();
        let other = summary("aa-2", "Garage", AssociationState::Succeeded);
        let mut flow = managing(vec![described, other]);
        send(&mut flow, Intent::FilterAssociations("grandma".into()));
        assert_eq!(flow.manage().matches, [0]);
    }

    #[test]
    fn w_writes_the_report_of_the_rows_shown_once_at_a_time() {
        let mut flow = flow_at_start();
        let effects = send(&mut flow, Intent::StartManage);
        let Effect::ListAssociations { generation, .. } = effects[0] else {
            panic!("{effects:?}")
        };
        // Not before the list is there.
        assert!(send(&mut flow, Intent::WriteReport).is_empty());
        assert!(matches!(&flow.manage.message, Some(Notice::Error(_))));
        page(
            &mut flow,
            generation,
            vec![
                summary("aa-1", "Kitchen north", AssociationState::Succeeded),
                summary("aa-2", "Garage", AssociationState::Succeeded),
                summary("aa-3", "Kitchen south", AssociationState::Failed),
            ],
        );
        send(&mut flow, Intent::FilterAssociations("kitchen".into()));
        let effects = send(&mut flow, ManageCommand::WriteReport.intent("aa-2"));
        let [
            Effect::WriteReport {
                generation,
                associations,
            },
        ] = &effects[..]
        else {
            panic!("{effects:?}")
        };
        let ids: Vec<&str> = associations.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["aa-1", "aa-3"], "the rows shown, not the picked one");
        // A second `w` while it is written starts nothing.
        assert!(send(&mut flow, Intent::WriteReport).is_empty());
        let generation = *generation;
        update(
            &mut flow,
            Event::ReportWritten {
                generation,
                result: Ok(ReportFile {
                    path: "./iotmi-report-x.csv".into(),
                    rows: 2,
                }),
            },
            now(),
        );
        assert_eq!(
            flow.manage.message,
            Some(Notice::Info(
                "Report of 2 association(s) written to ./iotmi-report-x.csv".into()
            ))
        );
        assert!(flow.manage.report.is_none());
        // Nothing shown: nothing to write.
        send(
            &mut flow,
            Intent::FilterAssociations("nothing-matches".into()),
        );
        assert!(send(&mut flow, Intent::WriteReport).is_empty());
        let effects = send(&mut flow, Intent::FilterAssociations(String::new()));
        assert!(effects.is_empty());
        let effects = send(&mut flow, Intent::WriteReport);
        let generation = match &effects[..] {
            [Effect::WriteReport { generation, .. }] => *generation,
            other => panic!("{other:?}"),
        };
        update(
            &mut flow,
            Event::ReportWritten {
                generation,
                result: Err("it exists".into()),
            },
            now(),
        );
        assert!(matches!(&flow.manage.message, Some(Notice::Error(m)) if m.contains("it exists")));
    }

    #[test]
    fn a_list_with_something_in_progress_reloads_quietly_every_ten_seconds() {
        let mut flow = flow_at_start();
        let effects = send(&mut flow, Intent::StartManage);
        let Effect::ListAssociations { generation, .. } = effects[0] else {
            panic!("{effects:?}")
        };
        let effects = page(
            &mut flow,
            generation,
            vec![summary("aa-wait", "Garage", AssociationState::InProgress)],
        );
        let [
            Effect::Wake {
                generation: timer,
                after,
            },
        ] = effects[..]
        else {
            panic!("{effects:?}")
        };
        assert_eq!(after, AUTO_RELOAD);
        let effects = update(&mut flow, Event::Woke { generation: timer }, now());
        let Effect::ListAssociations { generation, .. } = effects[0] else {
            panic!("{effects:?}")
        };
        // The list stays while it reloads, then shows the new state.
        assert_eq!(flow.manage.items.len(), 1);
        let effects = page(
            &mut flow,
            generation,
            vec![summary("aa-wait", "Garage", AssociationState::Succeeded)],
        );
        assert_eq!(flow.manage.items[0].state, AssociationState::Succeeded);
        assert!(effects.is_empty(), "nothing changing: no more reloads");
    }

    /// The tryout's D7: a listing that fails in a way waiting can mend (throttled, the
    /// service's own failure) is asked again for the same page after the backoff, saying so
    /// meanwhile; the error replaces the list only when the retries are spent, and an error
    /// waiting cannot mend is shown at once.
    #[test]
    fn a_throttled_listing_asks_for_the_same_page_again_after_the_backoff() {
        use crate::service::{ErrorKind, ServiceError};
        let mut flow = flow_at_start();
        let effects = send(&mut flow, Intent::StartManage);
        let Effect::ListAssociations { generation, .. } = effects[0] else {
            panic!("{effects:?}")
        };
        let first = summary("aa-1", "Kitchen", AssociationState::Succeeded);
        let effects = update(
            &mut flow,
            Event::AssociationsPage {
                generation,
                result: Ok(Page {
                    items: vec![first],
                    next_token: Some("page-2".into()),
                }),
            },
            now(),
        );
        let Effect::ListAssociations { mut generation, .. } = effects[0] else {
            panic!("{effects:?}")
        };
        for attempt in 1..=crate::flow::retry::LIST_RETRIES {
            let failed = Err(ServiceError::new(ErrorKind::Throttled, "slow down"));
            let effects = update(
                &mut flow,
                Event::AssociationsPage {
                    generation,
                    result: failed,
                },
                now(),
            );
            let [
                Effect::Wake {
                    generation: timer,
                    after,
                },
            ] = effects[..]
            else {
                panic!("attempt {attempt}: {effects:?}")
            };
            assert!(after >= std::time::Duration::from_millis(800), "{after:?}");
            let said = format!("{:?}", flow.manage().message);
            assert!(
                said.contains("throttled — retrying in")
                    && said.contains(&format!("(attempt {attempt})")),
                "{said}"
            );
            assert_eq!(flow.manage().items.len(), 1, "what came is kept");
            let effects = update(&mut flow, Event::Woke { generation: timer }, now());
            let [
                Effect::ListAssociations {
                    generation: again,
                    next_token: Some(ref token),
                },
            ] = effects[..]
            else {
                panic!("attempt {attempt}: {effects:?}")
            };
            assert_eq!(token, "page-2", "the page that failed");
            generation = again;
        }
        let spent = Err(ServiceError::new(ErrorKind::ServerError, "down"));
        let effects = update(
            &mut flow,
            Event::AssociationsPage {
                generation,
                result: spent,
            },
            now(),
        );
        assert!(effects.is_empty(), "{effects:?}");
        assert!(matches!(flow.manage().load, Load::Failed(_)));

        // g reloads; an answer waiting cannot mend is the error at once, and a success after
        // a retry takes the retry's line away.
        let effects = send(&mut flow, Intent::ReloadAssociations);
        let Effect::ListAssociations { generation, .. } = effects[0] else {
            panic!("{effects:?}")
        };
        let denied = Err(ServiceError::new(ErrorKind::AccessDenied, "no"));
        let effects = update(
            &mut flow,
            Event::AssociationsPage {
                generation,
                result: denied,
            },
            now(),
        );
        assert!(effects.is_empty() && matches!(flow.manage().load, Load::Failed(_)));
        let effects = send(&mut flow, Intent::ReloadAssociations);
        let Effect::ListAssociations { generation, .. } = effects[0] else {
            panic!("{effects:?}")
        };
        let failed = Err(ServiceError::new(ErrorKind::Timeout, "late"));
        let effects = update(
            &mut flow,
            Event::AssociationsPage {
                generation,
                result: failed,
            },
            now(),
        );
        let [
            Effect::Wake {
                generation: timer, ..
            },
        ] = effects[..]
        else {
            panic!("{effects:?}")
        };
        let effects = update(&mut flow, Event::Woke { generation: timer }, now());
        let Effect::ListAssociations {
            generation,
            next_token: None,
        } = effects[0]
        else {
            panic!("{effects:?}")
        };
        page(
            &mut flow,
            generation,
            vec![summary("aa-1", "Kitchen", AssociationState::Succeeded)],
        );
        assert_eq!(flow.manage().load, Load::Loaded);
        assert_eq!(flow.manage().message, None, "the retry's line is gone");
    }

    /// The tryout's D7: `g` keeps the list on screen (and its keys working) while it is read
    /// again, says so, replaces it once whole, and a reload that fails leaves it as it was
    /// with the reason.
    #[test]
    fn g_keeps_the_list_while_it_reloads_and_a_failed_reload_leaves_it_as_it_was() {
        use crate::service::{ErrorKind, ServiceError};
        let kitchen = summary("aa-1", "Kitchen", AssociationState::Succeeded);
        let mut flow = managing(vec![kitchen.clone()]);
        let effects = send(&mut flow, Intent::ReloadAssociations);
        let Some(generation) = effects.iter().find_map(|e| match e {
            Effect::ListAssociations { generation, .. } => Some(*generation),
            _ => None,
        }) else {
            panic!("{effects:?}")
        };
        assert_eq!(
            flow.manage().items,
            std::slice::from_ref(&kitchen),
            "still shown"
        );
        assert_eq!(flow.manage().load, Load::Loaded);
        assert_eq!(
            flow.manage().message,
            Some(Notice::Info(super::RELOADING.into()))
        );
        send(&mut flow, Intent::PickAssociation(Some("aa-1".into())));
        assert!(flow.manage().picked.is_some(), "its rows answer meanwhile");
        let garage = summary("aa-2", "Garage", AssociationState::Succeeded);
        page(&mut flow, generation, vec![kitchen.clone(), garage]);
        assert_eq!(flow.manage().items.len(), 2);
        assert_eq!(flow.manage().message, None);

        let effects = send(&mut flow, Intent::ReloadAssociations);
        let Some(generation) = effects.iter().find_map(|e| match e {
            Effect::ListAssociations { generation, .. } => Some(*generation),
            _ => None,
        }) else {
            panic!("{effects:?}")
        };
        let denied = Err(ServiceError::new(ErrorKind::AccessDenied, "no"));
        update(
            &mut flow,
            Event::AssociationsPage {
                generation,
                result: denied,
            },
            now(),
        );
        assert_eq!(flow.manage().items.len(), 2, "as it was");
        assert_eq!(flow.manage().load, Load::Loaded);
        let said = format!("{:?}", flow.manage().message);
        assert!(said.contains("Could not reload the list"), "{said}");
    }

    #[test]
    fn picked_expired_associations_are_refreshed_one_after_another() {
        let mut flow = flow_at_start();
        let effects = send(&mut flow, Intent::StartManage);
        let Effect::ListAssociations { generation, .. } = effects[0] else {
            panic!("{effects:?}")
        };
        let items = vec![
            summary("aa-x", "Old flat", AssociationState::RefreshTokenExpired),
            summary("aa-ok", "Kitchen", AssociationState::Succeeded),
            summary("aa-y", "Cabin", AssociationState::RefreshTokenExpired),
        ];
        page(&mut flow, generation, items.clone());
        for id in ["aa-x", "aa-ok", "aa-y"] {
            send(&mut flow, Intent::ToggleAssociation(id.into()));
        }
        let effects = send(&mut flow, Intent::RefreshAssociation("aa-x".into()));
        assert!(matches!(&effects[..], [Effect::StartRefresh { id, .. }] if id == "aa-x"));
        assert_eq!(flow.manage.refresh_queue, ["aa-y"]);
        // Back on the list, once it is listed again, the next one starts by itself.
        let effects = send(&mut flow, Intent::Back);
        let Effect::ListAssociations { generation, .. } = effects[0] else {
            panic!("{effects:?}")
        };
        let effects = page(&mut flow, generation, items);
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::StartRefresh { id, .. } if id == "aa-y")),
            "{effects:?}"
        );
        assert!(flow.manage.refresh_queue.is_empty());
    }

    /// The tryout's first Manage under faults: a count that failed left the column out for
    /// good. It is asked again after the backoff, quietly.
    #[test]
    fn a_thing_count_that_fails_in_passing_is_asked_again() {
        use crate::service::{ErrorKind, ServiceError};
        let mut flow = flow_at_start();
        let effects = send(&mut flow, Intent::StartManage);
        let Some(counts) = effects.iter().find_map(|e| match e {
            Effect::CountThings { generation } => Some(*generation),
            _ => None,
        }) else {
            panic!("{effects:?}")
        };
        let failed = Err(ServiceError::new(ErrorKind::ServerError, "boom"));
        let effects = update(
            &mut flow,
            Event::ThingCounts {
                generation: counts,
                result: failed,
            },
            now(),
        );
        let [
            Effect::Wake {
                generation: timer, ..
            },
        ] = effects[..]
        else {
            panic!("{effects:?}")
        };
        assert_eq!(flow.manage().message, None, "quietly");
        let effects = update(&mut flow, Event::Woke { generation: timer }, now());
        let [Effect::CountThings { generation: again }] = effects[..] else {
            panic!("{effects:?}")
        };
        let counted = Ok([("aa-1".to_string(), 2)].into());
        update(
            &mut flow,
            Event::ThingCounts {
                generation: again,
                result: counted,
            },
            now(),
        );
        assert_eq!(
            flow.manage()
                .thing_counts
                .as_ref()
                .and_then(|c| c.get("aa-1")),
            Some(&2)
        );
    }

    /// The tryout: a succeeded row could be picked, and `r` then refused the whole pick.
    #[test]
    fn only_an_expired_association_can_be_picked_for_a_bulk_refresh() {
        let mut flow = managing(vec![
            summary("aa-ok", "Kitchen", AssociationState::Succeeded),
            summary("aa-old", "Flat", AssociationState::RefreshTokenExpired),
        ]);
        send(&mut flow, Intent::ToggleAssociation("aa-ok".into()));
        assert!(flow.manage().selected.is_empty());
        let said = format!("{:?}", flow.manage().message);
        assert!(said.contains("token expired"), "{said}");
        send(&mut flow, Intent::ToggleAssociation("aa-old".into()));
        assert!(flow.manage().selected.contains("aa-old"));
        send(&mut flow, Intent::ToggleAssociation("aa-old".into()));
        assert!(flow.manage().selected.is_empty(), "Space again unpicks");
    }

    #[test]
    fn a_bulk_refresh_takes_only_the_picked_rows_the_filter_shows() {
        let items = vec![
            summary("aa-x", "Old flat", AssociationState::RefreshTokenExpired),
            summary("aa-y", "Cabin", AssociationState::RefreshTokenExpired),
        ];
        let mut flow = managing(items);
        for id in ["aa-x", "aa-y"] {
            send(&mut flow, Intent::ToggleAssociation(id.into()));
        }
        send(&mut flow, Intent::FilterAssociations("cabin".into()));
        let effects = send(&mut flow, Intent::RefreshAssociation("aa-y".into()));
        assert!(matches!(&effects[..], [Effect::StartRefresh { id, .. }] if id == "aa-y"));
        assert!(flow.manage.refresh_queue.is_empty(), "the hidden one waits");
    }

    #[test]
    fn a_succeeded_association_offers_its_devices_from_the_list() {
        let mut flow = flow_in_manage();
        let effects = send(&mut flow, Intent::ShowDevices("aa-ok".into()));
        assert_eq!(flow.step, Step::Devices);
        assert!(
            matches!(&effects[..], [.., Effect::StartDiscovery { association_id, .. }] if association_id == "aa-ok")
        );
        // A failed one does not.
        let mut flow = flow_in_manage();
        send(&mut flow, Intent::ShowDevices("aa-bad".into()));
        assert_eq!(flow.step, Step::Manage);
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

    /// The tryout's D4: authorizing a row that is then deleted elsewhere. While it is being
    /// deleted its consent URL is not offered; once the service says it is gone, the summary
    /// says gone (no stale state) and quitting from the list exits as lost (1).
    #[test]
    fn an_association_deleted_while_authorized_from_the_list_ends_as_gone() {
        use crate::service::{ErrorKind, ServiceError};
        let mut flow = authorizing_garage();
        let poll = flow.polling.as_ref().expect("followed").generation;
        update(&mut flow, Event::PollDue { generation: poll }, now());
        answer_poll(&mut flow, poll, AssociationState::Deleting);
        assert_eq!(flow.step, Step::Status, "Authorize leaves with its URL");
        assert_eq!(flow.oauth_url(), None);
        assert_eq!(authorize::shown_url(&flow), None);
        assert_eq!(flow.summary().unwrap().oauth_url, "");
        update(&mut flow, Event::PollDue { generation: poll }, now());
        update(
            &mut flow,
            Event::Polled {
                generation: poll,
                result: Err(ServiceError::new(ErrorKind::NotFound, "gone")),
            },
            now(),
        );
        assert_eq!(flow.step, Step::Done);
        assert_eq!(flow.association.as_ref().unwrap().state_text(), GONE);
        // Enter: back to the list, which says what became of it; then q.
        send(&mut flow, Intent::Finish);
        assert_eq!(flow.step, Step::Manage);
        assert!(
            matches!(&flow.manage.message, Some(Notice::Info(m)) if m.ends_with(": gone")),
            "{:?}",
            flow.manage.message
        );
        let effects = send(&mut flow, Intent::Quit { interrupted: false });
        let Some(Effect::Exit(outcome)) = effects.last() else {
            panic!("{effects:?}")
        };
        assert_eq!(outcome.kind, OutcomeKind::Lost);
        assert_eq!(outcome.kind.exit_code(), crate::exit::ERROR);
        let summary = outcome.summary.as_ref().expect("a summary");
        assert!(summary.gone);
        assert_eq!(summary.state, None);
        let json = serde_json::to_value(summary).unwrap();
        assert!(json.get("AssociationState").is_none(), "{json}");
        assert_eq!(json["Gone"], true);
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

    #[test]
    fn a_picked_association_takes_the_shared_letters_and_back_unpicks_it() {
        let mut flow = flow_at_start();
        let effects = send(&mut flow, Intent::StartManage);
        let Effect::ListAssociations { generation, .. } = effects[0] else {
            panic!("{effects:?}")
        };
        let items = vec![
            summary("aa-ok", "Kitchen", AssociationState::Succeeded),
            summary("aa-x", "Old flat", AssociationState::RefreshTokenExpired),
        ];
        page(&mut flow, generation, items);
        // `2` names the second listed; `d` is delete, `v` details, as in the TUI's keymap.
        let id = numbered_association(&flow, "2").expect("listed");
        assert_eq!(id, "aa-x");
        send(&mut flow, Intent::PickAssociation(Some(id.clone())));
        assert_eq!(flow.manage.picked.as_deref(), Some("aa-x"));
        assert_eq!(ManageCommand::from_key("d"), Some(ManageCommand::Delete));
        assert_eq!(ManageCommand::from_key("v"), Some(ManageCommand::Details));
        assert!(!ManageCommand::Authorize.offered(&AssociationState::RefreshTokenExpired));
        let effects = send(&mut flow, ManageCommand::Details.intent(&id));
        assert!(matches!(&effects[..], [Effect::FetchAssociation { .. }]));
        assert!(
            flow.manage.fetching,
            "a line front end waits for the details"
        );
        let effects = send(&mut flow, ManageCommand::Delete.intent(&id));
        let [Effect::ListRegisteredThings { generation, .. }] = effects[..] else {
            panic!("the delete counts first: {effects:?}")
        };
        update(
            &mut flow,
            Event::RegisteredThings {
                generation,
                result: Ok(Vec::new()),
            },
            now(),
        );
        assert_eq!(flow.manage.confirm_delete.as_deref(), Some("aa-x"));
        // Back cancels the delete, then unpicks, then leaves for Start.
        send(&mut flow, Intent::Back);
        assert!(flow.manage.confirm_delete.is_none() && flow.manage.picked.is_some());
        send(&mut flow, Intent::Back);
        assert!(flow.manage.picked.is_none());
        assert_eq!(flow.step, Step::Manage);
        send(&mut flow, Intent::Back);
        assert_eq!(flow.step, Step::Start);
    }
}
