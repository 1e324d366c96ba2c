//! RFC 7591 dynamic client registration (`POST /connect/register`, guarded by an initial
//! access token) and RFC 7592 management (`GET`/`PUT`/`DELETE /connect/register/{client_id}`,
//! guarded by the client's registration access token). Only the SHA-256 of either token is
//! configured or stored. A registration is one transaction ending with the change
//! notification: it either committed and reaches every replica, or failed with an error and
//! left nothing behind.

use std::time::Instant;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use serde_json::{Map, Value};

use crate::metrics::Endpoint;
use crate::registration::metadata::{self, FieldProblem};
use crate::registration::{hex, initial_token_index, new_client_id, new_token, token_is};
use crate::state::{AppState, paths};
use crate::store::clients as rows;
use crate::store::{Change, StoreError};

/// Why a registration request failed.
#[derive(Debug, thiserror::Error)]
enum RegistrationError {
    /// Registration is not configured.
    #[error("dynamic registration is not enabled on this server")]
    Disabled,
    /// No bearer token (RFC 6750 §3.1: no error code in the challenge).
    #[error("{0}")]
    MissingToken(&'static str),
    /// A bearer token that is not the one expected (or a client that does not exist).
    #[error("the access token is not valid here")]
    InvalidToken,
    /// The metadata is wrong (RFC 7591 §3.2.2), field by field.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Metadata(Vec<FieldProblem>),
    /// The database cannot be written now.
    #[error("the client store is unavailable; retry shortly")]
    Unavailable,
    /// A fault (logged).
    #[error("the server could not complete the request")]
    Server,
}

impl RegistrationError {
    fn code(&self) -> &'static str {
        match self {
            Self::Disabled => "not_found",
            Self::MissingToken(_) | Self::InvalidToken => "invalid_token",
            Self::Metadata(problems) => problems
                .iter()
                .find(|p| p.code != "invalid_client_metadata")
                .map_or("invalid_client_metadata", |p| p.code),
            Self::Unavailable => "temporarily_unavailable",
            Self::Server => "server_error",
        }
    }

    fn metadata(field: &str, reason: impl Into<String>) -> Self {
        Self::Metadata(vec![FieldProblem {
            code: "invalid_client_metadata",
            field: field.to_owned(),
            reason: reason.into(),
        }])
    }
}

impl From<StoreError> for RegistrationError {
    fn from(e: StoreError) -> Self {
        if e.is_unavailable() {
            tracing::warn!(target: "certbind::registration", error = %e, "registration refused: the store is unavailable");
            Self::Unavailable
        } else {
            tracing::error!(target: "certbind::registration", error = %e, "registration failed");
            Self::Server
        }
    }
}

impl ResponseError for RegistrationError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Disabled => StatusCode::NOT_FOUND,
            Self::MissingToken(_) | Self::InvalidToken => StatusCode::UNAUTHORIZED,
            Self::Metadata(_) => StatusCode::BAD_REQUEST,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Server => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response
            .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
            .insert_header((header::PRAGMA, HeaderValue::from_static("no-cache")));
        match self {
            Self::MissingToken(_) => {
                response.insert_header((
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"certbind\""),
                ));
            }
            Self::InvalidToken => {
                response.insert_header((
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"certbind\", error=\"invalid_token\""),
                ));
            }
            Self::Unavailable => {
                response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("5")));
            }
            _ => {}
        }
        response.json(serde_json::json!({
            "error": self.code(),
            "error_description": self.to_string(),
        }))
    }
}

/// The bearer token of the request (RFC 6750 §2.1).
fn bearer(request: &HttpRequest, what: &'static str) -> Result<String, RegistrationError> {
    let mut values = request.headers().get_all(header::AUTHORIZATION);
    let Some(value) = values.next() else {
        return Err(RegistrationError::MissingToken(what));
    };
    if values.next().is_some() {
        return Err(RegistrationError::InvalidToken);
    }
    let value = value
        .to_str()
        .map_err(|_| RegistrationError::InvalidToken)?;
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(RegistrationError::MissingToken(what));
    }
    let token = token.trim();
    if token.is_empty() || token.len() > 512 {
        return Err(RegistrationError::InvalidToken);
    }
    Ok(token.to_owned())
}

