//! A real certbind server on `127.0.0.1:0` with real TLS, and a test PKI made with OpenSSL:
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
//! a CA, the server certificate, and client certificates of every kind the tests present
//! (CA-issued and registered by thumbprint, CA-issued for `tls_client_auth`, issued by an
//! intermediate CA for `tls_client_auth`, self-signed, expired, CA-issued but registered nowhere).

use std::path::{Path, PathBuf};
use std::sync::mpsc;

use actix_web::dev::ServerHandle;
use actix_web::web;
use base64::Engine as _;
use certbind_host::Application;
use certbind_host::state::AppState;
use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, PKeyRef, Private};
use openssl::x509::extension::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
};
use openssl::x509::{X509, X509Builder, X509NameBuilder, X509Ref};

/// The shared secrets of the secret-based test clients.
pub const BASIC_SECRET: &str = "basic-secret-Ω";
/// The secret of `postclient`.
pub const POST_SECRET: &str = "post secret";

/// A scratch folder removed on drop.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// A fresh empty folder under the system temp dir.
    #[must_use]
    pub fn new(prefix: &str) -> Self {
        let mut bytes = [0_u8; 8];
        openssl::rand::rand_bytes(&mut bytes).unwrap();
        let name: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let path = std::env::temp_dir().join(format!("{prefix}-{name}"));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    /// The folder.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes a private key file readable by its owner only (0600), as certbind requires of the
/// keys it reads and as it writes its own.
pub fn write_private_key(path: &Path, pem: &[u8]) {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .unwrap();
    file.write_all(pem).unwrap();
}

fn ec_key() -> PKey<Private> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
}

/// What a test certificate is.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Ca,
    Server,
    Client,
}

/// Issues a certificate valid from `from` to `to` (Unix seconds).
fn issue(
    subject: &[(Nid, &str)],
    key: &PKeyRef<Private>,
    kind: Kind,
    issuer: Option<(&X509Ref, &PKeyRef<Private>)>,
    from: i64,
    to: i64,
) -> X509 {
    let mut name = X509NameBuilder::new().unwrap();
    for (nid, value) in subject {
        name.append_entry_by_nid(*nid, value).unwrap();
    }
    let name = name.build();
    let mut b = X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    let mut serial = BigNum::new().unwrap();
    serial.rand(120, MsbOption::MAYBE_ZERO, false).unwrap();
    b.set_serial_number(&Asn1Integer::from_bn(&serial).unwrap())
        .unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(issuer.map_or(&*name, |(c, _)| c.subject_name()))
        .unwrap();
    b.set_pubkey(key).unwrap();
    b.set_not_before(&Asn1Time::from_unix(from).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::from_unix(to).unwrap()).unwrap();
    match kind {
        Kind::Ca => {
            b.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
                .unwrap();
            b.append_extension(KeyUsage::new().critical().key_cert_sign().build().unwrap())
                .unwrap();
        }
        Kind::Server => {
            b.append_extension(ExtendedKeyUsage::new().server_auth().build().unwrap())
                .unwrap();
            let san = SubjectAlternativeName::new()
                .dns("localhost")
                .ip("127.0.0.1")
                .build(&b.x509v3_context(issuer.map(|(c, _)| c), None))
                .unwrap();
            b.append_extension(san).unwrap();
        }
        Kind::Client => {
            b.append_extension(BasicConstraints::new().critical().build().unwrap())
                .unwrap();
            b.append_extension(
                KeyUsage::new()
                    .critical()
                    .digital_signature()
                    .build()
                    .unwrap(),
            )
            .unwrap();
            b.append_extension(ExtendedKeyUsage::new().client_auth().build().unwrap())
                .unwrap();
        }
    }
    b.sign(issuer.map_or(key, |(_, k)| k), MessageDigest::sha256())
        .unwrap();
    b.build()
}

fn now() -> i64 {
    i64::try_from(certbind_host::time::now_unix()).unwrap()
}

/// The test PKI: files `<name>.pem` / `<name>.key` in a folder.
#[derive(Debug)]
pub struct TestPki {
    dir: TempDir,
}

