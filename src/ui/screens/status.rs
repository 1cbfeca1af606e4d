use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::ui::app::App;
use crate::ui::theme::Theme;
use crate::ui::widgets::{boxed_paragraph, error_lines, key_line, labelled, owner_hint, spinner};
use iotmi_core::flow::{RefreshState, Step};
use iotmi_core::service::AssociationState;

pub fn render(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
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
        state_line.push(Span::styled(tracked.state.to_string(), state_style));
    }
    lines.push(Line::from(state_line));
    lines.push(Line::from(""));

    if let Some(error) = model.polling().as_ref().and_then(|p| p.last_error.as_ref()) {
        lines.push(Line::from(Span::styled(
            format!("Last check failed ({}); still checking.", error.title()),
            theme.warn(),
        )));
    }
    match &tracked.state {
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
                lines.extend(error_lines(
                    error,
                    &model.target().profile,
                    &[("r", "retry")],
                    theme,
                ));
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
    let title = match (&tracked.state, model.step()) {
        (AssociationState::Failed, _) => "Association failed",
        (AssociationState::Succeeded, Step::Done) => "Done: associated",
        (_, Step::Done) => "Done",
        _ => "Association state",
    };
    boxed_paragraph(frame, area, title, lines, theme);
}
