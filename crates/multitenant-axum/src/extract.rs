//! Extractors for the tenant that [`crate::TenantLayer`] resolved, and for a database handle
//! scoped to it.

use axum::extract::{FromRef, FromRequestParts};
use http::StatusCode;
use http::request::Parts;
use multitenant::TenantKey;
use multitenant_sea_orm::{TenantConnection, TenantDatabase};

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

/// A SeaORM connection scoped to this request's tenant: the only way a handler needs to reach
/// tenant tables. Taken from a [`TenantDatabase`] in the router's state.
///
/// ```
/// use multitenant_axum::TenantConn;
/// use sea_orm::ConnectionTrait;
///
/// async fn handler(TenantConn(conn): TenantConn) -> String {
///     // `conn` scopes every statement to the request's tenant.
///     format!("{:?}", conn.get_database_backend())
/// }
/// ```
pub struct TenantConn(pub TenantConnection);

impl<S> FromRequestParts<S> for TenantConn
where
    S: Send + Sync,
    TenantDatabase: FromRef<S>,
{
    type Rejection = TenantRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Tenant(key) = Tenant::from_request_parts(parts, state).await?;
        Ok(TenantConn(TenantDatabase::from_ref(state).tenant(key)))
    }
}
