//! The development PKI of `certbind serve --dev`: a CA, a server certificate for
//! localhost/127.0.0.1/::1, the client certificate of the IdentityServer3 example client
//! `certclient` (with its PEM key and a `.pfx`), a signing key and a `certbind.toml` that
//! registers `certclient` by its SHA-1 thumbprint. Test keys only, for loopback use.
//!
//! A folder that already holds `ca.pem`, `server.pem`, `server.key` and `client.pem` (a test
//! PKI of one's own) is used as it is; only the missing `certbind.toml` and `keys/` are added.

use std::path::{Path, PathBuf};

use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, PKeyRef, Private};
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::{X509, X509Builder, X509NameBuilder, X509Ref};

use crate::fsutil::{write_new, write_private};
use crate::keys::{Algorithm, rotate};

/// Default folder of the development PKI (relative to the working directory).
pub const DEFAULT_DIR: &str = "certbind-dev";
/// Password of `client.pfx`.
pub const PFX_PASSWORD: &str = "certbind";
/// The example client.
pub const CLIENT_ID: &str = "certclient";
/// Validity of the generated certificates, in days.
const VALIDITY_DAYS: u32 = 825;

/// The files that make a PKI usable by the dev server.
const REQUIRED: [&str; 4] = ["ca.pem", "server.pem", "server.key", "client.pem"];

/// A problem creating or reading the development PKI.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DevPkiError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// OpenSSL failed.
    #[error("{what}: {source}")]
    OpenSsl {
        /// What was being done.
        what: &'static str,
        /// OpenSSL's errors.
        source: openssl::error::ErrorStack,
    },
    /// The folder holds some PKI files but not all.
    #[error(
        "{dir} holds {present:?} but not {missing:?}: give a folder with all of ca.pem, \
         server.pem, server.key, client.pem, or an empty one"
    )]
    Incomplete {
        /// The folder.
        dir: PathBuf,
        /// Files found.
        present: Vec<&'static str>,
        /// Files missing.
        missing: Vec<&'static str>,
    },
    /// A key file could not be created.
    #[error(transparent)]
    Key(#[from] crate::keys::KeyError),
}

fn ossl<T>(what: &'static str, r: Result<T, openssl::error::ErrorStack>) -> Result<T, DevPkiError> {
    r.map_err(|source| DevPkiError::OpenSsl { what, source })
}

/// What [`ensure`] found or made.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DevPki {
    /// The folder.
    pub dir: PathBuf,
    /// Whether the certificates were created now (false: reused).
    pub created: bool,
    /// Whether `certbind.toml` was written now.
    pub config_written: bool,
    /// SHA-1 thumbprint (uppercase hex) of `client.pem`.
    pub client_sha1: String,
    /// Whether `client.key` / `client.pfx` exist (not in a PKI of one's own, maybe).
    pub has_client_key: bool,
    /// Whether `client.pfx` exists.
    pub has_pfx: bool,
}

impl DevPki {
    /// Path of a file in the folder.
    #[must_use]
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The config file.
    #[must_use]
    pub fn config_path(&self) -> PathBuf {
        self.file("certbind.toml")
    }
}

/// Creates the development PKI in `dir`, or reuses what is there.
///
/// # Errors
/// [`DevPkiError`] naming the file or step.
pub fn ensure(dir: &Path, now_unix: u64) -> Result<DevPki, DevPkiError> {
    std::fs::create_dir_all(dir).map_err(|source| DevPkiError::Io {
        path: dir.to_owned(),
        source,
    })?;
    let present: Vec<&'static str> = REQUIRED
        .iter()
        .copied()
        .filter(|f| dir.join(f).exists())
        .collect();
    let created = if present.is_empty() {
        create(dir)?;
        true
    } else if present.len() == REQUIRED.len() {
        false
    } else {
        let missing = REQUIRED
            .iter()
            .copied()
            .filter(|f| !present.contains(f))
            .collect();
        return Err(DevPkiError::Incomplete {
            dir: dir.to_owned(),
            present,
            missing,
        });
    };

    let client_pem = read(&dir.join("client.pem"))?;
    let client = ossl("reading client.pem", X509::from_pem(&client_pem))?;
    let client_sha1 =
        crate::tls::hex_upper(&ossl("thumbprint", client.digest(MessageDigest::sha1()))?);

    let keys_dir = dir.join("keys");
    let has_key = std::fs::read_dir(&keys_dir)
        .map(|entries| {
            entries
                .flatten()
                .any(|e| e.path().extension().is_some_and(|x| x == "pem"))
        })
        .unwrap_or(false);
    if !has_key {
        rotate(&keys_dir, Algorithm::Es256, now_unix)?;
    }

    let config_path = dir.join("certbind.toml");
    let config_written = !config_path.exists();
    if config_written {
        let text = dev_config(&client_sha1, dir.join("selfsigned.pem").exists());
        write_new(&config_path, text.as_bytes()).map_err(|source| DevPkiError::Io {
            path: config_path.clone(),
            source,
        })?;
    }
    Ok(DevPki {
        dir: dir.to_owned(),
        created,
        config_written,
        client_sha1,
        has_client_key: dir.join("client.key").exists(),
        has_pfx: dir.join("client.pfx").exists(),
    })
}

