//! Test PKIs made at test time with rcgen (ring), with validity pinned around a fixed instant,
//! and the openssl CLI for what rcgen cannot make (RSA-PSS, P-521, repeated DN attributes).
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use core::net::IpAddr;
use std::process::Command;

use certbind_core::UnixTime;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, PublicKeyData, SanType,
    date_time_ymd,
};

/// The instant every test decides at: 2025-06-01T00:00:00Z.
pub const NOW_SECS: u64 = 1_748_736_000;
/// notBefore of every certificate: 2025-01-01T00:00:00Z.
pub const NOT_BEFORE_SECS: u64 = 1_735_689_600;
/// notAfter of every certificate: 2026-01-01T00:00:00Z.
pub const NOT_AFTER_SECS: u64 = 1_767_225_600;

pub fn at(secs: u64) -> UnixTime {
    UnixTime::since_unix_epoch(core::time::Duration::from_secs(secs))
}

pub fn now() -> UnixTime {
    at(NOW_SECS)
}

/// A certificate authority: its certificate and its key.
pub struct Ca {
    pub der: Vec<u8>,
    pub pem: String,
    params: CertificateParams,
    key: KeyPair,
}

/// An issued end-entity certificate and its key.
pub struct Leaf {
    pub der: Vec<u8>,
    pub pem: String,
    pub key: KeyPair,
}

fn base_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = DistinguishedName::new();
    params.not_before = date_time_ymd(2025, 1, 1);
    params.not_after = date_time_ymd(2026, 1, 1);
    params
}

fn dn(attributes: &[(DnType, &str)]) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    for (ty, value) in attributes {
        dn.push(ty.clone(), *value);
    }
    dn
}

impl Ca {
    /// A self-signed root CA (ECDSA P-256) named `CN=<cn>,O=Example CA,C=US`.
    pub fn root(cn: &str) -> Self {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        Self::root_with_key(cn, key)
    }

    /// A self-signed root CA with a given key.
    pub fn root_with_key(cn: &str, key: KeyPair) -> Self {
        let params = ca_params(cn);
        let cert = params.self_signed(&key).unwrap();
        Self {
            der: cert.der().to_vec(),
            pem: cert.pem(),
            params,
            key,
        }
    }

    /// An intermediate CA signed by this one.
    pub fn intermediate(&self, cn: &str) -> Self {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        let params = ca_params(cn);
        let cert = params.signed_by(&key, &self.issuer()).unwrap();
        Self {
            der: cert.der().to_vec(),
            pem: cert.pem(),
            params,
            key,
        }
    }

    /// An intermediate CA signed by this one, valid from `from` to `to` (year, month, day).
    pub fn intermediate_valid(&self, cn: &str, from: (i32, u8, u8), to: (i32, u8, u8)) -> Self {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        let mut params = ca_params(cn);
        params.not_before = date_time_ymd(from.0, from.1, from.2);
        params.not_after = date_time_ymd(to.0, to.1, to.2);
        let cert = params.signed_by(&key, &self.issuer()).unwrap();
        Self {
            der: cert.der().to_vec(),
            pem: cert.pem(),
            params,
            key,
        }
    }

    fn issuer(&self) -> Issuer<'_, &KeyPair> {
        Issuer::from_params(&self.params, &self.key)
    }

    /// Issues a leaf from a spec.
    pub fn issue(&self, spec: &LeafSpec) -> Leaf {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        let cert = spec.params().signed_by(&key, &self.issuer()).unwrap();
        Leaf {
            der: cert.der().to_vec(),
            pem: cert.pem(),
            key,
        }
    }

    /// SHA-256 of this CA's SubjectPublicKeyInfo, as uppercase hex.
    pub fn spki_sha256_hex(&self) -> String {
        use sha2_for_tests::sha256_hex;
        sha256_hex(&self.key.subject_public_key_info())
    }
}

fn ca_params(cn: &str) -> CertificateParams {
    let mut params = base_params();
    params.distinguished_name = dn(&[
        (DnType::CountryName, "US"),
        (DnType::OrganizationName, "Example CA"),
        (DnType::CommonName, cn),
    ]);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params
}

/// What a leaf certificate holds.
#[derive(Clone)]
pub struct LeafSpec {
    pub subject: Vec<(DnType, String)>,
    pub sans: Vec<SanType>,
    pub eku: Vec<ExtendedKeyUsagePurpose>,
    pub not_before: (i32, u8, u8),
    pub not_after: (i32, u8, u8),
}

impl LeafSpec {
    /// `C=US, O=Example, CN=<cn>` (RFC 4514: `CN=<cn>,O=Example,C=US`), clientAuth, the default
    /// validity.
    pub fn client(cn: &str) -> Self {
        Self {
            subject: vec![
                (DnType::CountryName, "US".into()),
                (DnType::OrganizationName, "Example".into()),
                (DnType::CommonName, cn.into()),
            ],
            sans: Vec::new(),
            eku: vec![ExtendedKeyUsagePurpose::ClientAuth],
            not_before: (2025, 1, 1),
            not_after: (2026, 1, 1),
        }
    }

    pub fn dns(mut self, name: &str) -> Self {
        self.sans.push(SanType::DnsName(name.try_into().unwrap()));
        self
    }

    pub fn uri(mut self, uri: &str) -> Self {
        self.sans.push(SanType::URI(uri.try_into().unwrap()));
        self
    }

    pub fn email(mut self, email: &str) -> Self {
        self.sans
            .push(SanType::Rfc822Name(email.try_into().unwrap()));
        self
    }