/// Names of the client certificates in the test PKI.
pub const CLIENT_CERTS: [&str; 6] = ["client", "pki", "selfsigned", "expired", "wrong", "chained"];

/// A `[[clients]]` entry to append to [`TestPki::config`]: `chainedclient`, a `tls_client_auth`
/// client whose certificate (`chained.pem`) was issued by an intermediate CA under the root
/// anchor, so that its chain only validates with the intermediate the client sends.
pub const CHAINED_CLIENT: &str = r#"
[[clients]]
client_id = "chainedclient"
scopes = ["read"]
[[clients.secrets]]
type = "tls_client_auth"
subject_dn = "CN=chainedclient,O=certbind tests,C=XX"
"#;

impl TestPki {
    /// Creates every certificate.
    #[must_use]
    pub fn new() -> Self {
        let dir = TempDir::new("certbind-server-test");
        let (t0, year) = (now() - 3600, 365 * 86_400);
        let write = |name: &str, cert: &X509, key: &PKey<Private>| {
            std::fs::write(
                dir.path().join(format!("{name}.pem")),
                cert.to_pem().unwrap(),
            )
            .unwrap();
            write_private_key(
                &dir.path().join(format!("{name}.key")),
                &key.private_key_to_pem_pkcs8().unwrap(),
            );
        };
        let org = |cn| {
            [
                (Nid::COUNTRYNAME, "XX"),
                (Nid::ORGANIZATIONNAME, "certbind tests"),
                (Nid::COMMONNAME, cn),
            ]
        };
        let ca_key = ec_key();
        let ca = issue(
            &org("certbind tests CA"),
            &ca_key,
            Kind::Ca,
            None,
            t0,
            t0 + year,
        );
        write("ca", &ca, &ca_key);
        let ca_pair = Some((&*ca, &*ca_key));
        let server_key = ec_key();
        let server = issue(
            &org("localhost"),
            &server_key,
            Kind::Server,
            ca_pair,
            t0,
            t0 + year,
        );
        write("server", &server, &server_key);
        for (name, cn, from, to) in [
            ("client", "certclient", t0, t0 + year),
            ("pki", "pkiclient", t0, t0 + year),
            ("expired", "expiredclient", t0 - 2 * year, t0 - 86_400),
            ("wrong", "certclient", t0, t0 + year),
        ] {
            let key = ec_key();
            write(
                name,
                &issue(&org(cn), &key, Kind::Client, ca_pair, from, to),
                &key,
            );
        }
        // An intermediate CA under the root, and a `tls_client_auth` client it issued:
        // `chained.pem` holds the client's certificate and then the intermediate, as clients
        // configure a chain (the server's trust anchor is the root only).
        let int_key = ec_key();
        let int = issue(
            &org("certbind tests intermediate CA"),
            &int_key,
            Kind::Ca,
            ca_pair,
            t0,
            t0 + year,
        );
        write("int", &int, &int_key);
        let chained_key = ec_key();
        let chained = issue(
            &org("chainedclient"),
            &chained_key,
            Kind::Client,
            Some((&*int, &*int_key)),
            t0,
            t0 + year,
        );
        write("chained", &chained, &chained_key);
        let mut chain_pem = chained.to_pem().unwrap();
        chain_pem.extend(int.to_pem().unwrap());
        std::fs::write(dir.path().join("chained.pem"), chain_pem).unwrap();
        let key = ec_key();
        let selfsigned = issue(
            &org("selfsigned-client"),
            &key,
            Kind::Client,
            None,
            t0,
            t0 + year,
        );
        write("selfsigned", &selfsigned, &key);
        std::fs::create_dir_all(dir.path().join("keys")).unwrap();
        certbind_host::keys::rotate(
            &dir.path().join("keys"),
            certbind_host::keys::Algorithm::Es256,
            certbind_host::time::now_unix(),
        )
        .unwrap();
        Self { dir }
    }

