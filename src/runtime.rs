//! The one runtime of every front end: it carries out the flow's effects — service calls,
//! timers, the browser launcher and the journal — and reports back as flow events. Each call
//! runs in a task of its own, so a front end never waits on the network.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::mpsc;

use crate::journal::{JournalKey, JournalLock, JournalStore};
use crate::logging::logged;
use iotmi_core::flow::{Effect, Event, Outcome};
use iotmi_core::journal::{HeldJournal, Journal};
use iotmi_core::service::{AssociationService, Page, ServiceError, ServiceFuture};

/// The journal of one profile + region + endpoint, held under its exclusive lock for the run.
pub struct JournalSink {
    pub store: JournalStore,
    pub key: JournalKey,
    /// Released when the sink is dropped (or the process dies).
    _lock: JournalLock,
    failed: bool,
}

/// A journal opened for a run: held under its lock, with what it held (offered to resume),
/// or not held (another live process has it, or it was unreadable) with why.
pub struct Opened {
    pub sink: Option<JournalSink>,
    pub resume: Option<Journal>,
    /// Not held: what the live process that holds it has in it (read, never written).
    pub held: Option<HeldJournal>,
    pub notice: Option<String>,
}

impl JournalSink {
    /// Locks the journal of `key` and reads it. A journal another live process holds is
    /// neither resumed nor written: this run keeps its draft apart and says who holds it.
    pub fn open(store: JournalStore, key: JournalKey) -> Opened {
        match store.lock(&key) {
            Ok(lock) => {
                let (resume, notice) = match store.load(&key) {
                    Ok(found) => (found, None),
                    Err(unreadable) => {
                        let moved = match unreadable.moved_to {
                            Some(p) => format!(" It was moved to {}.", p.display()),
                            None => " It was left as it is.".to_owned(),
                        };
                        (
                            None,
                            Some(format!(
                                "The saved session could not be read ({}).{moved} Starting fresh.",
                                unreadable.reason
                            )),
                        )
                    }
                };
                Opened {
                    sink: Some(JournalSink::new(store, key, lock)),
                    resume,
                    held: None,
                    notice,
                }
            }
            Err(error) => {
                tracing::warn!(%error, "journal locked");
                let held = match &error {
                    crate::journal::LockError::Held { pid } => store
                        .peek(&key)
                        .map(|journal| HeldJournal { pid: *pid, journal }),
                    crate::journal::LockError::Io(_) => None,
                };
                Opened {
                    sink: None,
                    resume: None,
                    held,
                    notice: Some(format!(
                        "{error}: its saved session is left alone and this draft is not saved."
                    )),
                }
            }
        }
    }

    pub fn new(store: JournalStore, key: JournalKey, lock: JournalLock) -> Self {
        Self {
            store,
            key,
            _lock: lock,
            failed: false,
        }
    }

    /// Writes (or removes) the journal; the error message the first time writing fails.
    fn write(&mut self, journal: Option<&Journal>) -> Option<String> {
        let result = match journal {
            Some(journal) => self.store.save(&self.key, journal),
            None => self.store.clear(&self.key),
        };
        first_failure(&mut self.failed, result)
    }
}

/// The error of a journal write to say, the first time one fails (later ones are not repeated).
fn first_failure(failed: &mut bool, result: std::io::Result<()>) -> Option<String> {
    match result {
        Ok(()) => None,
        Err(error) if !*failed => {
            *failed = true;
            tracing::warn!(%error, "journal not written");
            Some(error.to_string())
        }
        Err(_) => None,
    }
}

/// Builds the service of a profile in a region.
pub type ServiceFor = Box<dyn Fn(&str, &str) -> Arc<dyn AssociationService> + Send>;

/// How to switch to the profile picked on the Start screen: its service, and where its
/// journal lives.
pub struct Reconnect {
    pub service: ServiceFor,
    pub journals: Option<JournalStore>,
    pub endpoint: String,
}

/// A batch file's journal, held under its lock for the run.
pub struct BatchSink {
    pub store: JournalStore,
    pub key: JournalKey,
    _lock: JournalLock,
    failed: bool,
}

