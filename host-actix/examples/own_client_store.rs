//! Library use: run certbind's token server with your own client store.
//!
//! IdentityServer3 users implemented `IClientValidator`; with certbind you either
//! - implement the core's [`certbind_core::ClientValidator`] (clients as the core models them,
//!   decided by the core) and wrap it in [`certbind_host::registry::Registry::with_validator`], or
//! - implement the host's [`ClientAuthenticator`] to map a request to a client any way you
//!   like, as below: here, client certificates pinned by SHA-256 in an in-memory "database".
//!
//! Run: `cargo run -p certbind-host --example own_client_store -- [DIR]` (DIR: a dev PKI folder,
//! default `./certbind-dev`, created when missing). It binds 127.0.0.1:0, prints the port and a
//! curl line, and serves until Ctrl-C.

#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use certbind_host::config::{KeySource, ListenerSettings, Settings};
use certbind_host::{Application, AuthFailure, AuthRequest, Authenticated, ClientAuthenticator};

/// Clients keyed by the SHA-256 of their certificate.
#[derive(Debug)]
struct PinnedCertificates {
    by_sha256: HashMap<[u8; 32], (&'static str, Vec<String>)>,
}

impl ClientAuthenticator for PinnedCertificates {
    fn authenticate(&self, request: &AuthRequest<'_>) -> Result<Authenticated, AuthFailure> {
        let Some(certificate) = request.certificate else {
            return Err(AuthFailure::new(
                "no_certificate",
                "no client certificate presented",
            ));
        };
        match self.by_sha256.get(&certificate.sha256) {
            Some((client_id, scopes)) if *client_id == request.client_id => {
                let mut client =
                    Authenticated::new(*client_id, "self_signed_tls_client_auth", scopes.clone());
                // Bind the tokens to this certificate (RFC 8705 §3).
                client.x5t_s256 = Some(base64_url(&certificate.sha256));
                Ok(client)
            }
            Some((other, _)) => Err(AuthFailure::new(
                "certificate_not_registered",
                format!(
                    "this certificate belongs to {other}, not {}",
                    request.client_id
                ),
            )),
            None => Err(AuthFailure::new(
                "certificate_not_registered",
                "unknown certificate",
            )),
        }
    }

    fn scopes_supported(&self) -> Vec<String> {
        vec!["read".into(), "write".into()]
    }
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn main() -> anyhow::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("certbind-dev"), PathBuf::from);
    let pki = certbind_host::dev_pki::ensure(&dir, certbind_host::time::now_unix())?;
    let client_der =
        openssl::x509::X509::from_pem(&std::fs::read(pki.file("client.pem"))?)?.to_der()?;
    let store = PinnedCertificates {
        by_sha256: HashMap::from([(
            openssl::sha::sha256(&client_der),
            ("certclient", vec!["read".to_owned(), "write".to_owned()]),
        )]),
    };

    let mut settings = Settings::new(
        pki.file("server.pem"),
        pki.file("server.key"),
        KeySource::Dir(pki.file("keys")),
    );
    settings.listeners = vec![ListenerSettings::mtls("127.0.0.1:0".parse()?)];
    certbind_host::telemetry::init(settings.log_format, &settings.log_filter);

    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(&settings, Arc::new(store))?;
        let d = dir.display();
        println!(
            "curl --cacert {d}/ca.pem --cert {d}/client.pem --key {d}/client.key \
             -d grant_type=client_credentials -d client_id=certclient \
             https://localhost:{}/connect/token",
            app.port()
        );
        app.run_until_stopped().await?;
        Ok(())
    })
}
