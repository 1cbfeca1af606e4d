//! Pieces several screens share.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use tui_input::Input;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::theme::Theme;
use iotmi_core::service::ServiceError;
use iotmi_core::text::sanitize;

pub const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub fn spinner(frame_index: usize) -> &'static str {
    SPINNER[frame_index % SPINNER.len()]
}

/// `text` in at most `width` display columns: a cut never passes silently, it ends with `…`.
/// Every screen fits its values through this (or [`fit_line`]) so a cut looks the same
/// everywhere.
pub fn fit(text: &str, width: usize) -> std::borrow::Cow<'_, str> {
    if text.width() <= width || width == 0 {
        return if width == 0 { "".into() } else { text.into() };
    }
    format!("{}…", take_columns(text, width - 1)).into()
}

/// The longest start of `text` that fits in `columns`.
fn take_columns(text: &str, columns: usize) -> &str {
    let mut used = 0;
    for (i, c) in text.char_indices() {
        used += c.width().unwrap_or(0);
        if used > columns {
            return &text[..i];
        }
    }
    text
}

/// [`fit`], then padded with spaces to exactly `width` columns: a column of a table.
pub fn fit_column(text: &str, width: usize) -> String {
    let shown = fit(text, width);
    let pad = width.saturating_sub(shown.width());
    format!("{shown}{}", " ".repeat(pad))
}

/// [`fit`] for a styled line: the spans that fit keep their styles, and the cut ends with `…`
/// in the style of the span it cut.
pub fn fit_line<'a>(line: Line<'a>, width: usize) -> Line<'a> {
    if line.width() <= width {
        return line;
    }
    let (style, alignment) = (line.style, line.alignment);
    let mut budget = width.saturating_sub(1);
    let mut spans = Vec::new();
    for span in line.spans {
        let span_width = span.content.width();
        if span_width <= budget {
            budget -= span_width;
            spans.push(span);
            continue;
        }
        let kept = take_columns(&span.content, budget);
        spans.push(Span::styled(format!("{kept}…"), span.style));
        break;
    }
    Line {
        spans,
        style,
        alignment,
    }
}

/// A paragraph wrapped in `area`: when it needs more rows than the area has, its last row
/// ends with `…` rather than stopping silently.
pub fn wrapped_paragraph(frame: &mut Frame, area: Rect, paragraph: Paragraph<'_>) {
    let needed = paragraph.line_count(area.width);
    frame.render_widget(paragraph, area);
    if needed > usize::from(area.height) && area.height > 0 && area.width > 0 {
        mark_cut_row(frame.buffer_mut(), area, area.bottom() - 1);
    }
}