fn read(path: &Path) -> Result<Vec<u8>, DevPkiError> {
    std::fs::read(path).map_err(|source| DevPkiError::Io {
        path: path.to_owned(),
        source,
    })
}

/// The `certbind.toml` of the dev folder.
fn dev_config(client_sha1: &str, has_selfsigned: bool) -> String {
    let mut text = format!(
        r#"# certbind development configuration, written by `certbind serve --dev`.
# Test certificates and keys only: never use them outside loopback tests.
# Reference: docs/server.md. Reload after editing: kill -HUP <pid>.

# CA certificates that tls_client_auth chains must lead to (paths relative to this file).
trust_anchors = ["ca.pem"]

[server]
max_token_lifetime = 86400    # seconds; caps each client's access_token_lifetime (default 3600)
body_limit = 16384             # bytes, token and introspection requests
log_format = "text"            # or "json"

[server.tls]
certificate = "server.pem"     # chain, leaf first
private_key = "server.key"
client_ca_names = "none"       # or "trust_anchors"

[[server.listeners]]
address = "127.0.0.1:8443"     # `certbind serve --listen` / CERTBIND_LISTEN override it
kind = "mtls"

[server.keys]
dir = "keys"                   # every *.pem, by name; the last one signs (`certbind keys rotate`)

# The IdentityServer3 example client, registered by the SHA-1 thumbprint of client.pem.
[[clients]]
client_id = "{CLIENT_ID}"
name = "Client Credentials Flow Client with Client Certificate"
scopes = ["read", "write"]

[[clients.secrets]]
type = "x509_thumbprint"
value = "{client_sha1}"
"#
    );
    if has_selfsigned {
        text.push_str(
            r#"
# A self-signed client (RFC 8705 §2.2): the certificate itself is registered.
[[clients]]
client_id = "selfsignedclient"
scopes = ["read", "write"]

[[clients.secrets]]
type = "self_signed_tls_client_auth"
pem_file = "selfsigned.pem"
"#,
        );
    }
    text
}

fn ec_key() -> Result<PKey<Private>, DevPkiError> {
    let group = ossl("EC group", EcGroup::from_curve_name(Nid::X9_62_PRIME256V1))?;
    ossl(
        "EC key",
        EcKey::generate(&group).and_then(PKey::from_ec_key),
    )
}

/// What a generated certificate is for.
#[derive(Debug, Clone, Copy)]
enum Role {
    Ca,
    Server,
    Client,
}

fn certificate(
    common_name: &str,
    key: &PKeyRef<Private>,
    role: Role,
    issuer: Option<(&X509Ref, &PKeyRef<Private>)>,
) -> Result<X509, openssl::error::ErrorStack> {
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_nid(Nid::COUNTRYNAME, "XX")?;
    name.append_entry_by_nid(Nid::ORGANIZATIONNAME, "certbind development")?;
    name.append_entry_by_nid(Nid::COMMONNAME, common_name)?;
    let name = name.build();
    let mut b = X509Builder::new()?;
    b.set_version(2)?;
    let mut serial = BigNum::new()?;
    serial.rand(127, openssl::bn::MsbOption::MAYBE_ZERO, false)?;
    b.set_serial_number(&*Asn1Integer::from_bn(&serial)?)?;
    b.set_subject_name(&name)?;
    b.set_issuer_name(issuer.map_or(&*name, |(c, _)| c.subject_name()))?;
    b.set_pubkey(key)?;
    b.set_not_before(&*Asn1Time::days_from_now(0)?)?;
    b.set_not_after(&*Asn1Time::days_from_now(VALIDITY_DAYS)?)?;
    let ctx_issuer = issuer.map(|(c, _)| c);
    match role {
        Role::Ca => {
            b.append_extension(BasicConstraints::new().critical().ca().build()?)?;
            b.append_extension(
                KeyUsage::new()
                    .critical()
                    .key_cert_sign()
                    .crl_sign()
                    .build()?,
            )?;
        }
        Role::Server => {
            b.append_extension(BasicConstraints::new().critical().build()?)?;
            b.append_extension(KeyUsage::new().critical().digital_signature().build()?)?;
            b.append_extension(ExtendedKeyUsage::new().server_auth().build()?)?;
            let san = SubjectAlternativeName::new()
                .dns("localhost")
                .ip("127.0.0.1")
                .ip("::1")
                .build(&b.x509v3_context(ctx_issuer, None))?;
            b.append_extension(san)?;
        }
        Role::Client => {
            b.append_extension(BasicConstraints::new().critical().build()?)?;
            b.append_extension(KeyUsage::new().critical().digital_signature().build()?)?;
            b.append_extension(ExtendedKeyUsage::new().client_auth().build()?)?;
        }
    }
    let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(ctx_issuer, None))?;
    b.append_extension(ski)?;
    if issuer.is_some() {
        let aki = AuthorityKeyIdentifier::new()
            .keyid(true)
            .build(&b.x509v3_context(ctx_issuer, None))?;
        b.append_extension(aki)?;
    }
    b.sign(issuer.map_or(key, |(_, k)| k), MessageDigest::sha256())?;
    Ok(b.build())
}

