//! The question of each step, as one prompt line.

use super::Plain;
use iotmi_core::flow::{
    self, DetailsField, DiscoveryState, LIST_MAX, Load, ManageCommand, OwnerAction, RefreshState,
    Step, SubmitState, owner_actions, validate,
};
use iotmi_core::service::AssociationState;
use iotmi_core::text::{elapsed_text, sanitize};

impl Plain {
    /// The prompt of the current step, or `None` while the flow waits for the service. Prints
    /// nothing: it is also called to see whether arriving events changed the question.
    pub(crate) fn prompt(&self) -> Option<String> {
        let flow = &self.flow;
        if flow.question().is_some() {
            return Some(format!("{} Quit anyway? [y/N]: ", flow::quit_warning(flow)));
        }
        if self.flow.waiting() {
            return None;
        }
        Some(match flow.step() {
            // A batch asks nothing: it runs, follows its rows and ends by itself.
            Step::Batch => return None,
            Step::Start if flow.picking_profile() => match &self.shown.profile {
                None => {
                    let last = flow
                        .opts()
                        .last_profile
                        .as_ref()
                        .map(|l| format!(" [Enter: {}]", sanitize(&l.profile)))
                        .unwrap_or_default();
                    format!(
                        "Profile: {} or its name{last}: ",
                        flow::numbers(flow.opts().profiles.len())
                    )
                }
                Some((_, region)) => format!("Region [Enter: {}]: ", sanitize(region)),
            },
            Step::Start => "Create a new association (c) or manage existing ones (m)? ".into(),
            Step::Resume => match flow.second_run() {
                Some(held) => format!(
                    "{}\nMake a second association? [y/N]: ",
                    flow::second_run_summary(held)
                ),
                None => format!("{}\nResume it? [Y/n]: ", flow::resume_summary(flow)?),
            },
            Step::Destination => {
                if flow.destinations().load == Load::Loading || flow.destinations().more {
                    return None;
                }
                if let Load::Failed(_) = &flow.destinations().load {
                    return Some("Retry? [Y/n]: ".into());
                }
                // The question follows the list, which waits for the connectors' names.
                if !flow.destinations().connectors_answered {
                    return None;
                }
                let default = flow
                    .opts()
                    .prefill
                    .destination
                    .as_ref()
                    .and_then(|id| flow.listed_destination(id))
                    .map(|d| format!(" [Enter: {} ({})]", sanitize(&d.name), sanitize(&d.id)))
                    .unwrap_or_default();
                let count = flow.destinations().matches.len();
                if count <= LIST_MAX {
                    format!(
                        "Destination: {}, or text to filter{default}: ",
                        flow::numbers(count)
                    )
                } else {
                    format!("Filter: type text to narrow the list{default}: ")
                }
            }
            Step::Details => match self.details_field() {
                DetailsField::Name => format!(
                    "Name ({}) [Enter: {}]: ",
                    validate::NAME_CHARS_HINT,
                    sanitize(&flow.details().name)
                ),
                DetailsField::Description if flow.details().description.is_empty() => {
                    "Description, optional [Enter: none]: ".into()
                }
                DetailsField::Description => format!(
                    "Description, optional [Enter: {}; '-' for none]: ",
                    sanitize(&flow.details().description)
                ),
            },
            Step::Tags => "Tag: ".into(),
            Step::Auth => {
                let materials = &flow.destination().as_ref()?.auth_materials;
                let hint = flow
                    .auth_material()
                    .as_ref()
                    .map(|m| format!(" [Enter: {}]", sanitize(m)))
                    .unwrap_or_default();
                // "type 1": a bare "1" after the colon reads as if it were answered.
                format!(
                    "Authorization material: type {} or its name{hint}: ",
                    flow::numbers(materials.len())
                )
            }
            Step::Review if self.shown.editing => format!(
                "Edit which? 1 destination, 2 name, 3 description, 4 tags{}: ",
                if flow.uses_general_authorization() {
                    ", 5 authorization material"
                } else {
                    ""
                }
            ),
            Step::Review => "Create it? y = create, e = edit, q = quit: ".into(),
            Step::Submit => match &flow.submit() {
                SubmitState::Failed(error) if error.is_retryable() => {
                    "Retry with the same request and ClientToken? [Y/n]: ".into()
                }
                SubmitState::Failed(_) => "Edit the values and review again? [Y/n]: ".into(),
                _ => return None,
            },
            Step::Authorize | Step::Status => {
                let tracked = flow.association().as_ref()?;
                if let Some(polling) = flow.polling().as_ref().filter(|p| p.asking_timeout) {
                    format!(
                        "Still {} after {}. Keep waiting? [y/N]: ",
                        tracked.state,
                        elapsed_text(flow.now().saturating_duration_since(polling.started))
                    )
                } else if tracked.state == AssociationState::RefreshTokenExpired
                    && !matches!(flow.refresh(), RefreshState::InFlight { .. })
                {
                    "The refresh token expired. Refresh it now (a new consent URL)? [Y/n]: ".into()
                } else if self.owner_offer_open() {
                    "Demo: answer as the account owner? a = approve, d = deny, Enter = wait for a \
                     browser: "
                        .into()
                } else {
                    return None;
                }
            }
            // After success: the devices are offered once; otherwise the run ends here.
            Step::Done if flow.offers_devices() => {
                "Discover the account's devices and adopt them now? [y/N]: ".into()
            }
            Step::Done => return None,
            Step::Devices => return self.devices_prompt(),
            Step::Manage => return self.manage_prompt(),
        })
    }

