//! Ending sessions: log-out revokes the token it is sent with; a password change revokes every
//! token of the user and answers with a new one.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Json;
use axum::extract::{ConnectInfo, Extension, State};
use axum::http::{HeaderMap, StatusCode};
use multitenant_axum::ApiError;
use multitenant_sea_orm::TenantDatabase;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel};

use super::body::JsonBody;
use super::dto::{PasswordChange, TokenOut};
use super::errors::invalid;
use super::fields;
use crate::Settings;
use crate::auth::{self, User};
use crate::entities::users;
use crate::login::LoginGuard;

/// Logs out: revokes the bearer token the request is sent with (other tokens stay valid).
#[utoipa::path(post, path = "/api/logout", security(("bearer" = [])),
    responses((status = 204, description = "the token is revoked"),
              (status = 401, description = "no valid token", body = ApiError)))]
pub(super) async fn logout(
    State(db): State<TenantDatabase>,
    User(_user): User,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let token = auth::bearer_token(&headers)?;
    auth::revoke_token(&db, token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes the caller's password: the current one must be given, the new one meets the
/// sign-up rules. Every token of the user, the one sent included, is revoked; the answer
/// carries a new one.
#[utoipa::path(post, path = "/api/users/me/password", request_body = PasswordChange,
    security(("bearer" = [])),
    responses((status = 200, body = TokenOut, description = "changed; use the new token, every earlier one is revoked"),
              (status = 401, description = "no valid token", body = ApiError),
              (status = 422, description = "`current_password` is wrong, or `new_password` breaks a rule", body = ApiError),
              (status = 429, description = "too many wrong current passwords; see `Retry-After`", body = ApiError),
              (status = 503, description = "too many passwords are being checked; see `Retry-After`", body = ApiError)))]
pub(super) async fn change_password(
    State(db): State<TenantDatabase>,
    Extension(guard): Extension<Arc<LoginGuard>>,
    Extension(settings): Extension<Settings>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    User(user_id): User,
    JsonBody(change): JsonBody<PasswordChange>,
) -> axum::response::Result<Json<TokenOut>> {
    let user = users::Entity::find_by_id(user_id)
        .one(&db.ambient())
        .await
        .map_err(ApiError::from)?
        .ok_or_else(|| ApiError::unauthorized("invalid_token", "the user no longer exists"))?;
    fields::check_new_password("new_password", &change.new_password, &user.username)?;
    if change.new_password == change.current_password {
        return Err(invalid("new_password", "must differ from the current password").into());
    }
    guard.check(&user.username, client.ip())?;
    let _in_flight = guard.begin(&user.username, client.ip())?;
    let matches = guard
        .verify(
            change.current_password,
            Some(user.password_hash.clone()),
            &user.username,
            client.ip(),
        )
        .await?;
    if !matches {
        guard.failed(&user.username, client.ip())?;
        return Err(invalid("current_password", "is not the user's password").into());
    }
    let new_password = change.new_password;
    let hash = guard
        .hash(move |memory| auth::hash_password_with(&new_password, memory))
        .await?
        .map_err(|e| ApiError::internal(&e))?;
    let mut row = user.into_active_model();
    row.password_hash = Set(hash);
    row.update(&db.ambient()).await.map_err(ApiError::from)?;
    let revoked = auth::revoke_all_tokens(&db, user_id)
        .await
        .map_err(ApiError::from)?;
    tracing::info!(user = user_id, revoked, "password changed, tokens revoked");
    let token = auth::issue_token(&db, user_id, settings.token_lifetime)
        .await
        .map_err(ApiError::from)?;
    Ok(Json(TokenOut { token }))
}
