//! One tracing span per request.
//!
//! The span records the method, the path without its query string (which
//! carries codes and `state`), a random request ID, the response status and,
//! once a handler has read it, the `client_id`. Headers and bodies are never
//! recorded, so no secret, code, token, password or `Authorization` header
//! reaches the log. The request ID is also sent as `X-Request-Id`.

use std::time::Instant;

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use rand::RngCore;
use tracing::Instrument;
use tracing::field::Empty;

/// The response header that carries the request ID.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Middleware that runs the request inside its span and logs its end.
pub(crate) async fn trace_request(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let request_id = new_request_id();
    let span = tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.path(),
        request_id = %request_id,
        client_id = Empty,
        status = Empty,
    );

    async move {
        let started = Instant::now();
        let mut response = next.call(request).await?;
        let status = response.status().as_u16();
        tracing::Span::current().record("status", status);
        tracing::info!(
            status,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "request finished"
        );

        if let Ok(value) = HeaderValue::from_str(&request_id) {
            let name = HeaderName::from_static(REQUEST_ID_HEADER);
            response.headers_mut().insert(name, value);
        }
        Ok(response)
    }
    .instrument(span)
    .await
}

/// Maximum length of a recorded client ID, in characters. Longer ones are
/// cut so that a client cannot flood the log.
const MAX_LOGGED_CLIENT_ID: usize = 128;

/// Records the client ID of the request in the current request span.
pub(crate) fn record_client_id(client_id: &str) {
    if client_id.is_empty() {
        return;
    }
    let shown: String = client_id.chars().take(MAX_LOGGED_CLIENT_ID).collect();
    tracing::Span::current().record("client_id", shown.as_str());
}

fn new_request_id() -> String {
    let mut bytes = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::middleware::from_fn;
    use actix_web::{App, HttpResponse, test, web};

    #[actix_web::test]
    async fn response_carries_request_id() {
        let app = test::init_service(
            App::new()
                .wrap(from_fn(trace_request))
                .route("/", web::get().to(HttpResponse::Ok)),
        )
        .await;
        let response =
            test::call_service(&app, test::TestRequest::get().uri("/?code=x").to_request()).await;
        let id = response
            .headers()
            .get(REQUEST_ID_HEADER)
            .unwrap()
            .to_str()
            .unwrap();
        assert_eq!(id.len(), 16);
        assert!(id.bytes().all(|byte| byte.is_ascii_hexdigit()));
    }
}