/// Ends row `y` of `area` with `…`: after its last character, or on the last column when the
/// row is full.
fn mark_cut_row(buffer: &mut ratatui::buffer::Buffer, area: Rect, y: u16) {
    let last_used = (area.left()..area.right())
        .rev()
        .find(|&x| !buffer[(x, y)].symbol().trim().is_empty());
    let end = last_used.map_or(area.left(), |x| {
        x + buffer[(x, y)].symbol().width().max(1) as u16
    });
    let mut x = end.min(area.right() - 1);
    // The second half of a wide character cannot hold the mark: the character gives way.
    if x > area.left() && x < end && buffer[(x - 1, y)].symbol().width() > 1 {
        buffer[(x, y)].set_symbol(" ");
        x -= 1;
    }
    let style = buffer[(x.saturating_sub(1).max(area.left()), y)].style();
    buffer[(x, y)].set_symbol("…").set_style(style);
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
    let title = fit_line(
        Line::from(title_spans),
        usize::from(area.width.saturating_sub(2)),
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(border)
        .title(title);
    let inner = block.inner(area);
    let width = inner.width.max(1) as usize;
    // Invisible characters (a pasted ESC, a zero-width space) are drawn as their visible
    // stand-ins, one for one, so the user sees what the field holds and why it is refused.
    let shown = sanitize(input.value());
    let before_cursor: String = shown.chars().take(input.cursor()).collect();
    let cursor_x = before_cursor.width();
    let scroll = (cursor_x + 1).saturating_sub(width);
    let shown_width = shown.width();
    let paragraph = Paragraph::new(shown.into_owned())
        .scroll((0, scroll as u16))
        .block(block);
    frame.render_widget(paragraph, area);
    // A value wider than the box says so at the edge it runs past.
    if inner.width > 1 && inner.height > 0 {
        let buffer = frame.buffer_mut();
        if scroll > 0 {
            buffer[(inner.left(), inner.y)].set_symbol("…");
        }
        if shown_width > scroll + width {
            mark_cut_row(buffer, inner, inner.y);
        }
    }
    if focused {
        let x = inner.x + (cursor_x - scroll) as u16;
        frame.set_cursor_position(Position::new(
            x.min(inner.right().saturating_sub(1)),
            inner.y,
        ));
    }
}

/// What happened, what to do, and the keys to act on it.
pub fn error_lines(
    error: &ServiceError,
    target: &iotmi_core::flow::Target,
    keys: &[(&str, &str)],
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::from(Span::styled(format!("✗ {}", error.title()), theme.error())),
        Line::from(error.message.clone()),
        Line::from(""),
        // The hint every front end gives (an SSO profile's refusal is a sign-in away).
        Line::from(iotmi_core::flow::remedy(error, target)),
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

/// `demo` waits for consent: the keyboard stands in for the account owner's browser (a
/// presenter has none on stage).
pub fn owner_hint(flow: &iotmi_core::flow::Flow, theme: &Theme) -> Option<Line<'static>> {
    use iotmi_core::flow::{OwnerAction, owner_actions};
    if !owner_actions(flow).contains(&OwnerAction::Approve) {
        return None;
    }
    let mut line = key_line(&[("A", "approve"), ("D", "deny")], theme);
    line.spans.insert(
        0,
        Span::styled("Demo: play the account owner here: ", theme.warn()),
    );
    Some(line)
}

pub fn boxed_paragraph(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    lines: Vec<Line<'static>>,
    theme: &Theme,
) {
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.dim())
        .title(Span::styled(
            format!(
                " {} ",
                fit(title, usize::from(area.width.saturating_sub(4)))
            ),
            theme.title(),
        ));
    let paragraph = Paragraph::new(lines).wrap(Wrap { trim: false });
    // Lines the box cannot hold are never cut silently: its bottom edge ends with `…`.
    let inner = block.inner(area);
    if paragraph.line_count(inner.width) > usize::from(inner.height) {
        block = block.title_bottom(Line::from(" … ").right_aligned());
    }
    frame.render_widget(paragraph.block(block), area);
}

/// `label  value` with the label dimmed; a space always parts them, however long the label.
pub fn labelled(label: &str, value: impl Into<String>, theme: &Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label:<12} "), theme.dim()),
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

/// The mark of a list's cursor row.
const HIGHLIGHT: &str = "› ";

/// Where a list's window is, kept between frames so the list moves like fzf's: the window
/// scrolls only when the cursor would leave it, and PgUp/PgDn move by what is visible.
#[derive(Clone, Debug, Default)]
pub struct ListWindow {
    /// Index (in the matches) of the first visible row.
    pub offset: std::cell::Cell<usize>,
    /// Rows visible in the last frame (0 before the first).
    pub rows: std::cell::Cell<usize>,
}

impl ListWindow {
    /// PgUp/PgDn step: one visible page.
    pub fn page(&self) -> usize {
        self.rows.get().max(1)
    }
}

/// A bordered list of `items[matches[..]]` with the cursor's row highlighted and its position
/// ("3 of 7") in the title. Only the rows that fit are built: 10,000 items must stay cheap per
/// keystroke.
pub fn windowed_list<T>(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    (items, matches, cursor): (&[T], &[usize], usize),
    window: &ListWindow,
    row: impl Fn(&T) -> Line<'static>,
    theme: &Theme,
) {
    use ratatui::widgets::{List, ListItem, ListState};
    let visible = (area.height.saturating_sub(2) as usize).max(1);
    // The row's room: inside the borders, after the highlight symbol.
    let room = usize::from(area.width.saturating_sub(2)).saturating_sub(HIGHLIGHT.width());
    window.rows.set(visible);
    let mut start = window.offset.get().min(matches.len().saturating_sub(1));
    if cursor < start {
        start = cursor;
    } else if cursor >= start + visible {
        start = cursor + 1 - visible;
    }
    // No empty rows below the last item while there are items above the window.
    start = start.min(matches.len().saturating_sub(visible));
    window.offset.set(start);
    let rows: Vec<_> = matches
        .iter()
        .skip(start)
        .take(visible)
        .filter_map(|&i| items.get(i))
        .map(|item| ListItem::new(fit_line(row(item), room)))
        .collect();
    let mut state =
        ListState::default().with_selected((!matches.is_empty()).then_some(cursor - start));
    let position = if matches.is_empty() {
        String::new()
    } else {
        format!("{} of {} ", cursor + 1, matches.len())
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.dim())
        .title(Line::from(vec![
            Span::raw(format!(" {title} ")),
            Span::styled(position, theme.dim()),
        ]));
    let list = List::new(rows)
        .block(block)
        .highlight_style(theme.selected())
        .highlight_symbol(HIGHLIGHT);
    frame.render_stateful_widget(list, area, &mut state);
}

