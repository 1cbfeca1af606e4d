//! A saved, unfinished onboarding: resume it or start fresh.

use std::time::Instant;

use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::Screen;
use crate::ui::app::{App, Reaction};
use crate::ui::keymap::{Action, Binding, Char, Code, bind};
use crate::ui::theme::Theme;
use crate::ui::widgets::{boxed_paragraph, key_line, labelled};
use iotmi_core::flow::{self, Intent};
use iotmi_core::journal::SavedStep;

pub struct Resume;

impl Screen for Resume {
    fn keys(&self, app: &App) -> Vec<Binding> {
        if app.flow.second_run().is_some() {
            // No is the default: a second association is made only on purpose.
            return vec![
                bind(
                    "y",
                    &[Char('y'), Char('Y')],
                    "make a second association",
                    Action::MakeSecond,
                ),
                bind(
                    "n/Enter",
                    &[Char('n'), Char('N'), Code(KeyCode::Enter)],
                    "leave, creating nothing",
                    Action::KeepOne,
                ),
            ];
        }
        vec![
            bind(
                "Enter",
                &[Code(KeyCode::Enter), Char('r')],
                "resume",
                Action::Resume,
            ),
            bind(
                "d",
                &[Char('d'), Code(KeyCode::Delete)],
                "start fresh",
                Action::Discard,
            ),
        ]
    }

    fn act(&self, app: &mut App, action: Action, now: Instant) -> Reaction {
        let intent = match action {
            Action::Resume => Intent::Resume,
            Action::Discard => Intent::Discard,
            Action::MakeSecond => Intent::MakeSecond(true),
            Action::KeepOne => Intent::MakeSecond(false),
            _ => return Reaction::default(),
        };
        app.send(intent, now).into()
    }

    fn render(&self, app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
        render(app, frame, area, theme)
    }
    // Not on the walkthrough's path: no autoplay goal.
}

/// Another live run holds the journal and is onboarding this very request: asked before a
/// second association is made.
fn render_second_run(
    held: &iotmi_core::journal::HeldJournal,
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
) {
    let lines = vec![
        Line::from(Span::raw(flow::second_run_summary(held))),
        Line::from(""),
        Line::from(Span::styled(
            "Make a second association? y/N",
            theme.title(),
        )),
        Line::from(""),
        key_line(
            &[
                ("y", "make a second association"),
                ("n/Enter", "leave, creating nothing"),
            ],
            theme,
        ),
    ];
    boxed_paragraph(frame, area, "Same request", lines, theme);
}

fn render(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let model = &app.flow;

    if let Some(held) = model.second_run() {
        return render_second_run(held, frame, area, theme);
    }
    let Some(journal) = &model.opts().resume else {
        return;
    };
    let mut lines = vec![
        Line::from(Span::styled(
            "An unfinished onboarding was saved:",
            theme.title(),
        )),
        Line::from(""),
    ];
    let destination = journal
        .destination
        .as_ref()
        .map(|d| format!("{} ({})", d.name, d.id));
    lines.push(labelled(
        "Destination",
        destination.unwrap_or_else(|| "(not chosen)".into()),
        theme,
    ));
    lines.push(labelled(
        "Name",
        journal.draft.name.clone().unwrap_or_default(),
        theme,
    ));
    lines.push(labelled(
        "Tags",
        journal.draft.tags.len().to_string(),
        theme,
    ));
    let where_ = match (&journal.association_id, &journal.unanswered) {
        (Some(id), _) => format!("association {id} created: its state is fetched on resume"),
        (None, Some(_)) => "submitted, reply not received: resumes by resending the same request (same ClientToken), which never creates a second association".into(),
        (None, None) => format!("at the {} step, not submitted", step_name(journal.step)),
    };
    lines.push(labelled("Where", where_, theme));
    let age = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|now| now.as_secs().saturating_sub(journal.saved_at))
        .unwrap_or(0);
    lines.push(labelled("Saved", iotmi_core::text::age_text(age), theme));
    lines.push(Line::from(""));
    lines.push(key_line(
        &[("Enter", "resume"), ("d", "discard it and start fresh")],
        theme,
    ));
    boxed_paragraph(frame, area, "Resume", lines, theme);
}

fn step_name(step: SavedStep) -> &'static str {
    match step {
        SavedStep::Destination => "destination",
        SavedStep::Details => "name and description",
        SavedStep::Tags => "tags",
        SavedStep::Auth => "authorization",
        SavedStep::Review => "review",
    }
}
