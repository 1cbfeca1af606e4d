//! Step 3: the tags, as a table with an editor for one key and value; `k=v` pairs can be
//! pasted.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};
use tui_input::Input;

use super::{Change, PAGE, Screen, clamp, edit_focused, move_cursor};
use crate::ui::app::{App, Reaction, paste_into};
use crate::ui::autopilot::{Pilot, Plan, Round, TAG, type_towards};
use crate::ui::keymap::{
    Action, Binding, Char, Code, bind, is_move, letter_moves, list_moves, quiet,
};
use crate::ui::theme::Theme;
use crate::ui::widgets::{boxed_paragraph, counter, fit_column, text_field, wrapped_paragraph};
use iotmi_core::flow::pairs::looks_like_pairs;
use iotmi_core::flow::validate::{MAX_TAGS, TAG_KEY_MAX, TAG_VALUE_MAX};
use iotmi_core::flow::{self, Effect, Flow, Intent, Notice, Step, TagField};

/// The tag being added or edited.
#[derive(Clone, Debug)]
pub struct TagEdit {
    /// `None` adds a row; `Some(i)` edits row `i`.
    pub index: Option<usize>,
    pub key: Input,
    pub value: Input,
    pub focus: TagField,
}

#[derive(Clone, Debug, Default)]
pub struct State {
    pub cursor: usize,
    pub edit: Option<TagEdit>,
}

impl State {
    pub fn follow(&mut self, flow: &Flow, change: Change) {
        if change.entered(Step::Tags, flow.step()) {
            self.edit = None;
        }
        clamp(&mut self.cursor, flow.tags().rows.len());
    }
}

/// The problem of the tag being typed, shown while typing (SaveTag refuses with it).
pub fn tag_problem(app: &App) -> Option<(TagField, String)> {
    let edit = app.ui.tags.edit.as_ref()?;
    flow::tag_problem(&app.flow, edit.index, edit.key.value(), edit.value.value())
}

pub struct Tags;

impl Screen for Tags {
    fn keys(&self, app: &App) -> Vec<Binding> {
        if let Some(TagEdit { focus, .. }) = &app.ui.tags.edit {
            return vec![
                bind(
                    "Enter",
                    &[Code(KeyCode::Enter)],
                    "save tag",
                    Action::SaveTag,
                ),
                bind(
                    "Tab",
                    &[
                        Code(KeyCode::Tab),
                        Code(KeyCode::BackTab),
                        Code(KeyCode::Up),
                        Code(KeyCode::Down),
                    ],
                    if *focus == TagField::Key {
                        "to value"
                    } else {
                        "to key"
                    },
                    Action::SwitchField,
                ),
                bind("Esc", &[Code(KeyCode::Esc)], "cancel", Action::CancelEdit),
            ];
        }
        let mut keys = vec![bind(
            "a",
            &[Char('a'), Char('+'), Code(KeyCode::Insert)],
            "add",
            Action::AddTag,
        )];
        if !app.flow.tags().rows.is_empty() {
            keys.push(bind(
                "e",
                &[Char('e'), Code(KeyCode::F(2))],
                "edit",
                Action::EditTag,
            ));
            keys.push(bind(
                "d",
                &[
                    Char('d'),
                    Char('x'),
                    Code(KeyCode::Delete),
                    Code(KeyCode::Backspace),
                ],
                "delete",
                Action::DeleteTag,
            ));
        }
        keys.push(bind(
            "Enter",
            &[Code(KeyCode::Enter), Code(KeyCode::Tab)],
            "next",
            Action::Next,
        ));
        keys.push(bind(
            "Esc",
            &[Code(KeyCode::Esc), Code(KeyCode::BackTab)],
            "back",
            Action::Back,
        ));
        keys.extend(list_moves().into_iter().map(quiet));
        keys.extend(letter_moves());
        keys
    }

