//! The Batch step (`--batch FILE`): the check of the file, its problems with their lines when
//! it is refused, then every row with its state as the run creates them and follows the rows
//! awaiting consent. The selected row's consent URL is handed over with Authorize's tools
//! (open, copy, unwrapped view, QR code), always through `flow::row_url`: only a URL the URL
//! policy accepts leaves the screen.

use std::time::Instant;

use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{Screen, move_cursor};
use crate::ui::app::{App, HostAction, Overlay, Reaction};
use crate::ui::keymap::{Action, Binding, Char, bind, is_move, letter_moves, list_moves, quiet};
use crate::ui::theme::Theme;
use crate::ui::widgets::{
    ListWindow, boxed_paragraph, fit, fit_column, fit_line, spinner, windowed_list,
    wrapped_paragraph,
};
use iotmi_core::flow::{
    BatchPhase, BatchRun, Intent, OwnerAction, RowRun, RowState, row_owner_actions,
    row_state_label, row_url,
};
use iotmi_core::service::AssociationState;
use iotmi_core::text::sanitize;

/// The cursor over the rows (or over a refused file's problems) and the list's window.
#[derive(Clone, Debug, Default)]
pub struct State {
    pub cursor: usize,
    pub window: ListWindow,
}

/// The consent URL of the row under the cursor, when the URL policy accepts it: the only URL
/// this screen copies, opens, shows whole or puts in a QR code.
pub fn selected_url(app: &App) -> Option<String> {
    row_url(&app.flow, app.ui.batch.cursor)
}

/// The next row after `from` (wrapping around) that awaits its owner's consent.
pub fn next_awaiting(rows: &[RowRun], from: usize) -> Option<usize> {
    let awaiting = |i: &usize| rows[*i].in_progress() && rows[*i].oauth_url().is_some();
    (from + 1..rows.len())
        .chain(0..=from.min(rows.len().saturating_sub(1)))
        .find(awaiting)
}

/// How many lines the cursor moves over: the rows, or a refused file's problems.
fn lines(run: &BatchRun) -> usize {
    match run.phase() {
        BatchPhase::Refused => run.problems().len(),
        _ => run.rows().len(),
    }
}

pub struct Batch;

impl Screen for Batch {
    fn keys(&self, app: &App) -> Vec<Binding> {
        let Some(run) = app.flow.batch() else {
            return Vec::new();
        };
        let mut keys = Vec::new();
        if matches!(run.phase(), BatchPhase::Checking | BatchPhase::Stopped(_)) {
            return keys;
        }
        // `demo` only, first: the presenter plays the selected row's account owner.
        keys.extend(
            row_owner_actions(&app.flow, app.ui.batch.cursor)
                .iter()
                .map(|&action| match action {
                    OwnerAction::Deny => {
                        bind("D", &[Char('D')], "deny", Action::ActAsOwner(action))
                    }
                    _ => bind("A", &[Char('A')], "approve", Action::ActAsOwner(action)),
                }),
        );
        if selected_url(app).is_some() {
            keys.extend([
                bind("o", &[Char('o')], "open", Action::OpenBrowser),
                bind("c", &[Char('c')], "copy", Action::CopyUrl),
                bind("u", &[Char('u')], "unwrapped", Action::Unwrapped),
                bind("v", &[Char('v')], "QR code", Action::ToggleQr),
            ]);
        }
        if run.tally().awaiting_consent > 0 {
            keys.push(bind(
                "n",
                &[Char('n'), crate::ui::keymap::Code(KeyCode::Tab)],
                "next awaiting",
                Action::NextAwaiting,
            ));
        }
        keys.extend(list_moves().into_iter().map(quiet));
        keys.extend(letter_moves());
        keys
    }

