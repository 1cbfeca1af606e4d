//! The terminal side: setup/restore, the driver loop, and the views.

pub mod app;
pub mod autopilot;
pub mod driver;
pub mod input;
pub mod keymap;
pub mod links;
pub mod screens;
pub mod terminal;
pub mod theme;
pub mod view;
pub mod widgets;

#[cfg(test)]
pub(crate) mod key_tests;
#[cfg(test)]
mod tests;
