//! The JSON body of a hand-written route, held to the CRUD routes' rules: 415 unless the
//! `Content-Type` is `application/json` (optionally `charset=utf-8`), 400 for malformed JSON,
//! 422 `unknown_field` naming a field the body type does not have (the types are
//! `#[serde(deny_unknown_fields)]`), 422 for a field of the wrong type.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use multitenant_axum::{ApiError, check_json_content_type};
use serde::de::DeserializeOwned;

/// Extractor: the body as `T`, or the [`ApiError`] the module documentation describes.
pub(super) struct JsonBody<T>(pub(super) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        check_json_content_type(req.headers())?;
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(JsonBody(value)),
            Err(rejection) => Err(refused(rejection)),
        }
    }
}

/// serde's words for a field the type does not have: "unknown field `x`, expected ...".
const UNKNOWN_FIELD: &str = "unknown field `";

fn refused(rejection: JsonRejection) -> ApiError {
    let text = rejection.body_text();
    match text.split_once(UNKNOWN_FIELD) {
        Some((_, rest)) if matches!(rejection, JsonRejection::JsonDataError(_)) => {
            let field = rest.split('`').next().unwrap_or_default();
            ApiError::unprocessable(
                "unknown_field",
                format!("`{field}` is not a field of this body"),
            )
        }
        _ => rejection.into(),
    }
}
