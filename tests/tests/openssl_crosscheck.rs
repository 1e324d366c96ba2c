//! certbind against the `openssl` command, field by field, for every certificate of the system CA
//! bundle and for certificates made here with OpenSSL (every key type, names in every string
//! type, characters that need RFC 4514 escaping, multi-valued RDNs, every attribute type of the
//! directory attribute arcs, every SAN type, times on both sides of 2050 and of 1970, back to
//! 1900 and up to 9999).
//!
//! Compared with `openssl x509`:
//! - SHA-1 and SHA-256: `-fingerprint -sha1` / `-sha256`, digit for digit (and the printed line,
//!   label and colons included, must normalise to the same value);
//! - the key hash: SHA-256 of `-pubkey | openssl pkey -pubin -outform DER`;
//! - serial: `-serial`; validity: `-dates -dateopt iso_8601`;
//! - subject and issuer: `-subject -issuer -nameopt RFC2253,-esc_msb`, string for string, with no
//!   exceptions. `RFC2253` is OpenSSL's RFC 2253/4514 form (last RDN first, `,` and `+`, RFC
//!   escapes, OpenSSL's short name of every attribute type it knows, dotted OID and `#hex` for the
//!   rest and for values that are not strings) but escapes every byte above 0x7F as `\XX`;
//!   `-esc_msb` turns that off so UTF-8 comes out as text;
//! - SANs: `-ext subjectAltName` (OpenSSL writes IPv6 uncompressed and uppercase, certbind per
//!   RFC 5952, so addresses are compared parsed; dirName is compared with OpenSSL's `/A=b/C=d`
//!   form; OpenSSL names two otherName types, `UPN` and `SmtpUTF8Mailbox`, by name);
//! - key algorithm and size/curve, signature algorithm: `-text`;
//! - basic constraints, key usage, extended key usage, SKI, AKI: `-ext …`.
//!
//! The test fails, loudly, when the `openssl` command is missing or is not OpenSSL 3: it never
//! skips.

// Helpers outside #[test] functions panic on purpose: clippy's allow-*-in-tests does not reach them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

extern crate alloc;

use alloc::collections::BTreeMap;
use core::net::IpAddr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use certbind_core::{Certificate, CertificateInfo, Thumbprints, normalize_thumbprint};
use openssl::asn1::{Asn1Integer, Asn1Object, Asn1Time};
use openssl::bn::BigNum;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::x509::{X509, X509Builder, X509Name};

// ------------------------------------------------------------------------------------ openssl CLI

/// Runs `openssl` with `input` on stdin and returns stdout; panics with a clear message when the
/// command is missing or fails.
fn openssl(args: &[&str], input: &[u8]) -> Vec<u8> {
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "this test needs the `openssl` command (OpenSSL 3) and could not run it: {e}. \
                 Install it (Debian: apt-get install openssl); the test does not skip."
            )
        });
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    // Write from a thread so that a large output cannot block on a full pipe.
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().expect("openssl output");
    writer
        .join()
        .expect("writer thread")
        .expect("write to openssl");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn openssl_text(args: &[&str], input: &[u8]) -> String {
    String::from_utf8(openssl(args, input)).expect("openssl output is UTF-8 with -esc_msb off")
}

