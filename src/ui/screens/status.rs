//! The association's state while it is waited for, with what can be done about it (refresh
//! an expired token, keep waiting or leave it in progress). Its render also draws Done.

use std::time::Instant;

use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::Screen;
use super::authorize::consent_autoplay;
use crate::ui::app::{App, Reaction};
use crate::ui::autopilot::{Plan, Round};
use crate::ui::keymap::{
    Action, Binding, Char, Code, back_to_list, bind, owner_keys, quiet, timeout_keys,
};
use crate::ui::theme::Theme;
use crate::ui::widgets::{boxed_paragraph, error_lines, key_line, labelled, owner_hint, spinner};
use iotmi_core::flow::{Intent, RefreshState};
use iotmi_core::service::AssociationState;

pub struct Status;

impl Screen for Status {
    fn keys(&self, app: &App) -> Vec<Binding> {
        let flow = &app.flow;
        let mut keys = owner_keys(app);
        keys.extend(timeout_keys(app));
        keys.extend(back_to_list(app));
        let tracked = flow.association().as_ref();
        if tracked.is_some_and(|a| a.state == AssociationState::RefreshTokenExpired) {
            keys.push(bind("r", &[Char('r')], "refresh", Action::Refresh));
        }
        if flow.oauth_url().is_some() {
            keys.push(bind("a", &[Char('a')], "authorize", Action::ShowAuthorize));
        }
        keys.push(quiet(bind(
            "Esc",
            &[Code(KeyCode::Esc)],
            "back",
            Action::Back,
        )));
        keys
    }

    fn act(&self, app: &mut App, action: Action, now: Instant) -> Reaction {
        let intent = match action {
            Action::ActAsOwner(action) => Intent::ActAsOwner(action),
            Action::KeepWaiting => Intent::KeepWaiting,
            Action::LeaveInProgress => Intent::LeaveInProgress,
            Action::Back => Intent::Back,
            Action::Refresh => Intent::Refresh,
            Action::ShowAuthorize => Intent::ShowAuthorize,
            _ => return Reaction::default(),
        };
        app.send(intent, now).into()
    }

    fn render(&self, app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
        render(app, frame, area, theme, false)
    }

    fn autoplay(&self, app: &App, _round: &Round) -> Plan {
        consent_autoplay(app)
    }
}

/// The association's state; `done`: as the last screen of the run (Done).
pub fn render(app: &App, frame: &mut Frame, area: Rect, theme: &Theme, done: bool) {
    let model = &app.flow;
    let ui = &app.ui;
    let Some(tracked) = &model.association() else {
        return;
    };
    let mut lines = vec![
        labelled("Association", tracked.id.clone(), theme),
        labelled("ARN", tracked.arn.clone(), theme),
        labelled("Name", tracked.name.clone(), theme),
    ];
    let state_style = match tracked.state {
        AssociationState::Succeeded => theme.ok(),
        AssociationState::Failed => theme.error(),
        AssociationState::RefreshTokenExpired => theme.warn(),
        _ => ratatui::style::Style::new(),
    };
    let mut state_line = vec![Span::styled(format!("{:<13}", "State"), theme.dim())];
    if let Some(polling) = &model.polling() {
        let elapsed = model
            .now()
            .saturating_duration_since(polling.started)
            .as_secs();
        state_line.push(Span::raw(format!("{} ", spinner(ui.spinner))));
        state_line.push(Span::styled(tracked.state.to_string(), state_style));
        state_line.push(Span::styled(
            format!("  waiting {}:{:02}", elapsed / 60, elapsed % 60),
            theme.dim(),
        ));
    } else {
        // "gone" once the service no longer has it, never the stale state beside the reason.
        state_line.push(Span::styled(tracked.state_text(), state_style));
    }
    lines.push(Line::from(state_line));
    lines.push(Line::from(""));

    if let Some(retrying) = model.polling().as_ref().and_then(|p| p.retrying.as_ref()) {
        lines.push(Line::from(Span::styled(retrying.line(), theme.warn())));
    }
    if let Some(error) = &tracked.lost {
        let (what, remedy) = iotmi_core::flow::retry::ended_explanation(error);
        lines.push(Line::from(Span::styled(format!("✗ {what}"), theme.error())));
        lines.push(Line::from(Span::styled(remedy, theme.dim())));
        lines.push(Line::from(""));
    }
    match &tracked.state {
        _ if tracked.lost.is_some() => {}
        AssociationState::Succeeded => {
            lines.push(Line::from(Span::styled(
                "✓ The account is associated.",
                theme.ok(),
            )));
            lines.push(Line::from(""));
            lines.push(key_line(
                &[(
                    "f",
                    "find the account's devices and adopt them as managed things",
                )],
                theme,
            ));
        }
        AssociationState::Failed => {
            lines.push(Line::from(Span::styled(
                "✗ The association failed.",
                theme.error(),
            )));
            if let Some(message) = &tracked.error_message {
                lines.push(Line::from(format!("The service says: {message}")));
            }
            lines.push(Line::from(""));
            lines.push(key_line(
                &[("n", "retry as a new association with the same inputs")],
                theme,
            ));
        }
        AssociationState::RefreshTokenExpired => {
            lines.push(Line::from(
                "The third-party token expired: the account owner must approve again.",
            ));
            lines.push(match &model.refresh() {
                RefreshState::InFlight { .. } => {
                    Line::from(format!("{} Starting a refresh…", spinner(ui.spinner)))
                }
                _ => key_line(&[("r", "start a refresh and authorize again")], theme),
            });
            if let RefreshState::Failed(error) = &model.refresh() {
                lines.extend(error_lines(error, model.target(), &[("r", "retry")], theme));
            }
        }
        _ => {
            lines.push(Line::from(if tracked.oauth_url.is_empty() {
                "The service is setting up the association; nothing to do but wait."
            } else {
                "Waiting for the account owner to approve in the browser (a shows the URL again)."
            }));
            lines.extend(owner_hint(model, theme));
        }
    }
    if let Some(polling) = model.polling().as_ref().filter(|p| p.asking_timeout) {
        let waited = model
            .now()
            .saturating_duration_since(polling.started)
            .as_secs()
            / 60;
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            format!("Still in progress after {waited} min. Keep waiting?"),
            theme.warn(),
        )));
        lines.push(key_line(
            &[
                ("w", "keep waiting"),
                ("x", "exit and leave it in progress"),
            ],
            theme,
        ));
        if let Some([ours, _]) =
            iotmi_core::flow::command_line::check_later(model.target(), &tracked.id)
        {
            lines.push(Line::from(Span::styled(
                format!("Check it later: {ours}"),
                theme.dim(),
            )));
        }
    }
    let title = match (&tracked.state, done) {
        (AssociationState::Failed, _) => "Association failed",
        (AssociationState::Succeeded, true) => "Done: associated",
        (_, true) => "Done",
        (_, false) => "Association state",
    };
    boxed_paragraph(frame, area, title, lines, theme);
}
