//! Who is calling and for which account, in one statement: the bearer token's user, and either
//! whether that user owns the account `X-Account-Id` names, or the user's first account.

use axum::http::HeaderMap;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use crate::ApiError;
use crate::sql;

const ACCOUNT_HEADER: &str = "x-account-id";

/// The account a tenant request runs for: the one `X-Account-Id` names, which the token's user
/// must own, or the user's first (lowest) account. 401 without a valid token, 400 for a header
/// that is no integer or given twice, 403 for an account the user does not own or when the user
/// owns none. One statement either way.
pub(crate) async fn account_of(pool: &PgPool, headers: &HeaderMap) -> Result<i64, ApiError> {
    let hash = hex::encode(Sha256::digest(bearer_token(headers)?.as_bytes()));
    let named = named_account(headers);
    let Ok(Some(account)) = named else {
        // No header, or one that does not name an account: authenticate (401 first, as a
        // client without a valid token learns nothing else), then answer for the header.
        let found: Option<(i64, Option<i64>)> = sqlx::query_as(sql::AUTH_FIRST_ACCOUNT)
            .bind(&hash)
            .fetch_optional(pool)
            .await?;
        let (_user, first) = found.ok_or_else(invalid_token)?;
        named?;
        return first.ok_or_else(|| {
            ApiError::forbidden(
                "no_account",
                "you own no account yet; create one with POST /api/accounts",
            )
        });
    };
    let found: Option<(i64, bool)> = sqlx::query_as(sql::AUTH_NAMED_ACCOUNT)
        .bind(&hash)
        .bind(account)
        .fetch_optional(pool)
        .await?;
    match found {
        None => Err(invalid_token()),
        Some((_user, true)) => Ok(account),
        Some((_user, false)) => Err(ApiError::forbidden(
            "not_your_account",
            format!("you do not own account {account}"),
        )),
    }
}

/// The token of `Authorization: Bearer <token>`: 401 `unauthenticated` without one.
fn bearer_token(headers: &HeaderMap) -> Result<&str, ApiError> {
    headers
        .get(axum::http::header::AUTHORIZATION)
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

fn invalid_token() -> ApiError {
    ApiError::unauthorized(
        "invalid_token",
        "the bearer token is not valid: it has expired, was revoked, or was never issued; \
         get a new one from POST /api/token",
    )
}

/// The account `X-Account-Id` names, `None` without the header; 400 when it is given twice or
/// is no integer.
fn named_account(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let mut values = headers.get_all(ACCOUNT_HEADER).iter();
    let value = match (values.next(), values.next()) {
        (None, _) => return Ok(None),
        (Some(value), None) => value,
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request(
                "invalid_tenant",
                format!("header {ACCOUNT_HEADER} is given more than once; name one tenant"),
            ));
        }
    };
    value
        .to_str()
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .map(Some)
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_account",
                "X-Account-Id must be an account id (an integer)",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn the_token_follows_bearer() {
        let ok = headers(&[("authorization", "Bearer  abc ")]);
        assert_eq!(bearer_token(&ok).unwrap(), "abc");
        for bad in ["Basic abc", "Bearer ", "bearer abc"] {
            let err = bearer_token(&headers(&[("authorization", bad)])).unwrap_err();
            assert_eq!(err.code(), "unauthenticated", "{bad}");
        }
        assert!(bearer_token(&HeaderMap::new()).is_err());
    }

    #[test]
    fn the_account_header_is_one_integer() {
        assert_eq!(named_account(&HeaderMap::new()).unwrap(), None);
        let one = headers(&[("x-account-id", " 7 ")]);
        assert_eq!(named_account(&one).unwrap(), Some(7));
        let text = headers(&[("x-account-id", "seven")]);
        assert_eq!(named_account(&text).unwrap_err().code(), "invalid_account");
        let twice = headers(&[("x-account-id", "1"), ("x-account-id", "2")]);
        assert_eq!(named_account(&twice).unwrap_err().code(), "invalid_tenant");
    }
}
