//! Terminal input, read by us rather than by crossterm's event reader, for two rules that
//! reader cannot give:
//! - **What one read delivers is text when it holds more than one printable character.** A
//!   person types one key per read; a paste without bracketed paste (`tmux send-keys -l`,
//!   `paste-buffer` without `-p`, many serial and web terminals) arrives as many characters in
//!   one read. Such a read is an [`Event::Paste`] for the focused field, never keys: on a screen
//!   whose letters are commands (`e` edits, `d` deletes) a paste must not run them. crossterm's
//!   reader hides where one read ends, so a burst could only be guessed from timing.
//! - **A bracketed paste whose end marker never comes times out as text** after [`PASTE_IDLE`]
//!   without input, and a Ctrl-C typed meanwhile still quits. crossterm keeps such a paste in
//!   its private buffer, swallowing every key (Ctrl-C, `q`) until the end marker arrives.
//!
//! The bytes are decoded by termina's parser (helix's, public) and handed on as crossterm
//! events, the type the rest of the UI speaks. Resizes come from SIGWINCH.

use std::collections::VecDeque;
use std::io::{self, Read};
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers};
use futures::{Stream, StreamExt};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

/// Silence that ends a bracketed paste whose end marker has not come.
pub const PASTE_IDLE: Duration = Duration::from_millis(400);

const PASTE_START: &[u8] = b"\x1b[200~";
const PASTE_END: &[u8] = b"\x1b[201~";
const CTRL_C: u8 = 0x03;

/// Turns each read of the terminal into events, by the rules above.
#[derive(Default)]
pub struct Decoder {
    parser: termina::Parser,
    /// Inside a bracketed paste: the bytes since its start marker.
    paste: Option<Vec<u8>>,
}

impl Decoder {
    pub fn in_paste(&self) -> bool {
        self.paste.is_some()
    }

    /// The events of one read.
    pub fn read(&mut self, bytes: &[u8]) -> Vec<Event> {
        let mut out = Vec::new();
        let mut rest = bytes.to_vec();
        loop {
            if let Some(paste) = self.paste.as_mut() {
                if rest == [CTRL_C] {
                    // A Ctrl-C typed alone during a paste is the user's, not the paste's.
                    out.extend(self.idle());
                    out.push(Event::Key(KeyEvent::new(
                        KeyCode::Char('c'),
                        KeyModifiers::CONTROL,
                    )));
                    return out;
                }
                paste.extend_from_slice(&rest);
                let Some(end) = find(paste, PASTE_END) else {
                    return out;
                };
                rest = paste.split_off(end + PASTE_END.len());
                paste.truncate(end);
                out.extend(self.idle());
            } else {
                match find(&rest, PASTE_START) {
                    Some(start) => {
                        out.extend(self.keys(&rest[..start]));
                        self.paste = Some(Vec::new());
                        rest.drain(..start + PASTE_START.len());
                    }
                    None => {
                        out.extend(self.keys(&rest));
                        return out;
                    }
                }
            }
        }
    }

    /// Nothing came for [`PASTE_IDLE`] (or the paste was interrupted): an open bracketed paste
    /// ends here, as the text it has so far.
    pub fn idle(&mut self) -> Option<Event> {
        let bytes = self.paste.take()?;
        Some(Event::Paste(String::from_utf8_lossy(&bytes).into_owned()))
    }

