//! The exit statuses of every front end (documented in `--help` and the README).

pub const OK: i32 = 0;
/// An error: the service refused or failed, or (interactive runs) the association failed.
pub const ERROR: i32 = 1;
/// A usage error (clap's own code) or a value the service's rules refuse.
pub const USAGE: i32 = 2;
/// Commands: the association reached ASSOCIATION_FAILED (or REFRESH_TOKEN_EXPIRED).
pub const FAILED: i32 = 3;
/// `--wait` gave up after `--wait-timeout`.
pub const TIMED_OUT: i32 = 4;
/// SIGINT (Ctrl-C), or stdin closed while a prompt waited.
pub const INTERRUPTED: i32 = 130;

/// A mistake in how the program was called (a profile that does not exist…), found before
/// any call: `main` prints it and exits with [`USAGE`].
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}