impl BatchSink {
    pub fn new(store: JournalStore, key: JournalKey, lock: JournalLock) -> Self {
        Self {
            store,
            key,
            _lock: lock,
            failed: false,
        }
    }

    /// The error message the first time writing fails.
    fn write(&mut self, journal: &iotmi_core::journal::BatchJournal) -> Option<String> {
        first_failure(&mut self.failed, self.store.save_batch(&self.key, journal))
    }
}

pub struct Runtime {
    service: Arc<dyn AssociationService>,
    journal: Option<JournalSink>,
    batch_journal: Option<BatchSink>,
    reconnect: Option<Reconnect>,
    tx: mpsc::UnboundedSender<Event>,
    rx: mpsc::UnboundedReceiver<Event>,
}

impl Runtime {
    /// `journal` None runs without one (demo, scripted commands, tests).
    pub fn new(service: Arc<dyn AssociationService>, journal: Option<JournalSink>) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Self {
            service,
            journal,
            batch_journal: None,
            reconnect: None,
            tx,
            rx,
        }
    }

    /// A runtime that writes a batch file's journal.
    pub fn with_batch_journal(mut self, sink: BatchSink) -> Self {
        self.batch_journal = Some(sink);
        self
    }

    /// A runtime that can switch to the profile the Start screen's picker answers.
    pub fn with_reconnect(mut self, reconnect: Reconnect) -> Self {
        self.reconnect = Some(reconnect);
        self
    }

    /// Calls go as `profile` in `region` from now on; that profile's journal is locked and
    /// read, and the choice remembered for next time.
    fn use_profile(&mut self, profile: String, region: String) {
        let Some(reconnect) = &self.reconnect else {
            return;
        };
        let service = (reconnect.service)(&profile, &region);
        let (journals, endpoint) = (reconnect.journals.clone(), reconnect.endpoint.clone());
        self.service = service;
        let opened = match journals {
            Some(store) => {
                let choice = iotmi_core::profile::LastChoice {
                    profile: profile.clone(),
                    region: region.clone(),
                };
                if let Err(error) = crate::profiles::save_last(store.dir(), &choice) {
                    tracing::warn!(%error, "the profile choice was not remembered");
                }
                let key = JournalKey {
                    profile,
                    region,
                    endpoint,
                };
                JournalSink::open(store, key)
            }
            None => Opened {
                sink: None,
                resume: None,
                held: None,
                notice: None,
            },
        };
        // The previous lock goes with the previous sink.
        self.journal = opened.sink;
        let _ = self.tx.send(Event::ProfileReady {
            resume: opened.resume.map(Box::new),
            held: opened.held.map(Box::new),
            notice: opened.notice,
            journaled: self.journal.is_some(),
        });
    }

    /// The next report of a call, timer or launcher.
    pub async fn next_event(&mut self) -> Option<Event> {
        self.rx.recv().await
    }

    /// Starts every effect in order; the outcome when one of them is `Exit` (the rest are not
    /// run).
    pub fn run(&mut self, effects: Vec<Effect>) -> Option<Outcome> {
        for effect in effects {
            if let Some(outcome) = self.start(effect) {
                return Some(outcome);
            }
        }
        None
    }

    fn start(&mut self, effect: Effect) -> Option<Outcome> {
        tracing::info!(effect = effect.name(), "start");
        let service = &self.service;
        let tx = &self.tx;
        match effect {
            Effect::LoadAccount => call(
                tx,
                "GetCallerIdentity",
                service.caller_identity(),
                Event::Identity,
            ),
            Effect::LoadRegion => {
                let region = service.region();
                send_later(tx, async move { Event::Region(region.await.ok()) });
            }
            Effect::LoadConnectors => call(
                tx,
                "ListCloudConnectors",
                service.list_cloud_connectors(),
                Event::Connectors,
            ),
            Effect::ListDestinations {
                generation,
                next_token,
            } => call(
                tx,
                "ListConnectorDestinations",
                service.list_destinations(next_token),
                move |result| Event::DestinationsPage { generation, result },
            ),
            Effect::GetDestination { generation, id } => call(
                tx,
                "GetConnectorDestination",
                service.get_destination(id),
                move |result| Event::DestinationDetail { generation, result },
            ),
            Effect::CreateAssociation {
                generation,
                request,
            } => call(
                tx,
                "CreateAccountAssociation",
                service.create_association(request),
                move |result| Event::Created { generation, result },
            ),
            Effect::CreateRow { row, request } => call(
                tx,
                "CreateAccountAssociation",
                service.create_association(request),
                move |result| Event::RowCreated { row, result },
            ),
            Effect::PollRow { row, id } => call(
                tx,
                "GetAccountAssociation",
                service.get_association(id),
                move |result| Event::RowPolled { row, result },
            ),
            Effect::PersistBatch(journal) => {
                if let Some(error) = self
                    .batch_journal
                    .as_mut()
                    .and_then(|sink| sink.write(&journal))
                {
                    let _ = self.tx.send(Event::JournalFailed(error));
                }
            }
            Effect::SchedulePoll { generation, after } => send_later(tx, async move {
                tokio::time::sleep(after).await;
                Event::PollDue { generation }
            }),
            Effect::GetAssociation { generation, id } => call(
                tx,
                "GetAccountAssociation",
                service.get_association(id),
                move |result| Event::Polled { generation, result },
            ),
            Effect::StartRefresh { generation, id } => call(
                tx,
                "StartAccountAssociationRefresh",
                service.start_refresh(id),
                move |result| Event::Refreshed { generation, result },
            ),
            Effect::ListAssociations {
                generation,
                next_token,
            } => call(
                tx,
                "ListAccountAssociations",
                service.list_associations(next_token),
                move |result| Event::AssociationsPage { generation, result },
            ),
            Effect::FetchAssociation { generation, id } => call(
                tx,
                "GetAccountAssociation",
                service.get_association(id),
                move |result| Event::AssociationDetail { generation, result },
            ),
            Effect::DeleteAssociation { generation, id } => call(
                tx,
                "DeleteAccountAssociation",
                service.delete_association(id),
                move |result| Event::Deleted { generation, result },
            ),
            Effect::ListRegisteredThings {
                generation,
                association_id,
            } => call(
                tx,
                "ListManagedThingAccountAssociations",
                service.registered_things(association_id),
                move |result| Event::RegisteredThings { generation, result },
            ),
            Effect::DeregisterThing {
                generation,
                thing_id,
                association_id,
            } => call(
                tx,
                "DeregisterAccountAssociation",
                service.deregister_thing(thing_id.clone(), association_id),
                move |result| Event::ThingDeregistered {
                    generation,
                    thing_id,
                    result,
                },
            ),
            Effect::CheckDeleted { generation, id } => call(
                tx,
                "GetAccountAssociation",
                service.get_association(id),
                move |result| Event::DeleteChecked { generation, result },
            ),
            Effect::StartDiscovery {
                generation,
                association_id,
                client_token,
            } => call(
                tx,
                "StartDeviceDiscovery",
                service.start_discovery(association_id, client_token),
                move |result| Event::DiscoveryStarted { generation, result },
            ),
            Effect::Wake { generation, after } => send_later(tx, async move {
                tokio::time::sleep(after).await;
                Event::Woke { generation }
            }),
            Effect::GetDiscovery { generation, id } => call(
                tx,
                "GetDeviceDiscovery",
                service.get_discovery(id),
                move |result| Event::DiscoveryPolled { generation, result },
            ),
            Effect::ListDiscoveredDevices {
                generation,
                id,
                next_token,
            } => call(
                tx,
                "ListDiscoveredDevices",
                service.list_discovered_devices(id, next_token),
                move |result| Event::DevicesPage { generation, result },
            ),
            Effect::AdoptDevice {
                generation,
                request,
            } => {
                let device_id = request.device.connector_device_id.clone();
                call(
                    tx,
                    "CreateManagedThing+RegisterAccountAssociation",
                    service.adopt_device(request),
                    move |result| Event::Adopted {
                        generation,
                        device_id,
                        result,
                    },
                )
            }
            Effect::CountThings { generation } => call(
                tx,
                "ListManagedThingAccountAssociations",
                service.managed_thing_counts(),
                move |result| Event::ThingCounts { generation, result },
            ),
            Effect::WriteReport {
                generation,
                associations,
            } => {
                let service = service.clone();
                send_later(tx, async move {
                    let result = crate::report::write_to_new_file(service, associations).await;
                    if let Err(why) = &result {
                        tracing::warn!(%why, "the report was not written");
                    }
                    Event::ReportWritten { generation, result }
                })
            }
            Effect::OpenBrowser { url, launcher } => send_later(tx, async move {
                let result = tokio::task::spawn_blocking(move || {
                    let parsed = url::Url::parse(&url).map_err(|e| e.to_string())?;
                    crate::remote::launch(&parsed, &launcher)
                        .map_err(|e| crate::remote::launch_failure(&e, &launcher))
                })
                .await
                .unwrap_or_else(|e| Err(e.to_string()));
                Event::BrowserLaunched(result)
            }),
            // Written before the effects after it start: a kill during the call finds the
            // request journaled.
            Effect::Persist(journal) => {
                if let Some(error) = self
                    .journal
                    .as_mut()
                    .and_then(|sink| sink.write(journal.as_ref()))
                {
                    let _ = self.tx.send(Event::JournalFailed(error));
                }
            }
            Effect::ActAsOwner {
                generation,
                action,
                url,
                association_id,
            } => send_later(tx, async move {
                let result = crate::account_owner::act(action, &url, &association_id).await;
                if let Err(why) = &result {
                    tracing::warn!(?action, %why, "the demo's account owner could not act");
                }
                Event::OwnerActed {
                    generation,
                    action,
                    result,
                }
            }),
            Effect::UseProfile { profile, region } => self.use_profile(profile, region),
            Effect::Exit(outcome) => return Some(outcome),
            // The front end's own (bell, desktop notification).
            Effect::Notify { .. } => {}
        }
        None
    }
}

