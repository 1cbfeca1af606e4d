//! `view`: draws the whole screen from the model alone.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::app::{App, Overlay};
use super::keymap;
use super::theme::Theme;
use super::widgets::{fit_line, key_line, wrapped_paragraph};
use iotmi_core::flow::Step;

/// Below this the layout cannot hold a screen; say so instead of drawing a broken one.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

pub fn view(app: &App, frame: &mut Frame, theme: &Theme) {
    let model = &app.flow;
    let area = frame.area();
    // This frame's hyperlinks are registered as it is drawn.
    app.ui.links.clear();
    if app.ui.overlay == Some(Overlay::Qr) {
        render_qr(app, frame, area, theme);
        return;
    }
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let keys = keymap::too_small_bindings(app);
        if app.ui.overlay == Some(Overlay::Help) {
            render_help(app, &keys, frame, area, theme);
            return;
        }
        // Still where the run stands, what a key did (a copy says where the URL went), and
        // the keys that still act: the hand-over works from a narrow split.
        let mut text = vec![
            Line::from(Span::styled("Terminal too small", theme.error())),
            Line::from(format!(
                "{}x{} — needs at least {MIN_WIDTH}x{MIN_HEIGHT}",
                area.width, area.height
            )),
            Line::from(state_line(model)),
        ];
        if let Some(message) = &app.ui.flash {
            text.push(Line::from(Span::styled(
                iotmi_core::text::sanitize(message),
                theme.ok(),
            )));
        }
        text.push(Line::from("Enlarge the window to go on."));
        text.push(key_line(&keymap::footer(&keys), theme));
        let needed = Paragraph::new(text.clone())
            .wrap(Wrap { trim: true })
            .line_count(area.width) as u16;
        let y = area.height.saturating_sub(needed) / 2;
        let centered = Rect::new(area.x, area.y + y, area.width, needed.min(area.height - y));
        wrapped_paragraph(
            frame,
            centered,
            Paragraph::new(text)
                .alignment(Alignment::Center)
                .wrap(Wrap { trim: true }),
        );
        return;
    }
    let [header, body, flash, footer] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    render_header(model, app.ui.autoplay, frame, header, theme);
    app.screen().render(app, frame, body, theme);
    if let Some(message) = &app.ui.flash {
        frame.render_widget(
            Paragraph::new(fit_line(
                Line::from(Span::styled(format!(" {message}"), theme.warn())),
                usize::from(flash.width),
            )),
            flash,
        );
    }
    let bindings = keymap::bindings(app);
    frame.render_widget(
        Paragraph::new(key_line(
            &keymap::fit_footer(&bindings, footer.width),
            theme,
        )),
        footer,
    );
    if model.question().is_some() {
        render_confirm_quit(app, frame, body, theme);
    } else if app.ui.overlay == Some(Overlay::Help) {
        render_help(app, &bindings, frame, body, theme);
    }
}

/// The step, and the association's state once there is one.
fn state_line(model: &iotmi_core::flow::Flow) -> String {
    let step = model.step().title();
    match model.association() {
        Some(tracked) => format!(
            "{step} · {}: {}",
            iotmi_core::text::sanitize(&tracked.name),
            tracked.state
        ),
        None => step.to_string(),
    }
}

