//! Fuzz target: the TOML client registry loader (`certbind_core::load_registry_toml`, what
//! `certbind serve`, `check`, `explain` and `clients add` read), with a few files the registry
//! may name (`ca.pem`, `client.pem`, `client.jwks`, whose key carries the client certificate) held in memory. Any panic, overflow or
//! runaway allocation is a bug; a registry that loads must have unique client ids.
#![no_main]

use certbind_core::{LoadOptions, MemoryFiles, UnixTime, load_registry_toml};
use libfuzzer_sys::fuzz_target;

/// 2026-01-01T00:00:00Z: time is an input, fixed so that runs repeat.
const NOW: u64 = 1_767_225_600;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut files = MemoryFiles::new()
        .with("ca.pem", &include_bytes!("../../tests/fixtures/basic.root.ca.pem")[..])
        .with("client.pem", &include_bytes!("../../tests/fixtures/basic.client.ee.pem")[..])
        .with_jwks(
            "client.jwks",
            vec![include_bytes!("../../tests/fixtures/basic.client.ee.der").to_vec()],
        );
    let options = LoadOptions::new(UnixTime::since_unix_epoch(core::time::Duration::from_secs(NOW)));
    if let Ok(loaded) = load_registry_toml(&text, &options, &mut files) {
        let clients = &loaded.registry.clients;
        for (i, client) in clients.iter().enumerate() {
            assert!(clients[..i].iter().all(|c| c.client_id != client.client_id));
        }
    }
});
