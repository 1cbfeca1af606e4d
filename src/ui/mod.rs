//! The terminal side: setup/restore, the driver loop, and the views.

pub mod driver;
pub mod screens;
pub mod terminal;
pub mod theme;
pub mod view;
pub mod widgets;

#[cfg(test)]
mod tests;
