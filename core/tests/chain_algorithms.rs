//! Chain validation on certbind's pure-Rust signature algorithms, against chains made by the
//! openssl CLI (`openssl ca` with pinned dates) and cross-checked with `openssl verify`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "support/pki.rs"]
mod pki;

use std::path::PathBuf;
use std::process::Command;

use certbind_core::{
    Certificate, ChainError, ChainOptions, KeyPurpose, anchors_from_certificates, verify_chain,
};
use pki::{NOW_SECS, now};

const CA_CNF: &str = "[ca]
default_ca = CA_default
[CA_default]
dir = .
database = index.txt
new_certs_dir = .
serial = serial
policy = policy_any
unique_subject = no
copy_extensions = none
default_md = sha256
[policy_any]
commonName = supplied
[root_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[int_ext]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
[server_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:server.example.com
authorityKeyIdentifier = keyid
";

/// A scratch directory with an `openssl ca` setup.
struct Workspace {
    dir: PathBuf,
}

impl Workspace {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("certbind-chain-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("ca.cnf"), CA_CNF).unwrap();
        std::fs::write(dir.join("index.txt"), "").unwrap();
        std::fs::write(dir.join("serial"), "1000\n").unwrap();
        Self { dir }
    }

    fn run(&self, args: &[&str]) {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(&self.dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn key(&self, name: &str, spec: &KeySpec) {
        let file = format!("{name}.key");
        let mut args = vec![
            "genpkey",
            "-algorithm",
            spec.algorithm,
            "-out",
            file.as_str(),
        ];
        for opt in spec.options {
            args.extend_from_slice(&["-pkeyopt", opt]);
        }
        self.run(&args);
    }

    /// Issues `name` (key `name.key`) from `issuer`, or self-signed when `issuer` is None.
    fn issue(&self, name: &str, issuer: Option<&str>, extensions: &str, sign: &Signing) {
        let csr = format!("{name}.csr");
        let key = format!("{name}.key");
        let pem = format!("{name}.pem");
        let subject = format!("/CN={name}");
        self.run(&["req", "-new", "-key", &key, "-subj", &subject, "-out", &csr]);
        let mut args = vec![
            "ca",
            "-batch",
            "-config",
            "ca.cnf",
            "-in",
            &csr,
            "-out",
            &pem,
            "-notext",
            "-startdate",
            "20250101000000Z",
            "-enddate",
            "20260101000000Z",
            "-extensions",
            extensions,
        ];
        let issuer_cert;
        let issuer_key;
        match issuer {
            Some(issuer) => {
                issuer_cert = format!("{issuer}.pem");
                issuer_key = format!("{issuer}.key");
                args.extend_from_slice(&["-cert", &issuer_cert, "-keyfile", &issuer_key]);
            }
            None => args.extend_from_slice(&["-selfsign", "-keyfile", &key]),
        }
        if let Some(md) = sign.md {
            args.extend_from_slice(&["-md", md]);
        }
        if sign.pss {
            args.extend_from_slice(&[
                "-sigopt",
                "rsa_padding_mode:pss",
                "-sigopt",
                "rsa_pss_saltlen:digest",
            ]);
        }
        self.run(&args);
    }

    fn der(&self, name: &str) -> Vec<u8> {
        pki::pem_to_der(&std::fs::read_to_string(self.dir.join(format!("{name}.pem"))).unwrap())
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.pem"))
    }

    fn openssl_verifies(
        &self,
        leaf: &str,
        intermediates: &[&str],
        root: &str,
        purpose: &str,
    ) -> bool {
        let mut cmd = Command::new("openssl");
        cmd.current_dir(&self.dir).args([
            "verify",
            "-attime",
            &NOW_SECS.to_string(),
            "-purpose",
            purpose,
            "-CAfile",
        ]);
        cmd.arg(self.path(root));
        for i in intermediates {
            cmd.arg("-untrusted").arg(self.path(i));
        }
        cmd.arg(self.path(leaf));
        cmd.output().unwrap().status.success()
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

struct KeySpec {
    algorithm: &'static str,
    options: &'static [&'static str],
}

const RSA2048: KeySpec = KeySpec {
    algorithm: "RSA",
    options: &["rsa_keygen_bits:2048"],
};
const RSA1024: KeySpec = KeySpec {
    algorithm: "RSA",
    options: &["rsa_keygen_bits:1024"],
};
const P256: KeySpec = KeySpec {
    algorithm: "EC",
    options: &["ec_paramgen_curve:P-256"],
};
const P384: KeySpec = KeySpec {
    algorithm: "EC",
    options: &["ec_paramgen_curve:P-384"],
};
const P521: KeySpec = KeySpec {
    algorithm: "EC",
    options: &["ec_paramgen_curve:P-521"],
};
const ED25519: KeySpec = KeySpec {
    algorithm: "ED25519",
    options: &[],
};

struct Signing {
    md: Option<&'static str>,
    pss: bool,
}

fn verify(
    ws: &Workspace,
    leaf: &str,
    intermediates: &[&str],
    root: &str,
    purpose: KeyPurpose,
) -> Result<certbind_core::VerifiedChain, ChainError> {
    let anchors =
        anchors_from_certificates(&[Certificate::from_der(&ws.der(root)).unwrap()]).unwrap();
    let anchor_refs: Vec<&certbind_core::Anchor> = anchors.iter().collect();
    let intermediate_ders: Vec<Vec<u8>> = intermediates.iter().map(|i| ws.der(i)).collect();
    let refs: Vec<&[u8]> = intermediate_ders.iter().map(Vec::as_slice).collect();
    verify_chain(
        &ws.der(leaf),
        &refs,
        &anchor_refs,
        now(),
        &ChainOptions::for_purpose(purpose),
    )
}

/// Root (signing algorithm under test) → intermediate (P-256) → leaf, where the issuing step
/// under test is root→intermediate and intermediate→leaf uses the same algorithm family.
fn chain_with(name: &str, ca_key: &KeySpec, sign: &Signing) -> Workspace {
    let ws = Workspace::new(name);
    ws.key("root", ca_key);
    ws.issue("root", None, "root_ext", sign);
    ws.key("int", ca_key);
    ws.issue("int", Some("root"), "int_ext", sign);
    ws.key("leaf", &P256);
    ws.issue("leaf", Some("int"), "leaf_ext", sign);
    ws
}

#[test]
fn every_supported_algorithm_verifies_a_three_certificate_chain() {
    let cases: &[(&str, &KeySpec, Signing)] = &[
        (
            "rsa-pkcs1-sha256",
            &RSA2048,
            Signing {
                md: Some("sha256"),
                pss: false,
            },
        ),
        (
            "rsa-pkcs1-sha384",
            &RSA2048,
            Signing {
                md: Some("sha384"),
                pss: false,
            },
        ),
        (
            "rsa-pkcs1-sha512",
            &RSA2048,
            Signing {
                md: Some("sha512"),
                pss: false,
            },
        ),
        (
            "rsa-pss-sha256",
            &RSA2048,
            Signing {
                md: Some("sha256"),
                pss: true,
            },
        ),
        (
            "rsa-pss-sha384",
            &RSA2048,
            Signing {
                md: Some("sha384"),
                pss: true,
            },
        ),
        (
            "rsa-pss-sha512",
            &RSA2048,
            Signing {
                md: Some("sha512"),
                pss: true,
            },
        ),
        (
            "p256-sha256",
            &P256,
            Signing {
                md: Some("sha256"),
                pss: false,
            },
        ),
        (
            "p256-sha384",
            &P256,
            Signing {
                md: Some("sha384"),
                pss: false,
            },
        ),
        (
            "p256-sha512",
            &P256,
            Signing {
                md: Some("sha512"),
                pss: false,
            },
        ),
        (
            "p384-sha256",
            &P384,
            Signing {
                md: Some("sha256"),
                pss: false,
            },
        ),
        (
            "p384-sha384",
            &P384,
            Signing {
                md: Some("sha384"),
                pss: false,
            },
        ),
        (
            "p384-sha512",
            &P384,
            Signing {
                md: Some("sha512"),
                pss: false,
            },
        ),
        (
            "p521-sha256",
            &P521,
            Signing {
                md: Some("sha256"),
                pss: false,
            },
        ),
        (
            "p521-sha384",
            &P521,
            Signing {
                md: Some("sha384"),
                pss: false,
            },
        ),
        (
            "p521-sha512",
            &P521,
            Signing {
                md: Some("sha512"),
                pss: false,
            },
        ),
        (
            "ed25519",
            &ED25519,
            Signing {
                md: None,
                pss: false,
            },
        ),
    ];
    for (name, key, sign) in cases {
        let ws = chain_with(name, key, sign);
        assert!(
            ws.openssl_verifies("leaf", &["int"], "root", "sslclient"),
            "{name}: openssl disagrees"
        );
        let verified = verify(&ws, "leaf", &["int"], "root", KeyPurpose::ClientAuth)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(verified.intermediates, vec![0]);
        assert_eq!(verified.anchor, 0);
        // The pinned issuer key is the intermediate's SPKI, as openssl computes it.
        let spki = pki::openssl(
            &["x509", "-pubkey", "-noout"],
            &std::fs::read(ws.path("int")).unwrap(),
        );
        let spki_der = pki::openssl(&["pkey", "-pubin", "-outform", "DER"], &spki);
        let expected = pki::sha2_for_tests::sha256_hex(&spki_der);
        let actual: String = verified
            .issuer_spki_sha256
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        assert_eq!(actual, expected, "{name}");
    }
}

#[test]
fn a_tampered_signature_is_rejected() {
    for (name, key) in [
        ("tamper-rsa", &RSA2048),
        ("tamper-ec", &P256),
        ("tamper-ed", &ED25519),
    ] {
        let ws = chain_with(
            name,
            key,
            &Signing {
                md: if key.algorithm == "ED25519" {
                    None
                } else {
                    Some("sha256")
                },
                pss: false,
            },
        );
        let mut leaf = ws.der("leaf");
        let last = leaf.len() - 1;
        leaf[last] ^= 0x01;
        let anchors =
            anchors_from_certificates(&[Certificate::from_der(&ws.der("root")).unwrap()]).unwrap();
        let refs: Vec<&certbind_core::Anchor> = anchors.iter().collect();
        let int = ws.der("int");
        let err =
            verify_chain(&leaf, &[&int], &refs, now(), &ChainOptions::client_auth()).unwrap_err();
        assert!(
            matches!(
                err,
                ChainError::BadSignature | ChainError::UnknownIssuer | ChainError::Other { .. }
            ),
            "{name}: {err:?}"
        );
        assert_ne!(err, ChainError::NoTrustAnchors);
    }
}

/// RSA verification (core/src/verify/signature.rs: the `rsa` crate's key checks and PSS, our public
/// operation on crypto-bigint) on the moduli and exponents where it could go wrong: a modulus
/// whose bit length is 1 mod 8 (the PSS encoded message is one octet shorter than the
/// signature), whole and partial top limbs, e = 3 and a large exponent; each chain is checked by
/// `openssl verify` and a tampered leaf signature is refused.
#[test]
fn rsa_of_other_sizes_and_exponents_verifies_as_openssl_does() {
    const RSA2049: KeySpec = KeySpec {
        algorithm: "RSA",
        options: &["rsa_keygen_bits:2049"],
    };
    const RSA3072_E3: KeySpec = KeySpec {
        algorithm: "RSA",
        options: &["rsa_keygen_bits:3072", "rsa_keygen_pubexp:3"],
    };
    const RSA4096: KeySpec = KeySpec {
        algorithm: "RSA",
        options: &["rsa_keygen_bits:4096"],
    };
    const RSA2100_BIG_E: KeySpec = KeySpec {
        algorithm: "RSA",
        options: &["rsa_keygen_bits:2100", "rsa_keygen_pubexp:4294967311"],
    };
    let cases: &[(&str, &KeySpec, Signing)] = &[
        (
            "rsa2049-pss",
            &RSA2049,
            Signing {
                md: Some("sha256"),
                pss: true,
            },
        ),
        (
            "rsa2049-pkcs1",
            &RSA2049,
            Signing {
                md: Some("sha384"),
                pss: false,
            },
        ),
        (
            "rsa3072-e3",
            &RSA3072_E3,
            Signing {
                md: Some("sha256"),
                pss: false,
            },
        ),
        (
            "rsa3072-e3-pss",
            &RSA3072_E3,
            Signing {
                md: Some("sha384"),
                pss: true,
            },
        ),
        (
            "rsa4096-pss",
            &RSA4096,
            Signing {
                md: Some("sha512"),
                pss: true,
            },
        ),
        (
            "rsa2100-big-e",
            &RSA2100_BIG_E,
            Signing {
                md: Some("sha256"),
                pss: true,
            },
        ),
    ];
    for (name, key, sign) in cases {
        // Root and intermediate use the key under test; the leaf is P-256, signed by the
        // intermediate with the algorithm under test.
        let ws = chain_with(name, key, sign);
        assert!(
            ws.openssl_verifies("leaf", &["int"], "root", "sslclient"),
            "{name}: openssl disagrees"
        );
        verify(&ws, "leaf", &["int"], "root", KeyPurpose::ClientAuth)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        // The leaf's signature (its last bytes) with one bit flipped.
        let mut leaf = ws.der("leaf");
        let last = leaf.len() - 1;
        leaf[last] ^= 0x01;
        let anchors =
            anchors_from_certificates(&[Certificate::from_der(&ws.der("root")).unwrap()]).unwrap();
        let refs: Vec<&certbind_core::Anchor> = anchors.iter().collect();
        let int = ws.der("int");
        let err =
            verify_chain(&leaf, &[&int], &refs, now(), &ChainOptions::client_auth()).unwrap_err();
        assert_eq!(err, ChainError::BadSignature, "{name}");
    }
}

#[test]
fn rsa_keys_below_2048_bits_are_refused_as_webpki_does_with_ring() {
    let ws = chain_with(
        "rsa1024",
        &RSA1024,
        &Signing {
            md: Some("sha256"),
            pss: false,
        },
    );
    let err = verify(&ws, "leaf", &["int"], "root", KeyPurpose::ClientAuth).unwrap_err();
    assert!(
        matches!(err, ChainError::BadSignature | ChainError::UnknownIssuer),
        "{err:?}"
    );
}

#[test]
fn the_purpose_is_enforced_and_the_server_name_checked() {
    let ws = Workspace::new("purpose");
    ws.key("root", &P256);
    ws.issue(
        "root",
        None,
        "root_ext",
        &Signing {
            md: Some("sha256"),
            pss: false,
        },
    );
    ws.key("server", &P256);
    ws.issue(
        "server",
        Some("root"),
        "server_ext",
        &Signing {
            md: Some("sha256"),
            pss: false,
        },
    );
    assert!(!ws.openssl_verifies("server", &[], "root", "sslclient"));
    let err = verify(&ws, "server", &[], "root", KeyPurpose::ClientAuth).unwrap_err();
    assert_eq!(
        err,
        ChainError::EkuNotAllowed {
            required: KeyPurpose::ClientAuth,
            present: vec!["serverAuth".into()]
        }
    );
    verify(&ws, "server", &[], "root", KeyPurpose::ServerAuth).unwrap();

    let anchors =
        anchors_from_certificates(&[Certificate::from_der(&ws.der("root")).unwrap()]).unwrap();
    let refs: Vec<&certbind_core::Anchor> = anchors.iter().collect();
    let mut options = ChainOptions::server_auth();
    options.server_name = Some("server.example.com");
    verify_chain(&ws.der("server"), &[], &refs, now(), &options).unwrap();
    options.server_name = Some("other.example.com");
    let err = verify_chain(&ws.der("server"), &[], &refs, now(), &options).unwrap_err();
    assert_eq!(
        err,
        ChainError::NameMismatch {
            expected: "other.example.com".into()
        }
    );
}

#[test]
fn no_anchor_is_its_own_error() {
    let ws = chain_with(
        "noanchor",
        &P256,
        &Signing {
            md: Some("sha256"),
            pss: false,
        },
    );
    let err = verify_chain(
        &ws.der("leaf"),
        &[],
        &[],
        now(),
        &ChainOptions::client_auth(),
    )
    .unwrap_err();
    assert_eq!(err, ChainError::NoTrustAnchors);
    assert_eq!(err.to_string(), "no trust anchor is configured");
}
