use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use crate::ui::app::App;
use crate::ui::theme::Theme;
use crate::ui::widgets::{boxed_paragraph, error_lines, spinner};
use iotmi_core::flow::SubmitState;

pub fn render(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let model = &app.flow;
    let ui = &app.ui;
    match &model.submit() {
        SubmitState::Failed(error) => {
            let mut lines = error_lines(
                error,
                &model.target().profile,
                &[("r", "retry (same request, same token)"), ("e", "edit")],
                theme,
            );
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
