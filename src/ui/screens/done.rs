//! Done: the association's outcome (drawn as Status draws it), with devices to find after a
//! success, a retry as new after a failure, and the way out.

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::Rect;

use super::Screen;
use crate::ui::app::{App, Reaction};
use crate::ui::autopilot::{Pilot, Plan, Round};
use crate::ui::keymap::{Action, Binding, Char, Code, bind, owner_keys, quiet};
use crate::ui::theme::Theme;
use iotmi_core::flow::Intent;
use iotmi_core::service::AssociationState;

fn ended(app: &App, state: AssociationState) -> bool {
    app.flow
        .association()
        .as_ref()
        .is_some_and(|a| a.state == state)
}

pub struct Done;

impl Screen for Done {
    fn keys(&self, app: &App) -> Vec<Binding> {
        let mut keys = vec![bind(
            "Enter",
            &[Code(KeyCode::Enter)],
            if app.flow.return_to_manage() {
                "back to the list"
            } else {
                "exit"
            },
            Action::Finish,
        )];
        if ended(app, AssociationState::Failed) {
            keys.push(bind("n", &[Char('n')], "retry as new", Action::RetryAsNew));
        }
        if ended(app, AssociationState::Succeeded) {
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

    fn act(&self, app: &mut App, action: Action, now: Instant) -> Reaction {
        let tracked = app.flow.association().as_ref().map(|a| a.id.clone());
        let intent = match action {
            Action::Finish => Intent::Finish,
            Action::Back => Intent::Back,
            Action::ActAsOwner(action) => Intent::ActAsOwner(action),
            Action::RetryAsNew | Action::ShowDevices => {
                let Some(id) = tracked else {
                    return Reaction::default();
                };
                if action == Action::RetryAsNew {
                    Intent::RetryAsNew(id)
                } else {
                    Intent::ShowDevices(id)
                }
            }
            _ => return Reaction::default(),
        };
        app.send(intent, now).into()
    }

    fn render(&self, app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
        super::status::render(app, frame, area, theme, true)
    }

    /// After a success, on to the devices once; then the round ends.
    fn autoplay(&self, app: &App, _round: &Round) -> Plan {
        let ms = Duration::from_millis;
        if ended(app, AssociationState::Succeeded) && app.flow.devices().is_none() {
            Some((ms(2000), Pilot::Press(Action::ShowDevices)))
        } else {
            Some((ms(4000), Pilot::Finish(Action::Finish)))
        }
    }
}
