//! The route table, mounted by the server and by in-process tests alike.

use actix_web::web;

use crate::state::paths;

mod client_auth;
mod discovery;
mod health;
mod introspect;
mod jwks;
mod metrics;
mod token;

/// Mounts every endpoint. Needs `web::Data<AppState>` in the app data.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // Resources answer 405 (not 404) to a wrong method.
    cfg.service(web::resource(paths::TOKEN).route(web::post().to(token::token)))
        .service(web::resource(paths::INTROSPECT).route(web::post().to(introspect::introspect)))
        .service(
            web::resource([
                paths::OPENID_CONFIGURATION,
                paths::OAUTH_AUTHORIZATION_SERVER,
            ])
            .route(web::get().to(discovery::discovery)),
        )
        .service(web::resource(paths::JWKS).route(web::get().to(jwks::jwks)))
        .service(web::resource(paths::HEALTH).route(web::get().to(health::health)))
        .service(web::resource(paths::METRICS).route(web::get().to(metrics::metrics)));
}

#[cfg(test)]
mod tests {
    //! In-process tests (no socket, no TLS) for what the registry cannot express.
    use std::path::Path;
    use std::sync::Arc;

    use actix_web::{App, test, web};

    use crate::auth::{AuthFailure, AuthRequest, Authenticated, ClientAuthenticator};
    use crate::keys::{Algorithm, KeySet, SigningKey, generate_pem};
    use crate::state::{AppState, Snapshot, Urls};

    /// `noccclient` may not use client_credentials; `client` may; both need no credential.
    #[derive(Debug)]
    struct Fake;

    impl ClientAuthenticator for Fake {
        fn authenticate(&self, r: &AuthRequest<'_>) -> Result<Authenticated, AuthFailure> {
            let mut client =
                Authenticated::new(r.client_id, "client_secret_post", vec!["a".into()]);
            client.client_credentials_allowed = r.client_id != "noccclient";
            client.token_lifetime = Some(3600);
            Ok(client)
        }
        fn scopes_supported(&self) -> Vec<String> {
            vec!["a".into()]
        }
    }

    fn state() -> web::Data<AppState> {
        let pem = generate_pem(Algorithm::Es256).unwrap();
        let keys = KeySet::new(vec![
            SigningKey::from_pem(&pem, Algorithm::Es256, Path::new("k")).unwrap(),
        ])
        .unwrap();
        let urls = Urls {
            issuer: "https://as".into(),
            audience: "https://as/resources".into(),
            endpoints_base: "https://as".into(),
            mtls_base: None,
        };
        let snapshot = Snapshot::new(Arc::new(Fake), keys, 60, &urls);
        web::Data::new(AppState::new(snapshot, 1024, urls))
    }

    #[actix_web::test]
    async fn a_client_without_the_grant_is_unauthorized_client_and_lifetime_is_capped() {
        let app =
            test::init_service(App::new().app_data(state()).configure(super::configure)).await;
        let post = |body: &'static str| {
            test::TestRequest::post()
                .uri("/connect/token")
                .insert_header(("content-type", "application/x-www-form-urlencoded"))
                .set_payload(body)
                .to_request()
        };
        let r: serde_json::Value = test::call_and_read_body_json(
            &app,
            post("grant_type=client_credentials&client_id=noccclient"),
        )
        .await;
        assert_eq!(r["error"], "unauthorized_client");
        let r: serde_json::Value = test::call_and_read_body_json(
            &app,
            post("grant_type=client_credentials&client_id=client"),
        )
        .await;
        assert_eq!(
            r["expires_in"], 60,
            "max_token_lifetime caps the client's lifetime"
        );
        let big = test::TestRequest::post()
            .uri("/connect/token")
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload(vec![b'a'; 2048])
            .to_request();
        let response = test::call_service(&app, big).await;
        assert_eq!(response.status(), 400, "over the 1024-byte limit");
    }
}
