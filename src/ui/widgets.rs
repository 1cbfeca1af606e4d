//! Pieces several screens share.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use tui_input::Input;

use super::theme::Theme;
use crate::service::ServiceError;

pub const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub fn spinner(frame_index: usize) -> &'static str {
    SPINNER[frame_index % SPINNER.len()]
}

/// A one-line text field in a bordered box; places the terminal cursor when focused.
pub fn text_field(
    frame: &mut Frame,
    area: Rect,
    title: Line,
    input: &Input,
    focused: bool,
    theme: &Theme,
) {
    let border = if focused {
        theme.focused_border()
    } else {
        theme.dim()
    };
    let marker = if focused { "› " } else { "  " };
    let mut title_spans = vec![Span::styled(marker, border)];
    title_spans.extend(title.spans);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(border)
        .title(Line::from(title_spans));
    let inner = block.inner(area);
    let width = inner.width.max(1) as usize;
    let scroll = input.visual_scroll(width.saturating_sub(1));
    let paragraph = Paragraph::new(input.value())
        .scroll((0, scroll as u16))
        .block(block);
    frame.render_widget(paragraph, area);
    if focused {
        let x = inner.x + (input.visual_cursor().saturating_sub(scroll)) as u16;
        frame.set_cursor_position(Position::new(
            x.min(inner.right().saturating_sub(1)),
            inner.y,
        ));
    }
}

/// What happened, what to do, and the keys to act on it.
pub fn error_lines(
    error: &ServiceError,
    profile: &str,
    keys: &[(&str, &str)],
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::from(Span::styled(format!("✗ {}", error.title()), theme.error())),
        Line::from(error.message.clone()),
        Line::from(""),
        Line::from(error.remedy(profile)),
    ];
    if let Some(id) = &error.request_id {
        lines.push(Line::from(Span::styled(
            format!("request id: {id}"),
            theme.dim(),
        )));
    }
    if !keys.is_empty() {
        lines.push(Line::from(""));
        lines.push(key_line(keys, theme));
    }
    lines
}

pub fn key_line(keys: &[(&str, &str)], theme: &Theme) -> Line<'static> {
    let mut spans = Vec::new();
    for (i, (key, what)) in keys.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme.dim()));
        }
        spans.push(Span::styled(key.to_string(), theme.key()));
        spans.push(Span::raw(format!(" {what}")));
    }
    Line::from(spans)
}

pub fn boxed_paragraph(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    lines: Vec<Line<'static>>,
    theme: &Theme,
) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.dim())
        .title(Span::styled(format!(" {title} "), theme.title()));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        area,
    );
}

/// `label: value` with the label dimmed.
pub fn labelled(label: &str, value: impl Into<String>, theme: &Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label:<13}"), theme.dim()),
        Span::raw(value.into()),
    ])
}

/// Counter like `12/128`, styled as an error when over.
pub fn counter(len: usize, max: usize, theme: &Theme) -> Span<'static> {
    let style = if len > max {
        theme.error()
    } else {
        theme.dim()
    };
    Span::styled(format!(" {len}/{max} "), style)
}

/// A bordered list of `items[matches[..]]` with the cursor's row highlighted. Only the rows
/// that fit are built: 10,000 items must stay cheap per keystroke.
pub fn windowed_list<T>(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    (items, matches, cursor): (&[T], &[usize], usize),
    row: impl Fn(&T) -> ratatui::widgets::ListItem<'static>,
    theme: &Theme,
) {
    use ratatui::widgets::{List, ListState};
    let visible = (area.height.saturating_sub(2) as usize).max(1);
    let start = cursor.saturating_sub(visible - 1);
    let rows: Vec<_> = matches
        .iter()
        .skip(start)
        .take(visible)
        .filter_map(|&i| items.get(i))
        .map(row)
        .collect();
    let mut state =
        ListState::default().with_selected((!matches.is_empty()).then_some(cursor - start));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.dim())
        .title(format!(" {title} "));
    let list = List::new(rows)
        .block(block)
        .highlight_style(theme.selected())
        .highlight_symbol("› ");
    frame.render_stateful_widget(list, area, &mut state);
}
