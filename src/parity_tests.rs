//! The same drafts through the full-screen keymaps, plain answers and the scripted front end
//! give the same effects: one flow, one ClientToken rule. Here, not in a front end, because a
//! front end never imports another.

use crossterm::event::{KeyCode, KeyEvent};

use crate::plain::tests::{fail_submit, fresh_flow, plain, plain_answers};
use crate::ui::app::App;
use iotmi_core::flow::testing::*;
use iotmi_core::flow::{self, Effect, Event, FirstScreen, Flow, Intent, Options, Prefill};
use iotmi_core::service::{AssociationState, CreateRequest};

fn tui_keys(app: &mut App, keys: &[KeyCode]) -> Vec<CreateRequest> {
    let mut sent = Vec::new();
    for key in keys {
        let effects = app.key(KeyEvent::from(*key), now()).effects;
        if let Some(request) = answer_effects(&mut app.flow, &effects) {
            sent.push(request);
        }
    }
    sent
}

#[test]
fn the_same_drafts_give_the_same_requests_and_tokens_in_both_front_ends() {
    let mut app = App::new(fresh_flow());
    let mut tui = tui_keys(
        &mut app,
        &[
            KeyCode::Enter,
            KeyCode::Enter,
            KeyCode::Enter,
            KeyCode::Enter,
        ],
    );
    fail_submit(&mut app.flow);
    // Edit the name from Review (e on the Name row) and submit the changed draft.
    tui.extend(tui_keys(&mut app, &[KeyCode::Char('e')]));
    tui.extend(tui_keys(
        &mut app,
        &[
            KeyCode::Down,
            KeyCode::Char('e'),
            KeyCode::Char('X'),
            KeyCode::Enter,
            KeyCode::Enter,
        ],
    ));

    let mut prompts = plain(fresh_flow());
    let mut answers = plain_answers(&mut prompts, &["dest-oauth", "", "", "", "y"]);
    fail_submit(&mut prompts.flow);
    let name = format!("{}X", prompts.flow.details().name);
    answers.extend(plain_answers(&mut prompts, &["", "e", "2", &name, "", "y"]));

    assert_eq!(tui.len(), 2, "{tui:?}");
    assert_eq!(tui, answers);
    // The scripted front end (`create --destination dest-oauth`) sends the first draft
    // with the same token.
    let mut scripted = Flow::new(
        Options {
            first: FirstScreen::Create,
            prefill: Prefill {
                destination: Some("dest-oauth".into()),
                ..Prefill::default()
            },
            ..options()
        },
        now(),
    );
    identified(&mut scripted);
    assert_eq!(
        crate::commands::script::first_request(&mut scripted),
        tui[0]
    );
    assert_eq!(tui[0].client_token, format!("{SEED}-0"));
    assert_eq!(tui[1].client_token, format!("{SEED}-1"));
}

#[test]
fn plain_offers_a_refresh_on_an_expired_refresh_token_as_the_tui_does() {
    let mut prompts = plain(fresh_flow());
    plain_answers(&mut prompts, &["dest-oauth", "", "", "", "y"]);
    let generation = current_submit(&prompts.flow);
    let effects = answer_created(&mut prompts.flow, generation, "https://auth.example/x");
    let poll = poll_generation(&effects);
    flow::update(
        &mut prompts.flow,
        Event::PollDue { generation: poll },
        now(),
    );
    answer_poll(
        &mut prompts.flow,
        poll,
        AssociationState::RefreshTokenExpired,
    );
    let question = prompts.prompt().expect("a question");
    assert!(question.contains("Refresh it now"), "{question}");
    assert_eq!(prompts.answer("y"), vec![Intent::Refresh]);

    // The TUI's keymap offers the same intent on the same state.
    let mut app = App::new(fresh_flow());
    tui_keys(
        &mut app,
        &[
            KeyCode::Enter,
            KeyCode::Enter,
            KeyCode::Enter,
            KeyCode::Enter,
        ],
    );
    let generation = current_submit(&app.flow);
    let effects = answer_created(&mut app.flow, generation, "https://auth.example/x");
    let poll = poll_generation(&effects);
    flow::update(&mut app.flow, Event::PollDue { generation: poll }, now());
    answer_poll(&mut app.flow, poll, AssociationState::RefreshTokenExpired);
    let effects = app.key(KeyEvent::from(KeyCode::Char('r')), now()).effects;
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::StartRefresh { .. })),
        "{effects:?}"
    );
    let effects = flow::update(&mut prompts.flow, Intent::Refresh, now());
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::StartRefresh { .. }))
    );
}
