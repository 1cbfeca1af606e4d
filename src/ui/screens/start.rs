//! The first screen: whose account this is (or the profile picker, when no profile was named
//! and the config has several), then create or manage.

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use tui_input::Input;

use super::{PAGE, Screen, move_cursor};
use crate::ui::app::{App, HostAction, Reaction};
use crate::ui::autopilot::{Pilot, Plan, Round};
use crate::ui::keymap::{Action, Binding, Char, Code, bind, letter_moves, list_moves, quiet};
use crate::ui::theme::Theme;
use crate::ui::widgets::{ListWindow, boxed_paragraph, key_line, spinner};
use iotmi_core::flow::{Effect, Flow, Identity, Intent};

/// The region a profile gets when neither the last run nor the profile names one.
const DEFAULT_REGION: &str = "us-east-1";

#[derive(Clone, Debug, Default)]
pub struct State {
    /// Create (0) or manage (1).
    pub cursor: usize,
    /// The profile picker: highlighted profile, the region field, and whether it has focus
    /// (or was typed in: then moving in the list keeps it).
    pub profile_cursor: usize,
    pub profile_window: ListWindow,
    pub region: Input,
    pub region_focused: bool,
    pub region_edited: bool,
}

impl State {
    /// The picker starts on the profile picked last time, with its region.
    pub fn place_profile_cursor(&mut self, flow: &Flow) {
        if let Some(last) = &flow.opts().last_profile
            && let Some(index) = flow
                .opts()
                .profiles
                .iter()
                .position(|p| p.name == last.profile)
        {
            self.profile_cursor = index;
        }
        self.fill_region(flow);
    }

    /// The region field follows the highlighted profile until the user types in it.
    fn fill_region(&mut self, flow: &Flow) {
        if self.region_edited {
            return;
        }
        let Some(profile) = flow.opts().profiles.get(self.profile_cursor) else {
            return;
        };
        let region = flow
            .opts()
            .last_profile
            .as_ref()
            .filter(|last| last.profile == profile.name)
            .map(|last| last.region.clone())
            .or_else(|| profile.region.clone())
            .unwrap_or_else(|| DEFAULT_REGION.into());
        self.region = Input::new(region);
    }
}

pub struct Start;

impl Screen for Start {
    fn keys(&self, app: &App) -> Vec<Binding> {
        let flow = &app.flow;
        if flow.picking_profile() && app.ui.start.region_focused {
            return vec![
                bind("Enter", &[Code(KeyCode::Enter)], "use it", Action::Choose),
                bind(
                    "Tab",
                    &[
                        Code(KeyCode::Tab),
                        Code(KeyCode::BackTab),
                        Code(KeyCode::Esc),
                    ],
                    "back to the list",
                    Action::SwitchField,
                ),
            ];
        }
        if flow.picking_profile() {
            let mut keys = list_moves();
            keys.push(bind(
                "Enter",
                &[Code(KeyCode::Enter)],
                "use it",
                Action::Choose,
            ));
            keys.push(bind(
                "Tab",
                &[Code(KeyCode::Tab)],
                "region",
                Action::SwitchField,
            ));
            keys.extend(letter_moves());
            return keys;
        }
        let mut keys = vec![
            bind("↑↓", &[], "choose", Action::Down),
            quiet(bind("↓", &[Code(KeyCode::Down)], "down", Action::Down)),
            quiet(bind("↑", &[Code(KeyCode::Up)], "up", Action::Up)),
            bind(
                "Enter",
                &[Code(KeyCode::Enter), Code(KeyCode::Tab)],
                "go",
                Action::Choose,
            ),
            quiet(bind(
                "c",
                &[Char('c')],
                "create a new association",
                Action::StartCreate,
            )),
            quiet(bind(
                "m",
                &[Char('m')],
                "manage existing associations",
                Action::StartManage,
            )),
        ];
        if flow.sso_login().is_some() && flow.opts().aws_cli {
            keys.insert(
                0,
                bind(
                    "s",
                    &[Char('s')],
                    "sign in (aws sso login)",
                    Action::SsoLogin,
                ),
            );
        }
        if matches!(flow.identity(), Identity::Failed(_)) {
            keys.push(bind(
                "r",
                &[Char('r')],
                "check again",
                Action::RecheckIdentity,
            ));
        }
        keys.extend(letter_moves());
        keys
    }

