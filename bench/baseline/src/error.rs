//! The error every route answers a failure with, rendered as the sample app renders its own:
//! `{"error": {"code": ..., "message": ..., "fields": [...]}}`, `fields` only when it names any.

use axum::Json;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A failed request: a status, a machine-readable `code`, a human-readable `message` and the
/// request fields it is about.
///
/// ```
/// use bench_baseline::ApiError;
///
/// let err = ApiError::new(axum::http::StatusCode::NOT_FOUND, "not_found", "no such row");
/// assert_eq!((err.status().as_u16(), err.code()), (404, "not_found"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
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
    /// An error with `status`, `code` and `message`, naming no field.
    ///
    /// ```
    /// let err = bench_baseline::ApiError::new(axum::http::StatusCode::GONE, "gone", "it went");
    /// assert_eq!(err.message(), "it went");
    /// ```
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            fields: Vec::new(),
        }
    }

    /// The same error naming the request fields it is about.
    ///
    /// ```
    /// use axum::http::StatusCode;
    /// let err = bench_baseline::ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "missing_field", "name")
    ///     .with_fields(["name"]);
    /// assert_eq!(err.fields(), ["name"]);
    /// ```
    pub fn with_fields<I: IntoIterator<Item = F>, F: Into<String>>(mut self, fields: I) -> Self {
        self.fields = fields.into_iter().map(Into::into).collect();
        self
    }

    /// The HTTP status.
    ///
    /// ```
    /// let err = bench_baseline::ApiError::new(axum::http::StatusCode::FORBIDDEN, "x", "y");
    /// assert_eq!(err.status().as_u16(), 403);
    /// ```
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The machine-readable code.
    ///
    /// ```
    /// let err = bench_baseline::ApiError::new(axum::http::StatusCode::FORBIDDEN, "x", "y");
    /// assert_eq!(err.code(), "x");
    /// ```
    pub fn code(&self) -> &str {
        self.code
    }

    /// The human-readable message.
    ///
    /// ```
    /// let err = bench_baseline::ApiError::new(axum::http::StatusCode::FORBIDDEN, "x", "y");
    /// assert_eq!(err.message(), "y");
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The request fields the error is about.
    ///
    /// ```
    /// let err = bench_baseline::ApiError::new(axum::http::StatusCode::FORBIDDEN, "x", "y");
    /// assert!(err.fields().is_empty());
    /// ```
    pub fn fields(&self) -> &[String] {
        &self.fields
    }

    pub(crate) fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub(crate) fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    pub(crate) fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    pub(crate) fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    pub(crate) fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "no such row")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            error: Inner {
                code: self.code,
                message: &self.message,
                fields: &self.fields,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::bad_request("invalid_query", rejection.body_text())
    }
}

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!(
                    "the request body is larger than the limit of {} bytes",
                    crate::BODY_LIMIT
                ),
            );
        }
        ApiError::new(rejection.status(), "invalid_body", rejection.body_text())
    }
}

impl From<sqlx::Error> for ApiError {
    /// A refusal the client caused (a foreign key naming no row, a check) as a 4xx naming its
    /// columns; a database that cannot be reached as a 503; anything else a logged 500.
    fn from(err: sqlx::Error) -> Self {
        if unavailable(&err) {
            tracing::warn!(error = %err, "database unavailable");
            return ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "database_unavailable",
                "the database is unavailable; retry shortly",
            );
        }
        if let sqlx::Error::Database(db) = &err
            && let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
            && let Some(refused) = refusal(pg)
        {
            return refused;
        }
        tracing::error!(error = %err, "database error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "database_error",
            "the database failed; see the server log",
        )
    }
}

/// Whether the database cannot be reached or went away: a retry may succeed.
fn unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03" | "53300")
        }),
        _ => false,
    }
}

