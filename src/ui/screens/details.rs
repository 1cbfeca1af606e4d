//! Step 2: the association's name and description, validated as typed.

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use tui_input::Input;

use super::{Change, Screen, mirror};
use crate::ui::app::{App, Reaction};
use crate::ui::autopilot::{DESCRIPTION, Pilot, Plan, Round, type_towards};
use crate::ui::keymap::{Action, Binding, Code, bind, quiet};
use crate::ui::theme::Theme;
use crate::ui::widgets::{counter, fit_line, text_field, wrapped_paragraph};
use iotmi_core::flow::validate::{DESCRIPTION_MAX, NAME_CHARS_HINT, NAME_MAX};
use iotmi_core::flow::{DetailsField, Effect, Flow, Intent, Step, details_errors};

#[derive(Clone, Debug, Default)]
pub struct State {
    pub name: Input,
    pub description: Input,
    /// The focused field (None: the name, or the field at fault once the flow finds one).
    pub focus: Option<DetailsField>,
}

impl State {
    pub fn focus(&self) -> DetailsField {
        self.focus.unwrap_or(DetailsField::Name)
    }

    pub fn follow(&mut self, flow: &Flow, change: Change) {
        // A refused Next puts the cursor in the first field at fault (after that the user
        // moves freely between the fields).
        if change.next
            && flow.step() == Step::Details
            && let Some(field) = flow.details().error_field
        {
            self.focus = Some(field);
        }
        mirror(&mut self.name, &flow.details().name);
        mirror(&mut self.description, &flow.details().description);
        // Editing from Review keeps the field chosen there.
        if change.entered(Step::Details, flow.step()) && change.before != Some(Step::Review) {
            self.focus = flow.details().error_field;
        }
    }
}

pub struct Details;

impl Screen for Details {
    // Tab order: name, description, next step; Shift-Tab the other way.
    fn keys(&self, app: &App) -> Vec<Binding> {
        match app.ui.details.focus() {
            DetailsField::Name => vec![
                bind("Enter", &[Code(KeyCode::Enter)], "next", Action::Next),
                bind(
                    "Tab",
                    &[Code(KeyCode::Tab), Code(KeyCode::Down)],
                    "field",
                    Action::SwitchField,
                ),
                bind("Esc", &[Code(KeyCode::Esc)], "back", Action::Back),
                quiet(bind(
                    "Shift-Tab",
                    &[Code(KeyCode::BackTab)],
                    "back",
                    Action::Back,
                )),
            ],
            DetailsField::Description => vec![
                bind("Enter", &[Code(KeyCode::Enter)], "next", Action::Next),
                bind(
                    "↑",
                    &[Code(KeyCode::Up), Code(KeyCode::BackTab)],
                    "field",
                    Action::SwitchField,
                ),
                bind("Esc", &[Code(KeyCode::Esc)], "back", Action::Back),
                quiet(bind("Tab", &[Code(KeyCode::Tab)], "next", Action::Next)),
            ],
        }
    }

    fn act(&self, app: &mut App, action: Action, now: Instant) -> Reaction {
        let intent = match action {
            Action::Next => Intent::Next,
            Action::Back => Intent::Back,
            Action::SwitchField => {
                let state = &mut app.ui.details;
                state.focus = Some(match state.focus() {
                    DetailsField::Name => DetailsField::Description,
                    DetailsField::Description => DetailsField::Name,
                });
                return Reaction::default();
            }
            _ => return Reaction::default(),
        };
        app.send(intent, now).into()
    }

    fn typing(&self, _app: &App) -> bool {
        true
    }

    fn focused_input<'a>(&self, app: &'a mut App) -> Option<&'a mut Input> {
        let state = &mut app.ui.details;
        Some(match state.focus() {
            DetailsField::Name => &mut state.name,
            DetailsField::Description => &mut state.description,
        })
    }

    fn typed(&self, app: &mut App, now: Instant) -> Vec<Effect> {
        let state = &app.ui.details;
        let intent = match state.focus() {
            DetailsField::Name => Intent::SetName(state.name.value().to_string()),
            DetailsField::Description => {
                Intent::SetDescription(state.description.value().to_string())
            }
        };
        app.send(intent, now)
    }

    fn render(&self, app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
        render(app, frame, area, theme)
    }

    /// The round's name, then the description, then on.
    fn autoplay(&self, app: &App, round: &Round) -> Plan {
        let ms = Duration::from_millis;
        let state = &app.ui.details;
        match state.focus() {
            DetailsField::Name => type_towards(&state.name, &round.name)
                .or(Some((ms(500), Pilot::Press(Action::SwitchField)))),
            DetailsField::Description => type_towards(&state.description, DESCRIPTION)
                .or(Some((ms(700), Pilot::Press(Action::Next)))),
        }
    }
}

fn render(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
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
        Paragraph::new(fit_line(
            Line::from(vec![
                Span::raw("Destination: "),
                Span::styled(destination.to_string(), theme.title()),
            ]),
            usize::from(intro.width),
        )),
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
        &ui.details.name,
        ui.details.focus() == DetailsField::Name,
        theme,
    );
    wrapped_paragraph(
        frame,
        name_note,
        Paragraph::new(note(name_error, "Required. ", theme)).wrap(Wrap { trim: false }),
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
        &ui.details.description,
        ui.details.focus() == DetailsField::Description,
        theme,
    );
    wrapped_paragraph(
        frame,
        description_note,
        Paragraph::new(note(description_error, "", theme)).wrap(Wrap { trim: false }),
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
