//! Which account a tenant request is for (django-multitenant's `get_tenant`): the authenticated
//! caller's account named by `X-Account-Id`, or the caller's first account.

use multitenant::TenantKey;
use multitenant_axum::ApiError;
use multitenant_axum::resolve::{FromFn, from_fn, tenant_header};
use multitenant_sea_orm::TenantDatabase;

use super::ACCOUNT_HEADER;
use crate::auth;

/// The tenant resolver of the app's tenant routes: 401 without a valid token, 400 for an
/// `X-Account-Id` that is no integer or given twice, 403 for an account the caller does not own; no tenant
/// (so the layer's "no account" error) when the caller owns none.
///
/// ```no_run
/// # fn f(db: multitenant_sea_orm::TenantDatabase) {
/// use multitenant_axum::TenantLayer;
/// let layer = TenantLayer::new(projects::api::resolver::account_of_request(db));
/// # let _ = layer; }
/// ```
pub fn account_of_request(db: TenantDatabase) -> FromFn {
    from_fn(move |parts: http::request::Parts| {
        let db = db.clone();
        async move {
            let token = auth::bearer_token(&parts.headers)?;
            // Read now, judged after the token: a request without a valid token is 401,
            // whatever its header says.
            let named = named_account(&parts.headers);
            // The token, its user and the account in one statement.
            let asked = named.as_ref().ok().copied().flatten();
            let caller = auth::caller(&db, token, asked)
                .await?
                .ok_or_else(auth::invalid_token)?;
            let named = named?;
            let Some(id) = named else {
                return Ok(caller.account.map(TenantKey::Int));
            };
            if caller.account != Some(id) {
                return Err(ApiError::forbidden(
                    "not_your_account",
                    format!("you do not own account {id}"),
                ));
            }
            Ok(Some(TenantKey::Int(id)))
        }
    })
}

/// The account `X-Account-Id` names, if the header is there: 400 when it is no integer or
/// given twice.
fn named_account(headers: &http::HeaderMap) -> Result<Option<i64>, ApiError> {
    let header = http::HeaderName::from_static(ACCOUNT_HEADER);
    let Some(named) = tenant_header(headers, &header)? else {
        return Ok(None);
    };
    named
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
