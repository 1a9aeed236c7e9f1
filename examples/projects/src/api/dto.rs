//! The JSON bodies of the hand-written routes (the CRUD routes send and take the entities'
//! models; every list is a [`multitenant_axum::Page`]).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /api/users` and `POST /api/token` body.
///
/// ```
/// let creds: projects::api::Credentials =
///     serde_json::from_str(r#"{"username": "ada", "password": "analytical engine"}"#).unwrap();
/// assert_eq!(creds.username, "ada");
/// ```
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    /// 1 to 64 characters, no spaces, control, zero-width or bidirectional characters; compared
    /// after NFKC normalisation and lowercasing (`Ada` and `ada` are one user).
    pub username: String,
    /// On sign-up: at least 10 characters, not only spaces, not the username, not a common
    /// password.
    pub password: String,
}

/// A user as the API shows it (never the password hash).
///
/// ```
/// let user = projects::api::UserOut { id: 1, username: "ada".into() };
/// assert_eq!(serde_json::to_value(&user).unwrap(), serde_json::json!({"id": 1, "username": "ada"}));
/// ```
#[derive(Serialize, ToSchema)]
pub struct UserOut {
    /// Id.
    pub id: i64,
    /// Login name.
    pub username: String,
}

/// `POST /api/token` response.
///
/// ```
/// let out = projects::api::TokenOut { token: "abc".into() };
/// assert_eq!(serde_json::to_value(&out).unwrap()["token"], "abc");
/// ```
#[derive(Serialize, ToSchema)]
pub struct TokenOut {
    /// Send it as `Authorization: Bearer <token>`.
    pub token: String,
}

/// `POST /api/accounts` body.
///
/// ```
/// let new: projects::api::NewAccount = serde_json::from_str(
///     r#"{"name": "Acme", "domain": "acme.com", "subdomain": "acme", "country_id": 250}"#,
/// ).unwrap();
/// assert_eq!(new.country_id, 250);
/// ```
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    /// Display name: 1 to 200 characters, no control characters.
    pub name: String,
    /// The customer's domain: 1 to 200 characters, no control characters.
    pub domain: String,
    /// Subdomain: a DNS label (1 to 63 of `a-z`, `0-9`, `-`, no `-` at either end), stored
    /// lowercased; unique across accounts (409 when taken).
    pub subdomain: String,
    /// A country id from `GET /api/countries`.
    pub country_id: i64,
}

/// `POST /api/projects/{id}/managers` body.
///
/// ```
/// let a: projects::api::Assignment = serde_json::from_str(r#"{"manager_id": 3}"#).unwrap();
/// assert_eq!(a.manager_id, 3);
/// ```
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    /// A manager of the same account.
    pub manager_id: i64,
}

/// `POST /api/users/me/password` body.
///
/// ```
/// let change: projects::api::PasswordChange = serde_json::from_str(
///     r#"{"current_password": "correct horse battery", "new_password": "staple battery horse"}"#,
/// ).unwrap();
/// assert_eq!(change.new_password, "staple battery horse");
/// ```
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The password the user has now.
    pub current_password: String,
    /// The new password, held to the sign-up rules, and not the current one.
    pub new_password: String,
}
