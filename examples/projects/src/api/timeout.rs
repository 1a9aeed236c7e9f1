//! The whole-request timeout: a request whose response is not ready in time is answered 408
//! (`request_timeout`, naming the limit) and its handler dropped, so a slow client or a stuck
//! statement holds no worker for long.

use std::time::Duration;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use multitenant_axum::ApiError;

/// The response of the rest of the stack, or a 408 when it is not ready within `limit`.
pub(super) async fn within(limit: Duration, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            format!(
                "the request took longer than the server's limit of {} ms",
                limit.as_millis()
            ),
        )
        .into_response(),
    }
}