fn scratch_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("openssl-crosscheck-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

#[test]
fn openssl_3_is_installed() {
    let version = openssl_text(&["version"], b"");
    assert!(
        version.starts_with("OpenSSL 3."),
        "OpenSSL 3 is required, found {version:?}"
    );
}

// ------------------------------------------------------------------------- what OpenSSL prints

/// Everything OpenSSL says about one certificate.
#[derive(Debug, Default)]
struct OpensslView {
    sha1_line: String,
    sha256_line: String,
    serial: String,
    subject: String,
    issuer: String,
    not_before: String,
    not_after: String,
    /// `-ext` values by extension title (`Subject Alternative Name`, …).
    extensions: BTreeMap<String, String>,
    spki_sha256: String,
    text: String,
}

const NAMEOPT: &str = "RFC2253,-esc_msb";
const EXTENSIONS: &str = "subjectAltName,basicConstraints,keyUsage,extendedKeyUsage,\
                          subjectKeyIdentifier,authorityKeyIdentifier";

fn openssl_view(der: &[u8]) -> OpensslView {
    let mut view = OpensslView::default();
    let main = openssl_text(
        &[
            "x509",
            "-inform",
            "DER",
            "-noout",
            "-fingerprint",
            "-sha1",
            "-serial",
            "-subject",
            "-issuer",
            "-dates",
            "-dateopt",
            "iso_8601",
            "-nameopt",
            NAMEOPT,
            "-ext",
            EXTENSIONS,
            "-pubkey",
        ],
        der,
    );
    let mut lines = main.lines().peekable();
    let mut pubkey = String::new();
    while let Some(line) = lines.next() {
        if let Some(v) = line.strip_prefix("serial=") {
            view.serial = v.to_string();
        } else if let Some(v) = line.strip_prefix("subject=") {
            view.subject = v.to_string();
        } else if let Some(v) = line.strip_prefix("issuer=") {
            view.issuer = v.to_string();
        } else if let Some(v) = line.strip_prefix("notBefore=") {
            view.not_before = v.to_string();
        } else if let Some(v) = line.strip_prefix("notAfter=") {
            view.not_after = v.to_string();
        } else if line.contains("Fingerprint=") {
            view.sha1_line = line.to_string();
        } else if line.starts_with("-----BEGIN PUBLIC KEY-----") {
            pubkey.push_str(line);
            pubkey.push('\n');
            for l in lines.by_ref() {
                pubkey.push_str(l);
                pubkey.push('\n');
                if l.starts_with("-----END") {
                    break;
                }
            }
        } else if let Some(title) = line.strip_prefix("X509v3 ") {
            let title = title
                .split(':')
                .next()
                .unwrap_or_default()
                .trim()
                .to_string();
            let mut value = Vec::new();
            while let Some(next) = lines.peek() {
                if let Some(v) = next.strip_prefix("    ") {
                    value.push(v.trim_end().to_string());
                    lines.next();
                } else {
                    break;
                }
            }
            view.extensions.insert(title, value.join("\n"));
        }
    }
    let sha256 = openssl_text(
        &[
            "x509",
            "-inform",
            "DER",
            "-noout",
            "-fingerprint",
            "-sha256",
        ],
        der,
    );
    view.sha256_line = sha256.trim().to_string();
    let spki = openssl(&["pkey", "-pubin", "-outform", "DER"], pubkey.as_bytes());
    view.spki_sha256 = hex(&openssl::sha::sha256(&spki));
    view.text = openssl_text(&["x509", "-inform", "DER", "-noout", "-text"], der);
    view
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

// ------------------------------------------------------------------------------- comparisons

/// Compares everything certbind says about `der` with OpenSSL; returns the differences.
fn compare(label: &str, der: &[u8], expected_warnings: &[&str]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut check = |what: &str, ours: &str, theirs: &str| {
        if ours != theirs {
            problems.push(format!(
                "{label}: {what}: certbind {ours:?}, openssl {theirs:?}"
            ));
        }
    };
    let cert = match Certificate::from_der(der) {
        Ok(cert) => cert,
        Err(e) => return vec![format!("{label}: certbind cannot read it: {e}")],
    };
    let t: Thumbprints = cert.thumbprints();
    let info: CertificateInfo = cert.info();
    let view = openssl_view(der);

    // Thumbprints, and OpenSSL's printed lines through the normaliser.
    let digits = |line: &str| line.split('=').nth(1).unwrap_or_default().replace(':', "");
    check("SHA-1", &t.sha1_hex(), &digits(&view.sha1_line));
    check("SHA-256", &t.sha256_hex(), &digits(&view.sha256_line));
    for line in [&view.sha1_line, &view.sha256_line] {
        match normalize_thumbprint(line) {
            Ok(n) => check("normalised fingerprint line", &n.value, &digits(line)),
            Err(e) => check("normalised fingerprint line", &e.to_string(), line),
        }
    }
    check(
        "SPKI SHA-256",
        &t.spki_sha256_hex().unwrap_or_default(),
        &view.spki_sha256,
    );

    check("serial", &info.serial, &view.serial);
    check(
        "notBefore",
        &info.not_before,
        &view.not_before.replace(' ', "T"),
    );
    check(
        "notAfter",
        &info.not_after,
        &view.not_after.replace(' ', "T"),
    );

    for (what, ours, theirs) in [
        ("subject", &info.subject, &view.subject),
        ("issuer", &info.issuer, &view.issuer),
    ] {
        if ours != theirs {
            problems.push(format!(
                "{label}: {what}: {}\n  certbind {ours:?}\n  openssl  {theirs:?}",
                first_difference(ours, theirs)
            ));
        }
    }

    if let Err(e) = compare_san(&info, view.extensions.get("Subject Alternative Name")) {
        problems.push(format!("{label}: SAN: {e}"));
    }
    if let Err(e) = compare_key_and_signature(&info, &view.text) {
        problems.push(format!("{label}: {e}"));
    }
    if let Err(e) = compare_extensions(&info, &view.extensions) {
        problems.push(format!("{label}: {e}"));
    }
    let unexpected: Vec<&String> = info
        .warnings
        .iter()
        .filter(|w| !expected_warnings.iter().any(|e| w.starts_with(e)))
        .collect();
    if !unexpected.is_empty() || info.warnings.len() != expected_warnings.len() {
        problems.push(format!(
            "{label}: warnings {:?}, expected {expected_warnings:?}",
            info.warnings
        ));
    }
    problems
}

/// Splits an RFC 4514 string into RDNs of (type, raw value) at unescaped `,` and `+`.
fn split_dn(dn: &str) -> Vec<Vec<(String, String)>> {
    let mut rdns = vec![vec![]];
    let mut current = String::new();
    let mut chars = dn.chars();
    let flush = |current: &mut String, rdns: &mut Vec<Vec<(String, String)>>| {
        let (t, v) = current.split_once('=').unwrap_or((current.as_str(), ""));
        rdns.last_mut()
            .expect("rdn")
            .push((t.to_string(), v.to_string()));
        current.clear();
    };
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                current.push(c);
                if let Some(n) = chars.next() {
                    current.push(n);
                }
            }
            ',' => {
                flush(&mut current, &mut rdns);
                rdns.push(vec![]);
            }
            '+' => flush(&mut current, &mut rdns),
            _ => current.push(c),
        }
    }
    if !dn.is_empty() {
        flush(&mut current, &mut rdns);
    } else {
        rdns.clear();
    }
    rdns
}

