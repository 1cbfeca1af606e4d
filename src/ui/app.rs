//! The full-screen front end's state: the flow plus the widgets that present it (text inputs,
//! cursors, overlays, the QR toggle, spinner and flash line). Keys become flow intents through
//! the screen's keymap; what the flow changes is mirrored back into the widgets.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::time::Instant;
use tui_input::backend::crossterm::to_input_request;
use tui_input::{Input, InputRequest};

use super::keymap::{self, Action};
use super::widgets::ListWindow;
use iotmi_core::flow::pairs::looks_like_pairs;
use iotmi_core::flow::{
    self, DetailsField, Effect, Event, Flow, Intent, ReviewRow, Step, TagField, review_command,
};
use iotmi_core::service::{AssociationSummary, DestinationSummary};

/// Longest text a paste inserts into one field; longer pastes are cut, with a notice.
const MAX_PASTE: usize = 8192;
/// Shown when a key arrives while the step waits for the service.
const BUSY: &str = "Busy: waiting for the service (that key was ignored)";
/// PgUp/PgDn move this many rows on lists that keep no window (tags, review).
const PAGE: usize = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overlay {
    Help,
    /// The consent URL's QR code over the whole window, to scan with a phone.
    Qr,
}

/// The tag being added or edited.
#[derive(Clone, Debug)]
pub struct TagEdit {
    /// `None` adds a row; `Some(i)` edits row `i`.
    pub index: Option<usize>,
    pub key: Input,
    pub value: Input,
    pub focus: TagField,
}

/// Widget state: nothing here is part of the onboarding itself.
#[derive(Clone, Debug, Default)]
pub struct Ui {
    /// The window is below the minimum size: nothing is drawn but a notice, so only Ctrl-C and
    /// help act (see [`App::resize`]).
    pub too_small: bool,
    pub overlay: Option<Overlay>,
    /// First line of the help shown, and the most it can scroll in this window (set when drawn).
    pub help_scroll: usize,
    pub help_max_scroll: std::cell::Cell<usize>,
    pub flash: Option<String>,
    pub spinner: usize,
    /// Where this frame draws hyperlinks (the vetted URL's rows), for the terminal's backend.
    pub links: super::links::Links,
    pub start_cursor: usize,
    /// The profile picker: highlighted profile, the region field, and whether it has focus
    /// (or was typed in: then moving in the list keeps it).
    pub profile_cursor: usize,
    pub region: Input,
    pub region_focused: bool,
    pub region_edited: bool,
    pub destination_filter: Input,
    pub destination_cursor: usize,
    pub destination_window: ListWindow,
    /// The prefilled destination has been put under the cursor (once).
    pub prefill_placed: bool,
    pub name: Input,
    pub description: Input,
    pub details_focus: Option<DetailsField>,
    pub tag_cursor: usize,
    pub tag_edit: Option<TagEdit>,
    pub auth_cursor: usize,
    pub auth_window: ListWindow,
    pub review_cursor: usize,
    pub manage_filter: Input,
    pub manage_cursor: usize,
    pub manage_window: ListWindow,
    pub manage_filter_focused: bool,
    pub devices_filter: Input,
    pub devices_filter_focused: bool,
    pub devices_cursor: usize,
    pub devices_window: ListWindow,
    pub delete_input: Option<Input>,
    /// `demo --autoplay` drives: Some(paused).
    pub autoplay: Option<bool>,
}

/// What the terminal itself must do for a key (the runtime never touches the terminal).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostAction {
    /// Copy to the clipboard of the terminal the user sits at; the host's report of what it
    /// did becomes the flash line.
    Copy(String),
    /// Leave the full-screen UI and print `text` plainly, under `heading`, until a key is
    /// pressed: a long URL or command selected whole with the mouse.
    ShowUnwrapped { heading: &'static str, text: String },
    /// Step aside and run this program (no shell) in the terminal, then come back and check
    /// who the calls are made as again (`aws sso login --profile P`).
    Run(Vec<String>),
}

#[derive(Debug, Default)]
pub struct Reaction {
    pub effects: Vec<Effect>,
    pub host: Vec<HostAction>,
}

impl From<Vec<Effect>> for Reaction {
    fn from(effects: Vec<Effect>) -> Self {
        Reaction {
            effects,
            host: Vec::new(),
        }
    }
}

