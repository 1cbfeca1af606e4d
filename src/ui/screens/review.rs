use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::ui::app::App;
use crate::ui::theme::Theme;
use iotmi_core::flow::ReviewRow;
use iotmi_core::flow::review_command;

pub fn render(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
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
            let selected = i == ui.review_cursor;
            let marker = if selected { "› " } else { "  " };
            let style = if selected {
                theme.selected()
            } else {
                ratatui::style::Style::new()
            };
            Line::from(vec![
                Span::styled(marker, theme.key()),
                Span::styled(format!("{label:<15}"), theme.dim()),
                Span::styled(value, style),
            ])
        })
        .collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.dim())
        .title(" What will be created (e edits a row) ");
    frame.render_widget(Paragraph::new(lines).block(block), rows_area);

    let command = review_command(model).unwrap_or_default();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.dim())
        .title(" Equivalent AWS CLI command (c copies, u shows it whole) ");
    frame.render_widget(
        Paragraph::new(command)
            .wrap(Wrap { trim: false })
            .block(block),
        command_area,
    );
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
