//! Logs go to a file, never to the terminal the UI draws on. What is logged is chosen so that
//! credentials, tag values and OAuth URLs never appear: ids, kinds and request ids only; the
//! SDK's own (wire-level) logging stays at `warn` unless trace is asked for.

use std::fs::OpenOptions;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

/// Without a path nothing is logged at all.
pub fn init(path: Option<&Path>, level: tracing::Level) -> anyhow::Result<()> {
    let Some(path) = path else { return Ok(()) };
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    let level = level.to_string().to_lowercase();
    let sdk = if level == "trace" { "debug" } else { "warn" };
    let filter = EnvFilter::new(format!(
        "warn,iotmi_onboard={level},aws_smithy_runtime={sdk},aws_config={sdk}"
    ));
    // A second init (tests, repeated runs in-process) keeps the first subscriber.
    let _ = tracing_subscriber::fmt()
        .with_writer(Mutex::new(file))
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init();
    Ok(())
}
