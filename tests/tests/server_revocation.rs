//! RFC 7009 revocation, `/readyz` and the registration endpoint with the file store (one
//! process, no database): revocation holds in this process's memory, registration is off.

#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

/// Named `server` so that `cargo test -p certbind-tests server` selects these tests.
mod server {
    use certbind_tests::server::{POST_SECRET, spawn_app};

    #[actix_rt::test]
    async fn a_revoked_token_is_inactive_at_once_with_the_file_store() {
        let app = spawn_app();
        let token = app.token(Some("client"), "certclient", None).await.json["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let form = [("client_id", "certclient"), ("token", token.as_str())];
        let introspect = || app.post_form(Some("client"), "/connect/introspect", &form);
        assert_eq!(introspect().await.json["active"], true);
        let other = app
            .post_form(
                None,
                "/connect/revocation",
                &[
                    ("client_id", "postclient"),
                    ("client_secret", POST_SECRET),
                    ("token", &token),
                ],
            )
            .await;
        assert_eq!(other.status, 400, "{}", other.text);
        assert_eq!(other.json["error"], "unauthorized_client");
        assert_eq!(introspect().await.json["active"], true);
        let missing = app
            .post_form(
                Some("client"),
                "/connect/revocation",
                &[("client_id", "certclient")],
            )
            .await;
        assert_eq!(missing.json["error"], "invalid_request");
        let r = app
            .post_form(
                Some("client"),
                "/connect/revocation",
                &[("client_id", "certclient"), ("token", &token)],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.headers["cache-control"], "no-store");
        assert_eq!(
            introspect().await.json,
            serde_json::json!({"active": false})
        );
        // Revoking again, or a token that is not one, is still 200 (RFC 7009 §2.2).
        for token in [token.as_str(), "garbage"] {
            let r = app
                .post_form(
                    Some("client"),
                    "/connect/revocation",
                    &[("client_id", "certclient"), ("token", token)],
                )
                .await;
            assert_eq!(r.status, 200);
        }
        let metrics = app.get("/metrics").await.text;
        assert!(
            metrics.contains("certbind_requests_total{endpoint=\"revocation\",outcome=\"ok\"} 3"),
            "{metrics}"
        );
        assert!(
            metrics.contains("\ncertbind_revoked_tokens 1\n"),
            "{metrics}"
        );
        assert!(metrics.contains("\ncertbind_store_up 1\n"), "{metrics}");
    }

    #[actix_rt::test]
    async fn readyz_discovery_and_registration_say_what_the_file_store_offers() {
        let app = spawn_app();
        let ready = app.get("/readyz").await;
        assert_eq!(ready.status, 200);
        assert_eq!(ready.json["status"], "ready");
        assert_eq!(ready.json["store"], "file");
        assert_eq!(ready.json["clients"], 7);
        let d = app.get("/.well-known/openid-configuration").await.json;
        assert_eq!(
            d["revocation_endpoint"],
            format!("{}/connect/revocation", app.base)
        );
        assert!(
            d.get("registration_endpoint").is_none(),
            "registration is off without a shared store and an initial access token"
        );
        let r = app
            .client(None)
            .post(format!("{}/connect/register", app.base))
            .bearer_auth("anything")
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
    }
}
