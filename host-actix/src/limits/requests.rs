//! The limits of each request, before any handler runs: the size of its headers
//! (`max_header_bytes`) and, on HTTP/2, the requests in progress on its connection
//! (`h2_max_concurrent_streams`). An actix-web middleware (`App::wrap`).

use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, RETRY_AFTER};
use actix_web::{Error, HttpResponse};
use futures_util::future::LocalBoxFuture;

use super::stream::ConnectionState;
use super::{Limit, Limits};

/// The middleware: `App::new().wrap(RequestLimits::new(&limits))`.
#[derive(Debug, Clone, Copy)]
pub struct RequestLimits {
    max_header_bytes: usize,
    max_streams: usize,
}

impl RequestLimits {
    /// The request limits of `limits`.
    #[must_use]
    pub const fn new(limits: &Limits) -> Self {
        Self {
            max_header_bytes: limits.max_header_bytes,
            max_streams: limits.h2_max_concurrent_streams,
        }
    }
}

impl<S, B> Transform<S, ServiceRequest> for RequestLimits
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = RequestLimitsService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RequestLimitsService {
            service: Rc::new(service),
            limits: *self,
        }))
    }
}

/// The middleware's service.
#[derive(Debug)]
pub struct RequestLimitsService<S> {
    service: Rc<S>,
    limits: RequestLimits,
}

/// The size of a request head as HTTP/1.1 writes it: request line, `name: value` lines, the
/// blank line (for HTTP/2, the same measure of its decoded header list).
fn head_bytes(request: &ServiceRequest) -> usize {
    let line = request.method().as_str().len() + request.uri().to_string().len() + 12;
    request.headers().iter().fold(line + 2, |n, (name, value)| {
        n.saturating_add(name.as_str().len() + value.len() + 4)
    })
}

/// An OAuth-style error body (these answers come before any endpoint).
fn refusal(status: StatusCode, error: &str, description: &str) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response.insert_header((CACHE_CONTROL, "no-store"));
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.insert_header((RETRY_AFTER, "1"));
    }
    response.json(serde_json::json!({
        "error": error,
        "error_description": description,
    }))
}

/// A request in progress on its connection, until its response is ready.
struct InFlight(Option<Rc<ConnectionState>>);

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Some(connection) = &self.0 {
            connection.end_request();
        }
    }
}

impl<S, B> Service<ServiceRequest> for RequestLimitsService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let connection = request.conn_data::<Rc<ConnectionState>>().cloned();
        let size = head_bytes(&request);
        let refused = if size > self.limits.max_header_bytes {
            let description = format!(
                "the request headers ({size} bytes) exceed {} bytes",
                self.limits.max_header_bytes
            );
            Some((
                Limit::MaxHeaderBytes,
                refusal(
                    StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                    "invalid_request",
                    &description,
                ),
            ))
        } else if connection
            .as_ref()
            .is_some_and(|c| !c.start_request(self.limits.max_streams))
        {
            let description = format!(
                "more than {} requests at once on this connection; retry",
                self.limits.max_streams
            );
            Some((
                Limit::H2MaxConcurrentStreams,
                refusal(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    &description,
                ),
            ))
        } else {
            None
        };
        if let Some((limit, response)) = refused {
            if let Some(c) = &connection {
                c.counters().refused(c.listener(), limit);
            }
            let (request, _) = request.into_parts();
            let response = ServiceResponse::new(request, response).map_into_right_body();
            return Box::pin(ready(Ok(response)));
        }
        let in_flight = InFlight(connection);
        let response = self.service.call(request);
        Box::pin(async move {
            let response = response.await;
            drop(in_flight);
            response.map(ServiceResponse::map_into_left_body)
        })
    }
}
