//! The one loop that owns the terminal: it turns terminal events, effect results, timers and
//! signals into messages, feeds them to `update`, runs the effects it returns and redraws.
//! It never awaits the network itself: every call runs in a task that reports back.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, KeyEventKind};
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::terminal::Host;
use super::theme::Theme;
use super::view::view;
use crate::journal::{Journal, JournalKey, JournalStore};
use crate::service::{AssociationService, ServiceError, ServiceFuture, logged};
use crate::wizard::update::init;
use crate::wizard::{Effect, Model, Msg, Outcome, OutcomeKind, update};

/// Where the journal goes, and what was last written (to write only on change).
pub struct JournalSink {
    pub store: JournalStore,
    pub key: JournalKey,
    last: Option<Journal>,
    failed: bool,
}

impl JournalSink {
    pub fn new(store: JournalStore, key: JournalKey, existing: Option<Journal>) -> Self {
        Self {
            store,
            key,
            last: existing,
            failed: false,
        }
    }

    /// Writes the model's snapshot if it changed (or removes the journal when there is
    /// nothing left to resume). Returns an error message the first time writing fails.
    fn persist(&mut self, model: &Model) -> Option<String> {
        let snapshot = model.snapshot();
        let unchanged = match (&snapshot, &self.last) {
            (Some(now), Some(last)) => {
                Journal {
                    saved_at: 0,
                    ..now.clone()
                } == Journal {
                    saved_at: 0,
                    ..last.clone()
                }
            }
            (None, None) => true,
            _ => false,
        };
        if unchanged {
            return None;
        }
        let result = match &snapshot {
            Some(journal) => self.store.save(&self.key, journal),
            None => self.store.clear(&self.key),
        };
        self.last = snapshot;
        match result {
            Ok(()) => None,
            Err(error) if !self.failed => {
                self.failed = true;
                tracing::warn!(%error, "journal not written");
                Some(error.to_string())
            }
            Err(_) => None,
        }
    }
}

/// Spinner frame rate while something animates; nothing ticks on a static screen.
const TICK: Duration = Duration::from_millis(100);

/// What the loop works with besides the terminal and the model.
pub struct Session {
    pub service: Arc<dyn AssociationService>,
    pub theme: Theme,
    /// `None` runs without a journal (demo, tests).
    pub journal: Option<JournalSink>,
}

pub async fn run<B, E, S>(
    terminal: &mut Terminal<B>,
    host: &mut dyn Host,
    model: &mut Model,
    session: Session,
    mut events: E,
    stop: S,
) -> io::Result<Outcome>
where
    B: Backend,
    B::Error: std::error::Error + Send + Sync + 'static,
    E: Stream<Item = io::Result<Event>> + Unpin,
    S: Future<Output = OutcomeKind>,
{
    let Session {
        service,
        theme,
        mut journal,
    } = session;
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let mut suspended = false;
    tokio::pin!(stop);
    for effect in init(model) {
        if let Some(outcome) = run_effect(effect, &service, &tx, host, &mut suspended) {
            return Ok(outcome);
        }
    }
    draw(terminal, model, &theme)?;
    // Debug builds only: lets the tests prove the terminal is restored after a panic.
    #[cfg(debug_assertions)]
    if std::env::var_os("IOTMI_ONBOARD_TEST_PANIC").is_some() {
        panic!("panic requested by IOTMI_ONBOARD_TEST_PANIC");
    }
    let mut next_tick = Instant::now() + TICK;
    loop {
        let animating = model.animating();
        let msg = tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => {
                    if suspended {
                        // The key that ends the unwrapped view is not an input.
                        suspended = false;
                        host.resume();
                        terminal.clear().map_err(io::Error::other)?;
                        draw(terminal, model, &theme)?;
                        continue;
                    }
                    Msg::Key(key)
                }
                Some(Ok(Event::Paste(text))) if !suspended => Msg::Paste(text),
                Some(Ok(Event::Resize(w, h))) => Msg::Resize(w, h),
                Some(Ok(_)) => continue,
                Some(Err(error)) => return Err(error),
                // The terminal went away (hang-up): leave as if signalled.
                None => return Ok(Outcome { kind: OutcomeKind::Signalled(1), summary: model.summary() }),
            },
            Some(msg) = rx.recv() => msg,
            _ = tokio::time::sleep_until(next_tick), if animating => {
                next_tick = Instant::now() + TICK;
                Msg::Tick
            }
            kind = &mut stop => return Ok(Outcome { kind, summary: model.summary() }),
        };
        if !animating {
            next_tick = Instant::now() + TICK;
        }
        let effects = update(model, msg, Instant::now());
        // Saved before the effects run: a kill during the call finds the request journaled.
        if let Some(error) = journal.as_mut().and_then(|sink| sink.persist(model)) {
            let _ = tx.send(Msg::JournalFailed(error));
        }
        for effect in effects {
            if let Some(outcome) = run_effect(effect, &service, &tx, host, &mut suspended) {
                return Ok(outcome);
            }
        }
        if !suspended {
            draw(terminal, model, &theme)?;
        }
    }
}

fn draw<B>(terminal: &mut Terminal<B>, model: &Model, theme: &Theme) -> io::Result<()>
where
    B: Backend,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    terminal
        .draw(|frame| view(model, frame, theme))
        .map_err(io::Error::other)?;
    Ok(())
}

