//! End-to-end tests of `certbind explain` and `certbind verify-chain`: the real binary, the shared
//! fixtures (a root → intermediate → client PKI valid 2020–2099, made by the openssl CLI), and
//! the exit codes 0 (accepted / valid), 1 (rejected / invalid), 2 (usage or input error).
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

fn fixture(name: &str) -> String {
    fixtures()
        .join(name)
        .to_str()
        .expect("utf-8 path")
        .to_owned()
}

fn certbind(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_certbind"))
        .args(args)
        .env_remove("CERTBIND_CONFIG")
        .output()
        .expect("run certbind")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// A registry in a fresh folder (its own config file), naming the fixtures' root as anchor.
struct Config {
    dir: PathBuf,
}

impl Config {
    fn new(name: &str, clients: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("certbind-explain-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::copy(fixtures().join("basic.root.ca.pem"), dir.join("ca.pem"))
            .expect("copy anchor");
        let text = format!(
            "trust_anchors = [\"ca.pem\"]\n\n[server]\nissuer = \"https://localhost:8443\"\n\n{clients}"
        );
        std::fs::write(dir.join("certbind.toml"), text).expect("write config");
        Self { dir }
    }

    fn path(&self) -> String {
        self.dir
            .join("certbind.toml")
            .to_str()
            .expect("utf-8")
            .to_owned()
    }
}

impl Drop for Config {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const CLIENTS: &str = r#"
[[clients]]
client_id = "certclient"
scopes = ["read", "write"]

[[clients.secrets]]
type = "x509_thumbprint"
value = "76:62:78:17:59:0A:E5:C4:52:F4:69:09:D2:B9:8C:D3:70:B2:88:19"

[[clients]]
client_id = "pkiclient"
scopes = ["read"]

[[clients.secrets]]
type = "tls_client_auth"
subject_dn = "CN=certclient, OU=Clients, O=\"certbind Tests, Inc.\", C=US"
"#;

/// The client certificate's x5t#S256, as the fixtures' vectors file (openssl) has it.
fn expected_x5t() -> String {
    let text = std::fs::read_to_string(fixtures().join("vectors.json")).expect("vectors");
    let vectors: Value = serde_json::from_str(&text).expect("json");
    vectors["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .find(|v| v["file"] == "basic.client.ee.pem")
        .expect("client vector")["certificates"][0]["x5t#S256"]
        .as_str()
        .expect("x5t#S256")
        .to_owned()
}

#[test]
fn explain_accepts_the_registered_thumbprint_and_binds_to_x5t_s256() {
    let config = Config::new("thumb", CLIENTS);
    let out = certbind(&[
        "explain",
        "--config",
        &config.path(),
        "--client",
        "certclient",
        "--json",
        &fixture("basic.client.ee.pem"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(v["accepted"], true);
    let decision = &v["clients"][0]["decision"];
    assert_eq!(decision["outcome"], "accepted");
    assert_eq!(decision["method"], "self_signed_tls_client_auth");
    assert_eq!(decision["x5t#S256"], expected_x5t().as_str());
    assert_eq!(
        v["warnings"].as_array().expect("warnings").len(),
        1,
        "the colons were cleaned"
    );
}

#[test]
fn explain_without_client_finds_every_candidate_and_explains_the_chain() {
    let config = Config::new("candidates", CLIENTS);
    let leaf = fixture("basic.client.ee.pem");
    let chain = fixture("basic.intermediate.ca.pem");
    let at = "2030-01-01T00:00:00Z";
    let out = certbind(&[
        "explain",
        "--config",
        &config.path(),
        "--at",
        at,
        &leaf,
        "--chain",
        &chain,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        text.contains("client \"certclient\" (self_signed_tls_client_auth): ACCEPTED by secret #1"),
        "{text}"
    );
    assert!(
        text.contains("client \"pkiclient\" (tls_client_auth): ACCEPTED by secret #1"),
        "{text}"
    );

    // Without the intermediate, the PKI client is rejected with webpki's reason in words.
    let out = certbind(&[
        "explain",
        "--config",
        &config.path(),
        "--client",
        "pkiclient",
        "--at",
        at,
        &leaf,
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    let secret = &v["clients"][0]["secrets"][0];
    assert_eq!(secret["matched"], false);
    assert_eq!(secret["reason"]["code"], "chain_invalid");
    assert_eq!(secret["reason"]["error"]["code"], "unknown_issuer");
    assert_eq!(
        secret["reason"]["issuer"],
        "CN=certbind Test Intermediate CA,O=certbind Tests,C=US"
    );
}

#[test]
fn explain_names_the_wrong_client_and_bad_config_as_input_errors() {
    let config = Config::new("errors", CLIENTS);
    let leaf = fixture("basic.client.ee.pem");
    let out = certbind(&[
        "explain",
        "--config",
        &config.path(),
        "--client",
        "nobody",
        &leaf,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no client has client_id \"nobody\""),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let broken = Config::new("broken", "[[clients]]\nclient_id = \"x\"\nscopes = []\n");
    let out = certbind(&["explain", "--config", &broken.path(), &leaf]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 8: clients[0].scopes"), "{stderr}");

    let out = certbind(&[
        "explain",
        "--config",
        &config.path(),
        "--at",
        "yesterday",
        &leaf,
    ]);
    assert_eq!(out.status.code(), Some(2));
}

/// rustls-webpki cannot represent a time before 1970 and refuses such a chain: certbind keeps
/// that verdict and says why in words, naming the certificate and its date; the thumbprint
/// decision for the same certificate does not need a chain and accepts it.
#[test]
fn a_chain_dated_before_1970_is_refused_in_words_and_its_thumbprint_accepted() {
    let leaf = fixture("time.utc-1950.ee.pem");
    let int = fixture("basic.intermediate.ca.pem");
    let root = fixture("basic.root.ca.pem");
    let out = certbind(&[
        "verify-chain",
        &leaf,
        "--anchor",
        &root,
        "--intermediate",
        &int,
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["code"], "dated_before_1970");
    assert_eq!(
        v["reason"],
        "the certificate CN=certclient-1950,OU=Clients,O=certbind Tests\\, Inc.,C=US is dated \
         1950-01-01T00:00:00Z, before 1970: rustls-webpki, which validates chains, cannot \
         represent times before 1970, so this chain cannot be validated (the date itself is \
         valid, RFC 5280 §4.1.2.5)"
    );

    let text = std::fs::read_to_string(fixtures().join("vectors.json")).expect("vectors");
    let vectors: Value = serde_json::from_str(&text).expect("json");
    let sha1 = vectors["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .find(|v| v["file"] == "time.utc-1950.ee.pem")
        .expect("vector")["certificates"][0]["sha1"]
        .as_str()
        .expect("sha1")
        .to_owned();
    let config = Config::new(
        "before-1970",
        &format!(
            "[[clients]]\nclient_id = \"old-chain\"\nscopes = [\"read\"]\n\n\
             [[clients.secrets]]\ntype = \"tls_client_auth\"\n\
             subject_dn = \"CN=certclient-1950, OU=Clients, O=\\\"certbind Tests, Inc.\\\", C=US\"\n\n\
             [[clients]]\nclient_id = \"old-thumbprint\"\nscopes = [\"read\"]\n\n\
             [[clients.secrets]]\ntype = \"x509_thumbprint\"\nvalue = \"{sha1}\"\n"
        ),
    );
    // Without --client: both clients are candidates (by subject DN and by thumbprint).
    let path = config.path();
    let out = certbind(&[
        "explain", "--config", &path, "--chain", &int, "--json", &leaf,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    let decision = |id: &str| {
        v["clients"]
            .as_array()
            .expect("clients")
            .iter()
            .find(|c| c["client_id"] == id)
            .unwrap_or_else(|| panic!("{id} in {v:#}"))["decision"]
            .clone()
    };
    assert_eq!(decision("old-thumbprint")["outcome"], "accepted", "{v:#}");
    let chain = decision("old-chain");
    assert_eq!(chain["outcome"], "rejected", "{v:#}");
    assert_eq!(chain["secrets"][0]["reason"]["code"], "chain_invalid");
    assert_eq!(
        chain["secrets"][0]["reason"]["error"]["code"],
        "dated_before_1970"
    );
    assert_eq!(
        chain["secrets"][0]["reason"]["error"]["time"],
        "1950-01-01T00:00:00Z"
    );
    let out = certbind(&["explain", "--config", &path, "--chain", &int, &leaf]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("valid 1950-01-01T00:00:00Z to 9999-12-31T23:59:59Z"),
        "{text}"
    );
    assert!(
        text.contains("is dated 1950-01-01T00:00:00Z, before 1970: rustls-webpki"),
        "{text}"
    );
}

#[test]
fn verify_chain_exit_codes_and_json() {
    let leaf = fixture("basic.client.ee.pem");
    let int = fixture("basic.intermediate.ca.pem");
    let root = fixture("basic.root.ca.pem");
    let at = "2030-01-01T00:00:00Z";

    let out = certbind(&[
        "verify-chain",
        &leaf,
        "--anchor",
        &root,
        "--intermediate",
        &int,
        "--at",
        at,
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(v["valid"], true);
    assert_eq!(
        v["anchor"],
        "CN=certbind Test Root CA,O=certbind Tests,C=US"
    );

    let out = certbind(&[
        "verify-chain",
        &leaf,
        "--anchor",
        &root,
        "--at",
        at,
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        json(&out),
        serde_json::json!({
            "valid": false,
            "code": "unknown_issuer",
            "reason": "the chain does not lead to a trust anchor: the issuer is neither a configured anchor nor among the intermediates presented"
        })
    );

    let out = certbind(&[
        "verify-chain",
        &leaf,
        "--anchor",
        &root,
        "--intermediate",
        &int,
        "--at",
        at,
        "--usage",
        "server",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["code"], "eku_not_allowed");

    let out = certbind(&[
        "verify-chain",
        &leaf,
        "--anchor",
        &root,
        "--intermediate",
        &int,
        "--at",
        "2100-06-01T00:00:00Z",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .starts_with("invalid: a certificate in the chain expired at 2099-12-31T23:59:59Z")
    );

    let missing = Path::new(&root).with_file_name("no-such-anchor.pem");
    let out = certbind(&[
        "verify-chain",
        &leaf,
        "--anchor",
        missing.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = certbind(&["verify-chain", &leaf]);
    assert_eq!(out.status.code(), Some(2), "--anchor is required");
}
