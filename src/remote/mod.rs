//! Getting the operator to the OAuth URL when the wizard may run far from their browser:
//! deciding whether to launch one, vetting the URL, and the fallbacks (OSC 52 clipboard,
//! QR code) for SSH sessions.

pub mod browser;
pub mod clipboard;
pub mod env;
pub mod qr;

pub use browser::{decide_launch, launch, launch_failure};
pub use clipboard::{
    Multiplexer, osc52_copy_for, osc52_sequences, screen_read_buffer, tmux_load_buffer,
};
pub use env::{Environment, on_path, ssh_session, ssh_tunnel};
pub use qr::{QrArt, fits, qr_art};
