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

    /// A schema definition is invalid; the [`SchemaError`](crate::SchemaError) says why.
    #[error("invalid schema: {0}")]
    InvalidSchema(crate::SchemaError),
}

impl Error {
    pub(crate) fn unsupported(construct: impl Into<String>, hint: impl Into<String>) -> Self {
        Error::Unsupported {
            construct: construct.into(),
            hint: hint.into(),
        }
    }
}

/// Text the rewritten SQL puts in the error PostgreSQL raises when an INSERT names another
/// tenant; [`cross_tenant_write_from_db`] reads it back.
pub(crate) const CROSS_TENANT_MARKER: &str = "multitenant: cross-tenant write to ";

/// Recognises the database error that a scoped INSERT raises when a row names a tenant other
/// than the current one, and turns it into [`Error::CrossTenantWrite`]. Adapters call it on
/// every database error.
///
/// The check runs inside PostgreSQL (the rewritten text is the same for every tenant), so it
/// arrives as a failed cast whose message carries the table, column and value.
///
/// ```
/// use multitenant::{cross_tenant_write_from_db, Error, TenantKey};
///
/// let msg = r#"invalid input syntax for type integer: "multitenant: cross-tenant write to project.account_id = 2""#;
/// let err = cross_tenant_write_from_db(msg, Some(&TenantKey::Int(1))).unwrap();
/// assert!(matches!(err, Error::CrossTenantWrite { ref table, ref value, .. } if table == "project" && value == "2"));
/// assert!(cross_tenant_write_from_db("duplicate key value", None).is_none());
/// ```
pub fn cross_tenant_write_from_db(
    message: &str,
    current: Option<&crate::TenantKey>,
) -> Option<Error> {
    let rest = &message[message.find(CROSS_TENANT_MARKER)? + CROSS_TENANT_MARKER.len()..];
    let (target, value) = rest.split_once(" = ")?;
    let value = value.split('"').next().unwrap_or(value);
    let (table, column) = target.rsplit_once('.')?;
    Some(Error::CrossTenantWrite {
        table: table.to_owned(),
        column: column.to_owned(),
        value: value.to_owned(),
        current: current.map_or_else(|| "unknown".to_owned(), ToString::to_string),
    })
}
