//! "Logged once per source address" in bounded memory: a set of addresses already warned
//! about, capped; past the cap one last warning says so and the rest go only to the metrics.

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::Mutex;

/// Addresses remembered (about 40 KiB at most).
pub(super) const CAPACITY: usize = 1024;

/// What to log for an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Warn {
    /// First time: warn about it.
    First,
    /// Warned before, or past the cap: stay quiet.
    Quiet,
    /// This address fills the set: warn about it and say that further ones are not logged.
    Last,
}

/// The set of addresses warned about.
#[derive(Debug, Default)]
pub(super) struct WarnOnce {
    seen: Mutex<HashSet<IpAddr>>,
}

impl WarnOnce {
    /// Records `ip`; says whether to warn.
    pub(super) fn check(&self, ip: IpAddr) -> Warn {
        let Ok(mut seen) = self.seen.lock() else {
            return Warn::Quiet;
        };
        if seen.len() >= CAPACITY || !seen.insert(ip) {
            Warn::Quiet
        } else if seen.len() == CAPACITY {
            Warn::Last
        } else {
            Warn::First
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_address_once_and_memory_bounded() {
        let w = WarnOnce::default();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(w.check(a), Warn::First);
        assert_eq!(w.check(a), Warn::Quiet);
        let mut last = 0;
        for i in 1..CAPACITY + 100 {
            let ip = IpAddr::from(std::net::Ipv4Addr::from(
                0x0a00_0000_u32 + u32::try_from(i).unwrap(),
            ));
            if w.check(ip) == Warn::Last {
                last += 1;
            }
        }
        assert_eq!(last, 1);
        assert_eq!(w.seen.lock().unwrap().len(), CAPACITY);
        assert_eq!(w.check("198.51.100.7".parse().unwrap()), Warn::Quiet);
    }
}
