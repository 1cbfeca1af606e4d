use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::ui::app::App;
use crate::ui::theme::Theme;
use crate::ui::widgets::boxed_paragraph;

pub fn render(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let ui = &app.ui;
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
    let mut lines = vec![Line::from("What do you want to do?"), Line::from("")];
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