    fn act(&self, app: &mut App, action: Action, now: Instant) -> Reaction {
        let intent = match action {
            action if is_move(action) => {
                let len = app.flow.tags().rows.len();
                move_cursor(&mut app.ui.tags.cursor, len, PAGE, action);
                return Reaction::default();
            }
            Action::Next => Intent::Next,
            Action::Back => Intent::Back,
            Action::SwitchField => {
                if let Some(edit) = app.ui.tags.edit.as_mut() {
                    edit.focus = match edit.focus {
                        TagField::Key => TagField::Value,
                        TagField::Value => TagField::Key,
                    };
                }
                return Reaction::default();
            }
            Action::AddTag => {
                let effects = app.send(Intent::OpenTagEditor { index: None }, now);
                if app.flow.tags().editing {
                    app.ui.tags.edit = Some(TagEdit {
                        index: None,
                        key: Input::default(),
                        value: Input::default(),
                        focus: TagField::Key,
                    });
                }
                return effects.into();
            }
            Action::EditTag => {
                let index = app
                    .ui
                    .tags
                    .cursor
                    .min(app.flow.tags().rows.len().saturating_sub(1));
                if app.flow.tags().rows.get(index).is_none() {
                    return Reaction::default();
                }
                let effects = app.send(Intent::OpenTagEditor { index: Some(index) }, now);
                if let Some(row) = app.flow.tags().rows.get(index) {
                    app.ui.tags.edit = Some(TagEdit {
                        index: Some(index),
                        key: Input::new(row.key.clone()),
                        value: Input::new(row.value.clone()),
                        focus: TagField::Value,
                    });
                }
                return effects.into();
            }
            Action::DeleteTag => Intent::RemoveTag(app.ui.tags.cursor),
            Action::SaveTag => {
                let Some(edit) = &app.ui.tags.edit else {
                    return Reaction::default();
                };
                let index = edit.index;
                let intent = Intent::SaveTag {
                    index,
                    key: edit.key.value().to_string(),
                    value: edit.value.value().to_string(),
                };
                let effects = app.send(intent, now);
                let state = &mut app.ui.tags;
                match (&app.flow.tags().edit_error, state.edit.as_mut()) {
                    // A refusal keeps the editor open on the field at fault.
                    (Some((field, _)), Some(edit)) => edit.focus = *field,
                    _ => {
                        state.edit = None;
                        state.cursor =
                            index.unwrap_or(app.flow.tags().rows.len().saturating_sub(1));
                    }
                }
                return effects.into();
            }
            Action::CancelEdit => {
                app.ui.tags.edit = None;
                Intent::CloseTagEditor
            }
            _ => return Reaction::default(),
        };
        app.send(intent, now).into()
    }

    fn typing(&self, app: &App) -> bool {
        app.ui.tags.edit.is_some()
    }

