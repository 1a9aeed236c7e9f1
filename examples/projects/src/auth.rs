//! Users, passwords and bearer tokens.
//!
//! Passwords are stored as argon2id hashes (PHC strings, a fresh salt each). A token is 32
//! random bytes from the operating system, sent to the client once as 64 hex characters; the
//! database keeps only its SHA-256, so a leaked `api_tokens` table opens no session. A token
//! expires after the lifetime it was issued with ([`crate::Settings::token_lifetime`]); deleting
//! its row revokes it (log-out revokes one, a password change all of a user's). Users and tokens
//! are global (not tenant tables), read through an ambient connection, which refuses any tenant
//! table when no tenant is set.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use axum::extract::{FromRef, FromRequestParts};
use http::request::Parts;
use multitenant_axum::ApiError;
use multitenant_sea_orm::TenantDatabase;
use std::time::Duration;

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement};
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

use crate::Error;
use crate::entities::api_tokens;

/// `raw` as usernames are stored and looked up: trimmed, NFKC normalised, lowercased, so that
/// `Ada`, `ADA` and `Ａｄａ` (full-width) are one user.
///
/// ```
/// assert_eq!(projects::auth::fold_username(" Ａｄａ "), "ada");
/// ```
pub fn fold_username(raw: &str) -> String {
    raw.trim().nfkc().collect::<String>().to_lowercase()
}

/// The memory argon2 works in: the blocks of one hash, kept from one hash to the next so that
/// each hashing thread allocates them once instead of once per hash (a 19 MiB allocation per
/// log-in otherwise, which the allocator keeps per thread).
///
/// ```
/// let mut memory = projects::auth::HashMemory::new();
/// let hash = projects::auth::hash_password_with("correct horse", &mut memory)?;
/// assert!(projects::auth::verify_password_with("correct horse", &hash, &mut memory));
/// assert!(!projects::auth::verify_password_with("wrong horse", &hash, &mut memory));
/// # Ok::<(), projects::Error>(())
/// ```
#[derive(Clone)]
pub struct HashMemory(Vec<Block>);

impl std::fmt::Debug for HashMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashMemory")
            .field("blocks", &self.0.len())
            .finish()
    }
}

impl Default for HashMemory {
    fn default() -> Self {
        HashMemory::new()
    }
}

impl HashMemory {
    /// Enough blocks for the parameters [`hash_password`] uses (argon2's defaults: 19 MiB).
    ///
    /// ```
    /// let memory = projects::auth::HashMemory::new();
    /// # let _ = memory;
    /// ```
    pub fn new() -> HashMemory {
        HashMemory(vec![Block::new(); Params::DEFAULT.block_count()])
    }

    /// Computes `argon2`'s hash of `password` and `salt` into `out`, in these blocks; a hash
    /// asking for more memory than they hold (parameters other than [`hash_password`]'s) gets
    /// blocks of its own for the time it runs.
    fn hash(
        &mut self,
        argon2: &Argon2<'_>,
        password: &[u8],
        salt: &[u8],
        out: &mut [u8],
    ) -> Result<(), argon2::Error> {
        if argon2.params().block_count() <= self.0.len() {
            argon2.hash_password_into_with_memory(password, salt, out, &mut self.0[..])
        } else {
            argon2.hash_password_into(password, salt, out)
        }
    }
}

/// Hashes a password with argon2id and a fresh random salt (in memory of its own: on a thread
/// that hashes repeatedly, keep a [`HashMemory`] and use [`hash_password_with`]).
///
/// ```
/// let hash = projects::auth::hash_password("correct horse")?;
/// assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
/// assert!(projects::auth::verify_password("correct horse", &hash));
/// # Ok::<(), projects::Error>(())
/// ```
pub fn hash_password(password: &str) -> Result<String, Error> {
    hash_password_with(password, &mut HashMemory::new())
}

/// Hashes a password with argon2id (argon2's default parameters) and a fresh random salt, in
/// `memory`: the PHC string, as [`verify_password`] reads it.
///
/// ```
/// let mut memory = projects::auth::HashMemory::new();
/// let hash = projects::auth::hash_password_with("correct horse", &mut memory)?;
/// assert!(projects::auth::verify_password("correct horse", &hash));
/// # Ok::<(), projects::Error>(())
/// ```
pub fn hash_password_with(password: &str, memory: &mut HashMemory) -> Result<String, Error> {
    let salt = SaltString::generate(&mut OsRng);
    let argon2 = Argon2::default();
    let mut salt_bytes = [0_u8; Salt::MAX_LENGTH];
    let raw_salt = salt.as_salt().decode_b64(&mut salt_bytes)?;
    let output = Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
        Ok(memory.hash(&argon2, password.as_bytes(), raw_salt, out)?)
    })?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon2.params())?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(hash.to_string())
}

