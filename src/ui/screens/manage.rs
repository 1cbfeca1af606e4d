//! Manage: the account's associations as a filterable list, with what can be done to the
//! highlighted one (details, authorize, refresh, retry as new, devices, delete) and a bulk
//! refresh of the picked ones.

use std::time::Instant;

use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_input::Input;

use super::{Change, Screen, clamp, mirror, move_cursor};
use crate::ui::app::{App, Reaction};
use crate::ui::keymap::{
    Action, Binding, Char, Code, bind, filtered_list_escape, focused_filter_keys, is_move,
    letter_moves, list_moves, quiet,
};
use crate::ui::theme::Theme;
use crate::ui::widgets::{
    ListWindow, boxed_paragraph, error_lines, fit, fit_line, highlighted, key_line, labelled,
    spinner, text_field, windowed_list,
};
use iotmi_core::flow::{Effect, Flow, Intent, Load, ManageCommand, Notice, Step};
use iotmi_core::service::{AssociationState, AssociationSummary};
use unicode_width::UnicodeWidthStr;

#[derive(Clone, Debug, Default)]
pub struct State {
    pub filter: Input,
    pub filter_focused: bool,
    pub cursor: usize,
    pub window: ListWindow,
    /// The name typed to confirm a delete, while the flow asks for it.
    pub delete_input: Option<Input>,
    /// The row highlighted before the last update that found the list shown, and its
    /// association: a reload empties the list, and the highlight must come back to it (or,
    /// once it is deleted, to the row that took its place), not to the top.
    highlight_kept: Option<(usize, String)>,
}

impl State {
    /// Follows the flow after an update; the intent the flow must hear back, if any.
    pub fn follow(&mut self, flow: &Flow, _change: Change) -> Option<Intent> {
        mirror(&mut self.filter, &flow.manage().filter);
        if flow.step() != Step::Manage || flow.manage().confirm_delete.is_none() {
            self.delete_input = None;
        } else if self.delete_input.is_none() {
            self.delete_input = Some(Input::default());
        }
        let view = flow.manage();
        if !view.matches.is_empty()
            && let Some((at, id)) = &self.highlight_kept
        {
            let shown = |i: usize| view.matches.get(i).and_then(|&m| view.items.get(m));
            if shown(self.cursor).is_none_or(|a| &a.id != id) {
                self.cursor = view
                    .matches
                    .iter()
                    .position(|&m| view.items.get(m).is_some_and(|a| &a.id == id))
                    .unwrap_or(*at);
            }
        }
        clamp(&mut self.cursor, flow.manage().matches.len());
        // Back on the list: the association acted on is highlighted again once listed.
        let id = flow.manage().focus.as_deref()?;
        let view = flow.manage();
        let position = view
            .matches
            .iter()
            .position(|&i| view.items.get(i).is_some_and(|a| a.id == id))?;
        self.cursor = position;
        Some(Intent::ManageFocusShown)
    }
}

impl State {
    /// Before a flow update: what is highlighted now, while the list is shown (see
    /// `highlight_kept`).
    pub fn keep_highlight(&mut self, flow: &Flow) {
        let view = flow.manage();
        if let Some(item) = view
            .matches
            .get(self.cursor)
            .and_then(|&m| view.items.get(m))
        {
            self.highlight_kept = Some((self.cursor, item.id.clone()));
        }
    }
}

pub fn highlighted_association(app: &App) -> Option<&AssociationSummary> {
    let view = &app.flow.manage();
    view.items.get(*view.matches.get(app.ui.manage.cursor)?)
}

fn move_in_list(app: &mut App, action: Action) {
    let state = &mut app.ui.manage;
    let page = state.window.page();
    move_cursor(
        &mut state.cursor,
        app.flow.manage().matches.len(),
        page,
        action,
    );
}

pub struct Manage;

