//! Each answer parsed into the flow's intents.

use super::{Plain, say, yes_no, yes_or};
use iotmi_core::flow::{
    self, Deletion, DestinationAnswer, DetailsField, DiscoveryState, Intent, Load, ManageCommand,
    OwnerAction, ReviewRow, Step, SubmitState, validate,
};
use iotmi_core::text::sanitize;

impl Plain {
    /// The answer as intents for the current step.
    pub(crate) fn answer(&mut self, answer: &str) -> Vec<Intent> {
        let flow = &self.flow;
        if flow.question().is_some() {
            return yes_or(answer, false, Intent::ConfirmQuit, Intent::CancelQuit);
        }
        match flow.step() {
            // No prompt is shown on a batch; a line typed anyway changes nothing.
            Step::Batch => Vec::new(),
            Step::Start if flow.picking_profile() => self.answer_profile(answer),
            Step::Done => match (yes_no(answer, false), &flow.association()) {
                (None, _) => Vec::new(),
                (Some(true), Some(tracked)) => vec![Intent::ShowDevices(tracked.id.clone())],
                _ => vec![Intent::Quit { interrupted: false }],
            },
            Step::Devices => self.answer_devices(answer),
            Step::Start => match answer {
                "m" | "manage" => vec![Intent::StartManage],
                _ => vec![Intent::StartCreate],
            },
            Step::Resume if flow.second_run().is_some() => yes_no(answer, false)
                .map(Intent::MakeSecond)
                .into_iter()
                .collect(),
            // `d` starts fresh, as the TUI's key does.
            Step::Resume if matches!(answer, "d" | "discard") => vec![Intent::Discard],
            Step::Resume => yes_or(answer, true, Intent::Resume, Intent::Discard),
            Step::Destination => self.answer_destination(answer),
            Step::Details => self.answer_details(answer),
            Step::Tags => match answer {
                "" => vec![Intent::Next],
                "clear" => vec![Intent::ClearTags],
                _ => vec![Intent::PasteTags(answer.to_string())],
            },
            Step::Auth => match flow::material_by_answer(flow, answer) {
                Some(material) => vec![Intent::ChooseMaterial(material)],
                None => {
                    let count = flow.destination().as_ref().map(|d| d.auth_materials.len());
                    say(&format!(
                        "Type {}.",
                        flow::numbers(count.unwrap_or_default())
                    ));
                    Vec::new()
                }
            },
            Step::Review if self.shown.editing => {
                self.shown.editing = false;
                let rows = flow.review_rows();
                match answer
                    .parse::<usize>()
                    .ok()
                    .and_then(|n| rows.get(n.wrapping_sub(1)))
                {
                    Some(row) => {
                        if *row == ReviewRow::Description {
                            self.shown.field = Some(DetailsField::Description);
                        }
                        vec![Intent::EditRow(*row)]
                    }
                    None => Vec::new(),
                }
            }
            Step::Review => match answer.to_lowercase().as_str() {
                "y" | "yes" => vec![Intent::Submit],
                "e" | "edit" => {
                    self.shown.editing = true;
                    Vec::new()
                }
                "q" | "quit" | "n" | "no" => vec![Intent::Quit { interrupted: false }],
                _ => {
                    say("Type y, e or q.");
                    Vec::new()
                }
            },
            Step::Submit => match (&flow.submit(), yes_no(answer, true)) {
                (_, None) => Vec::new(),
                (SubmitState::Failed(error), Some(true)) if error.is_retryable() => {
                    vec![Intent::Retry]
                }
                (SubmitState::Failed(_), Some(true)) => vec![Intent::EditDraft],
                _ => vec![Intent::Quit { interrupted: false }],
            },
            Step::Authorize | Step::Status if flow.asking_timeout() => {
                yes_or(answer, false, Intent::KeepWaiting, Intent::LeaveInProgress)
            }
            Step::Authorize | Step::Status if self.owner_offer_open() => {
                match answer.to_lowercase().as_str() {
                    "a" | "approve" => vec![Intent::ActAsOwner(OwnerAction::Approve)],
                    "d" | "deny" => vec![Intent::ActAsOwner(OwnerAction::Deny)],
                    _ => {
                        self.shown.owner_declined = true;
                        Vec::new()
                    }
                }
            }
            // The refresh of an expired token, the question left here.
            Step::Authorize | Step::Status => yes_or(
                answer,
                true,
                Intent::Refresh,
                Intent::Quit { interrupted: false },
            ),
            Step::Manage => self.answer_manage(answer),
        }
    }

    pub(super) fn answer_destination(&mut self, answer: &str) -> Vec<Intent> {
        let flow = &self.flow;
        if let Load::Failed(_) = flow.destinations().load {
            return yes_or(
                answer,
                true,
                Intent::ReloadDestinations,
                Intent::Quit { interrupted: false },
            );
        }
        let choose = |id: &str| {
            let name = flow.listed_destination(id).map(|d| d.name.as_str());
            say(&format!(
                "Destination: {} ({})",
                sanitize(name.unwrap_or_default()),
                sanitize(id)
            ));
            vec![Intent::ChooseDestination(id.to_string())]
        };
        let intents = match flow::resolve_destination(flow, answer) {
            DestinationAnswer::Choose(id) => return choose(&id),
            DestinationAnswer::Undecided => {
                say("Type a number from the list, or text to narrow it.");
                return Vec::new();
            }
            DestinationAnswer::NotListed { number, count } => {
                say(&format!(
                    "{number} is not in the list: type {}.",
                    flow::numbers(count)
                ));
                return Vec::new();
            }
            DestinationAnswer::NoMatch => {
                say(&format!(
                    "No destination matches '{}'; showing all.",
                    sanitize(answer)
                ));
                vec![Intent::FilterDestinations(String::new())]
            }
            DestinationAnswer::Filter(text) => vec![Intent::FilterDestinations(text)],
        };
        self.shown.numbered = None;
        intents
    }

