//! The loop that owns the terminal: terminal events become keys for the [`App`] (and through
//! its keymaps, flow intents), runtime reports become flow events, and every change is drawn.
//! It never awaits the network itself: the runtime runs each call in a task that reports back.

use std::future::Future;
use std::io;
use std::time::Duration;

use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::layout::Rect;
use tokio::time::Instant;

use super::app::{App, HostAction, Reaction};
use super::autopilot::{Autopilot, Move};
use super::terminal::Host;
use super::theme::Theme;
use super::view::view;
use crate::runtime::Runtime;
use iotmi_core::flow::{Effect, Outcome, OutcomeKind, init};

/// Spinner frame rate while something animates; nothing ticks on a static screen.
const TICK: Duration = Duration::from_millis(100);

#[allow(clippy::too_many_arguments)]
pub async fn run<B, E, S>(
    terminal: &mut Terminal<B>,
    host: &mut dyn Host,
    app: &mut App,
    runtime: &mut Runtime,
    theme: &Theme,
    events: E,
    stop: S,
    mut autopilot: Option<Autopilot>,
) -> io::Result<Outcome>
where
    B: Backend,
    B::Error: std::error::Error + Send + Sync + 'static,
    E: Stream<Item = io::Result<TermEvent>> + Unpin,
    S: Future<Output = OutcomeKind>,
{
    let mut suspended = false;
    let mut events = events;
    tokio::pin!(stop);
    if let Some(outcome) = runtime.run(init(&mut app.flow)) {
        return Ok(outcome);
    }
    if let Ok(size) = terminal.size() {
        app.resize(size.width, size.height);
    }
    show_log_failure(app);
    draw(terminal, app, theme)?;
    // Debug builds only: lets the tests prove the terminal is restored after a panic.
    #[cfg(debug_assertions)]
    if std::env::var_os("IOTMI_ONBOARD_TEST_PANIC").is_some() {
        panic!("panic requested by IOTMI_ONBOARD_TEST_PANIC");
    }
    let mut next_tick = Instant::now() + TICK;
    app.ui.autoplay = autopilot.as_ref().map(Autopilot::paused);
    loop {
        let animating = app.flow.loading();
        let pilot_due = autopilot
            .as_mut()
            .and_then(|pilot| pilot.due(app, Instant::now()));
        let reaction: Reaction = tokio::select! {
            // A signal first: a hang-up also fails the terminal's read, and that is no I/O error.
            biased;
            kind = &mut stop => return Ok(app.flow.outcome(kind)),
            event = events.next() => match event {
                Some(Ok(TermEvent::Key(key))) if key.kind != KeyEventKind::Release => {
                    if suspended {
                        // The key that ends the unwrapped view is not an input.
                        suspended = false;
                        host.resume();
                        redraw_all(terminal)?;
                        draw(terminal, app, theme)?;
                        continue;
                    }
                    match autopilot.as_mut() {
                        // Ctrl-C still quits; Space pauses; any other key takes over.
                        Some(pilot) if !is_interrupt(&key) => {
                            if key.code == KeyCode::Char(' ') && key.modifiers.is_empty() {
                                let paused = pilot.toggle_pause(Instant::now());
                                app.ui.autoplay = Some(paused);
                            } else {
                                autopilot = None;
                                app.ui.autoplay = None;
                                app.ui.flash = Some(TAKEN_OVER.into());
                            }
                            Reaction::default()
                        }
                        _ => {
                            autopilot = None;
                            app.ui.autoplay = None;
                            app.key(key, Instant::now().into_std())
                        }
                    }
                }
                Some(Ok(TermEvent::Paste(text))) if !suspended => {
                    if autopilot.take().is_some() {
                        app.ui.autoplay = None;
                        app.ui.flash = Some(TAKEN_OVER.into());
                        Reaction::default()
                    } else {
                        app.paste(&text, Instant::now().into_std())
                    }
                }
                Some(Ok(TermEvent::Resize(width, height))) => {
                    app.resize(width, height);
                    Reaction::default()
                }
                Some(Ok(_)) => continue,
                Some(Err(error)) => return Err(error),
                // The terminal went away (hang-up): leave as if signalled.
                None => return Ok(app.flow.outcome(OutcomeKind::Signalled(1))),
            },
            Some(event) = runtime.next_event() => app.event(event, Instant::now().into_std()).into(),
            _ = sleep_until_due(pilot_due) => {
                let now = Instant::now();
                match autopilot.as_mut().and_then(|pilot| pilot.take(now)) {
                    Some(Move::Key(key)) => app.key(key, now.into_std()),
                    Some(Move::Restart) => {
                        app.restart(now.into_std());
                        if let Ok(size) = terminal.size() {
                            app.resize(size.width, size.height);
                        }
                        init(&mut app.flow).into()
                    }
                    None => Reaction::default(),
                }
            }
            _ = tokio::time::sleep_until(next_tick), if animating => {
                next_tick = Instant::now() + TICK;
                app.tick();
                Reaction::default()
            }
        };
        if !animating {
            next_tick = Instant::now() + TICK;
        }
        for effect in &reaction.effects {
            if let Effect::Notify { title, body } = effect {
                host.notify(title, body);
            }
        }
        if let Some(outcome) = runtime.run(reaction.effects) {
            return Ok(outcome);
        }
        for action in reaction.host {
            match action {
                HostAction::Copy(text) => app.ui.flash = Some(host.copy(&text)),
                HostAction::ShowUnwrapped { heading, text } => {
                    // A hyperlink only for the URL the URL policy accepted.
                    let link = iotmi_core::flow::vetted_url(&app.flow).filter(|url| *url == text);
                    host.show_unwrapped(heading, &text, link.as_deref());
                    suspended = true;
                }
                HostAction::Run(command) => {
                    let said = match host.run(&command) {
                        Ok(status) => {
                            format!("`{}` ended ({status}): checking again", command.join(" "))
                        }
                        Err(error) => format!("`{}` could not run: {error}", command.join(" ")),
                    };
                    // Everything is drawn anew on the terminal the program gave back.
                    redraw_all(terminal)?;
                    let effects = app.send(
                        iotmi_core::flow::Intent::RecheckIdentity,
                        Instant::now().into_std(),
                    );
                    app.ui.flash = Some(said);
                    if let Some(outcome) = runtime.run(effects) {
                        return Ok(outcome);
                    }
                }
            }
        }
        show_log_failure(app);
        if !suspended {
            draw(terminal, app, theme)?;
        }
    }
}