    fn focused_input<'a>(&self, app: &'a mut App) -> Option<&'a mut Input> {
        app.ui.tags.edit.as_mut().map(|edit| match edit.focus {
            TagField::Key => &mut edit.key,
            TagField::Value => &mut edit.value,
        })
    }

    /// The tag is the TUI's own until saved; the flow only hears that a refusal about the text
    /// before this edit is stale.
    fn typed(&self, app: &mut App, now: Instant) -> Vec<Effect> {
        app.send(Intent::TagTextChanged, now)
    }

    fn edit(&self, app: &mut App, key: KeyEvent, now: Instant) -> Vec<Effect> {
        // `env=prod` typed into the key field: the value goes into its own field.
        if key.code == KeyCode::Char('=')
            && !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
            && let Some(edit) = app.ui.tags.edit.as_mut()
            && edit.focus == TagField::Key
        {
            edit.focus = TagField::Value;
            app.ui.flash = Some("Key and value are separate fields: now type the value".into());
            return Vec::new();
        }
        edit_focused(self, app, key, now)
    }

    fn paste(&self, app: &mut App, text: &str, now: Instant) -> Reaction {
        // `k=v` pasted after a key was typed: split into the two fields.
        if let Some(edit) = app.ui.tags.edit.as_mut()
            && edit.focus == TagField::Key
            && !edit.key.value().is_empty()
            && let Some((key, value)) = text.split_once('=')
        {
            paste_into(&mut edit.key, key);
            paste_into(&mut edit.value, value);
            edit.focus = TagField::Value;
            return Reaction::default();
        }
        let into_field = app.ui.tags.edit.as_ref().is_some_and(|edit| {
            !(edit.focus == TagField::Key && edit.key.value().is_empty() && looks_like_pairs(text))
        });
        if !into_field {
            app.ui.tags.edit = None;
            let before = app.flow.tags().rows.len();
            let effects = app.send(Intent::PasteTags(text.to_string()), now);
            if app.flow.tags().rows.len() > before {
                // The cursor goes to the last tag added.
                app.ui.tags.cursor = app.flow.tags().rows.len() - 1;
            }
            return effects.into();
        }
        app.paste_into_focused(self, text, now)
    }

    fn render(&self, app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
        render(app, frame, area, theme)
    }

    /// One tag, typed into the editor, then on.
    fn autoplay(&self, app: &App, _round: &Round) -> Plan {
        let ms = Duration::from_millis;
        match &app.ui.tags.edit {
            Some(edit) => {
                let (input, want) = match edit.focus {
                    TagField::Key => (&edit.key, TAG.0),
                    TagField::Value => (&edit.value, TAG.1),
                };
                type_towards(input, want).or(Some(match edit.focus {
                    TagField::Key => (ms(300), Pilot::Press(Action::SwitchField)),
                    TagField::Value => (ms(500), Pilot::Press(Action::SaveTag)),
                }))
            }
            None if app.flow.tags().rows.is_empty() => {
                Some((ms(900), Pilot::Press(Action::AddTag)))
            }
            None => Some((ms(1000), Pilot::Press(Action::Next))),
        }
    }
}

fn render(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let model = &app.flow;
    let ui = &app.ui;
    let tags = &model.tags();
    let editor_height = if ui.tags.edit.is_some() { 4 } else { 0 };
    let [table_area, editor_area, message_area] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(editor_height),
        Constraint::Length(2),
    ])
    .areas(area);

    let title = format!("Tags {}/{MAX_TAGS} (optional)", tags.rows.len());
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
        boxed_paragraph(frame, table_area, &title, lines, theme);
    } else {
        // Columns of known widths (inside the borders, after the cursor mark, one space
        // between), so a key or value wider than its column ends with `…`.
        let room = table_area.width.saturating_sub(2 + 2 + 1);
        let key_width = room * 2 / 5;
        let value_width = room - key_width;
        let cell = |text: &str, width: u16| Cell::from(fit_column(text, usize::from(width)));
        let rows = tags
            .rows
            .iter()
            .map(|r| Row::new([cell(&r.key, key_width), cell(&r.value, value_width)]));
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.dim())
            .title(format!(" {title} "));
        let table = Table::new(
            rows,
            [
                Constraint::Length(key_width),
                Constraint::Length(value_width),
            ],
        )
        .header(Row::new(["Key", "Value"]).style(theme.dim()))
        .block(block)
        .row_highlight_style(if ui.tags.edit.is_none() {
            theme.selected()
        } else {
            theme.dim()
        })
        .highlight_symbol("› ");
        let mut state = TableState::default().with_selected(Some(ui.tags.cursor));
        frame.render_stateful_widget(table, table_area, &mut state);
    }

    if let Some(edit) = &ui.tags.edit {
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
        .tags
        .edit
        .as_ref()
        .and(tags.edit_error.clone().or_else(|| {
            // An empty key is only a key not typed yet.
            tag_problem(app).filter(|(_, error)| !error.contains("is required"))
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
    wrapped_paragraph(
        frame,
        message_area,
        Paragraph::new(message).wrap(ratatui::widgets::Wrap { trim: false }),
    );
}
