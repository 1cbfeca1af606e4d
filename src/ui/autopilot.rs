//! `demo --autoplay`: the walkthrough plays itself, for recordings and booths. The pilot
//! presses keys as a person would, typing into fields a character at a time, and picks each
//! move from what is on screen now (each screen's `autoplay` goal, not a recording), so a slow
//! service only makes it wait and a failure takes the failure's path. A goal names an action,
//! never a key: the key pressed is the one the screen's keymap binds to it, so the walkthrough
//! cannot drift from what the keys do. The same seed makes the same choices and the same
//! pauses.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::time::Instant;

use super::app::App;
use super::keymap::{self, Action};
use iotmi_core::flow::{Load, Step};

/// What the pilot does next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Move {
    Key(KeyEvent),
    /// `--loop`: the walkthrough is over; start it again from the Start screen.
    Restart,
}

/// The names a round types, one per round in seeded order.
const NAMES: &[&str] = &[
    "Living room hub",
    "Holiday cottage",
    "Lab bench 3",
    "Front office",
    "Greenhouse sensors",
    "Workshop",
];
pub const DESCRIPTION: &str = "Linked live on stage";
pub const TAG: (&str, &str) = ("site", "booth");

/// The choices of one walkthrough.
#[derive(Clone, Debug)]
pub struct Round {
    number: u64,
    /// Picked once the list is loaded.
    pub destination: Option<String>,
    pub name: String,
}

/// A screen's next move in the walkthrough.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pilot {
    /// The key the screen's keymap binds to this action.
    Press(Action),
    /// One character into the focused field.
    Type(char),
    /// Empty the focused field (Ctrl-U, as in a shell).
    ClearField,
    /// The walkthrough is over: this action ends it, or `--loop` starts it again.
    Finish(Action),
}

/// A screen's next move and the pause before it; None: nothing to do but wait.
pub type Plan = Option<(Duration, Pilot)>;

/// Typing `want` into `input` as a person would: the next character, or clear a field that
/// holds something else; None once it holds `want`.
pub fn type_towards(input: &tui_input::Input, want: &str) -> Plan {
    let ms = Duration::from_millis;
    let value = input.value();
    match want.strip_prefix(value) {
        Some("") => None,
        Some(rest) => {
            let next = rest.chars().next()?;
            let pause = if value.is_empty() { 700 } else { 90 };
            Some((ms(pause), Pilot::Type(next)))
        }
        None => Some((ms(500), Pilot::ClearField)),
    }
}

pub struct Autopilot {
    seed: u64,
    /// Multiplies every pause (`demo --pace`).
    tempo: f64,
    looping: bool,
    paused: bool,
    /// Keys pressed so far: each pause is drawn from the seed and this count, never from how
    /// often the screen was redrawn.
    presses: u64,
    /// The next key waits from here: the last key, or the moment the screen changed.
    since: Instant,
    screen: Option<(Step, bool)>,
    round: Round,
    planned: Option<Move>,
}

impl Autopilot {
    pub fn new(seed: u64, tempo: f64, looping: bool, now: Instant) -> Self {
        Self {
            seed,
            tempo,
            looping,
            paused: false,
            presses: 0,
            since: now,
            screen: None,
            round: round(seed, 0),
            planned: None,
        }
    }

    pub fn paused(&self) -> bool {
        self.paused
    }

    /// Space: pause, or resume (the next key then waits its pause from now).
    pub fn toggle_pause(&mut self, now: Instant) -> bool {
        self.paused = !self.paused;
        self.since = now;
        self.paused
    }

    /// When the next move is due, having looked at the screen; None while paused or while
    /// the screen waits for the service (its answer comes as an event, and the driver asks
    /// again after every event).
    pub fn due(&mut self, app: &App, now: Instant) -> Option<Instant> {
        let screen = (app.flow.step(), app.flow.waiting());
        if self.screen != Some(screen) {
            self.screen = Some(screen);
            self.since = now;
        }
        if self.paused {
            return None;
        }
        if self.round.destination.is_none() && app.flow.destinations().load == Load::Loaded {
            let items = &app.flow.destinations().items;
            if !items.is_empty() {
                let pick =
                    fastrand::Rng::with_seed(self.seed ^ self.round.number).usize(..items.len());
                self.round.destination = Some(items[pick].id.clone());
            }
        }
        let (pause, planned) = self.plan(app)?;
        self.planned = Some(planned);
        let jitter = fastrand::Rng::with_seed(self.seed.wrapping_add(self.presses)).f64();
        let pause = pause.mul_f64(self.tempo * (0.8 + 0.4 * jitter));
        Some(self.since + pause)
    }

    /// The move planned by the last [`Autopilot::due`], now due.
    pub fn take(&mut self, now: Instant) -> Option<Move> {
        let planned = self.planned.take()?;
        self.presses += 1;
        self.since = now;
        if planned == Move::Restart {
            self.round = round(self.seed, self.round.number + 1);
            self.screen = None;
        }
        Some(planned)
    }

