//! The exit statuses of every front end (documented in `--help` and the README): the wizard,
//! plain mode and the commands all take theirs from this table, so a failed association exits
//! 3 wherever it failed.

use crate::flow::OutcomeKind;
use crate::service::AssociationState;

pub const OK: i32 = 0;
/// An error: the service refused or failed, or `q` left a draft unsubmitted.
pub const ERROR: i32 = 1;
/// A usage error (clap's own code) or a value the service's rules refuse.
pub const USAGE: i32 = 2;
/// The association reached ASSOCIATION_FAILED (commands: or REFRESH_TOKEN_EXPIRED).
pub const FAILED: i32 = 3;
/// `--wait` gave up after `--wait-timeout`.
pub const TIMED_OUT: i32 = 4;
/// SIGINT (Ctrl-C), or stdin closed while a prompt waited.
pub const INTERRUPTED: i32 = 130;

/// How an interactive run (the wizard, plain mode) ends.
pub fn of_outcome(kind: OutcomeKind) -> i32 {
    match kind {
        OutcomeKind::Succeeded | OutcomeKind::LeftInProgress | OutcomeKind::Closed => OK,
        OutcomeKind::Failed => FAILED,
        // `q` with a draft unsubmitted; a followed association lost to an error that waiting
        // cannot mend (not found, access denied…).
        OutcomeKind::Cancelled | OutcomeKind::Lost => ERROR,
        OutcomeKind::Interrupted => INTERRUPTED,
        OutcomeKind::Signalled(signal) => 128 + signal,
    }
}

/// How a command that followed an association ends: a failed association (or one whose
/// refresh token expired, which needs the operator again) is [`FAILED`], anything else [`OK`].
pub fn of_association(state: &AssociationState) -> i32 {
    match state {
        AssociationState::Failed | AssociationState::RefreshTokenExpired => FAILED,
        _ => OK,
    }
}

/// A mistake in how the program was called (a profile that does not exist…), found before
/// any call: `main` prints it and exits with [`USAGE`].
/// A batch: a file refused is a usage error; any row failed, failed; rows still awaiting
/// their owners when the wait ran out, timed out; the service unreachable for the check, an
/// error.
pub fn of_batch(
    phase: &crate::flow::BatchPhase,
    tally: &crate::flow::BatchTally,
    timed_out: bool,
) -> i32 {
    use crate::flow::BatchPhase;
    match phase {
        BatchPhase::Refused => USAGE,
        BatchPhase::Stopped(_) => ERROR,
        BatchPhase::Checking | BatchPhase::Planned => OK,
        BatchPhase::Running | BatchPhase::Finished if tally.failed > 0 => FAILED,
        BatchPhase::Running | BatchPhase::Finished if timed_out && tally.in_progress > 0 => {
            TIMED_OUT
        }
        BatchPhase::Running | BatchPhase::Finished => OK,
    }
}

#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_association_exits_the_same_from_every_front_end() {
        assert_eq!(of_outcome(OutcomeKind::Failed), FAILED);
        assert_eq!(of_association(&AssociationState::Failed), FAILED);
        assert_eq!(FAILED, 3);
    }

    #[test]
    fn the_rest_of_the_table() {
        assert_eq!(of_outcome(OutcomeKind::Succeeded), OK);
        assert_eq!(of_outcome(OutcomeKind::LeftInProgress), OK);
        assert_eq!(of_outcome(OutcomeKind::Closed), OK);
        assert_eq!(of_outcome(OutcomeKind::Cancelled), ERROR);
        assert_eq!(of_outcome(OutcomeKind::Interrupted), INTERRUPTED);
        assert_eq!(of_outcome(OutcomeKind::Signalled(15)), 143);
        assert_eq!(
            of_association(&AssociationState::RefreshTokenExpired),
            FAILED
        );
        assert_eq!(of_association(&AssociationState::Succeeded), OK);
    }
}
