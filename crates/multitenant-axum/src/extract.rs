//! Extractors for the tenant that [`crate::TenantLayer`] resolved.

use axum::extract::FromRequestParts;
use http::StatusCode;
use http::request::Parts;
use multitenant::TenantKey;

use crate::TenantRejection;

/// The tenant of this request, as resolved by [`crate::TenantLayer`].
///
/// ```
/// use multitenant_axum::Tenant;
///
/// async fn handler(Tenant(key): Tenant) -> String {
///     format!("tenant {key}")
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tenant(pub TenantKey);

impl<S: Send + Sync> FromRequestParts<S> for Tenant {
    type Rejection = TenantRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Tenant>().cloned().ok_or_else(|| {
            TenantRejection::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "tenant_layer_missing",
                "this route reads the tenant but no TenantLayer resolves it; add one to the router",
            )
        })
    }
}
