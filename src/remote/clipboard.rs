//! OSC 52: ask the *terminal emulator* to put text on its clipboard. This is the one
//! copy mechanism that works over SSH, because the escape sequence travels back to the
//! operator's own terminal.

/// Standard base64 (RFC 4648, with padding), as OSC 52 requires. Written out here so
/// the sequence can end with BEL, which more terminals accept than crossterm's ST.
fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The OSC 52 sequence copying `text` to the clipboard (`ESC ] 52 ; c ; BASE64 BEL`).
/// Inside tmux the sequence is wrapped in a DCS passthrough (`ESC Ptmux;` … `ESC \`,
/// every inner ESC doubled) so tmux forwards it to the outer terminal; this needs
/// tmux's `allow-passthrough on` (or `set-clipboard on`, which handles bare OSC 52).
pub fn osc52_copy_for(text: &str, inside_tmux: bool) -> String {
    let seq = osc52(text);
    if inside_tmux {
        format!("\x1bPtmux;{}\x1b\\", seq.replace('\x1b', "\x1b\x1b"))
    } else {
        seq
    }
}

fn osc52(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", base64(text.as_bytes()))
}

/// Which multiplexer the terminal goes through: it decides how a copy can reach the
/// clipboard of the terminal the operator sits at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Multiplexer {
    None,
    /// `TMUX` is set.
    Tmux,
    /// `STY` is set (GNU screen).
    Screen,
}

impl Multiplexer {
    pub fn detect(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let set = |name: &str| lookup(name).is_some_and(|v| !v.is_empty());
        if set("TMUX") {
            Multiplexer::Tmux
        } else if set("STY") {
            Multiplexer::Screen
        } else {
            Multiplexer::None
        }
    }
}

/// Every escape sequence a copy sends, so it arrives whatever the multiplexer lets through:
/// bare OSC 52 (tmux's `set-clipboard on`, or no multiplexer), and wrapped for passthrough.
/// tmux itself is also handed the text (`tmux load-buffer -w -`): with its default
/// `set-clipboard external` and `allow-passthrough off` that is the only way that works.
pub fn osc52_sequences(text: &str, multiplexer: Multiplexer) -> Vec<String> {
    match multiplexer {
        Multiplexer::None => vec![osc52(text)],
        Multiplexer::Tmux => vec![osc52(text), osc52_copy_for(text, true)],
        // screen passes a DCS string through; it cuts long ones, so the sequence goes in
        // pieces of fewer than 768 bytes, each wrapped (as vim-oscyank and others do).
        Multiplexer::Screen => {
            let seq = osc52(text);
            let pieces: Vec<String> = seq
                .as_bytes()
                .chunks(760)
                .map(|piece| format!("\x1bP{}\x1b\\", String::from_utf8_lossy(piece)))
                .collect();
            vec![pieces.concat()]
        }
    }
}

/// Hands `text` to the tmux server this session runs in (`tmux load-buffer -w -`, text on
/// stdin, never through a shell): a tmux buffer, and with `-w` the outer terminal's clipboard
/// where tmux can set it. Falls back to `load-buffer -` on a tmux without `-w` (before 3.2).
pub fn tmux_load_buffer(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut last = Err(std::io::Error::other("tmux did not run"));
    for args in [["load-buffer", "-w", "-"].as_slice(), &["load-buffer", "-"]] {
        let mut child = Command::new("tmux")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(text.as_bytes())?;
        }
        let status = child.wait()?;
        if status.success() {
            return Ok(());
        }
        last = Err(std::io::Error::other(format!("tmux load-buffer: {status}")));
    }
    last
}

/// Puts `text` in the paste buffer of the GNU screen session this process runs in (`STY`):
/// screen keeps no OSC 52 for itself, and its `readbuf` reads only a path. The text is never on
/// disk or on argv (which other users can read): it is in an anonymous memory file
/// (`memfd_create`) that the screen server, the same user, reads through `/proc/PID/fd/N`
/// while this process waits; a `-Q` query returns only after the server has run the `readbuf`
/// sent before it, and the memory goes with the descriptor.
pub fn screen_read_buffer(session: &str, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::fd::{FromRawFd, OwnedFd};
    use std::process::{Command, Stdio};
    // SAFETY: a valid NUL-terminated name; the descriptor returned is owned here.
    let fd = unsafe { libc::memfd_create(c"iotmi-onboard-copy".as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `fd` is a fresh descriptor nothing else owns.
    let owned = unsafe { OwnedFd::from_raw_fd(fd) };
    std::fs::File::from(owned.try_clone()?).write_all(text.as_bytes())?;
    let path = format!("/proc/{}/fd/{fd}", std::process::id());
    let run = |args: &[&str]| -> std::io::Result<()> {
        let status = Command::new("screen")
            .arg("-S")
            .arg(session)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()?;
        if status.success() {
            Ok(())
        } else {
            Err(std::io::Error::other(format!("screen: {status}")))
        }
    };
    let done = run(&["-X", "readbuf", &path]).and_then(|()| run(&["-Q", "number"]));
    drop(owned);
    done
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_rfc4648_vectors() {
        let v = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, enc) in v {
            assert_eq!(base64(plain.as_bytes()), enc);
        }
        assert_eq!(base64(&[0xff, 0xfe, 0xfd]), "//79");
    }

    #[test]
    fn plain_sequence() {
        assert_eq!(osc52_copy_for("hello", false), "\x1b]52;c;aGVsbG8=\x07");
    }

    #[test]
    fn every_multiplexer_gets_a_sequence_it_lets_through() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            Multiplexer::detect(env(&[("TMUX", "/tmp/t,1,0")])),
            Multiplexer::Tmux
        );
        assert_eq!(
            Multiplexer::detect(env(&[("STY", "1.pts-0")])),
            Multiplexer::Screen
        );
        assert_eq!(Multiplexer::detect(env(&[("TMUX", "")])), Multiplexer::None);
        assert_eq!(
            osc52_sequences("hello", Multiplexer::None),
            ["\x1b]52;c;aGVsbG8=\x07"]
        );
        assert_eq!(
            osc52_sequences("hello", Multiplexer::Tmux),
            [
                "\x1b]52;c;aGVsbG8=\x07",
                "\x1bPtmux;\x1b\x1b]52;c;aGVsbG8=\x07\x1b\\"
            ]
        );
        let long = "x".repeat(1000);
        let screen = osc52_sequences(&long, Multiplexer::Screen).concat();
        assert_eq!(screen.matches("\x1bP").count(), 2, "cut in two DCS pieces");
        let joined: String = screen
            .split("\x1bP")
            .map(|p| p.trim_end_matches("\x1b\\"))
            .collect();
        assert_eq!(joined, osc52(&long));
    }

    #[test]
    fn tmux_passthrough_doubles_escapes() {
        assert_eq!(
            osc52_copy_for("hello", true),
            "\x1bPtmux;\x1b\x1b]52;c;aGVsbG8=\x07\x1b\\"
        );
    }

    #[test]
    fn payload_matches_crossterm_encoding() {
        use crossterm::Command;
        let text = "https://example.com/oauth?state=é&x=1";
        let mut theirs = String::new();
        crossterm::clipboard::CopyToClipboard::to_clipboard_from(text)
            .write_ansi(&mut theirs)
            .expect("write to String");
        let ours = osc52_copy_for(text, false);
        let payload = |s: &str| {
            s.trim_start_matches("\x1b]52;c;")
                .trim_end_matches(['\x07', '\\', '\x1b'])
                .to_string()
        };
        assert_eq!(payload(&ours), payload(&theirs));
    }
}
