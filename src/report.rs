//! Gathering the report of `iotmi-onboard report` and of Manage's `w` (one code for both):
//! the destination and connector names (one listing each), then for each association
//! GetAccountAssociation (state, error, tags) and ListManagedThingAccountAssociations (its
//! managed things), a few associations at a time, at a rate that adapts to the service
//! ([`AdaptiveRate`]): a throttled call waits out the backoff and is asked again, so throttling
//! slows a report down but never fails it. Rows and rendering are the core's
//! ([`iotmi_core::report`]).

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use futures::StreamExt;

use crate::files::{OpenError, open_regular};
use crate::logging::logged;
use iotmi_core::flow::ReportFile;
use iotmi_core::rate::AdaptiveRate;
use iotmi_core::report::{Names, ReportFormat, ReportRow, render};
use iotmi_core::service::{
    AssociationService, AssociationSummary, ErrorKind, Page, ServiceError, ServiceFuture,
};

/// Associations looked up at a time (`--concurrency`'s default, and Manage's).
pub const DEFAULT_CONCURRENCY: usize = 4;
/// A call that failed in passing (a server error, a timeout) is asked this many times in all;
/// a throttled one as often as it takes, each after the backoff.
const TRANSIENT_ATTEMPTS: u32 = 3;

/// How a gathering went besides its rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    /// Service calls made (each page of a listing is one; a throttled call asked again is two).
    pub calls: u64,
    pub throttles: u64,
    /// Associations listed that were gone when looked up (deleted meanwhile): not reported.
    pub vanished: usize,
    /// Calls per second at the end.
    pub rate: f64,
}

/// What the progress display is told after each association.
pub struct Progress<'a> {
    pub done: usize,
    pub total: usize,
    pub rate: &'a AdaptiveRate,
}

/// The service, its pace and a count of calls, shared by the calls in flight.
pub struct Gatherer {
    service: Arc<dyn AssociationService>,
    rate: Mutex<AdaptiveRate>,
    calls: AtomicU64,
}

impl Gatherer {
    pub fn new(service: Arc<dyn AssociationService>) -> Self {
        Self {
            service,
            rate: Mutex::new(AdaptiveRate::default()),
            calls: AtomicU64::new(0),
        }
    }

