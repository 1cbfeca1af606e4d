//! Authorize: where the account owner signs in, the consent URL (open, copy, unwrapped, QR
//! code) and the association's state while it is waited for.

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use unicode_width::UnicodeWidthChar;

use super::Screen;
use crate::ui::app::{App, HostAction, Overlay, Reaction};
use crate::ui::autopilot::{Pilot, Plan, Round};
use crate::ui::keymap::{
    Action, Binding, Char, Code, back_to_list, bind, owner_keys, quiet, timeout_keys,
};
use crate::ui::theme::Theme;
use crate::ui::widgets::{key_line, owner_hint, spinner, wrapped_paragraph};
use iotmi_core::flow::{
    BrowserNote, Intent, OwnerAction, browser_skipped_line, loopback_over_ssh, owner_actions,
    shown_url, sign_in, vetted_url,
};
use iotmi_core::service::AssociationState;

pub struct Authorize;

impl Screen for Authorize {
    fn keys(&self, app: &App) -> Vec<Binding> {
        let mut keys = owner_keys(app);
        keys.extend(timeout_keys(app));
        keys.extend(back_to_list(app));
        keys.extend([
            bind("o", &[Char('o')], "open", Action::OpenBrowser),
            bind("c", &[Char('c')], "copy", Action::CopyUrl),
            bind("u", &[Char('u')], "unwrapped", Action::Unwrapped),
            bind("v", &[Char('v')], "QR code", Action::ToggleQr),
            bind(
                "Enter",
                &[Code(KeyCode::Enter), Code(KeyCode::Tab)],
                "status",
                Action::ShowStatus,
            ),
            quiet(bind(
                "Esc",
                &[Code(KeyCode::Esc), Code(KeyCode::BackTab)],
                "back",
                Action::Back,
            )),
        ]);
        keys
    }

    fn act(&self, app: &mut App, action: Action, now: Instant) -> Reaction {
        let intent = match action {
            Action::ActAsOwner(action) => Intent::ActAsOwner(action),
            Action::KeepWaiting => Intent::KeepWaiting,
            Action::LeaveInProgress => Intent::LeaveInProgress,
            Action::Back => Intent::Back,
            Action::OpenBrowser => Intent::OpenBrowser,
            Action::ShowStatus => Intent::ShowStatus,
            // Only a URL the URL policy accepts is ever copied (the terminal host says how
            // it went).
            Action::CopyUrl => match vetted_url(&app.flow) {
                Some(url) => {
                    return Reaction {
                        effects: Vec::new(),
                        host: vec![HostAction::Copy(url.to_string())],
                    };
                }
                None => {
                    app.ui.flash = Some("This URL was refused: it is not copied".into());
                    return Reaction::default();
                }
            },
            Action::Unwrapped => {
                let Some(url) = shown_url(&app.flow) else {
                    return Reaction::default();
                };
                return Reaction {
                    effects: Vec::new(),
                    host: vec![HostAction::ShowUnwrapped {
                        heading: "The authorization URL",
                        text: url,
                    }],
                };
            }
            Action::ToggleQr => {
                // Only a URL the URL policy accepts is ever put in a QR code.
                if vetted_url(&app.flow).is_some() {
                    app.ui.overlay = Some(Overlay::Qr);
                } else {
                    app.ui.flash = Some("This URL was refused: no QR code is made of it".into());
                }
                return Reaction::default();
            }
            _ => return Reaction::default(),
        };
        app.send(intent, now).into()
    }

    fn render(&self, app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
        render(app, frame, area, theme)
    }

    fn autoplay(&self, app: &App, _round: &Round) -> Plan {
        consent_autoplay(app)
    }
}

/// While consent is waited for (Authorize, Status): the presenter's keyboard approves as the
/// account owner; an expired token is refreshed (where the screen has a key for it).
pub fn consent_autoplay(app: &App) -> Plan {
    let ms = Duration::from_millis;
    let tracked = app.flow.association().as_ref()?;
    if owner_actions(&app.flow).contains(&OwnerAction::Approve) {
        Some((
            ms(3000),
            Pilot::Press(Action::ActAsOwner(OwnerAction::Approve)),
        ))
    } else if tracked.state == AssociationState::RefreshTokenExpired {
        Some((ms(1500), Pilot::Press(Action::Refresh)))
    } else {
        None
    }
}

