//! The process's limit on open files (`RLIMIT_NOFILE`): every connection is one. Many systems
//! start services with a soft limit of 1024 and a much higher hard limit; a server raises its
//! soft limit to the hard one (as Go's runtime and nginx's `worker_rlimit_nofile` do), so that
//! `max_connections` and not the file limit decides how many connections a listener holds.

use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};

/// Raises the soft limit on open files to the hard limit. Returns `(before, now)`, `None` for
/// "unlimited"; an error leaves the limit as it was.
///
/// # Errors
/// The limit could not be set (the OS error).
pub fn raise_open_files_limit() -> std::io::Result<(Option<u64>, Option<u64>)> {
    let limit = getrlimit(Resource::Nofile);
    if limit.current == limit.maximum {
        return Ok((limit.current, limit.current));
    }
    setrlimit(
        Resource::Nofile,
        Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        },
    )?;
    Ok((limit.current, getrlimit(Resource::Nofile).current))
}

/// Files the server keeps open besides its connections (the binary's libraries, logs, the
/// store's pool, key files while they are read, epoll and the workers' own descriptors).
const RESERVED_FILES: u64 = 256;

/// Raises the open-files limit (see [`raise_open_files_limit`]) and logs a warning when it
/// still cannot hold `connections` (the sum of the listeners' `max_connections`) and the
/// files the server needs besides: connections would then fail to be accepted (`EMFILE`)
/// before `max_connections` refuses them.
pub fn prepare_open_files(connections: usize) {
    let needed = u64::try_from(connections)
        .unwrap_or(u64::MAX)
        .saturating_add(RESERVED_FILES);
    match raise_open_files_limit() {
        Ok((before, now)) => {
            if before != now {
                tracing::info!(
                    target: "certbind::limits",
                    before = ?before, now = ?now,
                    "raised the open-files limit (RLIMIT_NOFILE) to its hard limit"
                );
            }
            if let Some(now) = now
                && now < needed
            {
                tracing::warn!(
                    target: "certbind::limits",
                    open_files = now, needed,
                    "the open-files limit is below the listeners' max_connections plus {RESERVED_FILES}: \
                     raise it (systemd LimitNOFILE=, ulimit -n) or lower max_connections"
                );
            }
        }
        Err(e) => tracing::warn!(
            target: "certbind::limits",
            error = %e,
            "cannot raise the open-files limit (RLIMIT_NOFILE)"
        ),
    }
}
