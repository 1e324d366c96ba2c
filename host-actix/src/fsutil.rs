//! Small file helpers: private keys are written with mode 0600; a file rewritten in place keeps
//! its mode and owner.

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

/// Replaces the contents of the existing file `path` atomically (a temporary file next to it,
/// renamed over it), keeping its permissions and, on Unix, its owner and group: a config file
/// that was 0600 stays 0600. A symbolic link is followed, and the file it points to is
/// replaced (the link stays). The temporary file is readable by its owner only until it has
/// the original's permissions, and it is removed when anything fails.
///
/// # Errors
/// The file cannot be read or replaced, or its owner cannot be kept (writing as a user who
/// may not give a file to another one): then the file is left as it was.
pub(crate) fn replace_keeping_permissions(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let target = std::fs::canonicalize(path)?;
    let original = std::fs::metadata(&target)?;
    let mut name = target.file_name().unwrap_or_default().to_owned();
    name.push(".certbind-tmp");
    let tmp = target.with_file_name(name);
    match std::fs::remove_file(&tmp) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let result =
        write_like(&tmp, &original, contents).and_then(|()| std::fs::rename(&tmp, &target));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Creates `tmp` (owner-only) with `contents`, then gives it `original`'s owner and mode.
fn write_like(tmp: &Path, original: &std::fs::Metadata, contents: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(tmp)?;
    file.write_all(contents)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let created = file.metadata()?;
        if (created.uid(), created.gid()) != (original.uid(), original.gid()) {
            std::os::unix::fs::fchown(&file, Some(original.uid()), Some(original.gid())).map_err(
                |e| {
                    std::io::Error::new(
                        e.kind(),
                        format!(
                            "cannot keep the file's owner {}:{} ({e}); run as that user or root",
                            original.uid(),
                            original.gid()
                        ),
                    )
                },
            )?;
        }
    }
    // After the owner: changing the owner may clear set-id bits.
    file.set_permissions(original.permissions())?;
    file.sync_all()
}