fn render(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let model = &app.flow;
    let ui = &app.ui;
    let Some(tracked) = &model.association() else {
        return;
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.dim())
        .title(" Authorize ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width.max(1);

    // Over SSH a loopback URL is out of reach until its port is forwarded: that leads.
    let over_ssh = loopback_over_ssh(model);
    // Everything, or (when the window is too low for it and a row of URL) what cannot be
    // done without: the tunnel over SSH, else where to sign in; the keys.
    let lines = |full: bool| {
        let mut head = Vec::new();
        if let Some(over) = &over_ssh {
            let (before, tunnel, after) = over.tunnel_line();
            if full {
                head.push(Line::from(Span::styled(over.unreachable(), theme.warn())));
            }
            head.push(Line::from(vec![
                Span::styled(before, theme.warn()),
                Span::styled(tunnel, theme.key()),
                Span::styled(after, theme.warn()),
            ]));
            head.extend(
                over.per_run()
                    .filter(|_| full)
                    .map(|line| Line::from(Span::styled(line, theme.warn()))),
            );
        }
        // Where the user will sign in, before anything opens.
        if full || over_ssh.is_none() {
            head.push(sign_in_line(model, theme));
        }
        let mut tail = vec![key_line(
            &[
                ("o", "open"),
                ("c", "copy"),
                ("u", "unwrapped"),
                ("v", "QR code"),
            ],
            theme,
        )];
        if full {
            tail.push(browser_line(model, ui, theme));
            // A presenter has no browser on stage: say the keyboard can stand in for it.
            tail.extend(owner_hint(model, theme));
        }
        let head = Paragraph::new(head).wrap(Wrap { trim: false });
        let tail = Paragraph::new(tail).wrap(Wrap { trim: false });
        let rows = (head.line_count(width) + tail.line_count(width)) as u16;
        (head, tail, rows)
    };
    let (mut head, mut tail, mut rows_needed) = lines(true);
    // One row of URL and the state line must stay.
    if rows_needed + 2 > inner.height {
        (head, tail, rows_needed) = lines(false);
    }
    let head_rows = head.line_count(width) as u16;
    let tail_rows = rows_needed - head_rows;

    // The URL gets what is left, one row per slice of it; the state line is pinned last.
    let shown = shown_url(model).unwrap_or_default();
    let mut rows = url_rows(&shown, width);
    let room = inner
        .height
        .saturating_sub(head_rows + tail_rows + 1)
        .max(1) as usize;
    let cut = rows.len() > room;
    if cut {
        rows.truncate(room.saturating_sub(1).max(1));
    }
    let [head_area, url_area, tail_area, _, state_area] = Layout::vertical([
        Constraint::Length(head_rows),
        Constraint::Length(rows.len() as u16 + u16::from(cut)),
        Constraint::Length(tail_rows),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(inner);
    wrapped_paragraph(frame, head_area, head);
    let link = vetted_url(model);
    let mut lines: Vec<Line> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        // Each row of a URL the policy accepted is a hyperlink to the whole of it.
        if let Some(url) = &link {
            let width = unicode_width::UnicodeWidthStr::width(row.as_str()) as u16;
            ui.links
                .add(Rect::new(url_area.x, url_area.y + i as u16, width, 1), url);
        }
        lines.push(Line::from(Span::styled(row.clone(), theme.url())));
    }
    if cut {
        lines.push(Line::from(Span::styled(
            "… (u shows the whole URL, c copies it)",
            theme.dim(),
        )));
    }
    frame.render_widget(Paragraph::new(lines), url_area);
    wrapped_paragraph(frame, tail_area, tail);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled("State: ", theme.dim()),
            Span::raw(format!("{} {}", spinner(ui.spinner), tracked.state)),
        ])),
        state_area,
    );
}

/// "Sign in at HOST (connector) to approve; …": where the user will sign in.
fn sign_in_line(model: &iotmi_core::flow::Flow, theme: &Theme) -> Line<'static> {
    match sign_in(model) {
        Some((host, connector)) => {
            let mut spans = vec![Span::raw("Sign in at "), Span::styled(host, theme.title())];
            if let Some(connector) = connector {
                spans.push(Span::raw(format!(" ({connector})")));
            }
            spans.push(Span::raw(" to approve; this screen follows the state:"));
            Line::from(spans)
        }
        None => Line::from("Approve access at this URL; this screen follows the state:"),
    }
}

/// What became of the browser.
fn browser_line(
    model: &iotmi_core::flow::Flow,
    ui: &crate::ui::app::Ui,
    theme: &Theme,
) -> Line<'static> {
    match &model.browser() {
        BrowserNote::Opening => {
            Line::from(format!("{} Opening your browser…", spinner(ui.spinner)))
        }
        BrowserNote::Opened => Line::from(Span::styled("✓ Opened in your browser.", theme.ok())),
        BrowserNote::Skipped(reason) => Line::from(Span::styled(
            browser_skipped_line(model, *reason),
            theme.warn(),
        )),
        BrowserNote::Refused(why) => Line::from(Span::styled(format!("✗ {why}"), theme.error())),
        BrowserNote::LaunchFailed(why) => Line::from(Span::styled(
            format!("✗ The browser did not start: {why}"),
            theme.error(),
        )),
        BrowserNote::None => Line::from(""),
    }
}

/// `text` in slices of at most `width` columns: the URL is one word, broken anywhere.
fn url_rows(text: &str, width: u16) -> Vec<String> {
    let mut rows = vec![String::new()];
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width as usize && used > 0 {
            rows.push(String::new());
            used = 0;
        }
        rows.last_mut().expect("a row").push(c);
        used += w;
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::url_rows;

    #[test]
    fn a_url_is_cut_into_rows_of_the_width() {
        assert_eq!(url_rows("abcdefg", 3), ["abc", "def", "g"]);
        assert_eq!(url_rows("ab", 3), ["ab"]);
    }
}
