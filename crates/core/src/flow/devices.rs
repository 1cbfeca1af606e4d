//! The Devices step, after an association succeeded (or picked in Manage): a CLOUD discovery,
//! its devices listed and filtered, and the chosen ones adopted as managed things
//! (CreateManagedThing + RegisterAccountAssociation) a few at a time. ClientTokens come from
//! the run's journaled seed, so a rerun after a kill resends the same ones and never makes a
//! second managed thing for a device.

use std::borrow::Cow;
use std::time::Duration;

use super::effect::Effect;
use super::intent::Intent;
use super::model::{Adoption, DevicesView, DiscoveryState, Notice, Step};
use super::retry::{self, Retrying};
use super::{Flow, Generation, manage, nav, token};
use crate::filter::{device_haystack, matching};
use crate::service::{
    AdoptRequest, AssociationState, DiscoveredDevice, Discovery, DiscoveryStatus, Page,
    ServiceError, ThingLink,
};

/// Devices adopted at once: enough to be quick, few enough to stay under the service's limits.
pub const ADOPT_CONCURRENCY: usize = 4;
/// How often a running discovery is asked about.
pub const DISCOVERY_POLL: Duration = Duration::from_secs(1);

/// Devices picked by typed numbers and ranges of the list shown: `1,3-5` → [1, 3, 4, 5], each
/// within 1..=count; the error says what to type.
pub fn picks(text: &str, count: usize) -> Result<Vec<usize>, String> {
    let bad = || format!("Type all, none, or numbers from 1 to {count} such as 1,3-5.");
    let mut picked = Vec::new();
    for piece in text.split([',', ' ']).filter(|p| !p.is_empty()) {
        let (from, to) = piece.split_once('-').unwrap_or((piece, piece));
        let (Ok(from), Ok(to)) = (from.trim().parse::<usize>(), to.trim().parse::<usize>()) else {
            return Err(bad());
        };
        if from == 0 || to > count || from > to {
            return Err(bad());
        }
        picked.extend(from..=to);
    }
    picked.sort_unstable();
    picked.dedup();
    if picked.is_empty() {
        return Err(bad());
    }
    Ok(picked)
}

/// Retries of an adoption that keeps failing in a way waiting can mend, before it counts as
/// failed (r tries again by hand).
pub const ADOPT_RETRIES: u32 = 6;
/// The same for the discovery's calls (start, poll, list).
pub const DISCOVERY_RETRIES: u32 = 6;

pub fn on_intent(flow: &mut Flow, intent: Intent) -> Vec<Effect> {
    if let Intent::ShowDevices(id) = intent {
        return show(flow, id);
    }
    if flow.step != Step::Devices {
        return Vec::new();
    }
    let Some(view) = flow.devices.as_mut() else {
        return Vec::new();
    };
    view.message = None;
    match intent {
        Intent::StartDiscovery => start(flow),
        Intent::FilterDevices(filter) => {
            view.filter = filter;
            refilter(view);
            Vec::new()
        }
        Intent::ToggleDevice(id) => {
            let adoptable = view
                .items
                .iter()
                .any(|d| d.connector_device_id == id && view.adoptable(d));
            if !view.selected.remove(&id) && adoptable {
                view.selected.insert(id);
            }
            Vec::new()
        }
        // Select-all and select-none act on the rows the filter shows, as the user sees them.
        Intent::SelectAllDevices(all) => {
            let shown: Vec<String> = view
                .shown()
                .filter(|d| !all || view.adoptable(d))
                .map(|d| d.connector_device_id.clone())
                .collect();
            for id in shown {
                if all {
                    view.selected.insert(id);
                } else {
                    view.selected.remove(&id);
                }
            }
            Vec::new()
        }
        Intent::AdoptSelected => adopt_selected(flow),
        Intent::RetryFailedAdoptions => retry_failed(flow),
        _ => Vec::new(),
    }
}

/// Open the step for the association `id` (the tracked one, or one listed in Manage).
fn show(flow: &mut Flow, id: String) -> Vec<Effect> {
    let (name, from_manage) = match (&flow.association, flow.step) {
        (Some(tracked), Step::Done) if tracked.id == id => {
            if tracked.state != AssociationState::Succeeded {
                flow.notice = Some("Devices come once the association has succeeded".into());
                return Vec::new();
            }
            (tracked.name.clone(), flow.return_to_manage)
        }
        (_, Step::Manage) => match flow.manage.find(&id) {
            Some(summary) if summary.state == AssociationState::Succeeded => {
                (summary.name.clone(), true)
            }
            Some(summary) => {
                flow.manage.message = Some(Notice::Error(format!(
                    "Devices come once it has succeeded (it is {})",
                    summary.state
                )));
                return Vec::new();
            }
            None => return Vec::new(),
        },
        _ => return Vec::new(),
    };
    flow.devices = Some(DevicesView::new(
        id,
        name,
        DiscoveryState::Idle,
        from_manage,
    ));
    flow.step = Step::Devices;
    start(flow)
}

/// StartDeviceDiscovery; its token is the run's, so a resend after a lost reply names the
/// same discovery.
fn start(flow: &mut Flow) -> Vec<Effect> {
    if flow.devices.as_ref().is_none_or(DevicesView::busy) {
        return Vec::new();
    }
    let generation = flow.next_generation();
    let seed = flow.opts.token_seed.clone();
    let view = flow.devices.as_mut().expect("checked above");
    let client_token = token::derived(
        &seed,
        "disc",
        &[&view.association_id, &generation.to_string()],
    );
    view.discovery = DiscoveryState::Starting { generation };
    view.items.clear();
    view.haystacks.clear();
    view.matches.clear();
    view.selected.clear();
    view.adoption = None;
    vec![Effect::StartDiscovery {
        generation,
        association_id: view.association_id.clone(),
        client_token,
    }]
}

pub fn on_started(
    flow: &mut Flow,
    generation: Generation,
    result: Result<String, ServiceError>,
) -> Vec<Effect> {
    let now = flow.now;
    let Some(view) = flow.devices.as_mut() else {
        return Vec::new();
    };
    if view.discovery != (DiscoveryState::Starting { generation }) {
        return Vec::new();
    }
    match result {
        Ok(id) => {
            view.discovery = DiscoveryState::Running {
                id,
                generation,
                started: now,
            };
            vec![Effect::Wake {
                generation,
                after: DISCOVERY_POLL,
            }]
        }
        // One discovery runs at a time per account: wait for the other one to end.
        Err(error) if error.kind == crate::service::ErrorKind::Conflict => {
            view.message = Some(Notice::Info(
                "Another discovery is running for this account: waiting for it to end".into(),
            ));
            vec![Effect::Wake {
                generation,
                after: DISCOVERY_POLL,
            }]
        }
        Err(error) => retry_or_fail(view, generation, error),
    }
}