pub struct App {
    pub flow: Flow,
    pub ui: Ui,
}

impl App {
    pub fn new(mut flow: Flow) -> Self {
        let mut app = App {
            ui: Ui {
                flash: flow.take_notice(),
                ..Ui::default()
            },
            flow,
        };
        app.place_profile_cursor();
        app.sync(None);
        app
    }

    /// `demo --autoplay --loop`: the same run from its first screen, with a new ClientToken
    /// seed (the last round's tokens name its associations). The hyperlink registry the
    /// terminal backend draws from is kept.
    pub fn restart(&mut self, now: Instant) {
        let mut opts = self.flow.opts().clone();
        opts.token_seed = crate::session::token_seed();
        opts.resume = None;
        let (links, autoplay) = (self.ui.links.clone(), self.ui.autoplay);
        *self = App::new(Flow::new(opts, now));
        self.ui.links = links;
        self.ui.autoplay = autoplay;
    }

    /// The picker starts on the profile picked last time, with its region.
    fn place_profile_cursor(&mut self) {
        let flow = &self.flow;
        if let Some(last) = &flow.opts().last_profile
            && let Some(index) = flow
                .opts()
                .profiles
                .iter()
                .position(|p| p.name == last.profile)
        {
            self.ui.profile_cursor = index;
        }
        self.fill_region();
    }

    /// The region field follows the highlighted profile until the user types in it.
    fn fill_region(&mut self) {
        if self.ui.region_edited {
            return;
        }
        let flow = &self.flow;
        let Some(profile) = flow.opts().profiles.get(self.ui.profile_cursor) else {
            return;
        };
        let region = flow
            .opts()
            .last_profile
            .as_ref()
            .filter(|last| last.profile == profile.name)
            .map(|last| last.region.clone())
            .or_else(|| profile.region.clone())
            .unwrap_or_else(|| "us-east-1".into());
        self.ui.region = Input::new(region);
    }

    /// The terminal's size, at start and on every resize.
    pub fn resize(&mut self, width: u16, height: u16) {
        self.ui.too_small = width < super::view::MIN_WIDTH || height < super::view::MIN_HEIGHT;
    }

    /// Keys other than the screen's bindings are dropped: the window is too small to show
    /// what they would do, or the step waits for the service.
    fn holding_keys(&self) -> bool {
        self.ui.too_small || (self.flow.waiting() && self.flow.question().is_none())
    }

    pub fn details_focus(&self) -> DetailsField {
        self.ui.details_focus.unwrap_or(DetailsField::Name)
    }

    /// Letters go into a text field on this screen (so `q` and `?` are text, not commands).
    pub fn typing(&self) -> bool {
        match self.flow.step() {
            Step::Start => self.flow.picking_profile() && self.ui.region_focused,
            Step::Destination => !matches!(self.flow.destinations().load, flow::Load::Failed(_)),
            Step::Details => true,
            Step::Tags => self.ui.tag_edit.is_some(),
            Step::Manage => self.ui.manage_filter_focused || self.ui.delete_input.is_some(),
            Step::Devices => self.ui.devices_filter_focused,
            _ => false,
        }
    }

    /// The problem of the tag being typed, shown while typing (SaveTag refuses with it).
    pub fn tag_problem(&self) -> Option<(TagField, String)> {
        let edit = self.ui.tag_edit.as_ref()?;
        flow::tag_problem(&self.flow, edit.index, edit.key.value(), edit.value.value())
    }

    /// The focused text field, if letters go into one.
    fn focused_input(&mut self) -> Option<&mut Input> {
        let ui = &mut self.ui;
        match self.flow.step() {
            Step::Start if self.flow.picking_profile() && ui.region_focused => Some(&mut ui.region),
            Step::Destination => Some(&mut ui.destination_filter),
            Step::Details => Some(match ui.details_focus.unwrap_or(DetailsField::Name) {
                DetailsField::Name => &mut ui.name,
                DetailsField::Description => &mut ui.description,
            }),
            Step::Tags => ui.tag_edit.as_mut().map(|edit| match edit.focus {
                TagField::Key => &mut edit.key,
                TagField::Value => &mut edit.value,
            }),
            Step::Devices if ui.devices_filter_focused => Some(&mut ui.devices_filter),
            Step::Manage => match &mut ui.delete_input {
                Some(input) => Some(input),
                None if ui.manage_filter_focused => Some(&mut ui.manage_filter),
                None => None,
            },
            _ => None,
        }
    }

