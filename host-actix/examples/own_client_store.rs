//! Library use: run certbind's token server with your own client store and your own
//! `ClientValidator` (what IdentityServer3 users did with `IClientValidator`).
//!
//! The one extension point is certbind-core's [`ClientValidator`]: it gets the `client_id` and
//! what the request presented (the connection's certificate, borrowed, and any client secret)
//! and answers with a [`Validation`] built from the core's public constructors
//! ([`Acceptance::new`], [`Rejection::unknown_client`], [`Rejection::custom`], …). Wrap it in
//! [`Registry::with_validator`] and hand it to [`Application::build`]; the server adds its own
//! rules around it (one authentication method per request, tokens bound to the certificate
//! when the acceptance says so) and logs the full reason of every rejection.
//!
//! Here the store is an in-memory "database" of clients whose certificates are pinned by
//! SHA-256, with a revocation list the validator checks first.
//!
//! Run: `cargo run -p certbind-host --example own_client_store -- [DIR]` (DIR: a dev PKI folder,
//! default `./certbind-dev`, created when missing). It binds 127.0.0.1:0, prints the port and a
//! curl line, and serves until Ctrl-C.

#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use certbind_core::{
    Acceptance, AuthMethod, Client, ClientReason, ClientValidator, Presented, Rejection,
    SecretType, UnixTime, Validation,
};
use certbind_host::config::{KeySource, ListenerSettings, Settings};
use certbind_host::{Application, Registry};

/// One row of the application's client table.
#[derive(Debug)]
struct StoredClient {
    /// The client as the core models it: scopes, token lifetime, grant types, method.
    client: Client,
    /// SHA-256 of each certificate the client may use.
    pinned: Vec<[u8; 32]>,
}

/// The application's client store.
#[derive(Debug)]
struct PinnedStore {
    clients: HashMap<String, StoredClient>,
    /// SHA-256 of revoked certificates: refused whichever client they are pinned for.
    revoked: HashSet<[u8; 32]>,
}

impl ClientValidator for PinnedStore {
    fn validate<'s>(
        &'s self,
        client_id: &str,
        presented: &Presented<'_>,
        _now: UnixTime,
    ) -> Validation<'s> {
        let Some(stored) = self.clients.get(client_id) else {
            return Validation::Rejected(Rejection::unknown_client(client_id));
        };
        let method = stored.client.token_endpoint_auth_method;
        let Some(certificate) = presented.certificate else {
            return Validation::Rejected(
                Rejection::new(client_id)
                    .with_client_reason(ClientReason::NoCertificatePresented { method }),
            );
        };
        if self.revoked.contains(certificate.sha256()) {
            return Validation::Rejected(Rejection::custom(
                client_id,
                "the certificate is on the application's revocation list",
            ));
        }
        match stored
            .pinned
            .iter()
            .position(|pin| pin == certificate.sha256())
        {
            Some(index) => Validation::Accepted {
                client: Cow::Borrowed(&stored.client),
                acceptance: Acceptance::new(
                    client_id,
                    index,
                    SecretType::X509ThumbprintSha256,
                    AuthMethod::SelfSignedTlsClientAuth,
                )
                // Bind the tokens to this certificate (cnf.x5t#S256, RFC 8705 §3).
                .with_certificate(certificate, stored.client.certificate_bound_access_tokens),
            },
            None => Validation::Rejected(Rejection::custom(
                client_id,
                format!(
                    "the certificate (x5t#S256 {}) is none of the {} pinned for this client",
                    certificate.x5t_s256(),
                    stored.pinned.len()
                ),
            )),
        }
    }

    fn client<'s>(&'s self, client_id: &str) -> Option<Cow<'s, Client>> {
        self.clients
            .get(client_id)
            .map(|stored| Cow::Borrowed(&stored.client))
    }
}

fn main() -> anyhow::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("certbind-dev"), PathBuf::from);
    let pki = certbind_host::dev_pki::ensure(&dir, certbind_host::time::now_unix())?;
    let client_der =
        openssl::x509::X509::from_pem(&std::fs::read(pki.file("client.pem"))?)?.to_der()?;

    // `Client::new` derives the method from the secrets; this client has none in the core's
    // sense (the store pins its certificates), so say how it authenticates, and that its tokens
    // are bound to its certificate.
    let mut client = Client::new(
        "certclient",
        vec!["read".to_owned(), "write".to_owned()],
        Vec::new(),
    );
    client.token_endpoint_auth_method = AuthMethod::SelfSignedTlsClientAuth;
    client.method_derived = false;
    client.certificate_bound_access_tokens = true;
    let store = PinnedStore {
        clients: HashMap::from([(
            "certclient".to_owned(),
            StoredClient {
                client,
                pinned: vec![openssl::sha::sha256(&client_der)],
            },
        )]),
        revoked: HashSet::new(),
    };
    let clients =
        Registry::with_validator(Arc::new(store), vec!["read".to_owned(), "write".to_owned()]);

    let mut settings = Settings::new(
        pki.file("server.pem"),
        pki.file("server.key"),
        KeySource::Dir(pki.file("keys")),
    );
    settings.listeners = vec![ListenerSettings::mtls("127.0.0.1:0".parse()?)];
    // No load balancer in front: Ctrl-C stops without a drain delay.
    settings.shutdown = settings
        .shutdown
        .with_drain_delay(std::time::Duration::ZERO);
    certbind_host::telemetry::init(settings.log_format, &settings.log_filter);

    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(&settings, Arc::new(clients))?;
        let d = dir.display();
        println!(
            "curl --cacert {d}/ca.pem --cert {d}/client.pem --key {d}/client.key \
             -d grant_type=client_credentials -d client_id=certclient \
             https://localhost:{}/connect/token",
            app.port()
        );
        app.run().await?;
        Ok(())
    })
}
