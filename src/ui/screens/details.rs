use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::ui::app::App;
use crate::ui::theme::Theme;
use crate::ui::widgets::{counter, text_field};
use iotmi_core::flow::DetailsField;
use iotmi_core::flow::details_errors;
use iotmi_core::flow::validate::{DESCRIPTION_MAX, NAME_CHARS_HINT, NAME_MAX};

pub fn render(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let model = &app.flow;
    let ui = &app.ui;
    let form = &model.details();
    let (name_error, description_error) = details_errors(model);
    let [intro, name, name_note, description, description_note, _rest] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(3),
        Constraint::Length(2),
        Constraint::Length(3),
        Constraint::Length(2),
        Constraint::Min(0),
    ])
    .areas(area);
    let destination = model
        .destination()
        .as_ref()
        .map(|d| d.name.as_str())
        .unwrap_or("…");
    frame.render_widget(
        Paragraph::new(vec![Line::from(vec![
            Span::raw("Destination: "),
            Span::styled(destination.to_string(), theme.title()),
        ])]),
        intro,
    );
    let name_title = Line::from(vec![
        Span::raw("Name "),
        counter(form.name.chars().count(), NAME_MAX, theme),
    ]);
    text_field(
        frame,
        name,
        name_title,
        &ui.name,
        app.details_focus() == DetailsField::Name,
        theme,
    );
    frame.render_widget(
        Paragraph::new(note(name_error, "Required. ", theme)).wrap(Wrap { trim: false }),
        name_note,
    );
    let description_title = Line::from(vec![
        Span::raw("Description "),
        Span::styled("(optional)", theme.dim()),
        counter(form.description.chars().count(), DESCRIPTION_MAX, theme),
    ]);
    text_field(
        frame,
        description,
        description_title,
        &ui.description,
        app.details_focus() == DetailsField::Description,
        theme,
    );
    frame.render_widget(
        Paragraph::new(note(description_error, "", theme)).wrap(Wrap { trim: false }),
        description_note,
    );
}

/// The allowed characters are always shown; a problem replaces them the moment it appears.
fn note(error: Option<String>, prefix: &str, theme: &Theme) -> Line<'static> {
    match error {
        Some(error) => Line::from(Span::styled(format!("  ✗ {error}"), theme.error())),
        None => Line::from(Span::styled(
            format!("  {prefix}Allowed: {NAME_CHARS_HINT}"),
            theme.dim(),
        )),
    }
}
