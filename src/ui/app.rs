//! The full-screen front end's state: the flow plus the widgets that present it (text inputs,
//! cursors, overlays, the QR toggle, spinner and flash line). Keys become flow intents through
//! the screen's keymap; what the flow changes is mirrored back into the widgets.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::time::Instant;
use tui_input::backend::crossterm::to_input_request;
use tui_input::{Input, InputRequest};

use super::keymap::{self, Action};
use super::screens::{self, Change, Screen};
use iotmi_core::flow::{self, Effect, Event, Flow, Intent};

/// Longest text a paste inserts into one field; longer pastes are cut, with a notice.
const MAX_PASTE: usize = 8192;
/// Shown when a key arrives while the step waits for the service.
const BUSY: &str = "Busy: waiting for the service (that key was ignored)";
const BUSY_TYPING: &str = "Busy: waiting for the service (what you type is kept)";
/// The most text kept while waiting: a paste's worth, not a stuck key's.
const TYPEAHEAD_MAX: usize = 1024;
/// PgUp/PgDn in the help overlay.
const PAGE: usize = screens::PAGE;

/// What came in while the step waited for the service, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Typeahead {
    Key(KeyEvent),
    /// A paste (or a read of several characters at once): a paste again once the wait is
    /// over, so the screen takes it in one piece as it would have.
    Paste(String),
}

