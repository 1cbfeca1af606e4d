//! `demo --autoplay`: the walkthrough plays itself, for recordings and booths. The pilot
//! presses keys as a person would — through the same keymaps, typing into fields a character
//! at a time — and picks each key from what is on screen now (a goal per screen, not a
//! recording), so a slow service only makes it wait and a failure takes the failure's path.
//! The same seed makes the same choices and the same pauses.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::time::Instant;

use super::app::App;
use iotmi_core::flow::{
    DetailsField, DiscoveryState, Load, OwnerAction, Step, SubmitState, TagField, owner_actions,
};
use iotmi_core::service::AssociationState;

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
const DESCRIPTION: &str = "Linked live on stage";
const TAG: (&str, &str) = ("site", "booth");

/// The choices of one walkthrough.
#[derive(Clone, Debug)]
struct Round {
    number: u64,
    /// Picked once the list is loaded.
    destination: Option<String>,
    name: String,
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
        let ms = Duration::from_millis;
        if flow.question().is_some() {
            return Some((ms(600), key(KeyCode::Char('n'))));
        }
        if flow.waiting() || app.ui.overlay.is_some() {
            return None;
        }
        let typing = |input: &tui_input::Input, want: &str| -> Option<(Duration, Move)> {
            let value = input.value();
            match want.strip_prefix(value) {
                Some("") => None,
                Some(rest) => {
                    let next = rest.chars().next()?;
                    let pause = if value.is_empty() { 700 } else { 90 };
                    Some((ms(pause), key(KeyCode::Char(next))))
                }
                None => Some((ms(500), ctrl('u'))),
            }
        };
        let finish = |pause| {
            if self.looping {
                Some((pause, Move::Restart))
            } else {
                Some((pause, key(KeyCode::Enter)))
            }
        };
        match flow.step() {
            Step::Start => Some((ms(1500), key(KeyCode::Char('c')))),
            Step::Destination => {
                let goal = self.round.destination.as_deref()?;
                let name = flow.listed_destination(goal)?.name.to_lowercase();
                // Enough of the name to find it, typed as a person filters.
                let query: String = name
                    .split_whitespace()
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(" ");
                if let Some(typed) = typing(&app.ui.destination_filter, &query) {
                    return Some(typed);
                }
                match app.highlighted_destination() {
                    Some(d) if d.id == goal => Some((ms(900), key(KeyCode::Enter))),
                    Some(_) => Some((ms(300), key(KeyCode::Down))),
                    None => Some((ms(500), ctrl('u'))),
                }
            }
            Step::Details => match app.details_focus() {
                DetailsField::Name => {
                    typing(&app.ui.name, &self.round.name).or(Some((ms(500), key(KeyCode::Tab))))
                }
                DetailsField::Description => typing(&app.ui.description, DESCRIPTION)
                    .or(Some((ms(700), key(KeyCode::Enter)))),
            },
            Step::Tags => match &app.ui.tag_edit {
                Some(edit) => {
                    let (input, want) = match edit.focus {
                        TagField::Key => (&edit.key, TAG.0),
                        TagField::Value => (&edit.value, TAG.1),
                    };
                    typing(input, want).or(Some(match edit.focus {
                        TagField::Key => (ms(300), key(KeyCode::Tab)),
                        TagField::Value => (ms(500), key(KeyCode::Enter)),
                    }))
                }
                None if flow.tags().rows.is_empty() => Some((ms(900), key(KeyCode::Char('a')))),
                None => Some((ms(1000), key(KeyCode::Enter))),
            },
            Step::Auth => Some((ms(1200), key(KeyCode::Enter))),
            Step::Review => Some((ms(2500), key(KeyCode::Enter))),
            Step::Submit => match flow.submit() {
                SubmitState::Failed(_) => Some((ms(1500), key(KeyCode::Char('r')))),
                _ => None,
            },
            Step::Authorize | Step::Status => {
                let tracked = flow.association().as_ref()?;
                if owner_actions(flow).contains(&OwnerAction::Approve) {
                    Some((ms(3000), key(KeyCode::Char('A'))))
                } else if tracked.state == AssociationState::RefreshTokenExpired {
                    Some((ms(1500), key(KeyCode::Char('r'))))
                } else {
                    None
                }
            }
            Step::Done => {
                let succeeded = flow
                    .association()
                    .as_ref()
                    .is_some_and(|a| a.state == AssociationState::Succeeded);
                if succeeded && flow.devices().is_none() {
                    Some((ms(2000), key(KeyCode::Char('f'))))
                } else {
                    finish(ms(4000))
                }
            }
            Step::Devices => {
                let view = flow.devices().as_ref()?;
                match (&view.discovery, &view.adoption) {
                    (DiscoveryState::Idle, _) => Some((ms(1200), key(KeyCode::Enter))),
                    (DiscoveryState::Failed(_), _) => finish(ms(3000)),
                    (DiscoveryState::Done { .. }, None) if view.items.is_empty() => {
                        finish(ms(3000))
                    }
                    (DiscoveryState::Done { .. }, None) if view.selected.is_empty() => {
                        Some((ms(1500), key(KeyCode::Char('a'))))
                    }
                    (DiscoveryState::Done { .. }, None) => Some((ms(1200), key(KeyCode::Enter))),
                    (DiscoveryState::Done { .. }, Some(adoption)) if adoption.finished() => {
                        finish(ms(4000))
                    }
                    _ => None,
                }
            }
            // Not on the walkthrough's path: hand nothing in.
            Step::Manage | Step::Resume => None,
        }
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
