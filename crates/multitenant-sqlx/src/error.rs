//! Errors. sqlx's executors return `sqlx::Error`, so a scoping refusal travels inside one, with
//! a shape that says what it is: `sqlx::Error::Database` holding a [`Refused`], whose SQLSTATE
//! is the core's [`multitenant::Error::sqlstate`] (`42501` for a refusal to touch another
//! tenant's rows, `0A000` for an unsupported construct, ...). Code that sorts database errors by
//! code or kind sees a permanent error, never one to retry; [`scope_error`] gives back the typed
//! core error.

use std::borrow::Cow;

use sqlx::error::{DatabaseError, ErrorKind};

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

/// A statement refused by the scoper (before it was sent), or a cross-tenant write refused by
/// PostgreSQL and recognised: what `sqlx::Error::Database` holds when a scoped executor refuses.
///
/// ```
/// use multitenant_sqlx::Refused;
///
/// let err = Refused::into_sqlx(multitenant::Error::NoTenant { table: "tasks".into() });
/// let db = err.as_database_error().unwrap();
/// assert_eq!(db.code().as_deref(), Some("42501"));
/// let refused = db.try_downcast_ref::<Refused>().unwrap();
/// assert!(matches!(refused.error(), multitenant::Error::NoTenant { .. }));
/// ```
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Refused {
    error: multitenant::Error,
    message: String,
}

impl Refused {
    /// The core's typed error.
    ///
    /// ```
    /// let r = multitenant_sqlx::Refused::from(multitenant::Error::NoTenant { table: "t".into() });
    /// assert!(matches!(r.error(), multitenant::Error::NoTenant { .. }));
    /// ```
    pub fn error(&self) -> &multitenant::Error {
        &self.error
    }

    /// The refusal as the `sqlx::Error` a scoped executor returns.
    ///
    /// ```
    /// let e = multitenant_sqlx::Refused::into_sqlx(multitenant::Error::NoTenant { table: "t".into() });
    /// assert!(matches!(e, sqlx::Error::Database(_)));
    /// ```
    pub fn into_sqlx(error: multitenant::Error) -> sqlx::Error {
        sqlx::Error::Database(Box::new(Refused::from(error)))
    }
}

impl From<multitenant::Error> for Refused {
    fn from(error: multitenant::Error) -> Self {
        Refused {
            message: error.to_string(),
            error,
        }
    }
}

impl DatabaseError for Refused {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Borrowed(self.error.sqlstate()))
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Other
    }
}

/// The scoping refusal inside an `sqlx::Error`, if that is what it is.
///
/// ```
/// use multitenant_sqlx::{Refused, scope_error};
///
/// let e = Refused::into_sqlx(multitenant::Error::NoTenant { table: "t".into() });
/// assert!(matches!(scope_error(&e), Some(multitenant::Error::NoTenant { .. })));
/// assert!(scope_error(&sqlx::Error::PoolTimedOut).is_none());
/// ```
pub fn scope_error(err: &sqlx::Error) -> Option<&multitenant::Error> {
    err.as_database_error()?
        .try_downcast_ref::<Refused>()
        .map(Refused::error)
}
