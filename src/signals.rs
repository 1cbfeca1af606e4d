//! Signals for every front end: a command or plain mode ends with 130 on SIGINT; the
//! full-screen wizard (whose Ctrl-C arrives as a key) stops on SIGTERM, SIGHUP or an external
//! SIGINT.

use std::future::Future;

use tokio::signal::unix::{SignalKind, signal};

use iotmi_core::exit;
use iotmi_core::flow::OutcomeKind;

/// Ignores SIGXFSZ for the whole process, before any file is written: under a file-size limit
/// (`ulimit -f`) a write past it then fails with EFBIG, which the log reports once as "logging
/// stopped" (and the journal as a failed save), instead of the default action killing the
/// process (exit 153) in the middle of a run.
pub fn ignore_file_size_limit_signal() {
    // SAFETY: setting a standard signal's disposition to SIG_IGN has no preconditions; it is
    // done at start, before any thread exists.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

/// Runs `work` until it ends or SIGINT arrives (exit 130). The handler is installed before
/// `work` starts, so a Ctrl-C is never the default kill.
pub async fn interruptible(work: impl Future<Output = anyhow::Result<i32>>) -> anyhow::Result<i32> {
    let Ok(mut interrupt) = signal(SignalKind::interrupt()) else {
        return work.await;
    };
    tokio::select! {
        result = work => result,
        _ = interrupt.recv() => {
            tracing::info!("interrupted");
            stderr_line!("\nInterrupted.");
            Ok(exit::INTERRUPTED)
        }
    }
}

/// SIGTERM, SIGHUP, or an external SIGINT (a Ctrl-C typed in raw mode arrives as a key). The
/// handlers are installed when this is called, not when the future is first polled: a signal
/// that arrives before the wizard's first frame is drawn is not the default kill.
pub fn stop_signal() -> impl Future<Output = OutcomeKind> {
    let handlers = (
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
        signal(SignalKind::interrupt()),
    );
    async move {
        let (Ok(mut term), Ok(mut hup), Ok(mut int)) = handlers else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = term.recv() => OutcomeKind::Signalled(15),
            _ = hup.recv() => OutcomeKind::Signalled(1),
            _ = int.recv() => OutcomeKind::Interrupted,
        }
    }
}
