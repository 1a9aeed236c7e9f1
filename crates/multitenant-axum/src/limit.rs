//! Request bodies held to a size: a body that declares more (`Content-Length`) is refused before
//! a byte of it is read, one that sends more is cut off when it goes over; both get a JSON 413.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::header::CONTENT_TYPE;
use tower_http::limit::RequestBodyLimitLayer;

use crate::ApiError;

/// `router` taking request bodies of at most `bytes` bytes: a larger one is refused with 413,
/// code `body_too_large`, naming the limit. A declared `Content-Length` over the limit is
/// answered at once, without reading the body; a chunked body is refused once it goes over.
/// The [`Crud`](crate::Crud) router applies it with its
/// [`body_limit`](crate::Crud::body_limit).
///
/// ```
/// use axum::{Router, routing::post};
///
/// let app: Router = multitenant_axum::limit_body(
///     Router::new().route("/notes", post(|body: String| async move { body })),
///     64 * 1024,
/// );
/// ```
pub fn limit_body<S>(router: Router<S>, bytes: usize) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    router
        .layer(DefaultBodyLimit::max(bytes))
        .layer(RequestBodyLimitLayer::new(bytes))
        .layer(axum::middleware::from_fn(
            move |req: Request, next: Next| too_large_as_json(bytes, req, next),
        ))
}

/// The limit layer's own 413 (plain text) as an [`ApiError`].
async fn too_large_as_json(bytes: usize, req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if response.status() != StatusCode::PAYLOAD_TOO_LARGE || is_json {
        return response;
    }
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        format!("the request body is larger than the limit of {bytes} bytes"),
    )
    .into_response()
}
