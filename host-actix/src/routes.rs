//! The route table, mounted by the server and by in-process tests alike.

use actix_web::web;

use crate::state::paths;

pub(crate) use checker::PageCache;

mod checker;
mod client_auth;
mod discovery;
mod health;
mod introspect;
mod jwks;
mod metrics;
mod ready;
mod register;
mod revoke;
mod token;

/// Mounts every endpoint at the root. Needs `web::Data<AppState>` in the app data.
pub fn configure(cfg: &mut web::ServiceConfig) {
    configure_at("")(cfg);
}

/// Mounts every endpoint under `base_path` (`/core`: `/core/connect/token`, …; `""` for the
/// root, a path checked by [`crate::config::check_base_path`]). Needs `web::Data<AppState>` in
/// the app data.
///
/// The metadata is served where each specification looks for it for an issuer with that path:
/// appended to the issuer as OpenID Connect Discovery 1.0 §4 says
/// (`/core/.well-known/openid-configuration`, where IdentityServer3 serves it), and inserted
/// between host and path as RFC 8414 §3 says (`/.well-known/oauth-authorization-server/core`;
/// `/.well-known/openid-configuration/core` is RFC 8414 §5's form for the OpenID suffix). Clients
/// that append the RFC 8414 suffix the OpenID way (`/core/.well-known/oauth-authorization-server`,
/// in no specification) get the same document rather than a 404.
pub fn configure_at(base_path: &str) -> impl FnOnce(&mut web::ServiceConfig) + '_ {
    move |cfg| {
        if base_path.is_empty() {
            endpoints(cfg);
            return;
        }
        cfg.service(web::scope(base_path).configure(endpoints))
            .service(
                web::resource([
                    format!("{}{base_path}", paths::OAUTH_AUTHORIZATION_SERVER),
                    format!("{}{base_path}", paths::OPENID_CONFIGURATION),
                ])
                .route(web::get().to(discovery::discovery)),
            );
    }
}

/// Every endpoint, relative to the base path.
fn endpoints(cfg: &mut web::ServiceConfig) {
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
        .service(web::resource(paths::METRICS).route(web::get().to(metrics::metrics)))
        .service(web::resource(paths::CHECKER).route(web::get().to(checker::checker)))
        .service(web::resource(paths::READY).route(web::get().to(ready::ready)))
        .service(web::resource(paths::REVOCATION).route(web::post().to(revoke::revocation)))
        .service(web::resource(paths::REGISTER).route(web::post().to(register::register)))
        .service(
            web::resource(format!("{}/{{client_id}}", paths::REGISTER))
                .route(web::get().to(register::read))
                .route(web::put().to(register::update))
                .route(web::delete().to(register::delete)),
        );
}

#[cfg(test)]
mod tests {
    //! In-process tests (no socket, no TLS) for what the registry cannot express.
    use std::path::Path;
    use std::sync::Arc;

    use actix_web::{App, test, web};

    use std::borrow::Cow;

    use certbind_core::{
        Acceptance, AuthMethod, Client, ClientValidator, Presented, SecretType, UnixTime,
        Validation,
    };

    use crate::keys::{Algorithm, KeySet, SigningKey, generate_pem};
    use crate::registry::Registry;
    use crate::state::{AppState, Snapshot, Urls};

    /// A core validator of the test's own: every client is accepted without a credential;
    /// `noccclient` may not use client_credentials.
    #[derive(Debug)]
    struct Fake;

    fn fake_client(client_id: &str) -> Client {
        let mut client = Client::new(client_id, vec!["a".into()], Vec::new());
        if client_id == "noccclient" {
            client.grant_types.clear();
        }
        client
    }

    impl ClientValidator for Fake {
        fn validate<'s>(
            &'s self,
            client_id: &str,
            _presented: &Presented<'_>,
            _now: UnixTime,
        ) -> Validation<'s> {
            Validation::Accepted {
                client: Cow::Owned(fake_client(client_id)),
                acceptance: Acceptance::new(
                    client_id,
                    0,
                    SecretType::SharedSecret,
                    AuthMethod::ClientSecretPost,
                ),
            }
        }

        fn client<'s>(&'s self, client_id: &str) -> Option<Cow<'s, Client>> {
            Some(Cow::Owned(fake_client(client_id)))
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
            registration: false,
        };
        let clients = Registry::with_validator(Arc::new(Fake), vec!["a".into()]);
        let snapshot = Snapshot::new(Arc::new(clients), keys, 60, &urls);
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