    /// `all`, `none` (or nothing), or numbers and ranges of the list shown.
    pub(super) fn answer_devices(&mut self, answer: &str) -> Vec<Intent> {
        let Some(view) = self.flow.devices().as_ref() else {
            return Vec::new();
        };
        match (&view.discovery, &view.adoption) {
            (DiscoveryState::Failed(_), _) => yes_or(
                answer,
                true,
                Intent::StartDiscovery,
                Intent::Quit { interrupted: false },
            ),
            (DiscoveryState::Done { .. }, Some(_)) => {
                yes_or(answer, true, Intent::RetryFailedAdoptions, Intent::Next)
            }
            (DiscoveryState::Done { .. }, None) => match answer.to_lowercase().as_str() {
                "" | "none" | "n" => vec![Intent::SelectAllDevices(false), Intent::Next],
                "all" | "a" => vec![Intent::SelectAllDevices(true), Intent::AdoptSelected],
                numbers => match flow::device_picks(numbers, view.items.len()) {
                    Ok(picked) => {
                        let mut intents = vec![Intent::SelectAllDevices(false)];
                        intents.extend(picked.into_iter().map(|n| {
                            Intent::ToggleDevice(view.items[n - 1].connector_device_id.clone())
                        }));
                        intents.push(Intent::AdoptSelected);
                        intents
                    }
                    Err(why) => {
                        say(&why);
                        Vec::new()
                    }
                },
            },
            _ => Vec::new(),
        }
    }

    /// The profile (by number, name, or Enter for the last one), then its region.
    pub(super) fn answer_profile(&mut self, answer: &str) -> Vec<Intent> {
        let flow = &self.flow;
        if let Some((profile, region)) = self.shown.profile.take() {
            let region = if answer.is_empty() {
                region
            } else {
                answer.to_string()
            };
            return vec![Intent::ChooseProfile { profile, region }];
        }
        let Some(picked) = flow::profile_by_answer(flow, answer) else {
            say(&format!(
                "Type {} or a profile's name.",
                flow::numbers(flow.opts().profiles.len())
            ));
            return Vec::new();
        };
        let region = flow::region_for_profile(flow, &picked.name);
        self.shown.profile = Some((picked.name.clone(), region));
        Vec::new()
    }

    pub(super) fn answer_details(&mut self, answer: &str) -> Vec<Intent> {
        let flow = &self.flow;
        match self.details_field() {
            DetailsField::Name => {
                let value = if answer.is_empty() {
                    flow.details().name.clone()
                } else {
                    answer.to_string()
                };
                if let Some(message) = validate::name_error(&value) {
                    say(&format!("error: name: {message}"));
                    return Vec::new();
                }
                self.shown.field = Some(DetailsField::Description);
                vec![Intent::SetName(value)]
            }
            DetailsField::Description => {
                let value = match answer {
                    "" => flow.details().description.clone(),
                    "-" => String::new(),
                    _ => answer.to_string(),
                };
                if let Some(message) = validate::description_error(&value) {
                    say(&format!("error: description: {message}"));
                    return Vec::new();
                }
                self.shown.field = None;
                vec![Intent::SetDescription(value), Intent::Next]
            }
        }
    }

    /// The same letters as the TUI's Manage keys (`ManageCommand`); a delete is confirmed by
    /// typing the name at a prompt of its own.
    pub(super) fn answer_manage(&mut self, answer: &str) -> Vec<Intent> {
        let view = self.flow.manage();
        if let Some(id) = view.confirm_delete.clone() {
            // A second wrong name gets the same error as the first: forget the one printed so
            // every answer is told its outcome.
            self.shown.message = None;
            return vec![match answer {
                "" => Intent::CancelDelete,
                typed => Intent::Delete {
                    id,
                    typed: typed.to_string(),
                },
            }];
        }
        // Some deregistrations failed: r retries them (b leaves them, as Back does anywhere).
        if answer == "r" && view.deletion.as_ref().is_some_and(Deletion::awaits_retry) {
            return vec![Intent::RetryDeletion];
        }
        if let Some(id) = view.picked.clone() {
            return match ManageCommand::from_key(answer) {
                Some(command) => vec![command.intent(&id)],
                None if matches!(answer, "" | "b") => vec![Intent::Back],
                None => {
                    say("Type one of the letters shown, or b to go back to the list.");
                    Vec::new()
                }
            };
        }
        match answer {
            "q" | "quit" => vec![Intent::Quit { interrupted: false }],
            "" if view.filter.is_empty() => Vec::new(),
            // Enter alone leaves a filter (the prompt says so).
            "" => {
                self.shown.numbered = None;
                vec![Intent::FilterAssociations(String::new())]
            }
            // The report is of the list shown, so its letter works on the list too.
            _ if ManageCommand::from_key(answer) == Some(ManageCommand::WriteReport) => {
                vec![Intent::WriteReport]
            }
            _ => match flow::numbered_association(&self.flow, answer) {
                Some(id) => vec![Intent::PickAssociation(Some(id))],
                None => {
                    self.shown.numbered = None;
                    vec![Intent::FilterAssociations(answer.to_string())]
                }
            },
        }
    }
}
