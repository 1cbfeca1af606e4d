//! Waiting for an association's final state without a UI (`create --wait`, `status --wait`,
//! plain mode): the wizard's poll schedule, progress lines on stderr (state changes, and the
//! elapsed time every half minute), transient errors retried.

use std::time::Duration;

use tokio::time::Instant;

use crate::flow::{POLL_SLOW, poll_interval};
use crate::service::{Association, AssociationService, ErrorKind, ServiceError, logged};
use crate::text::elapsed_text;

/// How often a "still waiting" line is printed when nothing changes.
const NOTE_EVERY: Duration = Duration::from_secs(30);

#[derive(Debug)]
pub enum WaitEnd {
    /// The state is final (succeeded, failed, refresh token expired).
    Final(Association),
    /// `timeout` passed first; the last state seen.
    TimedOut(Association),
}

/// Polls `first.id` until its state is final or `timeout` passes. Only a non-retryable error
/// (not found, validation) ends the wait early.
pub async fn wait_final(
    service: &dyn AssociationService,
    first: Association,
    timeout: Duration,
) -> Result<WaitEnd, ServiceError> {
    let started = Instant::now();
    let mut current = first;
    if current.state.is_final() {
        return Ok(WaitEnd::Final(current));
    }
    eprintln!(
        "Waiting for {} to reach a final state (now {}; giving up after {}).",
        current.id,
        current.state,
        elapsed_text(timeout)
    );
    let mut last_note = started;
    let mut last_error: Option<ErrorKind> = None;
    let mut throttled = false;
    loop {
        let elapsed = started.elapsed();
        if elapsed >= timeout {
            eprintln!(
                "[{}] still {}: gave up waiting.",
                elapsed_text(elapsed),
                current.state
            );
            return Ok(WaitEnd::TimedOut(current));
        }
        let pause = if throttled {
            POLL_SLOW
        } else {
            poll_interval(elapsed)
        };
        tokio::time::sleep(pause.min(timeout - elapsed)).await;
        if started.elapsed() >= timeout {
            continue;
        }
        let result = logged(
            "GetAccountAssociation",
            service.get_association(current.id.clone()).await,
        );
        let elapsed = started.elapsed();
        match result {
            Ok(association) => {
                throttled = false;
                last_error = None;
                if association.state != current.state {
                    eprintln!("[{}] {}", elapsed_text(elapsed), association.state);
                    last_note = Instant::now();
                }
                current = association;
                if current.state.is_final() {
                    return Ok(WaitEnd::Final(current));
                }
            }
            Err(error) if error.is_retryable() => {
                throttled = error.kind == ErrorKind::Throttled;
                if last_error != Some(error.kind) {
                    eprintln!("[{}] {error}; retrying", elapsed_text(elapsed));
                    last_note = Instant::now();
                }
                last_error = Some(error.kind);
            }
            Err(error) => return Err(error),
        }
        if last_note.elapsed() >= NOTE_EVERY {
            eprintln!("[{}] still {}", elapsed_text(elapsed), current.state);
            last_note = Instant::now();
        }
    }
}
