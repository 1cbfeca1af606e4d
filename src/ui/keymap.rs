//! The key vocabulary (actions, keys, bindings) and what every screen shares: the quit
//! question, the keys held while the service is waited for, the too-small guard, help and
//! quit. Each screen's own bindings are in its module (`screens::*::keys`). The footer, the
//! help overlay and the autoplay walkthrough all read the same bindings, so none of them can
//! disagree with what a key does.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_input::Input;

use super::app::App;
use super::screens;
use iotmi_core::flow::{OwnerAction, Question, owner_actions};

/// What a key asks of the TUI: most become one flow intent, some are the TUI's own (copy,
/// QR code, unwrapped view, help, cursor moves).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Quit,
    Interrupt,
    Help,
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    /// Enter on a list: take the highlighted item.
    Choose,
    Next,
    Back,
    SwitchField,
    // Start and resume.
    SsoLogin,
    RecheckIdentity,
    StartCreate,
    StartManage,
    Resume,
    Discard,
    /// Another run is onboarding the same request: make a second association, or not.
    MakeSecond,
    KeepOne,
    // Step 1.
    ClearFilter,
    Reload,
    // Tags.
    AddTag,
    EditTag,
    DeleteTag,
    SaveTag,
    CancelEdit,
    // Review and submit.
    EditRow,
    CopyCommand,
    UnwrappedCommand,
    Retry,
    EditDraft,
    // Authorize and state.
    OpenBrowser,
    CopyUrl,
    Unwrapped,
    ToggleQr,
    ShowStatus,
    ShowAuthorize,
    Refresh,
    KeepWaiting,
    LeaveInProgress,
    Finish,
    /// `demo`: act as the third-party account owner.
    ActAsOwner(OwnerAction),
    // Devices.
    ShowDevices,
    ToggleDevice,
    SelectAllDevices,
    SelectNoDevices,
    // Batch.
    /// The next row awaiting its owner's consent.
    NextAwaiting,
    // Manage.
    FocusFilter,
    LeaveFilter,
    ShowDetails,
    AuthorizeAssociation,
    RefreshAssociation,
    ToggleAssociation,
    RetryAsNew,
    AskDelete,
    /// Deregistrations that failed in a deletion, tried again.
    RetryDeregistrations,
    /// The report of the associations shown, to a new CSV file.
    WriteReport,
    ConfirmDelete,
    CancelDelete,
    // The quit question.
    ConfirmQuit,
    CancelQuit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    Code(KeyCode),
    Char(char),
    Ctrl(char),
}

impl Key {
    pub fn matches(self, event: &KeyEvent) -> bool {
        let plain = !event
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        match self {
            Key::Code(code) => event.code == code && plain,
            Key::Char(c) => event.code == KeyCode::Char(c) && plain,
            Key::Ctrl(c) => {
                event.code == KeyCode::Char(c) && event.modifiers.contains(KeyModifiers::CONTROL)
            }
        }
    }
}

#[derive(Clone, Debug)]
pub struct Binding {
    pub keys: Vec<Key>,
    /// How the keys are written in the footer and help ("↑↓", "Enter").
    pub label: &'static str,
    pub what: &'static str,
    pub action: Action,
    /// Shown in the footer (the help overlay lists every binding).
    pub footer: bool,
}

pub fn bind(label: &'static str, keys: &[Key], what: &'static str, action: Action) -> Binding {
    Binding {
        keys: keys.to_vec(),
        label,
        what,
        action,
        footer: true,
    }
}

/// Listed in help only.
pub fn quiet(binding: Binding) -> Binding {
    Binding {
        footer: false,
        ..binding
    }
}

pub use Key::{Char, Code, Ctrl};

pub fn list_moves() -> Vec<Binding> {
    vec![
        bind("↑↓", &[], "move", Action::Down),
        quiet(bind(
            "↓",
            &[Code(KeyCode::Down), Ctrl('n'), Ctrl('j')],
            "down",
            Action::Down,
        )),
        quiet(bind(
            "↑",
            &[Code(KeyCode::Up), Ctrl('p'), Ctrl('k')],
            "up",
            Action::Up,
        )),
        quiet(bind(
            "PgUp",
            &[Code(KeyCode::PageUp)],
            "one page up",
            Action::PageUp,
        )),
        quiet(bind(
            "PgDn",
            &[Code(KeyCode::PageDown)],
            "one page down",
            Action::PageDown,
        )),
        quiet(bind(
            "Home",
            &[Code(KeyCode::Home)],
            "first item",
            Action::Home,
        )),
        quiet(bind("End", &[Code(KeyCode::End)], "last item", Action::End)),
    ]
}

/// Letter moves for screens where letters are not typed into a field.
pub fn letter_moves() -> Vec<Binding> {
    vec![
        quiet(bind("j", &[Char('j')], "down", Action::Down)),
        quiet(bind("k", &[Char('k')], "up", Action::Up)),
    ]
}

