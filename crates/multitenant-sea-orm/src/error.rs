//! The crate's error type, and how a scoping refusal travels through SeaORM's `DbErr`.
//!
//! SeaORM runs on sqlx, and its traits return [`DbErr`]. A refusal (a statement the scoper
//! refused before sending it, or a cross-tenant write PostgreSQL refused) travels as the
//! database error it is: `DbErr::Exec` (statements that execute) or `DbErr::Query` (statements
//! that return rows) holding `RuntimeErr::SqlxError(sqlx::Error::Database(..))`, whose inner
//! error is a [`Refused`] with the core's SQLSTATE ([`multitenant::Error::sqlstate`]: `42501`
//! for another tenant's rows, `0A000` for an unsupported construct, ...). It is never a
//! connection error, so code that retries connection failures does not retry it;
//! [`scope_error`] gives back the typed core error.

use std::sync::Arc;

use sea_orm::{DbErr, RuntimeErr};

pub use multitenant_sqlx::Refused;

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
    /// use multitenant_sea_orm::{Carrier, Error, refused};
    ///
    /// let db_err = refused(Carrier::Query, multitenant::Error::NoTenant { table: "tasks".into() });
    /// assert!(matches!(Error::from(db_err), Error::Scope(multitenant::Error::NoTenant { .. })));
    /// ```
    fn from(err: DbErr) -> Self {
        match scope_error(&err) {
            Some(scope) => Error::Scope(scope.clone()),
            None => Error::Db(err),
        }
    }
}

/// Which `DbErr` variant a refusal takes: SeaORM reports failures of statements that execute as
/// `DbErr::Exec` and of statements that return rows as `DbErr::Query`.
///
/// ```
/// let kind = multitenant_sea_orm::Carrier::Exec;
/// # let _ = kind;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Carrier {
    /// `execute_raw`, `execute_unprepared`.
    Exec,
    /// `query_one_raw`, `query_all_raw`, `stream_raw`.
    Query,
}

/// The typed scoping refusal carried by a `DbErr` that a scoped connection returned, if that is
/// what it is. This is how a caller of SeaORM's API (`find().all(&db)`, `insert(..).exec(&db)`)
/// tells a refusal apart from a database or connection error.
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
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            multitenant_sqlx::scope_error(e)
        }
        _ => None,
    }
}

/// A scoping refusal as the `DbErr` a scoped connection returns; [`scope_error`] reads it back.
///
/// ```
/// use multitenant_sea_orm::{Carrier, refused};
///
/// let err = refused(Carrier::Exec, multitenant::Error::NoTenant { table: "tasks".into() });
/// assert!(matches!(err, sea_orm::DbErr::Exec(_)));
/// assert!(err.to_string().contains("no tenant is set"));
/// ```
pub fn refused(carrier: Carrier, err: multitenant::Error) -> DbErr {
    let runtime = RuntimeErr::SqlxError(Arc::new(Refused::into_sqlx(err)));
    match carrier {
        Carrier::Exec => DbErr::Exec(runtime),
        Carrier::Query => DbErr::Query(runtime),
    }
}
