//! iotmi-onboard: a terminal wizard that onboards a third-party cloud account into
//! Managed integrations for AWS IoT Device Management (`CreateAccountAssociation`).
//!
//! The crate is a library plus a thin binary so integration tests can start the
//! simulator in-process and drive the same code the binary runs.

pub mod app;
pub mod aws;
pub mod cli;
pub mod commands;

pub mod files;

pub mod journal;
pub mod logging;
pub mod man;
pub mod output;
pub mod owner;
#[cfg(test)]
mod parity_tests;
pub mod plain;
pub mod profiles;
pub mod progress;
pub mod remote;
pub mod runtime;
pub mod scripted;
pub mod sdk;
pub mod signals;

pub mod ui;
