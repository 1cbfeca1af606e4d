//! A QR code of the OAuth URL drawn with half blocks, so an operator on a jump host can
//! scan it with a phone instead of copying a long URL out of an SSH session.
//!
//! Colour choice: the art is *inverted* — a light module is drawn as block "ink" and a
//! dark module as a blank cell. Terminals draw glyphs in the (light) foreground colour
//! on a (dark) background, so on the usual dark theme the code comes out dark-on-light,
//! the way scanners expect, quiet zone included. On a light-background theme it comes
//! out as a negative; many (not all) scanners read that too. To be theme-independent,
//! draw the lines with an explicit style such as white foreground on black background.
//!
//! The quiet zone is 2 modules rather than the standard 4: screens have a clean
//! surrounding anyway and the budget on a small terminal is tight.

use qrcode::{Color, EcLevel, QrCode};

/// Modules of quiet zone on each side.
const QUIET: usize = 2;

/// Rendered QR code; every line is exactly `width` cells (one char each) and there are
/// `height` lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrArt {
    pub lines: Vec<String>,
    pub width: u16,
    pub height: u16,
}

/// Render `data` as a QR code (error-correction level L: the smallest code, fine for a
/// screen that is not smudged), two module rows per text row. `None` if it cannot be
/// encoded (too long).
pub fn qr_art(data: &str) -> Option<QrArt> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::L).ok()?;
    let modules = code.width();
    let colors = code.to_colors();
    let size = modules + 2 * QUIET;
    // "Ink" (a filled half) is a light module or the quiet zone; see the module docs.
    let ink = |x: usize, y: usize| -> bool {
        if x < QUIET || y < QUIET || x >= QUIET + modules || y >= QUIET + modules {
            // The quiet zone is light, and so is the half row past the bottom (odd size): left
            // blank it would be the explicit dark background, a bar under the code on a
            // light-background terminal (seen in xterm -bg white).
            return true;
        }
        colors[(y - QUIET) * modules + (x - QUIET)] == Color::Light
    };
    let lines: Vec<String> = (0..size.div_ceil(2))
        .map(|row| {
            (0..size)
                .map(|x| match (ink(x, 2 * row), ink(x, 2 * row + 1)) {
                    (false, false) => ' ',
                    (true, false) => '▀',
                    (false, true) => '▄',
                    (true, true) => '█',
                })
                .collect()
        })
        .collect();
    Some(QrArt {
        width: u16::try_from(size).ok()?,
        height: u16::try_from(lines.len()).ok()?,
        lines,
    })
}

/// Whether the art fits an area of the given size in cells.
pub fn fits(art: &QrArt, area_width: u16, area_height: u16) -> bool {
    art.width <= area_width && art.height <= area_height
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Undo the half-block rendering back into a light/dark grid.
    fn decode(art: &QrArt) -> Vec<Vec<bool>> {
        let mut grid = Vec::new();
        for line in &art.lines {
            let (mut top, mut bottom) = (Vec::new(), Vec::new());
            for c in line.chars() {
                let (t, b) = match c {
                    ' ' => (false, false),
                    '▀' => (true, false),
                    '▄' => (false, true),
                    '█' => (true, true),
                    other => panic!("unexpected char {other:?}"),
                };
                top.push(t);
                bottom.push(b);
            }
            grid.push(top);
            grid.push(bottom);
        }
        grid
    }

    #[test]
    fn renders_the_code_inverted_with_a_quiet_zone() {
        let data = "https://example.com/oauth/authorize?client_id=a&state=b";
        let art = qr_art(data).expect("encodable");
        let code = QrCode::with_error_correction_level(data, EcLevel::L).expect("encodable");
        let n = code.width();
        let size = n + 2 * QUIET;
        assert_eq!(usize::from(art.width), size);
        assert_eq!(usize::from(art.height), size.div_ceil(2));
        let grid = decode(&art);
        let colors = code.to_colors();
        for y in 0..size {
            for x in 0..size {
                let want_ink = if (QUIET..QUIET + n).contains(&x) && (QUIET..QUIET + n).contains(&y)
                {
                    colors[(y - QUIET) * n + (x - QUIET)] == Color::Light
                } else {
                    true
                };
                assert_eq!(grid[y][x], want_ink, "module ({x},{y})");
            }
        }
        // The odd last half-row is light, as the quiet zone: never a dark bar under the code.
        assert!(grid[size].iter().all(|ink| *ink));
        // A finder pattern's dark outer ring sits right inside the quiet zone.
        assert!(!grid[QUIET][QUIET]);
    }

    #[test]
    fn too_much_data_is_none() {
        assert!(qr_art(&"x".repeat(8000)).is_none());
    }

    #[test]
    fn fits_checks_both_dimensions() {
        let art = qr_art("hi").expect("encodable");
        assert!(fits(&art, art.width, art.height));
        assert!(!fits(&art, art.width - 1, art.height));
        assert!(!fits(&art, art.width, art.height - 1));
    }
}

#[cfg(test)]
mod sizes {
    use super::*;

    /// The window a consent URL's QR code needs, by URL length (the README quotes these).
    #[test]
    fn the_window_sizes_real_consent_urls_need() {
        let size = |len: usize| {
            let art = qr_art(&format!("https://a.example/?{}", "x".repeat(len - 19))).unwrap();
            (art.width, art.height)
        };
        assert_eq!(size(300), (65, 33));
        assert_eq!(size(700), (93, 47));
        assert_eq!(size(1024), (113, 57));
    }
}
