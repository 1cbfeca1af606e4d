//! One rule for every wait (association state, refresh, discovery, adoption, deletion): which
//! errors can get better by waiting, how long to wait before trying again, and the line the
//! user reads meanwhile. Everything else ends the wait at once: asking again cannot bring back
//! a deleted association or grant a permission.

use std::time::Duration;

use crate::service::{ErrorKind, ServiceError};

/// The first retry's wait; each next one doubles it …
pub const RETRY_FIRST: Duration = Duration::from_secs(1);
/// … up to this.
pub const RETRY_MOST: Duration = Duration::from_secs(30);

/// Throttling, the service's own failures, timeouts and lost connections: the same call may
/// succeed later. Not found, access denied, validation and the rest will answer the same.
pub fn can_improve(error: &ServiceError) -> bool {
    matches!(
        error.kind,
        ErrorKind::Throttled | ErrorKind::ServerError | ErrorKind::Timeout | ErrorKind::Unreachable
    )
}

/// The wait before retry `attempt` (1-based): exponential from [`RETRY_FIRST`], capped at
/// [`RETRY_MOST`], with ±20% jitter so many clients throttled together do not return together.
/// The jitter comes from `salt` and the attempt, not a random source: the flow stays pure and
/// its tests repeatable.
pub fn backoff(attempt: u32, salt: u64) -> Duration {
    let doublings = attempt.saturating_sub(1).min(16);
    let base = RETRY_FIRST
        .saturating_mul(1 << doublings)
        .min(RETRY_MOST)
        .as_millis() as u64;
    let mixed = splitmix(salt ^ u64::from(attempt));
    // A spread of 40% of the base, centred on it.
    let spread = base * 2 / 5;
    let jittered = base - spread / 2 + mixed % (spread + 1);
    Duration::from_millis(jittered)
}

/// SplitMix64's finaliser: a well-spread 64-bit mix of the input.
fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A stable salt from a text (the run's token seed): FNV-1a.
pub fn salt_of(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// After a failed call: `Ok(wait)` when asking again is worth it (the error is one waiting can
/// mend, and fewer than `limit` retries were made), with `slot` holding the note the user
/// reads; otherwise the error back, for the caller to end its wait with.
pub fn again(
    slot: &mut Option<Retrying>,
    error: ServiceError,
    salt: u64,
    limit: Option<u32>,
) -> Result<Duration, ServiceError> {
    let tries = slot.as_ref().map_or(0, |r| r.attempt);
    if !can_improve(&error) || limit.is_some_and(|most| tries >= most) {
        return Err(error);
    }
    let next = Retrying::next(slot.as_ref(), error, salt);
    let after = next.after;
    *slot = Some(next);
    Ok(after)
}

/// A call that failed in a way waiting can mend, and when it is tried again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retrying {
    pub error: ServiceError,
    /// 1 for the first retry.
    pub attempt: u32,
    pub after: Duration,
}

impl Retrying {
    /// The retry after `previous` (None: the first) for `error`.
    pub fn next(previous: Option<&Retrying>, error: ServiceError, salt: u64) -> Self {
        let attempt = previous.map_or(1, |p| p.attempt + 1);
        Self {
            error,
            attempt,
            after: backoff(attempt, salt),
        }
    }

    /// "throttled — retrying in 4 s (attempt 3)": the same words in the TUI's state line, plain
    /// mode and the commands' stderr.
    pub fn line(&self) -> String {
        let what = match self.error.kind {
            ErrorKind::Throttled => "throttled",
            ErrorKind::ServerError => "the service failed",
            ErrorKind::Timeout => "timed out",
            ErrorKind::Unreachable => "endpoint unreachable",
            _ => "failed",
        };
        let seconds = self.after.as_secs_f64().round().max(1.0);
        format!(
            "{what} — retrying in {seconds} s (attempt {})",
            self.attempt
        )
    }
}

/// A paged listing's retries (the destinations, the associations): the page in flight, and
/// the retry of a page that failed in a way waiting can mend, under [`LIST_RETRIES`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageRetry {
    /// The retry waiting for its timer (its line is what the user reads meanwhile).
    pub retrying: Option<Retrying>,
    timer: super::Generation,
    /// The page the listing in flight asked for (None: the first).
    requested: Option<String>,
}

/// How many times a page is asked again before its error is shown (with a key to reload).
pub const LIST_RETRIES: u32 = 4;

