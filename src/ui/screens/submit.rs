//! Submitting: the create call in flight, or its failure with retry (same ClientToken) and edit.

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::Screen;
use crate::ui::app::{App, Reaction};
use crate::ui::autopilot::{Pilot, Plan, Round};
use crate::ui::keymap::{Action, Binding, Char, Code, bind};
use crate::ui::theme::Theme;
use crate::ui::widgets::{boxed_paragraph, error_lines, spinner};
use iotmi_core::flow::{Intent, SubmitState};

pub struct Submit;

impl Screen for Submit {
    fn keys(&self, app: &App) -> Vec<Binding> {
        match app.flow.submit() {
            // The token is taken with other parameters: only a new request can succeed.
            SubmitState::Failed(_) if !app.flow.retry_can_succeed() => vec![bind(
                "e",
                &[Char('e'), Code(KeyCode::Enter), Code(KeyCode::Esc)],
                "edit, then submit a new request",
                Action::EditDraft,
            )],
            SubmitState::Failed(_) => vec![
                bind(
                    "r",
                    &[Char('r'), Code(KeyCode::Enter)],
                    "retry",
                    Action::Retry,
                ),
                bind(
                    "e",
                    &[Char('e'), Code(KeyCode::Esc)],
                    "edit",
                    Action::EditDraft,
                ),
            ],
            _ => Vec::new(),
        }
    }

    fn act(&self, app: &mut App, action: Action, now: Instant) -> Reaction {
        let intent = match action {
            Action::Retry => Intent::Retry,
            Action::EditDraft => Intent::EditDraft,
            _ => return Reaction::default(),
        };
        app.send(intent, now).into()
    }

    fn render(&self, app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
        render(app, frame, area, theme)
    }

    fn autoplay(&self, app: &App, _round: &Round) -> Plan {
        match app.flow.submit() {
            SubmitState::Failed(_) if !app.flow.retry_can_succeed() => {
                Some((Duration::from_millis(1500), Pilot::Press(Action::EditDraft)))
            }
            SubmitState::Failed(_) => {
                Some((Duration::from_millis(1500), Pilot::Press(Action::Retry)))
            }
            _ => None,
        }
    }
}

fn render(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let model = &app.flow;
    let ui = &app.ui;
    match &model.submit() {
        SubmitState::Failed(error) => {
            let retry = model.retry_can_succeed();
            let choices: &[(&str, &str)] = if retry {
                &[("r", "retry (same request, same token)"), ("e", "edit")]
            } else {
                &[("e", "edit, then submit a new request (a new token)")]
            };
            let mut lines = error_lines(error, model.target(), choices, theme);
            if !retry {
                // The generic "then retry" of a conflict does not fit the create's own token.
                lines[3] = Line::from(
                    "This ClientToken is taken with other parameters: the same request cannot \
                     succeed.",
                );
            }
            lines.push(Line::from(""));
            lines.push(Line::from("Everything you entered is kept."));
            boxed_paragraph(
                frame,
                area,
                "Could not create the association",
                lines,
                theme,
            );
        }
        _ => {
            let lines = vec![Line::from(format!(
                "{} Creating the account association…",
                spinner(ui.spinner)
            ))];
            boxed_paragraph(frame, area, "Submitting", lines, theme);
        }
    }
}
