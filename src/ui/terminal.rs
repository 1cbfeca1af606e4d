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

use super::links::{LinkBackend, Links, osc8};

pub type TtyTerminal = Terminal<LinkBackend<File>>;

fn open_tty() -> io::Result<File> {
    OpenOptions::new().read(true).write(true).open("/dev/tty")
}

/// Raw mode, alternate screen, bracketed paste. Mouse capture stays off so the terminal's own
/// selection keeps working (the URL must be selectable).
/// `links`: where the view puts hyperlinks; the backend draws them as OSC 8.
pub fn enter(links: Links) -> io::Result<TtyTerminal> {
    install_panic_hook();
    let mut tty = open_tty()?;
    enable_raw_mode()?;
    execute!(tty, EnterAlternateScreen, EnableBracketedPaste)?;
    let terminal = Terminal::new(LinkBackend::new(tty, links))?;
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
    /// Put `text` on the clipboard of the terminal the user sits at; says what was done and
    /// how to check (never just "copied": a terminal may refuse silently).
    fn copy(&mut self, text: &str) -> String;
    /// Clear the full-screen UI (staying on the alternate screen) and print `text` plainly
    /// under `heading`, to be selected with the mouse; `link` (a URL the URL policy accepted)
    /// makes it a hyperlink too.
    fn show_unwrapped(&mut self, heading: &str, text: &str, link: Option<&str>);
    /// Back to the full-screen UI after `show_unwrapped`.
    fn resume(&mut self);
    /// A bell and a desktop notification (OSC 9 and OSC 777) where the terminal shows them.
    fn notify(&mut self, title: &str, body: &str);
    /// Step aside (cooked mode, main screen), run `command` (never through a shell) on the
    /// terminal, and take the screen back.
    fn run(&mut self, command: &[String]) -> io::Result<std::process::ExitStatus>;
}

// What a copy says: each fits the flash line of the narrowest window the wizard draws in
// (a test checks), so "paste to check" is never cut off.
const COPIED_TO_TMUX: &str = "Sent to the tmux buffer: paste (prefix ]) to check";
const TMUX_REFUSED: &str = "tmux refused its buffer; OSC 52 sent: paste, or press u";
const COPIED_TO_SCREEN: &str = "Sent to screen's paste buffer: paste (C-a ]) to check";
const SENT_BY_OSC52: &str = "Sent to your clipboard (OSC 52): paste to check, or press u";

/// The real terminal.
pub struct TtyHost;

impl Host for TtyHost {
    fn copy(&mut self, text: &str) -> String {
        use crate::remote::{Multiplexer, osc52_sequences, screen_read_buffer, tmux_load_buffer};
        let multiplexer = Multiplexer::detect(|name| std::env::var(name).ok());
        if let Ok(mut tty) = open_tty() {
            for sequence in osc52_sequences(text, multiplexer) {
                let _ = tty.write_all(sequence.as_bytes());
            }
            let _ = tty.flush();
        }
        let said = match multiplexer {
            Multiplexer::Tmux => match tmux_load_buffer(text) {
                Ok(()) => COPIED_TO_TMUX,
                Err(error) => {
                    tracing::warn!(%error, "tmux load-buffer failed");
                    TMUX_REFUSED
                }
            },
            Multiplexer::Screen => match std::env::var("STY") {
                Ok(session) => match screen_read_buffer(&session, text) {
                    Ok(()) => COPIED_TO_SCREEN,
                    Err(error) => {
                        tracing::warn!(%error, "screen readbuf failed");
                        SENT_BY_OSC52
                    }
                },
                Err(_) => SENT_BY_OSC52,
            },
            Multiplexer::None => SENT_BY_OSC52,
        };
        said.into()
    }

    fn show_unwrapped(&mut self, heading: &str, text: &str, link: Option<&str>) {
        if let Ok(mut tty) = open_tty() {
            // On the alternate screen too, cleared: what is drawn there leaves no trace in
            // the shell's scrollback once the wizard exits.
            let _ = execute!(
                tty,
                crossterm::terminal::Clear(crossterm::terminal::ClearType::All),
                crossterm::cursor::MoveTo(0, 0),
                crossterm::cursor::Show
            );
            let safe = iotmi_core::text::sanitize(text);
            let (open, close) = match link {
                Some(url) => (osc8(Some(url)), osc8(None)),
                None => (String::new(), String::new()),
            };
            let (cols, rows) = crossterm::terminal::size().unwrap_or((80, 24));
            let page = unwrapped_page(heading, &safe, (open, close), cols, rows);
            let _ = write!(tty, "{page}");
            let _ = tty.flush();
        }
    }

