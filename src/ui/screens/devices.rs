//! The Devices step: the discovery's progress, then the devices as a filterable list to
//! select and adopt, with the adoption's progress and each device's result.

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Gauge, Paragraph};
use tui_input::Input;

use super::{Screen, move_cursor};
use crate::ui::app::{App, Reaction};
use crate::ui::autopilot::{Pilot, Plan, Round};
use crate::ui::keymap::{
    Action, Binding, Char, Code, bind, focused_filter_keys, is_move, letter_moves, list_moves,
    quiet,
};
use crate::ui::theme::Theme;
use crate::ui::widgets::{
    ListWindow, boxed_paragraph, fit_line, highlighted, spinner, text_field, windowed_list,
};
use iotmi_core::flow::{DiscoveryState, Effect, Intent, Notice};
use iotmi_core::service::DiscoveredDevice;

#[derive(Clone, Debug, Default)]
pub struct State {
    pub filter: Input,
    pub filter_focused: bool,
    pub cursor: usize,
    pub window: ListWindow,
}

pub fn highlighted_device(app: &App) -> Option<&DiscoveredDevice> {
    let view = app.flow.devices().as_ref()?;
    view.items.get(*view.matches.get(app.ui.devices.cursor)?)
}

fn move_in_list(app: &mut App, action: Action) {
    let state = &mut app.ui.devices;
    let len = app.flow.devices().as_ref().map_or(0, |v| v.matches.len());
    let page = state.window.page();
    move_cursor(&mut state.cursor, len, page, action);
}

pub struct Devices;

impl Screen for Devices {
    fn keys(&self, app: &App) -> Vec<Binding> {
        if app.ui.devices.filter_focused {
            return focused_filter_keys();
        }
        let view = app.flow.devices().as_ref();
        let discovery = view.map(|v| &v.discovery);
        let adoption = view.and_then(|v| v.adoption.as_ref());
        let mut keys = Vec::new();
        match discovery {
            Some(DiscoveryState::Done { .. }) => {
                let selected = view.is_some_and(|v| !v.selected.is_empty());
                keys.push(bind(
                    "Enter",
                    &[Code(KeyCode::Enter)],
                    if selected { "adopt selected" } else { "finish" },
                    Action::Next,
                ));
                keys.push(bind("Space", &[Char(' ')], "select", Action::ToggleDevice));
                keys.push(bind("a", &[Char('a')], "all", Action::SelectAllDevices));
                keys.push(quiet(bind(
                    "n",
                    &[Char('n')],
                    "none",
                    Action::SelectNoDevices,
                )));
                keys.push(bind("/", &[Char('/')], "filter", Action::FocusFilter));
                if adoption.is_some_and(|a| !a.failed.is_empty()) {
                    keys.push(bind("r", &[Char('r')], "retry failed", Action::Retry));
                }
                keys.push(quiet(bind(
                    "g",
                    &[Char('g')],
                    "discover again",
                    Action::Reload,
                )));
                keys.extend(list_moves().into_iter().map(quiet));
                keys.extend(letter_moves());
            }
            _ => keys.push(bind(
                "Enter",
                &[Code(KeyCode::Enter), Char('g')],
                "discover",
                Action::Next,
            )),
        }
        keys.push(bind(
            "Esc",
            &[Code(KeyCode::Esc)],
            if view.is_some_and(|v| v.from_manage) {
                "back to the list"
            } else {
                "back"
            },
            Action::Back,
        ));
        keys
    }

    fn act(&self, app: &mut App, action: Action, now: Instant) -> Reaction {
        let intent = match action {
            action if is_move(action) => {
                move_in_list(app, action);
                return Reaction::default();
            }
            Action::Next => Intent::Next,
            Action::Back => Intent::Back,
            Action::FocusFilter | Action::LeaveFilter => {
                app.ui.devices.filter_focused = action == Action::FocusFilter;
                return Reaction::default();
            }
            Action::ToggleDevice => {
                let Some(id) = highlighted_device(app).map(|d| d.connector_device_id.clone())
                else {
                    return Reaction::default();
                };
                // The cursor moves on, as in a file manager's selection.
                let effects = app.send(Intent::ToggleDevice(id), now);
                move_in_list(app, Action::Down);
                return effects.into();
            }
            Action::SelectAllDevices => Intent::SelectAllDevices(true),
            Action::SelectNoDevices => Intent::SelectAllDevices(false),
            Action::Retry => Intent::RetryFailedAdoptions,
            Action::Reload => Intent::StartDiscovery,
            _ => return Reaction::default(),
        };
        app.send(intent, now).into()
    }

    fn typing(&self, app: &App) -> bool {
        app.ui.devices.filter_focused
    }

    fn focused_input<'a>(&self, app: &'a mut App) -> Option<&'a mut Input> {
        let state = &mut app.ui.devices;
        state.filter_focused.then_some(&mut state.filter)
    }

    fn typed(&self, app: &mut App, now: Instant) -> Vec<Effect> {
        let filter = app.ui.devices.filter.value().to_string();
        app.send(Intent::FilterDevices(filter), now)
    }

    fn render(&self, app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
        render(app, frame, area, theme)
    }

    /// Discover, select all, adopt, and end the round once the adoption is over.
    fn autoplay(&self, app: &App, _round: &Round) -> Plan {
        let ms = Duration::from_millis;
        let view = app.flow.devices().as_ref()?;
        let finish = Pilot::Finish(Action::Next);
        match (&view.discovery, &view.adoption) {
            (DiscoveryState::Idle, _) => Some((ms(1200), Pilot::Press(Action::Next))),
            (DiscoveryState::Failed(_), _) => Some((ms(3000), finish)),
            (DiscoveryState::Done { .. }, None) if view.items.is_empty() => {
                Some((ms(3000), finish))
            }
            (DiscoveryState::Done { .. }, None) if view.selected.is_empty() => {
                Some((ms(1500), Pilot::Press(Action::SelectAllDevices)))
            }
            (DiscoveryState::Done { .. }, None) => Some((ms(1200), Pilot::Press(Action::Next))),
            (DiscoveryState::Done { .. }, Some(adoption)) if adoption.finished() => {
                Some((ms(4000), finish))
            }
            _ => None,
        }
    }
}