    pub fn highlighted_destination(&self) -> Option<&DestinationSummary> {
        let list = &self.flow.destinations();
        list.items
            .get(*list.matches.get(self.ui.destination_cursor)?)
    }

    pub fn highlighted_device(&self) -> Option<&iotmi_core::service::DiscoveredDevice> {
        let view = self.flow.devices().as_ref()?;
        view.items.get(*view.matches.get(self.ui.devices_cursor)?)
    }

    pub fn highlighted_association(&self) -> Option<&AssociationSummary> {
        let view = &self.flow.manage();
        view.items.get(*view.matches.get(self.ui.manage_cursor)?)
    }

    /// One flow update, then the widgets follow what changed.
    pub fn send(&mut self, input: impl Into<flow::Input>, now: Instant) -> Vec<Effect> {
        let step = self.flow.step();
        let input = input.into();
        let next = matches!(input, flow::Input::Intent(Intent::Next));
        let mut effects = flow::update(&mut self.flow, input, now);
        if let Some(notice) = self.flow.take_notice() {
            self.ui.flash = Some(notice);
        } else if self.flow.step() != step && self.ui.flash.as_deref() == Some(BUSY) {
            // The wait is over: the cue belonged to the screen that waited.
            self.ui.flash = None;
        }
        // Back on the Manage list: the association acted on is highlighted again once listed.
        if let Some(id) = self.flow.manage().focus.as_deref() {
            let view = self.flow.manage();
            if let Some(position) = view
                .matches
                .iter()
                .position(|&i| view.items.get(i).is_some_and(|a| a.id == id))
            {
                self.ui.manage_cursor = position;
                effects.extend(flow::update(&mut self.flow, Intent::ManageFocusShown, now));
            }
        }
        // A refused Next puts the cursor in the first field at fault (after that the user
        // moves freely between the fields).
        if next
            && self.flow.step() == Step::Details
            && let Some(field) = self.flow.details().error_field
        {
            self.ui.details_focus = Some(field);
        }
        self.sync(Some(step));
        effects
    }

    pub fn event(&mut self, event: Event, now: Instant) -> Vec<Effect> {
        self.send(event, now)
    }

    pub fn tick(&mut self) {
        self.ui.spinner = self.ui.spinner.wrapping_add(1);
    }

    pub fn key(&mut self, key: KeyEvent, now: Instant) -> Reaction {
        if key.kind == KeyEventKind::Release {
            return Reaction::default();
        }
        if self.ui.overlay == Some(Overlay::Qr) {
            // Any key returns from the QR code; Ctrl-C still quits.
            self.ui.overlay = None;
            if keymap::Key::Ctrl('c').matches(&key) {
                return self.act(Action::Interrupt, now);
            }
            return Reaction::default();
        }
        if self.ui.overlay.is_some() {
            // Moves scroll the help, any other key closes it; Ctrl-C still quits.
            let max = self.ui.help_max_scroll.get();
            let scroll = &mut self.ui.help_scroll;
            match key.code {
                KeyCode::Up | KeyCode::Char('k') => *scroll = scroll.saturating_sub(1).min(max),
                KeyCode::Down | KeyCode::Char('j') => *scroll = (*scroll + 1).min(max),
                KeyCode::PageUp => *scroll = scroll.saturating_sub(PAGE).min(max),
                KeyCode::PageDown => *scroll = (*scroll + PAGE).min(max),
                KeyCode::Home => *scroll = 0,
                KeyCode::End => *scroll = max,
                _ => {
                    self.ui.overlay = None;
                    if keymap::Key::Ctrl('c').matches(&key) {
                        return self.act(Action::Interrupt, now);
                    }
                }
            }
            return Reaction::default();
        }
        self.ui.flash = None;
        let bindings = keymap::bindings(self);
        if let Some(action) = keymap::lookup(&bindings, &key) {
            return self.act(action, now);
        }
        if self.holding_keys() {
            if !self.ui.too_small {
                self.ui.flash = Some(BUSY.into());
            }
            return Reaction::default();
        }
        if self.flow.question().is_none() && self.typing() {
            return self.edit(key, now).into();
        }
        Reaction::default()
    }

