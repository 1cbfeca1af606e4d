//! Step 4 (General Authorization destinations only): the auth material to sign in with.

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{Change, Screen, move_cursor};
use crate::ui::app::{App, Reaction};
use crate::ui::autopilot::{Pilot, Plan, Round};
use crate::ui::keymap::{Action, Binding, Code, bind, is_move, letter_moves, list_moves};
use crate::ui::theme::Theme;
use crate::ui::widgets::{ListWindow, windowed_list, wrapped_paragraph};
use iotmi_core::flow::{Flow, Intent, Step};

#[derive(Clone, Debug, Default)]
pub struct State {
    pub cursor: usize,
    pub window: ListWindow,
}

impl State {
    /// The screen opens on the material chosen before, if any.
    pub fn follow(&mut self, flow: &Flow, change: Change) {
        if change.entered(Step::Auth, flow.step()) {
            self.cursor = flow
                .destination()
                .as_ref()
                .and_then(|d| {
                    let current = flow.auth_material().as_ref()?;
                    d.auth_materials.iter().position(|m| m == current)
                })
                .unwrap_or(0);
        }
    }
}

fn materials(flow: &Flow) -> &[String] {
    flow.destination()
        .as_ref()
        .map(|d| d.auth_materials.as_slice())
        .unwrap_or_default()
}

pub struct Auth;

impl Screen for Auth {
    fn keys(&self, _app: &App) -> Vec<Binding> {
        let mut keys = list_moves();
        keys.push(bind(
            "Enter",
            &[Code(KeyCode::Enter), Code(KeyCode::Tab)],
            "choose",
            Action::Choose,
        ));
        keys.push(bind(
            "Esc",
            &[Code(KeyCode::Esc), Code(KeyCode::BackTab)],
            "back",
            Action::Back,
        ));
        keys.extend(letter_moves());
        keys
    }

    fn act(&self, app: &mut App, action: Action, now: Instant) -> Reaction {
        let intent = match action {
            action if is_move(action) => {
                let state = &mut app.ui.auth;
                let page = state.window.page();
                move_cursor(&mut state.cursor, materials(&app.flow).len(), page, action);
                return Reaction::default();
            }
            Action::Choose => match materials(&app.flow).get(app.ui.auth.cursor) {
                Some(material) => Intent::ChooseMaterial(material.clone()),
                None => return Reaction::default(),
            },
            Action::Back => Intent::Back,
            _ => return Reaction::default(),
        };
        app.send(intent, now).into()
    }

    fn render(&self, app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
        render(app, frame, area, theme)
    }

    fn autoplay(&self, _app: &App, _round: &Round) -> Plan {
        Some((Duration::from_millis(1200), Pilot::Press(Action::Choose)))
    }
}

fn render(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let model = &app.flow;
    let ui = &app.ui;
    let materials = model
        .destination()
        .as_ref()
        .map(|d| d.auth_materials.as_slice())
        .unwrap_or_default();
    let [intro, list_area] =
        Layout::vertical([Constraint::Length(3), Constraint::Min(3)]).areas(area);
    let name = model
        .destination()
        .as_ref()
        .map(|d| d.name.clone())
        .unwrap_or_default();
    wrapped_paragraph(
        frame,
        intro,
        Paragraph::new(vec![
            Line::from(vec![Span::styled(name, theme.title()), Span::raw(" uses General Authorization.")]),
            Line::from("Pick the auth material (a secret held in AWS Secrets Manager) the association signs in with."),
        ])
        .wrap(Wrap { trim: false }),
    );
    let all: Vec<usize> = (0..materials.len()).collect();
    let row = |m: &String| {
        let chosen = model.auth_material().as_deref() == Some(m.as_str());
        Line::from(vec![
            Span::raw(m.clone()),
            Span::styled(if chosen { "  (current)" } else { "" }, theme.dim()),
        ])
    };
    windowed_list(
        frame,
        list_area,
        "Auth materials",
        (materials, &all, ui.auth.cursor),
        &ui.auth.window,
        row,
        theme,
    );
}