    fn act(&self, app: &mut App, action: Action, now: Instant) -> Reaction {
        let Some(run) = app.flow.batch() else {
            return Reaction::default();
        };
        let state = &mut app.ui.batch;
        match action {
            action if is_move(action) => {
                let page = state.window.page();
                move_cursor(&mut state.cursor, lines(run), page, action);
                Reaction::default()
            }
            Action::NextAwaiting => {
                if let Some(next) = next_awaiting(run.rows(), state.cursor) {
                    state.cursor = next;
                }
                Reaction::default()
            }
            Action::OpenBrowser => {
                let index = state.cursor;
                app.send(Intent::OpenRowConsent(index), now).into()
            }
            Action::ActAsOwner(action) => {
                let row = state.cursor;
                app.send(Intent::ActAsRowOwner { row, action }, now).into()
            }
            Action::CopyUrl => match selected_url(app) {
                Some(url) => Reaction {
                    effects: Vec::new(),
                    host: vec![HostAction::Copy(url.to_string())],
                },
                None => {
                    app.ui.flash = Some("This row has no consent URL to copy".into());
                    Reaction::default()
                }
            },
            Action::Unwrapped => match selected_url(app) {
                Some(url) => Reaction {
                    effects: Vec::new(),
                    host: vec![HostAction::ShowUnwrapped {
                        heading: "The row's consent URL",
                        text: url.to_string(),
                    }],
                },
                None => Reaction::default(),
            },
            Action::ToggleQr => {
                if selected_url(app).is_some() {
                    app.ui.overlay = Some(Overlay::Qr);
                } else {
                    app.ui.flash = Some("This row has no consent URL to show".into());
                }
                Reaction::default()
            }
            _ => Reaction::default(),
        }
    }

    fn render(&self, app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
        render(app, frame, area, theme)
    }
}

fn render(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let Some(run) = app.flow.batch() else {
        return;
    };
    let source = sanitize(run.source()).into_owned();
    let title = format!("Batch {source}");
    match run.phase() {
        BatchPhase::Checking => boxed_paragraph(
            frame,
            area,
            &title,
            vec![
                Line::from(format!(
                    "{} Checking {} rows against the account: its destinations and their auth…",
                    spinner(app.ui.spinner),
                    run.rows().len()
                )),
                Line::from(Span::styled(
                    "Nothing is created until every row passes.",
                    theme.dim(),
                )),
            ],
            theme,
        ),
        BatchPhase::Stopped(error) => boxed_paragraph(
            frame,
            area,
            &title,
            vec![
                Line::from(Span::styled(
                    format!(
                        "✗ The account could not be checked: {}",
                        sanitize(&error.to_string())
                    ),
                    theme.error(),
                )),
                Line::from("Nothing was created. q quits; run it again once the service answers."),
            ],
            theme,
        ),
        BatchPhase::Refused => render_refused(app, run, frame, area, theme),
        BatchPhase::Planned | BatchPhase::Running | BatchPhase::Finished => {
            render_rows(app, run, frame, area, theme)
        }
    }
}

fn render_refused(app: &App, run: &BatchRun, frame: &mut Frame, area: Rect, theme: &Theme) {
    let problems = run.problems();
    let [head_area, list_area, detail_area, tail_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(2),
        Constraint::Length(1),
    ])
    .areas(area);
    let cursor = app.ui.batch.cursor.min(problems.len().saturating_sub(1));
    frame.render_widget(
        Paragraph::new(fit_line(
            Line::from(Span::styled(
                format!(
                    "✗ {} was refused: {} problem{}. Nothing was created.",
                    sanitize(run.source()),
                    problems.len(),
                    if problems.len() == 1 { "" } else { "s" }
                ),
                theme.error(),
            )),
            usize::from(head_area.width),
        )),
        head_area,
    );
    let all: Vec<usize> = (0..problems.len()).collect();
    windowed_list(
        frame,
        list_area,
        "Problems",
        (problems, &all, cursor),
        &app.ui.batch.window,
        |problem| Line::from(sanitize(&problem.to_string()).into_owned()),
        theme,
    );
    // The selected problem whole: a list row cuts it at the window's edge.
    if let Some(problem) = problems.get(cursor) {
        wrapped_paragraph(
            frame,
            detail_area,
            Paragraph::new(sanitize(&problem.to_string()).into_owned())
                .style(theme.error())
                .wrap(Wrap { trim: true }),
        );
    }
    frame.render_widget(
        Paragraph::new(Span::styled(
            "Fix them in the file and run again; q quits.",
            theme.dim(),
        )),
        tail_area,
    );
}

fn state_style(row: &RowRun, theme: &Theme) -> Style {
    match &row.state {
        RowState::Made(AssociationState::Succeeded) => theme.ok(),
        RowState::Made(AssociationState::InProgress) => theme.warn(),
        RowState::Queued | RowState::Sending => theme.dim(),
        _ => theme.error(),
    }
}