    pub fn paste(&mut self, text: &str, now: Instant) -> Reaction {
        if self.ui.overlay.is_some() || self.flow.question().is_some() {
            return Reaction::default();
        }
        if self.holding_keys() {
            if !self.ui.too_small {
                self.ui.flash = Some(BUSY.into());
            }
            return Reaction::default();
        }
        self.ui.flash = None;
        if self.flow.step() == Step::Tags {
            // `k=v` pasted after a key was typed: split into the two fields.
            if let Some(edit) = self.ui.tag_edit.as_mut()
                && edit.focus == TagField::Key
                && !edit.key.value().is_empty()
                && let Some((key, value)) = text.split_once('=')
            {
                paste_into(&mut edit.key, key);
                paste_into(&mut edit.value, value);
                edit.focus = TagField::Value;
                return Reaction::default();
            }
            let into_field = self.ui.tag_edit.as_ref().is_some_and(|edit| {
                !(edit.focus == TagField::Key
                    && edit.key.value().is_empty()
                    && looks_like_pairs(text))
            });
            if !into_field {
                self.ui.tag_edit = None;
                let before = self.flow.tags().rows.len();
                let effects = self.send(Intent::PasteTags(text.to_string()), now);
                if self.flow.tags().rows.len() > before {
                    // The cursor goes to the last tag added.
                    self.ui.tag_cursor = self.flow.tags().rows.len() - 1;
                }
                return effects.into();
            }
        }
        let Some(input) = self.focused_input() else {
            self.ui.flash = Some("Nothing to paste into here".into());
            return Reaction::default();
        };
        if paste_into(input, text) {
            self.ui.flash = Some(format!("Paste cut to {MAX_PASTE} characters"));
        }
        self.typed(now).into()
    }

    /// A key for the focused text field.
    fn edit(&mut self, key: KeyEvent, now: Instant) -> Vec<Effect> {
        // `env=prod` typed into the key field: the value goes into its own field.
        if key.code == KeyCode::Char('=')
            && !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
            && let Some(edit) = self.ui.tag_edit.as_mut()
            && edit.focus == TagField::Key
        {
            edit.focus = TagField::Value;
            self.ui.flash = Some("Key and value are separate fields: now type the value".into());
            return Vec::new();
        }
        let Some(input) = self.focused_input() else {
            return Vec::new();
        };
        if !edit_input(input, key) {
            return Vec::new();
        }
        self.typed(now)
    }

    /// The focused field's text changed: tell the flow (tag and delete fields are the TUI's
    /// own until saved).
    fn typed(&mut self, now: Instant) -> Vec<Effect> {
        if self.flow.step() == Step::Start {
            // The region is the picker's own until a profile is chosen.
            self.ui.region_edited = true;
            return Vec::new();
        }
        if self.flow.step() == Step::Tags {
            // The refusal was about the text before this edit.
            return self.send(Intent::TagTextChanged, now);
        }
        // The highlight stays on the same item while it still matches.
        let highlighted = match self.flow.step() {
            Step::Destination => self
                .flow
                .destinations()
                .matches
                .get(self.ui.destination_cursor)
                .copied(),
            Step::Manage => self
                .flow
                .manage()
                .matches
                .get(self.ui.manage_cursor)
                .copied(),
            _ => None,
        };
        let intent = match self.flow.step() {
            Step::Destination => {
                Intent::FilterDestinations(self.ui.destination_filter.value().to_string())
            }
            Step::Details => match self.details_focus() {
                DetailsField::Name => Intent::SetName(self.ui.name.value().to_string()),
                DetailsField::Description => {
                    Intent::SetDescription(self.ui.description.value().to_string())
                }
            },
            Step::Manage if self.ui.delete_input.is_none() => {
                Intent::FilterAssociations(self.ui.manage_filter.value().to_string())
            }
            Step::Devices => Intent::FilterDevices(self.ui.devices_filter.value().to_string()),
            _ => return Vec::new(),
        };
        let effects = self.send(intent, now);
        let (matches, cursor) = match self.flow.step() {
            Step::Destination => (
                &self.flow.destinations().matches,
                &mut self.ui.destination_cursor,
            ),
            Step::Manage => (&self.flow.manage().matches, &mut self.ui.manage_cursor),
            _ => return effects,
        };
        *cursor = highlighted
            .and_then(|h| matches.iter().position(|&m| m == h))
            .unwrap_or(0);
        effects
    }

