//! Extractors for the tenant that [`crate::TenantLayer`] resolved, and for a database handle
//! scoped to it: [`TenantConn`] (feature `sea-orm`), [`TenantSqlx`] (feature `sqlx`).

#[cfg(any(feature = "sea-orm", feature = "sqlx"))]
use axum::extract::FromRef;
use axum::extract::FromRequestParts;
use http::StatusCode;
use http::request::Parts;
use multitenant::TenantKey;
#[cfg(feature = "sea-orm")]
use multitenant_sea_orm::{TenantConnection, TenantDatabase};
#[cfg(feature = "sqlx")]
use multitenant_sqlx::{TenantPool, TenantTransaction, Tenanted};

use crate::ApiError;

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
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Tenant>().cloned().ok_or_else(|| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "tenant_layer_missing",
                "this route reads the tenant but no TenantLayer resolves it; add one to the router",
            )
        })
    }
}

#[cfg(feature = "sea-orm")]
/// A SeaORM connection scoped to this request's tenant: the only way a handler needs to reach
/// tenant tables. Taken from a [`TenantDatabase`] in the router's state.
///
/// ```
/// use multitenant_axum::{ApiError, TenantConn};
/// use sea_orm::{ConnectionTrait, Statement};
///
/// // `conn` scopes every statement to the request's tenant; a scoping refusal or a database
/// // error becomes the matching JSON error response.
/// async fn handler(TenantConn(conn): TenantConn) -> Result<String, ApiError> {
///     let sql = "DELETE FROM tasks WHERE done";
///     let done = conn.execute_raw(Statement::from_string(conn.get_database_backend(), sql)).await?;
///     Ok(done.rows_affected().to_string())
/// }
/// ```
pub struct TenantConn(pub TenantConnection);

#[cfg(feature = "sea-orm")]
impl<S> FromRequestParts<S> for TenantConn
where
    S: Send + Sync,
    TenantDatabase: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Tenant(key) = Tenant::from_request_parts(parts, state).await?;
        Ok(TenantConn(TenantDatabase::from_ref(state).tenant(key)))
    }
}

#[cfg(feature = "sqlx")]
/// An sqlx executor source scoped to this request's tenant, taken from a
/// [`multitenant_sqlx::TenantPool`] in the router's state.
///
/// ```
/// use multitenant_axum::{ApiError, TenantSqlx};
///
/// // A scoping refusal or a database error becomes the matching JSON error response.
/// async fn handler(db: TenantSqlx) -> Result<String, ApiError> {
///     let n: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks")
///         .fetch_one(db.executor())
///         .await?;
///     Ok(n.to_string())
/// }
/// ```
#[derive(Clone, Debug)]
pub struct TenantSqlx {
    pool: TenantPool,
    tenant: TenantKey,
}

#[cfg(feature = "sqlx")]
impl TenantSqlx {
    /// An executor for one statement (`&PgPool` underneath, scoped to the request's tenant).
    ///
    /// ```no_run
    /// # async fn f(db: multitenant_axum::TenantSqlx) -> Result<(), sqlx::Error> {
    /// sqlx::query("DELETE FROM tasks WHERE done").execute(db.executor()).await?;
    /// # Ok(()) }
    /// ```
    pub fn executor(&self) -> Tenanted<&sqlx::PgPool> {
        self.pool.tenant(self.tenant.clone())
    }

    /// Begins a transaction scoped to the request's tenant.
    ///
    /// ```no_run
    /// # async fn f(db: multitenant_axum::TenantSqlx) -> Result<(), sqlx::Error> {
    /// let mut tx = db.begin().await?;
    /// sqlx::query("DELETE FROM tasks WHERE done").execute(tx.executor()).await?;
    /// tx.commit().await
    /// # }
    /// ```
    pub async fn begin(&self) -> Result<TenantTransaction, sqlx::Error> {
        self.pool.tenant(self.tenant.clone()).begin().await
    }

    /// The request's tenant.
    ///
    /// ```no_run
    /// # fn f(db: multitenant_axum::TenantSqlx) { let _ = db.tenant(); }
    /// ```
    pub fn tenant(&self) -> &TenantKey {
        &self.tenant
    }
}

#[cfg(feature = "sqlx")]
impl<S> FromRequestParts<S> for TenantSqlx
where
    S: Send + Sync,
    TenantPool: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Tenant(tenant) = Tenant::from_request_parts(parts, state).await?;
        Ok(TenantSqlx {
            pool: TenantPool::from_ref(state),
            tenant,
        })
    }
}
