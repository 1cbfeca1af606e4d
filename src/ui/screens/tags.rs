use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};

use crate::ui::app::App;
use crate::ui::theme::Theme;
use crate::ui::widgets::{counter, text_field};
use iotmi_core::flow::validate::{MAX_TAGS, TAG_KEY_MAX, TAG_VALUE_MAX};
use iotmi_core::flow::{Notice, TagField};

pub fn render(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let model = &app.flow;
    let ui = &app.ui;
    let tags = &model.tags();
    let editor_height = if ui.tag_edit.is_some() { 4 } else { 0 };
    let [table_area, editor_area, message_area] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(editor_height),
        Constraint::Length(2),
    ])
    .areas(area);

    let title = format!(" Tags {}/{MAX_TAGS} (optional) ", tags.rows.len());
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.dim())
        .title(title);
    if tags.rows.is_empty() {
        let lines = vec![
            Line::from("No tags. Tags are optional."),
            Line::from(""),
            Line::from(vec![
                Span::styled("a", theme.key()),
                Span::raw(" adds one; pasting "),
                Span::styled("k=v,k2=v2", theme.key()),
                Span::raw(" (or one pair per line) adds several."),
            ]),
            Line::from(vec![
                Span::styled("Enter", theme.key()),
                Span::raw(" continues."),
            ]),
        ];
        frame.render_widget(Paragraph::new(lines).block(block), table_area);
    } else {
        let rows = tags
            .rows
            .iter()
            .map(|r| Row::new([Cell::from(r.key.clone()), Cell::from(r.value.clone())]));
        let table = Table::new(
            rows,
            [Constraint::Percentage(40), Constraint::Percentage(60)],
        )
        .header(Row::new(["Key", "Value"]).style(theme.dim()))
        .block(block)
        .row_highlight_style(if ui.tag_edit.is_none() {
            theme.selected()
        } else {
            theme.dim()
        })
        .highlight_symbol("› ");
        let mut state = TableState::default().with_selected(Some(ui.tag_cursor));
        frame.render_stateful_widget(table, table_area, &mut state);
    }

    if let Some(edit) = &ui.tag_edit {
        let [key_area, value_area] =
            Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)])
                .areas(editor_area.inner(ratatui::layout::Margin::new(0, 0)));
        let [key_box, _] =
            Layout::vertical([Constraint::Length(3), Constraint::Length(1)]).areas(key_area);
        let [value_box, _] =
            Layout::vertical([Constraint::Length(3), Constraint::Length(1)]).areas(value_area);
        let heading = if edit.index.is_some() {
            "Edit key"
        } else {
            "New key"
        };
        let key_title = Line::from(vec![
            Span::raw(heading),
            counter(edit.key.value().chars().count(), TAG_KEY_MAX, theme),
        ]);
        text_field(
            frame,
            key_box,
            key_title,
            &edit.key,
            edit.focus == TagField::Key,
            theme,
        );
        let value_title = Line::from(vec![
            Span::raw("Value"),
            counter(edit.value.value().chars().count(), TAG_VALUE_MAX, theme),
        ]);
        text_field(
            frame,
            value_box,
            value_title,
            &edit.value,
            edit.focus == TagField::Value,
            theme,
        );
    }

    // While typing: what SaveTag would refuse (a duplicate key, an invisible character…).
    let editor_error = ui
        .tag_edit
        .as_ref()
        .and(tags.edit_error.clone().or_else(|| {
            // An empty key is only a key not typed yet.
            app.tag_problem()
                .filter(|(_, error)| !error.contains("is required"))
        }))
        .map(|(_, error)| error);
    let message = match (editor_error, &tags.message) {
        (Some(error), _) => Line::from(Span::styled(format!(" ✗ {error}"), theme.error())),
        (None, Some(Notice::Error(error))) => {
            Line::from(Span::styled(format!(" ✗ {error}"), theme.error()))
        }
        (None, Some(Notice::Info(info))) => {
            Line::from(Span::styled(format!(" ✓ {info}"), theme.ok()))
        }
        (None, None) => Line::from(Span::styled(
            " Keys 1–128 characters, values 0–256; keys must be unique.",
            theme.dim(),
        )),
    };
    frame.render_widget(
        Paragraph::new(message).wrap(ratatui::widgets::Wrap { trim: false }),
        message_area,
    );
}
