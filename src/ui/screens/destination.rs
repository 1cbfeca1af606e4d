//! Step 1: the connector destinations, filtered as typed, with the highlighted one's details.

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use tui_input::Input;

use super::{Change, Screen, clamp, mirror, move_cursor};
use crate::ui::app::{App, Reaction};
use crate::ui::autopilot::{Pilot, Plan, Round, type_towards};
use crate::ui::keymap::{
    Action, Binding, Char, Code, bind, filtered_list_escape, is_move, list_moves, quiet,
};
use crate::ui::theme::Theme;
use crate::ui::widgets::{
    ListWindow, boxed_paragraph, error_lines, highlighted, labelled, spinner, text_field,
    windowed_list,
};
use iotmi_core::flow::{DetailLoad, Effect, Flow, Intent, Load};
use iotmi_core::service::DestinationSummary;

#[derive(Clone, Debug, Default)]
pub struct State {
    pub filter: Input,
    pub cursor: usize,
    pub window: ListWindow,
    /// The prefilled destination has been put under the cursor (once).
    pub prefill_placed: bool,
}

impl State {
    pub fn follow(&mut self, flow: &Flow, _change: Change) {
        mirror(&mut self.filter, &flow.destinations().filter);
        if !self.prefill_placed
            && self.filter.value().is_empty()
            && let Some(wanted) = flow.opts().prefill.destination.as_deref()
            && let Some(index) = flow
                .destinations()
                .items
                .iter()
                .position(|d| d.id == wanted)
            && let Some(position) = flow.destinations().matches.iter().position(|&m| m == index)
        {
            self.cursor = position;
            self.prefill_placed = true;
        }
        clamp(&mut self.cursor, flow.destinations().matches.len());
    }
}

pub fn highlighted_destination(app: &App) -> Option<&DestinationSummary> {
    let list = &app.flow.destinations();
    list.items
        .get(*list.matches.get(app.ui.destination.cursor)?)
}

/// The highlighted destination, or a prefilled id not (yet) in the list.
fn to_choose(app: &App) -> String {
    match highlighted_destination(app) {
        Some(d) => d.id.clone(),
        None if app.ui.destination.filter.value().is_empty() => app
            .flow
            .opts()
            .prefill
            .destination
            .clone()
            .unwrap_or_default(),
        None => String::new(),
    }
}

pub struct Destination;

impl Screen for Destination {
    fn keys(&self, app: &App) -> Vec<Binding> {
        if matches!(app.flow.destinations().load, Load::Failed(_)) {
            return vec![
                bind(
                    "r",
                    &[Char('r'), Code(KeyCode::Enter)],
                    "retry",
                    Action::Reload,
                ),
                quiet(bind("Esc", &[Code(KeyCode::Esc)], "back", Action::Back)),
            ];
        }
        let mut keys = list_moves();
        keys.push(bind("type", &[], "filter", Action::FocusFilter));
        keys.push(bind(
            "Enter",
            &[Code(KeyCode::Enter), Code(KeyCode::Tab)],
            "select",
            Action::Choose,
        ));
        keys.extend(filtered_list_escape(&app.ui.destination.filter, "back"));
        keys
    }

    fn act(&self, app: &mut App, action: Action, now: Instant) -> Reaction {
        let intent = match action {
            action if is_move(action) => {
                let state = &mut app.ui.destination;
                let page = state.window.page();
                let len = app.flow.destinations().matches.len();
                move_cursor(&mut state.cursor, len, page, action);
                return Reaction::default();
            }
            Action::Choose => Intent::ChooseDestination(to_choose(app)),
            Action::Back => Intent::Back,
            Action::ClearFilter => {
                app.ui.destination.filter = Input::default();
                return self.typed(app, now).into();
            }
            Action::Reload => Intent::ReloadDestinations,
            _ => return Reaction::default(),
        };
        app.send(intent, now).into()
    }

    fn typing(&self, app: &App) -> bool {
        !matches!(app.flow.destinations().load, Load::Failed(_))
    }

    fn focused_input<'a>(&self, app: &'a mut App) -> Option<&'a mut Input> {
        Some(&mut app.ui.destination.filter)
    }

    /// The filter tells the flow; the highlight stays on the same item while it still matches.
    fn typed(&self, app: &mut App, now: Instant) -> Vec<Effect> {
        let highlighted = app
            .flow
            .destinations()
            .matches
            .get(app.ui.destination.cursor)
            .copied();
        let filter = app.ui.destination.filter.value().to_string();
        let effects = app.send(Intent::FilterDestinations(filter), now);
        app.ui.destination.cursor = highlighted
            .and_then(|h| app.flow.destinations().matches.iter().position(|&m| m == h))
            .unwrap_or(0);
        effects
    }

    fn render(&self, app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
        render(app, frame, area, theme)
    }

    /// Enough of the round's destination's name to find it, typed as a person filters; then
    /// down to it and Enter.
    fn autoplay(&self, app: &App, round: &Round) -> Plan {
        let ms = Duration::from_millis;
        let goal = round.destination.as_deref()?;
        let name = app.flow.listed_destination(goal)?.name.to_lowercase();
        let query: String = name
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");
        if let Some(typed) = type_towards(&app.ui.destination.filter, &query) {
            return Some(typed);
        }
        match highlighted_destination(app) {
            Some(d) if d.id == goal => Some((ms(900), Pilot::Press(Action::Choose))),
            Some(_) => Some((ms(300), Pilot::Press(Action::Down))),
            None => Some((ms(500), Pilot::ClearField)),
        }
    }
}

