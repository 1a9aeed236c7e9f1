//! The JSON error a request gets when its tenant cannot be resolved.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde::Serialize;

/// Why a request has no tenant; rendered as `{"error": {"code": ..., "message": ...}}` with its
/// status. The handler never runs.
///
/// ```
/// use multitenant_axum::TenantRejection;
/// use http::StatusCode;
///
/// let r = TenantRejection::forbidden("not_your_account", "you do not own account 7");
/// assert_eq!(r.status(), StatusCode::FORBIDDEN);
/// assert_eq!(r.code(), "not_your_account");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{status}: {message}")]
pub struct TenantRejection {
    status: StatusCode,
    code: String,
    message: String,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
}

impl TenantRejection {
    /// A rejection with any status.
    ///
    /// ```
    /// let r = multitenant_axum::TenantRejection::new(http::StatusCode::NOT_FOUND, "no_tenant", "unknown tenant");
    /// assert_eq!(r.message(), "unknown tenant");
    /// ```
    pub fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> Self {
        TenantRejection {
            status,
            code: code.into(),
            message: message.into(),
        }
    }

    /// 400 Bad Request (a tenant was named, but malformed).
    ///
    /// ```
    /// assert_eq!(multitenant_axum::TenantRejection::bad_request("x", "y").status(), http::StatusCode::BAD_REQUEST);
    /// ```
    pub fn bad_request(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 401 Unauthorized (no or bad credentials).
    ///
    /// ```
    /// assert_eq!(multitenant_axum::TenantRejection::unauthorized("x", "y").status(), http::StatusCode::UNAUTHORIZED);
    /// ```
    pub fn unauthorized(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// 403 Forbidden (the caller may not act for that tenant).
    ///
    /// ```
    /// assert_eq!(multitenant_axum::TenantRejection::forbidden("x", "y").status(), http::StatusCode::FORBIDDEN);
    /// ```
    pub fn forbidden(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    /// The HTTP status.
    ///
    /// ```
    /// assert_eq!(multitenant_axum::TenantRejection::forbidden("x", "y").status().as_u16(), 403);
    /// ```
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The machine-readable code.
    ///
    /// ```
    /// assert_eq!(multitenant_axum::TenantRejection::forbidden("x", "y").code(), "x");
    /// ```
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The human-readable message.
    ///
    /// ```
    /// assert_eq!(multitenant_axum::TenantRejection::forbidden("x", "y").message(), "y");
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl IntoResponse for TenantRejection {
    fn into_response(self) -> Response {
        let body = Body {
            error: Inner {
                code: &self.code,
                message: &self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}
