//! Which account a tenant request is for (django-multitenant's `get_tenant`): the authenticated
//! caller's account named by `X-Account-Id`, or the caller's first account.

use multitenant::TenantKey;
use multitenant_axum::ApiError;
use multitenant_axum::resolve::{FromFn, from_fn, tenant_header};
use multitenant_sea_orm::TenantDatabase;

use super::ACCOUNT_HEADER;
use crate::{auth, ownership};

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
            let user = auth::authenticate(&db, &parts.headers).await?;
            let header = http::HeaderName::from_static(ACCOUNT_HEADER);
            let Some(named) = tenant_header(&parts.headers, &header)? else {
                let first = ownership::first_account(&db, user).await?;
                return Ok(first.map(TenantKey::Int));
            };
            let id: i64 = named
                .to_str()
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "invalid_account",
                        "X-Account-Id must be an account id (an integer)",
                    )
                })?;
            if !ownership::owns(&db, user, id).await? {
                return Err(ApiError::forbidden(
                    "not_your_account",
                    format!("you do not own account {id}"),
                ));
            }
            Ok(Some(TenantKey::Int(id)))
        }
    })
}
