//! An instant in decisions and reasons: seconds since the Unix epoch, shown and serialised as
//! RFC 3339 UTC.

use core::fmt;

use pki_types::UnixTime;

/// An instant (whole seconds since 1970-01-01T00:00:00Z, negative before) that displays and
/// serialises as RFC 3339 UTC, e.g. `2026-01-01T00:00:00Z`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct When(pub i64);

impl When {
    /// Seconds since the Unix epoch.
    #[must_use]
    pub const fn unix(self) -> i64 {
        self.0
    }

    /// As [`UnixTime`] (instants before 1970 become the epoch, which `UnixTime` cannot precede).
    #[must_use]
    pub fn unix_time(self) -> UnixTime {
        let secs = u64::try_from(self.0).unwrap_or(0);
        UnixTime::since_unix_epoch(core::time::Duration::from_secs(secs))
    }

    /// This instant moved by a number of seconds (saturating).
    #[must_use]
    pub const fn plus(self, seconds: i64) -> Self {
        Self(self.0.saturating_add(seconds))
    }
}

impl From<UnixTime> for When {
    fn from(t: UnixTime) -> Self {
        Self(i64::try_from(t.as_secs()).unwrap_or(i64::MAX))
    }
}

impl fmt::Display for When {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::time::format_unix_seconds(self.0))
    }
}

impl serde::Serialize for When {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::When;
    use alloc::string::ToString;

    #[test]
    fn formats_known_instants() {
        assert_eq!(When(0).to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(When(951_782_400).to_string(), "2000-02-29T00:00:00Z");
        assert_eq!(When(1_767_225_599).to_string(), "2025-12-31T23:59:59Z");
    }
}