    pub fn ip(mut self, ip: &str) -> Self {
        self.sans
            .push(SanType::IpAddress(ip.parse::<IpAddr>().unwrap()));
        self
    }

    pub fn eku(mut self, eku: Vec<ExtendedKeyUsagePurpose>) -> Self {
        self.eku = eku;
        self
    }

    pub fn validity(mut self, from: (i32, u8, u8), to: (i32, u8, u8)) -> Self {
        self.not_before = from;
        self.not_after = to;
        self
    }

    fn params(&self) -> CertificateParams {
        let mut params = base_params();
        let attributes: Vec<(DnType, &str)> = self
            .subject
            .iter()
            .map(|(t, v)| (t.clone(), v.as_str()))
            .collect();
        params.distinguished_name = dn(&attributes);
        params.subject_alt_names.clone_from(&self.sans);
        params.extended_key_usages.clone_from(&self.eku);
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.not_before = date_time_ymd(self.not_before.0, self.not_before.1, self.not_before.2);
        params.not_after = date_time_ymd(self.not_after.0, self.not_after.1, self.not_after.2);
        params
    }

    /// A self-signed certificate with this spec (not a CA).
    pub fn self_signed(&self) -> Leaf {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        let cert = self.params().self_signed(&key).unwrap();
        Leaf {
            der: cert.der().to_vec(),
            pem: cert.pem(),
            key,
        }
    }
}

/// Hex digests for expectations, computed with the openssl CLI (an implementation independent
/// of the core's sha1/sha2 crates).
pub mod sha2_for_tests {
    use super::openssl;

    fn dgst(algorithm: &str, bytes: &[u8]) -> String {
        let out = openssl(&["dgst", algorithm, "-r"], bytes);
        let text = String::from_utf8(out).unwrap();
        text.split_whitespace().next().unwrap().to_ascii_uppercase()
    }

    pub fn sha256_hex(bytes: &[u8]) -> String {
        dgst("-sha256", bytes)
    }

    pub fn sha1_hex(bytes: &[u8]) -> String {
        dgst("-sha1", bytes)
    }
}

/// Runs the openssl CLI with `input` on stdin; returns stdout; panics on failure.
pub fn openssl(args: &[&str], input: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("openssl CLI");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// DER of a PEM certificate, through openssl.
pub fn pem_to_der(pem: &str) -> Vec<u8> {
    openssl(&["x509", "-outform", "DER"], pem.as_bytes())
}

/// Loads a registry document (TOML) at [`NOW_SECS`] with these files; panics on problems.
pub fn load(toml: &str, files: certbind_core::MemoryFiles) -> certbind_core::LoadedRegistry {
    let mut files = files;
    certbind_core::load_registry_toml(toml, &certbind_core::LoadOptions::new(now()), &mut files)
        .unwrap_or_else(|e| panic!("registry does not load: {e}"))
}

/// The problems of a registry that must not load.
pub fn problems(
    toml: &str,
    files: certbind_core::MemoryFiles,
) -> Vec<certbind_core::RegistryProblem> {
    let mut files = files;
    match certbind_core::load_registry_toml(
        toml,
        &certbind_core::LoadOptions::new(now()),
        &mut files,
    ) {
        Ok(_) => panic!("the registry loaded, but it should not"),
        Err(certbind_core::Error::Registry { problems }) => problems,
        Err(e) => panic!("unexpected error {e:?}"),
    }
}

/// A presented certificate (leaf DER and the chain after it).
///
/// `Presented` borrows its certificate (the server keeps one per connection); a test that only
/// needs the value leaks the certificate so that the helper can hand out a `'static` borrow.
pub fn presented(leaf: &[u8], chain: &[&[u8]]) -> certbind_core::Presented<'static> {
    let certificate = certbind_core::PresentedCertificate::from_der(leaf, chain).unwrap();
    certbind_core::Presented::certificate(Box::leak(Box::new(certificate)))
}

/// Decides for the client `client_id` of a loaded registry at `when`.
pub fn decide_at(
    loaded: &certbind_core::LoadedRegistry,
    client_id: &str,
    presented: &certbind_core::Presented<'_>,
    when: UnixTime,
) -> certbind_core::Decision {
    let registry = &loaded.registry;
    let client = registry
        .clients
        .iter()
        .find(|c| c.client_id == client_id)
        .expect("client");
    let ctx = certbind_core::DecisionContext::for_registry(registry, when);
    certbind_core::decide(client, presented, &ctx)
}

/// The reasons of a rejection, or a panic showing the acceptance.
pub fn rejection(decision: certbind_core::Decision) -> certbind_core::Rejection {
    match decision {
        certbind_core::Decision::Rejected(r) => r,
        other => panic!("expected a rejection: {other:?}"),
    }
}

/// The acceptance, or a panic showing the reasons.
pub fn acceptance(decision: certbind_core::Decision) -> certbind_core::Acceptance {
    match decision {
        certbind_core::Decision::Accepted(a) => a,
        other => panic!("expected an acceptance: {other:#?}"),
    }
}

/// The single secret reason of a rejection with exactly one secret.
pub fn only_reason(decision: certbind_core::Decision) -> certbind_core::Reason {
    let rejection = rejection(decision);
    assert_eq!(rejection.secrets.len(), 1, "{rejection:#?}");
    rejection.secrets.into_iter().next().unwrap().reason
}

/// `x5t#S256` of a DER certificate, computed with the openssl CLI.
pub fn x5t_s256(der: &[u8]) -> String {
    let digest = openssl(&["dgst", "-sha256", "-binary"], der);
    let b64 = openssl(&["base64", "-A"], &digest);
    String::from_utf8(b64)
        .unwrap()
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_")
}
