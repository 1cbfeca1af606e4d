//! One file per screen, each rendering from its own state in the model.

pub mod auth;
pub mod authorize;
pub mod destination;
pub mod details;
pub mod devices;
pub mod manage;
pub mod resume;
pub mod review;
pub mod start;
pub mod status;
pub mod submit;
pub mod tags;
