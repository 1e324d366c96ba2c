//! Writes the committed seed corpora of the fuzz targets (`fuzz/seeds/<target>/`) from the
//! shared fixtures, with the exact transformation each reverse proxy applies
//! (`certbind_tests::proxy_headers`): one valid input per shape a target reads, so that the
//! fuzzer starts past the framing. Deterministic: run it again and `git diff` shows nothing.
//!
//! `cargo run -p certbind-tests --bin fuzz-seeds`
#![forbid(unsafe_code)]
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use certbind_tests::proxy_headers as h;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(repo().join("tests/fixtures").join(name)).unwrap()
}

/// Replaces `fuzz/seeds/<target>/` with `seeds` (name, bytes).
fn write(target: &str, seeds: &[(&str, Vec<u8>)]) {
    let dir = repo().join("fuzz/seeds").join(target);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in seeds {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    println!("fuzz/seeds/{target}: {} seed(s)", seeds.len());
}

fn lines(parts: &[&str]) -> Vec<u8> {
    parts.join("\n").into_bytes()
}

fn main() {
    let leaf = fixture("basic.client.ee.der");
    let int = fixture("basic.intermediate.ca.der");
    let rsa = fixture("basic.client-rsa.ee.der");
    let (leaf, int, rsa) = (leaf.as_slice(), int.as_slice(), rsa.as_slice());

    write(
        "forwarded_rfc9440",
        &[
            ("cert", h::rfc9440_cert(leaf).into_bytes()),
            (
                "cert-and-chain",
                lines(&[
                    &h::rfc9440_cert(leaf),
                    &format!(">{}", h::rfc9440_chain(&[int])),
                ]),
            ),
            (
                "chain-only",
                lines(&["", &format!(">{}", h::rfc9440_chain(&[int, int]))]),
            ),
            ("empty", Vec::new()),
        ],
    );
    write(
        "forwarded_nginx_escaped",
        &[
            ("ec", h::nginx_escaped(leaf).into_bytes()),
            ("rsa", h::nginx_escaped(rsa).into_bytes()),
        ],
    );
    write(
        "forwarded_nginx_legacy",
        &[("ec", h::nginx_legacy_unfolded(leaf).into_bytes())],
    );
    let element = h::envoy_xfcc_element("spiffe://proxy.example", leaf, &[int], "CN=client");
    write(
        "forwarded_envoy_xfcc",
        &[
            ("one-element", element.clone().into_bytes()),
            (
                "two-elements",
                format!("By=spiffe://edge;Hash=00;Subject=\"CN=x\",{element}").into_bytes(),
            ),
        ],
    );
    write(
        "forwarded_traefik",
        &[
            (
                "traefik3-chain",
                h::traefik(&[leaf, int], false).into_bytes(),
            ),
            ("traefik2-escaped", h::traefik(&[leaf], true).into_bytes()),
        ],
    );
    write(
        "forwarded_aws_alb",
        &[
            ("leaf", h::aws_alb(&[leaf]).into_bytes()),
            ("chain", h::aws_alb(&[leaf, int]).into_bytes()),
        ],
    );
    // The first byte picks the format (even: haproxy-base64, odd: azure).
    write(
        "forwarded_base64",
        &[
            (
                "haproxy",
                [b"\x00".as_slice(), h::haproxy(leaf).as_bytes()].concat(),
            ),
            (
                "azure",
                [b"\x01".as_slice(), h::azure(rsa).as_bytes()].concat(),
            ),
        ],
    );

    let token_form = b"grant_type=client_credentials&client_id=certclient&scope=read+write%20x";
    write(
        "form",
        &[
            ("token", token_form.to_vec()),
            (
                "introspect",
                b"token=eyJhbGciOiJFUzI1NiJ9.e30.AA&token_type_hint=access_token".to_vec(),
            ),
            (
                "empty-values",
                b"scope=&client_id=a%2Bb&client_secret=p%40ss".to_vec(),
            ),
        ],
    );
    write(
        "basic",
        &[
            (
                "basic",
                format!("Basic {}", STANDARD.encode("my%3Aclient:p%40ss+word")).into_bytes(),
            ),
            ("bearer", b"Bearer abc".to_vec()),
            ("repeated", b"Basic YTpi\nBasic YTpi".to_vec()),
        ],
    );
    // A token of the right shape (ES256 JWT, `at+jwt`) signed by a key the server does not know.
    let part = |json: &str| URL_SAFE_NO_PAD.encode(json);
    let jwt = format!(
        "{}.{}.{}",
        part(r#"{"alg":"ES256","typ":"at+jwt","kid":"k1"}"#),
        part(
            r#"{"iss":"https://as.example","sub":"fuzzclient","client_id":"fuzzclient","aud":"https://as.example/resources","exp":4102444800,"iat":1767225600,"jti":"j1","scope":"read"}"#
        ),
        URL_SAFE_NO_PAD.encode([7_u8; 64])
    );
    // The first byte: endpoint (low two bits), Basic credentials (4), a wrong content type (8).
    write(
        "endpoints",
        &[
            (
                "token-basic",
                [&[4_u8][..], b"grant_type=client_credentials&scope=read"].concat(),
            ),
            ("token-anonymous", [&[0_u8][..], token_form].concat()),
            (
                "introspect",
                [&[5_u8][..], format!("token={jwt}").as_bytes()].concat(),
            ),
            (
                "revoke",
                [
                    &[6_u8][..],
                    format!("token={jwt}&token_type_hint=access_token").as_bytes(),
                ]
                .concat(),
            ),
            ("wrong-type", [&[12_u8][..], b"{}"].concat()),
        ],
    );
    // The files the target holds in memory: ca.pem, client.pem, client.jwks.
    let sha1 = certbind_core::Thumbprints::of_der(leaf).sha1_hex();
    let sha256 = certbind_core::Thumbprints::of_der(leaf).sha256_hex();
    let registry = format!(
        r#"trust_anchors = ["ca.pem"]
clock_skew = 300

[[clients]]
client_id = "thumbprint"
name = "IdentityServer3 client"
scopes = ["read", "write"]
access_token_lifetime = 600
[[clients.secrets]]
type = "x509_thumbprint"
value = "{lrm}{}"
expires = "2030-01-01T00:00:00Z"

[[clients]]
client_id = "sha256"
scopes = ["read"]
audience = ["https://a.example", "https://b.example"]
[[clients.secrets]]
type = "x509_thumbprint_sha256"
value = "{sha256}"

[[clients]]
client_id = "pki"
scopes = ["read"]
introspection = "any"
[[clients.secrets]]
type = "tls_client_auth"
subject_dn = "CN=client, O=certbind tests, C=XX"
[[clients.secrets]]
type = "tls_client_auth"
san_dns = "client.example"
trust_anchors = ["ca.pem"]

[[clients]]
client_id = "name"
scopes = ["read"]
trust_anchors = ["ca.pem"]
[[clients.secrets]]
type = "x509_name"
value = "CN=client,O=certbind tests,C=XX"

[[clients]]
client_id = "selfsigned"
scopes = ["read"]
[[clients.secrets]]
type = "self_signed_tls_client_auth"
pem_file = "client.pem"
[[clients.secrets]]
type = "self_signed_tls_client_auth"
jwks_file = "client.jwks"
[[clients.secrets]]
type = "self_signed_tls_client_auth"
x5c = ["{}"]

[[clients]]
client_id = "secret"
enabled = false
token_endpoint_auth_method = "client_secret_post"
scopes = ["read"]
[[clients.secrets]]
type = "shared_secret"
value = "{sha256}"
"#,
        sha1.chars()
            .collect::<Vec<_>>()
            .chunks(2)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join(" "),
        STANDARD.encode(leaf),
        lrm = '\u{200E}',
    );
    write(
        "registry_toml",
        &[("every-secret-type", registry.into_bytes())],
    );
    // The thumbprint before the first newline; nothing after it: the target's fixture client.
    let x5t = certbind_core::Thumbprints::of_der(leaf).x5t();
    write(
        "compare",
        &[
            (
                "sha1-colons",
                format!("SHA1 Fingerprint={}\n", colons(&sha1)).into_bytes(),
            ),
            (
                "sha256-lower",
                format!("{}\n", sha256.to_lowercase()).into_bytes(),
            ),
            ("x5t", format!("{x5t}\n").into_bytes()),
            (
                "pem-and-sha1",
                [
                    format!("{sha1}\n").as_bytes(),
                    &fixture("basic.client.ee.pem"),
                ]
                .concat(),
            ),
        ],
    );
}

fn colons(hex: &str) -> String {
    hex.as_bytes()
        .chunks(2)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(":")
}