/// The JSON object of the body: `application/json`, at most the configured size.
async fn json_body(
    request: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<Map<String, Value>, RegistrationError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media = content_type.split(';').next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case("application/json") {
        return Err(RegistrationError::metadata(
            "(body)",
            format!("the metadata must be sent as application/json, not {content_type:?}"),
        ));
    }
    let bytes = crate::extract::read_body(request, payload, limit)
        .await
        .map_err(|e| {
            RegistrationError::metadata(
                "(body)",
                match e {
                    crate::extract::BodyError::TooLarge => {
                        format!("the metadata exceeds {limit} bytes")
                    }
                    other => other.to_string(),
                },
            )
        })?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(RegistrationError::metadata(
            "(body)",
            "the metadata must be a JSON object",
        )),
        Err(e) => Err(RegistrationError::metadata(
            "(body)",
            format!("not JSON: {e}"),
        )),
    }
}

fn client_uri(state: &AppState, client_id: &str) -> String {
    // Registered client_ids are base64url: nothing to escape in a path.
    format!(
        "{}{}/{client_id}",
        state.urls.endpoints_base,
        paths::REGISTER
    )
}

/// Counts the request, logs its outcome, answers.
fn finish(
    state: &AppState,
    started: Instant,
    action: &str,
    result: Result<HttpResponse, RegistrationError>,
) -> HttpResponse {
    let outcome = result
        .as_ref()
        .map_or_else(RegistrationError::code, |_| "ok");
    state.metrics.request(Endpoint::Registration, outcome);
    state
        .metrics
        .latency(Endpoint::Registration, started.elapsed());
    if let Err(e) = &result {
        tracing::info!(target: "certbind::registration", action, outcome, reason = %e, "registration request refused");
    }
    result.unwrap_or_else(|e| e.error_response())
}

fn ok_json(status: StatusCode, body: &Value) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(body)
}

/// `POST /connect/register`.
pub(super) async fn register(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let started = Instant::now();
    let result = create(&request, payload, &state).await;
    finish(&state, started, "register", result)
}

async fn create(
    request: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
) -> Result<HttpResponse, RegistrationError> {
    let settings = &state.store.registration;
    if !settings.enabled() || !state.store.shared() {
        return Err(RegistrationError::Disabled);
    }
    let token = bearer(
        request,
        "an initial access token is required (Authorization: Bearer …)",
    )?;
    let which = initial_token_index(&token, &settings.initial_access_tokens)
        .ok_or(RegistrationError::InvalidToken)?;
    let body = json_body(request, payload, settings.max_request_bytes).await?;
    let client_id = new_client_id().map_err(|_| RegistrationError::Server)?;
    let now = crate::time::now_unix();
    let checked = metadata::check(&client_id, &body, settings.allowed_scopes.as_deref(), now)
        .map_err(RegistrationError::Metadata)?;
    let (access_token, access_hash) = new_token().map_err(|_| RegistrationError::Server)?;

    let mut connection = state.store.connection().await?;
    let tx = connection.transaction().await.map_err(StoreError::query)?;
    if !rows::insert_registered(
        &*tx,
        &client_id,
        &checked.definition,
        &checked.metadata,
        &access_hash,
    )
    .await?
    {
        return Err(RegistrationError::Server);
    }
    rows::notify(&*tx, &Change::Client(client_id.clone())).await?;
    tx.commit().await.map_err(StoreError::query)?;
    state.store.applied(Change::Client(client_id.clone())).await;

    let by_hash = settings
        .initial_access_tokens
        .get(which)
        .map(|h| hex(h.get(..4).unwrap_or_default()))
        .unwrap_or_default();
    tracing::info!(
        target: "certbind::audit", event = "client_registered", client = %client_id,
        by = %format!("initial access token #{} (sha256 {by_hash}…)", which + 1),
        method = checked.client.client.token_endpoint_auth_method.name(),
        scopes = %checked.client.client.scopes.join(" "),
        "client registered (RFC 7591)"
    );
    let issued_at = i64::try_from(now).unwrap_or(0);
    let body = metadata::response(
        &client_id,
        &checked.metadata,
        issued_at,
        &client_uri(state, &client_id),
        Some(&access_token),
    );
    Ok(ok_json(StatusCode::CREATED, &body))
}

