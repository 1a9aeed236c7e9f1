//! What makes a schema definition invalid, one variant per cause, whichever way the schema was
//! declared (builder, `multitenant.toml`, catalog).

use std::path::PathBuf;

use super::{TableKind, TableName};
use crate::Error;

/// Why a schema definition was refused; carried by [`Error::InvalidSchema`].
///
/// ```
/// use multitenant::{Error, Schema, SchemaError, TableName};
///
/// let err = Schema::builder().tenant_table("task", "").build().unwrap_err();
/// assert_eq!(
///     err,
///     Error::InvalidSchema(Box::new(SchemaError::EmptyTenantColumn { table: TableName::new("public", "task") }))
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaError {
    /// A table was declared with an empty name or schema (`""`, `"app."`).
    #[error("table name `{table}` has an empty part: name the table as `name` or `schema.name`")]
    EmptyTableName {
        /// The name as read.
        table: TableName,
    },

    /// A tenant table was declared with an empty tenant column.
    #[error(
        "tenant table `{table}` has an empty tenant column: name the column that holds the \
         tenant key"
    )]
    EmptyTenantColumn {
        /// The tenant table.
        table: TableName,
    },

    /// A table was declared twice with different roles (or two different tenant columns).
    #[error(
        "table `{table}` is declared twice, as {} and as {}: declare it once",
        describe(first),
        describe(second)
    )]
    ConflictingKind {
        /// The table.
        table: TableName,
        /// What the first declaration said.
        first: TableKind,
        /// What the later declaration said.
        second: TableKind,
    },

    /// A tenant key type that is not `bigint`, `uuid` or `text` (or one of their aliases).
    #[error("unknown tenant key type `{text}`: use bigint, uuid or text")]
    UnknownKeyKind {
        /// The type as written.
        text: String,
    },

    /// `multitenant.toml` names a `tenant_root` that its `[tenant_tables]` does not list.
    #[error(
        "tenant_root `{root}` is not listed in [tenant_tables]: add it there with its key column \
         (`{} = \"id\"`)",
        toml_key(root)
    )]
    TenantRootNotListed {
        /// The declared root.
        root: TableName,
    },

    /// A `multitenant.toml` document is not valid TOML or does not have the expected keys.
    #[error(
        "{}{}: {message}",
        path.as_ref().map_or_else(|| "multitenant.toml".into(), |p| p.display().to_string()),
        line.zip(*column).map(|(l, c)| format!(", line {l}, column {c}")).unwrap_or_default()
    )]
    Toml {
        /// The file, when the document was read from one.
        path: Option<PathBuf>,
        /// The TOML parser's message (what is wrong, and what was expected).
        message: String,
        /// The 1-based line of the offending text, when known.
        line: Option<usize>,
        /// The 1-based column (in characters) of the offending text, when known.
        column: Option<usize>,
    },

    /// A `multitenant.toml` file could not be read.
    #[error("cannot read {}: {message}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What kind of failure it was (`NotFound`, `PermissionDenied`, ...).
        kind: std::io::ErrorKind,
        /// The operating system's message.
        message: String,
    },
}

impl From<SchemaError> for Error {
    fn from(error: SchemaError) -> Self {
        Error::InvalidSchema(Box::new(error))
    }
}

fn describe(kind: &TableKind) -> String {
    match kind {
        TableKind::Tenant { column } => format!("a tenant table (tenant column `{column}`)"),
        TableKind::Reference => "a reference table".into(),
        TableKind::Restricted => "a restricted view".into(),
    }
}

/// How `table` is written as a key of `[tenant_tables]`: a dot must be quoted there.
fn toml_key(table: &TableName) -> String {
    if table.schema == "public" {
        table.name.clone()
    } else {
        format!("\"{table}\"")
    }
}
