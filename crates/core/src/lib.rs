//! The core of iotmi-onboard, pure: the wizard's flow (intents and service events in, effects
//! out as data, one module per step), the rules every front end shares (validation,
//! ClientTokens, list filters, the URL policy, exit statuses, sanitising), the journal's data
//! model and the service trait with its domain types. No async runtime, terminal, SDK or HTTP
//! crate: the application crate runs the effects and draws the screens.

pub mod batch;
pub mod draft;
pub mod exit;
pub mod filter;
pub mod fit;
pub mod flow;
pub mod journal;
pub mod profile;
pub mod rate;
pub mod report;
pub mod service;
pub mod text;
pub mod url_policy;