impl PageRetry {
    /// A page is asked for.
    pub fn asking(&mut self, page: &Option<String>) {
        self.requested.clone_from(page);
    }

    /// Whether `generation` is this retry's wake.
    pub fn owns(&self, generation: super::Generation) -> bool {
        self.retrying.is_some() && generation == self.timer
    }

    /// The page to ask for again.
    pub fn page(&self) -> Option<String> {
        self.requested.clone()
    }

    /// A page arrived: the retry, if one was made, is over (its line may go).
    pub fn answered(&mut self) -> Option<Retrying> {
        self.retrying.take()
    }
}

/// The page (or count) behind `slot` failed: the wake that asks it again after the backoff
/// (jittered by the run's seed), with the retry's line in `slot`; or the error back, and no
/// retry waiting, when waiting cannot mend it or [`LIST_RETRIES`] are spent.
pub(super) fn wake_again(
    flow: &mut super::Flow,
    slot: fn(&mut super::Flow) -> &mut PageRetry,
    error: ServiceError,
) -> Result<super::effect::Effect, ServiceError> {
    let salt = salt_of(&flow.opts.token_seed);
    let generation = flow.next_generation();
    let retry = slot(flow);
    match again(&mut retry.retrying, error, salt, Some(LIST_RETRIES)) {
        Ok(after) => {
            retry.timer = generation;
            Ok(super::effect::Effect::Wake { generation, after })
        }
        Err(error) => {
            retry.retrying = None;
            Err(error)
        }
    }
}

/// Why a wait ended without a final state, and what the user can do: said by every front end.
pub fn ended_explanation(error: &ServiceError) -> (String, &'static str) {
    let what = match error.kind {
        ErrorKind::NotFound => {
            "The association no longer exists: it was deleted elsewhere (console, AWS CLI)."
                .to_string()
        }
        ErrorKind::AccessDenied => {
            "Access denied while checking the association: these credentials may not read it."
                .to_string()
        }
        ErrorKind::Validation => {
            "The service refused the association's id: the saved session names none it knows."
                .to_string()
        }
        _ => format!("Checking the association failed: {}", error.title()),
    };
    (
        what,
        "Nothing is left to wait for: open Manage to see the account's associations, or start a new one.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_errors_that_waiting_can_mend_are_retried() {
        let error = |kind| ServiceError::new(kind, "x");
        for kind in [
            ErrorKind::Throttled,
            ErrorKind::ServerError,
            ErrorKind::Timeout,
            ErrorKind::Unreachable,
        ] {
            assert!(can_improve(&error(kind)), "{kind:?}");
        }
        for kind in [
            ErrorKind::NotFound,
            ErrorKind::AccessDenied,
            ErrorKind::Validation,
            ErrorKind::NoCredentials,
            ErrorKind::Conflict,
            ErrorKind::Other,
        ] {
            assert!(!can_improve(&error(kind)), "{kind:?}");
        }
    }

    #[test]
    fn backoff_doubles_to_a_cap_with_bounded_jitter() {
        for salt in [0, 1, 42, u64::MAX] {
            let waits: Vec<u128> = (1..=8).map(|a| backoff(a, salt).as_millis()).collect();
            for (attempt, (wait, base)) in waits
                .iter()
                .zip([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000])
                .enumerate()
            {
                assert!(
                    *wait >= base * 8 / 10 && *wait <= base * 12 / 10,
                    "attempt {} waits {wait} ms, base {base}",
                    attempt + 1
                );
            }
        }
        // Jitter: two runs (salts) do not retry in lockstep.
        let a: Vec<_> = (1..=5).map(|n| backoff(n, salt_of("run a"))).collect();
        let b: Vec<_> = (1..=5).map(|n| backoff(n, salt_of("run b"))).collect();
        assert_ne!(a, b);
    }

    #[test]
    fn the_line_names_the_cause_the_wait_and_the_attempt() {
        let first = Retrying::next(None, ServiceError::new(ErrorKind::Throttled, "slow"), 7);
        let third = Retrying::next(
            Some(&Retrying::next(Some(&first), first.error.clone(), 7)),
            first.error.clone(),
            7,
        );
        assert_eq!(third.attempt, 3);
        let line = third.line();
        assert!(
            line.starts_with("throttled — retrying in ") && line.ends_with(" s (attempt 3)"),
            "{line}"
        );
    }
}
