//! node-oidc-provider (tests/peers/oidc-provider/server.mjs) as a second issuer of
//! certificate-bound tokens, started by a test on a free port with the test PKI's server and
//! client certificates, and stopped (by PID) on drop.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The peer's folder.
#[must_use]
pub fn peer_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("peers/oidc-provider")
}

/// A running node-oidc-provider.
#[derive(Debug)]
pub struct OidcProvider {
    child: Child,
    /// Its issuer, `https://localhost:<port>`.
    pub issuer: String,
    /// Its JWKS URL.
    pub jwks_uri: String,
    /// Its token endpoint.
    pub token_endpoint: String,
}

impl OidcProvider {
    /// Starts it with `pki` (server.pem, server.key, ca.pem), registering `client_cert`'s subject
    /// for `certclient`, issuing tokens for `audience`.
    #[must_use]
    pub fn start(pki: &Path, client_cert: &Path, audience: &str) -> Self {
        let dir = peer_dir();
        assert!(
            dir.join("node_modules/oidc-provider").is_dir(),
            "node-oidc-provider is not installed: run scripts/setup.sh (npm ci in {})",
            dir.display()
        );
        let mut child = Command::new("node")
            .arg(dir.join("server.mjs"))
            .env("PKI_DIR", pki)
            .env("CLIENT_CERT", client_cert)
            .env("AUDIENCE", audience)
            .env("PORT", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let started: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("oidc-provider did not start ({e}): {line:?}"));
        let text = |k: &str| started[k].as_str().unwrap().to_owned();
        Self {
            issuer: text("issuer"),
            jwks_uri: text("jwks_uri"),
            token_endpoint: text("token_endpoint"),
            child,
        }
    }

    /// A client_credentials token for `certclient` (scope `read`, optional RFC 8707 `resource`)
    /// requested with `client`'s certificate.
    pub async fn token(&self, client: &reqwest::Client, resource: Option<&str>) -> String {
        let mut body =
            String::from("grant_type=client_credentials&client_id=certclient&scope=read");
        if let Some(resource) = resource {
            body.push_str(&format!("&resource={}", crate::server::enc(resource)));
        }
        let reply = crate::server::TestApp::send(
            client
                .post(&self.token_endpoint)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body),
        )
        .await;
        assert_eq!(reply.status, 200, "oidc-provider token: {}", reply.text);
        reply.json["access_token"].as_str().unwrap().to_owned()
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}