    /// The next move on this screen and how long to wait before it.
    fn plan(&self, app: &App) -> Option<(Duration, Move)> {
        let flow = &app.flow;
        let (pause, pilot) = if flow.question().is_some() {
            (Duration::from_millis(600), Pilot::Press(Action::CancelQuit))
        } else if flow.waiting() || app.ui.overlay.is_some() {
            return None;
        } else {
            app.screen().autoplay(app, &self.round)?
        };
        let planned = match pilot {
            Pilot::Type(c) => key(KeyCode::Char(c)),
            Pilot::ClearField => ctrl('u'),
            Pilot::Finish(_) if self.looping => Move::Restart,
            // Not bound here now (the window is too small, say): nothing is pressed.
            Pilot::Press(action) | Pilot::Finish(action) => {
                Move::Key(keymap::key_for(&keymap::bindings(app), action)?)
            }
        };
        Some((pause, planned))
    }
}

fn round(seed: u64, number: u64) -> Round {
    let name = NAMES[fastrand::Rng::with_seed(seed.wrapping_add(number)).usize(..NAMES.len())];
    Round {
        number,
        destination: None,
        name: name.to_string(),
    }
}

fn key(code: KeyCode) -> Move {
    let modifiers = match code {
        KeyCode::Char(c) if c.is_ascii_uppercase() => KeyModifiers::SHIFT,
        _ => KeyModifiers::NONE,
    };
    Move::Key(KeyEvent::new(code, modifiers))
}

fn ctrl(c: char) -> Move {
    Move::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::{Autopilot, Move};
    use crate::ui::key_tests::{Harness, dest, oauth, options};
    use crate::ui::keymap::{self, Action};
    use iotmi_core::flow::{DetailsField, Effect, Event, Step};

    /// The pilot's next move on the harness's screen, taken at once.
    fn next_move(pilot: &mut Autopilot, h: &Harness) -> Option<Move> {
        let now = tokio::time::Instant::now();
        pilot.due(&h.app, now)?;
        pilot.take(now)
    }

    fn press(h: &mut Harness, planned: Option<Move>) -> (KeyEvent, Vec<Effect>) {
        let Some(Move::Key(key)) = planned else {
            panic!("expected a key, got {planned:?}")
        };
        (key, h.press(key).effects)
    }

    /// The walkthrough finds the destination by typing, takes it with the key Choose is
    /// bound to, and moves between the details' fields with the key SwitchField is bound to.
    #[test]
    fn the_walkthrough_presses_the_keys_the_screens_bind() {
        let mut h = Harness::loaded(options(), vec![dest("d1", "Acme Home US")]);
        let mut pilot = Autopilot::new(7, 1.0, false, tokio::time::Instant::now());
        let mut typed = String::new();
        let (chosen, effects) = loop {
            let bindings = keymap::bindings(&h.app);
            let planned = next_move(&mut pilot, &h);
            let (key, effects) = press(&mut h, planned);
            match key.code {
                KeyCode::Char(c) if key.modifiers == KeyModifiers::NONE => typed.push(c),
                _ => break (keymap::lookup(&bindings, &key), effects),
            }
            assert!(typed.len() < 20, "typed {typed:?}");
        };
        assert_eq!(typed, "acme home");
        assert_eq!(chosen, Some(Action::Choose));
        let Some(Effect::GetDestination { generation, .. }) = effects.first().cloned() else {
            panic!("expected GetDestination, got {effects:?}")
        };
        h.send(Event::DestinationDetail {
            generation,
            result: Ok(oauth("d1", "Acme Home US")),
        });
        assert_eq!(h.app.flow.step(), Step::Details);
        let switch = loop {
            let bindings = keymap::bindings(&h.app);
            let planned = next_move(&mut pilot, &h);
            let (key, _) = press(&mut h, planned);
            if keymap::lookup(&bindings, &key).is_some() {
                break keymap::lookup(&bindings, &key);
            }
        };
        assert_eq!(switch, Some(Action::SwitchField));
        assert_eq!(h.app.ui.details.focus(), DetailsField::Description);
    }

    #[test]
    fn an_action_is_pressed_as_the_first_key_bound_to_it() {
        let h = Harness::loaded(options(), vec![dest("d1", "Acme Home US")]);
        let bindings = keymap::bindings(&h.app);
        // The footer's "↑↓ move" has no keys: Down is the arrow, not a label.
        assert_eq!(
            keymap::key_for(&bindings, Action::Down),
            Some(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE))
        );
        assert_eq!(
            keymap::key_for(&bindings, Action::Choose),
            Some(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))
        );
        assert_eq!(keymap::key_for(&bindings, Action::AddTag), None);
    }
}