    fn act(&mut self, action: Action, now: Instant) -> Reaction {
        let intent = match action {
            Action::Quit => Intent::Quit { interrupted: false },
            Action::Interrupt => Intent::Quit { interrupted: true },
            Action::ConfirmQuit => Intent::ConfirmQuit,
            Action::CancelQuit => Intent::CancelQuit,
            Action::Help => {
                self.ui.overlay = Some(Overlay::Help);
                self.ui.help_scroll = 0;
                return Reaction::default();
            }
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Home
            | Action::End => {
                self.move_cursor(action);
                return Reaction::default();
            }
            Action::Choose => match self.flow.step() {
                Step::Start if self.flow.picking_profile() => {
                    let Some(profile) = self.flow.opts().profiles.get(self.ui.profile_cursor)
                    else {
                        return Reaction::default();
                    };
                    Intent::ChooseProfile {
                        profile: profile.name.clone(),
                        region: self.ui.region.value().trim().to_string(),
                    }
                }
                Step::Start if self.ui.start_cursor == 1 => Intent::StartManage,
                Step::Start => Intent::StartCreate,
                Step::Destination => Intent::ChooseDestination(self.destination_to_choose()),
                Step::Auth => {
                    let materials = self
                        .flow
                        .destination()
                        .as_ref()
                        .map(|d| d.auth_materials.clone())
                        .unwrap_or_default();
                    match materials.get(self.ui.auth_cursor) {
                        Some(material) => Intent::ChooseMaterial(material.clone()),
                        None => return Reaction::default(),
                    }
                }
                _ => return Reaction::default(),
            },
            Action::Next => Intent::Next,
            Action::Back => Intent::Back,
            Action::SwitchField => {
                self.switch_field();
                return Reaction::default();
            }
            Action::SsoLogin => {
                let Some(command) = self.flow.sso_login() else {
                    return Reaction::default();
                };
                return Reaction {
                    effects: Vec::new(),
                    host: vec![HostAction::Run(command)],
                };
            }
            Action::RecheckIdentity => Intent::RecheckIdentity,
            Action::StartCreate => Intent::StartCreate,
            Action::StartManage => Intent::StartManage,
            Action::Resume => Intent::Resume,
            Action::Discard => Intent::Discard,
            Action::ClearFilter => {
                if self.flow.step() == Step::Manage {
                    self.ui.manage_filter = Input::default();
                } else {
                    self.ui.destination_filter = Input::default();
                }
                return self.typed(now).into();
            }
            Action::Reload => match self.flow.step() {
                Step::Manage => Intent::ReloadAssociations,
                Step::Devices => Intent::StartDiscovery,
                _ => Intent::ReloadDestinations,
            },
            Action::AddTag => {
                let effects = self.send(Intent::OpenTagEditor { index: None }, now);
                if self.flow.tags().editing {
                    self.ui.tag_edit = Some(TagEdit {
                        index: None,
                        key: Input::default(),
                        value: Input::default(),
                        focus: TagField::Key,
                    });
                }
                return effects.into();
            }
            Action::EditTag => {
                let index = self
                    .ui
                    .tag_cursor
                    .min(self.flow.tags().rows.len().saturating_sub(1));
                if self.flow.tags().rows.get(index).is_none() {
                    return Reaction::default();
                }
                let effects = self.send(Intent::OpenTagEditor { index: Some(index) }, now);
                if let Some(row) = self.flow.tags().rows.get(index) {
                    self.ui.tag_edit = Some(TagEdit {
                        index: Some(index),
                        key: Input::new(row.key.clone()),
                        value: Input::new(row.value.clone()),
                        focus: TagField::Value,
                    });
                }
                return effects.into();
            }
            Action::DeleteTag => Intent::RemoveTag(self.ui.tag_cursor),
            Action::SaveTag => {
                let Some(edit) = &self.ui.tag_edit else {
                    return Reaction::default();
                };
                let index = edit.index;
                let intent = Intent::SaveTag {
                    index,
                    key: edit.key.value().to_string(),
                    value: edit.value.value().to_string(),
                };
                let effects = self.send(intent, now);
                match (&self.flow.tags().edit_error, self.ui.tag_edit.as_mut()) {
                    // A refusal keeps the editor open on the field at fault.
                    (Some((field, _)), Some(edit)) => edit.focus = *field,
                    _ => {
                        self.ui.tag_edit = None;
                        self.ui.tag_cursor =
                            index.unwrap_or(self.flow.tags().rows.len().saturating_sub(1));
                    }
                }
                return effects.into();
            }
            Action::CancelEdit => {
                self.ui.tag_edit = None;
                return self.send(Intent::CloseTagEditor, now).into();
            }
            Action::EditRow => {
                let rows = self.flow.review_rows();
                let Some(row) = rows.get(self.ui.review_cursor).copied() else {
                    return Reaction::default();
                };
                self.ui.details_focus = Some(if row == ReviewRow::Description {
                    DetailsField::Description
                } else {
                    DetailsField::Name
                });
                Intent::EditRow(row)
            }
            Action::CopyCommand => {
                let Some(command) = review_command(&self.flow) else {
                    return Reaction::default();
                };
                return Reaction {
                    effects: Vec::new(),
                    host: vec![HostAction::Copy(command)],
                };
            }
            Action::UnwrappedCommand => {
                let Some(command) = review_command(&self.flow) else {
                    return Reaction::default();
                };
                return Reaction {
                    effects: Vec::new(),
                    host: vec![HostAction::ShowUnwrapped {
                        heading: "The equivalent AWS CLI command",
                        text: command,
                    }],
                };
            }
            Action::Retry if self.flow.step() == Step::Devices => Intent::RetryFailedAdoptions,
            Action::Retry => Intent::Retry,
            Action::EditDraft => Intent::EditDraft,
            Action::OpenBrowser => Intent::OpenBrowser,
            Action::CopyUrl => return self.copy_url(),
            Action::Unwrapped => {
                let Some(url) = self.flow.oauth_url() else {
                    return Reaction::default();
                };
                return Reaction {
                    effects: Vec::new(),
                    host: vec![HostAction::ShowUnwrapped {
                        heading: "The authorization URL",
                        text: url.to_string(),
                    }],
                };
            }
            Action::ToggleQr => {
                // Only a URL the URL policy accepts is ever put in a QR code.
                if flow::vetted_url(&self.flow).is_some() {
                    self.ui.overlay = Some(Overlay::Qr);
                } else {
                    self.ui.flash = Some("This URL was refused: no QR code is made of it".into());
                }
                return Reaction::default();
            }
            Action::ShowStatus => Intent::ShowStatus,
            Action::ShowAuthorize => Intent::ShowAuthorize,
            Action::Refresh => Intent::Refresh,
            Action::ActAsOwner(action) => Intent::ActAsOwner(action),
            Action::KeepWaiting => Intent::KeepWaiting,
            Action::LeaveInProgress => Intent::LeaveInProgress,
            Action::Finish => Intent::Finish,
            Action::FocusFilter | Action::LeaveFilter => {
                let focused = action == Action::FocusFilter;
                if self.flow.step() == Step::Devices {
                    self.ui.devices_filter_focused = focused;
                } else {
                    self.ui.manage_filter_focused = focused;
                }
                return Reaction::default();
            }
            Action::ShowDevices => {
                let id = match self.flow.step() {
                    Step::Manage => self.highlighted_association().map(|a| a.id.clone()),
                    _ => self.flow.association().as_ref().map(|a| a.id.clone()),
                };
                let Some(id) = id else {
                    return Reaction::default();
                };
                Intent::ShowDevices(id)
            }
            Action::ToggleDevice => {
                let Some(id) = self
                    .highlighted_device()
                    .map(|d| d.connector_device_id.clone())
                else {
                    return Reaction::default();
                };
                // The cursor moves on, as in a file manager's selection.
                let effects = self.send(Intent::ToggleDevice(id), now);
                self.move_cursor(Action::Down);
                return effects.into();
            }
            Action::SelectAllDevices => Intent::SelectAllDevices(true),
            Action::SelectNoDevices => Intent::SelectAllDevices(false),
            Action::RetryAsNew if self.flow.step() == Step::Done => {
                let Some(id) = self.flow.association().as_ref().map(|a| a.id.clone()) else {
                    return Reaction::default();
                };
                Intent::RetryAsNew(id)
            }
            Action::ToggleAssociation => {
                let Some(id) = self.highlighted_association().map(|a| a.id.clone()) else {
                    return Reaction::default();
                };
                let effects = self.send(Intent::ToggleAssociation(id), now);
                self.move_cursor(Action::Down);
                return effects.into();
            }
            Action::ShowDetails
            | Action::AuthorizeAssociation
            | Action::RefreshAssociation
            | Action::RetryAsNew
            | Action::AskDelete => {
                let Some(id) = self.highlighted_association().map(|a| a.id.clone()) else {
                    return Reaction::default();
                };
                match action {
                    Action::ShowDetails => Intent::ShowAssociation(id),
                    Action::AuthorizeAssociation => Intent::AuthorizeAssociation(id),
                    Action::RefreshAssociation => Intent::RefreshAssociation(id),
                    Action::RetryAsNew => Intent::RetryAsNew(id),
                    _ => Intent::AskDelete(id),
                }
            }
            Action::ConfirmDelete => {
                match (&self.flow.manage().confirm_delete, &self.ui.delete_input) {
                    (Some(id), Some(typed)) => Intent::Delete {
                        id: id.clone(),
                        typed: typed.value().to_string(),
                    },
                    _ => return Reaction::default(),
                }
            }
            Action::CancelDelete => Intent::CancelDelete,
        };
        self.send(intent, now).into()
    }

