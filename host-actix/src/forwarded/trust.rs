//! Which peers are trusted proxies: IP addresses and CIDR blocks (`trusted_proxies`), matched
//! against the TCP peer address of the connection only.
//!
//! A dozen lines of prefix arithmetic, so no dependency. An IPv4 peer seen on a dual-stack
//! IPv6 socket (`::ffff:10.1.2.3`) is matched as the IPv4 address it is.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// One trusted address or block, e.g. `127.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyNet {
    network: IpAddr,
    prefix: u8,
}

impl ProxyNet {
    /// Whether `ip` is in this block.
    #[must_use]
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(ip) & mask == u32::from(net)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(ip) & mask == u128::from(net)
            }
            _ => false,
        }
    }
}

impl FromStr for ProxyNet {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (addr, prefix) = match s.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (s, None),
        };
        let network: IpAddr = addr.parse().map_err(|_| {
            format!("{s:?} is not an IP address or CIDR block (a host name is not accepted)")
        })?;
        if let IpAddr::V6(v6) = network
            && v6.to_ipv4_mapped().is_some()
        {
            return Err(format!(
                "{s:?} is an IPv4-mapped address; write the IPv4 address"
            ));
        }
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{s:?}: the prefix length must be 0 to {max}"))?,
        };
        if prefix == 0 {
            return Err(format!(
                "{s:?} trusts every address: anyone could then forge a certificate header"
            ));
        }
        let net = Self { network, prefix };
        if !net.contains(network) {
            let canonical = Self {
                network: mask(network, prefix),
                prefix,
            };
            return Err(format!(
                "{s:?} has address bits set after the /{prefix} prefix; write {canonical}"
            ));
        }
        Ok(net)
    }
}

fn mask(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4((u32::from(v4) & mask).into())
        }
        IpAddr::V6(v6) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6((u128::from(v6) & mask).into())
        }
    }
}

impl fmt::Display for ProxyNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let max = if self.network.is_ipv4() { 32 } else { 128 };
        if self.prefix == max {
            write!(f, "{}", self.network)
        } else {
            write!(f, "{}/{}", self.network, self.prefix)
        }
    }
}

/// The trusted proxies of a listener.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<ProxyNet>);

impl TrustedProxies {
    /// A list of blocks.
    #[must_use]
    pub const fn new(nets: Vec<ProxyNet>) -> Self {
        Self(nets)
    }

    /// Whether `ip` (a TCP peer address) is a trusted proxy.
    #[must_use]
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(ip))
    }

    /// The blocks.
    #[must_use]
    pub fn nets(&self) -> &[ProxyNet] {
        &self.0
    }
}

impl fmt::Display for TrustedProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, net) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{net}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn addresses_and_blocks_match() {
        let nets: Vec<ProxyNet> = [
            "127.0.0.1",
            "10.0.0.0/8",
            "::1",
            "fd00::/8",
            "192.168.1.128/25",
        ]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
        let trusted = TrustedProxies::new(nets);
        for yes in [
            "127.0.0.1",
            "10.255.0.1",
            "::1",
            "fd12::5",
            "192.168.1.200",
            "::ffff:10.1.2.3",
        ] {
            assert!(trusted.contains(ip(yes)), "{yes}");
        }
        for no in [
            "127.0.0.2",
            "11.0.0.1",
            "::2",
            "fe80::1",
            "192.168.1.127",
            "::ffff:127.0.0.2",
        ] {
            assert!(!trusted.contains(ip(no)), "{no}");
        }
        assert_eq!(
            trusted.to_string(),
            "127.0.0.1, 10.0.0.0/8, ::1, fd00::/8, 192.168.1.128/25"
        );
    }

    #[test]
    fn bad_entries_say_why() {
        for (input, says) in [
            ("localhost", "not an IP address"),
            ("10.0.0.1/8", "write 10.0.0.0/8"),
            ("10.0.0.0/33", "0 to 32"),
            ("0.0.0.0/0", "trusts every address"),
            ("::/0", "trusts every address"),
            ("::ffff:10.0.0.1", "IPv4-mapped"),
            ("10.0.0.0/x", "prefix length"),
        ] {
            let e = input.parse::<ProxyNet>().unwrap_err();
            assert!(e.contains(says), "{input}: {e}");
        }
    }
}