fn render_header(
    model: &iotmi_core::flow::Flow,
    autoplay: Option<bool>,
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
) {
    let (k, n) = model.step_position();
    let mut title = vec![
        Span::styled(" iotmi-onboard ", theme.title()),
        Span::styled("│ ", theme.dim()),
    ];
    // Outside the create flow there are no steps to count.
    let counted = match model.step() {
        Step::Start | Step::Manage | Step::Resume | Step::Devices | Step::Batch => false,
        Step::Destination
        | Step::Details
        | Step::Tags
        | Step::Auth
        | Step::Review
        | Step::Submit
        | Step::Authorize
        | Step::Status
        | Step::Done => true,
    };
    if !counted {
        title.push(Span::raw(model.step().title()));
    } else {
        title.push(Span::styled(format!("Step {k} of {n}"), theme.key()));
        let failed = model
            .association()
            .as_ref()
            .is_some_and(|a| a.state == iotmi_core::service::AssociationState::Failed);
        let step = if model.step() == Step::Done && failed {
            "Failed"
        } else {
            model.step().title()
        };
        title.push(Span::raw(format!(" · {step}")));
    }
    // Whoever stands at the booth must see how to take the keyboard.
    if let Some(paused) = autoplay {
        let used: usize = title.iter().map(|s| s.content.chars().count()).sum();
        let (long, short) = if paused {
            ("⏸ paused: Space resumes, any key takes over", "⏸ paused")
        } else {
            ("▶ autoplay: Space pauses, any key takes over", "▶ autoplay")
        };
        let room = (area.width as usize).saturating_sub(used + 3);
        let text = if long.chars().count() <= room {
            long
        } else {
            short
        };
        title.push(Span::styled(" │ ", theme.dim()));
        title.push(Span::styled(text, theme.warn()));
    }
    let title = Line::from(title);
    let target = &model.target();
    let mut where_spans = vec![Span::styled(" into ", theme.dim())];
    match &target.endpoint {
        // A presenter's audience must never take the demo for a real account.
        Some(endpoint) if target.demo => {
            where_spans = demo_banner(area.width as usize, endpoint, theme);
        }
        Some(endpoint) => {
            where_spans.push(Span::raw(format!("endpoint {endpoint}")));
            if let Some(region) = &target.region {
                where_spans.push(Span::raw(format!(" · {region}")));
            }
            if !target.demo && !target.credentials.is_empty() {
                where_spans.push(Span::styled(
                    format!(" · profile {} ({})", target.profile, target.credentials),
                    theme.dim(),
                ));
            }
        }
        None => {
            let region = target.region.as_deref().unwrap_or("region …");
            let account = target.account.as_deref().unwrap_or("…");
            let long = format!("profile {} · {region} · account {account}", target.profile);
            let credentials = if target.credentials.is_empty() {
                String::new()
            } else {
                format!(" · {}", target.credentials)
            };
            // At 60 columns the words go before the account id or the credentials do.
            let fits =
                6 + long.chars().count() + credentials.chars().count() <= area.width as usize;
            where_spans.push(Span::raw(if fits {
                long
            } else {
                format!("{} · {region} · {account}", target.profile)
            }));
            where_spans.push(Span::styled(credentials, theme.dim()));
        }
    }
    let block = Block::default()
        .borders(Borders::BOTTOM)
        .border_style(theme.dim());
    let width = usize::from(area.width);
    frame.render_widget(
        Paragraph::new(vec![
            fit_line(title, width),
            fit_line(Line::from(where_spans), width),
        ])
        .block(block),
        area,
    );
}

/// The demo's second header line: what it is first, the endpoint only where it fits.
fn demo_banner(width: usize, endpoint: &str, theme: &Theme) -> Vec<Span<'static>> {
    const BANNER: &str = " · built-in simulator · nothing real is created";
    let mut spans = vec![
        Span::styled(" DEMO", theme.warn().add_modifier(Modifier::BOLD)),
        Span::styled(BANNER, theme.warn()),
    ];
    let place = format!(" · {endpoint}");
    if 5 + BANNER.chars().count() + place.chars().count() <= width {
        spans.push(Span::styled(place, theme.dim()));
    }
    spans
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

