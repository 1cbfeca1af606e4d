//! One keymap per screen: what each key does there. The footer and the help overlay are made
//! from the same table, so they cannot disagree with what a key does.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_input::Input;

use super::app::{App, TagEdit};
use iotmi_core::flow::{
    DetailsField, Load, OwnerAction, Question, Step, SubmitState, TagField, owner_actions,
};
use iotmi_core::service::AssociationState;

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
    // Manage.
    FocusFilter,
    LeaveFilter,
    ShowDetails,
    AuthorizeAssociation,
    RefreshAssociation,
    ToggleAssociation,
    RetryAsNew,
    AskDelete,
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

fn bind(label: &'static str, keys: &[Key], what: &'static str, action: Action) -> Binding {
    Binding {
        keys: keys.to_vec(),
        label,
        what,
        action,
        footer: true,
    }
}

/// Listed in help only.
fn quiet(binding: Binding) -> Binding {
    Binding {
        footer: false,
        ..binding
    }
}

use Key::{Char, Code, Ctrl};

fn list_moves() -> Vec<Binding> {
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
fn letter_moves() -> Vec<Binding> {
    vec![
        quiet(bind("j", &[Char('j')], "down", Action::Down)),
        quiet(bind("k", &[Char('k')], "up", Action::Up)),
    ]
}

/// The bindings of the screen `app` shows now, most useful first. The first binding matching
/// a key wins.
pub fn bindings(app: &App) -> Vec<Binding> {
    let flow = &app.flow;
    // Nothing on the screen can be seen: no key may act on it unseen.
    if app.ui.too_small {
        return too_small();
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
    let mut keys: Vec<Binding> = match flow.step() {
        Step::Start if flow.picking_profile() && app.ui.region_focused => vec![
            bind("Enter", &[Code(KeyCode::Enter)], "use it", Action::Choose),
            bind(
                "Tab",
                &[
                    Code(KeyCode::Tab),
                    Code(KeyCode::BackTab),
                    Code(KeyCode::Esc),
                ],
                "back to the list",
                Action::SwitchField,
            ),
        ],
        Step::Start if flow.picking_profile() => {
            let mut keys = list_moves();
            keys.push(bind(
                "Enter",
                &[Code(KeyCode::Enter)],
                "use it",
                Action::Choose,
            ));
            keys.push(bind(
                "Tab",
                &[Code(KeyCode::Tab)],
                "region",
                Action::SwitchField,
            ));
            keys.extend(letter_moves());
            keys
        }
        Step::Start => {
            let mut keys = vec![
                bind("↑↓", &[], "choose", Action::Down),
                quiet(bind("↓", &[Code(KeyCode::Down)], "down", Action::Down)),
                quiet(bind("↑", &[Code(KeyCode::Up)], "up", Action::Up)),
                bind(
                    "Enter",
                    &[Code(KeyCode::Enter), Code(KeyCode::Tab)],
                    "go",
                    Action::Choose,
                ),
                quiet(bind(
                    "c",
                    &[Char('c')],
                    "create a new association",
                    Action::StartCreate,
                )),
                quiet(bind(
                    "m",
                    &[Char('m')],
                    "manage existing associations",
                    Action::StartManage,
                )),
            ];
            if flow.sso_login().is_some() && flow.opts().aws_cli {
                keys.insert(
                    0,
                    bind(
                        "s",
                        &[Char('s')],
                        "sign in (aws sso login)",
                        Action::SsoLogin,
                    ),
                );
            }
            if matches!(flow.identity(), iotmi_core::flow::Identity::Failed(_)) {
                keys.push(bind(
                    "r",
                    &[Char('r')],
                    "check again",
                    Action::RecheckIdentity,
                ));
            }
            keys.extend(letter_moves());
            keys
        }
        Step::Resume => vec![
            bind(
                "Enter",
                &[Code(KeyCode::Enter), Char('r')],
                "resume",
                Action::Resume,
            ),
            bind(
                "d",
                &[Char('d'), Code(KeyCode::Delete)],
                "start fresh",
                Action::Discard,
            ),
        ],
        Step::Manage if app.ui.delete_input.is_some() => vec![
            bind(
                "Enter",
                &[Code(KeyCode::Enter)],
                "delete",
                Action::ConfirmDelete,
            ),
            bind("Esc", &[Code(KeyCode::Esc)], "cancel", Action::CancelDelete),
        ],
        Step::Manage if app.ui.manage_filter_focused => focused_filter_keys(),
        Step::Manage => {
            let state = app.highlighted_association().map(|a| a.state.clone());
            let mut keys = list_moves();
            keys.extend(letter_moves());
            keys.push(bind("/", &[Char('/')], "filter", Action::FocusFilter));
            keys.push(bind(
                "Enter",
                &[Code(KeyCode::Enter), Char('v')],
                "details",
                Action::ShowDetails,
            ));
            let picked = flow.manage().selected.len();
            if picked > 0 {
                keys.push(bind(
                    "r",
                    &[Char('r')],
                    "refresh the picked",
                    Action::RefreshAssociation,
                ));
            }
            keys.push(quiet(bind(
                "Space",
                &[Char(' ')],
                "pick for a bulk refresh",
                Action::ToggleAssociation,
            )));
            match state {
                Some(AssociationState::InProgress) => keys.push(bind(
                    "a",
                    &[Char('a')],
                    "authorize",
                    Action::AuthorizeAssociation,
                )),
                Some(AssociationState::RefreshTokenExpired) if picked == 0 => keys.push(bind(
                    "r",
                    &[Char('r')],
                    "refresh",
                    Action::RefreshAssociation,
                )),
                Some(AssociationState::Succeeded) => {
                    keys.push(bind("f", &[Char('f')], "find devices", Action::ShowDevices))
                }
                Some(AssociationState::Failed) => {
                    keys.push(bind("n", &[Char('n')], "retry as new", Action::RetryAsNew))
                }
                _ => {}
            }
            if state.is_some() {
                keys.push(bind(
                    "d",
                    &[Char('d'), Code(KeyCode::Delete)],
                    "delete",
                    Action::AskDelete,
                ));
            }
            keys.push(bind("g", &[Char('g')], "reload", Action::Reload));
            keys.extend(filtered_list_escape(&app.ui.manage_filter, "back to Start"));
            keys
        }
        Step::Destination if matches!(flow.destinations().load, Load::Failed(_)) => vec![
            bind(
                "r",
                &[Char('r'), Code(KeyCode::Enter)],
                "retry",
                Action::Reload,
            ),
            quiet(bind("Esc", &[Code(KeyCode::Esc)], "back", Action::Back)),
        ],
        Step::Destination => {
            let mut keys = list_moves();
            keys.push(bind("type", &[], "filter", Action::FocusFilter));
            keys.push(bind(
                "Enter",
                &[Code(KeyCode::Enter), Code(KeyCode::Tab)],
                "select",
                Action::Choose,
            ));
            keys.extend(filtered_list_escape(&app.ui.destination_filter, "back"));
            keys
        }
        // Tab order: name, description, next step; Shift-Tab the other way.
        Step::Details if app.details_focus() == DetailsField::Name => vec![
            bind("Enter", &[Code(KeyCode::Enter)], "next", Action::Next),
            bind(
                "Tab",
                &[Code(KeyCode::Tab), Code(KeyCode::Down)],
                "field",
                Action::SwitchField,
            ),
            bind("Esc", &[Code(KeyCode::Esc)], "back", Action::Back),
            quiet(bind(
                "Shift-Tab",
                &[Code(KeyCode::BackTab)],
                "back",
                Action::Back,
            )),
        ],
        Step::Details => vec![
            bind("Enter", &[Code(KeyCode::Enter)], "next", Action::Next),
            bind(
                "↑",
                &[Code(KeyCode::Up), Code(KeyCode::BackTab)],
                "field",
                Action::SwitchField,
            ),
            bind("Esc", &[Code(KeyCode::Esc)], "back", Action::Back),
            quiet(bind("Tab", &[Code(KeyCode::Tab)], "next", Action::Next)),
        ],
        Step::Tags => match &app.ui.tag_edit {
            Some(TagEdit { focus, .. }) => vec![
                bind(
                    "Enter",
                    &[Code(KeyCode::Enter)],
                    "save tag",
                    Action::SaveTag,
                ),
                bind(
                    "Tab",
                    &[
                        Code(KeyCode::Tab),
                        Code(KeyCode::BackTab),
                        Code(KeyCode::Up),
                        Code(KeyCode::Down),
                    ],
                    if *focus == TagField::Key {
                        "to value"
                    } else {
                        "to key"
                    },
                    Action::SwitchField,
                ),
                bind("Esc", &[Code(KeyCode::Esc)], "cancel", Action::CancelEdit),
            ],
            None => {
                let mut keys = vec![bind(
                    "a",
                    &[Char('a'), Char('+'), Code(KeyCode::Insert)],
                    "add",
                    Action::AddTag,
                )];
                if !flow.tags().rows.is_empty() {
                    keys.push(bind(
                        "e",
                        &[Char('e'), Code(KeyCode::F(2))],
                        "edit",
                        Action::EditTag,
                    ));
                    keys.push(bind(
                        "d",
                        &[
                            Char('d'),
                            Char('x'),
                            Code(KeyCode::Delete),
                            Code(KeyCode::Backspace),
                        ],
                        "delete",
                        Action::DeleteTag,
                    ));
                }
                keys.push(bind(
                    "Enter",
                    &[Code(KeyCode::Enter), Code(KeyCode::Tab)],
                    "next",
                    Action::Next,
                ));
                keys.push(bind(
                    "Esc",
                    &[Code(KeyCode::Esc), Code(KeyCode::BackTab)],
                    "back",
                    Action::Back,
                ));
                keys.extend(list_moves().into_iter().map(quiet));
                keys.extend(letter_moves());
                keys
            }
        },
        Step::Auth => {
            let mut keys = list_moves();
            keys.push(bind(
                "Enter",
                &[Code(KeyCode::Enter), Code(KeyCode::Tab)],
                "choose",
                Action::Choose,
            ));
            keys.push(bind(
                "Esc",
                &[Code(KeyCode::Esc), Code(KeyCode::BackTab)],
                "back",
                Action::Back,
            ));
            keys.extend(letter_moves());
            keys
        }
        Step::Review => {
            let mut keys = vec![
                bind("Enter", &[Code(KeyCode::Enter)], "submit", Action::Next),
                bind(
                    "↑↓ e",
                    &[Char('e'), Code(KeyCode::Right)],
                    "edit row",
                    Action::EditRow,
                ),
                bind("c", &[Char('c')], "copy command", Action::CopyCommand),
                quiet(bind(
                    "u",
                    &[Char('u')],
                    "the command unwrapped, to select whole",
                    Action::UnwrappedCommand,
                )),
                bind(
                    "Esc",
                    &[Code(KeyCode::Esc), Code(KeyCode::BackTab)],
                    "back",
                    Action::Back,
                ),
                quiet(bind("Tab", &[Code(KeyCode::Tab)], "next row", Action::Down)),
            ];
            keys.extend(list_moves().into_iter().map(quiet));
            keys.extend(letter_moves());
            keys
        }
        Step::Submit => match flow.submit() {
            SubmitState::Failed(_) => vec![
                bind(
                    "r",
                    &[Char('r'), Code(KeyCode::Enter)],
                    "retry",
                    Action::Retry,
                ),
                bind(
                    "e",
                    &[Char('e'), Code(KeyCode::Esc)],
                    "edit",
                    Action::EditDraft,
                ),
            ],
            _ => Vec::new(),
        },
        Step::Authorize => {
            let mut keys = owner_keys(app);
            keys.extend(timeout_keys(app));
            keys.extend(back_to_list(app));
            keys.extend([
                bind("o", &[Char('o')], "open", Action::OpenBrowser),
                bind("c", &[Char('c')], "copy", Action::CopyUrl),
                bind("u", &[Char('u')], "unwrapped", Action::Unwrapped),
                bind("v", &[Char('v')], "QR code", Action::ToggleQr),
                bind(
                    "Enter",
                    &[Code(KeyCode::Enter), Code(KeyCode::Tab)],
                    "status",
                    Action::ShowStatus,
                ),
                quiet(bind(
                    "Esc",
                    &[Code(KeyCode::Esc), Code(KeyCode::BackTab)],
                    "back",
                    Action::Back,
                )),
            ]);
            keys
        }
        Step::Status => {
            let mut keys = owner_keys(app);
            keys.extend(timeout_keys(app));
            keys.extend(back_to_list(app));
            let tracked = flow.association().as_ref();
            if tracked.is_some_and(|a| a.state == AssociationState::RefreshTokenExpired) {
                keys.push(bind("r", &[Char('r')], "refresh", Action::Refresh));
            }
            if flow.oauth_url().is_some() {
                keys.push(bind("a", &[Char('a')], "authorize", Action::ShowAuthorize));
            }
            keys.push(quiet(bind(
                "Esc",
                &[Code(KeyCode::Esc)],
                "back",
                Action::Back,
            )));
            keys
        }
        Step::Devices if app.ui.devices_filter_focused => focused_filter_keys(),
        Step::Devices => {
            use iotmi_core::flow::DiscoveryState;
            let view = flow.devices().as_ref();
            let discovery = view.map(|v| &v.discovery);
            let adoption = view.and_then(|v| v.adoption.as_ref());
            let mut keys = Vec::new();
            match discovery {
                Some(DiscoveryState::Done { .. }) => {
                    let selected = view.is_some_and(|v| !v.selected.is_empty());
                    keys.push(bind(
                        "Enter",
                        &[Code(KeyCode::Enter)],
                        if selected { "adopt selected" } else { "finish" },
                        Action::Next,
                    ));
                    keys.push(bind("Space", &[Char(' ')], "select", Action::ToggleDevice));
                    keys.push(bind("a", &[Char('a')], "all", Action::SelectAllDevices));
                    keys.push(quiet(bind(
                        "n",
                        &[Char('n')],
                        "none",
                        Action::SelectNoDevices,
                    )));
                    keys.push(bind("/", &[Char('/')], "filter", Action::FocusFilter));
                    if adoption.is_some_and(|a| !a.failed.is_empty()) {
                        keys.push(bind("r", &[Char('r')], "retry failed", Action::Retry));
                    }
                    keys.push(quiet(bind(
                        "g",
                        &[Char('g')],
                        "discover again",
                        Action::Reload,
                    )));
                    keys.extend(list_moves().into_iter().map(quiet));
                    keys.extend(letter_moves());
                }
                _ => keys.push(bind(
                    "Enter",
                    &[Code(KeyCode::Enter), Char('g')],
                    "discover",
                    Action::Next,
                )),
            }
            keys.push(bind(
                "Esc",
                &[Code(KeyCode::Esc)],
                if view.is_some_and(|v| v.from_manage) {
                    "back to the list"
                } else {
                    "back"
                },
                Action::Back,
            ));
            keys
        }
        Step::Done => {
            let failed = flow
                .association()
                .as_ref()
                .is_some_and(|a| a.state == AssociationState::Failed);
            let mut keys = vec![bind(
                "Enter",
                &[Code(KeyCode::Enter)],
                if flow.return_to_manage() {
                    "back to the list"
                } else {
                    "exit"
                },
                Action::Finish,
            )];
            if failed {
                keys.push(bind("n", &[Char('n')], "retry as new", Action::RetryAsNew));
            }
            let succeeded = flow
                .association()
                .as_ref()
                .is_some_and(|a| a.state == AssociationState::Succeeded);
            if succeeded {
                keys.insert(
                    0,
                    bind("f", &[Char('f')], "find devices", Action::ShowDevices),
                );
            }
            keys.extend(owner_keys(app));
            // Esc does not leave the last screen by accident: it says how to.
            keys.push(quiet(bind(
                "Esc",
                &[Code(KeyCode::Esc)],
                "back",
                Action::Back,
            )));
            keys
        }
    };
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
fn back_to_list(app: &App) -> Vec<Binding> {
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

/// While a list's filter field has the focus (Manage, Devices): typing filters, and Enter,
/// Esc, Down or Tab go back to the list.
fn focused_filter_keys() -> Vec<Binding> {
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
fn filtered_list_escape(filter: &Input, back: &'static str) -> Vec<Binding> {
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
fn timeout_keys(app: &App) -> Vec<Binding> {
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
fn owner_keys(app: &App) -> Vec<Binding> {
    owner_actions(&app.flow)
        .iter()
        .map(|&action| match action {
            OwnerAction::Approve => bind("A", &[Char('A')], "approve", Action::ActAsOwner(action)),
            OwnerAction::Deny => bind("D", &[Char('D')], "deny", Action::ActAsOwner(action)),
            OwnerAction::Revoke => bind("X", &[Char('X')], "expire", Action::ActAsOwner(action)),
        })
        .collect()
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
    for binding in bindings.iter().filter(|b| !b.keys.is_empty()) {
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
