//! Signals for every front end: plain mode ends with 130 on SIGINT, a command with 130 on
//! SIGINT and 143 on SIGTERM (saying what it left unsettled); the
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
    until_stopped(work, false).await
}

/// What a command is in the middle of that a stop leaves unsettled (a create sent and not
/// answered): said after "Interrupted." / "Terminated.". The signal is the process's, so is
/// this.
static UNSETTLED: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// Sets (or, with `None`, clears) what a stop now would leave unsettled.
pub fn set_unsettled(line: Option<String>) {
    if let Ok(mut unsettled) = UNSETTLED.lock() {
        *unsettled = line;
    }
}

fn take_unsettled() -> Option<String> {
    UNSETTLED.lock().ok().and_then(|mut u| u.take())
}

/// A command: runs `work` until it ends, SIGINT (exit 130) or SIGTERM (exit 143, as `timeout`
/// sends), saying what the stop left unsettled ([`set_unsettled`]). The handlers are installed
/// before `work` starts.
pub async fn stoppable(work: impl Future<Output = anyhow::Result<i32>>) -> anyhow::Result<i32> {
    until_stopped(work, true).await
}

/// `work` until it ends or SIGINT (and, with `on_terminate`, SIGTERM) arrives: then the stop
/// is said, with what it left unsettled, and its exit status returned. Without the handlers
/// (none could be installed) the signals keep their default action.
async fn until_stopped(
    work: impl Future<Output = anyhow::Result<i32>>,
    on_terminate: bool,
) -> anyhow::Result<i32> {
    let Ok(mut interrupt) = signal(SignalKind::interrupt()) else {
        return work.await;
    };
    let mut terminate = match on_terminate.then(|| signal(SignalKind::terminate())) {
        Some(Err(_)) => return work.await,
        Some(Ok(terminate)) => Some(terminate),
        None => None,
    };
    let terminated = async {
        match terminate.as_mut() {
            Some(terminate) => terminate.recv().await,
            None => std::future::pending().await,
        }
    };
    let (said, kind) = tokio::select! {
        result = work => return result,
        _ = interrupt.recv() => ("Interrupted.", OutcomeKind::Interrupted),
        _ = terminated => ("Terminated.", OutcomeKind::Signalled(15)),
    };
    tracing::info!(said, "stopped by a signal");
    stderr_line!("\n{said}");
    if let Some(line) = take_unsettled() {
        stderr_line!("{line}");
    }
    Ok(exit::of_outcome(kind))
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