    /// The folder.
    #[must_use]
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A reqwest client trusting the test CA, presenting `<identity>.pem` when given.
    #[must_use]
    pub fn https_client(&self, identity: Option<&str>) -> reqwest::Client {
        let ca =
            reqwest::Certificate::from_pem(&std::fs::read(self.cert_path("ca")).unwrap()).unwrap();
        let mut builder = reqwest::Client::builder().add_root_certificate(ca);
        if let Some(name) = identity {
            let cert = std::fs::read(self.cert_path(name)).unwrap();
            let key = std::fs::read(self.key_path(name)).unwrap();
            builder = builder.identity(reqwest::Identity::from_pkcs8_pem(&cert, &key).unwrap());
        }
        builder.build().unwrap()
    }

    /// Writes `<name>.pem` and `<name>.key`: a forgery of `pkiclient` followed by
    /// `intermediates` certificates. The client certificate carries pkiclient's registered
    /// subject and names the real CA as its issuer, but a key of the forger's signed it; the
    /// certificates after it are self-signed "CAs" with the real CA's name (the first with the
    /// forger's key), so that chain validation has to try every one of them.
    pub fn forge_chain(&self, name: &str, intermediates: usize) {
        let (t0, year) = (now() - 3600, 365 * 86_400);
        let ca_name = [
            (Nid::COUNTRYNAME, "XX"),
            (Nid::ORGANIZATIONNAME, "certbind tests"),
            (Nid::COMMONNAME, "certbind tests CA"),
        ];
        let forger_key = ec_key();
        let forger = issue(&ca_name, &forger_key, Kind::Ca, None, t0, t0 + year);
        let leaf_key = ec_key();
        let leaf = issue(
            &[
                (Nid::COUNTRYNAME, "XX"),
                (Nid::ORGANIZATIONNAME, "certbind tests"),
                (Nid::COMMONNAME, "pkiclient"),
            ],
            &leaf_key,
            Kind::Client,
            Some((&*forger, &*forger_key)),
            t0,
            t0 + year,
        );
        let mut pem = leaf.to_pem().unwrap();
        if intermediates > 0 {
            pem.extend(forger.to_pem().unwrap());
        }
        for _ in 1..intermediates {
            let key = ec_key();
            pem.extend(
                issue(&ca_name, &key, Kind::Ca, None, t0, t0 + year)
                    .to_pem()
                    .unwrap(),
            );
        }
        std::fs::write(self.cert_path(name), pem).unwrap();
        write_private_key(
            &self.key_path(name),
            &leaf_key.private_key_to_pem_pkcs8().unwrap(),
        );
    }

    /// Writes `<name>.pem`, a copy of `<victim>.pem`, and `<name>.key`: a private key whose
    /// public part is the victim's point but whose private scalar is random. That is what a
    /// client that copied someone's certificate can make: OpenSSL's clients accept it (their
    /// "key matches certificate" check compares public parts only) and sign the handshake's
    /// CertificateVerify with the wrong scalar.
    pub fn forge_key(&self, victim: &str, name: &str) {
        let certificate = X509::from_pem(&std::fs::read(self.cert_path(victim)).unwrap()).unwrap();
        let public = certificate.public_key().unwrap().ec_key().unwrap();
        let group = public.group();
        let mut ctx = openssl::bn::BigNumContext::new().unwrap();
        let mut order = BigNum::new().unwrap();
        group.order(&mut order, &mut ctx).unwrap();
        let mut scalar = BigNum::new().unwrap();
        order.rand_range(&mut scalar).unwrap();
        let forged = EcKey::from_private_components(group, &scalar, public.public_key()).unwrap();
        let forged = PKey::from_ec_key(forged).unwrap();
        std::fs::write(self.cert_path(name), certificate.to_pem().unwrap()).unwrap();
        std::fs::write(
            self.key_path(name),
            forged.private_key_to_pem_pkcs8().unwrap(),
        )
        .unwrap();
    }