fn is_dotted_oid(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// Where two RFC 4514 names first differ, attribute by attribute, for the failure message.
fn first_difference(ours: &str, theirs: &str) -> String {
    let (ours, theirs) = (split_dn(ours), split_dn(theirs));
    for (i, (o, t)) in ours.iter().zip(&theirs).enumerate() {
        if o != t {
            return format!("RDN {i}: certbind {o:?}, openssl {t:?}");
        }
    }
    format!("{} RDNs, openssl {}", ours.len(), theirs.len())
}

/// OpenSSL's `-ext subjectAltName` line as (type, value) pairs in certbind's vocabulary.
fn parse_openssl_san(line: &str) -> Vec<(String, String)> {
    const PREFIXES: [(&str, &str); 7] = [
        ("DNS:", "dns"),
        ("IP Address:", "ip"),
        ("email:", "email"),
        ("URI:", "uri"),
        ("othername: ", "other_name"),
        ("DirName:", "dir_name"),
        ("Registered ID:", "registered_id"),
    ];
    // Entries are joined with ", ", which may also occur inside a value (a DirName): split only
    // where a known prefix follows.
    let mut starts = vec![0];
    for (i, _) in line.match_indices(", ") {
        let rest = &line[i + 2..];
        if PREFIXES.iter().any(|(p, _)| rest.starts_with(p)) {
            starts.push(i + 2);
        }
    }
    starts.push(line.len() + 2);
    starts
        .windows(2)
        .map(|w| {
            let entry = &line[w[0]..w[1] - 2];
            let (prefix, kind) = PREFIXES
                .iter()
                .find(|(p, _)| entry.starts_with(p))
                .unwrap_or_else(|| panic!("unknown SAN entry in OpenSSL output: {entry:?}"));
            (kind.to_string(), entry[prefix.len()..].to_string())
        })
        .collect()
}

/// Removes RFC 4514 escapes from a value (`\,` and `\XX`).
fn unescape(value: &str) -> String {
    let mut out = Vec::new();
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 1 < bytes.len() {
            let pair = value
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(b) = pair {
                out.push(b);
                i += 3;
            } else {
                out.push(bytes[i + 1]);
                i += 2;
            }
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("UTF-8")
}

/// certbind's RFC 4514 dirName in OpenSSL's `X509_NAME_oneline` form (`/CN=a/O=b`, first RDN
/// first, no escaping, OpenSSL's short names). Only for names of printable ASCII, which is what
/// the generated certificates use.
fn oneline(rfc4514: &str) -> String {
    let mut out = String::new();
    for rdn in split_dn(rfc4514).iter().rev() {
        for (i, (t, v)) in rdn.iter().rev().enumerate() {
            out.push(if i == 0 { '/' } else { '+' });
            out.push_str(t);
            out.push('=');
            out.push_str(&unescape(v));
        }
    }
    out
}

fn compare_san(info: &CertificateInfo, openssl: Option<&String>) -> Result<(), String> {
    let theirs = openssl.map(|l| parse_openssl_san(l)).unwrap_or_default();
    let ours: Vec<(String, String)> = info
        .san
        .iter()
        .map(|s| (s.kind.clone(), s.value.clone()))
        .collect();
    if ours.len() != theirs.len() {
        return Err(format!("certbind {ours:?}, openssl {theirs:?}"));
    }
    for ((ok, ov), (tk, tv)) in ours.iter().zip(&theirs) {
        let same = ok == tk
            && match ok.as_str() {
                // OpenSSL: 2001:DB8:0:0:0:0:0:1; certbind (RFC 5952): 2001:db8::1.
                "ip" => {
                    ov.parse::<IpAddr>().ok() == tv.parse::<IpAddr>().ok()
                        && ov.parse::<IpAddr>().is_ok()
                }
                "dir_name" => oneline(ov) == *tv,
                "other_name" => {
                    // OpenSSL: "UPN::value", "SmtpUTF8Mailbox::value", "1.2.3.4::value".
                    let (name, value) = tv.split_once("::").unwrap_or((tv, ""));
                    let oid = match name {
                        "UPN" => "1.3.6.1.4.1.311.20.2.3",
                        "SmtpUTF8Mailbox" => "1.3.6.1.5.5.7.8.9",
                        other => other,
                    };
                    *ov == format!("{oid}:{value}")
                }
                "registered_id" => {
                    // OpenSSL prints the long name of OIDs it knows.
                    let named = Asn1Object::from_str(ov)
                        .map(|o| o.to_string())
                        .unwrap_or_default();
                    ov == tv || named == *tv
                }
                _ => ov == tv,
            };
        if !same {
            return Err(format!("certbind {ok}:{ov}, openssl {tk}:{tv}"));
        }
    }
    Ok(())
}

/// The value after `label` on the first line of `text` that has it.
fn text_field<'a>(text: &'a str, label: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|l| l.split_once(label).map(|(_, v)| v.trim()))
}

fn compare_key_and_signature(info: &CertificateInfo, text: &str) -> Result<(), String> {
    let algorithm = text_field(text, "Public Key Algorithm:").unwrap_or_default();
    let bits = text_field(text, "Public-Key: (")
        .and_then(|v| v.split(' ').next())
        .unwrap_or_default();
    let expected_key = match algorithm {
        "rsaEncryption" => format!("RSA {bits}"),
        "rsassaPss" => format!("RSASSA-PSS {bits}"),
        "id-ecPublicKey" => match text_field(text, "NIST CURVE:") {
            Some(curve) => format!("EC {curve}"),
            None => format!("EC {}", text_field(text, "ASN1 OID:").unwrap_or("?")),
        },
        "ED25519" => "Ed25519".to_string(),
        "ED448" => "Ed448".to_string(),
        other => return Err(format!("key algorithm {other:?} not mapped by this test")),
    };
    if info.key_algorithm != expected_key {
        return Err(format!(
            "key: certbind {:?}, openssl {expected_key:?}",
            info.key_algorithm
        ));
    }
    let signature = text_field(text, "Signature Algorithm:").unwrap_or_default();
    let expected_signature = match signature {
        "ED25519" => "Ed25519".to_string(),
        "ED448" => "Ed448".to_string(),
        "rsassaPss" => {
            let hash = text_field(text, "Hash Algorithm:").unwrap_or("sha1");
            let hash = match hash {
                "sha1" => "SHA-1",
                "sha256" => "SHA-256",
                "sha384" => "SHA-384",
                "sha512" => "SHA-512",
                other => other,
            };
            format!("RSASSA-PSS ({hash})")
        }
        other => other.to_string(),
    };
    if info.signature_algorithm != expected_signature {
        return Err(format!(
            "signature: certbind {:?}, openssl {expected_signature:?}",
            info.signature_algorithm
        ));
    }
    Ok(())
}

