//! The crate's one error type.

use crate::Finding;

/// Everything that can go wrong while checking, planning or applying; when `apply` or
/// `undistribute` fails, its transaction is rolled back and nothing has changed.
///
/// ```
/// let err = multitenant_citus::Error::Catalog { message: "bad facts".into() };
/// assert!(err.to_string().contains("bad facts"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The schema is invalid (e.g. an unreadable `multitenant.toml`).
    #[error(transparent)]
    Schema(#[from] multitenant::Error),
    /// Connecting to or reading from the database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A statement of the plan failed; the transaction was rolled back.
    #[error("`{sql}` failed, nothing was changed: {source}")]
    Step {
        /// The statement that failed.
        sql: String,
        /// The database's error.
        source: sqlx::Error,
    },
    /// Findings only the application's authors can fix: `plan` and `apply` refuse until they are.
    #[error(
        "{} finding(s) need a decision before the schema can be distributed:\n{}",
        findings.len(),
        findings.iter().map(|f| format!("  {f}")).collect::<Vec<_>>().join("\n")
    )]
    NeedsDecision {
        /// The findings.
        findings: Vec<Finding>,
    },
    /// Citus cannot undistribute a table with an identity column.
    #[error(
        "Citus cannot undistribute `{table}`: `{column}` is an identity column (use bigserial \
         for tables that may be undistributed)"
    )]
    IdentityColumn {
        /// The table.
        table: multitenant::TableName,
        /// Its identity column.
        column: String,
    },
    /// The catalog facts could not be decoded.
    #[error("unexpected catalog facts: {message}")]
    Catalog {
        /// The decoding error.
        message: String,
    },
}