    /// `demo` waits for consent: the operator may answer as the account owner.
    pub(super) fn owner_offer_open(&self) -> bool {
        !self.shown.owner_declined && owner_actions(&self.flow).contains(&OwnerAction::Approve)
    }

    pub(super) fn details_field(&self) -> DetailsField {
        self.flow
            .details()
            .error_field
            .or(self.shown.field)
            .unwrap_or(DetailsField::Name)
    }

    pub(super) fn devices_prompt(&self) -> Option<String> {
        let view = self.flow.devices().as_ref()?;
        match (&view.discovery, &view.adoption) {
            (DiscoveryState::Failed(_), _) => Some("Discover again? [Y/n]: ".into()),
            (DiscoveryState::Done { .. }, None) if view.items.is_empty() => None,
            (DiscoveryState::Done { .. }, None) => Some(format!(
                "Adopt which? all, none, or numbers such as 1,3-5 (of {}): ",
                view.items.len()
            )),
            (DiscoveryState::Done { .. }, Some(adoption))
                if adoption.finished() && !adoption.failed.is_empty() =>
            {
                Some(format!(
                    "Retry the {} that failed? [Y/n]: ",
                    adoption.failed.len()
                ))
            }
            _ => None,
        }
    }

    pub(super) fn manage_prompt(&self) -> Option<String> {
        let view = self.flow.manage();
        if view.load == Load::Loading || view.more || view.fetching || view.report.is_some() {
            return None;
        }
        if let Some(id) = &view.confirm_delete {
            let word = view.find(id).map(flow::confirmation_word);
            let word = sanitize(word.as_deref().unwrap_or(id)).into_owned();
            return Some(format!(
                "Type {word:?} to delete it (Enter alone cancels): "
            ));
        }
        if let Some(deletion) = view.deletion.as_ref().filter(|d| d.awaits_retry()) {
            let word = sanitize(&deletion.word);
            return Some(format!(
                "r retries the failed ones, b leaves {word} as it is: "
            ));
        }
        let Some(picked) = view.picked.as_ref().and_then(|id| view.find(id)) else {
            // A filter in force is said, with how to leave it.
            let (matching, enter) = match view.filter.as_str() {
                "" => (String::new(), ""),
                filter => (
                    format!(" (matching '{}')", sanitize(filter)),
                    ", Enter alone shows all",
                ),
            };
            return Some(format!(
                "Association{matching}: a number, or text to filter{enter}; w writes a report of \
                 the list; q quits: "
            ));
        };
        let keys: Vec<String> = ManageCommand::ALL
            .into_iter()
            .filter(|c| c.offered(&picked.state))
            .map(|c| format!("{} {}", c.key(), c.label()))
            .collect();
        Some(format!(
            "{} ({}): {}, b back: ",
            sanitize(&picked.id),
            picked.state,
            keys.join(", ")
        ))
    }
}
