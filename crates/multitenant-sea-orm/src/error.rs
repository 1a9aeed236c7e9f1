//! The crate's error type, and how a scoping refusal travels through SeaORM's `DbErr`.
//!
//! SeaORM's traits return [`DbErr`], so a refusal by the scoper rides inside
//! `DbErr::TryIntoErr`, whose `source` keeps the typed [`multitenant::Error`] (the one variant of
//! `DbErr` that carries a typed error instead of a string). [`scope_error`] reads it back.

use std::sync::Arc;

use sea_orm::DbErr;

/// `DbErr::TryIntoErr::from` of a statement the scoper refused.
const CARRIER_FROM: &str = "SQL statement";
/// `DbErr::TryIntoErr::into` of a statement the scoper refused.
const CARRIER_INTO: &str = "tenant-scoped statement";

/// Everything this crate can fail with: a scoping refusal, or an error of SeaORM / the database.
///
/// ```
/// use multitenant_sea_orm::Error;
///
/// let err = Error::from(multitenant::Error::NoTenant { table: "projects".into() });
/// assert!(matches!(err.scope(), Some(multitenant::Error::NoTenant { .. })));
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The scoper refused the statement (no tenant set, cross-tenant write, unsupported
    /// construct, ...). Nothing was sent to the database, or the database rolled it back.
    #[error(transparent)]
    Scope(#[from] multitenant::Error),
    /// SeaORM or the database failed.
    #[error(transparent)]
    Db(DbErr),
}

impl Error {
    /// The scoping refusal, when that is what this is.
    ///
    /// ```
    /// let err = multitenant_sea_orm::Error::from(sea_orm::DbErr::RecordNotInserted);
    /// assert!(err.scope().is_none());
    /// ```
    pub fn scope(&self) -> Option<&multitenant::Error> {
        match self {
            Error::Scope(e) => Some(e),
            Error::Db(_) => None,
        }
    }
}

impl From<DbErr> for Error {
    /// Unwraps a scoping refusal carried inside a `DbErr`, so it arrives as [`Error::Scope`].
    ///
    /// ```
    /// use multitenant_sea_orm::{Error, into_db_err};
    ///
    /// let db_err = into_db_err(multitenant::Error::NoTenant { table: "tasks".into() });
    /// assert!(matches!(Error::from(db_err), Error::Scope(multitenant::Error::NoTenant { .. })));
    /// ```
    fn from(err: DbErr) -> Self {
        match scope_error(&err) {
            Some(scope) => Error::Scope(scope.clone()),
            None => Error::Db(err),
        }
    }
}

/// The typed scoping refusal carried by a `DbErr` that a scoped connection returned, if that is
/// what it is. This is how a caller of SeaORM's API (`find().all(&db)`, `insert(..).exec(&db)`)
/// tells a refusal apart from a database error.
///
/// ```no_run
/// # async fn f(db: multitenant_sea_orm::TenantDatabase) {
/// use sea_orm::{ConnectionTrait, Statement};
///
/// // no tenant set: a statement touching a tenant table is refused before it is sent
/// let conn = db.ambient();
/// let stmt = Statement::from_string(conn.get_database_backend(), "SELECT * FROM projects");
/// let err = conn.query_all_raw(stmt).await.unwrap_err();
/// assert!(matches!(
///     multitenant_sea_orm::scope_error(&err),
///     Some(multitenant::Error::NoTenant { .. })
/// ));
/// # }
/// ```
pub fn scope_error(err: &DbErr) -> Option<&multitenant::Error> {
    match err {
        DbErr::TryIntoErr {
            from: CARRIER_FROM,
            into: CARRIER_INTO,
            source,
        } => source.downcast_ref::<multitenant::Error>(),
        _ => None,
    }
}

/// Wraps a scoping refusal into the `DbErr` a scoped connection returns; [`scope_error`] reads
/// it back.
///
/// ```
/// let err = multitenant_sea_orm::into_db_err(multitenant::Error::NoTenant { table: "tasks".into() });
/// assert!(err.to_string().contains("no tenant is set"));
/// ```
pub fn into_db_err(err: multitenant::Error) -> DbErr {
    DbErr::TryIntoErr {
        from: CARRIER_FROM,
        into: CARRIER_INTO,
        source: Arc::new(err),
    }
}