    /// Writes `<name>.pem` and `<name>.key`: a client certificate OpenSSL reads (so a TLS
    /// client sends it and the server's TLS layer accepts it) but certbind-core does not: its
    /// notAfter is a GeneralizedTime with fractional seconds, which RFC 5280 §4.1.2.5.2 forbids.
    pub fn write_unreadable_certificate(&self, name: &str) {
        let key = ec_key();
        let mut subject = X509NameBuilder::new().unwrap();
        subject
            .append_entry_by_nid(Nid::COMMONNAME, "unreadable")
            .unwrap();
        let subject = subject.build();
        let mut b = X509Builder::new().unwrap();
        b.set_version(2).unwrap();
        b.set_serial_number(&Asn1Integer::from_bn(&BigNum::from_u32(1).unwrap()).unwrap())
            .unwrap();
        b.set_subject_name(&subject).unwrap();
        b.set_issuer_name(&subject).unwrap();
        b.set_pubkey(&key).unwrap();
        b.set_not_before(&Asn1Time::from_unix(now() - 3600).unwrap())
            .unwrap();
        b.set_not_after(&Asn1Time::from_str("20991231235959.5Z").unwrap())
            .unwrap();
        b.sign(&key, MessageDigest::sha256()).unwrap();
        let cert = b.build();
        std::fs::write(self.cert_path(name), cert.to_pem().unwrap()).unwrap();
        write_private_key(
            &self.key_path(name),
            &key.private_key_to_pem_pkcs8().unwrap(),
        );
    }

    /// Path of `<name>.pem`.
    #[must_use]
    pub fn cert_path(&self, name: &str) -> PathBuf {
        self.dir().join(format!("{name}.pem"))
    }

    /// Path of `<name>.key`.
    #[must_use]
    pub fn key_path(&self, name: &str) -> PathBuf {
        self.dir().join(format!("{name}.key"))
    }

    /// DER of `<name>.pem`.
    #[must_use]
    pub fn der(&self, name: &str) -> Vec<u8> {
        X509::from_pem(&std::fs::read(self.cert_path(name)).unwrap())
            .unwrap()
            .to_der()
            .unwrap()
    }

    /// SHA-1 of `<name>.pem` as the `openssl` command prints it (colons removed).
    #[must_use]
    pub fn sha1_hex_by_openssl_cli(&self, name: &str) -> String {
        let out = std::process::Command::new("openssl")
            .args(["x509", "-noout", "-fingerprint", "-sha1", "-in"])
            .arg(self.cert_path(name))
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        text.trim().rsplit('=').next().unwrap().replace(':', "")
    }

    /// `x5t#S256` of `<name>.pem` computed by the `openssl` command line (DER → SHA-256 →
    /// base64url without padding), independently of certbind.
    #[must_use]
    pub fn x5t_s256_by_openssl_cli(&self, name: &str) -> String {
        let der = std::process::Command::new("openssl")
            .args(["x509", "-outform", "DER", "-in"])
            .arg(self.cert_path(name))
            .output()
            .unwrap()
            .stdout;
        let mut child = std::process::Command::new("openssl")
            .args(["dgst", "-sha256", "-binary"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), &der).unwrap();
        let digest = child.wait_with_output().unwrap().stdout;
        assert_eq!(digest.len(), 32);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
    }

    /// [`TestPki::config`] with `lines` (e.g. `"max_intermediates = 1"`) added to its
    /// `[server.tls]` table.
    #[must_use]
    pub fn config_with_tls(&self, public: bool, lines: &str) -> String {
        self.config(public)
            .replacen("[server.tls]\n", &format!("[server.tls]\n{lines}\n"), 1)
    }