fn render_help(
    app: &App,
    bindings: &[keymap::Binding],
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
) {
    let mut lines = vec![
        Line::from(Span::styled(
            app.flow.step().title().to_string(),
            theme.title(),
        )),
        Line::from(""),
    ];
    for (key, what) in keymap::help(bindings) {
        lines.push(Line::from(vec![
            Span::styled(format!("{key:>8}  "), theme.key()),
            Span::raw(what),
        ]));
    }
    lines.extend([
        Line::from(""),
        Line::from(vec![
            Span::styled("   Enter  ", theme.key()),
            Span::raw("forward"),
        ]),
        Line::from(vec![
            Span::styled("     Esc  ", theme.key()),
            Span::raw("back; what you typed is kept"),
        ]),
        Line::from(vec![
            Span::styled("  Ctrl-C  ", theme.key()),
            Span::raw(if app.flow.opts().journaled {
                "quit now (a saved draft is offered again next run)"
            } else {
                "quit now"
            }),
        ]),
        Line::from(""),
        Line::from(Span::styled("Any other key closes this help.", theme.dim())),
    ]);
    let popup = centered(area, 64, lines.len() as u16 + 2);
    // A window too short for the whole help scrolls it (↑↓ PgUp PgDn Home End).
    let inner_rows = popup.height.saturating_sub(2) as usize;
    let max_scroll = lines.len().saturating_sub(inner_rows);
    app.ui.help_max_scroll.set(max_scroll);
    let scroll = app.ui.help_scroll.min(max_scroll);
    let title = if max_scroll > 0 {
        format!(" Help {}/{} · ↑↓ scroll ", scroll + 1, max_scroll + 1)
    } else {
        " Help ".to_string()
    };
    frame.render_widget(Clear, popup);
    let room = usize::from(popup.width.saturating_sub(2));
    let lines: Vec<Line> = lines.into_iter().map(|l| fit_line(l, room)).collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.focused_border())
        .title(title);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .scroll((scroll as u16, 0)),
        popup,
    );
}

/// The consent URL's QR code over the whole window (error correction L, half blocks, a
/// 2-module quiet zone), or the exact window size it needs.
fn render_qr(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    // Only a URL the URL policy accepts, in its hand-over form: the association's, or the
    // batch's selected row's.
    let url = match app.flow.step() {
        Step::Batch => super::screens::batch::selected_url(app),
        _ => iotmi_core::flow::vetted_url(&app.flow),
    };
    let art = url.as_deref().and_then(crate::remote::qr_art);
    // Over SSH a loopback URL leads nowhere from a phone: the caption says so, not "scan it".
    let caption = if url
        .as_deref()
        .is_some_and(|url| iotmi_core::flow::out_of_reach_over_ssh(&app.flow, url))
    {
        "A phone cannot reach this host's loopback: forward the port first · any key returns"
    } else {
        "Scan it with a phone to open the consent page · any key returns"
    };
    match art {
        Some(art) if crate::remote::fits(&art, area.width, area.height) => {
            let x = area.x + (area.width - art.width) / 2;
            let spare = area.height - art.height;
            let y = area.y + spare / 2;
            let lines: Vec<Line> = art
                .lines
                .into_iter()
                .map(|l| Line::from(Span::styled(l, theme.qr())))
                .collect();
            frame.render_widget(
                Paragraph::new(lines),
                Rect::new(x, y, art.width, art.height),
            );
            if spare > 0 {
                frame.render_widget(
                    Paragraph::new(Span::styled(caption, theme.dim())).alignment(Alignment::Center),
                    Rect::new(area.x, area.bottom() - 1, area.width, 1),
                );
            }
        }
        Some(art) => {
            let text = vec![
                Line::from(Span::styled("The QR code does not fit", theme.warn())),
                Line::from(format!(
                    "It needs a window of {}x{}; this one is {}x{}.",
                    art.width, art.height, area.width, area.height
                )),
                Line::from("Zoom the terminal out (Ctrl+- in most terminals) or enlarge it."),
                Line::from(Span::styled("Any key returns.", theme.dim())),
            ];
            frame.render_widget(
                Paragraph::new(text)
                    .alignment(Alignment::Center)
                    .wrap(Wrap { trim: true }),
                centered(area, area.width, 6),
            );
        }
        None => frame.render_widget(
            Paragraph::new("No QR code: the URL is too long to encode. Any key returns."),
            area,
        ),
    }
}

fn render_confirm_quit(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let what = iotmi_core::flow::quit_warning(&app.flow);
    let lines = vec![
        Line::from(Span::styled("Quit?", theme.title())),
        Line::from(""),
        Line::from(what),
        Line::from(""),
        key_line(&keymap::footer(&keymap::bindings(app)), theme),
    ];
    let popup = centered(area, 60, 10);
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.error())
        .title(" Confirm ");
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        popup,
    );
}
