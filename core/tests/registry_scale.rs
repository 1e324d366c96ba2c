//! A registry of 100,000 generated clients: it loads, and the index finds every client by id and
//! by thumbprint.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use core::fmt::Write as _;
use std::time::Instant;

use certbind_core::{ClientIndex, LoadOptions, MemoryFiles, UnixTime, load_registry_toml};

const CLIENTS: usize = 100_000;

/// A distinct, deterministic 20-byte value per client (not a real digest: the index only needs
/// distinct keys).
fn sha1_of(i: usize) -> [u8; 20] {
    let mut out = [0u8; 20];
    let mut x = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    for chunk in out.chunks_mut(8) {
        x ^= x >> 29;
        x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        let bytes = x.to_be_bytes();
        chunk.copy_from_slice(&bytes[..chunk.len()]);
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

#[test]
fn a_hundred_thousand_clients_load_and_index() {
    let mut toml = String::with_capacity(CLIENTS * 200);
    for i in 0..CLIENTS {
        let _ = write!(
            toml,
            "[[clients]]\nclient_id = \"client-{i}\"\nscopes = [\"read\"]\n\n[[clients.secrets]]\ntype \
             = \"x509_thumbprint\"\nvalue = \"{}\"\n\n",
            hex(&sha1_of(i))
        );
    }
    let started = Instant::now();
    let now = UnixTime::since_unix_epoch(core::time::Duration::from_secs(1_748_736_000));
    let loaded =
        load_registry_toml(&toml, &LoadOptions::new(now), &mut MemoryFiles::new()).unwrap();
    let load_time = started.elapsed();
    assert_eq!(loaded.registry.clients.len(), CLIENTS);
    assert!(loaded.warnings.is_empty());

    let started = Instant::now();
    let index = ClientIndex::new(loaded.registry);
    let index_time = started.elapsed();

    let started = Instant::now();
    for i in (0..CLIENTS).step_by(7) {
        let id = format!("client-{i}");
        assert_eq!(index.get(&id).unwrap().client_id, id);
        let found: Vec<&str> = index
            .by_sha1(&sha1_of(i))
            .map(|c| c.client_id.as_str())
            .collect();
        assert_eq!(found, vec![id.as_str()]);
    }
    let lookups = (0..CLIENTS).step_by(7).count() * 2;
    let lookup_time = started.elapsed();
    assert!(index.get("client-100000").is_none());
    assert_eq!(index.by_sha1(&[0u8; 20]).count(), 0);
    eprintln!(
        "100,000 clients: load {load_time:?}, index {index_time:?}, {lookups} lookups {lookup_time:?}"
    );
}

#[test]
fn duplicates_among_many_clients_are_all_found() {
    let mut toml = String::new();
    for i in 0..20_000 {
        let id = i % 19_990; // the last 10 repeat earlier ids
        let _ = write!(
            toml,
            "[[clients]]\nclient_id = \"c{id}\"\nscopes = [\"read\"]\n[[clients.secrets]]\ntype = \
             \"x509_thumbprint\"\nvalue = \"{}\"\n",
            hex(&sha1_of(i))
        );
    }
    let now = UnixTime::since_unix_epoch(core::time::Duration::from_secs(1_748_736_000));
    let Err(certbind_core::Error::Registry { problems }) =
        load_registry_toml(&toml, &LoadOptions::new(now), &mut MemoryFiles::new())
    else {
        panic!("duplicates must not load")
    };
    assert_eq!(problems.len(), 10);
    assert!(
        problems
            .iter()
            .all(|p| p.message.starts_with("duplicate client_id"))
    );
    assert_eq!(problems[0].field, "clients[19990].client_id");
}
