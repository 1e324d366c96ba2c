//! Every per-client setting the loader accepts has an effect somewhere, or is refused: the
//! loader's half of that audit (the server's half is in tests/tests/server_*.rs). Here: the
//! settings are kept with the right defaults, bad values are problems with field and line, and
//! the ones for people (`name`, `description`) are shown by `certbind explain`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "support/pki.rs"]
mod pki;

use certbind_core::{
    ClientIndex, Introspection, MemoryFiles, PresentedCertificate, RegistryProblem,
    explain_certificate,
};
use pki::sha2_for_tests::sha1_hex;
use pki::{LeafSpec, now};

fn client(lines: &str) -> String {
    format!(
        "[[clients]]\nclient_id = \"billing\"\nscopes = [\"read\"]\n{lines}\n\
         [[clients.secrets]]\ntype = \"x509_thumbprint\"\n\
         value = \"61B754C541BBCFC6A45A9E9EC5E47D8702B78C29\"\n"
    )
}

fn only_problem(lines: &str) -> RegistryProblem {
    let problems = pki::problems(&client(lines), MemoryFiles::new());
    assert_eq!(problems.len(), 1, "{problems:#?}");
    problems.into_iter().next().unwrap()
}

#[test]
fn audience_introspection_name_and_description_are_kept() {
    let loaded = pki::load(
        &client(
            "name = \"Billing\"\ndescription = \"Pays the invoices\"\n\
             audience = \"https://payments.example\"\nintrospection = \"any\"",
        ),
        MemoryFiles::new(),
    );
    let billing = &loaded.registry.clients[0];
    assert_eq!(billing.name.as_deref(), Some("Billing"));
    assert_eq!(billing.description.as_deref(), Some("Pays the invoices"));
    assert_eq!(billing.audience, ["https://payments.example"]);
    assert_eq!(billing.introspection, Introspection::Any);

    let several = pki::load(
        &client(
            "audience = [\"https://a.example\", \"https://b.example\"]\nintrospection = \"none\"",
        ),
        MemoryFiles::new(),
    );
    let two = &several.registry.clients[0];
    assert_eq!(two.audience, ["https://a.example", "https://b.example"]);
    assert_eq!(two.introspection, Introspection::None);

    let defaults = pki::load(&client(""), MemoryFiles::new());
    let plain = &defaults.registry.clients[0];
    assert!(plain.audience.is_empty(), "the server's audience");
    assert_eq!(plain.introspection, Introspection::Own);
    assert_eq!(
        (plain.name.as_ref(), plain.description.as_ref()),
        (None, None)
    );
}

#[test]
fn bad_audiences_and_introspection_values_are_problems_with_field_and_line() {
    let p = only_problem("introspection = \"sometimes\"");
    assert_eq!(
        (p.field.as_str(), p.line),
        ("clients[0].introspection", Some(4))
    );
    assert!(
        p.message
            .contains("unknown value \"sometimes\"; expected one of own, any, none"),
        "{p}"
    );
    let p = only_problem("audience = []");
    assert_eq!((p.field.as_str(), p.line), ("clients[0].audience", Some(4)));
    assert!(p.message.contains("the audience list is empty"), "{p}");
    let p = only_problem("audience = [\"https://a.example\", \"\"]");
    assert!(p.message.contains("an audience is empty"), "{p}");
    let p = only_problem("audience = 3");
    assert!(
        p.message
            .contains("expected a string or an array of strings"),
        "{p}"
    );
    let p = only_problem("description = 3");
    assert_eq!(p.field, "clients[0].description");
    // The only grant type: anything else is refused, so `grant_types` can only say what the
    // default says.
    let p = only_problem("grant_types = [\"client_credentials\", \"password\"]");
    assert!(
        p.message.contains("unsupported grant type \"password\""),
        "{p}"
    );
}

#[test]
fn client_trust_anchors_that_no_secret_uses_are_refused() {
    // A thumbprint client validates no chain.
    let files = || MemoryFiles::new().with("ca.pem", pki::Ca::root("Example Root").pem);
    let problems = pki::problems(&client("trust_anchors = [\"ca.pem\"]"), files());
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(
        (problems[0].field.as_str(), problems[0].line),
        ("clients[0].trust_anchors", Some(4))
    );
    assert!(
        problems[0].message.starts_with("not used:"),
        "{}",
        problems[0]
    );
    // Nor does a tls_client_auth secret that names its own anchors.
    let own_anchors = "[[clients]]\nclient_id = \"pki\"\nscopes = [\"read\"]\n\
                       trust_anchors = [\"ca.pem\"]\n[[clients.secrets]]\n\
                       type = \"tls_client_auth\"\nsubject_dn = \"CN=pki\"\n\
                       trust_anchors = [\"ca.pem\"]\n";
    let problems = pki::problems(own_anchors, files());
    assert_eq!(
        problems[0].field, "clients[0].trust_anchors",
        "{problems:#?}"
    );
    // One that relies on the client's does.
    let relies = own_anchors
        .replacen("trust_anchors = [\"ca.pem\"]\n", "", 2)
        .replacen(
            "scopes = [\"read\"]\n",
            "scopes = [\"read\"]\ntrust_anchors = [\"ca.pem\"]\n",
            1,
        );
    let loaded = pki::load(&relies, files());
    assert_eq!(
        loaded.registry.clients[0].trust_anchors,
        Some(vec!["ca.pem".to_owned()])
    );
}

#[test]
fn explain_shows_the_name_and_description_of_a_client() {
    let cert = LeafSpec::client("billing").self_signed();
    let toml = client("name = \"Billing\"\ndescription = \"Pays the invoices\"").replace(
        "61B754C541BBCFC6A45A9E9EC5E47D8702B78C29",
        &sha1_hex(&cert.der),
    );
    let index = ClientIndex::new(pki::load(&toml, MemoryFiles::new()).registry);
    let presented = PresentedCertificate::from_der(&cert.der, &[]).unwrap();
    let report = explain_certificate(&index, &presented, Some("billing"), now());
    let text = report.to_string();
    assert!(
        text.contains(
            "client \"billing\" (self_signed_tls_client_auth): ACCEPTED by secret #1 \
             (x509_thumbprint)\n  name \"Billing\"\n  description \"Pays the invoices\"\n  \
             secret #1"
        ),
        "{text}"
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["clients"][0]["name"], "Billing");
    assert_eq!(json["clients"][0]["description"], "Pays the invoices");

    // Without them, nothing is shown, and the JSON says null.
    let bare = ClientIndex::new(
        pki::load(
            &client("").replace(
                "61B754C541BBCFC6A45A9E9EC5E47D8702B78C29",
                &sha1_hex(&cert.der),
            ),
            MemoryFiles::new(),
        )
        .registry,
    );
    let report = explain_certificate(&bare, &presented, Some("billing"), now());
    assert!(!report.to_string().contains("  name "), "{report}");
    let json = serde_json::to_value(&report).unwrap();
    assert!(json["clients"][0]["name"].is_null());
    assert!(json["clients"][0]["description"].is_null());
}
