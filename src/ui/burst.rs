//! Pastes from terminals without bracketed paste: the text arrives as plain keystrokes, and
//! on a screen whose letters are commands (`e` edits, `q` quits) it would run them. A person
//! does not type [`BURST`] characters in one read of the terminal; a paste does. Such a burst
//! of printable characters becomes one [`Event::Paste`], and the first event after it is
//! kept for the next poll.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use futures::Stream;

/// Printable characters ready at once that make a paste.
pub const BURST: usize = 8;

pub struct Bursts<S> {
    inner: S,
    /// Events read while looking for the end of a burst, in order.
    pending: VecDeque<io::Result<Event>>,
    ended: bool,
}

pub fn coalesce<S>(inner: S) -> Bursts<S> {
    Bursts {
        inner,
        pending: VecDeque::new(),
        ended: false,
    }
}

/// The character a key press types, when it is plain typing (no Ctrl or Alt).
fn typed(event: &Event) -> Option<char> {
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

impl<S> Stream for Bursts<S>
where
    S: Stream<Item = io::Result<Event>> + Unpin,
{
    type Item = io::Result<Event>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if let Some(event) = this.pending.pop_front() {
            return Poll::Ready(Some(event));
        }
        if this.ended {
            return Poll::Ready(None);
        }
        let first = match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(event))) => event,
            other => return other,
        };
        let Some(c) = typed(&first) else {
            return Poll::Ready(Some(Ok(first)));
        };
        // Everything that is ready now: the rest of the burst, then what ended it.
        let mut keys = vec![first];
        let mut text = String::from(c);
        loop {
            match Pin::new(&mut this.inner).poll_next(cx) {
                Poll::Ready(Some(Ok(event))) => match typed(&event) {
                    Some(c) => {
                        text.push(c);
                        keys.push(event);
                    }
                    None if matches!(&event, Event::Key(k) if k.kind == KeyEventKind::Release) => {}
                    None => {
                        this.pending.push_back(Ok(event));
                        break;
                    }
                },
                Poll::Ready(Some(Err(error))) => {
                    this.pending.push_back(Err(error));
                    break;
                }
                Poll::Ready(None) => {
                    this.ended = true;
                    break;
                }
                Poll::Pending => break,
            }
        }
        if keys.len() >= BURST {
            return Poll::Ready(Some(Ok(Event::Paste(text))));
        }
        // Typing speed: each key as it came, before what ended the run.
        let after = std::mem::take(&mut this.pending);
        this.pending = keys.into_iter().map(Ok).chain(after).collect();
        Poll::Ready(this.pending.pop_front())
    }
}

#[cfg(test)]
mod tests {
    use futures::StreamExt;

    use super::*;

    fn key(code: KeyCode) -> io::Result<Event> {
        Ok(Event::Key(KeyEvent::from(code)))
    }

    fn chars(text: &str) -> Vec<io::Result<Event>> {
        text.chars().map(|c| key(KeyCode::Char(c))).collect()
    }

    fn collect(events: Vec<io::Result<Event>>) -> Vec<Event> {
        futures::executor::block_on(
            coalesce(futures::stream::iter(events))
                .map(Result::unwrap)
                .collect(),
        )
    }

    #[test]
    fn a_burst_of_printable_keys_is_one_paste_and_what_ended_it_follows() {
        let mut events = chars("site=hq,dept=qa");
        events.push(key(KeyCode::Enter));
        assert_eq!(
            collect(events),
            [
                Event::Paste("site=hq,dept=qa".into()),
                Event::Key(KeyEvent::from(KeyCode::Enter))
            ]
        );
    }

    #[test]
    fn fewer_keys_stay_keys_in_order() {
        let mut events = chars("qa");
        events.push(key(KeyCode::Esc));
        events.extend(chars("e"));
        let expected: Vec<Event> = events.iter().map(|e| e.as_ref().unwrap().clone()).collect();
        assert_eq!(collect(events), expected);
    }

    #[test]
    fn ctrl_keys_are_never_part_of_a_paste() {
        let mut events = chars("abcdefg");
        events.push(Ok(Event::Key(KeyEvent::new(
            KeyCode::Char('c'),
            KeyModifiers::CONTROL,
        ))));
        let out = collect(events);
        assert_eq!(out.len(), 8, "seven keys and the Ctrl-C: {out:?}");
        assert!(out.iter().all(|e| matches!(e, Event::Key(_))));
    }
}
