//! Signal handling shared by the front ends that are not full-screen (commands, plain mode).

use std::future::Future;

use tokio::signal::unix::{SignalKind, signal};

use iotmi_core::exit;

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
            eprintln!("\nInterrupted.");
            Ok(exit::INTERRUPTED)
        }
    }
}
