use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::ui::app::App;
use crate::ui::theme::Theme;
use crate::ui::widgets::{boxed_paragraph, key_line, spinner};
use iotmi_core::flow::{Flow, Identity};

pub fn render(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    if app.flow.picking_profile() {
        render_picker(app, frame, area, theme);
        return;
    }
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
    let target = &flow.target();
    let region = target.region.clone().unwrap_or_else(|| "region …".into());
    let place = format!("profile {}, {region}", target.profile);
    match &flow.identity() {
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
                Some(command) if flow.opts().aws_cli => lines.push(key_line(
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

/// No profile was named and the config files have several: which account to work in comes
/// first. Each profile with its region and kind of credentials; the region can be changed.
fn render_picker(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    use ratatui::layout::{Constraint, Layout};
    use ratatui::widgets::ListItem;
    let ui = &app.ui;
    let profiles = &app.flow.opts().profiles;
    let [intro, list_area, region_area] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(3),
        Constraint::Length(3),
    ])
    .areas(area);
    frame.render_widget(
        ratatui::widgets::Paragraph::new(vec![
            Line::from(Span::styled(
                "Which AWS profile? (none was named; your AWS config has several)",
                theme.title(),
            )),
            Line::from(Span::styled(
                "Enter works as the highlighted one · Tab changes the region",
                theme.dim(),
            )),
        ]),
        intro,
    );
    let last = app
        .flow
        .opts()
        .last_profile
        .as_ref()
        .map(|l| l.profile.as_str());
    let all: Vec<usize> = (0..profiles.len()).collect();
    let row = |p: &iotmi_core::profile::ProfileInfo| {
        ListItem::new(Line::from(vec![
            Span::raw(p.name.clone()),
            Span::styled(
                format!(
                    "  {} · {}{}",
                    p.region.as_deref().unwrap_or("no region"),
                    p.kind.label(),
                    if last == Some(p.name.as_str()) {
                        " · last used"
                    } else {
                        ""
                    }
                ),
                theme.dim(),
            ),
        ]))
    };
    crate::ui::widgets::windowed_list(
        frame,
        list_area,
        "Profiles",
        (profiles, &all, ui.profile_cursor),
        &ui.destination_window,
        row,
        theme,
    );
    crate::ui::widgets::text_field(
        frame,
        region_area,
        Line::from("Region"),
        &ui.region,
        ui.region_focused,
        theme,
    );
}