impl Screen for Manage {
    fn keys(&self, app: &App) -> Vec<Binding> {
        let flow = &app.flow;
        let state = &app.ui.manage;
        if state.delete_input.is_some() {
            return vec![
                bind(
                    "Enter",
                    &[Code(KeyCode::Enter)],
                    "delete",
                    Action::ConfirmDelete,
                ),
                bind("Esc", &[Code(KeyCode::Esc)], "cancel", Action::CancelDelete),
            ];
        }
        // Some deregistrations failed: they are tried again, or left (Back leaves them).
        if flow
            .manage()
            .deletion
            .as_ref()
            .is_some_and(|d| d.awaits_retry())
        {
            return vec![
                bind(
                    "r",
                    &[Char('r')],
                    "retry the failed",
                    Action::RetryDeregistrations,
                ),
                bind(
                    "Esc",
                    &[Code(KeyCode::Esc)],
                    "leave them registered",
                    Action::Back,
                ),
            ];
        }
        if state.filter_focused {
            return focused_filter_keys();
        }
        let highlighted_state = highlighted_association(app).map(|a| a.state.clone());
        let mut keys = list_moves();
        keys.extend(letter_moves());
        keys.push(bind("/", &[Char('/')], "filter", Action::FocusFilter));
        keys.push(bind(
            "Enter",
            &[Code(KeyCode::Enter), Char('v')],
            "details",
            Action::ShowDetails,
        ));
        let picked = flow.manage().selected.len();
        if picked > 0 {
            keys.push(bind(
                "r",
                &[Char('r')],
                "refresh the picked",
                Action::RefreshAssociation,
            ));
        }
        keys.push(quiet(bind(
            "Space",
            &[Char(' ')],
            "pick for a bulk refresh",
            Action::ToggleAssociation,
        )));
        match highlighted_state {
            Some(AssociationState::InProgress) => keys.push(bind(
                "a",
                &[Char('a')],
                "authorize",
                Action::AuthorizeAssociation,
            )),
            Some(AssociationState::RefreshTokenExpired) if picked == 0 => keys.push(bind(
                "r",
                &[Char('r')],
                "refresh",
                Action::RefreshAssociation,
            )),
            Some(AssociationState::Succeeded) => {
                keys.push(bind("f", &[Char('f')], "find devices", Action::ShowDevices))
            }
            Some(AssociationState::Failed) => {
                keys.push(bind("n", &[Char('n')], "retry as new", Action::RetryAsNew))
            }
            _ => {}
        }
        if highlighted_state.is_some() {
            keys.push(bind(
                "d",
                &[Char('d'), Code(KeyCode::Delete)],
                "delete",
                Action::AskDelete,
            ));
        }
        keys.push(bind("g", &[Char('g')], "reload", Action::Reload));
        let report = ManageCommand::WriteReport;
        keys.push(bind(
            "w",
            &[Char(report.key())],
            "write report",
            Action::WriteReport,
        ));
        keys.extend(filtered_list_escape(&state.filter, "back to Start"));
        keys
    }

    fn act(&self, app: &mut App, action: Action, now: Instant) -> Reaction {
        let intent = match action {
            action if is_move(action) => {
                move_in_list(app, action);
                return Reaction::default();
            }
            Action::Back => Intent::Back,
            Action::FocusFilter | Action::LeaveFilter => {
                app.ui.manage.filter_focused = action == Action::FocusFilter;
                return Reaction::default();
            }
            Action::ClearFilter => {
                app.ui.manage.filter = Input::default();
                return self.typed(app, now).into();
            }
            Action::Reload => Intent::ReloadAssociations,
            Action::WriteReport => Intent::WriteReport,
            Action::RetryDeregistrations => Intent::RetryDeletion,
            Action::ToggleAssociation => {
                let Some(id) = highlighted_association(app).map(|a| a.id.clone()) else {
                    return Reaction::default();
                };
                // The cursor moves on, as in a file manager's selection.
                let effects = app.send(Intent::ToggleAssociation(id), now);
                move_in_list(app, Action::Down);
                return effects.into();
            }
            Action::ShowDetails
            | Action::AuthorizeAssociation
            | Action::RefreshAssociation
            | Action::RetryAsNew
            | Action::ShowDevices
            | Action::AskDelete => {
                let Some(id) = highlighted_association(app).map(|a| a.id.clone()) else {
                    return Reaction::default();
                };
                match action {
                    Action::ShowDetails => Intent::ShowAssociation(id),
                    Action::AuthorizeAssociation => Intent::AuthorizeAssociation(id),
                    Action::RefreshAssociation => Intent::RefreshAssociation(id),
                    Action::RetryAsNew => Intent::RetryAsNew(id),
                    Action::ShowDevices => Intent::ShowDevices(id),
                    _ => Intent::AskDelete(id),
                }
            }
            Action::ConfirmDelete => {
                match (
                    &app.flow.manage().confirm_delete,
                    &app.ui.manage.delete_input,
                ) {
                    (Some(id), Some(typed)) => Intent::Delete {
                        id: id.clone(),
                        typed: typed.value().to_string(),
                    },
                    _ => return Reaction::default(),
                }
            }
            Action::CancelDelete => Intent::CancelDelete,
            _ => return Reaction::default(),
        };
        app.send(intent, now).into()
    }