    /// The highlighted destination, or a prefilled id not (yet) in the list.
    fn destination_to_choose(&self) -> String {
        match self.highlighted_destination() {
            Some(d) => d.id.clone(),
            None if self.ui.destination_filter.value().is_empty() => self
                .flow
                .opts()
                .prefill
                .destination
                .clone()
                .unwrap_or_default(),
            None => String::new(),
        }
    }

    /// Only a URL the URL policy accepts is ever copied (the terminal host says how it went).
    fn copy_url(&mut self) -> Reaction {
        match flow::vetted_url(&self.flow) {
            Some(url) => Reaction {
                effects: Vec::new(),
                host: vec![HostAction::Copy(url.to_string())],
            },
            None => {
                self.ui.flash = Some("This URL was refused: it is not copied".into());
                Reaction::default()
            }
        }
    }

    fn switch_field(&mut self) {
        match self.flow.step() {
            Step::Start => self.ui.region_focused = !self.ui.region_focused,
            Step::Details => {
                self.ui.details_focus = Some(match self.details_focus() {
                    DetailsField::Name => DetailsField::Description,
                    DetailsField::Description => DetailsField::Name,
                });
            }
            Step::Tags => {
                if let Some(edit) = self.ui.tag_edit.as_mut() {
                    edit.focus = match edit.focus {
                        TagField::Key => TagField::Value,
                        TagField::Value => TagField::Key,
                    };
                }
            }
            _ => {}
        }
    }

