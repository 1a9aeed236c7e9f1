//! The crate's one HTTP error, [`ApiError`]: what a client gets when a request fails, and which
//! status each failure maps to, the same in the tenant layer, the CRUD router and hand-written
//! handlers (which return `Result<_, ApiError>` and use `?`).
//!
//! | failure | status | `code` |
//! | --- | --- | --- |
//! | a request names no tenant; a statement touches a tenant table with none set (`NoTenant`) | 403 | `tenant_required` |
//! | a write names another tenant (`CrossTenantWrite`) or assigns the tenant column (`TenantColumnAssignment`) | 403 | `cross_tenant_write` |
//! | a tenant key that does not parse (`InvalidTenantKey`) | 400 | `invalid_tenant` |
//! | a statement the scoper cannot scope (`Unsupported`, `Parse`, and the other refusals) | 500 | `scope_error` |
//! | a unique or exclusion violation (SQLSTATE 23505, 23P01) | 409 | `conflict` |
//! | deleting a row other rows still reference (23503 on delete) | 409 | `still_referenced` |
//! | a foreign key naming no row (23503) | 422 | `invalid_reference` |
//! | a not-null, check or other integrity violation (23502, 23514, 23xxx) | 422 | `constraint_violation` |
//! | a string too long (22001), a number out of range (22003), text with NUL or invalid UTF-8 (22021), a value that does not parse (22P02, other 22xxx) | 422 | `value_too_long`, `out_of_range`, `invalid_text`, `invalid_value` |
//! | a value too large to store or index (54000) | 422 | `value_too_large` |
//! | no such row | 404 | `not_found` |
//! | the database cannot be reached or went away (connection refused or lost, SQLSTATE class 08, 57P01-57P03, 53300, a full or closed pool) | 503, `Retry-After: 1` | `database_unavailable` |
//! | anything else | 500 | `database_error` |
//!
//! A database refusal names the columns it is about in `fields` (from PostgreSQL's report: the
//! key of a unique or foreign key violation, the column of a not-null one, the column of a
//! check PostgreSQL named `<table>_<column>_check`), never the values or PostgreSQL's message:
//! `{"error": {"code": "conflict", "message": "`subdomain` is taken: another row has the same
//! value", "fields": ["subdomain"]}}`.
//!
//! A scoping refusal the client cannot cause (the server built the statement, so `Unsupported`
//! or `Parse` is a bug of the server) is a 500, and so is every unexpected database failure:
//! their details go to the log (`tracing`, level error), never to the client.

#[cfg(any(feature = "sea-orm", feature = "sqlx"))]
mod database;

use std::fmt::Display;

use axum::Json;
use axum::extract::rejection::{BytesRejection, JsonRejection};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde::Serialize;

/// A failed request: a status, a machine-readable `code` and a human-readable `message`,
/// rendered as `{"error": {"code": ..., "message": ...}}`.
///
/// ```
/// use http::StatusCode;
/// use multitenant_axum::ApiError;
///
/// let err = ApiError::forbidden("not_your_account", "you do not own account 7");
/// assert_eq!(err.status(), StatusCode::FORBIDDEN);
/// assert_eq!(err.code(), "not_your_account");
///
/// // A scoping refusal maps to the status the table in the module documentation gives.
/// let refused = ApiError::from(multitenant::Error::TenantColumnAssignment {
///     table: "projects".into(),
///     column: "account_id".into(),
/// });
/// assert_eq!((refused.status(), refused.code()), (StatusCode::FORBIDDEN, "cross_tenant_write"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{status}: {message}")]
pub struct ApiError {
    status: StatusCode,
    code: String,
    message: String,
    fields: Vec<String>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    fields: &'a [String],
}

