//! An API that accepts only certificate-bound access tokens (RFC 8705 §3): `GET /orders` answers
//! a request whose bearer token is signed by the issuer, meant for this API, unexpired, carries
//! the `read` scope, and is bound to the client certificate of the request — the one on the
//! mTLS connection, or the one nginx forwards on the listener behind it.
//!
//! Run it against `certbind serve` (dev mode; the API reuses its PKI):
//!
//! ```sh
//! cargo run -p certbind-host --example protected_api -- \
//!   --issuer https://localhost:8443 --audience https://localhost:8443/resources \
//!   --jwks https://localhost:8443/jwks --ca certbind-dev/ca.pem \
//!   --cert certbind-dev/server.pem --key certbind-dev/server.key
//! TOKEN=$(curl -s --cacert certbind-dev/ca.pem --cert certbind-dev/client.pem \
//!   --key certbind-dev/client.key -d grant_type=client_credentials -d client_id=certclient \
//!   https://localhost:8443/connect/token | jq -r .access_token)
//! curl --cacert certbind-dev/ca.pem --cert certbind-dev/client.pem --key certbind-dev/client.key \
//!   -H "Authorization: Bearer $TOKEN" https://localhost:8444/orders
//! ```
//!
//! The integration tests (`tests/tests/api_actix.rs`) run this file's [`protected_api`] with
//! tokens from `certbind serve` and from node-oidc-provider, over mTLS and behind nginx;
//! docs/api.md shows the part between the `snippet` markers.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

// --- snippet: protected_api ---
use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{App, HttpResponse, HttpServer, web};
use certbind_host::forwarded::{self, HeaderFormat, ProxyListener, ProxySettings, TrustedProxies};
use certbind_host::resource::{BearerError, BoundToken, TokenVerifier};
use certbind_host::tls;

/// `GET /orders`: runs only when the token is valid and bound to the caller's certificate.
async fn orders(token: BoundToken) -> Result<HttpResponse, BearerError> {
    token.require_scope("read")?; // 403 insufficient_scope without it
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "client_id": token.claim("client_id"),
        "bound_to": token.x5t_s256(),
    })))
}

/// Binds the API: `mtls` (TLS, asks every client for a certificate) and `behind_nginx` (plain
/// HTTP from nginx, which forwards the client's certificate in `X-SSL-Client-Cert`; only
/// connections from `trusted_proxies` may). Returns the server and both bound addresses.
///
/// # Errors
/// A file that cannot be read, an address that cannot be bound, an unusable JWKS URL or TLS key.
pub fn protected_api(config: &ApiConfig) -> anyhow::Result<(Server, SocketAddr, SocketAddr)> {
    let verifier = TokenVerifier::builder(&config.issuer, &config.audience)
        .jwks_url(&config.jwks)
        .trust_root_pem(std::fs::read(&config.ca)?) // the issuer's CA, if not a public one
        .leeway(config.leeway)
        .build()?;
    let verifier = web::Data::new(verifier);

    let mtls = TcpListener::bind(config.mtls)?;
    let behind_nginx = TcpListener::bind(config.behind_nginx)?;
    let (mtls_addr, nginx_addr) = (mtls.local_addr()?, behind_nginx.local_addr()?);
    let nginx = ProxySettings::new(
        TrustedProxies::new(config.trusted_proxies.clone()),
        HeaderFormat::NginxEscaped,
    );
    let proxied = vec![(nginx_addr, Arc::new(ProxyListener::new(nginx)))];

    let server = HttpServer::new(move || {
        App::new()
            .app_data(verifier.clone())
            .route("/orders", web::get().to(orders))
    })
    // Records each connection's client certificate, and which listener is behind nginx.
    .on_connect(forwarded::on_connect(proxied))
    .listen_openssl(
        mtls,
        tls::mtls_acceptor(
            &config.cert,
            &config.key,
            &[],
            tls::DEFAULT_MAX_INTERMEDIATES,
        )?,
    )?
    .listen(behind_nginx)?
    .workers(2)
    .run();
    Ok((server, mtls_addr, nginx_addr))
}
// --- end snippet ---

/// What the API is configured with.
#[derive(Debug, Clone, Parser)]
pub struct ApiConfig {
    /// The token issuer (`iss`).
    #[arg(long)]
    pub issuer: String,
    /// This API's identifier, expected in `aud`.
    #[arg(long)]
    pub audience: String,
    /// The issuer's JWKS URL (HTTPS).
    #[arg(long)]
    pub jwks: String,
    /// A CA certificate (PEM) to trust for the JWKS fetch.
    #[arg(long)]
    pub ca: PathBuf,
    /// The API's TLS certificate chain (PEM).
    #[arg(long)]
    pub cert: PathBuf,
    /// Its private key (PEM).
    #[arg(long)]
    pub key: PathBuf,
    /// The mTLS listener.
    #[arg(long, default_value = "127.0.0.1:8444")]
    pub mtls: SocketAddr,
    /// The plain-HTTP listener behind nginx.
    #[arg(long, default_value = "127.0.0.1:8081")]
    pub behind_nginx: SocketAddr,
    /// Seconds of clock difference tolerated for `exp` and `nbf`.
    #[arg(long, default_value_t = 60)]
    pub leeway: u64,
    /// Addresses (or CIDR blocks) of the proxies whose certificate header counts.
    #[arg(long = "trusted-proxy", default_value = "127.0.0.1")]
    pub trusted_proxies: Vec<forwarded::ProxyNet>,
}

#[allow(dead_code)] // the tests include this file as a module and call `protected_api`
fn main() -> anyhow::Result<()> {
    let config = ApiConfig::parse();
    tracing_subscriber::fmt()
        .with_env_filter("certbind=info")
        .init();
    actix_web::rt::System::new().block_on(async {
        let (server, mtls, nginx) = protected_api(&config)?;
        println!(
            "protected API: https://{mtls}/orders (mTLS), http://{nginx}/orders (behind nginx)"
        );
        server.await?;
        Ok(())
    })
}