/// Whether `password` matches the stored `hash` (false for a malformed hash).
///
/// ```
/// assert!(!projects::auth::verify_password("guess", "not a hash"));
/// ```
pub fn verify_password(password: &str, hash: &str) -> bool {
    verify_password_with(password, hash, &mut HashMemory::new())
}

/// Whether `password` matches the stored `hash` (any argon2 PHC string: its algorithm,
/// version and parameters), recomputing it in `memory` and comparing in constant time; false
/// for a malformed hash.
///
/// ```
/// let mut memory = projects::auth::HashMemory::new();
/// let hash = projects::auth::hash_password("correct horse")?;
/// assert!(projects::auth::verify_password_with("correct horse", &hash, &mut memory));
/// assert!(!projects::auth::verify_password_with("correct horse", "$argon2id$v=19$m=8,t=1,p=1$bad", &mut memory));
/// # Ok::<(), projects::Error>(())
/// ```
pub fn verify_password_with(password: &str, hash: &str, memory: &mut HashMemory) -> bool {
    recompute(password, hash, memory).is_ok_and(|(expected, computed)| expected == computed)
}

/// The output stored in `hash` and the one `password` gives with its salt and parameters.
fn recompute(
    password: &str,
    hash: &str,
    memory: &mut HashMemory,
) -> Result<(Output, Output), argon2::password_hash::Error> {
    use argon2::password_hash::Error as Malformed;
    let stored = PasswordHash::new(hash)?;
    let (Some(salt), Some(expected)) = (stored.salt, stored.hash) else {
        return Err(Malformed::PhcStringField);
    };
    let algorithm = Algorithm::try_from(stored.algorithm)?;
    let version = stored
        .version
        .map(Version::try_from)
        .transpose()?
        .unwrap_or_default();
    let argon2 = Argon2::new(algorithm, version, Params::try_from(&stored)?);
    let mut salt_bytes = [0_u8; Salt::MAX_LENGTH];
    let raw_salt = salt.decode_b64(&mut salt_bytes)?;
    let computed = Output::init_with(expected.len(), |out| {
        Ok(memory.hash(&argon2, password.as_bytes(), raw_salt, out)?)
    })?;
    Ok((expected, computed))
}

/// Issues a new token for `user_id`, valid for `lifetime`: returns the token, stores its hash
/// (and forgets the user's expired ones).
///
/// ```no_run
/// # async fn f(db: multitenant_sea_orm::TenantDatabase) -> Result<(), projects::Error> {
/// let week = std::time::Duration::from_secs(7 * 24 * 3600);
/// let token = projects::auth::issue_token(&db, 1, week).await?;
/// assert_eq!(token.len(), 64);
/// # Ok(()) }
/// ```
pub async fn issue_token(
    db: &TenantDatabase,
    user_id: i64,
    lifetime: Duration,
) -> Result<String, Error> {
    let mut bytes = [0_u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let conn = db.ambient();
    api_tokens::Entity::delete_many()
        .filter(api_tokens::Column::UserId.eq(user_id))
        .filter(Expr::col(api_tokens::Column::ExpiresAt).lte(Expr::cust("now()")))
        .exec(&conn)
        .await?;
    // Counted by the database's clock, like the expiry check.
    let seconds = lifetime.as_secs_f64();
    conn.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO api_tokens (token_hash, user_id, expires_at) \
         VALUES ($1, $2, now() + make_interval(secs => $3))",
        [token_hash(&token).into(), user_id.into(), seconds.into()],
    ))
    .await?;
    Ok(token)
}

/// The user a token belongs to, if it is a token this server issued and it has not expired or
/// been revoked.
///
/// ```no_run
/// # async fn f(db: multitenant_sea_orm::TenantDatabase) -> Result<(), projects::Error> {
/// assert_eq!(projects::auth::user_of_token(&db, "forged").await?, None);
/// # Ok(()) }
/// ```
pub async fn user_of_token(db: &TenantDatabase, token: &str) -> Result<Option<i64>, Error> {
    Ok(api_tokens::Entity::find_by_id(token_hash(token))
        .filter(Expr::col(api_tokens::Column::ExpiresAt).gt(Expr::cust("now()")))
        .one(&db.ambient())
        .await?
        .map(|t| t.user_id))
}