    fn act(&self, app: &mut App, action: Action, now: Instant) -> Reaction {
        let picking = app.flow.picking_profile();
        let state = &mut app.ui.start;
        let intent = match action {
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Home
            | Action::End => {
                if picking {
                    let len = app.flow.opts().profiles.len();
                    move_cursor(&mut state.profile_cursor, len, PAGE, action);
                    state.fill_region(&app.flow);
                } else {
                    move_cursor(&mut state.cursor, 2, PAGE, action);
                }
                return Reaction::default();
            }
            Action::Choose if picking => {
                let Some(profile) = app.flow.opts().profiles.get(state.profile_cursor) else {
                    return Reaction::default();
                };
                Intent::ChooseProfile {
                    profile: profile.name.clone(),
                    region: state.region.value().trim().to_string(),
                }
            }
            Action::Choose if state.cursor == 1 => Intent::StartManage,
            Action::Choose => Intent::StartCreate,
            Action::SwitchField => {
                state.region_focused = !state.region_focused;
                return Reaction::default();
            }
            Action::SsoLogin => {
                let Some(command) = app.flow.sso_login() else {
                    return Reaction::default();
                };
                return Reaction {
                    effects: Vec::new(),
                    host: vec![HostAction::Run(command)],
                };
            }
            Action::RecheckIdentity => Intent::RecheckIdentity,
            Action::StartCreate => Intent::StartCreate,
            Action::StartManage => Intent::StartManage,
            _ => return Reaction::default(),
        };
        app.send(intent, now).into()
    }

    fn typing(&self, app: &App) -> bool {
        app.flow.picking_profile() && app.ui.start.region_focused
    }

    fn focused_input<'a>(&self, app: &'a mut App) -> Option<&'a mut Input> {
        let state = &mut app.ui.start;
        (app.flow.picking_profile() && state.region_focused).then_some(&mut state.region)
    }

    fn typed(&self, app: &mut App, _now: Instant) -> Vec<Effect> {
        // The region is the picker's own until a profile is chosen.
        app.ui.start.region_edited = true;
        Vec::new()
    }

    fn render(&self, app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
        render(app, frame, area, theme)
    }

    fn autoplay(&self, _app: &App, _round: &Round) -> Plan {
        Some((
            Duration::from_millis(1500),
            Pilot::Press(Action::StartCreate),
        ))
    }
}

fn render(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    if app.flow.picking_profile() {
        render_picker(app, frame, area, theme);
        return;
    }
    let ui = &app.ui;
    let mut lines = identity_lines(&app.flow, ui.spinner, theme);
    lines.push(Line::from(""));
    lines.push(Line::from("What do you want to do?"));
    let choices = [
        (
            "Create a new association",
            "onboard a third-party cloud account (c)",
        ),
        (
            "Manage existing",
            "view, authorize, refresh, retry or delete associations (m)",
        ),
    ];
    for (i, (title, what)) in choices.iter().enumerate() {
        let selected = i == ui.start.cursor;
        let marker = if selected { "› " } else { "  " };
        let style = if selected {
            theme.selected()
        } else {
            ratatui::style::Style::new()
        };
        lines.push(Line::from(vec![
            Span::styled(marker, theme.key()),
            Span::styled(title.to_string(), style),
            Span::styled(format!("  {what}"), theme.dim()),
        ]));
    }
    boxed_paragraph(frame, area, "iotmi-onboard", lines, theme);
}

