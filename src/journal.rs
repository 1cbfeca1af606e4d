//! The per-user journal: the draft, its ClientToken and, once created, the association id,
//! written on every change so a dropped SSH session or a kill loses nothing and never leads to
//! a second association. One file per profile + region + endpoint under the XDG state dir,
//! written atomically (temp file + rename), mode 0600: tag values and URLs are user data.
//!
//! Two processes on one journal would each resend its unanswered request and overwrite each
//! other's saves; [`JournalStore::lock`] takes an exclusive OS lock (`flock`) on a sibling
//! `….json.lock` file, which the kernel releases when the holder exits, crashes or is killed.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Read, Write};
use std::os::unix::fs::{FileExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::files::{OpenError, open_regular};
use iotmi_core::journal::{BatchJournal, HeldJournal, Journal, VERSION};

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

impl JournalKey {
    /// The journal of a batch file run as this key's profile, region and endpoint: one per
    /// file (by its absolute path), so a rerun of the file finds its seed and what it made.
    pub fn for_batch(&self, file: &Path) -> JournalKey {
        JournalKey {
            profile: format!("batch-{}", self.profile),
            region: self.region.clone(),
            endpoint: format!("{}\nbatch {}", self.endpoint, file.display()),
        }
    }

    /// Where the seed of every batch run as this key's profile, region and endpoint is kept:
    /// one per account, so a row (its destination and name) has one ClientToken whichever
    /// file it is in, and a moved or renamed file is not a new batch.
    pub fn batch_seed(&self) -> JournalKey {
        JournalKey {
            profile: format!("batch-seed-{}", self.profile),
            region: self.region.clone(),
            endpoint: format!("{}\nbatch seed", self.endpoint),
        }
    }
}

/// FNV-1a: stable across runs and versions (std's hasher is not).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The most a journal may hold: a full draft (50 tags, the longest description) is under
/// 40 KiB. Anything bigger was not written by us, and is not read into memory.
pub const MAX_BYTES: u64 = 1024 * 1024;

/// The most a batch journal may hold. It grows by about 90 bytes per row made (a ClientToken
/// and an association id), so the wizard's bound would be passed at about 12,000 rows: the
/// journal would then be set aside, and a rerun's new seed would make every row a second
/// time. This covers the largest batch file read (`batches::MAX_FILE_BYTES`, ~200,000 rows).
pub const MAX_BATCH_BYTES: u64 = 32 * 1024 * 1024;

/// A journal that could not be read; it was moved aside so the next run starts clean (or,
/// when it is not a regular file at all, left alone: `moved_to` is `None`).
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

    /// The directory of the journals (and of other per-user state, such as the last profile).
    pub fn dir(&self) -> &Path {
        &self.dir
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

    /// The state directory as it is, refused when its last component is a symbolic link (the
    /// journal would be read and written wherever it points) or not a directory.
    fn check_dir(&self) -> Result<(), String> {
        let shown = self.dir.display();
        match fs::symlink_metadata(&self.dir) {
            Ok(meta) if meta.file_type().is_symlink() => Err(format!(
                "the state directory {shown} is a symbolic link; refusing to follow it"
            )),
            Ok(meta) if !meta.is_dir() => {
                Err(format!("the state directory {shown} is not a directory"))
            }
            _ => Ok(()),
        }
    }

    /// Creates the state directory if needed and makes it private (0700) through a handle
    /// opened without following a link: a chmod by path would change the mode of whatever a
    /// link there points to (a home directory, `/tmp`).
    fn private_dir(&self) -> io::Result<()> {
        fs::create_dir_all(&self.dir)?;
        self.check_dir().map_err(io::Error::other)?;
        // O_NOFOLLOW again: a link swapped in after the check is not followed either.
        let dir = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_DIRECTORY)
            .open(&self.dir)?;
        if dir.metadata()?.permissions().mode() & 0o777 != 0o700 {
            dir.set_permissions(fs::Permissions::from_mode(0o700))?;
        }
        Ok(())
    }

    pub fn path(&self, key: &JournalKey) -> PathBuf {
        self.dir.join(key.file_name())
    }

    /// `Ok(None)` when there is none; a corrupt one is renamed `….corrupt-<secs>` and reported.
    /// Read as a file someone may have tampered with: at most [`MAX_BYTES`], only a regular
    /// file, never through a symbolic link (something else is reported and left alone), and
    /// every string made safe for the terminal ([`Journal::sanitized`]).
    pub fn load(&self, key: &JournalKey) -> Result<Option<Journal>, Unreadable> {
        self.read(key).map_err(|refused| match refused {
            Refused::LeaveAlone(reason) => Unreadable {
                reason,
                moved_to: None,
            },
            Refused::SetAside(reason) => self.set_aside(&self.path(key), reason),
        })
    }

    /// The journal as [`Self::load`] reads it, but never moved aside: for reading the journal
    /// another process holds (it is that process's to keep or replace). `None` when there is
    /// none or it cannot be read.
    pub fn peek(&self, key: &JournalKey) -> Option<Journal> {
        self.read(key).ok().flatten()
    }

    fn read(&self, key: &JournalKey) -> Result<Option<Journal>, Refused> {
        let Some(bytes) = self.read_bytes(&self.path(key), MAX_BYTES)? else {
            return Ok(None);
        };
        match serde_json::from_slice::<Journal>(&bytes) {
            Ok(journal) if journal.version == VERSION => Ok(Some(journal.sanitized())),
            Ok(journal) => Err(Refused::SetAside(format!(
                "unknown journal version {}",
                journal.version
            ))),
            Err(error) => Err(Refused::SetAside(format!("not a valid journal: {error}"))),
        }
    }

    /// A journal file's bytes, read as a file someone may have tampered with (see [`Self::load`]).
    fn read_bytes(&self, path: &Path, most: u64) -> Result<Option<Vec<u8>>, Refused> {
        self.check_dir().map_err(Refused::LeaveAlone)?;
        let file = match open_regular(path, OpenOptions::new().read(true)) {
            Ok(file) => file,
            Err(OpenError::NotFound) => return Ok(None),
            Err(odd @ OpenError::NotRegular(_)) => {
                return Err(Refused::LeaveAlone(format!("{} {odd}", path.display())));
            }
            Err(error) => return Err(Refused::SetAside(format!("{} {error}", path.display()))),
        };
        // One byte more than allowed tells an oversized file from one of exactly the bound.
        let mut bytes = Vec::new();
        if let Err(error) = file.take(most + 1).read_to_end(&mut bytes) {
            return Err(Refused::SetAside(format!(
                "cannot read {}: {error}",
                path.display()
            )));
        }
        if bytes.len() as u64 > most {
            return Err(Refused::SetAside(format!(
                "larger than {} KiB: not a journal",
                most / 1024
            )));
        }
        Ok(Some(bytes))
    }

    /// A batch file's journal (its key from [`JournalKey::for_batch`]), read as [`Self::load`]
    /// reads the wizard's.
    pub fn load_batch(&self, key: &JournalKey) -> Result<Option<BatchJournal>, Unreadable> {
        let read = self
            .read_bytes(&self.path(key), MAX_BATCH_BYTES)
            .and_then(|bytes| {
                let Some(bytes) = bytes else {
                    return Ok(None);
                };
                match serde_json::from_slice::<BatchJournal>(&bytes) {
                    Ok(journal) if journal.version == VERSION => Ok(Some(journal)),
                    Ok(journal) => Err(Refused::SetAside(format!(
                        "unknown journal version {}",
                        journal.version
                    ))),
                    Err(error) => Err(Refused::SetAside(format!(
                        "not a valid batch journal: {error}"
                    ))),
                }
            });
        read.map_err(|refused| match refused {
            Refused::LeaveAlone(reason) => Unreadable {
                reason,
                moved_to: None,
            },
            Refused::SetAside(reason) => self.set_aside(&self.path(key), reason),
        })
    }

    pub fn save_batch(&self, key: &JournalKey, journal: &BatchJournal) -> io::Result<()> {
        let bytes = serde_json::to_vec(journal).map_err(io::Error::other)?;
        self.write_atomic(&self.path(key), &bytes)
    }

    fn set_aside(&self, path: &Path, reason: String) -> Unreadable {
        let target = path.with_extension(format!("json.corrupt-{}", now_secs()));
        let moved_to = fs::rename(path, &target).ok().map(|()| target);
        Unreadable { reason, moved_to }
    }

    pub fn save(&self, key: &JournalKey, journal: &Journal) -> io::Result<()> {
        let mut journal = journal.clone();
        journal.saved_at = now_secs();
        let bytes = serde_json::to_vec_pretty(&journal).map_err(io::Error::other)?;
        self.write_atomic(&self.path(key), &bytes)
    }

    /// Atomic: a crash mid-write leaves the previous file, never half a file.
    fn write_atomic(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        self.private_dir()?;
        let temp = path.with_extension(format!("json.tmp-{}", std::process::id()));
        // Whatever a previous process of this pid left there (a file, a link) goes; then a
        // new file, created exclusively: never written through a link, never with an old mode.
        let _ = fs::remove_file(&temp);
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, path)
    }

    pub fn clear(&self, key: &JournalKey) -> io::Result<()> {
        match fs::remove_file(self.path(key)) {
            Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }

    /// `<journal file>.lock`, next to the journal.
    pub fn lock_path(&self, key: &JournalKey) -> PathBuf {
        self.path(key).with_extension("json.lock")
    }

    /// What the journal of `key` holds while another live process holds its lock; `None` when
    /// no process holds it (or it holds nothing readable). Neither locks the journal for this
    /// process nor writes anything: the probe takes a shared lock only for as long as it takes
    /// to see that the exclusive one is held, and a lock file that does not exist is not
    /// created.
    pub fn held_by_another(&self, key: &JournalKey) -> Option<HeldJournal> {
        self.check_dir().ok()?;
        let file = open_regular(&self.lock_path(key), OpenOptions::new().read(true)).ok()?;
        match file.try_lock_shared() {
            Ok(()) => {
                let _ = file.unlock();
                None
            }
            Err(TryLockError::WouldBlock) => Some(HeldJournal {
                pid: holder_pid(&file),
                journal: self.peek(key)?,
            }),
            Err(TryLockError::Error(error)) => {
                tracing::warn!(%error, "the journal's lock could not be probed");
                None
            }
        }
    }

    /// Takes the journal's exclusive lock without waiting: held until the [`JournalLock`] is
    /// dropped or the process ends (however it ends). The lock file is created mode 0600 and
    /// never followed through a symbolic link; it is left in place on release (removing it
    /// would let two processes lock two different files of one name).
    pub fn lock(&self, key: &JournalKey) -> Result<JournalLock, LockError> {
        self.private_dir()?;
        let path = self.lock_path(key);
        let file = open_regular(
            &path,
            OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o600),
        )
        .map_err(|refused| io::Error::other(format!("{} {refused}", path.display())))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(LockError::Held {
                    pid: holder_pid(&file),
                });
            }
            Err(TryLockError::Error(error)) => return Err(LockError::Io(error)),
        }
        // An existing lock file keeps its old mode through open(): force it.
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
        let holder = serde_json::json!({
            "pid": std::process::id(),
            "started_at": now_secs(),
            "command": std::env::args_os()
                .next()
                .map(|arg0| arg0.to_string_lossy().into_owned())
                .unwrap_or_default(),
        });
        let bytes = format!("{holder}\n").into_bytes();
        // Written in place, then trimmed: a reader sees the old or the new holder, or garbage
        // (no pid), never an empty window made by truncating first.
        file.write_all_at(&bytes, 0)?;
        file.set_len(bytes.len() as u64)?;
        Ok(JournalLock { file, path })
    }
}