/// Who sent a tenant request and for which account: what [`caller`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The authenticated user.
    pub user: i64,
    /// The account the request is for: the one named, if the user owns it; without a name, the
    /// user's first (oldest) account. `None` when the user owns none (or not the one named).
    pub account: Option<i64>,
}

/// The user of `token` (if it is valid) and the account of the request, in one statement: the
/// `named` account if the user owns it, otherwise the user's first account. `None` for a token
/// that is not valid.
///
/// ```no_run
/// # async fn f(db: multitenant_sea_orm::TenantDatabase) -> Result<(), projects::Error> {
/// if let Some(caller) = projects::auth::caller(&db, "token", Some(7)).await? {
///     println!("user {} owns account 7: {}", caller.user, caller.account == Some(7));
/// }
/// # Ok(()) }
/// ```
pub async fn caller(
    db: &TenantDatabase,
    token: &str,
    named: Option<i64>,
) -> Result<Option<Caller>, Error> {
    let hash = token_hash(token).into();
    let stmt = match named {
        None => Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT t.user_id, (SELECT o.account_id FROM account_owners o \
             WHERE o.user_id = t.user_id ORDER BY o.account_id LIMIT 1) AS account_id \
             FROM api_tokens t WHERE t.token_hash = $1 AND t.expires_at > now()",
            [hash],
        ),
        Some(account) => Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT t.user_id, (SELECT o.account_id FROM account_owners o \
             WHERE o.user_id = t.user_id AND o.account_id = $2) AS account_id \
             FROM api_tokens t WHERE t.token_hash = $1 AND t.expires_at > now()",
            [hash, account.into()],
        ),
    };
    let Some(row) = db.ambient().query_one_raw(stmt).await? else {
        return Ok(None);
    };
    Ok(Some(Caller {
        user: row.try_get("", "user_id")?,
        account: row.try_get("", "account_id")?,
    }))
}

/// Revokes `token`: it authenticates no request any more. Returns whether it was valid.
///
/// ```no_run
/// # async fn f(db: multitenant_sea_orm::TenantDatabase) -> Result<(), projects::Error> {
/// assert!(!projects::auth::revoke_token(&db, "forged").await?);
/// # Ok(()) }
/// ```
pub async fn revoke_token(db: &TenantDatabase, token: &str) -> Result<bool, Error> {
    let res = api_tokens::Entity::delete_by_id(token_hash(token))
        .exec(&db.ambient())
        .await?;
    Ok(res.rows_affected > 0)
}

/// Revokes every token of `user_id` (after a password change). Returns how many there were.
///
/// ```no_run
/// # async fn f(db: multitenant_sea_orm::TenantDatabase) -> Result<(), projects::Error> {
/// let revoked = projects::auth::revoke_all_tokens(&db, 1).await?;
/// # let _ = revoked; Ok(()) }
/// ```
pub async fn revoke_all_tokens(db: &TenantDatabase, user_id: i64) -> Result<u64, Error> {
    let res = api_tokens::Entity::delete_many()
        .filter(api_tokens::Column::UserId.eq(user_id))
        .exec(&db.ambient())
        .await?;
    Ok(res.rows_affected)
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
    let token = bearer_token(headers)?;
    match user_of_token(db, token).await {
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(invalid_token()),
        Err(e) => Err(e.into()),
    }
}

/// 401 `invalid_token`: the bearer token has expired, was revoked or was never issued.
///
/// ```
/// assert_eq!(projects::auth::invalid_token().status().as_u16(), 401);
/// ```
pub fn invalid_token() -> ApiError {
    ApiError::unauthorized(
        "invalid_token",
        "the bearer token is not valid: it has expired, was revoked, or was never issued; \
         get a new one from POST /api/token",
    )
}

/// The token of `Authorization: Bearer <token>`: 401 `unauthenticated` without one.
///
/// ```
/// let mut headers = http::HeaderMap::new();
/// headers.insert(http::header::AUTHORIZATION, "Bearer abc".parse().unwrap());
/// assert_eq!(projects::auth::bearer_token(&headers).unwrap(), "abc");
/// assert_eq!(projects::auth::bearer_token(&http::HeaderMap::new()).unwrap_err().status().as_u16(), 401);
/// ```
pub fn bearer_token(headers: &http::HeaderMap) -> Result<&str, ApiError> {
    headers
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
        })
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