    /// The test `certbind.toml`: every kind of client, one mTLS listener on port 0 and, with
    /// `public`, a public listener too.
    #[must_use]
    pub fn config(&self, public: bool) -> String {
        let sha1 = |name: &str| self.sha1_hex_by_openssl_cli(name);
        let sha256_hex = |s: &str| -> String {
            openssl::sha::sha256(s.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        };
        let public_listener = if public {
            "\n[[server.listeners]]\naddress = \"127.0.0.1:0\"\nkind = \"public\"\n"
        } else {
            ""
        };
        format!(
            r#"trust_anchors = ["ca.pem"]

[server]
max_token_lifetime = 600
log = "warn"

[server.tls]
certificate = "server.pem"
private_key = "server.key"

[[server.listeners]]
address = "127.0.0.1:0"
kind = "mtls"
{public_listener}
[server.keys]
dir = "keys"

[[clients]]
client_id = "certclient"
scopes = ["read", "write"]
[[clients.secrets]]
type = "x509_thumbprint"
value = "{client}"

[[clients]]
client_id = "pkiclient"
scopes = ["read"]
[[clients.secrets]]
type = "tls_client_auth"
subject_dn = "CN=pkiclient,O=certbind tests,C=XX"

[[clients]]
client_id = "selfsignedclient"
scopes = ["read"]
[[clients.secrets]]
type = "self_signed_tls_client_auth"
pem_file = "selfsigned.pem"

[[clients]]
client_id = "expiredclient"
scopes = ["read"]
[[clients.secrets]]
type = "x509_thumbprint"
value = "{expired}"

[[clients]]
client_id = "disabledclient"
enabled = false
scopes = ["read"]
[[clients.secrets]]
type = "x509_thumbprint"
value = "{client}"

[[clients]]
client_id = "basicclient"
token_endpoint_auth_method = "client_secret_basic"
scopes = ["read"]
[[clients.secrets]]
type = "shared_secret"
value = "{basic}"

[[clients]]
client_id = "postclient"
token_endpoint_auth_method = "client_secret_post"
scopes = ["read"]
[[clients.secrets]]
type = "shared_secret"
value = "{post}"
"#,
            client = sha1("client"),
            expired = sha1("expired"),
            basic = sha256_hex(BASIC_SECRET),
            post = sha256_hex(POST_SECRET),
        )
    }
}

impl Default for TestPki {
    fn default() -> Self {
        Self::new()
    }
}

/// A running server (stopped on drop).
#[derive(Debug)]
pub struct TestApp {
    /// The PKI and config folder.
    pub pki: TestPki,
    /// `certbind.toml`.
    pub config_path: PathBuf,
    /// Port of the mTLS listener.
    pub port: u16,
    /// Port of the public listener, when there is one.
    pub public_port: Option<u16>,
    /// `https://localhost:<port>`.
    pub base: String,
    /// The server's state (for reload tests).
    pub state: web::Data<AppState>,
    /// Every listener with its bound address, in config order.
    pub listeners: Vec<(certbind_host::config::ListenerKind, std::net::SocketAddr)>,
    handle: ServerHandle,
}

/// Starts a server with the test config.
#[must_use]
pub fn spawn_app() -> TestApp {
    spawn_app_with(false)
}

/// Starts a server; `public` adds a public listener.
#[must_use]
pub fn spawn_app_with(public: bool) -> TestApp {
    let pki = TestPki::new();
    let config = pki.config(public);
    spawn_app_from(pki, &config)
}

/// Starts a server with `config` (a `certbind.toml`, written into the PKI folder).
#[must_use]
pub fn spawn_app_from(pki: TestPki, config: &str) -> TestApp {
    let config_path = pki.dir().join("certbind.toml");
    std::fs::write(&config_path, config).unwrap();
    let loaded = certbind_host::load::load(&config_path).unwrap_or_else(|e| panic!("{e}"));
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let mut settings = loaded.settings;
            settings.workers = 2;
            let app =
                Application::build_with_keys(&settings, loaded.registry, loaded.keys).unwrap();
            let public = app
                .listeners()
                .iter()
                .find(|(k, _)| *k == certbind_host::config::ListenerKind::Public)
                .map(|(_, a)| a.port());
            let listeners = app.listeners().to_vec();
            tx.send((app.port(), public, app.handle(), app.state(), listeners))
                .unwrap();
            app.run_until_stopped().await.unwrap();
        });
    });
    let (port, public_port, handle, state, listeners) = rx.recv().unwrap();
    TestApp {
        pki,
        config_path,
        port,
        public_port,
        base: format!("https://localhost:{port}"),
        state,
        listeners,
        handle,
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop without waiting; the thread ends with its System.
        drop(self.handle.stop(false));
    }
}

