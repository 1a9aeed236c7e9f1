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
    /// A tenant key that is not of the schema's key kind (`abc` for a `bigint` key).
    #[error("malformed tenant key `{value}`: expected a {expected} key")]
    MalformedKey {
        /// The key as given (at most 64 characters).
        value: String,
        /// The schema's key kind.
        expected: multitenant::KeyKind,
    },
    /// No row of the tenant root table has this key.
    #[error("no tenant `{key}`: {root} has no row with that key")]
    UnknownTenant {
        /// The key.
        key: String,
        /// The tenant root table.
        root: multitenant::TableName,
    },
    /// A tenant operation needs the tenant root table, and the schema names none.
    #[error("the schema names no tenant root table (the table whose key is the tenant key)")]
    NoRoot,
    /// The schema names a table the database does not have.
    #[error("{table} is in the schema but not in the database")]
    MissingTable {
        /// The table.
        table: multitenant::TableName,
    },
    /// The tenant tables' foreign keys form a cycle, so no table can come first.
    #[error(
        "the foreign keys between {} form a cycle: no order loads parents before children",
        tables.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    )]
    ForeignKeyCycle {
        /// The tables on the cycle.
        tables: Vec<multitenant::TableName>,
    },
    /// An imported row is already in the database; the import was rolled back.
    #[error("{table}: the row {key} already exists, nothing was imported")]
    RowExists {
        /// The table.
        table: multitenant::TableName,
        /// The row's key, `(account_id, id)=(1, 7)`.
        key: String,
    },
    /// Reading or writing an export's files failed.
    #[error("{}: {message}", path.display())]
    Io {
        /// The file or directory.
        path: std::path::PathBuf,
        /// What went wrong.
        message: String,
    },
    /// An export that does not fit this database's schema, or is damaged.
    #[error("cannot import {}: {message}", path.display())]
    BadExport {
        /// The export's directory or file.
        path: std::path::PathBuf,
        /// What does not fit.
        message: String,
    },
    /// The operation needs Citus and the database does not have the extension.
    #[error("{operation} needs Citus: the citus extension is not installed in this database")]
    NotCitus {
        /// The operation (`isolate`, `rebalance`).
        operation: &'static str,
    },
    /// A node that is not an active worker of the cluster.
    #[error("{node} is not an active worker node (see citus_get_active_worker_nodes())")]
    UnknownNode {
        /// The node as `host:port`.
        node: String,
    },
    /// A background rebalance ended without finishing.
    #[error("the rebalance job {job} ended {state}: {details}")]
    Rebalance {
        /// The job id.
        job: i64,
        /// Its final state.
        state: String,
        /// `citus_rebalance_status()`'s details.
        details: String,
    },
    /// The catalog facts could not be decoded.
    #[error("unexpected catalog facts: {message}")]
    Catalog {
        /// The decoding error.
        message: String,
    },
}
