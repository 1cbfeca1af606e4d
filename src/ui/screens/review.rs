//! Review: what will be created, row by row (each can be edited), and the equivalent AWS CLI
//! command to copy.

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{Change, PAGE, Screen, clamp, move_cursor};
use crate::ui::app::{App, HostAction, Reaction};
use crate::ui::autopilot::{Pilot, Plan, Round};
use crate::ui::keymap::{
    Action, Binding, Char, Code, bind, is_move, letter_moves, list_moves, quiet,
};
use crate::ui::theme::Theme;
use crate::ui::widgets::fit_line;
use iotmi_core::flow::{DetailsField, Flow, Intent, ReviewRow, review_command};

#[derive(Clone, Debug, Default)]
pub struct State {
    pub cursor: usize,
}

impl State {
    pub fn follow(&mut self, flow: &Flow, _change: Change) {
        clamp(&mut self.cursor, flow.review_rows().len());
    }
}

pub struct Review;

impl Screen for Review {
    fn keys(&self, _app: &App) -> Vec<Binding> {
        let mut keys = vec![
            bind("Enter", &[Code(KeyCode::Enter)], "submit", Action::Next),
            bind(
                "↑↓ e",
                &[Char('e'), Code(KeyCode::Right)],
                "edit row",
                Action::EditRow,
            ),
            bind("c", &[Char('c')], "copy command", Action::CopyCommand),
            quiet(bind(
                "u",
                &[Char('u')],
                "the command unwrapped, to select whole",
                Action::UnwrappedCommand,
            )),
            bind(
                "Esc",
                &[Code(KeyCode::Esc), Code(KeyCode::BackTab)],
                "back",
                Action::Back,
            ),
            quiet(bind("Tab", &[Code(KeyCode::Tab)], "next row", Action::Down)),
        ];
        keys.extend(list_moves().into_iter().map(quiet));
        keys.extend(letter_moves());
        keys
    }

    fn act(&self, app: &mut App, action: Action, now: Instant) -> Reaction {
        let intent = match action {
            action if is_move(action) => {
                let len = app.flow.review_rows().len();
                move_cursor(&mut app.ui.review.cursor, len, PAGE, action);
                return Reaction::default();
            }
            Action::Next => Intent::Next,
            Action::Back => Intent::Back,
            Action::EditRow => {
                let rows = app.flow.review_rows();
                let Some(row) = rows.get(app.ui.review.cursor).copied() else {
                    return Reaction::default();
                };
                // Details opens on the field of the row chosen.
                app.ui.details.focus = Some(if row == ReviewRow::Description {
                    DetailsField::Description
                } else {
                    DetailsField::Name
                });
                Intent::EditRow(row)
            }
            Action::CopyCommand => {
                let Some(command) = review_command(&app.flow) else {
                    return Reaction::default();
                };
                return Reaction {
                    effects: Vec::new(),
                    host: vec![HostAction::Copy(command)],
                };
            }
            Action::UnwrappedCommand => {
                let Some(command) = review_command(&app.flow) else {
                    return Reaction::default();
                };
                return Reaction {
                    effects: Vec::new(),
                    host: vec![HostAction::ShowUnwrapped {
                        heading: "The equivalent AWS CLI command",
                        text: command,
                    }],
                };
            }
            _ => return Reaction::default(),
        };
        app.send(intent, now).into()
    }

    fn render(&self, app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
        render(app, frame, area, theme)
    }

    fn autoplay(&self, _app: &App, _round: &Round) -> Plan {
        Some((Duration::from_millis(2500), Pilot::Press(Action::Next)))
    }
}

fn render(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let model = &app.flow;
    let ui = &app.ui;
    let rows = model.review_rows();
    let [rows_area, command_area] = Layout::vertical([
        Constraint::Length(rows.len() as u16 + 2),
        Constraint::Min(3),
    ])
    .areas(area);
    let lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let (label, value) = row_text(model, *row);
            let selected = i == ui.review.cursor;
            let marker = if selected { "› " } else { "  " };
            let style = if selected {
                theme.selected()
            } else {
                ratatui::style::Style::new()
            };
            fit_line(
                Line::from(vec![
                    Span::styled(marker, theme.key()),
                    Span::styled(format!("{label:<15}"), theme.dim()),
                    Span::styled(value, style),
                ]),
                usize::from(rows_area.width.saturating_sub(2)),
            )
        })
        .collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.dim())
        .title(" What will be created (e edits a row) ");
    frame.render_widget(Paragraph::new(lines).block(block), rows_area);

    let command = review_command(model).unwrap_or_default();
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.dim())
        .title(" Equivalent AWS CLI command (c copies, u shows it whole) ");
    let paragraph = Paragraph::new(command).wrap(Wrap { trim: false });
    // A command cut by the box says so: its bottom edge ends with `…` (u shows it whole).
    let inner = block.inner(command_area);
    if paragraph.line_count(inner.width) > usize::from(inner.height) {
        block = block.title_bottom(Line::from(" … u shows it whole ").right_aligned());
    }
    frame.render_widget(paragraph.block(block), command_area);
}

fn row_text(model: &iotmi_core::flow::Flow, row: ReviewRow) -> (&'static str, String) {
    match row {
        ReviewRow::Destination => (
            "Destination",
            model
                .destination()
                .as_ref()
                .map(|d| format!("{} ({})", d.name, d.id))
                .unwrap_or_default(),
        ),
        ReviewRow::Name => ("Name", model.details().name.clone()),
        ReviewRow::Description => {
            let description = model.details().description.as_str();
            (
                "Description",
                if description.is_empty() {
                    "(none)".into()
                } else {
                    description.to_string()
                },
            )
        }
        ReviewRow::Tags => (
            "Tags",
            if model.tags().rows.is_empty() {
                "(none)".into()
            } else {
                model
                    .tags()
                    .rows
                    .iter()
                    .map(|r| format!("{}={}", r.key, r.value))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        ),
        ReviewRow::AuthMaterial => (
            "Auth material",
            model
                .auth_material()
                .clone()
                .unwrap_or_else(|| "(not chosen)".into()),
        ),
    }
}
