//! The headers every response carries: a content security policy that lets the page load only
//! its own script and style sheet, no framing, no MIME sniffing, no referrer; and the
//! `WWW-Authenticate` challenge on a 401 (RFC 6750), whichever route refused.

use axum::Router;
use axum::response::Response;
use http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, WWW_AUTHENTICATE, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use http::{HeaderValue, StatusCode};
use tower_http::set_header::SetResponseHeaderLayer;

/// The page (`web/`) loads `/app.js` and `/style.css` and talks to the API on the same origin;
/// it has no inline script or style, no images, fonts or forms posting elsewhere.
const CONTENT_SECURITY_POLICY_VALUE: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// `router` with the security headers on every response it gives.
pub(super) fn secured<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    let fixed = [
        (CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY_VALUE),
        (X_FRAME_OPTIONS, "DENY"),
        (X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (REFERRER_POLICY, "no-referrer"),
    ];
    let router = fixed.into_iter().fold(router, |router, (name, value)| {
        router.layer(SetResponseHeaderLayer::overriding(
            name,
            HeaderValue::from_static(value),
        ))
    });
    router.layer(SetResponseHeaderLayer::if_not_present(
        WWW_AUTHENTICATE,
        |res: &Response| {
            (res.status() == StatusCode::UNAUTHORIZED).then(|| HeaderValue::from_static("Bearer"))
        },
    ))
}
