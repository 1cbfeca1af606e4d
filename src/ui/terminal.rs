//! Owning the terminal: the UI draws on `/dev/tty` (not stdout, which stays clean for the
//! summary, like fzf) and the terminal is restored on every way out — normal exit, error,
//! panic and signals.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::sync::Once;

use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type TtyTerminal = Terminal<CrosstermBackend<File>>;

fn open_tty() -> io::Result<File> {
    OpenOptions::new().read(true).write(true).open("/dev/tty")
}

/// Raw mode, alternate screen, bracketed paste. Mouse capture stays off so the terminal's own
/// selection keeps working (the URL must be selectable).
pub fn enter() -> io::Result<TtyTerminal> {
    install_panic_hook();
    let mut tty = open_tty()?;
    enable_raw_mode()?;
    execute!(tty, EnterAlternateScreen, EnableBracketedPaste)?;
    let terminal = Terminal::new(CrosstermBackend::new(tty))?;
    Ok(terminal)
}

/// Idempotent; safe from a panic hook or a signal path.
pub fn restore() {
    let _ = disable_raw_mode();
    if let Ok(mut tty) = open_tty() {
        let _ = execute!(
            tty,
            DisableBracketedPaste,
            LeaveAlternateScreen,
            crossterm::cursor::Show
        );
        let _ = tty.flush();
    }
}

fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}

/// Terminal side effects the driver needs beyond drawing; tests record them instead.
pub trait Host {
    /// Send an OSC 52 clipboard sequence.
    fn copy(&mut self, text: &str);
    /// Leave the full-screen UI and print `text` plainly under `heading`, to be selected with
    /// the mouse.
    fn show_unwrapped(&mut self, heading: &str, text: &str);
    /// Back to the full-screen UI after `show_unwrapped`.
    fn resume(&mut self);
}

/// The real terminal.
pub struct TtyHost;

impl Host for TtyHost {
    fn copy(&mut self, text: &str) {
        if let Ok(mut tty) = open_tty() {
            let _ = tty.write_all(crate::remote::osc52_copy(text).as_bytes());
            let _ = tty.flush();
        }
    }

    fn show_unwrapped(&mut self, heading: &str, text: &str) {
        if let Ok(mut tty) = open_tty() {
            let _ = execute!(tty, LeaveAlternateScreen, crossterm::cursor::Show);
            let safe = crate::text::sanitize(text);
            let _ = write!(
                tty,
                "\r\n{heading}, on one line so your terminal selects it whole:\r\n\r\n{safe}\r\n\r\nPress any key to return.\r\n"
            );
            let _ = tty.flush();
        }
    }

    fn resume(&mut self) {
        if let Ok(mut tty) = open_tty() {
            let _ = execute!(tty, EnterAlternateScreen);
        }
    }
}
