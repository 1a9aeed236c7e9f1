//! The headers every response carries: a content security policy that lets the page load only
//! its own script and style sheet, no framing, no MIME sniffing, no referrer; and the
//! `WWW-Authenticate` challenge on a 401 (RFC 6750), whichever route refused: `Bearer`, or
//! `Bearer error="invalid_token"` when the token sent is expired, revoked or unknown.

use axum::response::Response;
use http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, WWW_AUTHENTICATE, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use http::{HeaderName, HeaderValue, StatusCode};

/// The page (`web/`) loads `/app.js` and `/style.css` and talks to the API on the same origin;
/// it has no inline script or style, no images, fonts or forms posting elsewhere.
const CONTENT_SECURITY_POLICY_VALUE: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The security headers every response carries.
const FIXED: [(HeaderName, &str); 4] = [
    (CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY_VALUE),
    (X_FRAME_OPTIONS, "DENY"),
    (X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (REFERRER_POLICY, "no-referrer"),
];

/// `response` with the security headers (replacing any a handler set) and, on a 401, the
/// challenge.
pub(super) async fn finish(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in FIXED {
        headers.insert(name, HeaderValue::from_static(value));
    }
    challenge(response).await
}

/// The largest 401 body read to find its error code (an [`multitenant_axum::ApiError`] is far
/// smaller).
const MAX_401_BODY: usize = 16 * 1024;

/// Adds the `WWW-Authenticate` challenge to a 401, from the error code of its body.
async fn challenge(response: Response) -> Response {
    if response.status() != StatusCode::UNAUTHORIZED
        || response.headers().contains_key(WWW_AUTHENTICATE)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_401_BODY)
        .await
        .unwrap_or_default();
    let code = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v["error"]["code"].as_str().map(str::to_owned));
    let value = match code.as_deref() {
        Some("invalid_token") => r#"Bearer error="invalid_token""#,
        _ => "Bearer",
    };
    parts
        .headers
        .insert(WWW_AUTHENTICATE, HeaderValue::from_static(value));
    Response::from_parts(parts, axum::body::Body::from(bytes))
}
