//! The app's error type.

/// Everything starting, migrating or seeding the app can fail with.
///
/// ```
/// let err = projects::Error::from(multitenant::Error::NoTenant { table: "projects".into() });
/// assert!(err.to_string().contains("projects"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The scoper refused a statement, or the database failed.
    #[error(transparent)]
    Db(#[from] multitenant_sea_orm::Error),
    /// Hashing a password failed.
    #[error("cannot hash the password: {0}")]
    Password(#[from] argon2::password_hash::Error),
    /// The database URL names no database.
    #[error("the database URL `{url}` names no database (expected postgres://host/name)")]
    DatabaseUrl {
        /// The URL given.
        url: String,
    },
    /// Binding or serving the socket failed.
    #[error("cannot serve: {0}")]
    Io(#[from] std::io::Error),
}

impl From<sea_orm::DbErr> for Error {
    fn from(err: sea_orm::DbErr) -> Self {
        Error::Db(err.into())
    }
}

impl From<multitenant::Error> for Error {
    fn from(err: multitenant::Error) -> Self {
        Error::Db(err.into())
    }
}

impl From<Error> for multitenant_axum::ApiError {
    /// A database failure or scoping refusal as the status `ApiError` gives it (a database that
    /// went away is a 503); anything else a logged 500.
    fn from(err: Error) -> Self {
        match err {
            Error::Db(db) => db.into(),
            other => multitenant_axum::ApiError::internal(&other),
        }
    }
}
