use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::flow::{Flow, Identity};
use crate::ui::app::App;
use crate::ui::theme::Theme;
use crate::ui::widgets::{boxed_paragraph, key_line, spinner};

pub fn render(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let ui = &app.ui;
    let mut lines = identity_lines(&app.flow, ui.spinner, theme);
    lines.push(Line::from(""));
    lines.push(Line::from("What do you want to do?"));
    let choices = [
        (
            "Create a new association",
            "onboard a third-party cloud account (c)",
        ),
        (
            "Manage existing",
            "view, authorize, refresh, retry or delete associations (m)",
        ),
    ];
    for (i, (title, what)) in choices.iter().enumerate() {
        let selected = i == ui.start_cursor;
        let marker = if selected { "› " } else { "  " };
        let style = if selected {
            theme.selected()
        } else {
            ratatui::style::Style::new()
        };
        lines.push(Line::from(vec![
            Span::styled(marker, theme.key()),
            Span::styled(title.to_string(), style),
            Span::styled(format!("  {what}"), theme.dim()),
        ]));
    }
    boxed_paragraph(frame, area, "iotmi-onboard", lines, theme);
}

/// Whose account this is, before the first step: the account and the principal, or what
/// stands in for them, or what went wrong and how to fix it.
fn identity_lines(flow: &Flow, frame_index: usize, theme: &Theme) -> Vec<Line<'static>> {
    let target = &flow.target;
    let region = target.region.clone().unwrap_or_else(|| "region …".into());
    let place = format!("profile {}, {region}", target.profile);
    match &flow.identity {
        Identity::Endpoint if target.demo => vec![Line::from(Span::styled(
            "Demo: the built-in simulator. Nothing real is created.",
            theme.warn(),
        ))],
        Identity::Endpoint => vec![Line::from(vec![
            Span::raw("Onboard into endpoint "),
            Span::styled(target.endpoint.clone().unwrap_or_default(), theme.title()),
            Span::raw(format!(" — {place} ({})", target.credentials)),
        ])],
        Identity::Checking => vec![Line::from(format!(
            "{} Checking whose account this is ({place})…",
            spinner(frame_index)
        ))],
        Identity::Known => vec![
            Line::from(vec![
                Span::raw("Onboard into account "),
                Span::styled(target.account.clone().unwrap_or_default(), theme.title()),
                Span::raw(" as "),
                Span::styled(target.arn.clone().unwrap_or_default(), theme.key()),
            ]),
            Line::from(Span::styled(
                format!("{place} · credentials: {}", target.credentials),
                theme.dim(),
            )),
        ],
        Identity::Failed(error) => {
            let mut lines = vec![
                Line::from(Span::styled(
                    format!("✗ Whose account this is is not known: {}", error.title()),
                    theme.error(),
                )),
                Line::from(error.message.clone()),
            ];
            match flow.sso_login() {
                Some(command) if flow.opts.aws_cli => lines.push(key_line(
                    &[
                        ("s", &format!("sign in here with `{}`", command.join(" "))),
                        ("r", "check again"),
                    ],
                    theme,
                )),
                Some(command) => lines.push(Line::from(format!(
                    "Run `{}` on a machine with the AWS CLI, then press r to check again.",
                    command.join(" ")
                ))),
                None => {
                    lines.push(Line::from(error.remedy(&target.profile)));
                    lines.push(key_line(&[("r", "check again")], theme));
                }
            }
            lines
        }
    }
}
