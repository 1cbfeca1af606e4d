//! The wizard as a pure state machine: [`update`] takes the model and one message and returns
//! effects as data; the driver in `crate::ui` runs them. No I/O, clock or randomness in here:
//! time arrives as an argument and the client-token seed comes from outside.

pub mod command;
pub mod effect;
pub mod model;
pub mod msg;
pub mod tags;
pub mod token;
pub mod update;
pub mod validate;

pub use effect::Effect;
pub use model::{Model, Options, Outcome, OutcomeKind, Prefill, Step, Summary};
pub use msg::Msg;
pub use update::update;

#[cfg(test)]
pub(crate) mod tests;