/// Whose account this is, before the first step: the account and the principal, or what
/// stands in for them, or what went wrong and how to fix it.
fn identity_lines(flow: &Flow, frame_index: usize, theme: &Theme) -> Vec<Line<'static>> {
    let target = &flow.target();
    let region = target.region.clone().unwrap_or_else(|| "region …".into());
    let place = format!("profile {}, {region}", target.profile);
    match &flow.identity() {
        Identity::Endpoint if target.demo => vec![Line::from(Span::styled(
            "Demo: the built-in simulator. Nothing real is created.",
            theme.warn(),
        ))],
        Identity::Endpoint => vec![Line::from(vec![
            Span::raw("Onboard into endpoint "),
            Span::styled(target.endpoint.clone().unwrap_or_default(), theme.title()),
            Span::raw(format!(" — {place} ({})", target.credentials)),
        ])],
        Identity::Checking => vec![Line::from(format!(
            "{} Checking whose account this is ({place})…",
            spinner(frame_index)
        ))],
        Identity::Known => vec![
            Line::from(vec![
                Span::raw("Onboard into account "),
                Span::styled(target.account.clone().unwrap_or_default(), theme.title()),
                Span::raw(" as "),
                Span::styled(target.arn.clone().unwrap_or_default(), theme.key()),
            ]),
            Line::from(Span::styled(
                format!("{place} · credentials: {}", target.credentials),
                theme.dim(),
            )),
        ],
        Identity::Failed(error) => {
            let mut lines = vec![
                Line::from(Span::styled(
                    format!("✗ Whose account this is is not known: {}", error.title()),
                    theme.error(),
                )),
                Line::from(error.message.clone()),
            ];
            match flow.sso_login() {
                Some(command) if flow.opts().aws_cli => lines.push(key_line(
                    &[
                        ("s", &format!("sign in here with `{}`", command.join(" "))),
                        ("r", "check again"),
                    ],
                    theme,
                )),
                Some(command) => lines.push(Line::from(format!(
                    "Run `{}` on a machine with the AWS CLI, then press r to check again.",
                    command.join(" ")
                ))),
                None => {
                    lines.push(Line::from(error.remedy(&target.profile)));
                    lines.push(key_line(&[("r", "check again")], theme));
                }
            }
            lines
        }
    }
}

/// No profile was named and the config files have several: which account to work in comes
/// first. Each profile with its region and kind of credentials; the region can be changed.
fn render_picker(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    use ratatui::layout::{Constraint, Layout};
    let state = &app.ui.start;
    let profiles = &app.flow.opts().profiles;
    let [intro, list_area, region_area] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(3),
        Constraint::Length(3),
    ])
    .areas(area);
    let room = usize::from(intro.width);
    frame.render_widget(
        ratatui::widgets::Paragraph::new(vec![
            crate::ui::widgets::fit_line(
                Line::from(Span::styled(
                    "Which AWS profile? (none was named; your AWS config has several)",
                    theme.title(),
                )),
                room,
            ),
            crate::ui::widgets::fit_line(
                Line::from(Span::styled(
                    "Enter works as the highlighted one · Tab changes the region",
                    theme.dim(),
                )),
                room,
            ),
        ]),
        intro,
    );
    let last = app
        .flow
        .opts()
        .last_profile
        .as_ref()
        .map(|l| l.profile.as_str());
    let all: Vec<usize> = (0..profiles.len()).collect();
    let row = |p: &iotmi_core::profile::ProfileInfo| {
        Line::from(vec![
            Span::raw(p.name.clone()),
            Span::styled(
                format!(
                    "  {} · {}{}",
                    p.region.as_deref().unwrap_or("no region"),
                    p.kind.label(),
                    if last == Some(p.name.as_str()) {
                        " · last used"
                    } else {
                        ""
                    }
                ),
                theme.dim(),
            ),
        ])
    };
    crate::ui::widgets::windowed_list(
        frame,
        list_area,
        "Profiles",
        (profiles, &all, state.profile_cursor),
        &state.profile_window,
        row,
        theme,
    );
    crate::ui::widgets::text_field(
        frame,
        region_area,
        Line::from("Region"),
        &state.region,
        state.region_focused,
        theme,
    );
}
