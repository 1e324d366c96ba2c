//! HAProxy's runtime API (its `stats socket`, `level admin`): server states for the harness and
//! the tests (`show stat`), and commands (`set server be/srv state maint`).
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use std::io::{Read as _, Write as _};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

/// Sends one command; its answer.
///
/// # Errors
/// The socket cannot be reached.
pub fn command(socket: &Path, command: &str) -> std::io::Result<String> {
    let mut stream = UnixStream::connect(socket)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.write_all(format!("{command}\n").as_bytes())?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    Ok(answer)
}

/// The status HAProxy shows for each server of `backend` (`UP`, `DOWN`, `MAINT`,
/// `UP 1/2` while rising, `DOWN 1/2` while falling, …), by server name.
///
/// # Errors
/// The socket cannot be reached, or the answer is not `show stat`'s CSV.
pub fn server_status(socket: &Path, backend: &str) -> Result<Vec<(String, String)>, String> {
    let csv = command(socket, "show stat").map_err(|e| format!("{}: {e}", socket.display()))?;
    let mut lines = csv.lines();
    let header = lines
        .next()
        .and_then(|h| h.strip_prefix("# "))
        .ok_or_else(|| format!("not show stat's CSV: {csv:?}"))?;
    let column = |name: &str| header.split(',').position(|c| c == name);
    let (Some(proxy), Some(server), Some(status)) =
        (column("pxname"), column("svname"), column("status"))
    else {
        return Err(format!("no pxname/svname/status in {header:?}"));
    };
    Ok(lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f.get(proxy) == Some(&backend))
        .filter_map(|f| {
            let (name, status) = (*f.get(server)?, *f.get(status)?);
            (name != "BACKEND" && name != "FRONTEND").then(|| (name.to_owned(), status.to_owned()))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_missing_socket_is_an_error_naming_it() {
        let e = super::server_status(std::path::Path::new("/nonexistent/haproxy.sock"), "x")
            .err()
            .unwrap_or_default();
        assert!(e.starts_with("/nonexistent/haproxy.sock: "), "{e}");
    }
}