/// OpenSSL's long names of key usages and extended key usages, in certbind's names.
const USAGE_NAMES: &[(&str, &str)] = &[
    ("Digital Signature", "digitalSignature"),
    ("Non Repudiation", "nonRepudiation"),
    ("Key Encipherment", "keyEncipherment"),
    ("Data Encipherment", "dataEncipherment"),
    ("Key Agreement", "keyAgreement"),
    ("Certificate Sign", "keyCertSign"),
    ("CRL Sign", "cRLSign"),
    ("Encipher Only", "encipherOnly"),
    ("Decipher Only", "decipherOnly"),
    ("TLS Web Server Authentication", "serverAuth"),
    ("TLS Web Client Authentication", "clientAuth"),
    ("Code Signing", "codeSigning"),
    ("E-mail Protection", "emailProtection"),
    ("Time Stamping", "timeStamping"),
    ("OCSP Signing", "OCSPSigning"),
    ("Any Extended Key Usage", "anyExtendedKeyUsage"),
    ("Microsoft Smartcard Login", "msSmartcardLogin"),
    ("Microsoft Encrypted File System", "msEFS"),
    ("Microsoft Server Gated Crypto", "msSGC"),
    ("Netscape Server Gated Crypto", "nsSGC"),
    ("IPSec End System", "ipsecEndSystem"),
    ("IPSec Tunnel", "ipsecTunnel"),
    ("IPSec User", "ipsecUser"),
    ("ipsec Internet Key Exchange", "ipsecIKE"),
];

fn usage_list(value: Option<&String>) -> Result<Vec<String>, String> {
    let Some(value) = value else {
        return Ok(vec![]);
    };
    value
        .split(", ")
        .map(|n| {
            if is_dotted_oid(n) {
                return Ok(n.to_string());
            }
            USAGE_NAMES
                .iter()
                .find(|(long, _)| *long == n)
                .map(|(_, short)| (*short).to_string())
                .ok_or_else(|| format!("usage {n:?} not mapped by this test"))
        })
        .collect()
}

fn colon_hex(value: &str) -> String {
    value.replace(':', "").to_uppercase()
}

fn compare_extensions(
    info: &CertificateInfo,
    ext: &BTreeMap<String, String>,
) -> Result<(), String> {
    let key_usage = usage_list(ext.get("Key Usage"))?;
    if info.key_usage != key_usage {
        return Err(format!(
            "key usage: certbind {:?}, openssl {key_usage:?}",
            info.key_usage
        ));
    }
    let eku = usage_list(ext.get("Extended Key Usage"))?;
    if info.extended_key_usage != eku {
        return Err(format!(
            "EKU: certbind {:?}, openssl {eku:?}",
            info.extended_key_usage
        ));
    }
    let bc = ext.get("Basic Constraints").map(|v| {
        let ca = v.contains("CA:TRUE");
        let path_len = v
            .split("pathlen:")
            .nth(1)
            .map(|n| n.trim().parse::<u32>().expect("pathlen"));
        (ca, path_len)
    });
    let ours = info.basic_constraints.map(|b| (b.ca, b.path_len));
    if ours != bc {
        return Err(format!(
            "basic constraints: certbind {ours:?}, openssl {bc:?}"
        ));
    }
    let ski = ext.get("Subject Key Identifier").map(|v| colon_hex(v));
    if info.subject_key_id != ski {
        return Err(format!(
            "SKI: certbind {:?}, openssl {ski:?}",
            info.subject_key_id
        ));
    }
    // OpenSSL 3.0 prints the keyIdentifier as hex pairs (older versions with "keyid:"), then
    // DirName/serial lines when the AKI has them.
    let aki = ext.get("Authority Key Identifier").and_then(|v| {
        v.lines()
            .map(|l| l.trim().trim_start_matches("keyid:"))
            .find(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_hexdigit() || c == ':'))
            .map(colon_hex)
    });
    if info.authority_key_id != aki {
        return Err(format!(
            "AKI: certbind {:?}, openssl {aki:?}",
            info.authority_key_id
        ));
    }
    Ok(())
}

fn assert_no_problems(problems: Vec<String>, checked: usize) {
    assert!(
        problems.is_empty(),
        "{} difference(s) between certbind and openssl over {checked} certificates:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Compares certificates two at a time (two cores; each needs five `openssl` runs).
fn compare_all(certs: &[(String, Vec<u8>)]) -> Vec<String> {
    compare_all_expecting(certs, &[])
}

/// As [`compare_all`], each certificate expected to give exactly `expected_warnings`.
fn compare_all_expecting(certs: &[(String, Vec<u8>)], expected_warnings: &[&str]) -> Vec<String> {
    let half = certs.len().div_ceil(2).max(1);
    std::thread::scope(|s| {
        let workers: Vec<_> = certs
            .chunks(half)
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .flat_map(|(l, d)| compare(l, d, expected_warnings))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker"))
            .collect()
    })
}

// ------------------------------------------------------------------------- the system CA bundle

/// Every certificate of the system trust store: the Debian bundle, or every PEM file of
/// /etc/ssl/certs when there is no bundle.
fn system_certificates() -> Vec<(String, Vec<u8>)> {
    let bundle = Path::new("/etc/ssl/certs/ca-certificates.crt");
    let mut pems: Vec<(String, Vec<u8>)> = Vec::new();
    if bundle.exists() {
        pems.push((
            bundle.display().to_string(),
            std::fs::read(bundle).expect("bundle"),
        ));
    } else {
        for entry in std::fs::read_dir("/etc/ssl/certs").expect("/etc/ssl/certs must exist") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "pem" || e == "crt") {
                pems.push((
                    path.display().to_string(),
                    std::fs::read(&path).expect("pem"),
                ));
            }
        }
    }
    let mut certs = Vec::new();
    for (file, pem) in pems {
        for (i, x509) in X509::stack_from_pem(&pem)
            .expect("PEM")
            .into_iter()
            .enumerate()
        {
            let subject = x509
                .subject_name()
                .entries()
                .last()
                .and_then(|e| e.data().to_string().ok())
                .unwrap_or_default();
            certs.push((
                format!("{file} #{i} ({subject})"),
                x509.to_der().expect("DER"),
            ));
        }
    }
    assert!(!certs.is_empty(), "no certificates found in /etc/ssl/certs");
    certs
}

