//! What every request passes through on its way in and out, in one middleware: the settings and
//! the log-in guard handlers read, the whole-request timeout, the security headers and the log
//! line.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

use super::{headers, logging, timeout};
use crate::Settings;
use crate::login::LoginGuard;

/// What the middleware gives every request.
pub(super) struct Edge {
    pub(super) settings: Settings,
    pub(super) guard: Arc<LoginGuard>,
}

/// Runs the rest of the stack for `req` within the request timeout; the response gets the
/// security headers (and the challenge on a 401) and is logged.
pub(super) async fn edge(edge: Arc<Edge>, mut req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let started = Instant::now();
    let extensions = req.extensions_mut();
    extensions.insert(edge.settings);
    extensions.insert(edge.guard.clone());
    let response = timeout::within(edge.settings.request_timeout, req, next).await;
    let response = headers::finish(response).await;
    logging::record(&method, &path, response.status(), started);
    response
}
