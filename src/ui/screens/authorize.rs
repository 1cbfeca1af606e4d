use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::flow::BrowserNote;
use crate::remote::{fits, qr_art};
use crate::text::sanitize;
use crate::ui::app::App;
use crate::ui::theme::Theme;
use crate::ui::widgets::{key_line, spinner};

pub fn render(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let model = &app.flow;
    let ui = &app.ui;
    let Some(tracked) = &model.association else {
        return;
    };
    let url = sanitize(&tracked.oauth_url).into_owned();
    let qr = if ui.show_qr {
        qr_art(&tracked.oauth_url)
    } else {
        None
    };
    let (text_area, qr_area) = match &qr {
        Some(art) if fits(art, area.width.saturating_sub(2), area.height) => {
            let [text, code] =
                Layout::horizontal([Constraint::Min(20), Constraint::Length(art.width + 2)])
                    .areas(area);
            (text, Some(code))
        }
        _ => (area, None),
    };

    // Most important first, so a short window still shows the URL and the keys.
    let mut lines = vec![
        Line::from("Approve access at this URL; this screen follows the state by itself:"),
        Line::from(Span::styled(url, theme.url())),
        key_line(
            &[
                ("o", "open"),
                ("c", "copy (OSC 52)"),
                ("u", "show unwrapped to select"),
                ("v", "QR code"),
            ],
            theme,
        ),
    ];
    lines.push(match &model.browser {
        BrowserNote::Opening => {
            Line::from(format!("{} Opening your browser…", spinner(ui.spinner)))
        }
        BrowserNote::Opened => Line::from(Span::styled("✓ Opened in your browser.", theme.ok())),
        BrowserNote::Skipped(reason) => Line::from(Span::styled(
            format!("No browser opened: {}", reason.explain()),
            theme.warn(),
        )),
        BrowserNote::Refused(why) => Line::from(Span::styled(format!("✗ {why}"), theme.error())),
        BrowserNote::LaunchFailed(why) => Line::from(Span::styled(
            format!("✗ The browser did not start: {why}"),
            theme.error(),
        )),
        BrowserNote::None => Line::from(""),
    });
    if ui.show_qr && qr_area.is_none() {
        let need = qr
            .as_ref()
            .map(|a| format!(" (needs {}x{})", a.width + 2, a.height))
            .unwrap_or_default();
        lines.push(Line::from(Span::styled(
            format!("The QR code does not fit this window{need}: enlarge it or use c/u."),
            theme.warn(),
        )));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.dim())
        .title(" Authorize ");
    // The state line is pinned to the bottom: however long the URL, the user sees it change.
    let [content_area, state_area] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(block.inner(text_area));
    frame.render_widget(block, text_area);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }),
        content_area,
    );
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled("State: ", theme.dim()),
            Span::raw(format!("{} {}", spinner(ui.spinner), tracked.state)),
        ])),
        state_area,
    );

    if let (Some(art), Some(code_area)) = (qr, qr_area) {
        let lines: Vec<Line> = art
            .lines
            .into_iter()
            .map(|l| Line::from(Span::styled(l, theme.qr())))
            .collect();
        let inner = Rect::new(
            code_area.x + 1,
            code_area.y,
            art.width.min(code_area.width),
            art.height.min(code_area.height),
        );
        frame.render_widget(Paragraph::new(lines), inner);
    }
}