/// The bindings of the screen `app` shows now, most useful first. The first binding matching
/// a key wins.
pub fn bindings(app: &App) -> Vec<Binding> {
    let flow = &app.flow;
    // Nothing on the screen can be seen: no key may act on it unseen, but the consent URL's
    // hand-over (copy, unwrapped, open) acts on what the small screen still names.
    if app.ui.too_small {
        return too_small_bindings(app);
    }
    if let Some(Question::ConfirmQuit { .. }) = flow.question() {
        return vec![
            bind(
                "y",
                &[Char('y'), Char('Y'), Char('q'), Code(KeyCode::Enter)],
                "quit",
                Action::ConfirmQuit,
            ),
            bind(
                "n/Esc",
                &[Char('n'), Char('N'), Code(KeyCode::Esc)],
                "stay",
                Action::CancelQuit,
            ),
            bind("Ctrl-C", &[Ctrl('c')], "quit now", Action::Interrupt),
        ];
    }
    // The step waits for the service: a key must not carry into the screen that opens next.
    if flow.waiting() && flow.question().is_none() {
        let mut keys = vec![bind(
            "?",
            &[Char('?'), Code(KeyCode::F(1))],
            "help",
            Action::Help,
        )];
        keys.extend(quit_keys(app.typing(), "quit…"));
        return keys;
    }
    let mut keys = screens::of(flow.step()).keys(app);
    // Help: F1 everywhere, `?` where letters are not typed into a field.
    let typing = app.typing();
    keys.push(if typing {
        bind("F1", &[Code(KeyCode::F(1))], "help", Action::Help)
    } else {
        bind("?", &[Char('?'), Code(KeyCode::F(1))], "help", Action::Help)
    });
    let quit_label = if flow.busy() { "quit…" } else { "quit" };
    keys.extend(quit_keys(typing, quit_label));
    keys
}

/// Esc from an association picked in Manage: back to the list.
pub fn back_to_list(app: &App) -> Vec<Binding> {
    if app.flow.return_to_manage() {
        vec![bind(
            "Esc",
            &[Code(KeyCode::Esc), Code(KeyCode::BackTab)],
            "back to the list",
            Action::Back,
        )]
    } else {
        Vec::new()
    }
}

/// `q` where letters are not typed into a field, Ctrl-C everywhere.
fn quit_keys(typing: bool, label: &'static str) -> Vec<Binding> {
    if typing {
        vec![bind("Ctrl-C", &[Ctrl('c')], label, Action::Interrupt)]
    } else {
        vec![
            bind("q", &[Char('q')], label, Action::Quit),
            quiet(bind("Ctrl-C", &[Ctrl('c')], "quit", Action::Interrupt)),
        ]
    }
}

/// The window is too small to show the screen: only quitting and help.
pub fn too_small() -> Vec<Binding> {
    vec![
        bind("Ctrl-C", &[Ctrl('c')], "quit", Action::Interrupt),
        bind("?", &[Char('?'), Code(KeyCode::F(1))], "help", Action::Help),
    ]
}

/// The keys of a window too small for the screen: quitting, help, and the consent URL's
/// hand-over where the screen has one.
pub fn too_small_bindings(app: &App) -> Vec<Binding> {
    let mut keys = Vec::new();
    if app.flow.question().is_none() && app.ui.overlay.is_none() {
        keys.extend(app.screen().keys(app).into_iter().filter(|binding| {
            matches!(
                binding.action,
                Action::CopyUrl | Action::Unwrapped | Action::OpenBrowser
            )
        }));
    }
    keys.extend(too_small());
    keys
}

/// While a list's filter field has the focus (Manage, Devices): typing filters, and Enter,
/// Esc, Down or Tab go back to the list.
pub fn focused_filter_keys() -> Vec<Binding> {
    vec![
        bind("type", &[], "filter", Action::FocusFilter),
        bind(
            "Enter/Esc",
            &[
                Code(KeyCode::Enter),
                Code(KeyCode::Esc),
                Code(KeyCode::Down),
                Code(KeyCode::Tab),
            ],
            "done",
            Action::LeaveFilter,
        ),
    ]
}

/// Esc on a filtered list: first it clears the filter, then it goes back.
pub fn filtered_list_escape(filter: &Input, back: &'static str) -> Vec<Binding> {
    let mut keys = Vec::new();
    if !filter.value().is_empty() {
        keys.push(quiet(bind(
            "Esc",
            &[Code(KeyCode::Esc)],
            "clear the filter",
            Action::ClearFilter,
        )));
    }
    keys.push(quiet(bind(
        "Esc",
        &[Code(KeyCode::Esc), Code(KeyCode::BackTab)],
        back,
        Action::Back,
    )));
    keys
}