impl Typeahead {
    fn chars(&self) -> usize {
        match self {
            Typeahead::Key(_) => 1,
            Typeahead::Paste(text) => text.chars().count(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overlay {
    Help,
    /// The consent URL's QR code over the whole window, to scan with a phone.
    Qr,
}

/// Widget state: nothing here is part of the onboarding itself. What all screens share, then
/// each screen's own state (in its module under `screens`).
#[derive(Clone, Debug, Default)]
pub struct Ui {
    /// The window is below the minimum size: nothing is drawn but a notice, so only Ctrl-C and
    /// help act (see [`App::resize`]).
    pub too_small: bool,
    pub overlay: Option<Overlay>,
    /// First line of the help shown, and the most it can scroll in this window (set when drawn).
    pub help_scroll: usize,
    pub help_max_scroll: std::cell::Cell<usize>,
    pub flash: Option<String>,
    pub spinner: usize,
    /// Where this frame draws hyperlinks (the vetted URL's rows), for the terminal's backend.
    pub links: super::links::Links,
    /// `demo --autoplay` drives: Some(paused).
    pub autoplay: Option<bool>,
    /// Text typed or pasted while the step waited for the service: given to the screen shown
    /// once the wait is over (command keys are dropped, text is not).
    pub typeahead: Vec<Typeahead>,
    pub start: screens::start::State,
    pub manage: screens::manage::State,
    pub destination: screens::destination::State,
    pub details: screens::details::State,
    pub tags: screens::tags::State,
    pub auth: screens::auth::State,
    pub review: screens::review::State,
    pub devices: screens::devices::State,
    pub batch: screens::batch::State,
}

impl Ui {
    /// Every screen's widgets follow what a flow update changed (a screen not shown keeps
    /// its text fields in step with the flow too); the intents the flow must hear back.
    fn follow(&mut self, flow: &Flow, change: Change) -> Vec<Intent> {
        let mut intents = Vec::new();
        intents.extend(self.manage.follow(flow, change));
        self.destination.follow(flow, change);
        self.details.follow(flow, change);
        self.tags.follow(flow, change);
        self.auth.follow(flow, change);
        self.review.follow(flow, change);
        intents
    }
}

/// What the terminal itself must do for a key (the runtime never touches the terminal).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostAction {
    /// Copy to the clipboard of the terminal the user sits at; the host's report of what it
    /// did becomes the flash line.
    Copy(String),
    /// Leave the full-screen UI and print `text` plainly, under `heading`, until a key is
    /// pressed: a long URL or command selected whole with the mouse.
    ShowUnwrapped { heading: &'static str, text: String },
    /// Step aside and run this program (no shell) in the terminal, then come back and check
    /// who the calls are made as again (`aws sso login --profile P`).
    Run(Vec<String>),
}

#[derive(Debug, Default)]
pub struct Reaction {
    pub effects: Vec<Effect>,
    pub host: Vec<HostAction>,
}

impl From<Vec<Effect>> for Reaction {
    fn from(effects: Vec<Effect>) -> Self {
        Reaction {
            effects,
            host: Vec::new(),
        }
    }
}

pub struct App {
    pub flow: Flow,
    pub ui: Ui,
}

impl App {
    pub fn new(mut flow: Flow) -> Self {
        let mut app = App {
            ui: Ui {
                flash: flow.take_notice(),
                ..Ui::default()
            },
            flow,
        };
        app.ui.start.place_profile_cursor(&app.flow);
        let change = Change {
            before: None,
            next: false,
        };
        app.ui.follow(&app.flow, change);
        app
    }

    /// `demo --autoplay --loop`: the same run from its first screen, with a new ClientToken
    /// seed (the last round's tokens name its associations). The hyperlink registry the
    /// terminal backend draws from is kept.
    pub fn restart(&mut self, now: Instant) {
        let mut opts = self.flow.opts().clone();
        opts.token_seed = crate::session::token_seed();
        opts.resume = None;
        let (links, autoplay) = (self.ui.links.clone(), self.ui.autoplay);
        *self = App::new(Flow::new(opts, now));
        self.ui.links = links;
        self.ui.autoplay = autoplay;
    }

    /// The screen of the step shown now.
    pub fn screen(&self) -> &'static dyn Screen {
        screens::of(self.flow.step())
    }

    /// The terminal's size, at start and on every resize.
    pub fn resize(&mut self, width: u16, height: u16) {
        self.ui.too_small = width < super::view::MIN_WIDTH || height < super::view::MIN_HEIGHT;
    }

    /// Keys other than the screen's bindings are dropped: the window is too small to show
    /// what they would do, or the step waits for the service.
    fn holding_keys(&self) -> bool {
        self.ui.too_small || (self.flow.waiting() && self.flow.question().is_none())
    }

    /// Letters go into a text field on this screen (so `q` and `?` are text, not commands).
    pub fn typing(&self) -> bool {
        self.screen().typing(self)
    }

    /// One flow update, then the widgets follow what changed.
    pub fn send(&mut self, input: impl Into<flow::Input>, now: Instant) -> Vec<Effect> {
        let step = self.flow.step();
        let input = input.into();
        let next = matches!(input, flow::Input::Intent(Intent::Next));
        if step == flow::Step::Manage {
            self.ui.manage.keep_highlight(&self.flow);
        }
        let mut effects = flow::update(&mut self.flow, input, now);
        if let Some(notice) = self.flow.take_notice() {
            self.ui.flash = Some(notice);
        } else if self.flow.step() != step
            && matches!(self.ui.flash.as_deref(), Some(BUSY | BUSY_TYPING))
        {
            // The wait is over: the cue belonged to the screen that waited.
            self.ui.flash = None;
        }
        let change = Change {
            before: Some(step),
            next,
        };
        for intent in self.ui.follow(&self.flow, change) {
            effects.extend(flow::update(&mut self.flow, intent, now));
        }
        effects
    }

    pub fn event(&mut self, event: Event, now: Instant) -> Vec<Effect> {
        let mut effects = self.send(event, now);
        // The wait is over: what was typed meanwhile goes into the text field shown now (never
        // to a screen where letters are commands).
        if !self.ui.typeahead.is_empty() && !self.holding_keys() {
            for typed in std::mem::take(&mut self.ui.typeahead) {
                if !self.typing() || self.flow.question().is_some() {
                    break;
                }
                let reaction = match typed {
                    Typeahead::Key(key) => self.key(key, now),
                    Typeahead::Paste(text) => self.paste(&text, now),
                };
                effects.extend(reaction.effects);
            }
            if self.ui.flash.as_deref() == Some(BUSY_TYPING) {
                self.ui.flash = None;
            }
        }
        effects
    }

    pub fn tick(&mut self) {
        self.ui.spinner = self.ui.spinner.wrapping_add(1);
    }

    pub fn key(&mut self, key: KeyEvent, now: Instant) -> Reaction {
        if key.kind == KeyEventKind::Release {
            return Reaction::default();
        }
        if self.ui.overlay == Some(Overlay::Qr) {
            // Any key returns from the QR code; Ctrl-C still quits.
            self.ui.overlay = None;
            if keymap::Key::Ctrl('c').matches(&key) {
                return self.act(Action::Interrupt, now);
            }
            return Reaction::default();
        }
        if self.ui.overlay.is_some() {
            // Moves scroll the help, any other key closes it; Ctrl-C still quits.
            let max = self.ui.help_max_scroll.get();
            let scroll = &mut self.ui.help_scroll;
            match key.code {
                KeyCode::Up | KeyCode::Char('k') => *scroll = scroll.saturating_sub(1).min(max),
                KeyCode::Down | KeyCode::Char('j') => *scroll = (*scroll + 1).min(max),
                KeyCode::PageUp => *scroll = scroll.saturating_sub(PAGE).min(max),
                KeyCode::PageDown => *scroll = (*scroll + PAGE).min(max),
                KeyCode::Home => *scroll = 0,
                KeyCode::End => *scroll = max,
                _ => {
                    self.ui.overlay = None;
                    if keymap::Key::Ctrl('c').matches(&key) {
                        return self.act(Action::Interrupt, now);
                    }
                }
            }
            return Reaction::default();
        }
        self.ui.flash = None;
        let bindings = keymap::bindings(self);
        if let Some(action) = keymap::lookup(&bindings, &key) {
            return self.act(action, now);
        }
        if self.holding_keys() {
            if !self.ui.too_small {
                let plain = !key
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
                let kept = match key.code {
                    KeyCode::Char(_) if plain && self.typeahead_room() > 0 => {
                        self.ui.typeahead.push(Typeahead::Key(key));
                        true
                    }
                    // Backspace edits only what was typed meanwhile: the next screen's text
                    // is not yet on screen to be erased.
                    KeyCode::Backspace if plain => self.erase_typeahead(),
                    _ => false,
                };
                self.ui.flash = Some(if kept { BUSY_TYPING } else { BUSY }.into());
            }
            return Reaction::default();
        }
        if self.flow.question().is_none() && self.typing() {
            return self.screen().edit(self, key, now).into();
        }
        Reaction::default()
    }

    pub fn paste(&mut self, text: &str, now: Instant) -> Reaction {
        if self.ui.overlay.is_some() || self.flow.question().is_some() {
            return Reaction::default();
        }
        if self.holding_keys() {
            // Kept, as typed keys are: a read of several characters is a paste too.
            let room = self.typeahead_room();
            let kept: String = text.chars().take(room).collect();
            if !kept.is_empty() {
                self.ui.typeahead.push(Typeahead::Paste(kept));
            }
            if !self.ui.too_small {
                self.ui.flash = Some(if room > 0 { BUSY_TYPING } else { BUSY }.into());
            }
            return Reaction::default();
        }
        self.ui.flash = None;
        self.screen().paste(self, text, now)
    }

    /// How many more characters the typeahead holds.
    fn typeahead_room(&self) -> usize {
        let held: usize = self.ui.typeahead.iter().map(Typeahead::chars).sum();
        TYPEAHEAD_MAX.saturating_sub(held)
    }

    /// Backspace while waiting: the last character typed or pasted meanwhile.
    fn erase_typeahead(&mut self) -> bool {
        match self.ui.typeahead.last_mut() {
            Some(Typeahead::Paste(text)) if text.chars().count() > 1 => text.pop().is_some(),
            Some(_) => self.ui.typeahead.pop().is_some(),
            None => false,
        }
    }

    /// Pasted text into the screen's focused field, in one piece.
    pub fn paste_into_focused<S: Screen + ?Sized>(
        &mut self,
        screen: &S,
        text: &str,
        now: Instant,
    ) -> Reaction {
        let Some(input) = screen.focused_input(self) else {
            self.ui.flash = Some("Nothing to paste into here".into());
            return Reaction::default();
        };
        if paste_into(input, text) {
            self.ui.flash = Some(format!("Paste cut to {MAX_PASTE} characters"));
        }
        screen.typed(self, now).into()
    }

    /// What every screen shares (quit, help) is done here; the rest by the screen.
    fn act(&mut self, action: Action, now: Instant) -> Reaction {
        let intent = match action {
            Action::Quit => Intent::Quit { interrupted: false },
            Action::Interrupt => Intent::Quit { interrupted: true },
            Action::ConfirmQuit => Intent::ConfirmQuit,
            Action::CancelQuit => Intent::CancelQuit,
            Action::Help => {
                self.ui.overlay = Some(Overlay::Help);
                self.ui.help_scroll = 0;
                return Reaction::default();
            }
            _ => return self.screen().act(self, action, now),
        };
        self.send(intent, now).into()
    }
}

/// Feeds a key to a text input; true when the value changed.
pub fn edit_input(input: &mut Input, key: KeyEvent) -> bool {
    if key.modifiers.contains(KeyModifiers::ALT) && matches!(key.code, KeyCode::Char(_)) {
        return false;
    }
    let before = input.value().to_string();
    let Some(request) = to_input_request(&crossterm::event::Event::Key(key)) else {
        return false;
    };
    let edits = matches!(
        request,
        InputRequest::InsertChar(_)
            | InputRequest::DeletePrevChar
            | InputRequest::DeleteNextChar
            | InputRequest::DeleteLine
            | InputRequest::DeletePrevWord
            | InputRequest::DeleteNextWord
            | InputRequest::DeleteTillEnd
            | InputRequest::Yank
    );
    input.handle(request);
    edits && input.value() != before
}

/// Inserts pasted text at the cursor in one step (per-char insertion is quadratic); true when
/// it had to be cut.
pub fn paste_into(input: &mut Input, text: &str) -> bool {
    let single_line: String = text
        .chars()
        .map(|c| {
            if matches!(c, '\n' | '\r' | '\t') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let truncated = single_line.chars().count() > MAX_PASTE;
    let piece: String = single_line.chars().take(MAX_PASTE).collect();
    let cursor = input.cursor();
    let value = input.value();
    let split = value
        .char_indices()
        .nth(cursor)
        .map_or(value.len(), |(i, _)| i);
    let new_value = format!("{}{}{}", &value[..split], piece, &value[split..]);
    *input = Input::new(new_value).with_cursor(cursor + piece.chars().count());
    truncated
}