    fn move_cursor(&mut self, action: Action) {
        let ui = &mut self.ui;
        let (cursor, len, page) = match self.flow.step() {
            Step::Start if self.flow.picking_profile() => (
                &mut ui.profile_cursor,
                self.flow.opts().profiles.len(),
                PAGE,
            ),
            Step::Start => (&mut ui.start_cursor, 2, PAGE),
            Step::Destination => (
                &mut ui.destination_cursor,
                self.flow.destinations().matches.len(),
                ui.destination_window.page(),
            ),
            Step::Tags => (&mut ui.tag_cursor, self.flow.tags().rows.len(), PAGE),
            Step::Auth => (
                &mut ui.auth_cursor,
                self.flow
                    .destination()
                    .as_ref()
                    .map_or(0, |d| d.auth_materials.len()),
                ui.auth_window.page(),
            ),
            Step::Review => (&mut ui.review_cursor, self.flow.review_rows().len(), PAGE),
            Step::Manage => (
                &mut ui.manage_cursor,
                self.flow.manage().matches.len(),
                ui.manage_window.page(),
            ),
            Step::Devices => (
                &mut ui.devices_cursor,
                self.flow.devices().as_ref().map_or(0, |v| v.matches.len()),
                ui.devices_window.page(),
            ),
            _ => return,
        };
        let last = len.saturating_sub(1) as isize;
        let target = match action {
            Action::Up => *cursor as isize - 1,
            Action::Down => *cursor as isize + 1,
            Action::PageUp => *cursor as isize - page as isize,
            Action::PageDown => *cursor as isize + page as isize,
            Action::Home => 0,
            Action::End => last,
            _ => *cursor as isize,
        };
        *cursor = target.clamp(0, last.max(0)) as usize;
        if self.flow.step() == Step::Start && self.flow.picking_profile() {
            self.fill_region();
        }
    }