/// The effect's kind, for the log: never its payload (tag values, URLs).
fn effect_name(effect: &Effect) -> &'static str {
    match effect {
        Effect::LoadAccount => "LoadAccount",
        Effect::LoadRegion => "LoadRegion",
        Effect::LoadConnectors => "LoadConnectors",
        Effect::ListDestinations { .. } => "ListDestinations",
        Effect::GetDestination { .. } => "GetDestination",
        Effect::CreateAssociation { .. } => "CreateAssociation",
        Effect::SchedulePoll { .. } => "SchedulePoll",
        Effect::GetAssociation { .. } => "GetAssociation",
        Effect::StartRefresh { .. } => "StartRefresh",
        Effect::ListAssociations { .. } => "ListAssociations",
        Effect::FetchAssociation { .. } => "FetchAssociation",
        Effect::DeleteAssociation { .. } => "DeleteAssociation",
        Effect::OpenBrowser { .. } => "OpenBrowser",
        Effect::CopyToClipboard(_) => "CopyToClipboard",
        Effect::ShowUnwrapped(_) => "ShowUnwrapped",
        Effect::Exit(_) => "Exit",
    }
}

/// Sends what `future` yields to the loop, from a task of its own. A send fails only when the
/// loop has ended; the result is then moot.
fn send_later(tx: &mpsc::UnboundedSender<Msg>, future: impl Future<Output = Msg> + Send + 'static) {
    let tx = tx.clone();
    tokio::spawn(async move {
        let _ = tx.send(future.await);
    });
}

/// One service call in the background: logged (kind and request id only), its result
/// wrapped as the message `update` expects.
fn call<T: Send + 'static>(
    tx: &mpsc::UnboundedSender<Msg>,
    name: &'static str,
    future: ServiceFuture<T>,
    wrap: impl FnOnce(Result<T, ServiceError>) -> Msg + Send + 'static,
) {
    send_later(tx, async move { wrap(logged(name, future.await)) });
}

/// Starts one effect. Returns the outcome when it is `Exit`.
fn run_effect(
    effect: Effect,
    service: &Arc<dyn AssociationService>,
    tx: &mpsc::UnboundedSender<Msg>,
    host: &mut dyn Host,
    suspended: &mut bool,
) -> Option<Outcome> {
    tracing::info!(effect = effect_name(&effect), "start");
    match effect {
        Effect::LoadAccount => call(
            tx,
            "GetCallerIdentity",
            service.caller_account(),
            Msg::Account,
        ),
        Effect::LoadRegion => {
            let region = service.region();
            send_later(tx, async move { Msg::Region(region.await.ok()) });
        }
        Effect::LoadConnectors => call(
            tx,
            "ListCloudConnectors",
            service.list_cloud_connectors(),
            Msg::Connectors,
        ),
        Effect::ListDestinations {
            generation,
            next_token,
        } => call(
            tx,
            "ListConnectorDestinations",
            service.list_destinations(next_token),
            move |result| Msg::DestinationsPage { generation, result },
        ),
        Effect::GetDestination { generation, id } => call(
            tx,
            "GetConnectorDestination",
            service.get_destination(id),
            move |result| Msg::DestinationDetail { generation, result },
        ),
        Effect::CreateAssociation {
            generation,
            request,
        } => call(
            tx,
            "CreateAccountAssociation",
            service.create_association(request),
            move |result| Msg::Created { generation, result },
        ),
        Effect::SchedulePoll { generation, after } => send_later(tx, async move {
            tokio::time::sleep(after).await;
            Msg::PollDue { generation }
        }),
        Effect::GetAssociation { generation, id } => call(
            tx,
            "GetAccountAssociation",
            service.get_association(id),
            move |result| Msg::Polled { generation, result },
        ),
        Effect::StartRefresh { generation, id } => call(
            tx,
            "StartAccountAssociationRefresh",
            service.start_refresh(id),
            move |result| Msg::Refreshed { generation, result },
        ),
        Effect::ListAssociations {
            generation,
            next_token,
        } => call(
            tx,
            "ListAccountAssociations",
            service.list_associations(next_token),
            move |result| Msg::AssociationsPage { generation, result },
        ),
        Effect::FetchAssociation { generation, id } => call(
            tx,
            "GetAccountAssociation",
            service.get_association(id),
            move |result| Msg::AssociationDetail { generation, result },
        ),
        Effect::DeleteAssociation { generation, id } => call(
            tx,
            "DeleteAccountAssociation",
            service.delete_association(id),
            move |result| Msg::Deleted { generation, result },
        ),
        Effect::OpenBrowser { url, launcher } => {
            send_later(tx, async move {
                let result = tokio::task::spawn_blocking(move || {
                    let parsed = url::Url::parse(&url).map_err(|e| e.to_string())?;
                    crate::remote::launch(&parsed, &launcher).map_err(|e| e.to_string())
                })
                .await
                .unwrap_or_else(|e| Err(e.to_string()));
                Msg::BrowserLaunched(result)
            });
        }
        Effect::CopyToClipboard(text) => host.copy(&text),
        Effect::ShowUnwrapped(text) => {
            host.show_unwrapped(&text);
            *suspended = true;
        }
        Effect::Exit(outcome) => return Some(outcome),
    }
    None
}
