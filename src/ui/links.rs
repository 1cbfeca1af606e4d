//! OSC 8 hyperlinks over what ratatui draws. The view registers where a link's text is (one
//! rectangle per wrapped row); [`LinkBackend`] wraps every cell it draws inside such a rectangle
//! in the link, so a supporting terminal opens the whole URL from any of its rows, and the link
//! lasts exactly as long as the cells do (ratatui redraws only what changed).

use std::cell::RefCell;
use std::io::{self, Write};
use std::rc::Rc;

use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Rect, Size};

/// Where links are on the screen being drawn; filled by the view, read by the backend.
#[derive(Clone, Debug, Default)]
pub struct Links(Rc<RefCell<Vec<(Rect, String)>>>);

impl Links {
    /// Forget the previous frame's links (the view registers this frame's).
    pub fn clear(&self) {
        self.0.borrow_mut().clear();
    }

    /// `url` (already through the URL policy) covers `area`.
    pub fn add(&self, area: Rect, url: &str) {
        self.0.borrow_mut().push((area, url.to_string()));
    }

    fn at(&self, x: u16, y: u16) -> Option<String> {
        self.0
            .borrow()
            .iter()
            .find(|(area, _)| area.contains(Position { x, y }))
            .map(|(_, url)| url.clone())
    }
}

/// The OSC 8 sequence that opens a link (`id` groups a URL's wrapped rows into one link) or,
/// with no URL, closes it.
pub fn osc8(url: Option<&str>) -> String {
    match url {
        Some(url) => format!("\x1b]8;id=iotmi-url;{url}\x1b\\"),
        None => "\x1b]8;;\x1b\\".to_string(),
    }
}

/// One writer shared by the crossterm backend and the link sequences around its cells, so
/// both go out in order.
pub struct Shared<W>(Rc<RefCell<W>>);

impl<W> Clone for Shared<W> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<W: Write> Write for Shared<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.borrow_mut().flush()
    }
}

/// A crossterm backend that draws the cells of registered links inside OSC 8, and never asks
/// the terminal where its cursor is (a terminal that does not answer would stall or fail the
/// UI, e.g. in `Terminal::clear` after the unwrapped view): the position last set is it.
pub struct LinkBackend<W: Write> {
    inner: CrosstermBackend<Shared<W>>,
    writer: Shared<W>,
    links: Links,
    cursor: Position,
}

impl<W: Write> LinkBackend<W> {
    pub fn new(writer: W, links: Links) -> Self {
        let writer = Shared(Rc::new(RefCell::new(writer)));
        Self {
            inner: CrosstermBackend::new(writer.clone()),
            writer,
            links,
            cursor: Position::ORIGIN,
        }
    }
}

impl<W: Write> Backend for LinkBackend<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let cells: Vec<(u16, u16, &Cell)> = content.collect();
        let mut start = 0;
        while start < cells.len() {
            let link = self.links.at(cells[start].0, cells[start].1);
            let end = cells[start..]
                .iter()
                .position(|&(x, y, _)| self.links.at(x, y) != link)
                .map_or(cells.len(), |n| start + n);
            if let Some(url) = &link {
                self.writer.write_all(osc8(Some(url)).as_bytes())?;
            }
            self.inner.draw(cells[start..end].iter().copied())?;
            if link.is_some() {
                self.writer.write_all(osc8(None).as_bytes())?;
            }
            start = end;
        }
        Ok(())
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        Ok(self.cursor)
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        self.cursor = position.into();
        self.inner.set_cursor_position(self.cursor)
    }

    fn clear(&mut self) -> io::Result<()> {
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> io::Result<Size> {
        self.inner.size()
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        self.inner.window_size()
    }

    fn flush(&mut self) -> io::Result<()> {
        Backend::flush(&mut self.inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::widgets::Paragraph;

    #[test]
    fn cells_inside_a_registered_link_are_drawn_inside_osc_8() {
        let links = Links::default();
        // A fixed viewport: the test asks no terminal for its size.
        let mut terminal = Terminal::with_options(
            LinkBackend::new(Vec::<u8>::new(), links.clone()),
            ratatui::TerminalOptions {
                viewport: ratatui::Viewport::Fixed(Rect::new(0, 0, 30, 1)),
            },
        )
        .unwrap();
        terminal
            .draw(|frame| {
                links.clear();
                frame.render_widget(Paragraph::new("see https://a.example/x here"), frame.area());
                links.add(Rect::new(4, 0, 21, 1), "https://a.example/x");
            })
            .unwrap();
        let written = String::from_utf8_lossy(&terminal.backend().writer.0.borrow()).into_owned();
        let open = osc8(Some("https://a.example/x"));
        let linked = written.split(&open).nth(1).expect("a link opened");
        let (inside, _) = linked.split_once(&osc8(None)).expect("and closed");
        assert!(inside.contains("https://a.example/x"), "{inside:?}");
        assert!(
            !inside.contains("see") && !inside.contains("here"),
            "{inside:?}"
        );
        // Clearing asks the terminal nothing (no cursor position request).
        terminal.clear().unwrap();
        let written = String::from_utf8_lossy(&terminal.backend().writer.0.borrow()).into_owned();
        assert!(!written.contains("\x1b[6n"), "{written:?}");
    }
}