fn write_file(dir: &Path, name: &str, bytes: &[u8], private: bool) -> Result<(), DevPkiError> {
    let path = dir.join(name);
    let r = if private {
        write_private(&path, bytes)
    } else {
        write_new(&path, bytes)
    };
    r.map_err(|source| DevPkiError::Io { path, source })
}

fn create(dir: &Path) -> Result<(), DevPkiError> {
    let ca_key = ec_key()?;
    let ca = ossl(
        "CA certificate",
        certificate("certbind development CA", &ca_key, Role::Ca, None),
    )?;
    let server_key = ec_key()?;
    let server = ossl(
        "server certificate",
        certificate("localhost", &server_key, Role::Server, Some((&ca, &ca_key))),
    )?;
    let client_key = ec_key()?;
    let client = ossl(
        "client certificate",
        certificate(CLIENT_ID, &client_key, Role::Client, Some((&ca, &ca_key))),
    )?;
    let pem = |c: &X509| ossl("PEM", c.to_pem());
    let key_pem = |k: &PKey<Private>| ossl("PEM key", k.private_key_to_pem_pkcs8());
    // OpenSSL 3 defaults: PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) and a SHA-256 MAC.
    let mut ca_stack = ossl("CA stack", openssl::stack::Stack::new())?;
    ossl("CA stack", ca_stack.push(ca.clone()))?;
    let pfx = ossl(
        "client.pfx",
        Pkcs12::builder()
            .name(CLIENT_ID)
            .pkey(&client_key)
            .cert(&client)
            .ca(ca_stack)
            .build2(PFX_PASSWORD)
            .and_then(|p| p.to_der()),
    )?;
    write_file(dir, "ca.key", &key_pem(&ca_key)?, true)?;
    write_file(dir, "ca.pem", &pem(&ca)?, false)?;
    write_file(dir, "server.key", &key_pem(&server_key)?, true)?;
    write_file(dir, "server.pem", &pem(&server)?, false)?;
    write_file(dir, "client.key", &key_pem(&client_key)?, true)?;
    write_file(dir, "client.pem", &pem(&client)?, false)?;
    write_file(dir, "client.pfx", &pfx, true)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_pki_verifies_and_is_reused() {
        let dir = std::env::temp_dir().join(format!("certbind-devpki-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let first = ensure(&dir, 1_795_651_199).unwrap();
        assert!(first.created && first.config_written && first.has_pfx);
        let ca = X509::from_pem(&std::fs::read(dir.join("ca.pem")).unwrap()).unwrap();
        for leaf in ["server.pem", "client.pem"] {
            let cert = X509::from_pem(&std::fs::read(dir.join(leaf)).unwrap()).unwrap();
            assert!(
                cert.verify(&ca.public_key().unwrap()).unwrap(),
                "{leaf} signed by the CA"
            );
        }
        let pfx = Pkcs12::from_der(&std::fs::read(dir.join("client.pfx")).unwrap()).unwrap();
        assert!(pfx.parse2(PFX_PASSWORD).unwrap().pkey.is_some());
        let config = std::fs::read_to_string(dir.join("certbind.toml")).unwrap();
        assert!(config.contains(&first.client_sha1));
        let second = ensure(&dir, 1_795_651_200).unwrap();
        assert!(!second.created && !second.config_written);
        assert_eq!(second.client_sha1, first.client_sha1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