fn render(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let model = &app.flow;
    let ui = &app.ui;
    let Some(view) = &model.devices() else {
        return;
    };
    let title = format!("Devices of {}", view.association_name);
    let status = match &view.discovery {
        DiscoveryState::Idle => Line::from("Enter discovers the devices of this account."),
        DiscoveryState::Starting { .. } => {
            Line::from(format!("{} Starting a discovery…", spinner(ui.spinner)))
        }
        DiscoveryState::Running { id, started, .. } => {
            let secs = model.now().saturating_duration_since(*started).as_secs();
            Line::from(format!(
                "{} Discovering through the connector… {}:{:02}  ({id})",
                spinner(ui.spinner),
                secs / 60,
                secs % 60
            ))
        }
        DiscoveryState::Listing { .. } => Line::from(format!(
            "{} Listing the devices found… {}",
            spinner(ui.spinner),
            view.items.len()
        )),
        DiscoveryState::Done { .. } => {
            let managed = view
                .items
                .iter()
                .filter(|d| d.managed_thing_id.is_some())
                .count();
            let hidden = match view.hidden() {
                0 => String::new(),
                n => format!(" · {n} hidden by the filter"),
            };
            Line::from(vec![
                Span::styled(format!("✓ Found {} devices", view.items.len()), theme.ok()),
                Span::styled(
                    format!(
                        " · {managed} already managed · {} selected{hidden}",
                        view.selected_shown()
                    ),
                    theme.dim(),
                ),
            ])
        }
        DiscoveryState::Failed(why) => Line::from(Span::styled(
            format!("✗ {why} (Enter tries again)"),
            theme.error(),
        )),
    };
    if !matches!(view.discovery, DiscoveryState::Done { .. }) {
        boxed_paragraph(frame, area, &title, vec![status], theme);
        return;
    }
    let [
        status_area,
        filter_area,
        list_area,
        progress_area,
        message_area,
    ] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(3),
        Constraint::Min(3),
        // The gauge and the message take a row only while there is one: the list gets it
        // otherwise.
        Constraint::Length(u16::from(view.adoption.is_some())),
        Constraint::Length(u16::from(view.message.is_some())),
    ])
    .areas(area);
    frame.render_widget(
        Paragraph::new(fit_line(status, usize::from(status_area.width))),
        status_area,
    );
    text_field(
        frame,
        filter_area,
        Line::from(vec![
            Span::raw("Filter (/)"),
            Span::styled(
                format!(" {}/{} ", view.matches.len(), view.items.len()),
                theme.dim(),
            ),
        ]),
        &ui.devices.filter,
        ui.devices.filter_focused,
        theme,
    );
    let filter = ui.devices.filter.value();
    let adoption = view.adoption.as_ref();
    let row = |d: &DiscoveredDevice| {
        let id = &d.connector_device_id;
        let mark = if d.managed_thing_id.is_some() {
            Span::styled("[✓] ", theme.ok())
        } else if adoption.is_some_and(|a| a.in_flight.contains(id)) {
            Span::raw("[…] ")
        } else if adoption.is_some_and(|a| a.failed.contains_key(id)) {
            Span::styled("[✗] ", theme.error())
        } else if view.selected.contains(id) {
            Span::styled("[x] ", theme.key())
        } else {
            Span::raw("[ ] ")
        };
        let mut spans = vec![mark];
        spans.extend(highlighted(&d.name, filter, Style::new(), theme.matched()));
        spans.push(Span::styled(
            format!("  {} {} · {}", d.brand, d.model, d.device_types.join(", ")),
            theme.dim(),
        ));
        if let Some(thing) = &d.managed_thing_id {
            spans.push(Span::styled(format!("  managed {thing}"), theme.ok()));
        }
        Line::from(spans)
    };
    windowed_list(
        frame,
        list_area,
        "Devices",
        (&view.items, &view.matches, ui.devices.cursor),
        &ui.devices.window,
        row,
        theme,
    );
    if let Some(adoption) = adoption {
        let settled = adoption.done.len() + adoption.failed.len();
        let ratio = if adoption.total == 0 {
            1.0
        } else {
            settled as f64 / adoption.total as f64
        };
        frame.render_widget(
            Gauge::default()
                .gauge_style(theme.ok())
                .ratio(ratio.min(1.0))
                .label(format!(
                    "adopting {settled}/{}{}",
                    adoption.total,
                    if adoption.failed.is_empty() {
                        String::new()
                    } else {
                        format!(" · {} failed", adoption.failed.len())
                    }
                )),
            progress_area,
        );
    }
    let message = match &view.message {
        Some(Notice::Error(error)) => {
            Line::from(Span::styled(format!(" ✗ {error}"), theme.error()))
        }
        Some(Notice::Info(info)) => Line::from(Span::styled(format!(" ✓ {info}"), theme.ok())),
        None => Line::from(""),
    };
    frame.render_widget(
        Paragraph::new(fit_line(message, usize::from(message_area.width))),
        message_area,
    );
}