/// The commands' calls that are not the flow's (every page of a list, a delete, the things
/// of an association): the same service and the same log lines as the effects' calls.
pub struct ServiceCalls {
    service: Arc<dyn AssociationService>,
}

impl ServiceCalls {
    pub fn new(service: Arc<dyn AssociationService>) -> Self {
        Self { service }
    }

    /// One call, logged as the runtime logs every call (kind and request id only).
    pub async fn call<T>(
        &self,
        name: &'static str,
        call: impl FnOnce(&dyn AssociationService) -> ServiceFuture<T>,
    ) -> Result<T, ServiceError> {
        logged(name, call(self.service.as_ref()).await)
    }

    /// Every page of a list, each page's call logged.
    pub async fn all_pages<T>(
        &self,
        name: &'static str,
        mut page: impl FnMut(&dyn AssociationService, Option<String>) -> ServiceFuture<Page<T>>,
    ) -> Result<Vec<T>, ServiceError> {
        let mut items = Vec::new();
        let mut token = None;
        loop {
            let Page {
                items: got,
                next_token,
            } = self.call(name, |service| page(service, token)).await?;
            items.extend(got);
            match next_token {
                Some(next) if !next.is_empty() => token = Some(next),
                _ => return Ok(items),
            }
        }
    }
}

/// Sends what `future` yields back, from a task of its own. A send fails only when the front
/// end has ended; the result is then moot.
fn send_later(
    tx: &mpsc::UnboundedSender<Event>,
    future: impl Future<Output = Event> + Send + 'static,
) {
    let tx = tx.clone();
    tokio::spawn(async move {
        let _ = tx.send(future.await);
    });
}

/// One service call: logged (kind and request id only), its result wrapped as the event the
/// flow expects.
fn call<T: Send + 'static>(
    tx: &mpsc::UnboundedSender<Event>,
    name: &'static str,
    future: ServiceFuture<T>,
    wrap: impl FnOnce(Result<T, ServiceError>) -> Event + Send + 'static,
) {
    send_later(tx, async move { wrap(logged(name, future.await)) });
}