const TAKEN_OVER: &str = "Autoplay stopped: the wizard is yours";

fn is_interrupt(key: &KeyEvent) -> bool {
    key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL)
}

/// Never, without a move due.
async fn sleep_until_due(due: Option<Instant>) {
    match due {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// A log that cannot be written says so in the message line, once: the logging layer itself
/// never writes on the screen.
fn show_log_failure(app: &mut App) {
    if let Some(message) = crate::logging::take_failure() {
        app.ui.flash = Some(message);
    }
}

/// Clears the screen and makes the next draw repaint every cell. Not `Terminal::clear`: it
/// asks the terminal where the cursor is (CSI 6n) and fails after 2 s when no answer comes
/// (a multiplexer, a serial console, a slow link), which ended the wizard. A resize to the
/// size the kernel reports clears and forgets the previous frame without asking anything.
fn redraw_all<B>(terminal: &mut Terminal<B>) -> io::Result<()>
where
    B: Backend,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    let size = terminal.size().map_err(io::Error::other)?;
    terminal
        .resize(Rect::new(0, 0, size.width, size.height))
        .map_err(io::Error::other)
}

fn draw<B>(terminal: &mut Terminal<B>, app: &App, theme: &Theme) -> io::Result<()>
where
    B: Backend,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    terminal
        .draw(|frame| view(app, frame, theme))
        .map_err(io::Error::other)?;
    Ok(())
}