#[test]
fn every_certificate_of_the_system_ca_bundle_agrees_with_openssl() {
    let certs = system_certificates();
    assert!(
        certs.len() >= 50,
        "only {} certificates in the system store",
        certs.len()
    );
    let problems = compare_all(&certs);
    assert_no_problems(problems, certs.len());
}

// ------------------------------------------------------------- certificates made with the CLI

/// An OpenSSL config with the sections the SAN dirName and the test names refer to.
const CONFIG: &str = "\
[req]
distinguished_name = dn
string_mask = utf8only
[dn]
[dir_sect]
CN = Dir Name
O = Org\\, Inc
street = 1 Main St
";

/// A subject with UTF-8, characters that need RFC 4514 escaping, leading and trailing spaces, a
/// leading `#`, a multi-valued RDN, emailAddress, DC, UID, street and serialNumber.
const SUBJECT: &str = "/C=CH/ST=Zürich/L=Zürich/O=Ünïcode 𝄞 \\, \\+ \"q\" <x> ; = \\\\ back/\
                       OU=#hash/OU= lead and trail /DC=example/DC=com+UID=jdoe/\
                       street=Bahnhofstrasse 1/serialNumber=1234-5/emailAddress=jdoe@example.com/\
                       CN=Jöhn Dœ";

const SAN: &str = "subjectAltName=DNS:client.example,DNS:*.wild.example,IP:192.0.2.1,\
                   IP:2001:db8::1,IP:::1,IP:::ffff:192.0.2.9,IP:fe80::1:0:0:1,\
                   email:jdoe@example.com,URI:https://client.example/path?q=1,\
                   otherName:1.3.6.1.4.1.311.20.2.3;UTF8:jdoe@corp.example,\
                   otherName:1.3.6.1.5.5.7.8.9;UTF8:jdoe@example.com,\
                   otherName:1.2.3.4.5;IA5STRING:opaque,dirName:dir_sect,RID:1.2.3.4.5.6";

/// `openssl req -x509` with a new key (`newkey` and `pkeyopt`s), extra arguments and SUBJECT.
fn req_x509(dir: &Path, name: &str, newkey: &[&str], extra: &[&str]) -> (String, Vec<u8>) {
    let config = dir.join("openssl.cnf");
    std::fs::write(&config, CONFIG).expect("config");
    let cert = dir.join(format!("{name}.pem"));
    let key = dir.join(format!("{name}.key"));
    let mut args: Vec<&str> = vec!["req", "-x509", "-utf8", "-nodes", "-days", "30"];
    args.extend(newkey);
    let (config_s, cert_s, key_s) = (
        config.display().to_string(),
        cert.display().to_string(),
        key.display().to_string(),
    );
    args.extend([
        "-config", &config_s, "-keyout", &key_s, "-out", &cert_s, "-subj", SUBJECT,
    ]);
    args.extend(extra);
    openssl(&args, b"");
    let der = openssl(&["x509", "-in", &cert_s, "-outform", "DER"], b"");
    (name.to_string(), der)
}

#[test]
fn certificates_made_by_openssl_for_every_key_type_agree() {
    let dir = scratch_dir().join("keys");
    std::fs::create_dir_all(&dir).expect("dir");
    let full = [
        "-addext",
        SAN,
        "-addext",
        "extendedKeyUsage=clientAuth,serverAuth,1.2.3.4",
        "-addext",
        "keyUsage=critical,digitalSignature,keyEncipherment",
        "-addext",
        "basicConstraints=critical,CA:FALSE",
    ];
    let certs = vec![
        req_x509(&dir, "rsa2048", &["-newkey", "rsa:2048"], &full),
        req_x509(&dir, "rsa4096", &["-newkey", "rsa:4096", "-sha512"], &full),
        req_x509(
            &dir,
            "p256",
            &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
            &full,
        ),
        req_x509(
            &dir,
            "p384",
            &[
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-384",
                "-sha384",
            ],
            &full,
        ),
        req_x509(
            &dir,
            "p521",
            &[
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-521",
                "-sha512",
            ],
            &full,
        ),
        req_x509(
            &dir,
            "secp256k1",
            &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp256k1"],
            &full,
        ),
        req_x509(
            &dir,
            "brainpool",
            &[
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:brainpoolP256r1",
            ],
            &full,
        ),
        req_x509(&dir, "ed25519", &["-newkey", "ed25519"], &full),
        req_x509(&dir, "ed448", &["-newkey", "ed448"], &full),
        req_x509(
            &dir,
            "rsa-pss-key",
            &["-newkey", "rsa-pss", "-pkeyopt", "rsa_keygen_bits:2048"],
            &full,
        ),
        req_x509(
            &dir,
            "rsa-pss-signature",
            &[
                "-newkey",
                "rsa:2048",
                "-sha384",
                "-sigopt",
                "rsa_padding_mode:pss",
                "-sigopt",
                "rsa_pss_saltlen:48",
            ],
            &full,
        ),
        req_x509(
            &dir,
            "ca-pathlen",
            &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
            &[
                "-addext",
                "basicConstraints=critical,CA:TRUE,pathlen:2",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign,digitalSignature,nonRepudiation,\
                          dataEncipherment,keyAgreement,encipherOnly,decipherOnly",
                "-addext",
                "extendedKeyUsage=codeSigning,emailProtection,timeStamping,OCSPSigning,\
                          msSmartcardLogin,anyExtendedKeyUsage",
            ],
        ),
        // ~55 years: notAfter after 2050 is a GeneralizedTime.
        req_x509(
            &dir,
            "after-2050",
            &["-newkey", "ed25519", "-days", "20000"],
            &[],
        ),
    ];
    let problems = compare_all(&certs);
    assert_no_problems(problems, certs.len());
}