fn render(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let model = &app.flow;
    let ui = &app.ui;
    let list = &model.destinations();
    if let Load::Failed(error) = &list.load {
        let lines = error_lines(
            error,
            model.target(),
            &[("r", "retry"), ("Ctrl-C", "quit")],
            theme,
        );
        boxed_paragraph(
            frame,
            area,
            "Could not list connector destinations",
            lines,
            theme,
        );
        return;
    }
    let [filter_area, main] =
        Layout::vertical([Constraint::Length(3), Constraint::Min(1)]).areas(area);
    let count = if let Some(retrying) = &list.retry.retrying {
        format!(" {} ", retrying.line())
    } else if list.load == Load::Loading {
        format!(" {} loading… ", spinner(ui.spinner))
    } else if list.more {
        format!(
            " {}/{} · {} loading more… ",
            list.matches.len(),
            list.items.len(),
            spinner(ui.spinner)
        )
    } else {
        format!(" {}/{} ", list.matches.len(), list.items.len())
    };
    let title = Line::from(vec![Span::raw("Filter"), Span::styled(count, theme.dim())]);
    text_field(
        frame,
        filter_area,
        title,
        &ui.destination.filter,
        true,
        theme,
    );

    if list.load == Load::Loaded && list.items.is_empty() {
        let lines = vec![
            Line::from(Span::styled(
                "This account has no connector destinations yet.",
                theme.warn(),
            )),
            Line::from(""),
            Line::from(
                "An account association connects through a connector destination. Create one first:",
            ),
            Line::from(Span::styled(
                "  aws iot-managed-integrations create-connector-destination --cloud-connector-id … --auth-type OAUTH …",
                theme.key(),
            )),
            Line::from(
                "or in the AWS console: IoT Device Management › Managed integrations › Cloud connectors.",
            ),
            Line::from(""),
            Line::from(
                "Check that the profile, account and region in the header are the ones you meant.",
            ),
        ];
        boxed_paragraph(frame, main, "No destinations", lines, theme);
        return;
    }

    let [left, right] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(main);
    let filter = ui.destination.filter.value();
    let row = |d: &iotmi_core::service::DestinationSummary| {
        let connector = model
            .connector_name(&d.cloud_connector_id)
            .unwrap_or(&d.cloud_connector_id);
        let mut spans = highlighted(&d.name, filter, Style::new(), theme.matched());
        spans.push(Span::styled("  ", theme.dim()));
        spans.extend(highlighted(connector, filter, theme.dim(), theme.matched()));
        Line::from(spans)
    };
    windowed_list(
        frame,
        left,
        "Destinations",
        (&list.items, &list.matches, ui.destination.cursor),
        &ui.destination.window,
        row,
        theme,
    );

    let mut lines = Vec::new();
    match highlighted_destination(app) {
        Some(d) => {
            lines.push(Line::from(Span::styled(d.name.clone(), theme.title())));
            lines.push(labelled("id", d.id.clone(), theme));
            let connector = model.connector_name(&d.cloud_connector_id).unwrap_or("…");
            lines.push(labelled(
                "connector",
                format!("{connector} ({})", d.cloud_connector_id),
                theme,
            ));
            lines.push(Line::from(""));
            lines.push(Line::from(d.description.clone()));
        }
        None if list.load == Load::Loading => lines.push(Line::from(format!(
            "{} Loading destinations…",
            spinner(ui.spinner)
        ))),
        None => lines.push(Line::from(Span::styled(
            "Nothing matches the filter (Esc clears it).",
            theme.warn(),
        ))),
    }
    match &list.detail {
        DetailLoad::Loading { .. } => {
            lines.push(Line::from(""));
            lines.push(Line::from(format!(
                "{} Fetching its authorization settings…",
                spinner(ui.spinner)
            )));
        }
        DetailLoad::Failed { id, error } => {
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled(
                format!("Could not fetch {id}:"),
                theme.error(),
            )));
            lines.extend(error_lines(
                error,
                model.target(),
                &[("Enter", "retry")],
                theme,
            ));
        }
        DetailLoad::Idle => {}
    }
    boxed_paragraph(frame, right, "Details", lines, theme);
}
