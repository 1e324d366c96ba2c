//! Private key files must be readable by their owner only: the TLS private key, the signing
//! keys and the key-encryption key file are checked before they are read, and the server
//! refuses to start (a reload keeps the old keys) with a message naming the file and the fix,
//! unless `allow_readable_keys = true` says otherwise.
//!
//! The rule is PostgreSQL's for its server key: a file owned by the user who runs certbind
//! may give no permission to its group or to others (`chmod 600`); a file owned by root may
//! also be readable by its group (`0640`, e.g. Debian's `root:ssl-cert` keys read by a
//! service user in that group). Files certbind writes (`dev-pki`, `keys rotate`) are `0600`.

use std::path::{Path, PathBuf};

/// How key files are checked (`[server] allow_readable_keys`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum KeyFilePolicy {
    /// Refuse a key file that other users can read or write (the default).
    #[default]
    OwnerOnly,
    /// Read key files whatever their permissions (`allow_readable_keys = true`).
    AllowReadable,
}

/// A key file that other users may read or write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{path}: the private key is {who} (mode {mode:04o}); run `chmod 600 {path}` (and keep it owned by the user certbind runs as), or set allow_readable_keys = true under [server] to start anyway",
    path = .path.display(),
    who = who(*.mode)
)]
#[non_exhaustive]
pub struct KeyFileError {
    /// The file.
    pub path: PathBuf,
    /// Its permission bits.
    pub mode: u32,
}

/// Who besides the owner may use a file with `mode`, in words.
fn who(mode: u32) -> String {
    let mut parts = Vec::new();
    if mode & 0o040 != 0 {
        parts.push("readable by its group");
    }
    if mode & 0o004 != 0 {
        parts.push("readable by every user");
    }
    if mode & 0o022 != 0 {
        parts.push("writable by other users");
    }
    if parts.is_empty() {
        parts.push("usable by other users");
    }
    parts.join(" and ")
}

/// Whether a file with `mode`, owned by `uid`, may hold a private key.
const fn acceptable(mode: u32, uid: u32) -> bool {
    let others = mode & 0o077;
    others == 0 || (uid == 0 && others & !0o040 == 0)
}

/// Checks `path` (following symbolic links) before a private key is read from it. A file that
/// cannot be examined passes: reading it reports the real error.
///
/// # Errors
/// [`KeyFileError`] when the policy is [`KeyFilePolicy::OwnerOnly`] and other users may read
/// or write the file.
pub fn check(path: &Path, policy: KeyFilePolicy) -> Result<(), KeyFileError> {
    if policy == KeyFilePolicy::AllowReadable {
        return Ok(());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        if let Ok(meta) = std::fs::metadata(path) {
            let mode = meta.mode() & 0o7777;
            if !acceptable(mode, meta.uid()) {
                return Err(KeyFileError {
                    path: path.to_owned(),
                    mode,
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_owner_may_use_a_key_unless_root_owns_it_and_its_group_reads_it() {
        for (mode, uid, ok) in [
            (0o600, 1000, true),
            (0o400, 1000, true),
            (0o640, 1000, false),
            (0o644, 1000, false),
            (0o604, 1000, false),
            (0o620, 1000, false),
            (0o640, 0, true),
            (0o644, 0, false),
            (0o660, 0, false),
            (0o600, 0, true),
        ] {
            assert_eq!(acceptable(mode, uid), ok, "{mode:o} owned by {uid}");
        }
    }

    #[test]
    fn the_message_names_the_file_who_may_read_it_and_the_fix() {
        let e = KeyFileError {
            path: PathBuf::from("/etc/certbind/server.key"),
            mode: 0o644,
        };
        assert_eq!(
            e.to_string(),
            "/etc/certbind/server.key: the private key is readable by its group and readable by \
             every user (mode 0644); run `chmod 600 /etc/certbind/server.key` (and keep it owned \
             by the user certbind runs as), or set allow_readable_keys = true under [server] to \
             start anyway"
        );
    }
}
