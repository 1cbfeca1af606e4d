//! The terminal side: setup/restore, the driver loop, and the views.

pub mod app;
pub mod driver;
pub mod keymap;
pub mod screens;
pub mod terminal;
pub mod theme;
pub mod view;
pub mod widgets;

// Being ported to the App (keys through keymaps): see key_tests.rs and tests.rs.
// #[cfg(test)]
// mod tests;
