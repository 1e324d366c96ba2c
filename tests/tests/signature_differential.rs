//! The server verifies chain signatures with OpenSSL (`certbind_host::signatures`), the npm
//! package and the page with the core's pure-Rust algorithms: both must give the same verdict
//! on every input, or one certificate would authenticate a client in one place and not in the
//! other. For every algorithm, on keys and signatures made by OpenSSL here: valid signatures
//! (which both must accept, so that the comparison is not between two refusals), and tampered
//! signatures (bits, lengths, DER encodings, r/s out of range, other hashes and paddings), keys
//! (bits, point encodings, RSA sizes and exponents, DER forms) and messages; plus the Ed25519
//! edge cases of "Taming the many EdDSAs" (small-order keys and points, non-canonical
//! encodings), and signatures of the x509-limbo suite (a subset; `limbo --differential` compares
//! the whole suite, see bench/RESULTS.md).
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use certbind_tests::signature_pairs::{Pair, name, pairs};
use openssl::bn::{BigNum, BigNumContext};
use openssl::ec::{EcGroup, EcKey, PointConversionForm};
use openssl::ecdsa::EcdsaSig;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::{Padding, Rsa};
use openssl::sign::{RsaPssSaltlen, Signer};

/// Inputs and the verdicts both implementations gave; a test fails on the first difference,
/// printing the input so that it can be replayed.
#[derive(Default)]
struct Tally {
    compared: usize,
    accepted: usize,
    differences: Vec<String>,
}

impl Tally {
    /// Compares the pair on one input; `expected` (when given) is asserted for the core, so
    /// that a case meant to be valid really is.
    fn check(
        &mut self,
        pair: &Pair,
        case: &str,
        key: &[u8],
        message: &[u8],
        signature: &[u8],
        expected: Option<bool>,
    ) {
        let (core, openssl) = pair.verdicts(key, message, signature);
        self.compared += 1;
        self.accepted += usize::from(core);
        if core != openssl {
            self.differences.push(format!(
                "{} / {case}: core {core}, OpenSSL {openssl}\n  key {}\n  message {}\n  signature {}",
                pair.name(),
                hex(key),
                hex(message),
                hex(signature)
            ));
        }
        if let Some(expected) = expected {
            assert_eq!(
                core,
                expected,
                "{} / {case}: the core's verdict",
                pair.name()
            );
        }
    }