    /// Keys of bytes outside a bracketed paste: more than one printable character makes the
    /// runs of text among them (line breaks and tabs included) pastes; other keys stay keys.
    fn keys(&mut self, bytes: &[u8]) -> Vec<Event> {
        if bytes.is_empty() {
            return Vec::new();
        }
        // Whole read at once: a lone Esc is the Esc key, not the start of a sequence.
        self.parser.parse(bytes, false);
        let events: Vec<Event> = std::iter::from_fn(|| self.parser.pop())
            .filter_map(to_crossterm)
            .collect();
        let printable = events.iter().filter(|e| printable(e).is_some()).count();
        if printable < 2 {
            return events;
        }
        let mut out = Vec::new();
        let mut text = String::new();
        for event in events {
            match text_char(&event) {
                Some(c) => text.push(c),
                None => {
                    if !text.is_empty() {
                        out.push(Event::Paste(std::mem::take(&mut text)));
                    }
                    out.push(event);
                }
            }
        }
        if !text.is_empty() {
            out.push(Event::Paste(text));
        }
        out
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// The character a key press types, when it is plain typing (no Ctrl or Alt).
fn printable(event: &Event) -> Option<char> {
    match event {
        Event::Key(KeyEvent {
            code: KeyCode::Char(c),
            modifiers,
            kind: KeyEventKind::Press | KeyEventKind::Repeat,
            ..
        }) if (*modifiers - KeyModifiers::SHIFT).is_empty() => Some(*c),
        _ => None,
    }
}

/// What a key adds to pasted text: printable characters, line breaks and tabs.
fn text_char(event: &Event) -> Option<char> {
    if let Some(c) = printable(event) {
        return Some(c);
    }
    match event {
        Event::Key(KeyEvent {
            code,
            modifiers: KeyModifiers::NONE,
            ..
        }) => match code {
            KeyCode::Enter => Some('\n'),
            KeyCode::Tab => Some('\t'),
            _ => None,
        },
        _ => None,
    }
}

fn to_crossterm(event: termina::Event) -> Option<Event> {
    use termina::event::KeyCode as T;
    Some(match event {
        termina::Event::Key(key) => {
            let code = match key.code {
                T::Char(c) => KeyCode::Char(c),
                T::Enter => KeyCode::Enter,
                T::Backspace => KeyCode::Backspace,
                T::Tab => KeyCode::Tab,
                T::Escape => KeyCode::Esc,
                T::Left => KeyCode::Left,
                T::Right => KeyCode::Right,
                T::Up => KeyCode::Up,
                T::Down => KeyCode::Down,
                T::Home => KeyCode::Home,
                T::End => KeyCode::End,
                T::BackTab => KeyCode::BackTab,
                T::PageUp => KeyCode::PageUp,
                T::PageDown => KeyCode::PageDown,
                T::Insert => KeyCode::Insert,
                T::Delete => KeyCode::Delete,
                T::Null => KeyCode::Null,
                T::Function(n) => KeyCode::F(n),
                _ => return None,
            };
            let kind = match key.kind {
                termina::event::KeyEventKind::Press => KeyEventKind::Press,
                termina::event::KeyEventKind::Repeat => KeyEventKind::Repeat,
                termina::event::KeyEventKind::Release => KeyEventKind::Release,
            };
            Event::Key(KeyEvent::new_with_kind_and_state(
                code,
                modifiers(key.modifiers),
                kind,
                KeyEventState::NONE,
            ))
        }
        termina::Event::Paste(text) => Event::Paste(text),
        termina::Event::FocusIn => Event::FocusGained,
        termina::Event::FocusOut => Event::FocusLost,
        _ => return None,
    })
}

fn modifiers(from: termina::event::Modifiers) -> KeyModifiers {
    use termina::event::Modifiers as M;
    [
        (M::SHIFT, KeyModifiers::SHIFT),
        (M::ALT, KeyModifiers::ALT),
        (M::CONTROL, KeyModifiers::CONTROL),
        (M::SUPER, KeyModifiers::SUPER),
        (M::HYPER, KeyModifiers::HYPER),
        (M::META, KeyModifiers::META),
    ]
    .into_iter()
    .filter(|(theirs, _)| from.contains(*theirs))
    .fold(KeyModifiers::NONE, |all, (_, ours)| all | ours)
}

/// The events of the reads that come through `reads`, with the paste timeout.
pub fn decode(
    reads: UnboundedReceiver<io::Result<Vec<u8>>>,
) -> impl Stream<Item = io::Result<Event>> {
    struct State {
        reads: UnboundedReceiver<io::Result<Vec<u8>>>,
        decoder: Decoder,
        ready: VecDeque<Event>,
    }
    let state = State {
        reads,
        decoder: Decoder::default(),
        ready: VecDeque::new(),
    };
    // The pending step lives in the stream, not in `next()`: dropping a `next()` (the driver's
    // select) loses nothing.
    futures::stream::unfold(state, |mut state| async move {
        loop {
            if let Some(event) = state.ready.pop_front() {
                return Some((Ok(event), state));
            }
            let read = if state.decoder.in_paste() {
                match tokio::time::timeout(PASTE_IDLE, state.reads.recv()).await {
                    Ok(read) => read,
                    Err(_) => {
                        state.ready.extend(state.decoder.idle());
                        continue;
                    }
                }
            } else {
                state.reads.recv().await
            };
            match read? {
                Ok(bytes) => state.ready.extend(state.decoder.read(&bytes)),
                Err(error) => return Some((Err(error), state)),
            }
        }
    })
}

/// Events of the controlling terminal: a thread reads `/dev/tty` (each read as it came) and
/// SIGWINCH brings resizes.
pub fn tty_events() -> io::Result<impl Stream<Item = io::Result<Event>> + Unpin> {
    let mut tty = std::fs::File::open("/dev/tty")?;
    let (sender, reads) = unbounded_channel();
    std::thread::Builder::new()
        .name("tty-input".into())
        .spawn(move || {
            let mut buffer = [0u8; 4096];
            loop {
                let read = match tty.read(&mut buffer) {
                    Ok(0) => return,
                    Ok(n) => Ok(buffer[..n].to_vec()),
                    Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                    Err(error) => Err(error),
                };
                let failed = read.is_err();
                if sender.send(read).is_err() || failed {
                    return;
                }
            }
        })?;
    let mut winch = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::window_change())?;
    let resizes = futures::stream::poll_fn(move |cx| {
        winch.poll_recv(cx).map(|signal| {
            signal.map(|()| crossterm::terminal::size().map(|(w, h)| Event::Resize(w, h)))
        })
    });
    Ok(futures::stream::select(decode(reads), resizes).boxed())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> Event {
        Event::Key(KeyEvent::from(code))
    }

    fn ctrl_c() -> Event {
        Event::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL))
    }

    #[test]
    fn one_typed_key_per_read_stays_a_key() {
        let mut decoder = Decoder::default();
        assert_eq!(decoder.read(b"d"), [key(KeyCode::Char('d'))]);
        assert_eq!(decoder.read(b"q"), [key(KeyCode::Char('q'))]);
        assert_eq!(decoder.read(b"\x1b[B"), [key(KeyCode::Down)]);
        assert_eq!(decoder.read(b"\x1b"), [key(KeyCode::Esc)]);
    }

    #[test]
    fn two_printable_characters_in_one_read_are_text() {
        let mut decoder = Decoder::default();
        assert_eq!(decoder.read(b"a=1,b=2"), [Event::Paste("a=1,b=2".into())]);
        assert_eq!(decoder.read(b"dq"), [Event::Paste("dq".into())]);
        // Line breaks join the text; keys that type nothing stay keys, in order.
        assert_eq!(
            decoder.read(b"k=v\r\x1b[Ax\x03"),
            [
                Event::Paste("k=v\n".into()),
                key(KeyCode::Up),
                Event::Paste("x".into()),
                ctrl_c()
            ]
        );
    }

    #[test]
    fn a_bracketed_paste_is_one_paste_across_reads() {
        let mut decoder = Decoder::default();
        assert_eq!(decoder.read(b"\x1b[200~site=hq"), []);
        assert!(decoder.in_paste());
        assert_eq!(
            decoder.read(b",a=b\x1b[201~j"),
            [Event::Paste("site=hq,a=b".into()), key(KeyCode::Char('j'))]
        );
        assert!(!decoder.in_paste());
    }

    #[test]
    fn ctrl_c_typed_during_an_open_paste_ends_it_and_is_a_key() {
        let mut decoder = Decoder::default();
        assert_eq!(decoder.read(b"\x1b[200~abc"), []);
        assert_eq!(
            decoder.read(b"\x03"),
            [Event::Paste("abc".into()), ctrl_c()]
        );
        assert_eq!(decoder.read(b"q"), [key(KeyCode::Char('q'))]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_paste_without_its_end_marker_times_out_as_text_and_keys_follow() {
        let (sender, reads) = unbounded_channel();
        let mut events = Box::pin(decode(reads));
        sender.send(Ok(b"\x1b[200~abc".to_vec())).unwrap();
        let started = tokio::time::Instant::now();
        let first = events.next().await.unwrap().unwrap();
        assert_eq!(first, Event::Paste("abc".into()));
        assert!(started.elapsed() >= PASTE_IDLE);
        sender.send(Ok(b"q".to_vec())).unwrap();
        assert_eq!(
            events.next().await.unwrap().unwrap(),
            key(KeyCode::Char('q'))
        );
    }
}
