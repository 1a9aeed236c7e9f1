//! The one error type of the core: every way scoping can refuse a statement, each with the
//! context a user needs to fix it.

use crate::KeyKind;

/// Everything the core can refuse, with what to do about it.
///
/// ```
/// use multitenant::{Error, Schema, Scoper};
///
/// let schema = Schema::builder().tenant_table("project", "account_id").build().unwrap();
/// let scoper = Scoper::new(schema);
/// let err = scoper.rewrite("SELECT * FROM project", None).unwrap_err();
/// assert!(matches!(err, Error::NoTenant { ref table } if table == "project"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A statement touches a tenant table and no tenant is set.
    #[error(
        "no tenant is set and the statement touches tenant table `{table}`: run it inside a tenant \
         scope (`multitenant::scope`, a scoped handle), or leave the scope explicitly with `unscoped`"
    )]
    NoTenant {
        /// The first tenant table the statement touches.
        table: String,
    },

    /// A write names a tenant other than the current one.
    #[error(
        "cross-tenant write to `{table}`: `{column}` is {value}, but the current tenant is \
         {current}; leave the tenant column out and it is filled in"
    )]
    CrossTenantWrite {
        /// The tenant table written to.
        table: String,
        /// Its tenant column.
        column: String,
        /// The value the statement wrote.
        value: String,
        /// The current tenant.
        current: String,
    },

    /// An UPDATE (or `ON CONFLICT DO UPDATE`) assigns the tenant column.
    #[error(
        "`{table}.{column}` is the tenant column and cannot be assigned: a row never changes \
         tenant; remove `{column}` from the SET list"
    )]
    TenantColumnAssignment {
        /// The tenant table.
        table: String,
        /// Its tenant column.
        column: String,
    },

    /// The statement uses a construct the scoper cannot prove safe for a tenant table.
    #[error("cannot scope {construct}: {hint}")]
    Unsupported {
        /// The construct, as it appears in SQL (`TRUNCATE of tenant table "task"`, `MERGE`, ...).
        construct: String,
        /// What to do instead.
        hint: String,
    },

    /// The SQL text does not parse.
    #[error("SQL does not parse{}: {message}", position.map(|p| format!(" at byte {p}")).unwrap_or_default())]
    Parse {
        /// PostgreSQL's parser message.
        message: String,
        /// Byte offset of the offending token, when known.
        position: Option<usize>,
    },

    /// A statement without bind parameters (simple protocol) would need the tenant key as a
    /// literal, and this key kind cannot be written as one safely.
    #[error(
        "a statement without bind parameters cannot carry a {kind} tenant key as a literal: send \
         it with bind parameters (a prepared statement)"
    )]
    LiteralKeyNotSafe {
        /// The kind of the current key.
        kind: KeyKind,
    },

    /// A tenant key does not have the schema's key type.
    #[error("`{value}` is not a valid {expected} tenant key")]
    InvalidTenantKey {
        /// The value that was given (truncated).
        value: String,
        /// The schema's key type.
        expected: KeyKind,
    },

    /// The statement's bind parameters do not match the rewrite (the tenant parameter must come
    /// right after the statement's own parameters).
    #[error(
        "the statement carries {given} bind values but its highest placeholder is ${highest}: \
         bind exactly one value per placeholder"
    )]
    ParameterMismatch {
        /// Values bound by the caller.
        given: usize,
        /// Highest `$n` in the SQL text.
        highest: usize,
    },

    /// A row-level-security setting name that is not a dotted name of identifiers.
    ///
    /// ```
    /// let err = multitenant::Setting::new("tenant").unwrap_err();
    /// assert_eq!(err.sqlstate(), "42602");
    /// ```
    #[error(
        "`{name}` is not a setting name the row-level-security backstop can use: give a dotted \
         name of identifiers, like `multitenant.tenant`"
    )]
    InvalidSetting {
        /// The name given.
        name: String,
    },

    /// A text tenant key that cannot be stored in the row-level-security setting, where keys are
    /// separated by commas.
    ///
    /// ```
    /// let err = multitenant::Setting::default().value(&multitenant::Scope::one("a,b")).unwrap_err();
    /// assert_eq!(err.sqlstate(), "22023");
    /// ```
    #[error(
        "tenant key `{value}` contains a comma and cannot be stored in the row-level-security \
         setting: use tenant keys without commas with the backstop on"
    )]
    KeyNotSettable {
        /// The key.
        value: String,
    },

    /// A schema definition is invalid; the [`SchemaError`](crate::SchemaError) says why (boxed,
    /// so that every `Result` carrying an [`Error`] stays small).
    #[error("invalid schema: {0}")]
    InvalidSchema(Box<crate::SchemaError>),
}

impl Error {
    /// The SQLSTATE a driver reports for this refusal, so that code which only looks at
    /// database error codes treats it as what it is: permanent, never worth a retry.
    /// Refusals to touch another tenant's rows are `42501` (insufficient privilege),
    /// constructs the scoper does not support `0A000` (feature not supported), unparseable SQL
    /// `42601` (syntax error), a malformed tenant key `22P02`, a bind-count mismatch `42P02`
    /// (undefined parameter) and an invalid schema `42P17` (invalid object definition).
    ///
    /// ```
    /// let err = multitenant::Error::NoTenant { table: "tasks".into() };
    /// assert_eq!(err.sqlstate(), "42501");
    /// ```
    pub fn sqlstate(&self) -> &'static str {
        match self {
            Error::NoTenant { .. }
            | Error::CrossTenantWrite { .. }
            | Error::TenantColumnAssignment { .. } => "42501",
            Error::Unsupported { .. } | Error::LiteralKeyNotSafe { .. } => "0A000",
            Error::Parse { .. } => "42601",
            Error::InvalidTenantKey { .. } => "22P02",
            Error::ParameterMismatch { .. } => "42P02",
            Error::InvalidSchema { .. } => "42P17",
            Error::InvalidSetting { .. } => "42602",
            Error::KeyNotSettable { .. } => "22023",
        }
    }

    pub(crate) fn unsupported(construct: impl Into<String>, hint: impl Into<String>) -> Self {
        Error::Unsupported {
            construct: construct.into(),
            hint: hint.into(),
        }
    }
}

/// Text the rewritten SQL puts in the error PostgreSQL raises when an INSERT names another
/// tenant; [`crate::adapter::cross_tenant_write`] reads it back.
pub(crate) const CROSS_TENANT_MARKER: &str = "multitenant: cross-tenant write to ";

/// The SQLSTATE of that error: the marker text fails a cast to integer
/// (`invalid_text_representation`).
pub(crate) const CROSS_TENANT_SQLSTATE: &str = "22P02";