/// Why a journal was not read: something that is not a journal file at all is left alone,
/// a file that is not a (valid, bounded) journal is set aside.
enum Refused {
    LeaveAlone(String),
    SetAside(String),
}

/// The pid recorded in a busy lock file by its holder; `None` if it is not (yet) readable.
fn holder_pid(file: &File) -> Option<u32> {
    let mut text = String::new();
    // A holder line is a hundred bytes; whatever else a lock file holds is not read in full.
    file.take(4096).read_to_string(&mut text).ok()?;
    let holder: serde_json::Value = serde_json::from_str(text.trim()).ok()?;
    holder.get("pid")?.as_u64()?.try_into().ok()
}

/// The journal's exclusive lock; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct JournalLock {
    file: File,
    path: PathBuf,
}

impl JournalLock {
    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for JournalLock {
    fn drop(&mut self) {
        // Closing the file releases the lock anyway; unlocking first says so explicitly.
        let _ = self.file.unlock();
    }
}

/// Why [`JournalStore::lock`] failed.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process (or another handle in this one) holds the lock; `pid` is what the
    /// holder recorded, if it could be read.
    #[error("{}", held_message(*pid))]
    Held { pid: Option<u32> },
    /// The lock file could not be created, opened or locked.
    #[error("cannot lock the session journal: {0}")]
    Io(#[from] io::Error),
}

fn held_message(pid: Option<u32>) -> String {
    match pid {
        Some(pid) => format!("another iotmi-onboard (pid {pid}) is using this session"),
        None => "another iotmi-onboard is using this session".to_owned(),
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
    use iotmi_core::journal::SavedStep;

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
            draft: iotmi_core::draft::Draft {
                name: Some("n".into()),
                tags: vec![("secret-tag".into(), "secret-value".into())],
                ..Default::default()
            },
            token_seed: "seed".into(),
            token_counter: 0,
            unanswered: None,
            association_id: None,
            devices: None,
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
        assert_eq!(loaded.draft.tags, journal().draft.tags);
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
    fn what_is_not_a_regular_file_is_left_alone_unread() {
        let dir = tempfile::tempdir().unwrap();
        let store = JournalStore::new(dir.path());
        let path = store.path(&key());
        // A FIFO with no writer would block a plain open forever.
        crate::files::make_fifo(&path);
        let fifo = store.load(&key()).unwrap_err();
        assert!(fifo.reason.contains("is a FIFO"), "{}", fifo.reason);
        assert!(fifo.moved_to.is_none() && path.exists(), "left alone");
        fs::remove_file(&path).unwrap();
        // An endless device behind a link is never read.
        std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
        let link = store.load(&key()).unwrap_err();
        assert!(link.reason.contains("symbolic link"), "{}", link.reason);
        assert!(link.moved_to.is_none());
    }

    #[test]
    fn a_batch_journal_of_20000_rows_is_read_back_whole() {
        let dir = tempfile::tempdir().unwrap();
        let store = JournalStore::new(dir.path());
        let mut batch = iotmi_core::flow::fresh_journal("7i9uMfOYCqM7cSDRH8KWQDX7".into());
        for row in 0..20_000u64 {
            batch.created.insert(
                format!("7i9uMfOYCqM7cSDRH8KWQDX7-row-{:016x}", row * 0x9e37_79b9),
                format!("{row:032x}"),
            );
        }
        store.save_batch(&key(), &batch).unwrap();
        assert!(fs::metadata(store.path(&key())).unwrap().len() > MAX_BYTES);
        let read = store.load_batch(&key()).unwrap().expect("the journal");
        assert_eq!(
            read.seed, batch.seed,
            "the same seed: the same ClientTokens"
        );
        assert_eq!(read.created.len(), 20_000);
    }

    #[test]
    fn an_oversized_journal_is_set_aside_unread() {
        let dir = tempfile::tempdir().unwrap();
        let store = JournalStore::new(dir.path());
        let path = store.path(&key());
        // Valid JSON, one byte over the bound: refused on its size alone.
        let mut big = journal();
        big.draft.description = None;
        let base = serde_json::to_vec(&big).unwrap().len() as u64;
        big.draft.description = Some("x".repeat((MAX_BYTES + 1 - base) as usize));
        fs::write(&path, serde_json::to_vec(&big).unwrap()).unwrap();
        assert_eq!(fs::metadata(&path).unwrap().len(), MAX_BYTES + 1);
        let refused = store.load(&key()).unwrap_err();
        assert!(refused.reason.contains("larger than"), "{}", refused.reason);
        assert!(refused.moved_to.is_some() && !path.exists());
        // At the bound it is still a journal.
        big.draft.description.as_mut().unwrap().pop();
        fs::write(&path, serde_json::to_vec(&big).unwrap()).unwrap();
        assert!(store.load(&key()).unwrap().is_some());
    }

    #[test]
    fn a_symlinked_state_dir_is_refused_and_its_target_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("elsewhere");
        fs::create_dir(&target).unwrap();
        fs::set_permissions(&target, fs::Permissions::from_mode(0o755)).unwrap();
        let state = dir.path().join("state");
        std::os::unix::fs::symlink(&target, &state).unwrap();
        let store = JournalStore::new(&state);
        let err = store.lock(&key()).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert!(store.save(&key(), &journal()).is_err());
        assert!(store.load(&key()).is_err());
        let mode = fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o755, "the link's target is not chmodded");
        assert_eq!(
            fs::read_dir(&target).unwrap().count(),
            0,
            "nothing written there"
        );
    }