#[test]
fn a_leaf_issued_by_a_ca_has_its_issuer_and_authority_key_id() {
    let dir = scratch_dir().join("chain");
    std::fs::create_dir_all(&dir).expect("dir");
    let (_, ca_der) = req_x509(
        &dir,
        "ca",
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        &["-addext", "basicConstraints=critical,CA:TRUE,pathlen:0"],
    );
    let path = |n: &str| dir.join(n).display().to_string();
    openssl(
        &[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            &path("leaf.key"),
            "-out",
            &path("leaf.csr"),
            "-subj",
            "/CN=leaf/O=Leaf Org",
            "-config",
            &path("openssl.cnf"),
        ],
        b"",
    );
    std::fs::write(
        dir.join("leaf.ext"),
        format!(
            "{SAN}\nauthorityKeyIdentifier=keyid:always,issuer\nsubjectKeyIdentifier=hash\n\
             extendedKeyUsage=clientAuth\n[dir_sect]\nCN = Dir Name\nO = Org\\, Inc\n"
        ),
    )
    .expect("ext");
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            &path("leaf.csr"),
            "-CA",
            &path("ca.pem"),
            "-CAkey",
            &path("ca.key"),
            "-CAcreateserial",
            "-days",
            "10",
            "-extfile",
            &path("leaf.ext"),
            "-extensions",
            "default",
            "-out",
            &path("leaf.pem"),
        ],
        b"",
    );
    let leaf_der = openssl(&["x509", "-in", &path("leaf.pem"), "-outform", "DER"], b"");
    let certs = vec![
        ("ca".to_string(), ca_der.clone()),
        ("leaf".to_string(), leaf_der.clone()),
    ];
    assert_no_problems(compare_all(&certs), 2);
    let ca = Certificate::from_der(&ca_der).expect("ca").info();
    let leaf = Certificate::from_der(&leaf_der).expect("leaf").info();
    assert_eq!(leaf.issuer, ca.subject);
    assert_eq!(leaf.issuer_der, ca.subject_der);
    assert_eq!(leaf.authority_key_id, ca.subject_key_id);
    assert!(ca.self_issued && !leaf.self_issued);
}

// ------------------------------------------------------- certificates with hand-made names

/// DER length octets.
fn der_len(len: usize) -> Vec<u8> {
    use der::Encode as _;
    der::Length::try_from(len)
        .expect("len")
        .to_der()
        .expect("len")
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend(der_len(content.len()));
    out.extend_from_slice(content);
    out
}

fn oid(dotted: &str) -> Vec<u8> {
    tlv(0x06, Asn1Object::from_str(dotted).expect("oid").as_slice())
}

/// An AttributeTypeAndValue with a value of string tag `tag`.
fn atv(dotted: &str, tag: u8, value: &[u8]) -> Vec<u8> {
    let mut content = oid(dotted);
    content.extend(tlv(tag, value));
    tlv(0x30, &content)
}

/// A Name from RDNs, each a list of AttributeTypeAndValues in the order given (not sorted: the
/// order inside a SET is kept as written, to check that both sides keep it).
fn name(rdns: &[Vec<Vec<u8>>]) -> Vec<u8> {
    let content: Vec<u8> = rdns
        .iter()
        .flat_map(|rdn| tlv(0x31, &rdn.concat()))
        .collect();
    tlv(0x30, &content)
}

fn utf16be(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_be_bytes).collect()
}

const UTF8: u8 = 0x0C;
const NUMERIC: u8 = 0x12;
const PRINTABLE: u8 = 0x13;
const TELETEX: u8 = 0x14;
const IA5: u8 = 0x16;
const SEQUENCE: u8 = 0x30;
const BMP: u8 = 0x1E;
/// Not a string type: written as `#` and DER hex by both. OpenSSL's name decoder accepts only
/// its "printable" set of types here (B_ASN1_PRINTABLE: no VisibleString, no OCTET STRING, but
/// BIT STRING and SEQUENCE).
const BIT_STRING: u8 = 0x03;
// UniversalString (0x1C) is not tested: the `der` crate cannot read the tag, so certbind rejects
// such a certificate as malformed DER (see the report of the name module's author).

/// A self-signed certificate with `subject_der` as subject and issuer, signed by OpenSSL.
fn with_name(
    key: &PKey<Private>,
    subject_der: &[u8],
    not_before: &str,
    not_after: &str,
    serial: i64,
) -> Vec<u8> {
    let name = X509Name::from_der(subject_der).expect("OpenSSL reads the name");
    let mut b = X509Builder::new().expect("builder");
    b.set_version(2).expect("version");
    let mut bn = BigNum::from_dec_str(&serial.unsigned_abs().to_string()).expect("bn");
    bn.set_negative(serial < 0);
    let serial: Asn1Integer = bn.to_asn1_integer().expect("serial");
    b.set_serial_number(&serial).expect("serial");
    b.set_subject_name(&name).expect("subject");
    b.set_issuer_name(&name).expect("issuer");
    b.set_pubkey(key).expect("key");
    b.set_not_before(&Asn1Time::from_str(not_before).expect("time"))
        .expect("nb");
    b.set_not_after(&Asn1Time::from_str(not_after).expect("time"))
        .expect("na");
    b.sign(key, MessageDigest::sha256()).expect("sign");
    b.build().to_der().expect("der")
}

