//! Thumbprints against independent tools: coreutils `sha1sum`/`sha256sum`/`basenc` over the exact
//! bytes, and rcgen's own encoding of the SubjectPublicKeyInfo for the key hash.

// Helpers outside #[test] functions panic on purpose: clippy's allow-*-in-tests does not reach them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::PathBuf;
use std::process::Command;

use certbind_core::{Certificate, Thumbprints, normalize_thumbprint};

fn scratch(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("thumbprint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Runs a coreutils digest tool and returns its hex, uppercase.
fn coreutils_digest(tool: &str, bytes: &[u8], name: &str) -> String {
    let path = scratch(name, bytes);
    let out = Command::new(tool)
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("`{tool}` (coreutils) is needed for this test: {e}"));
    assert!(out.status.success(), "{tool} failed");
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_uppercase()
}

/// base64url without padding, by coreutils `basenc`.
fn basenc_base64url(bytes: &[u8], name: &str) -> String {
    let path = scratch(name, bytes);
    let out = Command::new("basenc")
        .args(["--base64url", "-w0"])
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("`basenc` (coreutils) is needed for this test: {e}"));
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .trim_end_matches('=')
        .to_string()
}

fn unhex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

fn generated() -> Vec<(&'static str, Vec<u8>, Vec<u8>)> {
    let algorithms: [(&str, &'static rcgen::SignatureAlgorithm); 3] = [
        ("p256", &rcgen::PKCS_ECDSA_P256_SHA256),
        ("p384", &rcgen::PKCS_ECDSA_P384_SHA384),
        ("ed25519", &rcgen::PKCS_ED25519),
    ];
    algorithms
        .into_iter()
        .map(|(name, alg)| {
            let key = rcgen::KeyPair::generate_for(alg).unwrap();
            let params = rcgen::CertificateParams::new(vec!["client.example".to_string()]).unwrap();
            let cert = params.self_signed(&key).unwrap();
            (
                name,
                cert.der().to_vec(),
                rcgen::PublicKeyData::subject_public_key_info(&key),
            )
        })
        .collect()
}

#[test]
fn digests_equal_coreutils_over_the_exact_bytes() {
    for (name, der, spki) in generated() {
        let t = Certificate::from_der(&der).unwrap().thumbprints();
        let sha1 = coreutils_digest("sha1sum", &der, &format!("{name}.der"));
        let sha256 = coreutils_digest("sha256sum", &der, &format!("{name}.der"));
        assert_eq!(t.sha1_hex(), sha1, "{name}");
        assert_eq!(t.sha256_hex(), sha256, "{name}");
        assert_eq!(t.sha1.to_vec(), unhex(&sha1));
        assert_eq!(
            t.x5t(),
            basenc_base64url(&unhex(&sha1), &format!("{name}.sha1")),
            "{name}"
        );
        assert_eq!(
            t.x5t_s256(),
            basenc_base64url(&unhex(&sha256), &format!("{name}.sha256")),
            "{name}"
        );
        let spki_hash = coreutils_digest("sha256sum", &spki, &format!("{name}.spki"));
        assert_eq!(
            t.spki_sha256_hex().as_deref(),
            Some(spki_hash.as_str()),
            "{name}"
        );
        assert_ne!(
            t.spki_sha256_hex().unwrap(),
            t.sha256_hex(),
            "a key hash is not a thumbprint"
        );
    }
}

#[test]
fn forms_have_the_documented_shapes() {
    let (_, der, _) = generated().remove(0);
    let t = Thumbprints::of_der(&der);
    let upper_hex = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c))
    };
    assert!(t.sha1_hex().len() == 40 && upper_hex(&t.sha1_hex()));
    assert!(t.sha256_hex().len() == 64 && upper_hex(&t.sha256_hex()));
    let url = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    assert!(t.x5t().len() == 27 && url(&t.x5t()));
    assert!(t.x5t_s256().len() == 43 && url(&t.x5t_s256()));
    let debug = format!("{t:?}");
    assert!(
        debug.contains(&t.sha1_hex()) && debug.contains(&t.sha256_hex()),
        "{debug}"
    );
}

#[test]
fn bytes_are_hashed_as_given_never_re_encoded() {
    let (_, der, _) = generated().remove(0);
    // The same certificate with a non-minimal outer length (BER, not DER): 0x82 LL LL becomes
    // 0x83 00 LL LL. A parser that re-encoded would hash the original; certbind must hash these
    // bytes, and cannot find the key in a non-DER structure.
    assert_eq!(der[1], 0x82);
    let mut ber = vec![0x30, 0x83, 0x00];
    ber.extend_from_slice(&der[2..]);
    let t = Thumbprints::of_der(&ber);
    assert_eq!(t.sha1_hex(), coreutils_digest("sha1sum", &ber, "ber.der"));
    assert_eq!(
        t.sha256_hex(),
        coreutils_digest("sha256sum", &ber, "ber.der")
    );
    assert_ne!(t.sha256, Thumbprints::of_der(&der).sha256);
    assert_eq!(t.spki_sha256, None);
    // Not a certificate at all: digests of the bytes, no key hash.
    let junk = b"not a certificate";
    let t = Thumbprints::of_der(junk);
    assert_eq!(t.sha1_hex(), coreutils_digest("sha1sum", junk, "junk"));
    assert_eq!(t.spki_sha256, None);
}

#[test]
fn matches_compares_a_normalised_thumbprint_in_its_own_form() {
    let (_, der, _) = generated().remove(1);
    let t = Thumbprints::of_der(&der);
    for pasted in [
        t.sha1_hex().to_lowercase(),
        t.sha256_hex(),
        t.x5t(),
        t.x5t_s256(),
    ] {
        let n = normalize_thumbprint(&pasted).unwrap();
        assert!(t.matches(&n), "{pasted}");
    }
    // Another certificate's thumbprints do not match.
    let (_, other, _) = generated().remove(1);
    let o = Thumbprints::of_der(&other);
    for pasted in [o.sha1_hex(), o.sha256_hex(), o.x5t(), o.x5t_s256()] {
        assert!(
            !t.matches(&normalize_thumbprint(&pasted).unwrap()),
            "{pasted}"
        );
    }
    // One changed digit is a mismatch.
    let mut wrong = t.sha256_hex();
    let last = if wrong.ends_with('0') { "1" } else { "0" };
    wrong.replace_range(63..64, last);
    assert!(!t.matches(&normalize_thumbprint(&wrong).unwrap()));
    // The key hash is not a certificate thumbprint.
    let key_hash = normalize_thumbprint(&t.spki_sha256_hex().unwrap()).unwrap();
    assert!(!t.matches(&key_hash));
}