    #[test]
    fn a_stale_temp_link_is_replaced_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let store = JournalStore::new(dir.path());
        let victim = dir.path().join("victim");
        fs::write(&victim, "precious").unwrap();
        let temp = store
            .path(&key())
            .with_extension(format!("json.tmp-{}", std::process::id()));
        std::os::unix::fs::symlink(&victim, &temp).unwrap();
        store.save(&key(), &journal()).unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
        assert!(store.load(&key()).unwrap().is_some());
    }

    #[test]
    fn strings_of_a_tampered_journal_come_back_inert() {
        let dir = tempfile::tempdir().unwrap();
        let store = JournalStore::new(dir.path());
        let mut tampered = journal();
        tampered.draft.name = Some("Evil\x1b]0;HACKED\x07".into());
        tampered.draft.tags = vec![("k\x1b[2J".into(), "v\u{202e}".into())];
        tampered.association_id = Some("id\x1b[6n".into());
        fs::write(store.path(&key()), serde_json::to_vec(&tampered).unwrap()).unwrap();
        let loaded = store.load(&key()).unwrap().unwrap();
        assert_eq!(loaded.draft.name.as_deref(), Some("Evil␛]0;HACKED␇"));
        assert_eq!(
            loaded.draft.tags,
            vec![("k␛[2J".into(), "v\u{FFFD}".into())]
        );
        assert_eq!(loaded.association_id.as_deref(), Some("id␛[6n"));
        // What we write ourselves comes back unchanged.
        assert_eq!(journal().sanitized(), journal());
    }

    #[test]
    fn lock_is_exclusive_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let store = JournalStore::new(dir.path().join("state"));
        let first = store.lock(&key()).expect("first lock");
        assert_eq!(first.path(), store.lock_path(&key()));
        // A second open file description conflicts, even in the same process (flock).
        match store.lock(&key()) {
            Err(LockError::Held { pid }) => assert_eq!(pid, Some(std::process::id())),
            other => panic!("expected Held, got {other:?}"),
        }
        let held = LockError::Held { pid: Some(1234) };
        assert_eq!(
            held.to_string(),
            "another iotmi-onboard (pid 1234) is using this session"
        );
        drop(first);
        let again = store.lock(&key()).expect("free again after drop");
        // A journal with another key is another session.
        let other = JournalKey {
            region: "us-east-1".into(),
            ..key()
        };
        let _other = store.lock(&other).expect("other key, other lock");
        drop(again);
    }

    #[test]
    fn a_held_journal_is_read_without_taking_or_creating_anything() {
        let dir = tempfile::tempdir().unwrap();
        let store = JournalStore::new(dir.path().join("state"));
        // No lock file: nobody holds it, and the probe creates none.
        assert!(store.held_by_another(&key()).is_none());
        assert!(!store.lock_path(&key()).exists());
        let lock = store.lock(&key()).unwrap();
        store.save(&key(), &journal()).unwrap();
        let held = store.held_by_another(&key()).expect("held, with a journal");
        assert_eq!(held.pid, Some(std::process::id()));
        assert_eq!(held.journal.draft, journal().draft);
        drop(lock);
        assert!(store.held_by_another(&key()).is_none(), "released");
        // The probe left no lock behind.
        drop(store.lock(&key()).expect("free"));
    }

    #[test]
    fn peeking_never_sets_a_journal_aside() {
        let dir = tempfile::tempdir().unwrap();
        let store = JournalStore::new(dir.path());
        fs::write(store.path(&key()), "{ not json").unwrap();
        assert!(store.peek(&key()).is_none());
        assert_eq!(
            fs::read_to_string(store.path(&key())).unwrap(),
            "{ not json",
            "the holder's file is left as it is"
        );
    }

    #[test]
    fn lock_file_is_private_and_kept_apart_from_the_journal() {
        let dir = tempfile::tempdir().unwrap();
        let store = JournalStore::new(dir.path().join("state"));
        let path = store.lock_path(&key());
        assert_eq!(
            path.file_name().and_then(|n| n.to_str()),
            Some(format!("{}.lock", key().file_name()).as_str())
        );
        // A pre-existing lock file with a loose mode is tightened.
        fs::create_dir_all(dir.path().join("state")).unwrap();
        fs::write(&path, "junk").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let lock = store.lock(&key()).unwrap();
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let holder: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(holder["pid"], std::process::id());
        assert!(holder["started_at"].as_u64().unwrap() > 0);
        // Saving and clearing the journal leave the lock alone.
        store.save(&key(), &journal()).unwrap();
        store.clear(&key()).unwrap();
        assert!(matches!(store.lock(&key()), Err(LockError::Held { .. })));
        drop(lock);
    }

    #[test]
    fn lock_file_that_is_a_symlink_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = JournalStore::new(dir.path().join("state"));
        fs::create_dir_all(dir.path().join("state")).unwrap();
        let target = dir.path().join("victim");
        fs::write(&target, "precious").unwrap();
        std::os::unix::fs::symlink(&target, store.lock_path(&key())).unwrap();
        let err = store
            .lock(&key())
            .expect_err("a symlink must not be followed");
        assert!(
            matches!(&err, LockError::Io(e) if e.to_string().contains("refusing to follow")),
            "{err:?}"
        );
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert_eq!(fs::read_to_string(&target).unwrap(), "precious");
        // A dangling symlink is not created through either.
        let dangling = dir.path().join("nowhere");
        fs::remove_file(store.lock_path(&key())).unwrap();
        std::os::unix::fs::symlink(&dangling, store.lock_path(&key())).unwrap();
        assert!(store.lock(&key()).is_err());
        assert!(!dangling.exists());
    }

    #[test]
    fn lock_on_something_else_than_a_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = JournalStore::new(dir.path());
        fs::create_dir(store.lock_path(&key())).unwrap();
        assert!(matches!(store.lock(&key()), Err(LockError::Io(_))));
    }

    /// Env var telling [`lock_holder_process`] where to lock.
    const HOLDER_DIR: &str = "IOTMI_ONBOARD_TEST_LOCK_DIR";

    /// Not a test: the child process of `kill_9_releases_the_lock`.
    #[test]
    #[ignore = "helper process, run by kill_9_releases_the_lock"]
    fn lock_holder_process() {
        let Some(dir) = std::env::var_os(HOLDER_DIR) else {
            return;
        };
        let _lock = JournalStore::new(dir).lock(&key()).expect("child lock");
        println!("LOCKED");
        io::stdout().flush().unwrap();
        std::thread::sleep(std::time::Duration::from_secs(60));
    }

    #[test]
    fn kill_9_releases_the_lock() {
        use std::io::BufRead;
        use std::process::{Command, Stdio};

        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "journal::tests::lock_holder_process",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(HOLDER_DIR, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let locked = io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .any(|line| line.contains("LOCKED"));
        let store = JournalStore::new(dir.path());
        let busy = store.lock(&key());
        child.kill().unwrap(); // SIGKILL: no destructor runs in the child.
        child.wait().unwrap();
        assert!(locked, "the child took the lock");
        match busy {
            Err(LockError::Held { pid }) => assert_eq!(pid, Some(child.id())),
            other => panic!("expected Held by the child, got {other:?}"),
        }
        store
            .lock(&key())
            .expect("the kernel released the dead child's lock");
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
