//! The app's own refusals, on top of [`ApiError`]'s mapping of scoping refusals and database
//! errors: an invalid field, a path parameter that does not parse, a unique violation that says
//! what is taken.

use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::http::StatusCode;
use multitenant_axum::ApiError;
use sea_orm::{DbErr, SqlErr};

/// 422 `invalid_field`: `field` is refused, the message says why.
pub(super) fn invalid(field: &str, message: &str) -> ApiError {
    ApiError::unprocessable("invalid_field", format!("`{field}` {message}")).with_fields([field])
}

/// 400 `invalid_path` naming the path parameter that does not parse (axum's own answer is a
/// text/plain echo of the input). The handler's path type must have named fields, so that the
/// rejection knows the parameter's name.
pub(super) fn invalid_path(rejection: PathRejection) -> ApiError {
    let status = rejection.status();
    let message = match rejection {
        PathRejection::FailedToDeserializePathParams(e) => match e.into_kind() {
            ErrorKind::ParseErrorAtKey {
                key, expected_type, ..
            } => format!("path parameter `{key}` must be {}", kind_of(expected_type)),
            ErrorKind::InvalidUtf8InPathParam { key } => {
                format!("path parameter `{key}` is not valid UTF-8")
            }
            _ => "the path parameters are not valid".to_owned(),
        },
        _ => "the path parameters are not valid".to_owned(),
    };
    ApiError::new(status, "invalid_path", message)
}

fn kind_of(rust_type: &str) -> &'static str {
    match rust_type {
        "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" => "an integer",
        _ => "of its type",
    }
}

/// A 409 with `code` and `message` naming `field` for a unique violation (what is taken); any
/// other error as [`ApiError`] maps it.
pub(super) fn taken(
    code: &'static str,
    message: String,
    field: &'static str,
) -> impl FnOnce(DbErr) -> ApiError {
    move |e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            ApiError::new(StatusCode::CONFLICT, code, message).with_fields([field])
        }
        _ => e.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invalid_field_is_named() {
        let err = invalid("username", "must not be empty");
        assert_eq!(err.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            (err.code(), err.message()),
            ("invalid_field", "`username` must not be empty")
        );
        assert_eq!(err.fields(), ["username"]);
    }

    #[test]
    fn only_a_unique_violation_is_taken() {
        // Unique violations come from the database: tests/api.rs (`username_taken`, ...).
        let other =
            taken("username_taken", "taken".into(), "username")(DbErr::RecordNotFound("x".into()));
        assert_eq!(other, ApiError::from(DbErr::RecordNotFound("x".into())));
        assert_eq!(other.code(), "not_found");
    }
}