/// `text` as spans with every occurrence of a filter term (case-insensitive) in `hit`, the
/// rest in `base`, as fzf and gum filter show what matched.
pub fn highlighted(text: &str, filter: &str, base: Style, hit: Style) -> Vec<Span<'static>> {
    let terms: Vec<Vec<char>> = filter
        .split_whitespace()
        .map(|t| t.chars().flat_map(char::to_lowercase).collect())
        .collect();
    let chars: Vec<char> = text.chars().collect();
    let lower: Vec<char> = chars
        .iter()
        .map(|c| c.to_lowercase().next().unwrap_or(*c))
        .collect();
    let mut marked = vec![false; chars.len()];
    for term in terms.iter().filter(|t| !t.is_empty()) {
        for start in 0..lower.len() {
            if lower[start..].starts_with(term) {
                marked[start..start + term.len()].fill(true);
            }
        }
    }
    let mut spans = Vec::new();
    let mut run = String::new();
    let mut run_marked = false;
    for (c, m) in chars.into_iter().zip(marked) {
        if m != run_marked && !run.is_empty() {
            spans.push(Span::styled(
                std::mem::take(&mut run),
                if run_marked { hit } else { base },
            ));
        }
        run_marked = m;
        run.push(c);
    }
    if !run.is_empty() {
        spans.push(Span::styled(run, if run_marked { hit } else { base }));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_value_ends_with_an_ellipsis_within_its_columns() {
        assert_eq!(fit("kitchen", 7), "kitchen");
        assert_eq!(fit("kitchen", 6), "kitch…");
        assert_eq!(fit("kitchen", 1), "…");
        assert_eq!(fit("kitchen", 0), "");
        // Display columns, not characters: a wide character that does not fit gives way.
        assert_eq!(fit("名前名前", 6), "名前…");
        assert_eq!(fit("名前名前", 5), "名前…");
        assert_eq!(fit_column("ab", 4), "ab  ");
        assert_eq!(fit_column("abcdef", 4), "abc…");
        let theme = Theme { color: true };
        let line = Line::from(vec![
            Span::styled("Line 4 ", theme.dim()),
            Span::styled("garage", theme.title()),
        ]);
        let cut = fit_line(line.clone(), 10);
        let parts: Vec<(&str, Style)> = cut
            .spans
            .iter()
            .map(|s| (s.content.as_ref(), s.style))
            .collect();
        assert_eq!(parts, [("Line 4 ", theme.dim()), ("ga…", theme.title())]);
        assert_eq!(fit_line(line.clone(), 13), line);
    }

    #[test]
    fn a_label_never_runs_into_its_value() {
        let theme = Theme { color: false };
        let line = labelled("auth material", "api-key", &theme);
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text, "auth material api-key");
        let line = labelled("id", "x", &theme);
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text, format!("{:<13}x", "id"));
    }

    #[test]
    fn filter_terms_are_highlighted_wherever_they_match() {
        let (base, hit) = (Style::new(), Style::new().bold());
        let spans = highlighted("Acme Home US", "home ac", base, hit);
        let parts: Vec<(&str, bool)> = spans
            .iter()
            .map(|s| (s.content.as_ref(), s.style == hit))
            .collect();
        assert_eq!(
            parts,
            [("Ac", true), ("me ", false), ("Home", true), (" US", false)]
        );
        assert_eq!(highlighted("x", "", base, hit).len(), 1);
    }
}