/// A passing error (throttled, 5xx…) asks again after a backoff, with the same ClientToken or
/// page; any other ends the discovery with the reason.
fn retry_or_fail(
    view: &mut DevicesView,
    generation: Generation,
    error: ServiceError,
) -> Vec<Effect> {
    let salt = retry::salt_of(&view.association_id);
    match retry::again(&mut view.retrying, error, salt, Some(DISCOVERY_RETRIES)) {
        Ok(after) => {
            view.message = view.retrying.as_ref().map(|r| Notice::Info(r.line()));
            vec![Effect::Wake { generation, after }]
        }
        Err(error) => {
            view.retrying = None;
            view.discovery = DiscoveryState::Failed(super::error_line(&error));
            Vec::new()
        }
    }
}

pub fn on_woke(flow: &mut Flow, generation: Generation) -> Vec<Effect> {
    // The adoption's retry timer: the devices put back go again, with the same tokens.
    if let Some(adoption) = flow
        .devices
        .as_mut()
        .and_then(|v| v.adoption.as_mut())
        .filter(|a| a.generation == generation && !a.later.is_empty())
    {
        let later = std::mem::take(&mut adoption.later);
        adoption.queue.extend(later);
        return dispatch(flow);
    }
    let seed = flow.opts.token_seed.clone();
    if let Some(view) = flow.devices.as_ref()
        && view.discovery == (DiscoveryState::Starting { generation })
    {
        return vec![Effect::StartDiscovery {
            generation,
            association_id: view.association_id.clone(),
            client_token: token::derived(
                &seed,
                "disc",
                &[&view.association_id, &generation.to_string()],
            ),
        }];
    }
    match flow.devices.as_ref().map(|v| &v.discovery) {
        Some(DiscoveryState::Running {
            id,
            generation: running,
            ..
        }) if *running == generation => vec![Effect::GetDiscovery {
            generation,
            id: id.clone(),
        }],
        // A page, or the links after the last one, that failed in passing: asked again.
        Some(DiscoveryState::Listing {
            id,
            generation: listing,
        }) if *listing == generation => match flow.devices.as_ref() {
            Some(view) if view.checking_links => vec![Effect::ListRegisteredThings {
                generation,
                association_id: view.association_id.clone(),
            }],
            view => vec![Effect::ListDiscoveredDevices {
                generation,
                id: id.clone(),
                next_token: view.and_then(|v| v.page_token.clone()),
            }],
        },
        _ => Vec::new(),
    }
}

pub fn on_polled(
    flow: &mut Flow,
    generation: Generation,
    result: Result<Discovery, ServiceError>,
) -> Vec<Effect> {
    let Some(view) = flow.devices.as_mut() else {
        return Vec::new();
    };
    let DiscoveryState::Running {
        id,
        generation: running,
        ..
    } = &view.discovery
    else {
        return Vec::new();
    };
    if *running != generation {
        return Vec::new();
    }
    let id = id.clone();
    if result.is_ok() {
        view.retrying = None;
    }
    match result.map(|d| d.status) {
        Ok(DiscoveryStatus::Succeeded) => {
            view.discovery = DiscoveryState::Listing {
                id: id.clone(),
                generation,
            };
            view.page_token = None;
            vec![Effect::ListDiscoveredDevices {
                generation,
                id,
                next_token: None,
            }]
        }
        Ok(status @ (DiscoveryStatus::Failed | DiscoveryStatus::TimedOut)) => {
            view.discovery = DiscoveryState::Failed(format!(
                "The discovery ended {}: the connector could not list the account's devices",
                status.as_wire()
            ));
            Vec::new()
        }
        // Still running: ask again in a moment.
        Ok(DiscoveryStatus::Running) => vec![Effect::Wake {
            generation,
            after: DISCOVERY_POLL,
        }],
        Err(error) => retry_or_fail(view, generation, error),
    }
}

pub fn on_page(
    flow: &mut Flow,
    generation: Generation,
    result: Result<Page<DiscoveredDevice>, ServiceError>,
) -> Vec<Effect> {
    let Some(view) = flow.devices.as_mut() else {
        return Vec::new();
    };
    let DiscoveryState::Listing {
        id,
        generation: listing,
    } = &view.discovery
    else {
        return Vec::new();
    };
    if *listing != generation {
        return Vec::new();
    }
    let id = id.clone();
    match result {
        Ok(page) => {
            view.retrying = None;
            view.haystacks
                .extend(page.items.iter().map(device_haystack));
            view.items.extend(page.items);
            refilter(view);
            match page.next_token.filter(|t| !t.is_empty()) {
                Some(token) => {
                    view.page_token = Some(token.clone());
                    vec![Effect::ListDiscoveredDevices {
                        generation,
                        id,
                        next_token: Some(token),
                    }]
                }
                // Managed things among them: are they registered, or left part-way?
                None if view.items.iter().any(|d| d.managed_thing_id.is_some()) => {
                    view.checking_links = true;
                    vec![Effect::ListRegisteredThings {
                        generation,
                        association_id: view.association_id.clone(),
                    }]
                }
                None => {
                    view.discovery = DiscoveryState::Done { id };
                    resume_adoption(flow)
                }
            }
        }
        Err(error) => retry_or_fail(view, generation, error),
    }
}

/// Whether `Event::RegisteredThings { generation }` answers this step's listing.
pub fn owns_listing(flow: &Flow, generation: Generation) -> bool {
    matches!(
        flow.devices.as_ref().map(|v| &v.discovery),
        Some(DiscoveryState::Listing { generation: listing, .. }) if *listing == generation
    )
}

