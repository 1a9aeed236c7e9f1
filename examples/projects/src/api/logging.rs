//! One log line per request: method, path, status and duration.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

/// Middleware logging every request at level info once its response is ready.
pub(super) async fn log_request(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let started = std::time::Instant::now();
    let response = next.run(req).await;
    tracing::info!(
        %method,
        path,
        status = response.status().as_u16(),
        ms = started.elapsed().as_secs_f64() * 1e3,
        "request"
    );
    response
}