fn render_rows(app: &App, run: &BatchRun, frame: &mut Frame, area: Rect, theme: &Theme) {
    let ui = &app.ui;
    let tally = run.tally();
    let [status_area, state_area, rate_area, list_area, detail_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(2),
    ])
    .areas(area);

    let mut counts = vec![
        Span::styled(sanitize(run.source()).into_owned(), theme.title()),
        Span::styled(format!(" · {} rows · ", tally.rows), theme.dim()),
        Span::styled(format!("✓ {} succeeded", tally.succeeded), theme.ok()),
    ];
    let mut more = |text: String, style: Style| {
        counts.push(Span::styled(" · ", theme.dim()));
        counts.push(Span::styled(text, style));
    };
    if tally.awaiting_consent > 0 {
        more(
            format!("{} awaiting consent", tally.awaiting_consent),
            theme.warn(),
        );
    }
    let others = tally.in_progress - tally.awaiting_consent;
    if others > 0 {
        more(format!("{others} in progress"), theme.warn());
    }
    if tally.failed > 0 {
        more(format!("{} failed", tally.failed), theme.error());
    }
    if tally.queued > 0 {
        more(format!("{} to send", tally.queued), theme.dim());
    }
    if tally.already > 0 {
        more(
            format!("{} from an earlier run", tally.already),
            theme.dim(),
        );
    }
    let fit_row = |line: Line<'static>| Paragraph::new(fit_line(line, usize::from(area.width)));
    frame.render_widget(fit_row(Line::from(counts)), status_area);

    let state = match run.phase() {
        BatchPhase::Finished if run.timed_out() && tally.in_progress > 0 => Span::styled(
            "Stopped waiting (--wait-timeout): a rerun follows the rest.",
            theme.warn(),
        ),
        BatchPhase::Finished => Span::styled("Done: every row is final.", theme.ok()),
        _ if tally.queued == 0 => Span::raw(format!(
            "{} Following rows in progress · q leaves, a rerun resumes",
            spinner(ui.spinner)
        )),
        _ => Span::raw(format!(
            "{} Creating · q leaves it, a rerun resumes",
            spinner(ui.spinner)
        )),
    };
    frame.render_widget(fit_row(Line::from(state)), state_area);
    let throttled = run.rate().throttles() > 0;
    frame.render_widget(
        fit_row(Line::from(vec![
            Span::styled("Rate ", theme.dim()),
            Span::styled(
                run.rate().describe(),
                if throttled {
                    theme.warn()
                } else {
                    Style::new()
                },
            ),
            Span::styled(format!(" · {} calls", run.calls()), theme.dim()),
        ])),
        rate_area,
    );

    let rows = run.rows();
    let name_width = rows
        .iter()
        .map(|r| unicode_width::UnicodeWidthStr::width(name_of(r).as_str()))
        .max()
        .unwrap_or(0)
        .clamp(4, 24);
    let line_width = rows
        .iter()
        .map(|r| r.row.line.to_string().len())
        .max()
        .unwrap_or(1);
    let item = |row: &RowRun| {
        let mut spans = vec![
            Span::styled(format!("{:>line_width$} ", row.row.line), theme.dim()),
            Span::raw(format!("{} ", fit_column(&name_of(row), name_width))),
            Span::styled(
                format!("{:<16} ", row_state_label(row)),
                state_style(row, theme),
            ),
        ];
        if let Some(error) = row.error.as_deref().filter(|_| !row.in_progress()) {
            spans.push(Span::styled(sanitize(error).into_owned(), theme.error()));
        } else if let Some(id) = &row.association_id {
            spans.push(Span::styled(sanitize(id).into_owned(), theme.dim()));
        }
        Line::from(spans)
    };
    let all: Vec<usize> = (0..rows.len()).collect();
    let cursor = ui.batch.cursor.min(rows.len().saturating_sub(1));
    windowed_list(
        frame,
        list_area,
        "Rows",
        (rows, &all, cursor),
        &ui.batch.window,
        item,
        theme,
    );

    // The selected row whole: its id and error, or its consent URL (one row of it; u shows
    // it whole) as a hyperlink when the URL policy accepts it.
    let Some(row) = rows.get(cursor) else {
        return;
    };
    let head = format!("Line {}", row.row.line);
    let facts = format!(
        " · {}{}",
        row_state_label(row),
        row.association_id
            .as_deref()
            .map(|id| format!(" · {}", sanitize(id)))
            .unwrap_or_default()
    );
    // The name gives way first, so the state and the whole id stay in view: the highlighted
    // row right above names the row too.
    let name_room = usize::from(detail_area.width)
        .saturating_sub(head.len() + 1 + unicode_width::UnicodeWidthStr::width(facts.as_str()));
    let name = if name_room >= 6 {
        format!(" {}", fit(&name_of(row), name_room))
    } else {
        String::new()
    };
    let mut detail = vec![Line::from(vec![
        Span::styled(head, theme.dim()),
        Span::styled(name, theme.title()),
        Span::raw(facts),
    ])];
    match (selected_url(app), &row.error) {
        (Some(url), _) => {
            let shown = sanitize(&url).into_owned();
            let width = detail_area.width as usize;
            let text = fit(&shown, width).into_owned();
            let columns = unicode_width::UnicodeWidthStr::width(text.as_str()) as u16;
            ui.links.add(
                Rect::new(detail_area.x, detail_area.y + 1, columns, 1),
                &url,
            );
            detail.push(Line::from(Span::styled(text, theme.url())));
        }
        (None, Some(error)) => detail.push(Line::from(Span::styled(
            sanitize(error).into_owned(),
            theme.error(),
        ))),
        (None, None) if row.in_progress() && row.oauth_url().is_some() => {
            detail.push(Line::from(Span::styled(
                "Its consent URL was refused by the URL policy: it is not handed over.",
                theme.warn(),
            )))
        }
        (None, None) => {}
    }
    let width = usize::from(detail_area.width);
    let detail: Vec<Line> = detail.into_iter().map(|l| fit_line(l, width)).collect();
    frame.render_widget(Paragraph::new(detail), detail_area);
}

