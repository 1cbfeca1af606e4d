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
use super::{Flow, Generation, manage, nav, token};
use crate::filter::{device_haystack, matching};
use crate::service::{
    AdoptRequest, AssociationState, DiscoveredDevice, Discovery, DiscoveryStatus, Page,
    ServiceError,
};

/// Devices adopted at once: enough to be quick, few enough to stay under the service's limits.
pub const ADOPT_CONCURRENCY: usize = 4;
/// How often a running discovery is asked about.
pub const DISCOVERY_POLL: Duration = Duration::from_secs(1);

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
                .any(|d| d.connector_device_id == id && d.managed_thing_id.is_none());
            if !view.selected.remove(&id) && adoptable {
                view.selected.insert(id);
            }
            Vec::new()
        }
        Intent::SelectAllDevices(all) => {
            view.selected = if all {
                view.items
                    .iter()
                    .filter(|d| d.managed_thing_id.is_none())
                    .map(|d| d.connector_device_id.clone())
                    .collect()
            } else {
                Default::default()
            };
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
    flow.devices = Some(DevicesView {
        association_id: id,
        association_name: name,
        discovery: DiscoveryState::Idle,
        items: Vec::new(),
        haystacks: Vec::new(),
        filter: String::new(),
        matches: Vec::new(),
        selected: Default::default(),
        adoption: None,
        message: None,
        from_manage,
    });
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
        Err(error) => {
            view.discovery = DiscoveryState::Failed(super::error_line(&error));
            Vec::new()
        }
    }
}

pub fn on_woke(flow: &mut Flow, generation: Generation) -> Vec<Effect> {
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
    match result.map(|d| d.status) {
        Ok(DiscoveryStatus::Succeeded) => {
            view.discovery = DiscoveryState::Listing {
                id: id.clone(),
                generation,
            };
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
        // Still running, or a passing error: ask again in a moment.
        Ok(DiscoveryStatus::Running) | Err(_) => vec![Effect::Wake {
            generation,
            after: DISCOVERY_POLL,
        }],
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
            view.haystacks
                .extend(page.items.iter().map(device_haystack));
            view.items.extend(page.items);
            refilter(view);
            match page.next_token.filter(|t| !t.is_empty()) {
                Some(token) => vec![Effect::ListDiscoveredDevices {
                    generation,
                    id,
                    next_token: Some(token),
                }],
                None => {
                    view.discovery = DiscoveryState::Done { id };
                    resume_adoption(flow)
                }
            }
        }
        Err(error) => {
            view.discovery = DiscoveryState::Failed(super::error_line(&error));
            Vec::new()
        }
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
    // What is managed already (adopted before a lost session) is not adopted again.
    for managed in view.items.iter().filter(|d| d.managed_thing_id.is_some()) {
        view.selected.remove(&managed.connector_device_id);
    }
    let queue: std::collections::VecDeque<String> = view
        .items
        .iter()
        .filter(|d| view.selected.contains(&d.connector_device_id))
        .map(|d| d.connector_device_id.clone())
        .collect();
    if queue.is_empty() {
        view.message = Some(Notice::Error(
            "Nothing to adopt: select devices first (Space, or a for all)".into(),
        ));
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
        effects.push(Effect::AdoptDevice {
            generation: adoption.generation,
            request: AdoptRequest {
                association_id: view.association_id.clone(),
                discovery_id: discovery_id.to_string(),
                // One token per device and association, whatever the retry or the rerun.
                client_token: token::derived(&seed, "thing", &[&view.association_id, &device_id]),
                device: device.clone(),
            },
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
            adoption.done.insert(device_id, thing);
        }
        Err(error) => {
            adoption.failed.insert(device_id, error);
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
        association_id: saved.association_id,
        association_name: saved.association_name,
        discovery: DiscoveryState::Listing {
            id: saved.discovery_id.clone(),
            generation,
        },
        items: Vec::new(),
        haystacks: Vec::new(),
        filter: String::new(),
        matches: Vec::new(),
        selected: saved.selected.into_iter().collect(),
        // A marker: once listed, the selection is adopted (see `resume_adoption`).
        adoption: Some(Adoption::default()),
        message: Some(Notice::Info(
            "Adopting the rest of the devices chosen before".into(),
        )),
        from_manage: saved.from_manage,
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