impl ApiError {
    /// An error with any status.
    ///
    /// ```
    /// let err = multitenant_axum::ApiError::new(http::StatusCode::GONE, "archived", "the project is archived");
    /// assert_eq!(err.message(), "the project is archived");
    /// ```
    pub fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
            fields: Vec::new(),
        }
    }

    /// The same error naming the request fields it is about (sent as `fields`).
    ///
    /// ```
    /// let err = multitenant_axum::ApiError::unprocessable("invalid_field", "`name` is empty")
    ///     .with_fields(["name"]);
    /// assert_eq!(err.fields(), ["name"]);
    /// ```
    pub fn with_fields<I: IntoIterator<Item = F>, F: Into<String>>(mut self, fields: I) -> Self {
        self.fields = fields.into_iter().map(Into::into).collect();
        self
    }

    /// The request fields the error is about (empty when it is about none in particular).
    ///
    /// ```
    /// assert!(multitenant_axum::ApiError::not_found("no row").fields().is_empty());
    /// ```
    pub fn fields(&self) -> &[String] {
        &self.fields
    }

    /// 400 Bad Request (the request is malformed, e.g. a tenant named badly).
    ///
    /// ```
    /// assert_eq!(multitenant_axum::ApiError::bad_request("x", "y").status(), http::StatusCode::BAD_REQUEST);
    /// ```
    pub fn bad_request(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 401 Unauthorized (no or bad credentials).
    ///
    /// ```
    /// assert_eq!(multitenant_axum::ApiError::unauthorized("x", "y").status(), http::StatusCode::UNAUTHORIZED);
    /// ```
    pub fn unauthorized(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// 403 Forbidden (the caller may not do this, e.g. act for that tenant).
    ///
    /// ```
    /// assert_eq!(multitenant_axum::ApiError::forbidden("x", "y").status(), http::StatusCode::FORBIDDEN);
    /// ```
    pub fn forbidden(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    /// 404 Not Found, code `not_found`: no such row in the request's tenant (another tenant's
    /// row is reported the same way).
    ///
    /// ```
    /// let err = multitenant_axum::ApiError::not_found("no project 7");
    /// assert_eq!((err.status().as_u16(), err.code()), (404, "not_found"));
    /// ```
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 422 Unprocessable Entity (a well-formed body whose content is refused).
    ///
    /// ```
    /// let err = multitenant_axum::ApiError::unprocessable("invalid_field", "`name` must not be empty");
    /// assert_eq!(err.status().as_u16(), 422);
    /// ```
    pub fn unprocessable(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    /// 500 for an unexpected failure, code `internal`: `err` goes to the log (level error), the
    /// client only learns that the server failed.
    ///
    /// ```
    /// let err = multitenant_axum::ApiError::internal(&"the disk is full");
    /// assert_eq!(err.status().as_u16(), 500);
    /// assert!(!err.message().contains("disk"));
    /// ```
    pub fn internal(err: &dyn Display) -> Self {
        tracing::error!(error = %err, "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server failed; see its log",
        )
    }

    /// The HTTP status.
    ///
    /// ```
    /// assert_eq!(multitenant_axum::ApiError::forbidden("x", "y").status().as_u16(), 403);
    /// ```
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The machine-readable code.
    ///
    /// ```
    /// assert_eq!(multitenant_axum::ApiError::forbidden("x", "y").code(), "x");
    /// ```
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The human-readable message.
    ///
    /// ```
    /// assert_eq!(multitenant_axum::ApiError::forbidden("x", "y").message(), "y");
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The same error with another status (e.g. 404 rather than 403 for a request naming no
    /// tenant).
    ///
    /// ```
    /// let err = multitenant_axum::ApiError::forbidden("x", "y").with_status(http::StatusCode::NOT_FOUND);
    /// assert_eq!((err.status().as_u16(), err.code()), (404, "x"));
    /// ```
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// A 503 for a database that cannot be reached or went away: the request may be retried.
    /// The details go to the log only.
    #[cfg(any(feature = "sea-orm", feature = "sqlx"))]
    fn unavailable(err: &dyn Display) -> Self {
        tracing::warn!(error = %err, "database unavailable");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            "the database is unavailable; retry shortly",
        )
    }

    /// A 500 for a database failure: the details go to the log only.
    #[cfg(any(feature = "sea-orm", feature = "sqlx"))]
    fn database(err: &dyn Display) -> Self {
        tracing::error!(error = %err, "database error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "database_error",
            "the database failed; see the server log",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            error: Inner {
                code: &self.code,
                message: &self.message,
                fields: &self.fields,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                http::header::RETRY_AFTER,
                http::HeaderValue::from_static("1"),
            );
        }
        response
    }
}

impl From<multitenant::Error> for ApiError {
    /// A scoping refusal: the status the module documentation's table gives.
    fn from(err: multitenant::Error) -> Self {
        use multitenant::Error as E;
        match err {
            E::NoTenant { .. } => ApiError::forbidden("tenant_required", err.to_string()),
            E::CrossTenantWrite { .. } | E::TenantColumnAssignment { .. } => {
                ApiError::forbidden("cross_tenant_write", err.to_string())
            }
            E::InvalidTenantKey { .. } => ApiError::bad_request("invalid_tenant", err.to_string()),
            other => {
                tracing::error!(error = %other, "statement refused by the scoper");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "scope_error",
                    "the server built a statement it cannot scope to the tenant; see its log",
                )
            }
        }
    }
}

impl From<multitenant::resolve::ResolveError> for ApiError {
    /// A request that names its tenant badly: 400, code `invalid_tenant`.
    fn from(err: multitenant::resolve::ResolveError) -> Self {
        ApiError::bad_request("invalid_tenant", err.to_string())
    }
}

impl From<JsonRejection> for ApiError {
    /// A body the `Json` extractor refused: its status, code `invalid_body`.
    fn from(rejection: JsonRejection) -> Self {
        ApiError::new(rejection.status(), "invalid_body", rejection.body_text())
    }
}

impl From<BytesRejection> for ApiError {
    /// A body that could not be read (too large, ...): its status, code `invalid_body`.
    fn from(rejection: BytesRejection) -> Self {
        ApiError::new(rejection.status(), "invalid_body", rejection.body_text())
    }
}

#[cfg(feature = "sea-orm")]
impl From<sea_orm::DbErr> for ApiError {
    /// A SeaORM error: a scoping refusal as [`multitenant::Error`], a database error by its
    /// SQLSTATE, a missing row as 404, anything else a logged 500.
    fn from(err: sea_orm::DbErr) -> Self {
        use sea_orm::{DbErr, RuntimeErr};
        if let Some(scope) = multitenant_sea_orm::scope_error(&err) {
            return scope.clone().into();
        }
        if let DbErr::Exec(RuntimeErr::SqlxError(driver))
        | DbErr::Query(RuntimeErr::SqlxError(driver)) = &err
        {
            if database::unavailable(driver) {
                return ApiError::unavailable(&err);
            }
            if let sea_orm::sqlx::Error::Database(db) = &**driver
                && let Some(refused) = database::refusal(db.as_ref())
            {
                return refused;
            }
        }
        if matches!(err, DbErr::Conn(_) | DbErr::ConnectionAcquire(_)) {
            return ApiError::unavailable(&err);
        }
        match err {
            DbErr::RecordNotFound(_) | DbErr::RecordNotUpdated => {
                ApiError::not_found("no such row")
            }
            other => ApiError::database(&other),
        }
    }
}

#[cfg(feature = "sea-orm")]
impl From<multitenant_sea_orm::Error> for ApiError {
    /// A scoping refusal or a SeaORM error, as [`ApiError::from`] maps either.
    ///
    /// ```
    /// use multitenant_axum::ApiError;
    ///
    /// let err = multitenant_sea_orm::Error::from(sea_orm::DbErr::RecordNotFound("x".into()));
    /// assert_eq!(ApiError::from(err).status(), http::StatusCode::NOT_FOUND);
    /// ```
    fn from(err: multitenant_sea_orm::Error) -> Self {
        match err {
            multitenant_sea_orm::Error::Scope(scope) => scope.into(),
            multitenant_sea_orm::Error::Db(db) => db.into(),
            other => ApiError::database(&other),
        }
    }
}

#[cfg(feature = "sqlx")]
impl From<sqlx::Error> for ApiError {
    /// An sqlx error: a scoping refusal as [`multitenant::Error`], a database error by its
    /// SQLSTATE, a missing row as 404, anything else a logged 500.
    fn from(err: sqlx::Error) -> Self {
        if let Some(scope) = multitenant_sqlx::scope_error(&err) {
            return scope.clone().into();
        }
        if database::unavailable(&err) {
            return ApiError::unavailable(&err);
        }
        if let sqlx::Error::Database(db) = &err
            && let Some(refused) = database::refusal(db.as_ref())
        {
            return refused;
        }
        match err {
            sqlx::Error::RowNotFound => ApiError::not_found("no such row"),
            other => ApiError::database(&other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_and_code(err: &ApiError) -> (u16, &str) {
        (err.status().as_u16(), err.code())
    }

    #[test]
    fn each_scoping_refusal_has_its_status() {
        use multitenant::Error as E;
        let cases = [
            (E::NoTenant { table: "t".into() }, 403, "tenant_required"),
            (
                E::CrossTenantWrite {
                    table: "t".into(),
                    column: "account_id".into(),
                    value: "2".into(),
                    current: "1".into(),
                },
                403,
                "cross_tenant_write",
            ),
            (
                E::TenantColumnAssignment {
                    table: "t".into(),
                    column: "account_id".into(),
                },
                403,
                "cross_tenant_write",
            ),
            (
                E::InvalidTenantKey {
                    value: "x".into(),
                    expected: multitenant::KeyKind::BigInt,
                },
                400,
                "invalid_tenant",
            ),
            (
                E::Unsupported {
                    construct: "TRUNCATE of tenant table \"t\"".into(),
                    hint: "delete the tenant's rows".into(),
                },
                500,
                "scope_error",
            ),
            (
                E::Parse {
                    message: "syntax error at or near \"SELEC\"".into(),
                    position: Some(0),
                },
                500,
                "scope_error",
            ),
        ];
        for (refusal, status, code) in cases {
            let text = refusal.to_string();
            let err = ApiError::from(refusal);
            assert_eq!(status_and_code(&err), (status, code), "{text}");
            // What the client sent may be echoed; what the server built is not.
            assert_eq!(err.message() == text, status < 500, "{text}");
        }
    }

    #[tokio::test]
    async fn the_body_has_the_code_and_the_message() {
        let response = ApiError::not_found("no project 7").into_response();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let bytes = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"error": {"code": "not_found", "message": "no project 7"}})
        );
    }

    #[test]
    fn a_badly_named_tenant_is_a_bad_request() {
        let bad =
            multitenant::resolve::header("x-t", b"4x2", multitenant::KeyKind::BigInt).unwrap_err();
        let err = ApiError::from(bad);
        assert_eq!(status_and_code(&err), (400, "invalid_tenant"));
        assert_eq!(
            err.message(),
            "header x-t: `4x2` is not a valid bigint tenant key"
        );
    }

    #[cfg(feature = "sea-orm")]
    #[test]
    fn seaorm_errors_without_a_database_error() {
        // Refusals and SQLSTATEs from a real database: tests/errors.rs.
        let missing = sea_orm::DbErr::RecordNotFound("projects".into());
        assert_eq!(
            status_and_code(&ApiError::from(missing)),
            (404, "not_found")
        );
        let other = ApiError::from(sea_orm::DbErr::Custom("secret detail".into()));
        assert_eq!(status_and_code(&other), (500, "database_error"));
        assert!(!other.message().contains("secret"));
        let lost = sea_orm::DbErr::Conn(sea_orm::RuntimeErr::Internal("secret detail".into()));
        let err = ApiError::from(lost);
        assert_eq!(status_and_code(&err), (503, "database_unavailable"));
        assert!(!err.message().contains("secret"));
    }

    #[cfg(feature = "sqlx")]
    #[test]
    fn sqlx_errors_without_a_database_error() {
        // Refusals and SQLSTATEs from a real database: tests/errors.rs.
        assert_eq!(
            status_and_code(&ApiError::from(sqlx::Error::RowNotFound)),
            (404, "not_found")
        );
        let other = ApiError::from(sqlx::Error::Protocol("secret detail".into()));
        assert_eq!(status_and_code(&other), (500, "database_error"));
        assert!(!other.message().contains("secret"));
        for gone in [
            sqlx::Error::PoolTimedOut,
            sqlx::Error::PoolClosed,
            sqlx::Error::Io(std::io::ErrorKind::ConnectionReset.into()),
        ] {
            let err = ApiError::from(gone);
            assert_eq!(status_and_code(&err), (503, "database_unavailable"));
            let response = err.into_response();
            assert_eq!(response.headers()[http::header::RETRY_AFTER], "1");
        }
    }
}
