//! What happened since the last prompt, said once.

use super::{Plain, say, say_all};
use crate::progress::BatchProgress;
use iotmi_core::flow::{self, DetailLoad, LIST_MAX, Load, Notice, RefreshState, Step, SubmitState};
use iotmi_core::text::sanitize;

impl Plain {
    /// What happened since the last prompt, printed once: the step's introduction, errors,
    /// the URL, state changes.
    pub(crate) fn report(&mut self) {
        if let Some(notice) = self.flow.take_notice() {
            say(&sanitize(&notice));
        }
        if self.flow.picking_profile() && !self.shown.profiles_listed {
            self.shown.profiles_listed = true;
            say_all(flow::profile_lines(&self.flow));
        }
        if self.shown.identity.as_ref() != Some(self.flow.identity()) {
            self.shown.identity = Some(self.flow.identity().clone());
            say_all(flow::identity_lines(&self.flow));
        }
        let flow = &self.flow;
        let entered = self.shown.step != Some(flow.step());
        if entered {
            self.shown.step = Some(flow.step());
            self.shown.field = None;
            self.shown.devices = None;
        }
        match flow.step() {
            Step::Batch => self.report_batch(entered),
            Step::Destination => {
                if let DetailLoad::Failed { error, .. } = &flow.destinations().detail {
                    say_all(flow::error_lines(error, flow.target()));
                }
                if let Load::Failed(error) = &flow.destinations().load {
                    say_all(flow::error_lines(error, flow.target()));
                }
                if entered && flow.destinations().load == Load::Loading {
                    say("Loading connector destinations…");
                }
                let retrying = flow.destinations().retry.retrying.as_ref();
                if retrying.map(|r| r.attempt) != self.shown.retry_said {
                    self.shown.retry_said = retrying.map(|r| r.attempt);
                    retrying.inspect(|r| say(&r.line()));
                }
                // Printed once: after the connectors' names too, or a race names them by id.
                let list = flow.destinations();
                if list.load == Load::Loaded && !list.more && list.connectors_answered {
                    self.list_destinations();
                }
            }
            Step::Review if entered => say_all(flow::review_lines(flow)),
            Step::Auth if entered => say_all(flow::material_lines(flow)),
            Step::Manage => self.report_manage(),
            Step::Tags if entered => say_all(flow::tags_intro(flow)),
            Step::Submit if entered => say("Creating the association…"),
            Step::Submit => {
                if let SubmitState::Failed(error) = &flow.submit() {
                    say_all(flow::error_lines(error, flow.target()));
                }
            }
            Step::Devices => self.report_devices(),
            Step::Authorize if entered => self.progress.hand_over(&self.flow),
            Step::Status | Step::Done | Step::Authorize => {
                if let RefreshState::Failed(error) = &flow.refresh() {
                    say_all(flow::error_lines(error, flow.target()));
                }
                self.progress.report(&self.flow);
            }
            // Said by their prompts; every step is named so a new one must be decided here.
            Step::Start | Step::Resume | Step::Details | Step::Review | Step::Auth | Step::Tags => {
            }
        }
    }

    /// The discovery's progress, the devices once listed, each adoption's result.
    pub(super) fn report_devices(&mut self) {
        let Some(view) = self.flow.devices().clone() else {
            return;
        };
        let before = self.shown.devices.take();
        let before = before.filter(|b| b.association_id == view.association_id);
        say_all(flow::devices_news(before.as_ref(), &view));
        self.report_message(view.message.clone());
        self.shown.devices = Some(view);
    }

    /// The numbered destinations (when few enough), once per change of the list.
    pub(super) fn list_destinations(&mut self) {
        let list = self.flow.destinations();
        let ids = list.matches.iter().take(LIST_MAX);
        let ids = Some(ids.map(|&i| list.items[i].id.clone()).collect());
        if ids != self.shown.numbered {
            say_all(flow::destination_lines(&self.flow));
            self.shown.numbered = ids;
        }
    }

    /// The numbered associations (when they changed and none is picked), the details asked
    /// for, and the list's message, each printed once.
    pub(super) fn report_manage(&mut self) {
        let view = self.flow.manage();
        let listed = view.load == Load::Loaded && !view.more;
        let on_list = self
            .manage_prompt()
            .is_some_and(|p| p.starts_with("Association"));
        if !on_list {
            // Away from the list (a row's menu, a confirmation): printed again on the way back,
            // so the list question always follows its list.
            self.shown.numbered = None;
        } else if listed {
            // The lines, not the ids: a row's new state (DELETING, gone) is printed too.
            let mut lines = Vec::new();
            if !view.filter.is_empty() {
                lines.push(format!(
                    "Associations matching '{}': {} of {}.",
                    sanitize(&view.filter),
                    view.matches.len(),
                    view.items.len()
                ));
            }
            lines.extend(flow::association_lines(view));
            if Some(&lines) != self.shown.numbered.as_ref() {
                say_all(lines.clone());
                self.shown.numbered = Some(lines);
            }
        }
        if let Some(detail) = &view.detail
            && self.shown.detail != view.detail_generation
        {
            say_all(flow::association_detail(detail));
            self.shown.detail = view.detail_generation;
        }
        self.report_message(view.message.clone());
    }

    /// A Manage or Devices message, once.
    pub(super) fn report_message(&mut self, message: Option<Notice>) {
        if message != self.shown.message
            && let Some(Notice::Info(text) | Notice::Error(text)) = &message
        {
            say(&sanitize(text));
        }
        self.shown.message = message;
    }
}

impl Plain {
    /// The batch, a line at a time: the check, then each row as it ends (with its consent URL
    /// when its owner must approve), the rate when the service throttles; a refused file's
    /// problems with their lines. The summary is printed when the run ends.
    fn report_batch(&mut self, entered: bool) {
        use iotmi_core::flow::BatchPhase;
        let Some(run) = self.flow.batch() else {
            return;
        };
        if entered {
            say(&format!(
                "Checking {} rows of {} against the account…",
                run.rows().len(),
                sanitize(run.source())
            ));
        }
        match run.phase() {
            BatchPhase::Checking
            | BatchPhase::Planned
            | BatchPhase::Refused
            | BatchPhase::Stopped(_) => {}
            BatchPhase::Running | BatchPhase::Finished => {
                if self.batch.is_none() {
                    say("The file is valid: creating its rows.");
                }
                self.batch
                    .get_or_insert_with(|| BatchProgress::new(run.rows().len(), false, true))
                    .update(run);
            }
        }
    }
}