    fn rate(&self) -> std::sync::MutexGuard<'_, AdaptiveRate> {
        self.rate.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// One call at the adaptive rate: started in its slot, asked again after the backoff when
    /// throttled, and up to [`TRANSIENT_ATTEMPTS`] times in all when it failed in passing.
    async fn paced<T>(
        &self,
        name: &'static str,
        call: impl Fn(&dyn AssociationService) -> ServiceFuture<T>,
    ) -> Result<T, ServiceError> {
        let mut transient_failures = 0;
        loop {
            let slot = self.rate().reserve(Instant::now());
            tokio::time::sleep_until(slot.into()).await;
            self.calls.fetch_add(1, Ordering::Relaxed);
            match logged(name, call(self.service.as_ref()).await) {
                Ok(value) => {
                    self.rate().on_success();
                    return Ok(value);
                }
                Err(error) if error.kind == ErrorKind::Throttled => {
                    self.rate().on_throttled(Instant::now());
                }
                Err(error)
                    if iotmi_core::flow::retry::can_improve(&error)
                        && transient_failures + 1 < TRANSIENT_ATTEMPTS =>
                {
                    transient_failures += 1;
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// Every page of a listing, each page a paced call.
    async fn all_pages<T>(
        &self,
        name: &'static str,
        page: impl Fn(&dyn AssociationService, Option<String>) -> ServiceFuture<Page<T>>,
    ) -> Result<Vec<T>, ServiceError> {
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let got = self
                .paced(name, |service| page(service, token.clone()))
                .await?;
            items.extend(got.items);
            match got.next_token {
                Some(next) if !next.is_empty() => token = Some(next),
                _ => return Ok(items),
            }
        }
    }

    /// Every association of the account (ListAccountAssociations, all pages).
    pub async fn associations(&self) -> Result<Vec<AssociationSummary>, ServiceError> {
        self.all_pages("ListAccountAssociations", |service, token| {
            service.list_associations(token)
        })
        .await
    }

    /// The rows of `associations`, in their order, `concurrency` associations at a time.
    pub async fn rows(
        &self,
        associations: &[AssociationSummary],
        concurrency: usize,
        mut progress: impl FnMut(Progress<'_>),
    ) -> Result<(Vec<ReportRow>, Stats), ServiceError> {
        let destinations = self
            .all_pages("ListConnectorDestinations", |service, token| {
                service.list_destinations(token)
            })
            .await?;
        let connectors = self
            .paced("ListCloudConnectors", |service| {
                service.list_cloud_connectors()
            })
            .await?;
        let names = Names::new(destinations, connectors);
        let total = associations.len();
        // By index: a closure over `&AssociationSummary` items is not `Send` enough for the
        // runtime's spawned task (rustc's higher-ranked closure inference).
        let names = &names;
        let mut looked_up = futures::stream::iter(0..total)
            .map(|i| self.row(&associations[i], names))
            .buffered(concurrency.max(1));
        let mut rows = Vec::with_capacity(total);
        let (mut done, mut vanished) = (0, 0);
        while let Some(row) = looked_up.next().await {
            match row? {
                Some(row) => rows.push(row),
                None => vanished += 1,
            }
            done += 1;
            progress(Progress {
                done,
                total,
                rate: &self.rate(),
            });
        }
        let rate = self.rate();
        let stats = Stats {
            calls: self.calls.load(Ordering::Relaxed),
            throttles: rate.throttles(),
            vanished,
            rate: rate.rate(),
        };
        Ok((rows, stats))
    }

    /// One association's row; None when it is gone (deleted since it was listed).
    async fn row(
        &self,
        listed: &AssociationSummary,
        names: &Names,
    ) -> Result<Option<ReportRow>, ServiceError> {
        let id = listed.id.clone();
        let gone = |error: ServiceError| match error.kind {
            ErrorKind::NotFound => Ok(None),
            _ => Err(error),
        };
        let detail = match self
            .paced("GetAccountAssociation", |service| {
                service.get_association(id.clone())
            })
            .await
        {
            Ok(detail) => detail,
            Err(error) => return gone(error),
        };
        let things = match self
            .paced("ListManagedThingAccountAssociations", |service| {
                service.registered_things(id.clone())
            })
            .await
        {
            Ok(things) => things,
            Err(error) => return gone(error),
        };
        Ok(Some(ReportRow::new(listed, &detail, things, names)))
    }
}

/// Manage's `w`: the report of `associations` as CSV in a new file of the current directory.
pub async fn write_to_new_file(
    service: Arc<dyn AssociationService>,
    associations: Vec<AssociationSummary>,
) -> Result<ReportFile, String> {
    let gatherer = Gatherer::new(service);
    let (rows, _) = gatherer
        .rows(&associations, DEFAULT_CONCURRENCY, |_: Progress<'_>| {})
        .await
        .map_err(|error| error.to_string())?;
    let text = render(&rows, ReportFormat::Csv);
    let dir = std::env::current_dir().map_err(|e| format!("no current directory: {e}"))?;
    let path = write_new(&dir, &default_stem(std::time::SystemTime::now()), &text)?;
    Ok(ReportFile {
        path: iotmi_core::text::sanitize(&path.display().to_string()).into_owned(),
        rows: rows.len(),
    })
}

/// `iotmi-report-20250102T030405Z`: UTC, so names sort in the order they were written.
pub fn default_stem(at: std::time::SystemTime) -> String {
    let seconds = at
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let stamp = aws_smithy_types::DateTime::from_secs(seconds as i64)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_default()
        .replace(['-', ':'], "");
    format!("iotmi-report-{stamp}")
}

/// Writes `text` to `STEM.csv` in `dir`, or `STEM-2.csv`… when that name is taken: a new
/// regular file (0600), never an existing file and never through a symbolic link.
pub fn write_new(dir: &Path, stem: &str, text: &str) -> Result<PathBuf, String> {
    for n in 1..=100 {
        let name = match n {
            1 => format!("{stem}.csv"),
            n => format!("{stem}-{n}.csv"),
        };
        let path = dir.join(name);
        let opened = open_regular(
            &path,
            OpenOptions::new().write(true).create_new(true).mode(0o600),
        );
        let mut file = match opened {
            Ok(file) => file,
            // Taken (by a file, a link or anything else): the next name.
            Err(OpenError::NotRegular(_)) => continue,
            Err(OpenError::Io(e)) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(error) => return Err(format!("{} {error}", path.display())),
        };
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| format!("{}: {e}", path.display()))?;
        return Ok(path);
    }
    Err(format!(
        "{stem}.csv and the next 99 names are taken in {}",
        dir.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::sync::atomic::AtomicUsize;

    use iotmi_core::service::{
        Association, AssociationState, CloudConnector, DestinationSummary, ThingLink,
    };

    /// Throttles every other GetAccountAssociation; one association is gone.
    struct Throttling {
        gets: AtomicUsize,
    }

    fn summary(id: &str) -> AssociationSummary {
        AssociationSummary {
            id: id.into(),
            arn: format!("arn:{id}"),
            state: AssociationState::Succeeded,
            error_message: None,
            name: format!("name {id}"),
            description: String::new(),
            destination_id: "dest-1".into(),
        }
    }

    impl AssociationService for Throttling {
        fn list_destinations(&self, _: Option<String>) -> ServiceFuture<Page<DestinationSummary>> {
            Box::pin(async {
                Ok(Page {
                    items: vec![DestinationSummary {
                        id: "dest-1".into(),
                        name: "Acme Home".into(),
                        description: String::new(),
                        cloud_connector_id: "cc-1".into(),
                    }],
                    next_token: None,
                })
            })
        }
        fn list_cloud_connectors(&self) -> ServiceFuture<Vec<CloudConnector>> {
            Box::pin(async {
                Ok(vec![CloudConnector {
                    id: "cc-1".into(),
                    name: "Acme Cloud".into(),
                }])
            })
        }
        fn get_destination(
            &self,
            _: String,
        ) -> ServiceFuture<iotmi_core::service::DestinationDetail> {
            unimplemented!()
        }
        fn create_association(
            &self,
            _: iotmi_core::service::CreateRequest,
        ) -> ServiceFuture<iotmi_core::service::CreatedAssociation> {
            unimplemented!()
        }
        fn get_association(&self, id: String) -> ServiceFuture<Association> {
            let n = self.gets.fetch_add(1, Ordering::SeqCst);
            Box::pin(async move {
                if n.is_multiple_of(2) {
                    return Err(ServiceError::new(ErrorKind::Throttled, "slow down"));
                }
                if id == "aa-gone" {
                    return Err(ServiceError::new(ErrorKind::NotFound, "gone"));
                }
                Ok(Association {
                    arn: format!("arn:{id}"),
                    state: AssociationState::Succeeded,
                    error_message: None,
                    name: format!("name {id}"),
                    description: String::new(),
                    destination_id: "dest-1".into(),
                    oauth_url: String::new(),
                    tags: [("env".to_string(), "prod".to_string())].into(),
                    auth_material: None,
                    id,
                })
            })
        }
        fn start_refresh(&self, _: String) -> ServiceFuture<String> {
            unimplemented!()
        }
        fn caller_identity(&self) -> ServiceFuture<iotmi_core::service::CallerIdentity> {
            unimplemented!()
        }
        fn region(&self) -> ServiceFuture<String> {
            unimplemented!()
        }
        fn list_associations(&self, _: Option<String>) -> ServiceFuture<Page<AssociationSummary>> {
            unimplemented!()
        }
        fn delete_association(&self, _: String) -> ServiceFuture<()> {
            unimplemented!()
        }
        fn registered_things(&self, id: String) -> ServiceFuture<Vec<ThingLink>> {
            Box::pin(async move {
                Ok(vec![ThingLink {
                    managed_thing_id: format!("mt-{id}"),
                    associated: true,
                }])
            })
        }
    }

    #[tokio::test(start_paused = true)]
    async fn throttled_calls_are_asked_again_after_the_backoff_and_the_report_completes() {
        let gatherer = Gatherer::new(Arc::new(Throttling {
            gets: AtomicUsize::new(0),
        }));
        let listed: Vec<AssociationSummary> =
            ["aa-1", "aa-gone", "aa-2", "aa-3"].map(summary).into();
        let mut seen = Vec::new();
        let (rows, stats) = gatherer
            .rows(&listed, 2, |p| seen.push((p.done, p.total)))
            .await
            .expect("throttling never fails a report");
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            ids,
            ["aa-1", "aa-2", "aa-3"],
            "in list order, the gone one left out"
        );
        assert_eq!(stats.vanished, 1);
        assert_eq!(stats.throttles, 4, "{stats:?}");
        // 2 listings + 4 gets throttled once each + 4 gets + 3 thing listings.
        assert_eq!(stats.calls, 13, "{stats:?}");
        assert_eq!(rows[0].connector_name.as_deref(), Some("Acme Cloud"));
        assert_eq!(rows[0].things[0].managed_thing_id, "mt-aa-1");
        assert_eq!(seen.last(), Some(&(4, 4)));
    }

    #[test]
    fn a_new_file_each_time_0600_never_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let stem = default_stem(std::time::UNIX_EPOCH + std::time::Duration::from_secs(86_400));
        assert_eq!(stem, "iotmi-report-19700102T000000Z");
        let first = write_new(dir.path(), &stem, "a\n").unwrap();
        let second = write_new(dir.path(), &stem, "b\n").unwrap();
        assert_eq!(
            first.file_name().unwrap(),
            "iotmi-report-19700102T000000Z.csv"
        );
        assert_eq!(
            second.file_name().unwrap(),
            "iotmi-report-19700102T000000Z-2.csv"
        );
        assert_eq!(std::fs::read_to_string(&first).unwrap(), "a\n");
        let mode = std::fs::metadata(&second).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        // A link where the next name would be: skipped, its target untouched.
        let target = dir.path().join("target");
        std::fs::write(&target, "keep").unwrap();
        std::os::unix::fs::symlink(&target, dir.path().join(format!("{stem}-3.csv"))).unwrap();
        let third = write_new(dir.path(), &stem, "c\n").unwrap();
        assert_eq!(
            third.file_name().unwrap(),
            "iotmi-report-19700102T000000Z-4.csv"
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
    }
}