    fn assert_agreed(&self, what: &str) {
        assert!(
            self.differences.is_empty(),
            "{what}: {} of {} inputs differ:\n{}",
            self.differences.len(),
            self.compared,
            self.differences.join("\n")
        );
        eprintln!(
            "{what}: {} inputs, {} accepted by both, the rest refused by both",
            self.compared, self.accepted
        );
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// The pairs whose name starts with `prefix` (e.g. "ECDSA P-256", "RSA PSS").
fn pairs_named(prefix: &str) -> Vec<Pair> {
    let selected: Vec<Pair> = pairs()
        .into_iter()
        .filter(|p| p.name().starts_with(prefix))
        .collect();
    assert!(!selected.is_empty(), "no algorithm named {prefix}");
    selected
}

/// Messages of the sizes certificates have (and the degenerate ones).
fn messages() -> Vec<Vec<u8>> {
    [0_usize, 1, 57, 300, 1100]
        .iter()
        .map(|&len| {
            let mut m = vec![0_u8; len];
            openssl::rand::rand_bytes(&mut m).unwrap();
            m
        })
        .collect()
}

/// Variants of `bytes` with one bit flipped, at up to `count` positions spread over it (the
/// first and last bytes always included).
fn bit_flips(bytes: &[u8], count: usize) -> Vec<(String, Vec<u8>)> {
    if bytes.is_empty() {
        return Vec::new();
    }
    let step = (bytes.len() / count.max(1)).max(1);
    let mut positions: Vec<usize> = (0..bytes.len()).step_by(step).collect();
    positions.push(bytes.len() - 1);
    positions.dedup();
    positions
        .into_iter()
        .enumerate()
        .map(|(i, at)| {
            let mut b = bytes.to_vec();
            b[at] ^= 1 << (i % 8);
            (format!("bit {} of byte {at} flipped", i % 8), b)
        })
        .collect()
}

/// Length and framing changes every encoding should refuse (or both accept).
fn reframed(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = vec![
        ("empty".to_owned(), Vec::new()),
        (
            "last byte dropped".to_owned(),
            bytes[..bytes.len() - 1].to_vec(),
        ),
        ("a zero byte appended".to_owned(), [bytes, &[0]].concat()),
        ("a zero byte prepended".to_owned(), [&[0], bytes].concat()),
        ("all zeros".to_owned(), vec![0; bytes.len()]),
        ("all ones".to_owned(), vec![0xff; bytes.len()]),
    ];
    if bytes.len() > 2 {
        out.push(("first byte dropped".to_owned(), bytes[1..].to_vec()));
    }
    out
}

// --------------------------------------------------------------------------------- DER tools

/// A DER length.
fn der_length(len: usize) -> Vec<u8> {
    if len < 0x80 {
        vec![u8::try_from(len).unwrap()]
    } else if len < 0x100 {
        vec![0x81, u8::try_from(len).unwrap()]
    } else {
        vec![
            0x82,
            u8::try_from(len >> 8).unwrap(),
            u8::try_from(len & 0xff).unwrap(),
        ]
    }
}

/// A TLV with the given tag, content and length encoding.
fn tlv(tag: u8, content: &[u8], length: &[u8]) -> Vec<u8> {
    [&[tag][..], length, content].concat()
}

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    tlv(tag, content, &der_length(content.len()))
}

/// The minimal DER INTEGER content of an unsigned big-endian number.
fn uint(be: &[u8]) -> Vec<u8> {
    let trimmed: Vec<u8> = be.iter().copied().skip_while(|b| *b == 0).collect();
    match trimmed.first() {
        None => vec![0],
        Some(b) if *b >= 0x80 => [&[0], &trimmed[..]].concat(),
        Some(_) => trimmed,
    }
}

/// SEQUENCE { INTEGER a, INTEGER b } from INTEGER contents.
fn two_integers(a: &[u8], b: &[u8]) -> Vec<u8> {
    der(0x30, &[der(0x02, a), der(0x02, b)].concat())
}

// ------------------------------------------------------------------------------------- ECDSA

struct EcCase {
    group: EcGroup,
    key: PKey<Private>,
    point: Vec<u8>,
}

fn ec_key(nid: Nid) -> EcCase {
    let group = EcGroup::from_curve_name(nid).unwrap();
    let ec = EcKey::generate(&group).unwrap();
    let mut ctx = BigNumContext::new().unwrap();
    let point = ec
        .public_key()
        .to_bytes(&group, PointConversionForm::UNCOMPRESSED, &mut ctx)
        .unwrap();
    EcCase {
        group,
        key: PKey::from_ec_key(ec).unwrap(),
        point,
    }
}

fn sign(key: &PKey<Private>, digest: MessageDigest, message: &[u8]) -> Vec<u8> {
    let mut signer = Signer::new(digest, key).unwrap();
    signer.sign_oneshot_to_vec(message).unwrap()
}

/// Another encoding of `point` on the same curve: compressed, hybrid, the identity, and the
/// coordinates pushed out of range.
fn point_encodings(case: &EcCase) -> Vec<(String, Vec<u8>)> {
    let mut ctx = BigNumContext::new().unwrap();
    let ec = case.key.ec_key().unwrap();
    let compressed = ec
        .public_key()
        .to_bytes(&case.group, PointConversionForm::COMPRESSED, &mut ctx)
        .unwrap();
    let hybrid = ec
        .public_key()
        .to_bytes(&case.group, PointConversionForm::HYBRID, &mut ctx)
        .unwrap();
    let field = (case.point.len() - 1) / 2;
    let mut p = BigNum::new().unwrap();
    let mut a = BigNum::new().unwrap();
    let mut b = BigNum::new().unwrap();
    case.group
        .components_gfp(&mut p, &mut a, &mut b, &mut ctx)
        .unwrap();
    // x + p, when it still fits in the field's width (then it encodes the same x mod p).
    let x = BigNum::from_slice(&case.point[1..=field]).unwrap();
    let mut x_plus_p = BigNum::new().unwrap();
    x_plus_p.checked_add(&x, &p).unwrap();
    let mut out = vec![
        ("compressed point".to_owned(), compressed),
        ("hybrid point".to_owned(), hybrid),
        ("the identity (0x00)".to_owned(), vec![0]),
        (
            "uncompressed tag with only x".to_owned(),
            case.point[..=field].to_vec(),
        ),
    ];
    if let Ok(wide) = x_plus_p.to_vec_padded(i32::try_from(field).unwrap()) {
        out.push((
            "x + p".to_owned(),
            [&[0x04][..], &wide, &case.point[field + 1..]].concat(),
        ));
    }
    // y replaced by p - y: the other point with this x (valid point, wrong key).
    let y = BigNum::from_slice(&case.point[field + 1..]).unwrap();
    let mut minus_y = BigNum::new().unwrap();
    minus_y.checked_sub(&p, &y).unwrap();
    out.push((
        "(x, -y)".to_owned(),
        [
            &case.point[..=field],
            &minus_y
                .to_vec_padded(i32::try_from(field).unwrap())
                .unwrap()[..],
        ]
        .concat(),
    ));
    out
}

/// DER variants of an ECDSA signature: non-minimal and negative integers, long-form and
/// indefinite lengths, trailing data, r and s swapped or out of range, the high-S twin.
fn ecdsa_encodings(signature: &[u8], order: &BigNum) -> Vec<(String, Vec<u8>, Option<bool>)> {
    let parsed = EcdsaSig::from_der(signature).unwrap();
    let r = parsed.r().to_vec();
    let s = parsed.s().to_vec();
    let (ru, su) = (uint(&r), uint(&s));
    let body = [der(0x02, &ru), der(0x02, &su)].concat();
    let n = order.to_vec();
    let mut high_s = BigNum::new().unwrap();
    high_s
        .checked_sub(order, &BigNum::from_slice(&s).unwrap())
        .unwrap();
    let mut r_plus_n = BigNum::new().unwrap();
    r_plus_n
        .checked_add(&BigNum::from_slice(&r).unwrap(), order)
        .unwrap();
    let strip_sign = |i: &[u8]| -> Vec<u8> {
        if i.len() > 1 && i[0] == 0 {
            i[1..].to_vec()
        } else {
            [&[0x80 | i[0]], &i[1..]].concat()
        }
    };
    vec![
        (
            "the same DER again".to_owned(),
            two_integers(&ru, &su),
            Some(true),
        ),
        // ECDSA accepts (r, n - s) for (r, s): both implementations accept it.
        (
            "high-S twin (r, n - s)".to_owned(),
            two_integers(&ru, &uint(&high_s.to_vec())),
            Some(true),
        ),
        ("r and s swapped".to_owned(), two_integers(&su, &ru), None),
        (
            "r with a superfluous leading zero".to_owned(),
            two_integers(&[&[0], &ru[..]].concat(), &su),
            None,
        ),
        (
            "s with a superfluous leading zero".to_owned(),
            two_integers(&ru, &[&[0], &su[..]].concat()),
            None,
        ),
        (
            "r negative".to_owned(),
            two_integers(&strip_sign(&ru), &su),
            None,
        ),
        (
            "s negative".to_owned(),
            two_integers(&ru, &strip_sign(&su)),
            None,
        ),
        ("r = 0".to_owned(), two_integers(&[0], &su), None),
        ("s = 0".to_owned(), two_integers(&ru, &[0]), None),
        ("r = n".to_owned(), two_integers(&uint(&n), &su), None),
        ("s = n".to_owned(), two_integers(&ru, &uint(&n)), None),
        (
            "r + n".to_owned(),
            two_integers(&uint(&r_plus_n.to_vec()), &su),
            None,
        ),
        (
            "empty INTEGER for r".to_owned(),
            der(0x30, &[vec![0x02, 0x00], der(0x02, &su)].concat()),
            None,
        ),
        (
            "SEQUENCE length in long form".to_owned(),
            tlv(0x30, &body, &[0x81, u8::try_from(body.len()).unwrap()]),
            None,
        ),
        (
            "SEQUENCE length in a two-byte long form".to_owned(),
            tlv(0x30, &body, &[0x82, 0, u8::try_from(body.len()).unwrap()]),
            None,
        ),
        (
            "indefinite-length SEQUENCE".to_owned(),
            [&[0x30, 0x80][..], &body, &[0, 0]].concat(),
            None,
        ),
        (
            "INTEGER length in long form".to_owned(),
            der(
                0x30,
                &[
                    tlv(0x02, &ru, &[0x81, u8::try_from(ru.len()).unwrap()]),
                    der(0x02, &su),
                ]
                .concat(),
            ),
            None,
        ),
        (
            "trailing byte after the SEQUENCE".to_owned(),
            [signature, &[0]].concat(),
            None,
        ),
        (
            "trailing INTEGER inside the SEQUENCE".to_owned(),
            der(0x30, &[body.clone(), der(0x02, &[1])].concat()),
            None,
        ),
        ("only r".to_owned(), der(0x30, &der(0x02, &ru)), None),
        ("SET instead of SEQUENCE".to_owned(), der(0x31, &body), None),
        (
            "r and s as OCTET STRINGs".to_owned(),
            der(0x30, &[der(0x04, &ru), der(0x04, &su)].concat()),
            None,
        ),
        (
            "raw r || s (JOSE form)".to_owned(),
            [parsed.r().to_vec(), parsed.s().to_vec()].concat(),
            None,
        ),
    ]
}

fn ecdsa_differential(curve: &str, nid: Nid, own: &str) {
    let mut tally = Tally::default();
    let all = pairs();
    let digests = [
        ("SHA-256", MessageDigest::sha256()),
        ("SHA-384", MessageDigest::sha384()),
        ("SHA-512", MessageDigest::sha512()),
    ];
    let case = ec_key(nid);
    let other = ec_key(nid);
    let mut ctx = BigNumContext::new().unwrap();
    let mut order = BigNum::new().unwrap();
    case.group.order(&mut order, &mut ctx).unwrap();
    let messages = messages();
    for pair in pairs_named(&format!("ECDSA {curve} ")) {
        let hash = pair.name().rsplit(' ').next().unwrap().to_owned();
        let digest = digests.iter().find(|(n, _)| *n == hash).unwrap().1;
        for (m, message) in messages.iter().enumerate() {
            let signature = sign(&case.key, digest, message);
            let key = &case.point;
            tally.check(
                &pair,
                &format!("valid, message {m}"),
                key,
                message,
                &signature,
                Some(true),
            );
            // Only the first message gets every variant (each verification is slow in a
            // debug build); the others get the valid case and a few flips.
            let flips = if m == 0 { 12 } else { 2 };
            for (what, sig) in bit_flips(&signature, flips) {
                tally.check(
                    &pair,
                    &format!("signature {what}"),
                    key,
                    message,
                    &sig,
                    Some(false),
                );
            }
            if m != 0 {
                continue;
            }
            for (what, sig, expected) in ecdsa_encodings(&signature, &order) {
                tally.check(
                    &pair,
                    &format!("signature {what}"),
                    key,
                    message,
                    &sig,
                    expected,
                );
            }
            for (what, sig) in reframed(&signature) {
                tally.check(
                    &pair,
                    &format!("signature {what}"),
                    key,
                    message,
                    &sig,
                    None,
                );
            }
            for (what, k) in bit_flips(key, 6) {
                tally.check(
                    &pair,
                    &format!("key {what}"),
                    &k,
                    message,
                    &signature,
                    Some(false),
                );
            }
            for (what, k) in point_encodings(&case) {
                tally.check(
                    &pair,
                    &format!("key: {what}"),
                    &k,
                    message,
                    &signature,
                    None,
                );
            }
            for (what, k) in reframed(key) {
                tally.check(&pair, &format!("key {what}"), &k, message, &signature, None);
            }
            tally.check(
                &pair,
                "another key",
                &other.point,
                message,
                &signature,
                Some(false),
            );
            for (what, msg) in bit_flips(message, 3) {
                tally.check(
                    &pair,
                    &format!("message {what}"),
                    key,
                    &msg,
                    &signature,
                    Some(false),
                );
            }
            tally.check(
                &pair,
                "message with a byte appended",
                key,
                &[message.as_slice(), &[0]].concat(),
                &signature,
                Some(false),
            );
            // The same signature under every other algorithm (other hashes, curves, RSA...).
            for wrong in all.iter().filter(|p| p.name() != pair.name()) {
                tally.check(
                    wrong,
                    &format!("a {} signature", pair.name()),
                    key,
                    message,
                    &signature,
                    None,
                );
            }
        }
    }
    tally.assert_agreed(own);
}

#[test]
fn ecdsa_p256_verdicts_are_the_same() {
    ecdsa_differential("P-256", Nid::X9_62_PRIME256V1, "ECDSA P-256");
}

#[test]
fn ecdsa_p384_verdicts_are_the_same() {
    ecdsa_differential("P-384", Nid::SECP384R1, "ECDSA P-384");
}

#[test]
fn ecdsa_p521_verdicts_are_the_same() {
    ecdsa_differential("P-521", Nid::SECP521R1, "ECDSA P-521");
}

// --------------------------------------------------------------------------------------- RSA

/// `RSAPublicKey` DER from a modulus and an exponent (big-endian, unsigned).
fn rsa_public_key(n: &[u8], e: &[u8]) -> Vec<u8> {
    two_integers(&uint(n), &uint(e))
}

/// Keys that break one of the rules: sizes, exponents, encodings.
fn rsa_key_variants(key: &Rsa<Private>) -> Vec<(String, Vec<u8>)> {
    let n = key.n().to_vec();
    let e = key.e().to_vec();
    let encoded = key.public_key_to_der_pkcs1().unwrap();
    let body = [der(0x02, &uint(&n)), der(0x02, &uint(&e))].concat();
    let mut even_n = n.clone();
    *even_n.last_mut().unwrap() &= 0xfe;
    vec![
        ("e = 1".to_owned(), rsa_public_key(&n, &[1])),
        ("e = 2".to_owned(), rsa_public_key(&n, &[2])),
        ("e = 3".to_owned(), rsa_public_key(&n, &[3])),
        (
            "e = 65536 (even)".to_owned(),
            rsa_public_key(&n, &[1, 0, 0]),
        ),
        (
            "e = 2^33 - 1".to_owned(),
            rsa_public_key(&n, &[1, 0xff, 0xff, 0xff, 0xff]),
        ),
        (
            "e = 2^33 + 1".to_owned(),
            rsa_public_key(&n, &[2, 0, 0, 0, 1]),
        ),
        ("e = n".to_owned(), rsa_public_key(&n, &n)),
        ("n even".to_owned(), rsa_public_key(&even_n, &e)),
        (
            "n with a superfluous leading zero".to_owned(),
            der(
                0x30,
                &[der(0x02, &[&[0, 0], &n[..]].concat()), der(0x02, &uint(&e))].concat(),
            ),
        ),
        (
            "n negative".to_owned(),
            der(0x30, &[der(0x02, &n), der(0x02, &uint(&e))].concat()),
        ),
        (
            "SEQUENCE length in a three-byte long form".to_owned(),
            tlv(
                0x30,
                &body,
                &[
                    0x83,
                    0,
                    u8::try_from(body.len() >> 8).unwrap(),
                    u8::try_from(body.len() & 0xff).unwrap(),
                ],
            ),
        ),
        (
            "trailing byte".to_owned(),
            [encoded.as_slice(), &[0]].concat(),
        ),
        (
            "a third INTEGER".to_owned(),
            der(0x30, &[body.clone(), der(0x02, &[1])].concat()),
        ),
        ("only n".to_owned(), der(0x30, &der(0x02, &uint(&n)))),
        (
            "SubjectPublicKeyInfo instead of RSAPublicKey".to_owned(),
            key.public_key_to_der().unwrap(),
        ),
    ]
}

fn rsa_sign(
    key: &PKey<Private>,
    digest: MessageDigest,
    pss: Option<RsaPssSaltlen>,
    message: &[u8],
) -> Vec<u8> {
    let mut signer = Signer::new(digest, key).unwrap();
    if let Some(salt) = pss {
        signer.set_rsa_padding(Padding::PKCS1_PSS).unwrap();
        signer.set_rsa_mgf1_md(digest).unwrap();
        signer.set_rsa_pss_saltlen(salt).unwrap();
    }
    signer.sign_oneshot_to_vec(message).unwrap()
}

/// A message and its valid signature whose first byte is zero (about one in 256): PSS
/// signatures differ at each signing, PKCS#1 ones per message.
fn leading_zero_signature(
    key: &PKey<Private>,
    digest: MessageDigest,
    pss: bool,
    message: &[u8],
) -> (Vec<u8>, Vec<u8>) {
    for attempt in 0_u32..20_000 {
        let m = [message, &attempt.to_be_bytes()].concat();
        let signature = rsa_sign(key, digest, pss.then_some(RsaPssSaltlen::DIGEST_LENGTH), &m);
        if signature[0] == 0 {
            return (m, signature);
        }
    }
    panic!("no signature starting with 00 in 20,000 attempts");
}

/// Applies the private key to a hand-made PKCS#1 v1.5 block (raw RSA), for encodings OpenSSL's
/// signer would not produce.
fn rsa_raw_sign(key: &Rsa<Private>, block: &[u8]) -> Vec<u8> {
    let mut out = vec![0_u8; usize::try_from(key.size()).unwrap()];
    let len = key.private_encrypt(block, &mut out, Padding::NONE).unwrap();
    out.truncate(len);
    out
}

/// The DER `DigestInfo` prefix of a hash, parameters NULL (RFC 8017 §9.2, note 1).
fn digest_info_prefix(hash: &str) -> Vec<u8> {
    let last = match hash {
        "SHA-256" => 1,
        "SHA-384" => 2,
        _ => 3,
    };
    let oid = [
        0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, last,
    ];
    let algorithm = der(0x30, &[&oid[..], &[0x05, 0x00]].concat());
    let digest_len = match hash {
        "SHA-256" => 32,
        "SHA-384" => 48,
        _ => 64,
    };
    // SEQUENCE header, AlgorithmIdentifier, OCTET STRING header: the digest follows.
    let total = algorithm.len() + 2 + digest_len;
    [
        &[0x30, u8::try_from(total).unwrap()][..],
        &algorithm,
        &[0x04, u8::try_from(digest_len).unwrap()],
    ]
    .concat()
}

/// `00 01 FF.. 00 T` for a `k`-byte modulus, `T` the DigestInfo.
fn pkcs1_block(k: usize, t: &[u8]) -> Vec<u8> {
    let mut block = vec![0, 1];
    block.extend(std::iter::repeat_n(0xff, k - 3 - t.len()));
    block.push(0);
    block.extend_from_slice(t);
    block
}

/// Hand-made PKCS#1 v1.5 blocks around a digest: the right one, and one wrong thing each.
fn pkcs1_variants(k: usize, hash: &str, digest: &[u8]) -> Vec<(&'static str, Vec<u8>, bool)> {
    let t = [digest_info_prefix(hash), digest.to_vec()].concat();
    let oid_and_null = &t[2..2 + usize::from(t[3]) + 2];
    let oid = &oid_and_null[2..oid_and_null.len() - 2];
    let without_null = der(0x30, &[der(0x30, oid), der(0x04, digest)].concat());
    let right = pkcs1_block(k, &t);
    let mut type_2 = right.clone();
    type_2[1] = 2;
    let mut padding_byte = right.clone();
    padding_byte[5] = 0xfe;
    let mut trailing = pkcs1_block(k, &[t.as_slice(), &[0x5a]].concat());
    trailing[0] = 0;
    let short_padding = {
        // 00 01 FF*7 00, then zeros, then T: eight bytes of padding are the minimum.
        let mut b = vec![0, 1];
        b.extend(std::iter::repeat_n(0xff, 7));
        b.push(0);
        b.resize(k - t.len(), 0);
        b.extend_from_slice(&t);
        b
    };
    vec![
        ("the block OpenSSL makes, made by hand", right, true),
        (
            "DigestInfo without its NULL parameters",
            pkcs1_block(k, &without_null),
            false,
        ),
        ("block type 2", type_2, false),
        ("a padding byte that is not FF", padding_byte, false),
        ("a byte after the digest", trailing, false),
        ("seven bytes of padding and zeros", short_padding, false),
    ]
}

fn rsa_differential(bits: u32, messages_used: usize) {
    let mut tally = Tally::default();
    let all = pairs();
    let rsa = Rsa::generate(bits).unwrap();
    let k = usize::try_from(rsa.size()).unwrap();
    let key = PKey::from_rsa(rsa.clone()).unwrap();
    let public = rsa.public_key_to_der_pkcs1().unwrap();
    let other = Rsa::generate(bits)
        .unwrap()
        .public_key_to_der_pkcs1()
        .unwrap();
    let messages = messages();
    let digests = [
        ("SHA-256", MessageDigest::sha256()),
        ("SHA-384", MessageDigest::sha384()),
        ("SHA-512", MessageDigest::sha512()),
    ];
    for pair in pairs_named("RSA ") {
        let pair_name = pair.name();
        let hash = pair_name
            .split(' ')
            .find(|w| w.starts_with("SHA-"))
            .unwrap();
        let digest = digests.iter().find(|(n, _)| *n == hash).unwrap().1;
        let pss = pair_name.contains("PSS");
        for (m, message) in messages.iter().take(messages_used).enumerate() {
            let signature = rsa_sign(
                &key,
                digest,
                pss.then_some(RsaPssSaltlen::DIGEST_LENGTH),
                message,
            );
            tally.check(
                &pair,
                &format!("valid, message {m}"),
                &public,
                message,
                &signature,
                Some(true),
            );
            for (what, sig) in bit_flips(&signature, if m == 0 { 8 } else { 2 }) {
                tally.check(
                    &pair,
                    &format!("signature {what}"),
                    &public,
                    message,
                    &sig,
                    Some(false),
                );
            }
            if m != 0 {
                continue;
            }
            for (what, sig) in reframed(&signature) {
                tally.check(
                    &pair,
                    &format!("signature {what}"),
                    &public,
                    message,
                    &sig,
                    Some(false),
                );
            }
            // The signature as an integer plus n: the same value mod n, but not below n.
            let mut s_plus_n = BigNum::new().unwrap();
            s_plus_n
                .checked_add(&BigNum::from_slice(&signature).unwrap(), rsa.n())
                .unwrap();
            tally.check(
                &pair,
                "signature + n",
                &public,
                message,
                &s_plus_n.to_vec(),
                Some(false),
            );
            if bits == 2048 {
                // A signature whose first byte is zero, without that byte: the same number,
                // a byte shorter than the modulus (OpenSSL alone would accept it).
                let (short_message, short) = leading_zero_signature(&key, digest, pss, message);
                tally.check(
                    &pair,
                    "a valid signature starting with 00",
                    &public,
                    &short_message,
                    &short,
                    Some(true),
                );
                tally.check(
                    &pair,
                    "the same without its leading 00",
                    &public,
                    &short_message,
                    &short[1..],
                    Some(false),
                );
            }
            tally.check(
                &pair,
                "signature = n",
                &public,
                message,
                &rsa.n().to_vec(),
                Some(false),
            );
            for (what, k) in bit_flips(&public, 6) {
                tally.check(&pair, &format!("key {what}"), &k, message, &signature, None);
            }
            for (what, k) in rsa_key_variants(&rsa) {
                tally.check(
                    &pair,
                    &format!("key: {what}"),
                    &k,
                    message,
                    &signature,
                    None,
                );
            }
            tally.check(
                &pair,
                "another key",
                &other,
                message,
                &signature,
                Some(false),
            );
            for (what, msg) in bit_flips(message, 3) {
                tally.check(
                    &pair,
                    &format!("message {what}"),
                    &public,
                    &msg,
                    &signature,
                    Some(false),
                );
            }
            if pss {
                // Other salt lengths than the hash's: refused by both.
                for salt in [0, 20, 64] {
                    let sig = rsa_sign(&key, digest, Some(RsaPssSaltlen::custom(salt)), message);
                    let expected = usize::try_from(salt).unwrap() == digest.size();
                    tally.check(
                        &pair,
                        &format!("PSS salt of {salt} bytes"),
                        &public,
                        message,
                        &sig,
                        Some(expected),
                    );
                }
            } else {
                let digest_bytes = openssl::hash::hash(digest, message).unwrap();
                for (what, block, valid) in pkcs1_variants(k, hash, &digest_bytes) {
                    let sig = rsa_raw_sign(&rsa, &block);
                    tally.check(&pair, what, &public, message, &sig, Some(valid));
                }
            }
            for wrong in all.iter().filter(|p| p.name() != pair_name) {
                tally.check(
                    wrong,
                    &format!("a {pair_name} signature"),
                    &public,
                    message,
                    &signature,
                    None,
                );
            }
        }
    }
    tally.assert_agreed(&format!("RSA-{bits}"));
}

#[test]
fn rsa_2048_verdicts_are_the_same() {
    rsa_differential(2048, 3);
}

/// A modulus whose length is one bit past a byte: the PSS encoding is a byte shorter than the
/// modulus, an edge of both implementations.
#[test]
fn rsa_2049_and_3072_verdicts_are_the_same() {
    rsa_differential(2049, 1);
    rsa_differential(3072, 1);
}

#[test]
fn rsa_keys_outside_the_accepted_sizes_are_refused_by_both() {
    let mut tally = Tally::default();
    let message = b"tbsCertificate";
    for bits in [1024, 2047, 8200] {
        let rsa = Rsa::generate(bits).unwrap();
        let key = PKey::from_rsa(rsa.clone()).unwrap();
        let public = rsa.public_key_to_der_pkcs1().unwrap();
        for pair in pairs_named("RSA PKCS#1 SHA-256") {
            let signature = rsa_sign(&key, MessageDigest::sha256(), None, message);
            tally.check(
                &pair,
                &format!("RSA-{bits}"),
                &public,
                message,
                &signature,
                Some(false),
            );
        }
    }
    tally.assert_agreed("RSA sizes");
}

// ----------------------------------------------------------------------------------- Ed25519

/// The twelve cases of Chalkias, Garillot and Nikolaenko, "Taming the many EdDSAs" (2020),
/// `cases.txt` of github.com/novifinancial/ed25519-speccheck: small-order keys and R,
/// mixed-order keys, non-canonical S, R and A. (message, public key, signature) in hex.
const SPECCHECK: [(&str, &str, &str); 12] = [
    (
        "8c93255d71dcab10e8f379c26200f3c7bd5f09d9bc3068d3ef4edeb4853022b6",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a0000000000000000000000000000000000000000000000000000000000000000",
    ),
    (
        "9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
        "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04",
    ),
    (
        "aebf3f2601a0c8c5d39cc7d8911642f740b78168218da8471772b35f9d35b9ab",
        "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa8c4bd45aecaca5b24fb97bc10ac27ac8751a7dfe1baff8b953ec9f5833ca260e",
    ),
    (
        "9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79",
        "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
        "9046a64750444938de19f227bb80485e92b83fdb4b6506c160484c016cc1852f87909e14428a7a1d62e9f22f3d3ad7802db02eb2e688b6c52fcd6648a98bd009",
    ),
    (
        "e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c",
        "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
        "160a1cb0dc9c0258cd0a7d23e94d8fa878bcb1925f2c64246b2dee1796bed5125ec6bc982a269b723e0668e540911a9a6a58921d6925e434ab10aa7940551a09",
    ),
    (
        "e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c",
        "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
        "21122a84e0b5fca4052f5b1235c80a537878b38f3142356b2c2384ebad4668b7e40bc836dac0f71076f9abe3a53f9c03c1ceeeddb658d0030494ace586687405",
    ),
    (
        "85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40",
        "442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623",
        "e96f66be976d82e60150baecff9906684aebb1ef181f67a7189ac78ea23b6c0e547f7690a0e2ddcd04d87dbc3490dc19b3b3052f7ff0538cb68afb369ba3a514",
    ),
    (
        "85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40",
        "442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623",
        "8ce5b96c8f26d0ab6c47958c9e68b937104cd36e13c33566acd2fe8d38aa19427e71f98a473474f2f13f06f97c20d58cc3f54b8bd0d272f42b695dd7e89a8c22",
    ),
    (
        "9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41",
        "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff03be9678ac102edcd92b0210bb34d7428d12ffc5df5f37e359941266a4e35f0f",
    ),
    (
        "9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41",
        "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffca8c5b64cd208982aa38d4936621a4775aa233aa0505711d8fdcfdaa943d4908",
    ),
    (
        "e96b7021eb39c1a163b6da4e3093dcd3f21387da4cc4572be588fafae23c155b",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04",
    ),
    (
        "39a591f5321bbe07fd5a23dc2f39d025d74526615746727ceefd6e82ae65c06f",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04",
    ),
];

/// The group order L of Ed25519, little-endian.
const ED25519_L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// `a + b` for little-endian 256-bit numbers (wrapping; fine for S + L with S < L).
fn add_le(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut carry = 0_u16;
    a.iter()
        .zip(b)
        .map(|(x, y)| {
            let sum = u16::from(*x) + u16::from(*y) + carry;
            carry = sum >> 8;
            u8::try_from(sum & 0xff).unwrap()
        })
        .collect()
}

#[test]
fn ed25519_verdicts_are_the_same() {
    let mut tally = Tally::default();
    let all = pairs();
    let pair = pairs_named("Ed25519")[0];
    for (i, (message, key, signature)) in SPECCHECK.iter().enumerate() {
        tally.check(
            &pair,
            &format!("speccheck case {i}"),
            &unhex(key),
            &unhex(message),
            &unhex(signature),
            None,
        );
    }
    let key = PKey::generate_ed25519().unwrap();
    let public = key.raw_public_key().unwrap();
    let other = PKey::generate_ed25519().unwrap().raw_public_key().unwrap();
    for (m, message) in messages().iter().enumerate() {
        let mut signer = Signer::new_without_digest(&key).unwrap();
        let signature = signer.sign_oneshot_to_vec(message).unwrap();
        tally.check(
            &pair,
            &format!("valid, message {m}"),
            &public,
            message,
            &signature,
            Some(true),
        );
        for (what, sig) in bit_flips(&signature, 16) {
            tally.check(
                &pair,
                &format!("signature {what}"),
                &public,
                message,
                &sig,
                Some(false),
            );
        }
        for (what, sig) in reframed(&signature) {
            tally.check(
                &pair,
                &format!("signature {what}"),
                &public,
                message,
                &sig,
                Some(false),
            );
        }
        // S + L: the same scalar, not canonical (RFC 8032 §5.1.7 refuses it).
        let (r, s) = signature.split_at(32);
        let non_canonical = [r, &add_le(s, &ED25519_L)].concat();
        tally.check(
            &pair,
            "S + L",
            &public,
            message,
            &non_canonical,
            Some(false),
        );
        for (what, k) in bit_flips(&public, 8) {
            tally.check(&pair, &format!("key {what}"), &k, message, &signature, None);
        }
        for (what, k) in reframed(&public) {
            tally.check(&pair, &format!("key {what}"), &k, message, &signature, None);
        }
        // The key's y + p (2^255 - 19), a non-canonical encoding of the same point when it fits.
        tally.check(
            &pair,
            "another key",
            &other,
            message,
            &signature,
            Some(false),
        );
        for (what, msg) in bit_flips(message, 3) {
            tally.check(
                &pair,
                &format!("message {what}"),
                &public,
                &msg,
                &signature,
                Some(false),
            );
        }
        for wrong in all.iter().filter(|p| p.name() != pair.name()) {
            tally.check(
                wrong,
                "an Ed25519 signature",
                &public,
                message,
                &signature,
                None,
            );
        }
    }
    tally.assert_agreed("Ed25519");
}

/// Signatures of the x509-limbo suite, replayed (the suite is not in the repository; `limbo
/// --differential` compares all of its ~29,000 signatures, almost all ECDSA P-256 with SHA-256,
/// and wrote this subset: every signature that does not verify and the first valid ones of each
/// algorithm it uses).
#[test]
fn limbo_signatures_get_the_same_verdicts() {
    let text = certbind_tests::fixtures::read_fixture("limbo-signatures.json");
    let document: serde_json::Value = serde_json::from_slice(&text).unwrap();
    let signatures = document["signatures"].as_array().unwrap();
    let all = pairs();
    let mut tally = Tally::default();
    let mut invalid = 0;
    for s in signatures {
        let field = |k: &str| unhex(s[k].as_str().unwrap());
        let algorithm = s["algorithm"].as_str().unwrap();
        let pair = all.iter().find(|p| p.name() == algorithm).unwrap();
        let valid = s["valid"].as_bool().unwrap();
        invalid += usize::from(!valid);
        tally.check(
            pair,
            &format!("limbo {}", s["case"]),
            &field("public_key"),
            &field("message"),
            &field("signature"),
            Some(valid),
        );
    }
    assert!(
        invalid > 0 && invalid < signatures.len(),
        "both kinds are replayed"
    );
    tally.assert_agreed("x509-limbo subset");
}

#[test]
fn every_algorithm_of_the_core_has_its_openssl_twin() {
    let names: Vec<String> = pairs().iter().map(Pair::name).collect();
    let core: Vec<String> = certbind_core::SIGNATURE_ALGORITHMS
        .iter()
        .map(|a| name(*a))
        .collect();
    assert_eq!(names, core);
    assert_eq!(names.len(), 19, "{names:?}");
}