fn p256() -> PKey<Private> {
    let group =
        openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).expect("group");
    PKey::from_ec_key(openssl::ec::EcKey::generate(&group).expect("key")).expect("pkey")
}

#[test]
fn names_in_every_string_type_with_escapes_and_multi_valued_rdns_agree() {
    let key = p256();
    let names = [
        name(&[
            vec![atv("2.5.4.6", PRINTABLE, b"DE")],
            vec![atv("2.5.4.8", UTF8, " leading space".as_bytes())],
            vec![atv("2.5.4.7", TELETEX, b"M\xfcnchen caf\xe9")],
            vec![atv("2.5.4.10", BMP, &utf16be("Ünïcode Ω, \"bmp\""))],
            vec![atv("2.5.4.11", IA5, b"ia5 +;<>")],
            // A SEQUENCE where a string belongs: `#` and DER hex on both sides.
            vec![atv("2.5.4.11", SEQUENCE, b"\x02\x01\x05")],
            vec![atv(
                "2.5.4.3",
                UTF8,
                "Jöhn \"Q\" Smith, Jr. = #1 \\ end ".as_bytes(),
            )],
        ]),
        name(&[
            vec![atv("0.9.2342.19200300.100.1.25", IA5, b"com")],
            vec![atv("0.9.2342.19200300.100.1.25", IA5, b"example")],
            // Multi-valued, in DER order (UID before CN by encoding) and the reverse.
            vec![
                atv("0.9.2342.19200300.100.1.1", UTF8, b"jdoe"),
                atv("2.5.4.3", UTF8, b"John"),
            ],
            vec![
                atv("2.5.4.3", UTF8, b"Second"),
                atv("2.5.4.11", UTF8, b"Unsorted+Set"),
            ],
            vec![atv("2.5.4.9", UTF8, b"Main St. 1")],
            vec![atv("1.2.840.113549.1.9.1", IA5, b"jdoe@example.com")],
            vec![atv("2.5.4.3", UTF8, b"#hash")],
        ]),
        name(&[
            vec![atv("2.5.4.5", PRINTABLE, b"SN-12345")],
            vec![atv("1.2.3.4.5", UTF8, b"unknown attribute")],
            vec![atv("2.5.4.97", UTF8, b"VATDE-123456789")],
            vec![atv("2.5.4.3", BIT_STRING, b"\x00\xab\xcd")],
            vec![atv("2.5.4.3", NUMERIC, b"0123 456")],
            vec![atv("2.5.4.3", UTF8, b"control\x01char\x7f")],
            vec![atv("2.5.4.3", UTF8, b" ")],
        ]),
        name(&[]),
    ];
    let certs: Vec<(String, Vec<u8>)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            (
                format!("name #{i}"),
                with_name(&key, n, "20250101000000Z", "20300101000000Z", 4660),
            )
        })
        .collect();
    assert_no_problems(compare_all(&certs), certs.len());
    // The written form of one of them, by the RFC (not just "the same as OpenSSL").
    let info = Certificate::from_der(&certs[1].1).expect("cert").info();
    assert_eq!(
        info.subject,
        "CN=\\#hash,emailAddress=jdoe@example.com,street=Main St. 1,OU=Unsorted\\+Set+CN=Second,\
         CN=John+UID=jdoe,DC=example,DC=com"
    );
}

#[test]
fn times_and_serials_in_utctime_and_generalizedtime_agree() {
    let key = p256();
    let subject = name(&[vec![atv("2.5.4.3", UTF8, b"times")]]);
    let mut certs = Vec::new();
    for (i, (nb, na, serial)) in [
        ("991231235959Z", "491231235959Z", 1), // UTCTime on both sides of 2000
        ("20250101000000Z", "20491231235959Z", 0), // GeneralizedTime before 2050, serial 0
        ("700101000000Z", "99991231235959Z", 0x80), // the epoch .. 9999; sign byte
        ("20240229120000Z", "20380119031408Z", 0x7f), // leap day .. 2^31 seconds
        ("20240229120000Z", "20500101000000Z", i64::MAX),
    ]
    .into_iter()
    .enumerate()
    {
        let label = format!("times #{i} {nb}..{na} serial {serial}");
        certs.push((label, with_name(&key, &subject, nb, na, serial)));
    }
    assert_no_problems(compare_all(&certs), certs.len());
}

#[test]
fn a_negative_serial_is_shown_as_openssl_shows_it_with_a_warning() {
    let key = p256();
    let subject = name(&[vec![atv("2.5.4.3", UTF8, b"negative serial")]]);
    let certs = vec![(
        "serial -5".to_string(),
        with_name(&key, &subject, "20250101000000Z", "20300101000000Z", -5),
    )];
    assert_no_problems(
        compare_all_expecting(&certs, &["serial number is negative"]),
        1,
    );
}

/// RFC 5280 §4.1.2.5: UTCTime years 50–69 are 1950–1969, GeneralizedTime reaches back to year
/// 0000, and 9999-12-31T23:59:59Z means "no well-defined expiration date". The `der` crate's
/// `DateTime` (and with it x509-cert) starts at 1970; certbind reads the times itself.
#[test]
fn certificates_dated_before_1970_and_until_9999_agree() {
    let key = p256();
    let subject = name(&[vec![atv("2.5.4.3", UTF8, b"old")]]);
    let mut certs = Vec::new();
    for (nb, na) in [
        ("500101000000Z", "20500101000000Z"),   // UTCTime 1950
        ("691231235959Z", "700101000000Z"),     // the last second before the epoch, UTCTime
        ("690101000000Z", "691231235959Z"),     // expired in 1969
        ("19000101000000Z", "99991231235959Z"), // GeneralizedTime 1900 .. 9999
        ("19690720201800Z", "99991231235959Z"), // GeneralizedTime in 1969 (should be UTCTime)
        ("16000229000000Z", "19491231235959Z"), // a leap day in 1600 .. the end of 1949
    ] {
        certs.push((format!("{nb}..{na}"), with_name(&key, &subject, nb, na, 7)));
    }
    assert_no_problems(compare_all(&certs), certs.len());
    let info = Certificate::from_der(&certs[3].1).expect("cert").info();
    assert_eq!(info.not_before, "1900-01-01T00:00:00Z");
    assert_eq!(info.not_before_unix, -2_208_988_800);
    assert_eq!(info.not_after, "9999-12-31T23:59:59Z");
}

