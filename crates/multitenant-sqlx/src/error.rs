//! Errors: sqlx's executors return `sqlx::Error`, so a scoping refusal travels inside one
//! (as `sqlx::Error::AnyDriverError`) with its type intact; [`scope_error`] gives it back.

use multitenant::Scope;

/// The errors of this crate's own functions.
///
/// ```
/// let e = multitenant_sqlx::Error::from(multitenant::Error::NoTenant { table: "tasks".into() });
/// assert!(e.to_string().contains("no tenant"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The scoper refused the statement.
    #[error(transparent)]
    Scope(#[from] multitenant::Error),
    /// The database or driver failed.
    #[error(transparent)]
    Sqlx(sqlx::Error),
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        match scope_error(&e) {
            Some(scope) => Error::Scope(scope.clone()),
            None => Error::Sqlx(e),
        }
    }
}

/// The scoping refusal inside an `sqlx::Error`, if that is what it is.
///
/// ```
/// let e = sqlx::Error::AnyDriverError(Box::new(multitenant::Error::NoTenant { table: "t".into() }));
/// assert!(matches!(multitenant_sqlx::scope_error(&e), Some(multitenant::Error::NoTenant { .. })));
/// assert!(multitenant_sqlx::scope_error(&sqlx::Error::RowNotFound).is_none());
/// ```
pub fn scope_error(err: &sqlx::Error) -> Option<&multitenant::Error> {
    match err {
        sqlx::Error::AnyDriverError(inner) => inner.downcast_ref::<multitenant::Error>(),
        _ => None,
    }
}

pub(crate) fn scope_failure(e: multitenant::Error) -> sqlx::Error {
    sqlx::Error::AnyDriverError(Box::new(e))
}

/// Turns the error PostgreSQL raises for an INSERT naming another tenant into the core's
/// `CrossTenantWrite`; every other error passes unchanged.
pub(crate) fn map_database_error(e: sqlx::Error, scope: Option<&Scope>) -> sqlx::Error {
    if let sqlx::Error::Database(db) = &e
        && let Some(scope_err) =
            multitenant::cross_tenant_write_from_db(db.message(), scope.and_then(Scope::tenant))
    {
        return scope_failure(scope_err);
    }
    e
}
