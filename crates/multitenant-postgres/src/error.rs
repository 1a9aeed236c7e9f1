//! The crate's error: a scoping refusal, or what tokio-postgres or the pool reports.

use deadpool_postgres::PoolError;
use multitenant::adapter::CrossTenantCheck;
use tokio_postgres::{error::SqlState, types::Type};

/// Everything a scoped client can fail with; a scoping refusal is [`Error::Refused`].
/// ```
/// use multitenant_postgres::Error;
/// let err = Error::from(multitenant::Error::NoTenant { table: "tasks".into() });
/// assert!(matches!(err, Error::Refused(multitenant::Error::NoTenant { .. })));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The scoper refused the statement, or PostgreSQL a cross-tenant write: nothing written.
    #[error(transparent)]
    Refused(#[from] multitenant::Error),
    /// The database or the driver failed.
    #[error(transparent)]
    Db(#[from] tokio_postgres::Error),
    /// No connection from the pool.
    #[error(transparent)]
    Pool(#[from] PoolError),
    /// The tenant key does not fit the type PostgreSQL inferred for the tenant parameter.
    #[error("the tenant key cannot be bound as ${param}, of type {ty}: use the column's key kind")]
    TenantType {
        /// The tenant parameter, `$param`.
        param: usize,
        /// Its type, inferred from the tenant column.
        ty: Type,
    },
}

impl Error {
    /// The SQLSTATE: the core's for a refusal, the database's for its errors, else `42804`.
    /// ```
    /// let err = multitenant_postgres::Error::from(multitenant::Error::NoTenant { table: "t".into() });
    /// assert_eq!(err.sqlstate(), Some("42501"));
    /// ```
    pub fn sqlstate(&self) -> Option<&str> {
        match self {
            Error::Refused(e) => Some(e.sqlstate()),
            Error::Db(e) | Error::Pool(PoolError::Backend(e)) => e.code().map(SqlState::code),
            Error::TenantType { .. } => Some(SqlState::DATATYPE_MISMATCH.code()),
            Error::Pool(_) => None,
        }
    }
    /// A database error, or the cross-tenant write it reports.
    pub(crate) fn from_db(e: tokio_postgres::Error, check: &CrossTenantCheck) -> Error {
        let (code, db) = (e.code().map(SqlState::code), e.as_db_error());
        let refusal = db.and_then(|db| check.recognise(code, db.message()));
        refusal.map_or(Error::Db(e), Error::Refused)
    }
}

/// The scoping refusal, if that is what `err` is (as in the other adapters).
/// ```
/// let err = multitenant_postgres::Error::from(multitenant::Error::NoTenant { table: "t".into() });
/// assert!(matches!(multitenant_postgres::scope_error(&err), Some(multitenant::Error::NoTenant { .. })));
/// ```
pub fn scope_error(err: &Error) -> Option<&multitenant::Error> {
    match err {
        Error::Refused(e) => Some(e),
        _ => None,
    }
}