fn name_of(row: &RowRun) -> String {
    sanitize(row.row.draft.name.as_deref().unwrap_or_default()).into_owned()
}

/// A batch driven through the app with the service answered by hand, for the key tests
/// here and the snapshots in `ui::tests`.
#[cfg(test)]
pub(crate) mod testing {
    use std::collections::VecDeque;

    use crate::ui::key_tests::{Harness, dest, general, oauth, options};
    use iotmi_core::batch::BatchRow;
    use iotmi_core::draft::Draft;
    use iotmi_core::flow::{BatchPlan, Effect, Event, fresh_journal};
    use iotmi_core::service::{
        Association, AssociationState, CreatedAssociation, ErrorKind, Page, ServiceError,
    };

    pub const GA: &str = "brightlight-api-key";
    pub const OAUTH: &str = "acme-home-us";

    /// A row of `destination` named `name` on `line` (GA rows carry their auth material).
    pub fn row(line: usize, destination: &str, name: &str) -> BatchRow {
        BatchRow {
            line,
            draft: Draft {
                destination: Some(destination.into()),
                name: Some(name.into()),
                auth_material: (destination == GA).then(|| "api-key".into()),
                ..Draft::default()
            },
        }
    }

    pub fn url_of(row: usize) -> String {
        format!("https://auth.example.com/oauth/authorize?client_id=iotmi&state=row{row}")
    }

    /// The app on the Batch step of `rows`, after `init` (the check's calls are pending).
    pub fn harness(rows: Vec<BatchRow>) -> (Harness, Vec<Effect>) {
        let mut opts = options();
        opts.batch = Some(BatchPlan {
            source: "fleet.csv".into(),
            rows,
            problems: Vec::new(),
            journal: fresh_journal("seed".into()),
            concurrency: 4,
            dry_run: false,
            follow: true,
        });
        let mut h = Harness::new(opts);
        let effects = h.init();
        (h, effects)
    }

    /// How the fake service treats a row: its create, and its state when polled.
    pub struct Service {
        /// Rows whose create the service refuses, with this message.
        pub refuse: Vec<(usize, &'static str)>,
        /// Rows whose owners approved: polled, they are SUCCEEDED.
        pub approved: Vec<usize>,
        /// Follow rounds to answer once every row was sent.
        pub rounds: usize,
    }

