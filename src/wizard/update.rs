//! `update`: the only place the wizard's state changes. Pure: the time comes in as `now`,
//! effects go out as data, and every result carries the generation it was started with so a
//! stale one (the user went back, retried, or refreshed meanwhile) is dropped.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use tokio::time::Instant;
use tui_input::backend::crossterm::to_input_request;
use tui_input::{Input, InputRequest};

use super::effect::Effect;
use super::model::*;
use super::msg::{Generation, Msg};
use super::tags::{looks_like_pairs, parse_pairs};
use super::validate;
use crate::remote::{LaunchDecision, check_url};
use crate::service::{AssociationState, CreateRequest, ErrorKind};

/// Poll about every second at first …
pub const POLL_FAST: Duration = Duration::from_secs(1);
/// … and every five seconds after a minute (or while throttled).
pub const POLL_SLOW: Duration = Duration::from_secs(5);
pub const POLL_BACKOFF_AFTER: Duration = Duration::from_secs(60);
/// Longest text a paste inserts into one field; longer pastes are cut, with a notice.
const MAX_PASTE: usize = 8192;
const PAGE: usize = 10;

/// The effects to run when the wizard starts.
pub fn init(model: &mut Model) -> Vec<Effect> {
    let mut effects = vec![Effect::LoadConnectors, list_destinations(model, None)];
    if model.step == Step::Manage {
        effects.push(list_associations(model, None));
    }
    if model.target.endpoint.is_none() {
        effects.push(Effect::LoadAccount);
    }
    if model.target.region.is_none() {
        effects.push(Effect::LoadRegion);
    }
    effects
}

pub fn update(model: &mut Model, msg: Msg, now: Instant) -> Vec<Effect> {
    model.now = now;
    let effects = match msg {
        Msg::Key(key) if key.kind == KeyEventKind::Release => Vec::new(),
        Msg::Key(key) => on_key(model, key),
        Msg::Paste(text) => on_paste(model, &text),
        Msg::Resize(..) => Vec::new(),
        Msg::Tick => {
            model.spinner = model.spinner.wrapping_add(1);
            check_wait_deadline(model);
            Vec::new()
        }
        Msg::Account(result) => {
            model.target.account = Some(match result {
                Ok(account) => account,
                Err(error) => format!("unknown ({})", error.title().to_lowercase()),
            });
            Vec::new()
        }
        Msg::Region(region) => {
            if region.is_some() {
                model.target.region = region;
            }
            Vec::new()
        }
        Msg::Connectors(result) => {
            // Names are a nicety: without them the list shows connector ids.
            if let Ok(connectors) = result {
                model.destinations.connectors =
                    connectors.into_iter().map(|c| (c.id, c.name)).collect();
                rebuild_haystacks(model);
            }
            Vec::new()
        }
        Msg::DestinationsPage { generation, result } => {
            on_destinations_page(model, generation, result)
        }
        Msg::DestinationDetail { generation, result } => {
            on_destination_detail(model, generation, result)
        }
        Msg::Created { generation, result } => on_created(model, generation, result),
        Msg::PollDue { generation } => on_poll_due(model, generation),
        Msg::Polled { generation, result } => on_polled(model, generation, result),
        Msg::Refreshed { generation, result } => on_refreshed(model, generation, result),
        Msg::AssociationsPage { generation, result } => {
            on_associations_page(model, generation, result)
        }
        Msg::AssociationDetail { generation, result } => {
            on_association_detail(model, generation, result)
        }
        Msg::Deleted { generation, result } => on_deleted(model, generation, result),
        Msg::JournalFailed(error) => {
            model.flash = Some(format!("Progress is not being saved: {error}"));
            Vec::new()
        }
        Msg::BrowserLaunched(result) => {
            model.browser = match result {
                Ok(()) => BrowserNote::Opened,
                Err(message) => BrowserNote::LaunchFailed(message),
            };
            Vec::new()
        }
    };
    if let Some(Effect::Exit(outcome)) = effects.iter().find(|e| matches!(e, Effect::Exit(_))) {
        model.exit = Some(outcome.clone());
    }
    effects
}

fn next_generation(model: &mut Model) -> Generation {
    let generation = model.next_generation;
    model.next_generation += 1;
    generation
}

// ---------------------------------------------------------------- keys

fn is_ctrl(key: &KeyEvent, c: char) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char(c)
}

fn plain_char(key: &KeyEvent) -> Option<char> {
    match key.code {
        KeyCode::Char(c)
            if !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Some(c)
        }
        _ => None,
    }
}

fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    if let Some(overlay) = model.overlay {
        return on_overlay_key(model, overlay, key);
    }
    if is_ctrl(&key, 'c') {
        return request_quit(model, true);
    }
    if key.code == KeyCode::F(1) {
        model.overlay = Some(Overlay::Help);
        return Vec::new();
    }
    model.flash = None;
    let handled = match model.step {
        Step::Start => start_key(model, key),
        Step::Manage => manage_key(model, key),
        Step::Resume => resume_key(model, key),
        Step::Destination => destination_key(model, key),
        Step::Details => details_key(model, key),
        Step::Tags => tags_key(model, key),
        Step::Auth => auth_key(model, key),
        Step::Review => review_key(model, key),
        Step::Submit => submit_key(model, key),
        Step::Authorize => authorize_key(model, key),
        Step::Status => status_key(model, key),
        Step::Done => done_key(model, key),
    };
    if let Some(effects) = handled {
        return effects;
    }
    // Keys no screen claimed: the global ones (never reached while typing in a field).
    match plain_char(&key) {
        Some('q') => request_quit(model, false),
        Some('?') => {
            model.overlay = Some(Overlay::Help);
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn on_overlay_key(model: &mut Model, overlay: Overlay, key: KeyEvent) -> Vec<Effect> {
    match overlay {
        Overlay::Help => {
            model.overlay = None;
            if is_ctrl(&key, 'c') {
                request_quit(model, true)
            } else {
                Vec::new()
            }
        }
        Overlay::ConfirmQuit { interrupted } => {
            // A second Ctrl-C means "now".
            if is_ctrl(&key, 'c') {
                return exit(model, true);
            }
            match (key.code, plain_char(&key)) {
                (KeyCode::Enter, _) | (_, Some('y' | 'Y' | 'q')) => exit(model, interrupted),
                (KeyCode::Esc, _) | (_, Some('n' | 'N')) => {
                    model.overlay = None;
                    Vec::new()
                }
                _ => Vec::new(),
            }
        }
    }
}

fn request_quit(model: &mut Model, interrupted: bool) -> Vec<Effect> {
    if model.busy() {
        model.overlay = Some(Overlay::ConfirmQuit { interrupted });
        Vec::new()
    } else {
        exit(model, interrupted)
    }
}

fn exit(model: &mut Model, interrupted: bool) -> Vec<Effect> {
    model.overlay = None;
    let kind = match model.association.as_ref().map(|a| &a.state) {
        Some(AssociationState::Succeeded) => OutcomeKind::Succeeded,
        Some(AssociationState::Failed) => OutcomeKind::Failed,
        _ if interrupted => OutcomeKind::Interrupted,
        Some(_) => OutcomeKind::LeftInProgress,
        None => OutcomeKind::Interrupted,
    };
    vec![Effect::Exit(Outcome {
        kind,
        summary: model.summary(),
    })]
}

/// Feeds a key to a text input; true when the value changed.
fn edit_input(input: &mut Input, key: KeyEvent) -> bool {
    let before_len = input.value().len();
    let before_cursor = input.cursor();
    let Some(request) = to_input_request(&crossterm::event::Event::Key(key)) else {
        return false;
    };
    let changed = matches!(
        request,
        InputRequest::InsertChar(_)
            | InputRequest::DeletePrevChar
            | InputRequest::DeleteNextChar
            | InputRequest::DeleteLine
            | InputRequest::DeletePrevWord
            | InputRequest::DeleteNextWord
            | InputRequest::DeleteTillEnd
            | InputRequest::Yank
    );
    input.handle(request);
    changed && (input.value().len() != before_len || input.cursor() != before_cursor)
}

/// Inserts pasted text at the cursor in one step (per-char insertion is quadratic).
fn paste_into(input: &mut Input, text: &str) -> bool {
    let single_line: String = text
        .chars()
        .map(|c| {
            if c == '\n' || c == '\r' || c == '\t' {
                ' '
            } else {
                c
            }
        })
        .collect();
    let truncated = single_line.chars().count() > MAX_PASTE;
    let piece: String = single_line.chars().take(MAX_PASTE).collect();
    let cursor = input.cursor();
    let value = input.value();
    let split = value
        .char_indices()
        .nth(cursor)
        .map_or(value.len(), |(i, _)| i);
    let new_value = format!("{}{}{}", &value[..split], piece, &value[split..]);
    *input = Input::new(new_value).with_cursor(cursor + piece.chars().count());
    truncated
}

// ---------------------------------------------------------------- navigation

/// The step after `from` on the way to Review.
fn forward(model: &mut Model, from: Step) -> Vec<Effect> {
    let ga = model.uses_general_authorization();
    let material_ok = model.destination.as_ref().is_some_and(|d| {
        model
            .auth_material
            .as_ref()
            .is_some_and(|m| d.auth_materials.contains(m))
    });
    let next = if model.return_to_review {
        if from == Step::Destination && ga && !material_ok {
            Step::Auth
        } else {
            Step::Review
        }
    } else {
        match from {
            Step::Destination => Step::Details,
            Step::Details => Step::Tags,
            Step::Tags if ga => Step::Auth,
            Step::Tags | Step::Auth => Step::Review,
            other => other,
        }
    };
    go_to(model, next);
    Vec::new()
}

fn back(model: &mut Model, from: Step) -> Vec<Effect> {
    let previous = if model.return_to_review {
        Step::Review
    } else {
        match from {
            Step::Details => Step::Destination,
            Step::Tags => Step::Details,
            Step::Auth => Step::Tags,
            Step::Review if model.uses_general_authorization() => Step::Auth,
            Step::Review => Step::Tags,
            other => other,
        }
    };
    go_to(model, previous);
    Vec::new()
}

fn go_to(model: &mut Model, step: Step) {
    if step == Step::Review {
        model.return_to_review = false;
    }
    if step == Step::Auth
        && let Some(destination) = &model.destination
    {
        let current = model
            .auth_material
            .as_ref()
            .and_then(|m| destination.auth_materials.iter().position(|x| x == m));
        model.auth_cursor = current.unwrap_or(0);
    }
    model.step = step;
}

// ---------------------------------------------------------------- resume

fn resume_key(model: &mut Model, key: KeyEvent) -> Option<Vec<Effect>> {
    match (key.code, plain_char(&key)) {
        (KeyCode::Enter, _) | (_, Some('r')) => {
            let journal = model.opts.resume.take()?;
            Some(resume(model, journal))
        }
        (_, Some('d')) | (KeyCode::Delete, _) => {
            model.opts.resume = None;
            model.step = Step::Destination;
            model.flash = Some("Saved session discarded".into());
            Some(Vec::new())
        }
        _ => None,
    }
}

/// Back to where the journal left off: the same step with every field, a resend of an
/// unanswered create with the same token, or straight to the association's state.
pub fn resume(model: &mut Model, journal: crate::journal::Journal) -> Vec<Effect> {
    model.details.name = Input::new(journal.name);
    model.details.name_edited = true;
    model.details.description = Input::new(journal.description);
    model.tags.rows = journal
        .tags
        .into_iter()
        .map(|(key, value)| TagRow { key, value })
        .collect();
    model.auth_material = journal.auth_material;
    model.opts.token_seed = journal.token_seed;
    model.token_counter = journal.token_counter;
    model.destination = journal.destination;
    if let Some(id) = journal.association_id {
        model.association = Some(Tracked {
            id: id.clone(),
            arn: String::new(),
            name: model.details.name.value().to_string(),
            destination_id: model
                .destination
                .as_ref()
                .map(|d| d.id.clone())
                .unwrap_or_default(),
            state: AssociationState::InProgress,
            oauth_url: String::new(),
            error_message: None,
        });
        model.step = Step::Status;
        let Effect::SchedulePoll { generation, .. } = start_polling(model) else {
            unreachable!()
        };
        // Ask at once: the URL and the state come back from GetAccountAssociation.
        if let Some(polling) = model.polling.as_mut() {
            polling.in_flight = true;
            polling.last_poll = Some(model.now);
        }
        return vec![Effect::GetAssociation { generation, id }];
    }
    if let Some(request) = journal.unanswered {
        return send_create(model, request);
    }
    let step = match (journal.step, &model.destination) {
        (_, None) => Step::Destination,
        (crate::journal::SavedStep::Destination, _) => Step::Destination,
        (crate::journal::SavedStep::Details, _) => Step::Details,
        (crate::journal::SavedStep::Tags, _) => Step::Tags,
        (crate::journal::SavedStep::Auth, _) if model.uses_general_authorization() => Step::Auth,
        _ => Step::Review,
    };
    go_to(model, step);
    Vec::new()
}

// ---------------------------------------------------------------- step 1: destination

fn list_destinations(model: &mut Model, next_token: Option<String>) -> Effect {
    let generation = next_generation(model);
    model.destinations.generation = generation;
    Effect::ListDestinations {
        generation,
        next_token,
    }
}

fn haystack(model: &Model, d: &crate::service::DestinationSummary) -> String {
    let connector = model.connector_name(&d.cloud_connector_id).unwrap_or("");
    format!("{} {} {} {}", d.name, d.id, connector, d.description).to_lowercase()
}

fn rebuild_haystacks(model: &mut Model) {
    let haystacks = model
        .destinations
        .items
        .iter()
        .map(|d| haystack(model, d))
        .collect();
    model.destinations.haystacks = haystacks;
    refilter(model);
}

/// The list filter of every front end: each whitespace-separated term of `filter` must occur
/// in `haystack` (case-insensitively). `haystack` is already lower-case.
pub fn filter_matches(haystack: &str, filter: &str) -> bool {
    contains_all(haystack, &filter_terms(filter))
}

/// The filter's terms, lower-cased once (not once per item: 10,000 items per keystroke).
fn filter_terms(filter: &str) -> Vec<String> {
    filter.split_whitespace().map(str::to_lowercase).collect()
}

fn contains_all(haystack: &str, terms: &[String]) -> bool {
    terms.iter().all(|t| haystack.contains(t.as_str()))
}

/// The indices of the matching haystacks, and the cursor kept on the same item when it still
/// matches.
fn refilter_indices<'a>(
    filter: &str,
    haystacks: impl Iterator<Item = std::borrow::Cow<'a, str>>,
    matches: &mut Vec<usize>,
    cursor: &mut usize,
) {
    let highlighted = matches.get(*cursor).copied();
    let terms = filter_terms(filter);
    *matches = haystacks
        .enumerate()
        .filter(|(_, h)| contains_all(h, &terms))
        .map(|(i, _)| i)
        .collect();
    *cursor = highlighted
        .and_then(|h| matches.iter().position(|&m| m == h))
        .unwrap_or(0);
}

fn refilter(model: &mut Model) {
    let list = &mut model.destinations;
    let haystacks = list
        .haystacks
        .iter()
        .map(|h| std::borrow::Cow::Borrowed(h.as_str()));
    refilter_indices(
        list.filter.value(),
        haystacks,
        &mut list.matches,
        &mut list.cursor,
    );
}

fn on_destinations_page(
    model: &mut Model,
    generation: Generation,
    result: Result<
        crate::service::Page<crate::service::DestinationSummary>,
        crate::service::ServiceError,
    >,
) -> Vec<Effect> {
    if generation != model.destinations.generation {
        return Vec::new();
    }
    match result {
        Ok(page) => {
            let new: Vec<String> = page.items.iter().map(|d| haystack(model, d)).collect();
            model.destinations.items.extend(page.items);
            model.destinations.haystacks.extend(new);
            refilter(model);
            place_prefilled_destination(model);
            match page.next_token.filter(|t| !t.is_empty()) {
                Some(token) => {
                    model.destinations.load = Load::Loaded;
                    model.destinations.more = true;
                    vec![list_destinations(model, Some(token))]
                }
                None => {
                    model.destinations.load = Load::Loaded;
                    model.destinations.more = false;
                    Vec::new()
                }
            }
        }
        Err(error) => {
            model.destinations.more = false;
            if model.destinations.items.is_empty() {
                model.destinations.load = Load::Failed(error);
            } else {
                // Keep what arrived; say the list is incomplete.
                model.flash = Some(format!(
                    "Some destinations could not be listed: {}",
                    error.message
                ));
            }
            Vec::new()
        }
    }
}

fn place_prefilled_destination(model: &mut Model) {
    if model.destinations.prefill_placed || !model.destinations.filter.value().is_empty() {
        return;
    }
    let Some(wanted) = model.opts.prefill.destination.as_deref() else {
        return;
    };
    if let Some(index) = model.destinations.items.iter().position(|d| d.id == wanted)
        && let Some(pos) = model.destinations.matches.iter().position(|&m| m == index)
    {
        model.destinations.cursor = pos;
        model.destinations.prefill_placed = true;
    }
}

fn move_cursor(cursor: &mut usize, len: usize, delta: isize) {
    if len == 0 {
        *cursor = 0;
        return;
    }
    let target = (*cursor as isize + delta).clamp(0, len as isize - 1);
    *cursor = target as usize;
}

fn destination_key(model: &mut Model, key: KeyEvent) -> Option<Vec<Effect>> {
    let len = model.destinations.matches.len();
    if let Load::Failed(_) = model.destinations.load
        && (key.code == KeyCode::Enter || plain_char(&key) == Some('r'))
    {
        model.destinations.load = Load::Loading;
        return Some(vec![list_destinations(model, None)]);
    }
    let cursor = &mut model.destinations.cursor;
    match key.code {
        KeyCode::Up => move_cursor(cursor, len, -1),
        KeyCode::Down => move_cursor(cursor, len, 1),
        KeyCode::PageUp => move_cursor(cursor, len, -(PAGE as isize)),
        KeyCode::PageDown => move_cursor(cursor, len, PAGE as isize),
        _ if is_ctrl(&key, 'p') || is_ctrl(&key, 'k') => move_cursor(cursor, len, -1),
        _ if is_ctrl(&key, 'n') || is_ctrl(&key, 'j') => move_cursor(cursor, len, 1),
        KeyCode::Enter | KeyCode::Tab => return Some(choose_destination(model)),
        KeyCode::Esc if !model.destinations.filter.value().is_empty() => {
            model.destinations.filter = Input::default();
            refilter(model);
        }
        KeyCode::Esc | KeyCode::BackTab => {
            if model.return_to_review {
                return Some(back(model, Step::Destination));
            }
            model.flash = Some("This is the first step: Ctrl-C quits".into());
        }
        _ => {
            if edit_input(&mut model.destinations.filter, key) {
                refilter(model);
            }
        }
    }
    Some(Vec::new())
}

fn choose_destination(model: &mut Model) -> Vec<Effect> {
    let id = match model.highlighted_destination() {
        Some(d) => d.id.clone(),
        // A prefilled id not (yet) in the list is asked for directly.
        None => match (
            &model.opts.prefill.destination,
            model.destinations.filter.value().is_empty(),
        ) {
            (Some(id), true) => id.clone(),
            _ => {
                model.flash = Some("No destination selected".into());
                return Vec::new();
            }
        },
    };
    if matches!(&model.destinations.detail, DetailLoad::Loading { id: loading, .. } if *loading == id)
    {
        return Vec::new();
    }
    let generation = next_generation(model);
    model.destinations.detail = DetailLoad::Loading {
        id: id.clone(),
        generation,
    };
    vec![Effect::GetDestination { generation, id }]
}

fn on_destination_detail(
    model: &mut Model,
    generation: Generation,
    result: Result<crate::service::DestinationDetail, crate::service::ServiceError>,
) -> Vec<Effect> {
    let DetailLoad::Loading {
        id,
        generation: expected,
    } = &model.destinations.detail
    else {
        return Vec::new();
    };
    if *expected != generation || model.step != Step::Destination {
        return Vec::new();
    }
    let id = id.clone();
    match result {
        Ok(detail) => {
            model.destinations.detail = DetailLoad::Idle;
            if !model.details.name_edited {
                model.details.name = Input::new(validate::suggest_name(&detail.name));
            }
            if let Some(material) = &model.auth_material
                && !detail.auth_materials.contains(material)
            {
                model.auth_material = None;
            }
            if model.auth_material.is_none() && detail.auth_materials.len() == 1 {
                model.auth_material = detail.auth_materials.first().cloned();
            }
            model.destination = Some(detail);
            forward(model, Step::Destination)
        }
        Err(error) => {
            model.destinations.detail = DetailLoad::Failed { id, error };
            Vec::new()
        }
    }
}

// ---------------------------------------------------------------- step 2: details

pub fn details_errors(model: &Model) -> (Option<String>, Option<String>) {
    (
        validate::name_error(model.details.name.value()),
        validate::description_error(model.details.description.value()),
    )
}

fn details_key(model: &mut Model, key: KeyEvent) -> Option<Vec<Effect>> {
    let form = &mut model.details;
    match key.code {
        KeyCode::Enter => {
            let (name_error, description_error) = details_errors(model);
            if name_error.is_none() && description_error.is_none() {
                model.details.show_errors = false;
                return Some(forward(model, Step::Details));
            }
            model.details.show_errors = true;
            model.details.focus = if name_error.is_some() {
                DetailsField::Name
            } else {
                DetailsField::Description
            };
        }
        KeyCode::Tab | KeyCode::Down => match form.focus {
            DetailsField::Name => form.focus = DetailsField::Description,
            DetailsField::Description if key.code == KeyCode::Tab => {
                return Some(
                    details_key(model, KeyEvent::from(KeyCode::Enter)).unwrap_or_default(),
                );
            }
            DetailsField::Description => {}
        },
        KeyCode::BackTab | KeyCode::Up => match form.focus {
            DetailsField::Description => form.focus = DetailsField::Name,
            DetailsField::Name if key.code == KeyCode::BackTab => {
                return Some(back(model, Step::Details));
            }
            DetailsField::Name => {}
        },
        KeyCode::Esc => return Some(back(model, Step::Details)),
        _ => match form.focus {
            DetailsField::Name => {
                if edit_input(&mut form.name, key) {
                    form.name_edited = true;
                }
            }
            DetailsField::Description => {
                edit_input(&mut form.description, key);
            }
        },
    }
    Some(Vec::new())
}

// ---------------------------------------------------------------- step 3: tags

fn tags_key(model: &mut Model, key: KeyEvent) -> Option<Vec<Effect>> {
    if model.tags.edit.is_some() {
        tag_editor_key(model, key);
        return Some(Vec::new());
    }
    let tags = &mut model.tags;
    let len = tags.rows.len();
    match (key.code, plain_char(&key)) {
        (KeyCode::Up, _) | (_, Some('k')) => move_cursor(&mut tags.cursor, len, -1),
        (KeyCode::Down, _) | (_, Some('j')) => move_cursor(&mut tags.cursor, len, 1),
        (KeyCode::Insert, _) | (_, Some('a' | '+')) => {
            if len >= validate::MAX_TAGS {
                tags.message = Some(Notice::Error(format!(
                    "At most {} tags",
                    validate::MAX_TAGS
                )));
            } else {
                tags.message = None;
                tags.edit = Some(TagEdit {
                    index: None,
                    key: Input::default(),
                    value: Input::default(),
                    focus: TagField::Key,
                    error: None,
                });
            }
        }
        (KeyCode::F(2), _) | (_, Some('e')) if len > 0 => {
            let row = &tags.rows[tags.cursor.min(len - 1)];
            tags.edit = Some(TagEdit {
                index: Some(tags.cursor.min(len - 1)),
                key: Input::new(row.key.clone()),
                value: Input::new(row.value.clone()),
                focus: TagField::Value,
                error: None,
            });
            tags.message = None;
        }
        (KeyCode::Delete | KeyCode::Backspace, _) | (_, Some('d' | 'x')) if len > 0 => {
            let removed = tags.rows.remove(tags.cursor.min(len - 1));
            tags.message = Some(Notice::Info(format!("Deleted tag '{}'", removed.key)));
            move_cursor(&mut tags.cursor, tags.rows.len(), 0);
        }
        (KeyCode::Enter | KeyCode::Tab, _) => {
            let problems = validate::tags_errors(&model.tag_pairs());
            if let Some(problem) = problems.first() {
                model.tags.message = Some(Notice::Error(problem.clone()));
            } else {
                return Some(forward(model, Step::Tags));
            }
        }
        (KeyCode::Esc | KeyCode::BackTab, _) => return Some(back(model, Step::Tags)),
        _ => return None,
    }
    Some(Vec::new())
}

fn tag_editor_key(model: &mut Model, key: KeyEvent) {
    let Some(edit) = model.tags.edit.as_mut() else {
        return;
    };
    match key.code {
        KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down => {
            edit.focus = match edit.focus {
                TagField::Key => TagField::Value,
                TagField::Value => TagField::Key,
            };
        }
        KeyCode::Esc => model.tags.edit = None,
        KeyCode::Enter => save_tag_edit(model),
        _ => {
            let input = match edit.focus {
                TagField::Key => &mut edit.key,
                TagField::Value => &mut edit.value,
            };
            if edit_input(input, key) {
                edit.error = None;
            }
        }
    }
}

fn save_tag_edit(model: &mut Model) {
    let tags = &mut model.tags;
    let Some(edit) = tags.edit.as_mut() else {
        return;
    };
    let key = edit.key.value().trim().to_string();
    let value = edit.value.value().to_string();
    let duplicate = tags
        .rows
        .iter()
        .enumerate()
        .any(|(i, r)| r.key == key && Some(i) != edit.index);
    let error = validate::tag_key_error(&key)
        .or_else(|| validate::tag_value_error(&value))
        .or_else(|| duplicate.then(|| format!("tag key '{key}' is already used")));
    if let Some(error) = error {
        edit.error = Some(error);
        edit.focus = if validate::tag_key_error(&key).is_some() || duplicate {
            TagField::Key
        } else {
            TagField::Value
        };
        return;
    }
    let row = TagRow { key, value };
    match edit.index {
        Some(i) if i < tags.rows.len() => tags.rows[i] = row,
        _ => {
            tags.rows.push(row);
            tags.cursor = tags.rows.len() - 1;
        }
    }
    tags.edit = None;
}

/// Adds pasted pairs all at once, or none of them with the reason.
fn add_pasted_tags(model: &mut Model, text: &str) {
    let tags = &mut model.tags;
    let result = parse_pairs(text).and_then(|pairs| {
        let mut all = tags
            .rows
            .iter()
            .map(|r| (r.key.clone(), r.value.clone()))
            .collect::<Vec<_>>();
        all.extend(pairs.iter().cloned());
        match validate::tags_errors(&all).first() {
            Some(problem) => Err(problem.clone()),
            None => Ok(pairs),
        }
    });
    match result {
        Ok(pairs) => {
            let added = pairs.len();
            tags.rows
                .extend(pairs.into_iter().map(|(key, value)| TagRow { key, value }));
            tags.cursor = tags.rows.len() - 1;
            tags.edit = None;
            tags.message = Some(Notice::Info(format!(
                "Added {added} tag{}",
                if added == 1 { "" } else { "s" }
            )));
        }
        Err(problem) => tags.message = Some(Notice::Error(format!("Nothing added: {problem}"))),
    }
}

// ---------------------------------------------------------------- step 4: auth material

fn auth_key(model: &mut Model, key: KeyEvent) -> Option<Vec<Effect>> {
    let materials = model
        .destination
        .as_ref()
        .map(|d| d.auth_materials.clone())
        .unwrap_or_default();
    match (key.code, plain_char(&key)) {
        (KeyCode::Up, _) | (_, Some('k')) => {
            move_cursor(&mut model.auth_cursor, materials.len(), -1)
        }
        (KeyCode::Down, _) | (_, Some('j')) => {
            move_cursor(&mut model.auth_cursor, materials.len(), 1)
        }
        (KeyCode::Enter | KeyCode::Tab, _) => {
            if let Some(material) = materials.get(model.auth_cursor) {
                model.auth_material = Some(material.clone());
                return Some(forward(model, Step::Auth));
            }
        }
        (KeyCode::Esc | KeyCode::BackTab, _) => return Some(back(model, Step::Auth)),
        _ => return None,
    }
    Some(Vec::new())
}

// ---------------------------------------------------------------- step 5: review and submit

/// The request Enter would send: the draft's token, or the next one when the inputs differ
/// from the last request sent (reusing a token with other parameters is a ConflictException).
pub fn pending_request(model: &Model) -> Option<CreateRequest> {
    let mut request = model.request()?;
    let counter =
        super::token::counter_for(model.token_counter, model.last_sent.as_ref(), &request);
    request.client_token = super::token::client_token(&model.opts.token_seed, counter);
    Some(request)
}

pub fn review_command(model: &Model) -> Option<String> {
    pending_request(model).map(|r| super::command::aws_cli_command(&r, &model.target))
}

fn review_key(model: &mut Model, key: KeyEvent) -> Option<Vec<Effect>> {
    let rows = model.review_rows();
    match (key.code, plain_char(&key)) {
        (KeyCode::Up, _) | (_, Some('k')) => move_cursor(&mut model.review_cursor, rows.len(), -1),
        (KeyCode::Down | KeyCode::Tab, _) | (_, Some('j')) => {
            move_cursor(&mut model.review_cursor, rows.len(), 1)
        }
        (KeyCode::Right, _) | (_, Some('e')) => {
            if let Some(row) = rows.get(model.review_cursor) {
                model.return_to_review = true;
                model.details.focus = if *row == ReviewRow::Description {
                    DetailsField::Description
                } else {
                    DetailsField::Name
                };
                let step = row.step();
                go_to(model, step);
                model.return_to_review = true;
            }
        }
        (_, Some('c')) => {
            if let Some(command) = review_command(model) {
                model.flash = Some("Command copied to the clipboard (OSC 52)".into());
                return Some(vec![Effect::CopyToClipboard(command)]);
            }
        }
        (KeyCode::Enter, _) => return Some(submit(model)),
        (KeyCode::Esc | KeyCode::BackTab, _) => return Some(back(model, Step::Review)),
        _ => return None,
    }
    Some(Vec::new())
}

fn submit(model: &mut Model) -> Vec<Effect> {
    let Some(request) = pending_request(model) else {
        model.flash = Some("Pick a destination first".into());
        return Vec::new();
    };
    let errors = validate::request_errors(
        &request.destination_id,
        request.name.as_deref().unwrap_or(""),
        request.description.as_deref().unwrap_or(""),
        &request.tags,
        request.auth_material.as_deref(),
    );
    if let Some(error) = errors.first() {
        model.flash = Some(format!("Fix {}: {}", error.field, error.message));
        return Vec::new();
    }
    if model.uses_general_authorization() && request.auth_material.is_none() {
        model.flash = Some("Pick an auth material first".into());
        return Vec::new();
    }
    if request.client_token != model.client_token() {
        model.token_counter += 1;
    }
    send_create(model, request)
}

fn send_create(model: &mut Model, request: CreateRequest) -> Vec<Effect> {
    let generation = next_generation(model);
    model.submit = SubmitState::InFlight { generation };
    model.last_sent = Some(request.clone());
    model.step = Step::Submit;
    vec![Effect::CreateAssociation {
        generation,
        request,
    }]
}

fn submit_key(model: &mut Model, key: KeyEvent) -> Option<Vec<Effect>> {
    if !matches!(model.submit, SubmitState::Failed(_)) {
        return None;
    }
    match (key.code, plain_char(&key)) {
        // A retry resends the very same request, token included: never a second association.
        (KeyCode::Enter, _) | (_, Some('r')) => {
            let request = model.last_sent.clone()?;
            Some(send_create(model, request))
        }
        (KeyCode::Esc, _) | (_, Some('e')) => {
            model.submit = SubmitState::Idle;
            go_to(model, Step::Review);
            Some(Vec::new())
        }
        _ => None,
    }
}

fn on_created(
    model: &mut Model,
    generation: Generation,
    result: Result<crate::service::CreatedAssociation, crate::service::ServiceError>,
) -> Vec<Effect> {
    if model.submit != (SubmitState::InFlight { generation }) {
        return Vec::new();
    }
    match result {
        Ok(created) => {
            model.submit = SubmitState::Idle;
            let has_url = !created.oauth_url.is_empty();
            let sent = model.last_sent.as_ref();
            model.association = Some(Tracked {
                id: created.id,
                arn: created.arn,
                name: sent.and_then(|r| r.name.clone()).unwrap_or_default(),
                destination_id: sent.map(|r| r.destination_id.clone()).unwrap_or_default(),
                state: created.state,
                oauth_url: created.oauth_url,
                error_message: None,
            });
            after_association_known(model, has_url)
        }
        Err(error) => {
            model.submit = SubmitState::Failed(error);
            Vec::new()
        }
    }
}

/// The association exists (created or refreshed): start polling at once and, when there is
/// a URL, show it and try the browser.
fn after_association_known(model: &mut Model, has_url: bool) -> Vec<Effect> {
    let state = model.association.as_ref().map(|a| a.state.clone());
    if let Some(state) = state
        && state.is_final()
    {
        model.polling = None;
        return on_final_state(model);
    }
    let mut effects = vec![start_polling(model)];
    if has_url {
        model.step = Step::Authorize;
        model.show_qr = false;
        effects.extend(open_browser(model));
    } else {
        model.step = Step::Status;
    }
    effects
}

// ---------------------------------------------------------------- step 7: authorize

fn open_browser(model: &mut Model) -> Vec<Effect> {
    let Some(tracked) = &model.association else {
        return Vec::new();
    };
    let url = tracked.oauth_url.clone();
    if let Err(refusal) = check_url(&url, model.opts.endpoint_is_loopback) {
        model.browser = BrowserNote::Refused(refusal.to_string());
        return Vec::new();
    }
    match &model.opts.launch {
        LaunchDecision::Launch(launcher) => {
            model.browser = BrowserNote::Opening;
            vec![Effect::OpenBrowser {
                url,
                launcher: launcher.clone(),
            }]
        }
        LaunchDecision::Skip(reason) => {
            model.browser = BrowserNote::Skipped(*reason);
            Vec::new()
        }
    }
}

fn authorize_key(model: &mut Model, key: KeyEvent) -> Option<Vec<Effect>> {
    if let Some(effects) = timeout_question_key(model, key) {
        return Some(effects);
    }
    let url = model
        .association
        .as_ref()
        .map(|a| a.oauth_url.clone())
        .unwrap_or_default();
    match (key.code, plain_char(&key)) {
        (_, Some('o')) => Some(open_browser(model)),
        (_, Some('c')) => {
            model.flash =
                Some("URL copied to the clipboard (OSC 52); if nothing arrived, press u".into());
            Some(vec![Effect::CopyToClipboard(url)])
        }
        (_, Some('u')) => Some(vec![Effect::ShowUnwrapped(url)]),
        (_, Some('v')) => {
            model.show_qr = !model.show_qr;
            Some(Vec::new())
        }
        (KeyCode::Enter | KeyCode::Tab, _) => {
            model.step = Step::Status;
            Some(Vec::new())
        }
        (KeyCode::Esc | KeyCode::BackTab, _) => {
            model.flash = Some("The association exists: q leaves it in progress".into());
            Some(Vec::new())
        }
        _ => None,
    }
}

// ---------------------------------------------------------------- step 8: status

pub fn poll_interval(elapsed: Duration) -> Duration {
    if elapsed < POLL_BACKOFF_AFTER {
        POLL_FAST
    } else {
        POLL_SLOW
    }
}

fn start_polling(model: &mut Model) -> Effect {
    let generation = next_generation(model);
    model.polling = Some(Polling {
        generation,
        started: model.now,
        last_poll: None,
        in_flight: false,
        polls: 0,
        last_error: None,
        deadline: model.now + model.opts.wait_timeout,
        asking_timeout: false,
    });
    Effect::SchedulePoll {
        generation,
        after: POLL_FAST,
    }
}

fn on_poll_due(model: &mut Model, generation: Generation) -> Vec<Effect> {
    let now = model.now;
    let Some(id) = model.association.as_ref().map(|a| a.id.clone()) else {
        return Vec::new();
    };
    let Some(polling) = model.polling.as_mut() else {
        return Vec::new();
    };
    if polling.generation != generation || polling.in_flight {
        return Vec::new();
    }
    polling.in_flight = true;
    polling.last_poll = Some(now);
    vec![Effect::GetAssociation { generation, id }]
}

fn on_polled(
    model: &mut Model,
    generation: Generation,
    result: Result<crate::service::Association, crate::service::ServiceError>,
) -> Vec<Effect> {
    let now = model.now;
    let Some(polling) = model.polling.as_mut() else {
        return Vec::new();
    };
    if polling.generation != generation {
        return Vec::new();
    }
    polling.in_flight = false;
    polling.polls += 1;
    let mut slow_down = false;
    match result {
        Ok(association) => {
            polling.last_error = None;
            let mut url_arrived = false;
            if let Some(tracked) = model.association.as_mut() {
                tracked.state = association.state.clone();
                tracked.error_message = association.error_message.clone();
                if !association.arn.is_empty() {
                    tracked.arn = association.arn;
                }
                // After a resume the URL is only known from GetAccountAssociation.
                if tracked.oauth_url.is_empty() && !association.oauth_url.is_empty() {
                    tracked.oauth_url = association.oauth_url;
                    url_arrived = association.state == AssociationState::InProgress;
                }
            }
            if url_arrived && model.step == Step::Status {
                model.step = Step::Authorize;
                let opened = open_browser(model);
                let generation = model
                    .polling
                    .as_ref()
                    .map(|p| p.generation)
                    .unwrap_or(generation);
                let mut effects = opened;
                effects.push(Effect::SchedulePoll {
                    generation,
                    after: POLL_FAST,
                });
                return effects;
            }
            if association.state.is_final() {
                model.polling = None;
                return on_final_state(model);
            }
        }
        Err(error) => {
            slow_down = error.kind == ErrorKind::Throttled;
            polling.last_error = Some(error);
        }
    }
    let polling = model.polling.as_mut().expect("checked above");
    let interval = if slow_down {
        POLL_SLOW
    } else {
        poll_interval(now.saturating_duration_since(polling.started))
    };
    check_wait_deadline(model);
    vec![Effect::SchedulePoll {
        generation,
        after: interval,
    }]
}

fn check_wait_deadline(model: &mut Model) {
    let now = model.now;
    if let Some(polling) = model.polling.as_mut()
        && !polling.asking_timeout
        && now >= polling.deadline
    {
        polling.asking_timeout = true;
        if model.step == Step::Authorize {
            model.step = Step::Status;
        }
    }
}

/// Keep waiting (another full wait) or exit leaving the association in progress.
fn timeout_question_key(model: &mut Model, key: KeyEvent) -> Option<Vec<Effect>> {
    let now = model.now;
    let wait = model.opts.wait_timeout;
    let polling = model.polling.as_mut().filter(|p| p.asking_timeout)?;
    match plain_char(&key) {
        Some('w') => {
            polling.asking_timeout = false;
            polling.deadline = now + wait;
            Some(Vec::new())
        }
        Some('x') => Some(vec![Effect::Exit(Outcome {
            kind: OutcomeKind::LeftInProgress,
            summary: model.summary(),
        })]),
        _ => None,
    }
}

fn on_final_state(model: &mut Model) -> Vec<Effect> {
    let state = model.association.as_ref().map(|a| a.state.clone());
    model.step = match state {
        Some(AssociationState::RefreshTokenExpired) => Step::Status,
        _ => Step::Done,
    };
    Vec::new()
}

fn status_key(model: &mut Model, key: KeyEvent) -> Option<Vec<Effect>> {
    if let Some(effects) = timeout_question_key(model, key) {
        return Some(effects);
    }
    let expired = model
        .association
        .as_ref()
        .is_some_and(|a| a.state == AssociationState::RefreshTokenExpired);
    match plain_char(&key) {
        Some('r') if expired && !matches!(model.refresh, RefreshState::InFlight { .. }) => {
            let id = model.association.as_ref().map(|a| a.id.clone())?;
            let generation = next_generation(model);
            model.refresh = RefreshState::InFlight { generation };
            Some(vec![Effect::StartRefresh { generation, id }])
        }
        Some('a')
            if model
                .association
                .as_ref()
                .is_some_and(|a| !a.oauth_url.is_empty()) =>
        {
            model.step = Step::Authorize;
            Some(Vec::new())
        }
        _ => None,
    }
}

fn on_refreshed(
    model: &mut Model,
    generation: Generation,
    result: Result<String, crate::service::ServiceError>,
) -> Vec<Effect> {
    if model.refresh != (RefreshState::InFlight { generation }) {
        return Vec::new();
    }
    match result {
        Ok(url) => {
            model.refresh = RefreshState::Idle;
            let has_url = !url.is_empty();
            if let Some(tracked) = model.association.as_mut() {
                tracked.oauth_url = url;
                tracked.state = AssociationState::InProgress;
                tracked.error_message = None;
            }
            after_association_known(model, has_url)
        }
        Err(error) => {
            model.refresh = RefreshState::Failed(error);
            Vec::new()
        }
    }
}

// ---------------------------------------------------------------- step 9: done

fn done_key(model: &mut Model, key: KeyEvent) -> Option<Vec<Effect>> {
    match key.code {
        KeyCode::Enter | KeyCode::Esc => Some(exit(model, false)),
        _ => None,
    }
}

// ---------------------------------------------------------------- paste

fn on_paste(model: &mut Model, text: &str) -> Vec<Effect> {
    if model.overlay.is_some() {
        return Vec::new();
    }
    model.flash = None;
    let truncated = match model.step {
        Step::Destination => {
            let cut = paste_into(&mut model.destinations.filter, text);
            refilter(model);
            cut
        }
        Step::Details => match model.details.focus {
            DetailsField::Name => {
                model.details.name_edited = true;
                paste_into(&mut model.details.name, text)
            }
            DetailsField::Description => paste_into(&mut model.details.description, text),
        },
        Step::Tags => {
            let into_field = model.tags.edit.as_ref().is_some_and(|edit| {
                !(edit.focus == TagField::Key
                    && edit.key.value().is_empty()
                    && looks_like_pairs(text))
            });
            if into_field {
                let edit = model.tags.edit.as_mut().expect("checked");
                edit.error = None;
                match edit.focus {
                    TagField::Key => paste_into(&mut edit.key, text),
                    TagField::Value => paste_into(&mut edit.value, text),
                }
            } else {
                add_pasted_tags(model, text);
                false
            }
        }
        _ => false,
    };
    if truncated {
        model.flash = Some(format!("Paste cut to {MAX_PASTE} characters"));
    }
    Vec::new()
}

// ---------------------------------------------------------------- start and manage

fn start_key(model: &mut Model, key: KeyEvent) -> Option<Vec<Effect>> {
    match (key.code, plain_char(&key)) {
        (KeyCode::Up, _) | (_, Some('k')) => model.start_cursor = 0,
        (KeyCode::Down, _) | (_, Some('j')) => model.start_cursor = 1,
        (_, Some('c')) => {
            model.step = Step::Destination;
        }
        (_, Some('m')) => return Some(enter_manage(model)),
        (KeyCode::Enter | KeyCode::Tab, _) => {
            if model.start_cursor == 1 {
                return Some(enter_manage(model));
            }
            model.step = Step::Destination;
        }
        _ => return None,
    }
    Some(Vec::new())
}

fn enter_manage(model: &mut Model) -> Vec<Effect> {
    model.step = Step::Manage;
    model.manage = ManageView::default();
    vec![list_associations(model, None)]
}

fn list_associations(model: &mut Model, next_token: Option<String>) -> Effect {
    let generation = next_generation(model);
    model.manage.generation = generation;
    Effect::ListAssociations {
        generation,
        next_token,
    }
}

fn refilter_associations(model: &mut Model) {
    let view = &mut model.manage;
    let haystacks = view.items.iter().map(|a| {
        std::borrow::Cow::Owned(
            format!("{} {} {} {}", a.name, a.id, a.state, a.destination_id).to_lowercase(),
        )
    });
    refilter_indices(
        view.filter.value(),
        haystacks,
        &mut view.matches,
        &mut view.cursor,
    );
}

fn on_associations_page(
    model: &mut Model,
    generation: Generation,
    result: Result<
        crate::service::Page<crate::service::AssociationSummary>,
        crate::service::ServiceError,
    >,
) -> Vec<Effect> {
    if generation != model.manage.generation {
        return Vec::new();
    }
    match result {
        Ok(page) => {
            model.manage.items.extend(page.items);
            model.manage.load = Load::Loaded;
            refilter_associations(model);
            match page.next_token {
                Some(token) => {
                    model.manage.more = true;
                    vec![list_associations(model, Some(token))]
                }
                None => {
                    model.manage.more = false;
                    Vec::new()
                }
            }
        }
        Err(error) => {
            model.manage.more = false;
            model.manage.load = Load::Failed(error);
            Vec::new()
        }
    }
}

fn fetch_highlighted(model: &mut Model) -> Vec<Effect> {
    let Some(id) = model.manage.highlighted().map(|a| a.id.clone()) else {
        return Vec::new();
    };
    let generation = next_generation(model);
    model.manage.detail_generation = generation;
    vec![Effect::FetchAssociation { generation, id }]
}

fn manage_key(model: &mut Model, key: KeyEvent) -> Option<Vec<Effect>> {
    if let Some(confirm) = model.manage.confirm_delete.as_mut() {
        match key.code {
            KeyCode::Esc => {
                model.manage.confirm_delete = None;
                model.manage.message = Some(Notice::Info("Delete cancelled".into()));
            }
            KeyCode::Enter => {
                let typed = confirm.value().to_string();
                let target = model
                    .manage
                    .highlighted()
                    .map(|a| (a.id.clone(), confirmation_word(a)));
                match target {
                    Some((id, word)) if typed == word => {
                        let generation = next_generation(model);
                        model.manage.confirm_delete = None;
                        model.manage.delete_generation = Some(generation);
                        model.manage.message = Some(Notice::Info(format!("Deleting {word}…")));
                        return Some(vec![Effect::DeleteAssociation { generation, id }]);
                    }
                    _ => {
                        model.manage.message = Some(Notice::Error(
                            "That is not the name: type it exactly, or Esc to cancel".into(),
                        ))
                    }
                }
            }
            _ => {
                edit_input(confirm, key);
            }
        }
        return Some(Vec::new());
    }
    if model.manage.filter_focused {
        match key.code {
            KeyCode::Enter | KeyCode::Esc | KeyCode::Down | KeyCode::Tab => {
                model.manage.filter_focused = false
            }
            _ => {
                if edit_input(&mut model.manage.filter, key) {
                    refilter_associations(model);
                }
            }
        }
        return Some(Vec::new());
    }
    let len = model.manage.matches.len();
    let before = model.manage.highlighted().map(|a| a.id.clone());
    let state = model.manage.highlighted().map(|a| a.state.clone());
    let effects = match (key.code, plain_char(&key)) {
        (KeyCode::Up, _) | (_, Some('k')) => {
            move_cursor(&mut model.manage.cursor, len, -1);
            Vec::new()
        }
        (KeyCode::Down, _) | (_, Some('j')) => {
            move_cursor(&mut model.manage.cursor, len, 1);
            Vec::new()
        }
        (KeyCode::PageUp, _) => {
            move_cursor(&mut model.manage.cursor, len, -(PAGE as isize));
            Vec::new()
        }
        (KeyCode::PageDown, _) => {
            move_cursor(&mut model.manage.cursor, len, PAGE as isize);
            Vec::new()
        }
        (_, Some('/')) => {
            model.manage.filter_focused = true;
            Vec::new()
        }
        (_, Some('g')) => enter_manage(model),
        (KeyCode::Enter, _) | (_, Some('v')) => fetch_highlighted(model),
        (_, Some('a')) if state == Some(AssociationState::InProgress) => {
            model.manage.pending = Some(ManageAction::Authorize);
            fetch_highlighted(model)
        }
        (_, Some('r')) if state == Some(AssociationState::RefreshTokenExpired) => {
            refresh_highlighted(model)
        }
        (_, Some('n')) if state == Some(AssociationState::Failed) => {
            model.manage.pending = Some(ManageAction::RetryAsNew);
            fetch_highlighted(model)
        }
        (_, Some('d')) | (KeyCode::Delete, _) if len > 0 => {
            let word = model
                .manage
                .highlighted()
                .map(confirmation_word)
                .unwrap_or_default();
            model.manage.confirm_delete = Some(Input::default());
            model.manage.message = Some(Notice::Info(format!(
                "Type {word:?} and Enter to delete it (Esc cancels)"
            )));
            Vec::new()
        }
        (KeyCode::Esc, _) if !model.manage.filter.value().is_empty() => {
            model.manage.filter = Input::default();
            refilter_associations(model);
            Vec::new()
        }
        (KeyCode::Esc | KeyCode::BackTab, _) if model.opts.first == FirstScreen::Start => {
            model.step = Step::Start;
            Vec::new()
        }
        _ => return None,
    };
    if model.manage.highlighted().map(|a| a.id.clone()) != before {
        model.manage.detail = None;
        model.manage.pending = None;
    }
    Some(effects)
}

/// What a delete must be confirmed with: the name, or the id of an unnamed association.
pub fn confirmation_word(association: &crate::service::AssociationSummary) -> String {
    if association.name.is_empty() {
        association.id.clone()
    } else {
        association.name.clone()
    }
}

fn adopt(model: &mut Model, association: &crate::service::Association) {
    model.association = Some(Tracked {
        id: association.id.clone(),
        arn: association.arn.clone(),
        name: association.name.clone(),
        destination_id: association.destination_id.clone(),
        state: association.state.clone(),
        oauth_url: association.oauth_url.clone(),
        error_message: association.error_message.clone(),
    });
    model.details.name = Input::new(association.name.clone());
}

fn refresh_highlighted(model: &mut Model) -> Vec<Effect> {
    let Some(summary) = model.manage.highlighted().cloned() else {
        return Vec::new();
    };
    let association = crate::service::Association {
        id: summary.id.clone(),
        arn: summary.arn,
        state: summary.state,
        error_message: summary.error_message,
        name: summary.name,
        description: summary.description,
        destination_id: summary.destination_id,
        oauth_url: String::new(),
        tags: Default::default(),
        auth_material: None,
    };
    adopt(model, &association);
    let generation = next_generation(model);
    model.refresh = RefreshState::InFlight { generation };
    model.step = Step::Status;
    vec![Effect::StartRefresh {
        generation,
        id: summary.id,
    }]
}

fn on_association_detail(
    model: &mut Model,
    generation: Generation,
    result: Result<crate::service::Association, crate::service::ServiceError>,
) -> Vec<Effect> {
    if generation != model.manage.detail_generation || model.step != Step::Manage {
        return Vec::new();
    }
    let association = match result {
        Ok(association) => association,
        Err(error) => {
            model.manage.pending = None;
            model.manage.message = Some(Notice::Error(format!(
                "{}: {}",
                error.title(),
                error.message
            )));
            return Vec::new();
        }
    };
    model.manage.detail = Some(association.clone());
    match model.manage.pending.take() {
        Some(ManageAction::Authorize) => {
            adopt(model, &association);
            let has_url = !association.oauth_url.is_empty();
            after_association_known(model, has_url)
        }
        Some(ManageAction::RetryAsNew) => retry_as_new(model, association),
        None => Vec::new(),
    }
}

/// A failed association's inputs become a new draft: the destination is fetched again (its
/// auth settings may have changed) and the wizard goes on from there.
fn retry_as_new(model: &mut Model, failed: crate::service::Association) -> Vec<Effect> {
    model.details.name = Input::new(failed.name);
    model.details.name_edited = true;
    model.details.description = Input::new(failed.description);
    model.tags.rows = failed
        .tags
        .into_iter()
        .map(|(key, value)| TagRow { key, value })
        .collect();
    model.auth_material = failed.auth_material;
    model.association = None;
    model.last_sent = None;
    model.opts.prefill.destination = Some(failed.destination_id.clone());
    model.destinations.prefill_placed = false;
    model.step = Step::Destination;
    place_prefilled_destination(model);
    let generation = next_generation(model);
    model.destinations.detail = DetailLoad::Loading {
        id: failed.destination_id.clone(),
        generation,
    };
    vec![Effect::GetDestination {
        generation,
        id: failed.destination_id,
    }]
}

fn on_deleted(
    model: &mut Model,
    generation: Generation,
    result: Result<(), crate::service::ServiceError>,
) -> Vec<Effect> {
    if model.manage.delete_generation != Some(generation) {
        return Vec::new();
    }
    model.manage.delete_generation = None;
    match result {
        Ok(()) => {
            let effects = enter_manage(model);
            model.manage.message = Some(Notice::Info(
                "Deleted: it passes through ASSOCIATION_DELETING, then is gone".into(),
            ));
            effects
        }
        Err(error) if error.kind == ErrorKind::Conflict => {
            model.manage.message = Some(Notice::Error(
                "Managed things are still registered to it: deregister them first, then delete again".into(),
            ));
            Vec::new()
        }
        Err(error) => {
            model.manage.message = Some(Notice::Error(format!(
                "{}: {}",
                error.title(),
                error.message
            )));
            Vec::new()
        }
    }
}