/// The association's links after the listing: a listed managed thing not ASSOCIATED was left
/// part-way and is adoptable again (RegisterAccountAssociation finishes it).
pub fn on_links(
    flow: &mut Flow,
    generation: Generation,
    result: Result<Vec<ThingLink>, ServiceError>,
) -> Vec<Effect> {
    let Some(view) = flow.devices.as_mut() else {
        return Vec::new();
    };
    let Some(id) = view.discovery.id().map(str::to_string) else {
        return Vec::new();
    };
    match result {
        Ok(links) => {
            let associated: std::collections::BTreeSet<&str> = links
                .iter()
                .filter(|l| l.associated)
                .map(|l| l.managed_thing_id.as_str())
                .collect();
            view.partway = view
                .items
                .iter()
                .filter(|d| {
                    d.managed_thing_id
                        .as_deref()
                        .is_some_and(|thing| !associated.contains(thing))
                })
                .map(|d| d.connector_device_id.clone())
                .collect();
            view.checking_links = false;
            view.retrying = None;
            view.discovery = DiscoveryState::Done { id };
            resume_adoption(flow)
        }
        // Asked again after a backoff (not at once: a throttled service is not hammered).
        Err(error) => retry_or_fail(view, generation, error),
    }
}

fn refilter(view: &mut DevicesView) {
    view.matches = matching(
        &view.filter,
        view.haystacks.iter().map(|h| Cow::Borrowed(h.as_str())),
    );
}

/// Adopt the selected devices that are not managed things yet.
fn adopt_selected(flow: &mut Flow) -> Vec<Effect> {
    let Some(view) = flow.devices.as_mut() else {
        return Vec::new();
    };
    if !matches!(view.discovery, DiscoveryState::Done { .. })
        || view.adoption.as_ref().is_some_and(|a| !a.finished())
    {
        return Vec::new();
    }
    // What is managed and registered already is not adopted again; what was left part-way is
    // finished.
    let done: Vec<String> = view
        .items
        .iter()
        .filter(|d| !view.adoptable(d))
        .map(|d| d.connector_device_id.clone())
        .collect();
    for id in done {
        view.selected.remove(&id);
    }
    // Only the selected rows the filter shows: a hidden row is never adopted unseen.
    let queue: std::collections::VecDeque<String> = view
        .shown()
        .filter(|d| view.selected.contains(&d.connector_device_id))
        .map(|d| d.connector_device_id.clone())
        .collect();
    if queue.is_empty() {
        view.message = Some(Notice::Error(if view.selected.is_empty() {
            "Nothing to adopt: select devices first (Space, or a for all)".into()
        } else {
            format!(
                "Nothing to adopt among the rows shown: {} selected are hidden by the filter \
                 (clear it to see them)",
                view.selected.len()
            )
        }));
        return Vec::new();
    }
    let generation = flow.next_generation();
    let view = flow.devices.as_mut().expect("checked above");
    view.adoption = Some(Adoption {
        generation,
        total: queue.len(),
        queue,
        ..Adoption::default()
    });
    dispatch(flow)
}

/// After a resume: the devices the journal says were chosen, minus those already managed.
fn resume_adoption(flow: &mut Flow) -> Vec<Effect> {
    let wanted = flow
        .devices
        .as_ref()
        .is_some_and(|v| v.adoption.is_some() && !v.selected.is_empty());
    if !wanted {
        return Vec::new();
    }
    if let Some(view) = flow.devices.as_mut() {
        view.adoption = None;
    }
    adopt_selected(flow)
}

fn retry_failed(flow: &mut Flow) -> Vec<Effect> {
    let Some(adoption) = flow.devices.as_mut().and_then(|v| v.adoption.as_mut()) else {
        return Vec::new();
    };
    if !adoption.finished() || adoption.failed.is_empty() {
        return Vec::new();
    }
    let failed = std::mem::take(&mut adoption.failed);
    adoption.queue.extend(failed.into_keys());
    dispatch(flow)
}

/// Keeps [`ADOPT_CONCURRENCY`] adoptions in flight while the queue lasts.
fn dispatch(flow: &mut Flow) -> Vec<Effect> {
    let seed = flow.opts.token_seed.clone();
    let Some(view) = flow.devices.as_mut() else {
        return Vec::new();
    };
    let (Some(adoption), Some(discovery_id)) = (view.adoption.as_mut(), view.discovery.id()) else {
        return Vec::new();
    };
    let mut effects = Vec::new();
    while adoption.in_flight.len() < ADOPT_CONCURRENCY {
        let Some(device_id) = adoption.queue.pop_front() else {
            break;
        };
        let Some(device) = view
            .items
            .iter()
            .find(|d| d.connector_device_id == device_id)
        else {
            continue;
        };
        adoption.in_flight.insert(device_id.clone());
        let mut device = device.clone();
        if !view.partway.contains(&device_id) {
            // Only a part-way thing is finished by registering it; any other is created.
            device.managed_thing_id = None;
        }
        effects.push(Effect::AdoptDevice {
            generation: adoption.generation,
            request: AdoptRequest::new(
                view.association_id.clone(),
                discovery_id.to_string(),
                device,
                // One token per device and association, whatever the retry or the rerun.
                token::derived(&seed, "thing", &[&view.association_id, &device_id]),
            ),
        });
    }
    effects
}

pub fn on_adopted(
    flow: &mut Flow,
    generation: Generation,
    device_id: String,
    result: Result<String, ServiceError>,
) -> Vec<Effect> {
    let Some(view) = flow.devices.as_mut() else {
        return Vec::new();
    };
    let Some(adoption) = view
        .adoption
        .as_mut()
        .filter(|a| a.generation == generation && a.in_flight.contains(&device_id))
    else {
        return Vec::new();
    };
    adoption.in_flight.remove(&device_id);
    match result {
        Ok(thing) => {
            if let Some(device) = view
                .items
                .iter_mut()
                .find(|d| d.connector_device_id == device_id)
            {
                device.managed_thing_id = Some(thing.clone());
            }
            view.selected.remove(&device_id);
            view.partway.remove(&device_id);
            adoption.done.insert(device_id, thing);
            if adoption.later.is_empty() {
                adoption.retrying = None;
            }
        }
        // A retry timer runs for this round: a passing error joins it.
        Err(error) if !adoption.later.is_empty() && retry::can_improve(&error) => {
            adoption.later.insert(device_id);
        }
        Err(error) => {
            let salt = retry::salt_of(&adoption.generation.to_string());
            match retry::again(&mut adoption.retrying, error, salt, Some(ADOPT_RETRIES)) {
                Ok(after) => {
                    adoption.later.insert(device_id);
                    let generation = adoption.generation;
                    let line = adoption.retrying.as_ref().map(Retrying::line);
                    let mut effects = dispatch(flow);
                    if let (Some(view), Some(line)) = (flow.devices.as_mut(), line) {
                        view.message = Some(Notice::Info(format!("Adopting: {line}")));
                    }
                    effects.push(Effect::Wake { generation, after });
                    return effects;
                }
                Err(error) => {
                    adoption.failed.insert(device_id, error);
                }
            }
        }
    }
    let effects = dispatch(flow);
    if let Some(view) = flow.devices.as_mut()
        && let Some(adoption) = view.adoption.as_ref().filter(|a| a.finished())
    {
        view.message = Some(if adoption.failed.is_empty() {
            Notice::Info(format!(
                "Adopted {} device{}: each is a managed thing registered to the association",
                adoption.done.len(),
                if adoption.done.len() == 1 { "" } else { "s" }
            ))
        } else {
            Notice::Error(format!(
                "{} adopted, {} failed: r retries the failed ones",
                adoption.done.len(),
                adoption.failed.len()
            ))
        });
    }
    effects
}

