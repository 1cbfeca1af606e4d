//! Opening a path someone else may have prepared (the log named on the command line, the
//! journal, its lock): never through a symbolic link, never blocking on a FIFO, and only a
//! regular file. One rule for every file we read or write by name.

use std::fmt;
use std::fs::{File, FileType, OpenOptions};
use std::io;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// Why [`open_regular`] refused a path.
#[derive(Debug)]
pub enum OpenError {
    /// Nothing is there (and `options` did not create it).
    NotFound,
    /// Something else than a regular file is there (its kind, as in "a FIFO"); it was not
    /// opened for its content, only looked at.
    NotRegular(&'static str),
    Io(io::Error),
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotFound => f.write_str("does not exist"),
            Self::NotRegular(SYMLINK) => write!(f, "is {SYMLINK}; refusing to follow it"),
            Self::NotRegular(kind) => write!(f, "is {kind}, not a regular file"),
            Self::Io(error) => write!(f, "cannot be opened: {error}"),
        }
    }
}

const SYMLINK: &str = "a symbolic link";

/// `path` opened with `options`, plus O_NOFOLLOW (a link, even dangling, is refused) and
/// O_NONBLOCK (a FIFO cannot hold the open), and only if it is a regular file. The kind is
/// checked on the path first (a device is never opened) and again on the opened file (a swap
/// in between cannot slip through).
pub fn open_regular(path: &Path, options: &mut OpenOptions) -> Result<File, OpenError> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) => regular(meta.file_type())?,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {}
        Err(error) => return Err(OpenError::Io(error)),
    }
    let file = options
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|error| match error.raw_os_error() {
            Some(libc::ELOOP) => OpenError::NotRegular(SYMLINK),
            // Opening a FIFO or socket for writing with no reader.
            Some(libc::ENXIO) => OpenError::NotRegular("a FIFO or socket"),
            Some(libc::EISDIR) => OpenError::NotRegular("a directory"),
            _ if error.kind() == io::ErrorKind::NotFound => OpenError::NotFound,
            _ => OpenError::Io(error),
        })?;
    regular(file.metadata().map_err(OpenError::Io)?.file_type())?;
    Ok(file)
}

fn regular(kind: FileType) -> Result<(), OpenError> {
    if kind.is_file() {
        return Ok(());
    }
    Err(OpenError::NotRegular(if kind.is_symlink() {
        SYMLINK
    } else if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a file"
    }))
}

/// Whether [`write_private`] may write `path`: absent, or a regular file (not a link).
/// Asked before work whose result goes there, so that a refusal comes before the work.
pub fn may_write_private(path: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) => regular(meta.file_type()).map_err(|e| io::Error::other(e.to_string())),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error),
    }
}

/// Writes `bytes` to `path` as a new file of mode 0600, whole or not at all: written to a
/// temporary file created exclusively beside it, then renamed over it. Refused when `path` is
/// a symbolic link or anything but a regular file (it is not followed or replaced).
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    may_write_private(path)?;
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::other("not a file name"))?
        .to_string_lossy();
    let temp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_file(&temp);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&temp)?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    if let Err(error) = written.and_then(|()| std::fs::rename(&temp, path)) {
        let _ = std::fs::remove_file(&temp);
        return Err(error);
    }
    Ok(())
}

/// Makes a FIFO at `path` for a test: what a plain open would block on for ever.
#[cfg(test)]
pub fn make_fifo(path: &Path) {
    let c_path = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates the node.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(path: &Path) -> Result<File, OpenError> {
        open_regular(path, OpenOptions::new().read(true))
    }

    #[test]
    fn only_regular_files_are_opened() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, "x").unwrap();
        read(&file).expect("a regular file");
        assert!(matches!(
            read(&dir.path().join("none")),
            Err(OpenError::NotFound)
        ));

        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        let refused = read(&link).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "is a symbolic link; refusing to follow it"
        );
        assert_eq!(
            read(dir.path()).unwrap_err().to_string(),
            "is a directory, not a regular file"
        );
        assert_eq!(
            read(Path::new("/dev/zero")).unwrap_err().to_string(),
            "is a device, not a regular file"
        );
    }

    #[test]
    fn private_files_are_0600_whole_and_never_written_through_a_link() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.csv");
        write_private(&path, b"one").unwrap();
        write_private(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let target = dir.path().join("target");
        std::fs::write(&target, "keep").unwrap();
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(write_private(&link, b"x").is_err());
        assert_eq!(std::fs::read(&target).unwrap(), b"keep");
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            3,
            "no temp file left"
        );
    }

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        make_fifo(&fifo);
        assert!(matches!(read(&fifo), Err(OpenError::NotRegular("a FIFO"))));
        let write = open_regular(&fifo, OpenOptions::new().append(true).create(true));
        assert!(matches!(write, Err(OpenError::NotRegular(_))));
    }
}
