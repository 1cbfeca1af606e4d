use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{ListItem, Paragraph, Wrap};

use crate::ui::app::App;
use crate::ui::theme::Theme;
use crate::ui::widgets::windowed_list;

pub fn render(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let model = &app.flow;
    let ui = &app.ui;
    let materials = model
        .destination()
        .as_ref()
        .map(|d| d.auth_materials.as_slice())
        .unwrap_or_default();
    let [intro, list_area] =
        Layout::vertical([Constraint::Length(3), Constraint::Min(3)]).areas(area);
    let name = model
        .destination()
        .as_ref()
        .map(|d| d.name.clone())
        .unwrap_or_default();
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(vec![Span::styled(name, theme.title()), Span::raw(" uses General Authorization.")]),
            Line::from("Pick the auth material (a secret held in AWS Secrets Manager) the association signs in with."),
        ])
        .wrap(Wrap { trim: false }),
        intro,
    );
    let all: Vec<usize> = (0..materials.len()).collect();
    let row = |m: &String| {
        let chosen = model.auth_material().as_deref() == Some(m.as_str());
        ListItem::new(Line::from(vec![
            Span::raw(m.clone()),
            Span::styled(if chosen { "  (current)" } else { "" }, theme.dim()),
        ]))
    };
    windowed_list(
        frame,
        list_area,
        "Auth materials",
        (materials, &all, ui.auth_cursor),
        &ui.auth_window,
        row,
        theme,
    );
}