/// Keep waiting / leave in progress, while the wait timeout question is open.
pub fn timeout_keys(app: &App) -> Vec<Binding> {
    if app.flow.asking_timeout() {
        vec![
            bind("w", &[Char('w')], "keep waiting", Action::KeepWaiting),
            bind(
                "x",
                &[Char('x')],
                "leave in progress",
                Action::LeaveInProgress,
            ),
        ]
    } else {
        Vec::new()
    }
}

/// `demo` only, first in the footer: the presenter plays the account owner.
pub fn owner_keys(app: &App) -> Vec<Binding> {
    owner_actions(&app.flow)
        .iter()
        .map(|&action| match action {
            OwnerAction::Approve => bind("A", &[Char('A')], "approve", Action::ActAsOwner(action)),
            OwnerAction::Deny => bind("D", &[Char('D')], "deny", Action::ActAsOwner(action)),
            OwnerAction::Revoke => bind("X", &[Char('X')], "expire", Action::ActAsOwner(action)),
        })
        .collect()
}

/// The key that does `action` on this screen (the first key of the first binding for it), as
/// the autoplay walkthrough presses it.
pub fn key_for(bindings: &[Binding], action: Action) -> Option<KeyEvent> {
    let key = bindings
        .iter()
        .filter(|b| b.action == action)
        .find_map(|b| b.keys.first())?;
    Some(match *key {
        Key::Code(code) => KeyEvent::new(code, KeyModifiers::NONE),
        Key::Char(c) if c.is_ascii_uppercase() => {
            KeyEvent::new(KeyCode::Char(c), KeyModifiers::SHIFT)
        }
        Key::Char(c) => KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE),
        Key::Ctrl(c) => KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL),
    })
}

/// The binding `key` triggers on this screen, if any.
pub fn lookup(bindings: &[Binding], key: &KeyEvent) -> Option<Action> {
    bindings
        .iter()
        .find(|b| b.keys.iter().any(|k| k.matches(key)))
        .map(|b| b.action)
}

/// A cursor move (listed as one line in the help).
pub fn is_move(action: Action) -> bool {
    matches!(
        action,
        Action::Up | Action::Down | Action::PageUp | Action::PageDown | Action::Home | Action::End
    )
}

/// The help's `(keys, what)` lines: every binding with keys, the cursor moves folded into one
/// line where the first of them is, and the quiet Ctrl-C left to the help's general part.
pub fn help(bindings: &[Binding]) -> Vec<(String, &'static str)> {
    let mut lines: Vec<(String, &'static str)> = Vec::new();
    let mut moves: Option<usize> = None;
    // Typing filters without a key of its own: said all the same.
    for binding in bindings
        .iter()
        .filter(|b| !b.keys.is_empty() || b.action == Action::FocusFilter)
    {
        if binding.action == Action::Interrupt && !binding.footer {
            continue;
        }
        if !is_move(binding.action) {
            lines.push((binding.label.to_string(), binding.what));
            continue;
        }
        match moves {
            Some(at) => {
                let keys = &mut lines[at].0;
                if !keys.split(' ').any(|k| k == binding.label) {
                    keys.push(' ');
                    keys.push_str(binding.label);
                }
            }
            None => {
                moves = Some(lines.len());
                lines.push((binding.label.to_string(), "move"));
            }
        }
    }
    lines
}

/// The footer's pairs that fit in `width` columns: help and quit always stay, the others are
/// dropped from the right (the help overlay lists them all).
pub fn fit_footer(bindings: &[Binding], width: u16) -> Vec<(&'static str, &'static str)> {
    use unicode_width::UnicodeWidthStr;
    let essential =
        |b: &Binding| matches!(b.action, Action::Help | Action::Quit | Action::Interrupt);
    let mut kept: Vec<&Binding> = bindings.iter().filter(|b| b.footer).collect();
    let columns = |kept: &[&Binding]| -> usize {
        let items: usize = kept
            .iter()
            .map(|b| b.label.width() + 1 + b.what.width())
            .sum();
        items + 3 * kept.len().saturating_sub(1)
    };
    while columns(&kept) > width as usize {
        match kept.iter().rposition(|b| !essential(b)) {
            Some(last) => {
                kept.remove(last);
            }
            None => break,
        }
    }
    kept.into_iter().map(|b| (b.label, b.what)).collect()
}

/// The footer's `(keys, what)` pairs.
pub fn footer(bindings: &[Binding]) -> Vec<(&'static str, &'static str)> {
    bindings
        .iter()
        .filter(|b| b.footer)
        .map(|b| (b.label, b.what))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_says_that_typing_filters() {
        let bindings = [
            bind("type", &[], "filter", Action::FocusFilter),
            bind("Enter", &[Code(KeyCode::Enter)], "select", Action::Choose),
        ];
        assert_eq!(
            help(&bindings),
            [
                ("type".to_string(), "filter"),
                ("Enter".to_string(), "select")
            ]
        );
    }
}
