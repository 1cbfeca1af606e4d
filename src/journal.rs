//! The per-user journal: the draft, its ClientToken and, once created, the association id,
//! written on every change so a dropped SSH session or a kill loses nothing and never leads to
//! a second association. One file per profile + region + endpoint under the XDG state dir,
//! written atomically (temp file + rename), mode 0600: tag values and URLs are user data.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::service::{CreateRequest, DestinationDetail};

pub const VERSION: u32 = 1;

/// The step a draft was on, as saved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SavedStep {
    Destination,
    Details,
    Tags,
    Auth,
    Review,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    pub version: u32,
    /// Seconds since the epoch; set when written.
    pub saved_at: u64,
    pub step: SavedStep,
    /// What GetConnectorDestination said, so a resume needs no call before the saved step.
    pub destination: Option<DestinationDetail>,
    pub name: String,
    pub description: String,
    pub tags: Vec<(String, String)>,
    pub auth_material: Option<String>,
    pub token_seed: String,
    pub token_counter: u32,
    /// The request sent and not (known to be) answered: resent as is on resume, so the service
    /// returns the association it may already have created.
    pub unanswered: Option<CreateRequest>,
    pub association_id: Option<String>,
}

/// Which journal: one per profile, region and endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalKey {
    pub profile: String,
    pub region: String,
    pub endpoint: String,
}

impl JournalKey {
    /// `ops-eu-west-1-1a2b3c4d5e6f7a8b.json`: readable, and distinct for distinct keys.
    pub fn file_name(&self) -> String {
        let readable: String = format!("{}-{}", self.profile, self.region)
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .take(60)
            .collect();
        let identity = format!("{}\n{}\n{}", self.profile, self.region, self.endpoint);
        format!("{readable}-{:016x}.json", fnv1a(identity.as_bytes()))
    }
}

/// FNV-1a: stable across runs and versions (std's hasher is not).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A journal that could not be read; it was moved aside so the next run starts clean.
#[derive(Debug)]
pub struct Unreadable {
    pub reason: String,
    pub moved_to: Option<PathBuf>,
}

#[derive(Clone, Debug)]
pub struct JournalStore {
    dir: PathBuf,
}

impl JournalStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// `$XDG_STATE_HOME/iotmi-onboard`, else `~/.local/state/iotmi-onboard`.
    pub fn default_dir() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_STATE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| {
                std::env::var_os("HOME")
                    .filter(|v| !v.is_empty())
                    .map(|h| Path::new(&h).join(".local/state"))
            })?;
        Some(base.join("iotmi-onboard"))
    }

    pub fn path(&self, key: &JournalKey) -> PathBuf {
        self.dir.join(key.file_name())
    }

    /// `Ok(None)` when there is none; a corrupt one is renamed `….corrupt-<secs>` and reported.
    pub fn load(&self, key: &JournalKey) -> Result<Option<Journal>, Unreadable> {
        let path = self.path(key);
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(error) => {
                return Err(
                    self.set_aside(&path, format!("cannot read {}: {error}", path.display()))
                );
            }
        };
        match serde_json::from_str::<Journal>(&text) {
            Ok(journal) if journal.version == VERSION => Ok(Some(journal)),
            Ok(journal) => Err(self.set_aside(
                &path,
                format!("unknown journal version {}", journal.version),
            )),
            Err(error) => Err(self.set_aside(&path, format!("not a valid journal: {error}"))),
        }
    }

    fn set_aside(&self, path: &Path, reason: String) -> Unreadable {
        let target = path.with_extension(format!("json.corrupt-{}", now_secs()));
        let moved_to = fs::rename(path, &target).ok().map(|()| target);
        Unreadable { reason, moved_to }
    }

    /// Atomic: a crash mid-write leaves the previous journal, never half a file.
    pub fn save(&self, key: &JournalKey, journal: &Journal) -> io::Result<()> {
        fs::create_dir_all(&self.dir)?;
        fs::set_permissions(&self.dir, fs::Permissions::from_mode(0o700))?;
        let path = self.path(key);
        let temp = path.with_extension(format!("json.tmp-{}", std::process::id()));
        let mut journal = journal.clone();
        journal.saved_at = now_secs();
        let bytes = serde_json::to_vec_pretty(&journal).map_err(io::Error::other)?;
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&temp)?;
        // An existing temp file keeps its old mode through open(): force it.
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
        file.write_all(&bytes)?;
        file.sync_all()?;
        fs::rename(&temp, &path)
    }

    pub fn clear(&self, key: &JournalKey) -> io::Result<()> {
        match fs::remove_file(self.path(key)) {
            Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> JournalKey {
        JournalKey {
            profile: "ops".into(),
            region: "eu-west-1".into(),
            endpoint: String::new(),
        }
    }

    pub(crate) fn journal() -> Journal {
        Journal {
            version: VERSION,
            saved_at: 0,
            step: SavedStep::Tags,
            destination: None,
            name: "n".into(),
            description: String::new(),
            tags: vec![("secret-tag".into(), "secret-value".into())],
            auth_material: None,
            token_seed: "seed".into(),
            token_counter: 0,
            unanswered: None,
            association_id: None,
        }
    }

    #[test]
    fn saves_atomically_with_private_modes_and_loads_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = JournalStore::new(dir.path().join("state"));
        store.save(&key(), &journal()).unwrap();
        let path = store.path(&key());
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            fs::metadata(dir.path().join("state"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o700
        );
        let loaded = store.load(&key()).unwrap().unwrap();
        assert_eq!(loaded.tags, journal().tags);
        assert!(loaded.saved_at > 0);
        // No temp file left behind.
        assert_eq!(fs::read_dir(dir.path().join("state")).unwrap().count(), 1);
        store.clear(&key()).unwrap();
        assert!(store.load(&key()).unwrap().is_none());
        store.clear(&key()).unwrap();
    }

    #[test]
    fn corrupt_journal_is_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let store = JournalStore::new(dir.path());
        fs::write(store.path(&key()), "{ not json").unwrap();
        let unreadable = store.load(&key()).unwrap_err();
        assert!(unreadable.reason.contains("not a valid journal"));
        let moved = unreadable.moved_to.unwrap();
        assert!(moved.exists());
        assert!(
            store.load(&key()).unwrap().is_none(),
            "the next run starts clean"
        );
    }

    #[test]
    fn keys_name_distinct_files() {
        let a = key();
        let b = JournalKey {
            endpoint: "http://127.0.0.1:4567".into(),
            ..key()
        };
        let c = JournalKey {
            profile: "../../etc".into(),
            ..key()
        };
        assert_ne!(a.file_name(), b.file_name());
        assert!(a.file_name().starts_with("ops-eu-west-1-"));
        assert!(!c.file_name().contains('/'));
        assert_eq!(a.file_name(), key().file_name(), "stable");
    }
}
