//! The system CA bundle (Debian's `/etc/ssl/certs/ca-certificates.crt`, ~150 real-world roots
//! from many CAs and eras) decodes completely: one certificate per PEM block, each with the
//! SHA-1 OpenSSL computes for it. Skipped (with a message) where the bundle does not exist.

use std::process::Command;

use certbind_core::{DecodeOptions, InputFormat, decode};

const BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

#[test]
fn every_certificate_of_the_system_bundle_decodes_with_openssls_sha1() {
    let Ok(bytes) = std::fs::read(BUNDLE) else {
        eprintln!("skipped: {BUNDLE} does not exist");
        return;
    };
    let text = String::from_utf8_lossy(&bytes);
    let blocks = text.matches("-----BEGIN CERTIFICATE-----").count();
    let decoded = decode(&bytes, &DecodeOptions::default()).unwrap();
    assert_eq!(decoded.format, InputFormat::Pem);
    assert_eq!(decoded.certificates.len(), blocks);
    assert!(blocks > 100, "{blocks} certificates");

    // OpenSSL's fingerprints of the same blocks, in order (`crl2pkcs7 | pkcs7 -print_certs`
    // would reorder nothing, but one `x509` call per block is the plainest).
    let ours: Vec<String> = decoded
        .certificates
        .iter()
        .map(|c| c.thumbprints().sha1_hex())
        .collect();
    let theirs: Vec<String> = text
        .split_inclusive("-----END CERTIFICATE-----")
        .filter(|chunk| chunk.contains("-----BEGIN CERTIFICATE-----"))
        .map(|pem| {
            let mut child = Command::new("openssl")
                .args(["x509", "-noout", "-fingerprint", "-sha1"])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("openssl is needed for this test");
            use std::io::Write as _;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(pem.as_bytes())
                .unwrap();
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success());
            String::from_utf8(out.stdout)
                .unwrap()
                .trim()
                .rsplit('=')
                .next()
                .unwrap()
                .replace(':', "")
        })
        .collect();
    assert_eq!(ours, theirs);
}