    fn typing(&self, app: &App) -> bool {
        app.ui.manage.filter_focused || app.ui.manage.delete_input.is_some()
    }

    fn focused_input<'a>(&self, app: &'a mut App) -> Option<&'a mut Input> {
        let state = &mut app.ui.manage;
        match &mut state.delete_input {
            Some(input) => Some(input),
            None if state.filter_focused => Some(&mut state.filter),
            None => None,
        }
    }

    /// The delete confirmation is the TUI's own until Enter; the filter tells the flow, and
    /// the highlight stays on the same association while it still matches.
    fn typed(&self, app: &mut App, now: Instant) -> Vec<Effect> {
        if app.ui.manage.delete_input.is_some() {
            return Vec::new();
        }
        let highlighted = app.flow.manage().matches.get(app.ui.manage.cursor).copied();
        let filter = app.ui.manage.filter.value().to_string();
        let effects = app.send(Intent::FilterAssociations(filter), now);
        app.ui.manage.cursor = highlighted
            .and_then(|h| app.flow.manage().matches.iter().position(|&m| m == h))
            .unwrap_or(0);
        effects
    }

    fn render(&self, app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
        render(app, frame, area, theme)
    }
    // Not on the walkthrough's path: no autoplay goal.
}

fn render(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let model = &app.flow;
    let ui = &app.ui;
    let state = &ui.manage;
    let view = &model.manage();
    if let Load::Failed(error) = &view.load {
        let lines = error_lines(error, model.target(), &[("g", "retry")], theme);
        boxed_paragraph(
            frame,
            area,
            "Could not list account associations",
            lines,
            theme,
        );
        return;
    }
    // The message row is there only while there is a message: the list gets it otherwise.
    let message_rows = u16::from(view.message.is_some());
    let [filter_area, main, message_area] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(3),
        Constraint::Length(message_rows),
    ])
    .areas(area);
    let count = match (&view.load, view.more) {
        (Load::Loading, _) => format!(" {} loading… ", spinner(ui.spinner)),
        (_, true) => format!(
            " {}/{} · {} loading more… ",
            view.matches.len(),
            view.items.len(),
            spinner(ui.spinner)
        ),
        _ => format!(" {}/{} ", view.matches.len(), view.items.len()),
    };
    let title = Line::from(vec![
        Span::raw("Filter (/)"),
        Span::styled(count, theme.dim()),
    ]);
    match &state.delete_input {
        Some(input) => text_field(
            frame,
            filter_area,
            Line::from("Type the name to confirm the delete"),
            input,
            true,
            theme,
        ),
        None => text_field(
            frame,
            filter_area,
            title,
            &state.filter,
            state.filter_focused,
            theme,
        ),
    }

    let [left, right] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(main);
    let filter = state.filter.value();
    // Inside the borders, after the cursor mark.
    let room = usize::from(left.width.saturating_sub(4));
    let row = |a: &iotmi_core::service::AssociationSummary| {
        let name = if a.name.is_empty() {
            a.id.clone()
        } else {
            a.name.clone()
        };
        let mark = if view.selected.contains(&a.id) {
            Span::styled("[x] ", theme.key())
        } else if view.selected.is_empty() {
            Span::raw("")
        } else {
            Span::raw("[ ] ")
        };
        // The thing count gives way first (the Details pane has it too), then the name (down
        // to a readable start); the state stays in view.
        const NAME_MIN: usize = 12;
        let mut facts = format!("  {}", short_state(&a.state));
        let count = things_of(view.thing_counts.as_ref(), &a.id);
        let with_count = count.as_ref().map(|c| format!("{facts} · {c}"));
        let room_beside = |facts: &str| room.saturating_sub(mark.width() + facts.width());
        if let Some(with_count) = with_count.filter(|f| room_beside(f) >= name.width()) {
            facts = with_count;
        }
        let name_room = room_beside(&facts).max(NAME_MIN);
        let name = fit(&name, name_room);
        let mut spans = vec![mark];
        spans.extend(highlighted(&name, filter, Style::new(), theme.matched()));
        spans.push(Span::styled(facts, theme.dim()));
        Line::from(spans)
    };
    windowed_list(
        frame,
        left,
        "Associations",
        (&view.items, &view.matches, state.cursor),
        &state.window,
        row,
        theme,
    );

    let mut lines = Vec::new();
    if let Some(a) = highlighted_association(app) {
        // What matters first, so a 60x16 window keeps it: name, state, what can be done.
        lines.push(Line::from(Span::styled(
            if a.name.is_empty() {
                "(no name)".into()
            } else {
                a.name.clone()
            },
            theme.title(),
        )));
        lines.push(labelled("state", a.state.to_string(), theme));
        let mut actions = Vec::new();
        match a.state {
            AssociationState::InProgress => actions.push(("a", "authorize")),
            AssociationState::RefreshTokenExpired => actions.push(("r", "refresh")),
            AssociationState::Failed => actions.push(("n", "retry as new")),
            AssociationState::Succeeded => actions.push(("f", "devices")),
            _ => {}
        }
        actions.push(("d", "delete"));
        lines.push(key_line(&actions, theme));
        if let Some(message) = &a.error_message {
            lines.push(labelled("error", message.clone(), theme));
        }
        lines.push(labelled("id", a.id.clone(), theme));
        lines.push(labelled("destination", a.destination_id.clone(), theme));
        if let Some(count) = things_of(view.thing_counts.as_ref(), &a.id) {
            lines.push(labelled("managed", count, theme));
        }
        if let Some(detail) = view.detail.as_ref().filter(|d| d.id == a.id) {
            if !detail.description.is_empty() {
                lines.push(labelled("description", detail.description.clone(), theme));
            }
            let tags: Vec<String> = detail
                .tags
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            lines.push(labelled(
                "tags",
                if tags.is_empty() {
                    "(none)".into()
                } else {
                    tags.join(", ")
                },
                theme,
            ));
            if let Some(material) = &detail.auth_material {
                lines.push(labelled("auth material", material.clone(), theme));
            }
        } else {
            lines.push(Line::from(Span::styled(
                "Enter shows its tags and details",
                theme.dim(),
            )));
        }
    } else if view.load == Load::Loaded {
        lines.push(Line::from(if view.items.is_empty() {
            "No account associations in this account and region yet."
        } else {
            "Nothing matches the filter (Esc clears it)."
        }));
    }
    boxed_paragraph(frame, right, "Details", lines, theme);

    let message = match &view.message {
        Some(Notice::Error(error)) => {
            Line::from(Span::styled(format!(" ✗ {error}"), theme.error()))
        }
        Some(Notice::Info(info)) => Line::from(Span::styled(format!(" {info}"), theme.ok())),
        None => Line::from(""),
    };
    frame.render_widget(
        Paragraph::new(fit_line(message, usize::from(message_area.width))),
        message_area,
    );
}

/// "2 things": the managed things registered to association `id`, once they are counted.
fn things_of(
    counts: Option<&std::collections::BTreeMap<String, usize>>,
    id: &str,
) -> Option<String> {
    let count = counts?.get(id).copied().unwrap_or(0);
    Some(format!(
        "{count} thing{}",
        if count == 1 { "" } else { "s" }
    ))
}

fn short_state(state: &AssociationState) -> &str {
    match state {
        AssociationState::InProgress => "in progress",
        AssociationState::Failed => "failed",
        AssociationState::Succeeded => "succeeded",
        AssociationState::Deleting => "deleting",
        AssociationState::RefreshTokenExpired => "token expired",
        AssociationState::Unknown(other) => other,
    }
}