/// Enter: start a discovery when none ran (or it failed), adopt what is selected, or leave
/// once adopting is over.
pub fn next(flow: &mut Flow) -> Vec<Effect> {
    let Some(view) = flow.devices.as_ref() else {
        return Vec::new();
    };
    match (&view.discovery, &view.adoption) {
        (DiscoveryState::Idle | DiscoveryState::Failed(_), _) => start(flow),
        (DiscoveryState::Done { .. }, Some(adoption))
            if adoption.finished() && view.selected.is_empty() =>
        {
            finish(flow)
        }
        (DiscoveryState::Done { .. }, None) if view.selected.is_empty() => finish(flow),
        (DiscoveryState::Done { .. }, _) => adopt_selected(flow),
        _ => Vec::new(),
    }
}

/// Esc: back to where the step was opened (the Done screen, or the Manage list).
pub fn back(flow: &mut Flow) -> Vec<Effect> {
    if flow
        .devices
        .as_ref()
        .and_then(|v| v.adoption.as_ref())
        .is_some_and(|a| !a.finished())
    {
        flow.notice =
            Some("Adopting: wait for it to finish (q leaves, the rest stays undone)".into());
        return Vec::new();
    }
    if flow.devices.as_ref().is_some_and(|v| v.from_manage) && flow.association.is_none() {
        return manage::enter(flow);
    }
    flow.step = Step::Done;
    Vec::new()
}

/// Enter on a finished step: leave as Done would.
pub fn finish(flow: &mut Flow) -> Vec<Effect> {
    if flow.devices.as_ref().is_some_and(|v| v.from_manage) && flow.association.is_none() {
        return manage::enter(flow);
    }
    flow.step = Step::Done;
    nav::exit(flow, false)
}

/// Back to adopting after a lost session: the discovery is listed again (what was adopted
/// shows as managed) and the rest of the selection is adopted with the same tokens.
pub fn resume(flow: &mut Flow, saved: crate::journal::DevicesJournal) -> Vec<Effect> {
    let generation = flow.next_generation();
    flow.devices = Some(DevicesView {
        selected: saved.selected.into_iter().collect(),
        // A marker: once listed, the selection is adopted (see `resume_adoption`).
        adoption: Some(Adoption::default()),
        message: Some(Notice::Info(
            "Adopting the rest of the devices chosen before".into(),
        )),
        ..DevicesView::new(
            saved.association_id,
            saved.association_name,
            DiscoveryState::Listing {
                id: saved.discovery_id.clone(),
                generation,
            },
            saved.from_manage,
        )
    });
    flow.step = Step::Devices;
    vec![Effect::ListDiscoveredDevices {
        generation,
        id: saved.discovery_id,
        next_token: None,
    }]
}