// ------------------------------------------------------------------- attribute types by name

/// The arcs under which OpenSSL's objects table holds directory attribute types (see
/// core/src/model/attribute_types.rs).
const ATTRIBUTE_ARCS: [&str; 7] = [
    "2.5.4",
    "0.9.2342.19200300.100.1",
    "1.2.840.113549.1.9",
    "1.3.6.1.5.5.7.9",
    "1.3.6.1.4.1.311.60.2.1",
    "1.2.643.100",
    "1.2.643.3.131.1",
];

/// Every OID 0–127 under each attribute arc, in every string type and some that are not strings,
/// in single- and multi-valued RDNs: OpenSSL prints its name for each type it knows and the
/// dotted OID with `#hex` for the rest; certbind must print exactly the same, type for type.
#[test]
fn every_attribute_type_of_the_directory_arcs_is_named_as_openssl_names_it() {
    let key = p256();
    // (tag, value) pairs cycled through; SEQUENCE and BIT STRING are not strings (`#hex`).
    let values: [(u8, Vec<u8>); 7] = [
        (UTF8, "Ünïcode, \"v\"".as_bytes().to_vec()),
        (PRINTABLE, b"Printable 1".to_vec()),
        (IA5, b"ia5+value@example.com".to_vec()),
        (BMP, utf16be("bmp Ω")),
        (TELETEX, b"caf\xe9".to_vec()),
        (SEQUENCE, b"\x02\x01\x05".to_vec()),
        (BIT_STRING, b"\x00\xab".to_vec()),
    ];
    let mut attributes = Vec::new();
    for arc in ATTRIBUTE_ARCS {
        for n in 0..128 {
            let (tag, value) = &values[attributes.len() % values.len()];
            attributes.push(atv(&format!("{arc}.{n}"), *tag, value));
        }
    }
    let mut names_openssl_knows = 0;
    let certs: Vec<(String, Vec<u8>)> = attributes
        .chunks(64)
        .enumerate()
        .map(|(i, chunk)| {
            // Single-valued RDNs, and every fifth attribute joined to the one before it.
            let mut rdns: Vec<Vec<Vec<u8>>> = Vec::new();
            for (j, a) in chunk.iter().enumerate() {
                match rdns.last_mut() {
                    Some(rdn) if j % 5 == 4 => rdn.push(a.clone()),
                    _ => rdns.push(vec![a.clone()]),
                }
            }
            let der = with_name(&key, &name(&rdns), "20250101000000Z", "20300101000000Z", 9);
            (format!("attribute types #{i}"), der)
        })
        .collect();
    for (_, der) in &certs {
        let view = openssl_view(der);
        names_openssl_knows += split_dn(&view.subject)
            .iter()
            .flatten()
            .filter(|(t, _)| !is_dotted_oid(t))
            .count();
    }
    // OpenSSL 3.0 names 134 of them (crypto/objects/objects.txt); a newer OpenSSL may know more.
    assert!(
        names_openssl_knows >= 134,
        "openssl named {names_openssl_knows} attribute types"
    );
    assert_no_problems(compare_all(&certs), certs.len());
}

/// The fixture with every attribute type openssl knows (made by make-fixtures.sh with `-subj`)
/// and the eIDAS one: certbind writes their names as OpenSSL does, and each written name reads
/// back (as a registered `subject_dn`) as the certificate's own subject. One name does not:
/// OpenSSL calls uniqueIdentifier (0.9.2342.19200300.100.1.44) `uid`, but in a written name
/// `uid` is userId (0.9.2342.19200300.100.1.1), as RFC 4519 and every LDAP directory use it.
#[test]
fn the_named_attribute_fixtures_agree_and_their_names_read_back() {
    let mut certs = Vec::new();
    for file in ["names.attribute-types.ee.der", "names.eidas.ee.der"] {
        certs.push((
            file.to_string(),
            certbind_tests::fixtures::read_fixture(file),
        ));
    }
    assert_no_problems(compare_all(&certs), certs.len());
    for (file, der) in &certs {
        let cert = Certificate::from_der(der).expect("cert");
        let subject = cert.info().subject;
        let parse = |text: &str| {
            certbind_core::DistinguishedName::parse(text).unwrap_or_else(|e| panic!("{file}: {e}"))
        };
        let unique_identifier = "uid=value 0.9.2342.19200300.100.1.44";
        if subject.contains(unique_identifier) {
            let difference = parse(&subject).compare_subject(&cert).unwrap_err();
            assert!(
                matches!(&difference, certbind_core::DnDifference::Attribute { expected, actual, .. }
                    if expected == "UID=value 0.9.2342.19200300.100.1.44"
                        && actual == unique_identifier),
                "{difference:?}"
            );
        }
        let subject = subject.replace(
            unique_identifier,
            "0.9.2342.19200300.100.1.44=value 0.9.2342.19200300.100.1.44",
        );
        assert_eq!(
            parse(&subject).compare_subject(&cert),
            Ok(()),
            "{file}: {subject}"
        );
    }
}