/// The 4xx for an integrity or data error of an `INSERT`, naming the columns PostgreSQL reports
/// (never the values); `None` for a failure of the server's own.
fn refusal(pg: &sqlx::postgres::PgDatabaseError) -> Option<ApiError> {
    let code = pg.code();
    let named = |what: String| match pg.constraint() {
        Some(name) => format!("{what} (constraint `{name}`)"),
        None => what,
    };
    let key = key_columns(pg.detail());
    let listed = |columns: &[String], one: &str, many: &str| {
        let names: Vec<String> = columns.iter().map(|c| format!("`{c}`")).collect();
        let verb = if columns.len() == 1 { one } else { many };
        format!("{} {verb}", names.join(", "))
    };
    let err = match code {
        "23505" => match key {
            Some(columns) => ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                format!(
                    "{} taken: another row has the same value",
                    listed(&columns, "is", "are")
                ),
            )
            .with_fields(columns),
            None => ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                named("a row with the same unique key already exists".into()),
            ),
        },
        "23503" => match key {
            Some(columns) => ApiError::unprocessable(
                "invalid_reference",
                format!(
                    "{} not name an existing row",
                    listed(&columns, "does", "do")
                ),
            )
            .with_fields(columns),
            None => ApiError::unprocessable(
                "invalid_reference",
                named("a referenced row does not exist".into()),
            ),
        },
        "23514" => match check_column(pg.constraint(), pg.table()) {
            Some(column) => ApiError::unprocessable(
                "constraint_violation",
                named(format!("`{column}` is not an accepted value")),
            )
            .with_fields([column]),
            None => ApiError::unprocessable(
                "constraint_violation",
                named("the row breaks a check".into()),
            ),
        },
        _ if code.starts_with("23") => ApiError::unprocessable(
            "constraint_violation",
            named("the row breaks a constraint".into()),
        ),
        _ if code.starts_with("22") => {
            ApiError::unprocessable("invalid_value", "a value does not fit its column")
        }
        _ => return None,
    };
    Some(err)
}

/// The columns of `Key (account_id, project_id)=(1, 2) is not present in table "projects".`
fn key_columns(detail: Option<&str>) -> Option<Vec<String>> {
    let (list, _) = detail?.strip_prefix("Key (")?.split_once(")=(")?;
    list.split(", ")
        .map(|name| {
            let name = name.trim();
            let plain = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '$');
            plain.then(|| name.to_owned())
        })
        .collect()
}

/// The column of a check PostgreSQL named itself: `<table>_<column>_check`.
fn check_column<'a>(constraint: Option<&'a str>, table: Option<&str>) -> Option<&'a str> {
    let column = constraint?
        .strip_prefix(table?)?
        .strip_prefix('_')?
        .strip_suffix("_check")?;
    (!column.is_empty()).then_some(column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_columns_are_read_from_the_detail() {
        let detail = r#"Key (account_id, project_id)=(1, 99) is not present in table "projects"."#;
        assert_eq!(
            key_columns(Some(detail)),
            Some(vec!["account_id".to_owned(), "project_id".to_owned()])
        );
        assert_eq!(key_columns(Some("Key (lower(name))=(x) exists.")), None);
        assert_eq!(key_columns(None), None);
    }

    #[test]
    fn a_check_names_its_column() {
        let check = check_column(Some("tasks_name_check"), Some("tasks"));
        assert_eq!(check, Some("name"));
        assert_eq!(check_column(Some("other"), Some("tasks")), None);
    }

    #[test]
    fn fields_are_left_out_when_empty() {
        let body = |err: ApiError| {
            let response = err.into_response();
            assert_eq!(response.status(), StatusCode::NOT_FOUND);
        };
        body(ApiError::not_found());
        let inner = Inner {
            code: "not_found",
            message: "no such row",
            fields: &[],
        };
        assert_eq!(
            serde_json::to_string(&Body { error: inner }).unwrap(),
            r#"{"error":{"code":"not_found","message":"no such row"}}"#
        );
    }
}