/// Checks the registration access token of `client_id`; answers what is stored about it.
async fn authorize(
    request: &HttpRequest,
    state: &AppState,
    client_id: &str,
) -> Result<rows::RegisteredClient, RegistrationError> {
    if !state.store.registration.enabled() || !state.store.shared() {
        return Err(RegistrationError::Disabled);
    }
    let token = bearer(
        request,
        "the registration access token is required (Authorization: Bearer …)",
    )?;
    let connection = state.store.connection().await?;
    // RFC 7592 §2: an unknown client and a wrong token get the same answer.
    let registered = rows::registered(&**connection, client_id)
        .await?
        .ok_or(RegistrationError::InvalidToken)?;
    if !token_is(&token, &registered.token_sha256) {
        return Err(RegistrationError::InvalidToken);
    }
    Ok(registered)
}

/// `GET /connect/register/{client_id}` (RFC 7592 §2.1).
pub(super) async fn read(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let started = Instant::now();
    let client_id = path.into_inner();
    let result = async {
        let registered = authorize(&request, &state, &client_id).await?;
        let body = metadata::response(
            &client_id,
            &registered.metadata,
            registered.issued_at,
            &client_uri(&state, &client_id),
            None,
        );
        Ok(ok_json(StatusCode::OK, &body))
    }
    .await;
    finish(&state, started, "read", result)
}

/// Fields a client must not send in an update (RFC 7592 §2.2).
const SERVER_FIELDS: [&str; 4] = [
    "registration_access_token",
    "registration_client_uri",
    "client_secret_expires_at",
    "client_id_issued_at",
];

/// `PUT /connect/register/{client_id}` (RFC 7592 §2.2): replaces the client's metadata.
pub(super) async fn update(
    request: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let started = Instant::now();
    let client_id = path.into_inner();
    let result = async {
        let registered = authorize(&request, &state, &client_id).await?;
        let settings = &state.store.registration;
        let body = json_body(&request, payload, settings.max_request_bytes).await?;
        match body.get("client_id") {
            Some(Value::String(id)) if *id == client_id => {}
            _ => {
                return Err(RegistrationError::metadata(
                    "client_id",
                    "must be sent and match the client being updated (RFC 7592 §2.2)",
                ));
            }
        }
        if let Some(field) = SERVER_FIELDS.iter().find(|f| body.contains_key(**f)) {
            return Err(RegistrationError::metadata(
                field,
                "is set by the server and must not be sent in an update (RFC 7592 §2.2)",
            ));
        }
        let checked = metadata::check(
            &client_id,
            &body,
            settings.allowed_scopes.as_deref(),
            crate::time::now_unix(),
        )
        .map_err(RegistrationError::Metadata)?;
        let mut connection = state.store.connection().await?;
        let tx = connection.transaction().await.map_err(StoreError::query)?;
        if !rows::update_registered(&*tx, &client_id, &checked.definition, &checked.metadata)
            .await?
        {
            return Err(RegistrationError::InvalidToken);
        }
        rows::notify(&*tx, &Change::Client(client_id.clone())).await?;
        tx.commit().await.map_err(StoreError::query)?;
        state.store.applied(Change::Client(client_id.clone())).await;
        tracing::info!(
            target: "certbind::audit", event = "client_updated", client = %client_id,
            by = "registration access token",
            method = checked.client.client.token_endpoint_auth_method.name(),
            scopes = %checked.client.client.scopes.join(" "),
            "client updated (RFC 7592)"
        );
        let body = metadata::response(
            &client_id,
            &checked.metadata,
            registered.issued_at,
            &client_uri(&state, &client_id),
            None,
        );
        Ok(ok_json(StatusCode::OK, &body))
    }
    .await;
    finish(&state, started, "update", result)
}

/// `DELETE /connect/register/{client_id}` (RFC 7592 §2.3).
pub(super) async fn delete(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let started = Instant::now();
    let client_id = path.into_inner();
    let result = async {
        authorize(&request, &state, &client_id).await?;
        let mut connection = state.store.connection().await?;
        let tx = connection.transaction().await.map_err(StoreError::query)?;
        if !rows::delete(&*tx, &client_id).await? {
            return Err(RegistrationError::InvalidToken);
        }
        rows::notify(&*tx, &Change::Client(client_id.clone())).await?;
        tx.commit().await.map_err(StoreError::query)?;
        state.store.applied(Change::Client(client_id.clone())).await;
        tracing::info!(
            target: "certbind::audit", event = "client_deleted", client = %client_id,
            by = "registration access token", "client deleted (RFC 7592)"
        );
        Ok(HttpResponse::NoContent()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish())
    }
    .await;
    finish(&state, started, "delete", result)
}
