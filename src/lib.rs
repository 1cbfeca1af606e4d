//! iotmi-onboard: a terminal wizard that onboards a third-party cloud account into
//! Managed integrations for AWS IoT Device Management (`CreateAccountAssociation`).
//!
//! The crate is a library plus a thin binary so integration tests can start the
//! simulator in-process and drive the same code the binary runs. Composition lives in the
//! binary (`main.rs`); the three front ends (`ui`, `plain`, `commands`) never import one
//! another and share only the neutral modules (`session`, `output`, `signals`, `runtime`,
//! `progress`…). tests/it/layers.rs keeps it so.

/// `eprintln!` that never panics: see [`output::stderr_write`]. Defined before the modules,
/// so every one of them can use it.
#[macro_export]
macro_rules! stderr_line {
    ($($arg:tt)*) => {
        $crate::output::stderr_write(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `eprint!` that never panics (a prompt, a bell): see [`output::stderr_write`].
#[macro_export]
macro_rules! stderr_text {
    ($($arg:tt)*) => {
        $crate::output::stderr_write(format_args!($($arg)*))
    };
}

pub mod account_owner;
pub mod aws;
pub mod batches;
pub mod cli;
pub mod commands;
pub mod files;
pub mod journal;
pub mod logging;
pub mod man;
pub mod output;
/// The front ends compared on the same drafts (test code: it names all three).
#[cfg(test)]
mod parity_tests;
pub mod plain;
pub mod profiles;
pub mod progress;
pub mod remote;
pub mod report;
pub mod runtime;
pub mod sdk;
pub mod session;
pub mod signals;
pub mod stdin_lines;
pub mod ui;