/// Found and adopted in this run, for the summary.
pub fn counts(flow: &Flow) -> (Option<usize>, Option<usize>) {
    match &flow.devices {
        Some(view) if matches!(view.discovery, DiscoveryState::Done { .. }) => (
            Some(view.items.len()),
            Some(view.adoption.as_ref().map_or(0, |a| a.done.len())),
        ),
        _ => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::testing::*;
    use crate::flow::{Event, update};
    use crate::journal::DevicesJournal;
    use crate::service::ErrorKind;

    fn device(id: &str, name: &str, brand: &str, kind: &str) -> DiscoveredDevice {
        DiscoveredDevice {
            connector_device_id: id.into(),
            name: name.into(),
            brand: brand.into(),
            model: "M1".into(),
            device_types: vec![kind.into()],
            modification: "DISCOVERED".into(),
            managed_thing_id: None,
            auth_material: format!("material-{id}"),
        }
    }

    fn devices() -> Vec<DiscoveredDevice> {
        vec![
            device("d1", "Hall lamp", "Acme", "Light"),
            device("d2", "Desk plug", "Volt", "Plug"),
            device("d3", "Porch lamp", "Acme", "Light"),
        ]
    }

    fn view(flow: &Flow) -> &DevicesView {
        flow.devices.as_ref().expect("the Devices step")
    }

    /// The StartDiscovery among `effects`: its generation and token.
    fn started(effects: &[Effect]) -> (Generation, String) {
        effects
            .iter()
            .find_map(|e| match e {
                Effect::StartDiscovery {
                    generation,
                    association_id,
                    client_token,
                } if association_id == "aa-ok" => Some((*generation, client_token.clone())),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no StartDiscovery in {effects:?}"))
    }

    /// Only the service calls and timers (a journal write may come first).
    fn calls(effects: Vec<Effect>) -> Vec<Effect> {
        effects
            .into_iter()
            .filter(|e| !matches!(e, Effect::Persist(_)))
            .collect()
    }

    fn adopted_ids(effects: &[Effect]) -> Vec<String> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::AdoptDevice { request, .. } => {
                    Some(request.device.connector_device_id.clone())
                }
                _ => None,
            })
            .collect()
    }

    fn thing_token(device: &str) -> String {
        token::derived(SEED, "thing", &["aa-ok", device])
    }

    /// On Devices for the succeeded association of Manage, its discovery just asked for.
    fn opened() -> (Flow, Generation) {
        let mut flow = flow_in_manage();
        let effects = send(&mut flow, Intent::ShowDevices("aa-ok".into()));
        let (generation, _) = started(&effects);
        (flow, generation)
    }

    fn page(
        flow: &mut Flow,
        generation: Generation,
        items: Vec<DiscoveredDevice>,
        next_token: Option<&str>,
    ) -> Vec<Effect> {
        calls(update(
            flow,
            Event::DevicesPage {
                generation,
                result: Ok(Page {
                    items,
                    next_token: next_token.map(str::to_string),
                }),
            },
            now(),
        ))
    }

    fn polled(flow: &mut Flow, generation: Generation, status: DiscoveryStatus) -> Vec<Effect> {
        calls(update(
            flow,
            Event::DiscoveryPolled {
                generation,
                result: Ok(Discovery {
                    id: "disc-1".into(),
                    status,
                }),
            },
            now(),
        ))
    }

    /// The discovery `disc-1` started, ran and succeeded: its devices are being listed.
    fn discovery_succeeded(flow: &mut Flow, generation: Generation) {
        update(
            flow,
            Event::DiscoveryStarted {
                generation,
                result: Ok("disc-1".into()),
            },
            now(),
        );
        update(flow, Event::Woke { generation }, now());
        polled(flow, generation, DiscoveryStatus::Succeeded);
    }

    /// The discovery ran and listed `items` in one page.
    fn listed(items: Vec<DiscoveredDevice>) -> Flow {
        let (mut flow, generation) = opened();
        discovery_succeeded(&mut flow, generation);
        let effects = page(&mut flow, generation, items, None);
        // Managed things among them: every one registered.
        if effects
            .iter()
            .any(|e| matches!(e, Effect::ListRegisteredThings { .. }))
        {
            let associated = view(&flow)
                .items
                .iter()
                .filter_map(|d| d.managed_thing_id.clone())
                .map(|managed_thing_id| ThingLink {
                    managed_thing_id,
                    associated: true,
                })
                .collect();
            links(&mut flow, generation, associated);
        }
        assert_eq!(
            view(&flow).discovery,
            DiscoveryState::Done {
                id: "disc-1".into()
            }
        );
        flow
    }

    fn links(flow: &mut Flow, generation: Generation, links: Vec<ThingLink>) -> Vec<Effect> {
        calls(update(
            flow,
            Event::RegisteredThings {
                generation,
                result: Ok(links),
            },
            now(),
        ))
    }

    fn adopted(
        flow: &mut Flow,
        generation: Generation,
        device: &str,
        result: Result<String, ServiceError>,
    ) -> Vec<Effect> {
        calls(update(
            flow,
            Event::Adopted {
                generation,
                device_id: device.into(),
                result,
            },
            now(),
        ))
    }

    fn adoption_generation(flow: &Flow) -> Generation {
        view(flow).adoption.as_ref().expect("adopting").generation
    }

    #[test]
    fn opening_devices_starts_a_discovery_whose_token_comes_from_the_seed() {
        let mut flow = flow_in_manage();
        let effects = send(&mut flow, Intent::ShowDevices("aa-ok".into()));
        assert_eq!(flow.step, Step::Devices);
        let (generation, client_token) = started(&effects);
        assert_eq!(
            client_token,
            token::derived(SEED, "disc", &["aa-ok", &generation.to_string()])
        );
        assert_eq!(
            view(&flow).discovery,
            DiscoveryState::Starting { generation }
        );
        // Another discovery of the account is running: wait, then ask again with the same
        // token (the same discovery, were the first answer lost).
        let effects = calls(update(
            &mut flow,
            Event::DiscoveryStarted {
                generation,
                result: Err(ServiceError::new(ErrorKind::Conflict, "one at a time")),
            },
            now(),
        ));
        assert_eq!(
            effects,
            [Effect::Wake {
                generation,
                after: DISCOVERY_POLL
            }]
        );
        assert!(matches!(&view(&flow).message, Some(Notice::Info(m)) if m.contains("Another")));
        let effects = calls(update(&mut flow, Event::Woke { generation }, now()));
        assert_eq!(started(&effects), (generation, client_token));
    }

    #[test]
    fn the_discovery_is_polled_until_it_succeeds_then_every_page_is_listed() {
        let (mut flow, generation) = opened();
        let effects = calls(update(
            &mut flow,
            Event::DiscoveryStarted {
                generation,
                result: Ok("disc-1".into()),
            },
            now(),
        ));
        let wake = [Effect::Wake {
            generation,
            after: DISCOVERY_POLL,
        }];
        assert_eq!(effects, wake);
        // A stale timer asks nothing.
        assert!(
            calls(update(
                &mut flow,
                Event::Woke {
                    generation: generation + 100
                },
                now()
            ))
            .is_empty()
        );
        let effects = calls(update(&mut flow, Event::Woke { generation }, now()));
        assert_eq!(
            effects,
            [Effect::GetDiscovery {
                generation,
                id: "disc-1".into()
            }]
        );
        // Still running, or a passing error: ask again in a moment.
        assert_eq!(
            polled(&mut flow, generation, DiscoveryStatus::Running),
            wake
        );
        let effects = calls(update(
            &mut flow,
            Event::DiscoveryPolled {
                generation,
                result: Err(ServiceError::new(ErrorKind::Throttled, "slow down")),
            },
            now(),
        ));
        // A passing error waits out a backoff and says so.
        let retrying = view(&flow).retrying.clone().expect("retrying");
        assert_eq!(
            effects,
            [Effect::Wake {
                generation,
                after: retrying.after
            }]
        );
        assert!(
            matches!(&view(&flow).message, Some(Notice::Info(m)) if m.starts_with("throttled — retrying in"))
        );
        assert!(view(&flow).items.is_empty());
        let effects = polled(&mut flow, generation, DiscoveryStatus::Succeeded);
        assert_eq!(
            effects,
            [Effect::ListDiscoveredDevices {
                generation,
                id: "disc-1".into(),
                next_token: None
            }]
        );
        let mut all = devices();
        let last = all.split_off(2);
        let effects = page(&mut flow, generation, all, Some("p2"));
        assert_eq!(
            effects,
            [Effect::ListDiscoveredDevices {
                generation,
                id: "disc-1".into(),
                next_token: Some("p2".into())
            }]
        );
        assert!(matches!(
            view(&flow).discovery,
            DiscoveryState::Listing { .. }
        ));
        assert!(page(&mut flow, generation, last, None).is_empty());
        assert_eq!(
            view(&flow).discovery,
            DiscoveryState::Done {
                id: "disc-1".into()
            }
        );
        assert_eq!(view(&flow).items, devices());
        assert_eq!(view(&flow).matches, [0, 1, 2]);
        assert_eq!(counts(&flow), (Some(3), Some(0)));
    }

    #[test]
    fn a_failed_discovery_says_so_and_enter_starts_another() {
        let (mut flow, generation) = opened();
        update(
            &mut flow,
            Event::DiscoveryStarted {
                generation,
                result: Ok("disc-1".into()),
            },
            now(),
        );
        update(&mut flow, Event::Woke { generation }, now());
        assert!(polled(&mut flow, generation, DiscoveryStatus::Failed).is_empty());
        assert!(
            matches!(&view(&flow).discovery, DiscoveryState::Failed(m) if m.contains("FAILED")),
            "{:?}",
            view(&flow).discovery
        );
        assert_eq!(counts(&flow), (None, None));
        let (again, token) = started(&send(&mut flow, Intent::Next));
        assert_ne!(again, generation, "a new discovery");
        assert_eq!(
            token,
            token::derived(SEED, "disc", &["aa-ok", &again.to_string()])
        );
        // A call that fails outright fails the discovery too.
        update(
            &mut flow,
            Event::DiscoveryStarted {
                generation: again,
                result: Err(ServiceError::new(ErrorKind::AccessDenied, "no")),
            },
            now(),
        );
        assert!(
            matches!(&view(&flow).discovery, DiscoveryState::Failed(m) if m.contains("no")),
            "{:?}",
            view(&flow).discovery
        );
    }

    #[test]
    fn devices_are_selected_one_by_one_all_or_none_and_managed_ones_never() {
        let mut items = devices();
        items[1].managed_thing_id = Some("thing-0".into());
        let mut flow = listed(items);
        send(&mut flow, Intent::ToggleDevice("d1".into()));
        send(&mut flow, Intent::ToggleDevice("d2".into()));
        assert_eq!(
            view(&flow).selected.iter().collect::<Vec<_>>(),
            ["d1"],
            "a managed thing already is not selectable"
        );
        send(&mut flow, Intent::ToggleDevice("d1".into()));
        assert!(view(&flow).selected.is_empty(), "a second toggle unselects");
        send(&mut flow, Intent::SelectAllDevices(true));
        assert_eq!(
            view(&flow).selected.iter().collect::<Vec<_>>(),
            ["d1", "d3"]
        );
        send(&mut flow, Intent::SelectAllDevices(false));
        assert!(view(&flow).selected.is_empty());
        // Nothing selected: adopting says so, Enter leaves.
        assert!(calls(send(&mut flow, Intent::AdoptSelected)).is_empty());
        assert!(
            matches!(&view(&flow).message, Some(Notice::Error(m)) if m.contains("Nothing to adopt"))
        );
        send(&mut flow, Intent::Next);
        assert_eq!(flow.step, Step::Manage, "back to the list it came from");
    }

    #[test]
    fn enter_adopts_the_selection_a_few_at_a_time_with_a_token_per_device() {
        let items: Vec<DiscoveredDevice> = (1..=6)
            .map(|i| device(&format!("d{i}"), &format!("Lamp {i}"), "Acme", "Light"))
            .collect();
        let mut flow = listed(items);
        send(&mut flow, Intent::SelectAllDevices(true));
        send(&mut flow, Intent::ToggleDevice("d2".into()));
        let effects = send(&mut flow, Intent::Next);
        assert_eq!(adopted_ids(&effects), ["d1", "d3", "d4", "d5"]);
        assert_eq!(ADOPT_CONCURRENCY, 4);
        let request = effects
            .iter()
            .find_map(|e| match e {
                Effect::AdoptDevice { request, .. } => Some(request.clone()),
                _ => None,
            })
            .unwrap();
        assert_eq!(request.association_id, "aa-ok");
        assert_eq!(request.discovery_id, "disc-1");
        assert_eq!(request.client_token, thing_token("d1"));
        assert_eq!(request.device.auth_material, "material-d1");
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::Persist(Some(_)))),
            "journaled before the calls: {effects:?}"
        );
        // One answered: the next one goes.
        let generation = adoption_generation(&flow);
        let effects = adopted(&mut flow, generation, "d3", Ok("thing-3".into()));
        assert_eq!(adopted_ids(&effects), ["d6"]);
    }

    #[test]
    fn an_adopted_device_is_managed_and_a_failed_one_stays_selected_for_a_retry() {
        let mut flow = listed(devices());
        send(&mut flow, Intent::ToggleDevice("d1".into()));
        send(&mut flow, Intent::ToggleDevice("d3".into()));
        send(&mut flow, Intent::AdoptSelected);
        let generation = adoption_generation(&flow);
        // An answer of another adoption is not this one's.
        adopted(&mut flow, generation + 100, "d1", Ok("thing-x".into()));
        assert_eq!(view(&flow).items[0].managed_thing_id, None);
        adopted(&mut flow, generation, "d1", Ok("thing-1".into()));
        // Refused: waiting cannot mend it (a throttle or 5xx is retried by itself, below).
        let error = ServiceError::new(ErrorKind::Validation, "refused");
        adopted(&mut flow, generation, "d3", Err(error.clone()));
        let v = view(&flow);
        assert_eq!(v.items[0].managed_thing_id.as_deref(), Some("thing-1"));
        assert_eq!(v.items[2].managed_thing_id, None);
        assert_eq!(v.selected.iter().collect::<Vec<_>>(), ["d3"]);
        let adoption = v.adoption.as_ref().unwrap();
        assert!(adoption.finished());
        assert_eq!(adoption.done.get("d1").map(String::as_str), Some("thing-1"));
        assert_eq!(adoption.failed.get("d3"), Some(&error));
        assert!(
            matches!(&v.message, Some(Notice::Error(m)) if m == "1 adopted, 1 failed: r retries the failed ones")
        );
        // r adopts the failed one again, with the same token.
        let effects = calls(send(&mut flow, Intent::RetryFailedAdoptions));
        match &effects[..] {
            [Effect::AdoptDevice { request, .. }] => {
                assert_eq!(request.device.connector_device_id, "d3");
                assert_eq!(request.client_token, thing_token("d3"), "the same token");
            }
            other => panic!("{other:?}"),
        }
        adopted(&mut flow, generation, "d3", Ok("thing-3".into()));
        let v = view(&flow);
        assert!(v.selected.is_empty());
        assert!(matches!(&v.message, Some(Notice::Info(m)) if m.starts_with("Adopted 2 devices")));
        assert_eq!(counts(&flow), (Some(3), Some(2)));
        // All adopted: Enter leaves.
        send(&mut flow, Intent::Next);
        assert_eq!(flow.step, Step::Manage);
    }

    #[test]
    fn enter_after_a_failure_adopts_the_failed_one_again() {
        let mut flow = listed(devices());
        send(&mut flow, Intent::ToggleDevice("d2".into()));
        send(&mut flow, Intent::Next);
        let generation = adoption_generation(&flow);
        adopted(
            &mut flow,
            generation,
            "d2",
            Err(ServiceError::new(ErrorKind::Conflict, "in the way")),
        );
        let effects = send(&mut flow, Intent::Next);
        assert_eq!(adopted_ids(&effects), ["d2"]);
        assert_eq!(flow.step, Step::Devices);
    }

    #[test]
    fn keys_wait_while_a_discovery_or_an_adoption_is_under_way() {
        let (mut flow, generation) = opened();
        assert!(flow.waiting());
        for intent in [Intent::StartDiscovery, Intent::Next, Intent::AdoptSelected] {
            assert!(calls(send(&mut flow, intent)).is_empty());
        }
        assert_eq!(
            view(&flow).discovery,
            DiscoveryState::Starting { generation }
        );
        let mut flow = listed(devices());
        send(&mut flow, Intent::SelectAllDevices(true));
        let effects = send(&mut flow, Intent::AdoptSelected);
        assert_eq!(adopted_ids(&effects), ["d1", "d2", "d3"]);
        assert!(flow.waiting());
        for intent in [
            Intent::StartDiscovery,
            Intent::AdoptSelected,
            Intent::Next,
            Intent::RetryFailedAdoptions,
        ] {
            assert!(calls(send(&mut flow, intent)).is_empty());
        }
        assert!(
            matches!(view(&flow).discovery, DiscoveryState::Done { .. }),
            "no new discovery"
        );
        assert_eq!(view(&flow).adoption.as_ref().unwrap().in_flight.len(), 3);
        send(&mut flow, Intent::Back);
        assert_eq!(flow.step, Step::Devices, "Esc waits for the adoption");
        assert!(
            flow.notice
                .as_deref()
                .is_some_and(|n| n.starts_with("Adopting"))
        );
    }

    #[test]
    fn a_resume_adopts_only_what_is_left_with_the_same_tokens() {
        let journal = crate::journal::Journal {
            devices: Some(DevicesJournal {
                association_id: "aa-ok".into(),
                association_name: "Kitchen".into(),
                discovery_id: "disc-1".into(),
                selected: vec!["d2".into(), "d3".into()],
                from_manage: true,
            }),
            ..saved_journal()
        };
        let mut flow = flow_with_resume(journal);
        let effects = calls(send(&mut flow, Intent::Resume));
        assert_eq!(flow.step, Step::Devices);
        let generation = match &effects[..] {
            [
                Effect::ListDiscoveredDevices {
                    generation,
                    id,
                    next_token: None,
                },
            ] if id == "disc-1" => *generation,
            other => panic!("{other:?}"),
        };
        // d2 was adopted before the session was lost: it lists as managed, and registered.
        let mut items = devices();
        items[1].managed_thing_id = Some("thing-2".into());
        let effects = page(&mut flow, generation, items, None);
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::ListRegisteredThings { .. }))
        );
        let effects = links(
            &mut flow,
            generation,
            vec![ThingLink {
                managed_thing_id: "thing-2".into(),
                associated: true,
            }],
        );
        let requests: Vec<(String, String)> = effects
            .iter()
            .filter_map(|e| match e {
                Effect::AdoptDevice { request, .. } => Some((
                    request.device.connector_device_id.clone(),
                    request.client_token.clone(),
                )),
                _ => None,
            })
            .collect();
        assert_eq!(requests, [("d3".to_string(), thing_token("d3"))]);
        assert_eq!(view(&flow).selected.iter().collect::<Vec<_>>(), ["d3"]);
    }

    #[test]
    fn a_thing_left_part_way_is_registered_not_created_again() {
        // A run stopped between CreateManagedThing and RegisterAccountAssociation for d1: it
        // lists as managed, but its link is only PRE_ASSOCIATED.
        let (mut flow, generation) = opened();
        discovery_succeeded(&mut flow, generation);
        let mut items = devices();
        items[0].managed_thing_id = Some("thing-1".into());
        items[1].managed_thing_id = Some("thing-2".into());
        page(&mut flow, generation, items, None);
        links(
            &mut flow,
            generation,
            vec![
                ThingLink {
                    managed_thing_id: "thing-1".into(),
                    associated: false,
                },
                ThingLink {
                    managed_thing_id: "thing-2".into(),
                    associated: true,
                },
            ],
        );
        // Select all: the part-way d1 and the new d3, not the registered d2.
        send(&mut flow, Intent::SelectAllDevices(true));
        assert_eq!(
            view(&flow).selected.iter().collect::<Vec<_>>(),
            ["d1", "d3"]
        );
        let effects = calls(send(&mut flow, Intent::AdoptSelected));
        let requests: Vec<_> = effects
            .iter()
            .filter_map(|e| match e {
                Effect::AdoptDevice { request, .. } => Some(request.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(requests.len(), 2);
        assert_eq!(requests[0].managed_thing_id.as_deref(), Some("thing-1"));
        assert_eq!(requests[1].managed_thing_id, None, "d3 is created");
        let generation = adoption_generation(&flow);
        adopted(&mut flow, generation, "d1", Ok("thing-1".into()));
        assert!(view(&flow).partway.is_empty());
    }

    #[test]
    fn what_is_copied_from_the_discovery_is_made_to_fit_create_managed_thing() {
        let mut items = devices();
        items[0].brand = "Müller & Co.".into();
        items[0].model = "Lamp v2.1 (EU)".into();
        items[0].name = "Küche (links)".into();
        let mut flow = listed(items);
        send(&mut flow, Intent::ToggleDevice("d1".into()));
        let effects = calls(send(&mut flow, Intent::AdoptSelected));
        let [Effect::AdoptDevice { request, .. }] = &effects[..] else {
            panic!("{effects:?}")
        };
        assert_eq!(request.brand.as_deref(), Some("Muller Co"));
        assert_eq!(request.model.as_deref(), Some("Lamp v2 1 EU"));
        assert_eq!(request.name.as_deref(), Some("Küche links"));
    }

    #[test]
    fn a_discovery_error_waiting_cannot_mend_ends_it_and_a_passing_one_is_retried() {
        let (mut flow, generation) = opened();
        // 5xx at the start: asked again after a backoff, with the same token.
        let effects = calls(update(
            &mut flow,
            Event::DiscoveryStarted {
                generation,
                result: Err(ServiceError::new(ErrorKind::ServerError, "boom")),
            },
            now(),
        ));
        assert!(matches!(&effects[..], [Effect::Wake { .. }]), "{effects:?}");
        let again = calls(update(&mut flow, Event::Woke { generation }, now()));
        assert_eq!(started(&again).0, generation);
        discovery_succeeded(&mut flow, generation);
        // A page lost in passing is asked for again, from the same token.
        page(&mut flow, generation, devices()[..1].to_vec(), Some("p2"));
        let effects = page_error(&mut flow, generation, ErrorKind::Throttled);
        assert!(matches!(&effects[..], [Effect::Wake { .. }]));
        let effects = calls(update(&mut flow, Event::Woke { generation }, now()));
        assert_eq!(
            effects,
            [Effect::ListDiscoveredDevices {
                generation,
                id: "disc-1".into(),
                next_token: Some("p2".into())
            }]
        );
        // Access denied cannot get better: the discovery ends with the reason.
        page_error(&mut flow, generation, ErrorKind::AccessDenied);
        assert!(matches!(view(&flow).discovery, DiscoveryState::Failed(_)));
    }

    fn page_error(flow: &mut Flow, generation: Generation, kind: ErrorKind) -> Vec<Effect> {
        calls(update(
            flow,
            Event::DevicesPage {
                generation,
                result: Err(ServiceError::new(kind, "no")),
            },
            now(),
        ))
    }

    #[test]
    fn the_links_after_the_listing_are_asked_again_after_a_backoff_not_at_once() {
        let (mut flow, generation) = opened();
        discovery_succeeded(&mut flow, generation);
        let mut items = devices();
        items[0].managed_thing_id = Some("thing-1".into());
        page(&mut flow, generation, items, None);
        let effects = calls(update(
            &mut flow,
            Event::RegisteredThings {
                generation,
                result: Err(ServiceError::new(ErrorKind::Throttled, "slow down")),
            },
            now(),
        ));
        assert!(matches!(&effects[..], [Effect::Wake { .. }]), "{effects:?}");
        let effects = calls(update(&mut flow, Event::Woke { generation }, now()));
        assert!(
            matches!(&effects[..], [Effect::ListRegisteredThings { association_id, .. }] if association_id == "aa-ok"),
            "{effects:?}"
        );
        links(
            &mut flow,
            generation,
            vec![ThingLink {
                managed_thing_id: "thing-1".into(),
                associated: true,
            }],
        );
        assert_eq!(
            view(&flow).discovery,
            DiscoveryState::Done {
                id: "disc-1".into()
            }
        );
    }

    #[test]
    fn throttled_adoptions_are_retried_by_themselves_with_backoff() {
        let mut flow = listed(devices());
        send(&mut flow, Intent::SelectAllDevices(true));
        send(&mut flow, Intent::AdoptSelected);
        let generation = adoption_generation(&flow);
        let throttled = || Err(ServiceError::new(ErrorKind::Throttled, "slow down"));
        let effects = adopted(&mut flow, generation, "d1", throttled());
        let after = effects
            .iter()
            .find_map(|e| match e {
                Effect::Wake {
                    generation: g,
                    after,
                } if *g == generation => Some(*after),
                _ => None,
            })
            .expect("a retry timer");
        // The second one throttled in the same round waits for the same timer.
        let effects = adopted(&mut flow, generation, "d2", throttled());
        assert!(!effects.iter().any(|e| matches!(e, Effect::Wake { .. })));
        adopted(&mut flow, generation, "d3", Ok("thing-3".into()));
        let adoption = view(&flow).adoption.clone().unwrap();
        assert!(!adoption.finished(), "not over while some wait for a retry");
        assert!(adoption.failed.is_empty());
        assert_eq!(adoption.retrying.as_ref().map(|r| r.after), Some(after));
        let effects = update(&mut flow, Event::Woke { generation }, now());
        assert_eq!(adopted_ids(&effects), ["d1", "d2"]);
        adopted(&mut flow, generation, "d1", Ok("thing-1".into()));
        adopted(&mut flow, generation, "d2", Ok("thing-2".into()));
        let adoption = view(&flow).adoption.clone().unwrap();
        assert!(adoption.finished());
        assert_eq!(adoption.done.len(), 3);
    }

    #[test]
    fn the_filter_narrows_the_list_by_name_brand_type_or_id() {
        let mut flow = listed(devices());
        send(&mut flow, Intent::FilterDevices("acme".into()));
        assert_eq!(view(&flow).matches, [0, 2]);
        send(&mut flow, Intent::FilterDevices("PLUG".into()));
        assert_eq!(view(&flow).matches, [1]);
        send(&mut flow, Intent::FilterDevices("porch light".into()));
        assert_eq!(view(&flow).matches, [2]);
        send(&mut flow, Intent::FilterDevices("d1".into()));
        assert_eq!(view(&flow).matches, [0]);
        send(&mut flow, Intent::FilterDevices(String::new()));
        assert_eq!(view(&flow).matches, [0, 1, 2]);
    }

    #[test]
    fn select_all_none_and_adopting_act_on_the_rows_the_filter_shows() {
        let mut flow = listed(devices());
        send(&mut flow, Intent::FilterDevices("acme".into()));
        send(&mut flow, Intent::SelectAllDevices(true));
        assert_eq!(
            view(&flow).selected.iter().collect::<Vec<_>>(),
            ["d1", "d3"],
            "the hidden plug is not selected"
        );
        assert_eq!((view(&flow).selected_shown(), view(&flow).hidden()), (2, 1));
        // A row selected before the filter hid it stays selected but is not adopted unseen.
        send(&mut flow, Intent::FilterDevices(String::new()));
        send(&mut flow, Intent::ToggleDevice("d2".into()));
        send(&mut flow, Intent::FilterDevices("plug".into()));
        send(&mut flow, Intent::SelectAllDevices(false));
        send(&mut flow, Intent::FilterDevices("acme".into()));
        assert_eq!(
            view(&flow).selected.iter().collect::<Vec<_>>(),
            ["d1", "d3"],
            "select-none cleared only the shown plug"
        );
        send(&mut flow, Intent::FilterDevices("porch".into()));
        let effects = send(&mut flow, Intent::Next);
        assert_eq!(adopted_ids(&effects), ["d3"]);
    }

    #[test]
    fn picks_are_numbers_and_ranges_of_the_list_shown() {
        assert_eq!(picks("1,3-5", 5), Ok(vec![1, 3, 4, 5]));
        assert_eq!(picks("2 1 2", 3), Ok(vec![1, 2]));
        for bad in ["0", "6", "3-2", "x", ""] {
            assert!(picks(bad, 5).is_err(), "{bad}");
        }
    }
}