    /// Carries out `effects` and what follows from them: the check, the creates (OAuth rows
    /// await consent, GA rows settle on the first poll) and `rounds` of polls; returns the
    /// timers left unfired.
    pub fn drive(h: &mut Harness, effects: Vec<Effect>, service: &mut Service) -> Vec<Effect> {
        let mut queue: VecDeque<Effect> = effects.into();
        let mut left = Vec::new();
        let oauth_row = |h: &Harness, row: usize| {
            h.app.flow.batch().unwrap().rows()[row]
                .row
                .draft
                .destination
                .as_deref()
                == Some(OAUTH)
        };
        while let Some(effect) = queue.pop_front() {
            let more = match effect {
                Effect::ListDestinations { generation, .. } => h.send(Event::DestinationsPage {
                    generation,
                    result: Ok(Page {
                        items: vec![dest(OAUTH, "Acme Home US"), dest(GA, "BrightLight key")],
                        next_token: None,
                    }),
                }),
                Effect::GetDestination { generation, id } => {
                    let detail = if id == GA {
                        general(GA, "BrightLight key", &["api-key"])
                    } else {
                        oauth(&id, "Acme Home US")
                    };
                    h.send(Event::DestinationDetail {
                        generation,
                        result: Ok(detail),
                    })
                }
                Effect::CreateRow { row, .. } => {
                    let result = match service.refuse.iter().find(|(r, _)| *r == row) {
                        Some((_, message)) => {
                            Err(ServiceError::new(ErrorKind::Validation, *message))
                        }
                        None => Ok(CreatedAssociation {
                            id: format!("assoc-{row}"),
                            arn: format!(
                                "arn:aws:iotmanagedintegrations:us-east-1:123456789012:account-association/assoc-{row}"
                            ),
                            state: AssociationState::InProgress,
                            oauth_url: if oauth_row(h, row) {
                                url_of(row)
                            } else {
                                String::new()
                            },
                        }),
                    };
                    h.send(Event::RowCreated { row, result })
                }
                Effect::PollRow { row, id } => {
                    let state = if !oauth_row(h, row) || service.approved.contains(&row) {
                        AssociationState::Succeeded
                    } else {
                        AssociationState::InProgress
                    };
                    let answer = Association {
                        id,
                        state,
                        oauth_url: if oauth_row(h, row) {
                            url_of(row)
                        } else {
                            String::new()
                        },
                        ..iotmi_core::flow::testing::association(AssociationState::InProgress)
                    };
                    h.send(Event::RowPolled {
                        row,
                        result: Ok(answer),
                    })
                }
                Effect::Wake { generation, after } => {
                    // Timers fire while rows are sent or GA rows settle; then `rounds` more.
                    let tally = h.app.flow.batch().unwrap().tally();
                    let settling = tally.queued > 0 || tally.in_progress > tally.awaiting_consent;
                    if !settling {
                        if service.rounds == 0 {
                            left.push(Effect::Wake { generation, after });
                            continue;
                        }
                        service.rounds -= 1;
                    }
                    h.advance(after);
                    h.send(Event::Woke { generation })
                }
                _ => Vec::new(),
            };
            queue.extend(more);
        }
        left
    }

    /// Four rows (two GA, two OAuth) created: the GA rows succeeded, the OAuth rows await
    /// consent.
    pub fn running() -> Harness {
        running_with_timers().0
    }

