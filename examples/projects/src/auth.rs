//! Users, passwords and bearer tokens.
//!
//! Passwords are stored as argon2id hashes (PHC strings, a fresh salt each). A token is 32
//! random bytes from the operating system, sent to the client once as 64 hex characters; the
//! database keeps only its SHA-256, so a leaked `api_tokens` table opens no session. Tokens do
//! not expire; deleting the row revokes one. Users and tokens are global (not tenant tables), read
//! through an ambient connection, which refuses any tenant table when no tenant is set.

use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{FromRef, FromRequestParts};
use http::request::Parts;
use multitenant_axum::ApiError;
use multitenant_sea_orm::TenantDatabase;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use sha2::{Digest, Sha256};

use crate::Error;
use crate::entities::api_tokens;

/// Hashes a password with argon2id and a fresh random salt.
///
/// ```
/// let hash = projects::auth::hash_password("correct horse")?;
/// assert!(hash.starts_with("$argon2id$"));
/// assert!(projects::auth::verify_password("correct horse", &hash));
/// # Ok::<(), projects::Error>(())
/// ```
pub fn hash_password(password: &str) -> Result<String, Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Whether `password` matches the stored `hash` (false for a malformed hash).
///
/// ```
/// assert!(!projects::auth::verify_password("guess", "not a hash"));
/// ```
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// Issues a new token for `user_id`: returns the token, stores its hash.
///
/// ```no_run
/// # async fn f(db: multitenant_sea_orm::TenantDatabase) -> Result<(), projects::Error> {
/// let token = projects::auth::issue_token(&db, 1).await?;
/// assert_eq!(token.len(), 64);
/// # Ok(()) }
/// ```
pub async fn issue_token(db: &TenantDatabase, user_id: i64) -> Result<String, Error> {
    let mut bytes = [0_u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    api_tokens::ActiveModel {
        token_hash: Set(token_hash(&token)),
        user_id: Set(user_id),
    }
    .insert(&db.ambient())
    .await?;
    Ok(token)
}

/// The user a token belongs to, if it is a token this server issued.
///
/// ```no_run
/// # async fn f(db: multitenant_sea_orm::TenantDatabase) -> Result<(), projects::Error> {
/// assert_eq!(projects::auth::user_of_token(&db, "forged").await?, None);
/// # Ok(()) }
/// ```
pub async fn user_of_token(db: &TenantDatabase, token: &str) -> Result<Option<i64>, Error> {
    Ok(api_tokens::Entity::find_by_id(token_hash(token))
        .one(&db.ambient())
        .await?
        .map(|t| t.user_id))
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The user a request authenticates as, from `Authorization: Bearer <token>`: 401 otherwise.
///
/// ```no_run
/// # async fn f(db: multitenant_sea_orm::TenantDatabase, headers: http::HeaderMap) -> Result<(), multitenant_axum::ApiError> {
/// let user_id = projects::auth::authenticate(&db, &headers).await?;
/// # let _ = user_id; Ok(()) }
/// ```
pub async fn authenticate(db: &TenantDatabase, headers: &http::HeaderMap) -> Result<i64, ApiError> {
    let token = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::unauthorized(
                "unauthenticated",
                "send `Authorization: Bearer <token>`; get a token from POST /api/token",
            )
        })?;
    match user_of_token(db, token).await {
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(ApiError::unauthorized(
            "invalid_token",
            "the bearer token is not valid",
        )),
        Err(e) => Err(ApiError::internal(&e)),
    }
}

/// Extractor: the authenticated user's id (401 when the request carries no valid token).
///
/// ```
/// async fn me(projects::auth::User(id): projects::auth::User) -> String {
///     id.to_string()
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct User(pub i64);

impl<S> FromRequestParts<S> for User
where
    S: Send + Sync,
    TenantDatabase: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        authenticate(&TenantDatabase::from_ref(state), &parts.headers)
            .await
            .map(User)
    }
}
