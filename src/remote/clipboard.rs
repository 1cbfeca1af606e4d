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
    let seq = format!("\x1b]52;c;{}\x07", base64(text.as_bytes()));
    if inside_tmux {
        format!("\x1bPtmux;{}\x1b\\", seq.replace('\x1b', "\x1b\x1b"))
    } else {
        seq
    }
}

/// [`osc52_copy_for`], detecting tmux from a non-empty `TMUX` variable.
pub fn osc52_copy(text: &str) -> String {
    let in_tmux = std::env::var_os("TMUX").is_some_and(|v| !v.is_empty());
    osc52_copy_for(text, in_tmux)
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