    /// [`running`], and the timer of its next follow round.
    pub fn running_with_timers() -> (Harness, Vec<Effect>) {
        let (mut h, effects) = harness(vec![
            row(2, GA, "kitchen"),
            row(3, OAUTH, "alice-home"),
            row(4, GA, "garage"),
            row(5, OAUTH, "bob-home"),
        ]);
        let mut service = Service {
            refuse: Vec::new(),
            approved: Vec::new(),
            rounds: 0,
        };
        let timers = drive(&mut h, effects, &mut service);
        (h, timers)
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::KeyCode;

    use super::testing::*;
    use super::*;
    use crate::ui::app::{HostAction, Overlay};
    use iotmi_core::flow::{Effect, Question};

    fn cursor_on(h: &mut crate::ui::key_tests::Harness, index: usize) {
        h.key(KeyCode::Home);
        for _ in 0..index {
            h.key(KeyCode::Down);
        }
        assert_eq!(h.app.ui.batch.cursor, index);
    }

    #[test]
    fn rows_await_consent_and_ga_rows_succeed() {
        let h = running();
        let run = h.app.flow.batch().unwrap();
        assert_eq!(*run.phase(), BatchPhase::Running);
        let labels: Vec<_> = run.rows().iter().map(row_state_label).collect();
        assert_eq!(
            labels,
            [
                "succeeded",
                "awaiting consent",
                "succeeded",
                "awaiting consent"
            ]
        );
    }

    #[test]
    fn next_awaiting_wraps_around_to_rows_awaiting_consent() {
        let h = running();
        let rows = h.app.flow.batch().unwrap().rows();
        assert_eq!(next_awaiting(rows, 0), Some(1));
        assert_eq!(next_awaiting(rows, 1), Some(3));
        assert_eq!(next_awaiting(rows, 3), Some(1));
    }

    #[test]
    fn n_moves_the_cursor_to_the_next_row_awaiting_consent() {
        let mut h = running();
        h.key(KeyCode::Char('n'));
        assert_eq!(h.app.ui.batch.cursor, 1);
        h.key(KeyCode::Char('n'));
        assert_eq!(h.app.ui.batch.cursor, 3);
    }

    #[test]
    fn copy_unwrapped_and_qr_hand_over_the_selected_rows_url() {
        let mut h = running();
        cursor_on(&mut h, 3);
        assert_eq!(
            h.host(KeyCode::Char('c')),
            [HostAction::Copy(url_of(3))],
            "the selected row's URL, not another's"
        );
        assert_eq!(
            h.host(KeyCode::Char('u')),
            [HostAction::ShowUnwrapped {
                heading: "The row's consent URL",
                text: url_of(3),
            }]
        );
        h.key(KeyCode::Char('v'));
        assert_eq!(h.app.ui.overlay, Some(Overlay::Qr));
    }

    #[test]
    fn o_opens_the_selected_rows_consent_page() {
        let mut h = running();
        cursor_on(&mut h, 1);
        let effects = h.key(KeyCode::Char('o'));
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::OpenBrowser { url, .. } if *url == url_of(1))),
            "{effects:?}"
        );
    }

    #[test]
    fn a_row_without_a_consent_page_hands_nothing_over() {
        let mut h = running();
        cursor_on(&mut h, 0);
        assert!(h.host(KeyCode::Char('c')).is_empty());
        assert!(h.key(KeyCode::Char('o')).is_empty());
        h.key(KeyCode::Char('v'));
        assert_eq!(h.app.ui.overlay, None);
    }

    #[test]
    fn a_url_the_policy_refuses_is_never_copied() {
        let (mut h, effects) = harness(vec![row(2, OAUTH, "alice-home")]);
        let mut service = Service {
            refuse: Vec::new(),
            approved: Vec::new(),
            rounds: 0,
        };
        drive(&mut h, effects, &mut service);
        // The service answers a URL the policy refuses (plain http to a remote host).
        h.send(iotmi_core::flow::Event::RowPolled {
            row: 0,
            result: Ok(iotmi_core::service::Association {
                oauth_url: "http://evil.example.com/consent".into(),
                ..iotmi_core::flow::testing::association(AssociationState::InProgress)
            }),
        });
        let row = &h.app.flow.batch().unwrap().rows()[0];
        assert_eq!(row.oauth_url(), Some("http://evil.example.com/consent"));
        assert!(h.host(KeyCode::Char('c')).is_empty());
        h.key(KeyCode::Char('v'));
        assert_eq!(h.app.ui.overlay, None);
    }

    #[test]
    fn approved_rows_turn_succeeded_while_the_screen_follows_them() {
        let (mut h, timers) = running_with_timers();
        assert!(!timers.is_empty(), "a follow round is due");
        let mut service = Service {
            refuse: Vec::new(),
            approved: vec![3],
            rounds: 3,
        };
        drive(&mut h, timers, &mut service);
        let run = h.app.flow.batch().unwrap();
        let labels: Vec<_> = run.rows().iter().map(row_state_label).collect();
        assert_eq!(
            labels,
            ["succeeded", "awaiting consent", "succeeded", "succeeded"]
        );
        assert_eq!(*run.phase(), BatchPhase::Running, "row 1 still awaits");
        // The cursor's tools follow: the approved row has nothing to hand over any more.
        cursor_on(&mut h, 3);
        assert!(h.host(KeyCode::Char('c')).is_empty());
    }

    #[test]
    fn q_while_running_asks_and_says_a_rerun_resumes() {
        let mut h = running();
        assert!(h.key(KeyCode::Char('q')).is_empty());
        assert!(matches!(
            h.app.flow.question(),
            Some(Question::ConfirmQuit { .. })
        ));
        let warning = iotmi_core::flow::quit_warning(&h.app.flow);
        assert!(warning.contains("2 of 4 rows are final"), "{warning}");
        assert!(warning.contains("keeps no journal"), "{warning}");
    }
}
