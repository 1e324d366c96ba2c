//! Small file helpers: private keys are written with mode 0600.

use std::io::Write as _;
use std::path::Path;

/// Creates `path` (which must not exist) readable by the owner only, and writes `contents`.
///
/// # Errors
/// The file exists or cannot be written.
pub(crate) fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

/// Creates `path` (which must not exist) and writes `contents`.
///
/// # Errors
/// The file exists or cannot be written.
pub(crate) fn write_new(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(contents)
}