    fn run(&mut self, command: &[String]) -> io::Result<std::process::ExitStatus> {
        let (program, args) = command
            .split_first()
            .ok_or_else(|| io::Error::other("no program"))?;
        restore();
        let tty = open_tty()?;
        let status = std::process::Command::new(program)
            .args(args)
            .stdin(tty.try_clone()?)
            .stdout(tty.try_clone()?)
            .stderr(tty)
            .status();
        let mut tty = open_tty()?;
        enable_raw_mode()?;
        execute!(tty, EnterAlternateScreen, EnableBracketedPaste)?;
        status
    }

    fn notify(&mut self, title: &str, body: &str) {
        // What a notification may carry: no control characters, no ';' (OSC 777's separator).
        let clean = |s: &str| -> String {
            s.chars()
                .filter(|c| {
                    !c.is_control() && *c != ';' && iotmi_core::text::stand_in(*c).is_none()
                })
                .take(200)
                .collect()
        };
        let (title, body) = (clean(title), clean(body));
        if let Ok(mut tty) = open_tty() {
            let _ = write!(
                tty,
                "\x07\x1b]777;notify;{title};{body}\x1b\\\x1b]9;{title}: {body}\x1b\\"
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

/// The unwrapped view's page for a `cols` x `rows` window, never taller than it: a line that
/// scrolled off the top would take the URL's start with it, and a selection of what is left
/// is a URL that leads elsewhere. The heading and blank lines go first; a URL that does not
/// fit even alone is not shown cut, and the page says `c` copies it whole.
fn unwrapped_page(
    heading: &str,
    url: &str,
    (open, close): (String, String),
    cols: u16,
    rows: u16,
) -> String {
    const BACK: &str = "Press any key to return.";
    let cols = usize::from(cols.max(1));
    let rows = usize::from(rows);
    let heading = format!("{heading}, on one line so your terminal selects it whole:");
    let url_rows = url.chars().count().div_ceil(cols);
    let heading_rows = heading.chars().count().div_ceil(cols);
    if url_rows + heading_rows + 4 <= rows {
        format!("\r\n{heading}\r\n\r\n{open}{url}{close}\r\n\r\n{BACK}")
    } else if url_rows < rows {
        format!("{open}{url}{close}\r\n{BACK}")
    } else {
        format!(
            "The window is too small to show the whole URL ({} characters) on one line: c copies \
             it whole, or enlarge the window. {BACK}",
            url.chars().count()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rows a page takes in a `cols`-wide window (each line wraps).
    fn rows_of(page: &str, cols: usize) -> usize {
        page.split("\r\n")
            .map(|line| line.chars().count().div_ceil(cols).max(1))
            .sum()
    }

    /// The tryout's 40x12 `u`: the page scrolled and the URL's start was gone. Each size gets a
    /// page no taller than the window, with the whole URL or none of it.
    #[test]
    fn the_unwrapped_page_never_scrolls_the_urls_start_away() {
        let url = format!(
            "http://127.0.0.1:4567/oauth/authorize?state={}",
            "x".repeat(335)
        );
        assert_eq!(url.chars().count(), 379);
        let links = || (String::new(), String::new());
        for (cols, rows) in [(100, 30), (80, 24), (60, 16), (40, 12), (40, 11)] {
            let page = unwrapped_page("Consent URL", &url, links(), cols, rows);
            assert!(page.contains(&url), "{cols}x{rows}: {page}");
            assert!(
                rows_of(&page, usize::from(cols)) <= usize::from(rows),
                "{cols}x{rows}: {page}"
            );
        }
        let page = unwrapped_page("Consent URL", &url, links(), 100, 30);
        assert!(page.contains("on one line so your terminal selects it whole"));
        let page = unwrapped_page("Consent URL", &url, links(), 40, 8);
        assert!(!page.contains("http"), "not shown cut: {page}");
        assert!(page.contains("c copies it whole"), "{page}");
    }

    #[test]
    fn every_copy_message_fits_the_narrowest_window() {
        for message in [
            COPIED_TO_TMUX,
            TMUX_REFUSED,
            COPIED_TO_SCREEN,
            SENT_BY_OSC52,
        ] {
            // The flash line starts with a space.
            let width = 1 + unicode_width::UnicodeWidthStr::width(message);
            assert!(
                width <= usize::from(crate::ui::view::MIN_WIDTH),
                "{message}"
            );
            assert!(message.contains("paste"), "{message}");
        }
    }
}
