//! One log line per request: method, path, status and duration.

use std::time::Instant;

use http::{Method, StatusCode};

/// Logs a request at level info once its response is ready.
pub(super) fn record(method: &Method, path: &str, status: StatusCode, started: Instant) {
    tracing::info!(
        %method,
        path,
        status = status.as_u16(),
        ms = started.elapsed().as_secs_f64() * 1e3,
        "request"
    );
}
