//! One module per step: each holds the screen's own widget state, its keymap (as bindings,
//! from which the footer and help are drawn), what its actions do, how its text fields take
//! keys, its render and its part of the autoplay walkthrough. What every screen shares
//! (quit, help, overlays, flash, the too-small guard, paste handling, header and footer)
//! lives in `app`, `keymap` and `view`.
//!
//! [`of`] is the one place a step is matched to its screen: a new step does not compile
//! until it has one.

use std::time::Instant;

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use tui_input::Input;

use super::app::{App, Reaction, edit_input};
use super::autopilot::{Plan, Round};
use super::keymap::{Action, Binding};
use super::theme::Theme;
use iotmi_core::flow::{Effect, Step};

pub mod auth;
pub mod authorize;
pub mod batch;
pub mod destination;
pub mod details;
pub mod devices;
pub mod done;
pub mod manage;
pub mod resume;
pub mod review;
pub mod start;
pub mod status;
pub mod submit;
pub mod tags;

/// PgUp/PgDn move this many rows on lists that keep no window (tags, review, profiles).
pub const PAGE: usize = 10;

/// A step's screen. Only `keys`, `act` and `render` must be written; a screen without text
/// fields or a walkthrough goal keeps the rest.
pub trait Screen: Sync {
    /// The keys this screen answers to now, most useful first; the shared keymap adds help
    /// and quit after them.
    fn keys(&self, app: &App) -> Vec<Binding>;

    /// What an action bound in [`Screen::keys`] does here.
    fn act(&self, app: &mut App, action: Action, now: Instant) -> Reaction;

    fn render(&self, app: &App, frame: &mut Frame, area: Rect, theme: &Theme);

    /// Letters go into a text field on this screen (so `q` and `?` are text, not commands).
    fn typing(&self, _app: &App) -> bool {
        false
    }

    /// The focused text field, if letters go into one.
    fn focused_input<'a>(&self, _app: &'a mut App) -> Option<&'a mut Input> {
        None
    }

    /// The focused field's text changed: tell the flow what it needs to know.
    fn typed(&self, _app: &mut App, _now: Instant) -> Vec<Effect> {
        Vec::new()
    }

    /// A key not bound on this screen, while [`Screen::typing`]: it edits the focused field.
    fn edit(&self, app: &mut App, key: KeyEvent, now: Instant) -> Vec<Effect> {
        edit_focused(self, app, key, now)
    }

    /// Pasted text: into the focused field.
    fn paste(&self, app: &mut App, text: &str, now: Instant) -> Reaction {
        app.paste_into_focused(self, text, now)
    }

    /// `demo --autoplay`: the walkthrough's next move on this screen and the pause before it
    /// (None: nothing to do here but wait).
    fn autoplay(&self, _app: &App, _round: &Round) -> Plan {
        None
    }
}

/// The screen of `step`.
pub fn of(step: Step) -> &'static dyn Screen {
    match step {
        Step::Start => &start::Start,
        Step::Resume => &resume::Resume,
        Step::Manage => &manage::Manage,
        Step::Destination => &destination::Destination,
        Step::Details => &details::Details,
        Step::Tags => &tags::Tags,
        Step::Auth => &auth::Auth,
        Step::Review => &review::Review,
        Step::Submit => &submit::Submit,
        Step::Authorize => &authorize::Authorize,
        Step::Status => &status::Status,
        Step::Done => &done::Done,
        Step::Devices => &devices::Devices,
        Step::Batch => &batch::Batch,
    }
}

/// Feeds a key to the focused field and tells the screen when its text changed.
pub fn edit_focused<S: Screen + ?Sized>(
    screen: &S,
    app: &mut App,
    key: KeyEvent,
    now: Instant,
) -> Vec<Effect> {
    let Some(input) = screen.focused_input(app) else {
        return Vec::new();
    };
    if !edit_input(input, key) {
        return Vec::new();
    }
    screen.typed(app, now)
}

/// A cursor move on a list of `len` rows; `page` rows for PgUp/PgDn. Other actions leave it.
pub fn move_cursor(cursor: &mut usize, len: usize, page: usize, action: Action) {
    let last = len.saturating_sub(1) as isize;
    let target = match action {
        Action::Up => *cursor as isize - 1,
        Action::Down => *cursor as isize + 1,
        Action::PageUp => *cursor as isize - page as isize,
        Action::PageDown => *cursor as isize + page as isize,
        Action::Home => 0,
        Action::End => last,
        _ => *cursor as isize,
    };
    *cursor = target.clamp(0, last.max(0)) as usize;
}

/// The cursor stays on a row that exists.
pub fn clamp(cursor: &mut usize, len: usize) {
    *cursor = (*cursor).min(len.saturating_sub(1));
}

/// The widget shows the flow's text; the cursor stays where it was when the text is the same.
pub fn mirror(input: &mut Input, value: &str) {
    if input.value() != value {
        *input = Input::new(value.to_string());
    }
}

/// What one flow update changed, for the screens' widgets to follow.
#[derive(Clone, Copy, Debug)]
pub struct Change {
    /// The step before the update (None when the app is made).
    pub before: Option<Step>,
    /// The update was the intent Next.
    pub next: bool,
}

impl Change {
    /// `step` was just entered.
    pub fn entered(&self, step: Step, now_on: Step) -> bool {
        now_on == step && self.before != Some(step)
    }
}
