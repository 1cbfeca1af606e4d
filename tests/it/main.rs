//! Every integration test, in one test binary: the AWS SDK and the rest of the dependencies
//! are linked once instead of once per test file. Each module is what used to be its own
//! `tests/NAME.rs`; `cargo test --test it MODULE::` runs one of them.
//!
//! The tests run as threads of one process, so none may change process-wide state: the real
//! binary gets its environment on its own command line (`common::bin`), every simulator binds
//! port 0, every run keeps its files in its own tempdir, and SDK clients each get their own
//! retry partition.

mod common;

mod autoplay_e2e;
mod batch_devices_e2e;
mod batch_e2e;
mod batch_tui_e2e;
mod commands;
mod commands_lifecycle;
mod demo_pace;
mod devices_e2e;
mod edges_e2e;
mod exit_status_e2e;
mod faults_e2e;
mod handover_e2e;
mod hostile_e2e;
mod identity_e2e;
mod journal_hostile_e2e;
mod keys_e2e;
mod layers;
mod lifecycle_e2e;
mod lock_e2e;
mod log_file_e2e;
mod manage_e2e;
mod messages_e2e;
mod monkey_driver;
mod once_e2e;
mod plain_e2e;
mod presenter_e2e;
mod real_terminal_e2e;
mod remote_props;
mod report_e2e;
mod resume_e2e;
mod service_sdk;
mod simulator_cli;
mod simulator_consent;
mod simulator_devices;
mod simulator_http;
mod simulator_sdk;
mod terminal_restore_e2e;
mod unwrapped_view_e2e;
mod validate_props;
mod version_man;
mod wizard_e2e;