    /// Mirrors the flow into the widgets after an update that started on `before`.
    fn sync(&mut self, before: Option<Step>) {
        let flow = &self.flow;
        let ui = &mut self.ui;
        mirror(&mut ui.destination_filter, &flow.destinations().filter);
        mirror(&mut ui.name, &flow.details().name);
        mirror(&mut ui.description, &flow.details().description);
        mirror(&mut ui.manage_filter, &flow.manage().filter);
        // What a screen starts with when it is entered.
        if before != Some(flow.step()) {
            match flow.step() {
                Step::Auth => {
                    ui.auth_cursor = flow
                        .destination()
                        .as_ref()
                        .and_then(|d| {
                            let current = flow.auth_material().as_ref()?;
                            d.auth_materials.iter().position(|m| m == current)
                        })
                        .unwrap_or(0);
                }
                Step::Tags => ui.tag_edit = None,
                // Editing from Review keeps the field chosen there.
                Step::Details if before != Some(Step::Review) => {
                    ui.details_focus = flow.details().error_field;
                }
                _ => {}
            }
        }
        if flow.step() != Step::Manage || flow.manage().confirm_delete.is_none() {
            ui.delete_input = None;
        } else if ui.delete_input.is_none() {
            ui.delete_input = Some(Input::default());
        }
        if !ui.prefill_placed
            && ui.destination_filter.value().is_empty()
            && let Some(wanted) = flow.opts().prefill.destination.as_deref()
            && let Some(index) = flow
                .destinations()
                .items
                .iter()
                .position(|d| d.id == wanted)
            && let Some(position) = flow.destinations().matches.iter().position(|&m| m == index)
        {
            ui.destination_cursor = position;
            ui.prefill_placed = true;
        }
        clamp(
            &mut ui.destination_cursor,
            flow.destinations().matches.len(),
        );
        clamp(&mut ui.manage_cursor, flow.manage().matches.len());
        clamp(&mut ui.tag_cursor, flow.tags().rows.len());
        clamp(&mut ui.review_cursor, flow.review_rows().len());
    }
}

/// The widget shows the flow's text; the cursor stays where it was when the text is the same.
fn mirror(input: &mut Input, value: &str) {
    if input.value() != value {
        *input = Input::new(value.to_string());
    }
}

fn clamp(cursor: &mut usize, len: usize) {
    *cursor = (*cursor).min(len.saturating_sub(1));
}

/// Feeds a key to a text input; true when the value changed.
pub fn edit_input(input: &mut Input, key: KeyEvent) -> bool {
    if key.modifiers.contains(KeyModifiers::ALT) && matches!(key.code, KeyCode::Char(_)) {
        return false;
    }
    let before = input.value().to_string();
    let Some(request) = to_input_request(&crossterm::event::Event::Key(key)) else {
        return false;
    };
    let edits = matches!(
        request,
        InputRequest::InsertChar(_)
            | InputRequest::DeletePrevChar
            | InputRequest::DeleteNextChar
            | InputRequest::DeleteLine
            | InputRequest::DeletePrevWord
            | InputRequest::DeleteNextWord
            | InputRequest::DeleteTillEnd
            | InputRequest::Yank
    );
    input.handle(request);
    edits && input.value() != before
}

/// Inserts pasted text at the cursor in one step (per-char insertion is quadratic); true when
/// it had to be cut.
pub fn paste_into(input: &mut Input, text: &str) -> bool {
    let single_line: String = text
        .chars()
        .map(|c| {
            if matches!(c, '\n' | '\r' | '\t') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let truncated = single_line.chars().count() > MAX_PASTE;
    let piece: String = single_line.chars().take(MAX_PASTE).collect();
    let cursor = input.cursor();
    let value = input.value();
    let split = value
        .char_indices()
        .nth(cursor)
        .map_or(value.len(), |(i, _)| i);
    let new_value = format!("{}{}{}", &value[..split], piece, &value[split..]);
    *input = Input::new(new_value).with_cursor(cursor + piece.chars().count());
    truncated
}
