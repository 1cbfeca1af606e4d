//! Lines from stdin for a front end that also waits on other things (the service's answers, a
//! Ctrl-C): read on a thread of their own and handed over a channel, so an async `select!` can
//! wait on the next line beside everything else. tokio's own stdin is the same blocking read
//! on a thread, without line framing or the echo below.

use std::io::{BufRead, IsTerminal};

use tokio::sync::mpsc;

use iotmi_core::text::sanitize;

/// stdin closed while a line was awaited.
#[derive(Debug)]
pub struct Eof;

pub struct StdinLines {
    rx: mpsc::UnboundedReceiver<String>,
    /// Answers are repeated on stderr when stdin is not a terminal, so a log reads as a dialogue.
    echo: bool,
}

impl StdinLines {
    pub fn spawn() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let spawned = std::thread::Builder::new()
            .name("stdin-lines".into())
            .spawn(move || {
                for line in std::io::stdin().lock().lines() {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        if spawned.is_err() {
            // No thread, no input: every read then sees end of input.
            tracing::warn!("cannot start the stdin reader");
        }
        Self {
            rx,
            echo: !std::io::stdin().is_terminal(),
        }
    }

    /// Lines from a channel instead of stdin (tests), not echoed.
    pub fn from_channel(rx: mpsc::UnboundedReceiver<String>) -> Self {
        Self { rx, echo: false }
    }

    /// The next line, trimmed.
    pub async fn next(&mut self) -> Result<String, Eof> {
        let line = self.rx.recv().await.ok_or(Eof)?;
        let answer = line.trim().to_string();
        if self.echo {
            crate::stderr_line!("{}", sanitize(&answer));
        }
        Ok(answer)
    }
}