/// A response as the tests look at it.
#[derive(Debug)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Headers (lowercase names).
    pub headers: reqwest::header::HeaderMap,
    /// The body as JSON (`Null` when it is not JSON).
    pub json: serde_json::Value,
    /// The raw body.
    pub text: String,
}

impl TestApp {
    /// A reqwest client trusting the test CA, presenting `<identity>.pem` when given.
    #[must_use]
    pub fn client(&self, identity: Option<&str>) -> reqwest::Client {
        self.pki.https_client(identity)
    }

    /// POSTs a form to `path` with `identity`'s certificate.
    pub async fn post_form(
        &self,
        identity: Option<&str>,
        path: &str,
        form: &[(&str, &str)],
    ) -> Reply {
        let body: String = form
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        let request = self
            .client(identity)
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        Self::send(request).await
    }

    /// Sends a prepared request and reads the reply.
    pub async fn send(request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
        Reply {
            status,
            headers,
            json,
            text,
        }
    }

    /// The value of the `/metrics` line that starts with `series` (a name with its labels, e.g.
    /// `certbind_tls_sessions_total{session="resumed"}`).
    ///
    /// # Panics
    /// When `/metrics` has no such line.
    pub async fn metric(&self, series: &str) -> u64 {
        let metrics = self.get("/metrics").await.text;
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {series} in /metrics:\n{metrics}"))
    }

    /// GETs `path` without a client certificate.
    pub async fn get(&self, path: &str) -> Reply {
        Self::send(self.client(None).get(format!("{}{path}", self.base))).await
    }

    /// A client_credentials token request for `client_id` presenting `identity`'s certificate.
    pub async fn token(
        &self,
        identity: Option<&str>,
        client_id: &str,
        scope: Option<&str>,
    ) -> Reply {
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
        ];
        if let Some(scope) = scope {
            form.push(("scope", scope));
        }
        self.post_form(identity, "/connect/token", &form).await
    }

    /// Runs `curl` against the server with `args` (the CA is always trusted); returns
    /// (HTTP status, body).
    #[must_use]
    pub fn curl(&self, args: &[&str]) -> (u16, String) {
        let out = std::process::Command::new("curl")
            .args(["-sS", "--max-time", "10", "--cacert"])
            .arg(self.pki.cert_path("ca"))
            .args(["-w", "\n%{http_code}"])
            .args(args)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (body, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
        (code.trim().parse().unwrap_or(0), body.to_owned())
    }

    /// curl arguments presenting `<name>.pem` / `<name>.key`.
    #[must_use]
    pub fn curl_identity(&self, name: &str) -> Vec<String> {
        vec![
            "--cert".into(),
            self.pki.cert_path(name).display().to_string(),
            "--key".into(),
            self.pki.key_path(name).display().to_string(),
        ]
    }
}

/// Form-encodes one value.
#[must_use]
pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Verifies a token with `jsonwebtoken` (pure Rust; not the OpenSSL/josekit code that signed
/// it) against the server's `/jwks`, checking signature, `typ`, issuer, audience and expiry.
/// Returns the claims.
///
/// # Panics
/// When the token does not verify.
#[must_use]
pub fn verify_independently(
    token: &str,
    jwks: &serde_json::Value,
    issuer: &str,
    audience: &str,
) -> serde_json::Value {
    use jsonwebtoken::{DecodingKey, Validation, decode, decode_header, jwk::JwkSet};
    let header = decode_header(token).unwrap();
    assert_eq!(header.typ.as_deref(), Some("at+jwt"), "RFC 9068 typ");
    let kid = header.kid.clone().expect("kid");
    let set: JwkSet = serde_json::from_value(jwks.clone()).unwrap();
    let jwk = set.find(&kid).expect("the kid is published at /jwks");
    let key = DecodingKey::from_jwk(jwk).unwrap();
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    decode::<serde_json::Value>(token, &key, &validation)
        .unwrap()
        .claims
}
