//! What `check` reports: a finding per table, the problem it names and the fix, each printable
//! as the line a user reads.

use std::fmt;

use multitenant::TableName;

/// One thing that blocks distribution (or, with Citus, a table not distributed yet), on `table`.
///
/// ```
/// # fn f(schema: multitenant::Schema, catalog: multitenant_citus::Catalog) {
/// for finding in multitenant_citus::check(&schema, &catalog) {
///     println!("{finding}"); // "public.tasks: primary key tasks_pkey (id) lacks account_id; fix: ..."
/// }
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The table the finding is about (the referencing table for foreign keys).
    pub table: TableName,
    /// What is wrong.
    pub problem: Problem,
}

/// What blocks distribution.
///
/// ```
/// let p = multitenant_citus::Problem::TenantColumnNullable { column: "account_id".into() };
/// assert!(p.fix().is_automatic());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// The schema names a table the database does not have.
    TableMissing,
    /// A tenant table has no tenant column.
    TenantColumnMissing {
        /// The tenant column the schema declares.
        column: String,
    },
    /// The tenant column allows NULL.
    TenantColumnNullable {
        /// The tenant column.
        column: String,
    },
    /// The tenant column's type is not the schema's key type: colocated tables need one type.
    TenantColumnType {
        /// The tenant column.
        column: String,
        /// Its type in the database.
        found: String,
        /// The schema's key type.
        expected: String,
    },
    /// A primary key or unique constraint without the tenant column.
    KeyWithoutTenant {
        /// The constraint.
        constraint: String,
        /// Its columns.
        columns: Vec<String>,
        /// Whether it is the primary key.
        primary: bool,
        /// The tenant column to add.
        tenant_column: String,
    },
    /// A unique index (not a constraint) without the tenant column.
    UniqueIndexWithoutTenant {
        /// The index.
        index: String,
        /// Its columns (empty for an expression index).
        columns: Vec<String>,
        /// Whether the index can be rebuilt with the tenant column (no expression, no predicate).
        simple: bool,
        /// The tenant column to add.
        tenant_column: String,
    },
    /// A foreign key between tenant tables that does not carry the tenant column.
    ForeignKeyWithoutTenant {
        /// The constraint.
        constraint: String,
        /// The fixed foreign key, `(account_id, project_id) REFERENCES public.projects (account_id, id)`.
        fixed: String,
    },
    /// A foreign key between tenant tables whose tenant columns are not paired with each other.
    ForeignKeyTenantMisplaced {
        /// The constraint.
        constraint: String,
        /// The fixed foreign key.
        fixed: String,
    },
    /// A foreign key to a tenant table by a column that cannot become the tenant column's pair
    /// (e.g. `owner_id -> accounts (id)`): the model must change.
    ForeignKeyNotByTenant {
        /// The constraint.
        constraint: String,
        /// The referenced table.
        target: TableName,
    },
    /// With Citus: a foreign key between tenant tables with `ON DELETE SET NULL` or `SET DEFAULT`,
    /// which Citus refuses once the key includes the distribution column.
    ForeignKeyResetsOnDelete {
        /// The constraint.
        constraint: String,
    },
    /// A reference table with a foreign key to a tenant table (Citus cannot enforce it).
    ReferenceToTenant {
        /// The constraint.
        constraint: String,
        /// The referenced tenant table.
        target: TableName,
    },
    /// A foreign key from a table of the schema to a table the schema does not know.
    ReferencesUndeclared {
        /// The constraint.
        constraint: String,
        /// The undeclared table.
        target: TableName,
    },
    /// A table the schema does not know has a foreign key to a tenant table.
    UndeclaredReferencesTenant {
        /// The constraint.
        constraint: String,
        /// The referenced tenant table.
        target: TableName,
    },
    /// An `integer`/`smallint` serial or identity column (Citus needs `bigint` sequences).
    IntSequence {
        /// The column.
        column: String,
        /// Its type.
        found: String,
    },
    /// With Citus: the table is not distributed (or not a reference table) yet.
    NotDistributed {
        /// Whether it should be a reference table.
        reference: bool,
    },
    /// With Citus: the table is distributed differently from what the schema says.
    DistributedDifferently {
        /// How it is distributed now.
        found: String,
        /// How it should be.
        expected: String,
    },
}

/// How a finding is fixed: by [`plan`](crate::plan), or by a decision only the application's
/// authors can make.
///
/// ```
/// use multitenant_citus::Fix;
///
/// assert!(!Fix::Manual("declare `users` a reference table".into()).is_automatic());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fix {
    /// `plan` fixes it; the text says how.
    Automatic(String),
    /// It needs a change to the model or the schema declaration; the text says which.
    Manual(String),
}

impl Fix {
    /// Whether `plan` fixes it.
    ///
    /// ```
    /// assert!(multitenant_citus::Fix::Automatic("SET NOT NULL".into()).is_automatic());
    /// ```
    pub fn is_automatic(&self) -> bool {
        matches!(self, Fix::Automatic(_))
    }
}

impl fmt::Display for Fix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fix::Automatic(text) => write!(f, "fix: {text}"),
            Fix::Manual(text) => write!(f, "fix by hand: {text}"),
        }
    }
}

impl Problem {
    /// How to fix it.
    ///
    /// ```
    /// let p = multitenant_citus::Problem::TableMissing;
    /// assert!(!p.fix().is_automatic());
    /// ```
    pub fn fix(&self) -> Fix {
        use Problem::*;
        match self {
            TableMissing => Fix::Manual("create the table, or remove it from the schema".into()),
            TenantColumnMissing { column } => Fix::Manual(format!(
                "add `{column}` and fill it with each row's tenant, or declare the table a reference table"
            )),
            TenantColumnNullable { column } => {
                Fix::Automatic(format!("ALTER COLUMN {column} SET NOT NULL"))
            }
            TenantColumnType {
                column, expected, ..
            } => Fix::Automatic(format!("ALTER COLUMN {column} TYPE {expected}")),
            KeyWithoutTenant {
                columns,
                tenant_column,
                primary,
                ..
            } => Fix::Automatic(format!(
                "recreate it as {} ({tenant_column}, {})",
                if *primary { "PRIMARY KEY" } else { "UNIQUE" },
                columns.join(", ")
            )),
            UniqueIndexWithoutTenant {
                simple: true,
                columns,
                tenant_column,
                ..
            } => Fix::Automatic(format!(
                "recreate it on ({tenant_column}, {})",
                columns.join(", ")
            )),
            UniqueIndexWithoutTenant { tenant_column, .. } => Fix::Manual(format!(
                "recreate the expression or partial index with `{tenant_column}` as its first column"
            )),
            ForeignKeyWithoutTenant { fixed, .. } | ForeignKeyTenantMisplaced { fixed, .. } => {
                Fix::Automatic(format!("recreate it as FOREIGN KEY {fixed}"))
            }
            ForeignKeyNotByTenant { target, .. } => Fix::Manual(format!(
                "a row can only reference rows of its own tenant in `{target}`: reference it through the tenant column, or drop the foreign key"
            )),
            ForeignKeyResetsOnDelete { .. } => Fix::Manual(
                "change ON DELETE to NO ACTION, RESTRICT or CASCADE (Citus does not reset columns of a foreign key that includes the distribution column)"
                    .into(),
            ),
            ReferenceToTenant { .. } => Fix::Automatic(
                "drop the foreign key: a reference table cannot reference a distributed table"
                    .into(),
            ),
            ReferencesUndeclared { target, .. } => Fix::Manual(format!(
                "declare `{target}` in the schema (a reference table or a tenant table), or drop the foreign key"
            )),
            UndeclaredReferencesTenant { .. } => Fix::Manual(
                "declare this table in the schema (a tenant table with the tenant column, or a reference table without this foreign key)"
                    .into(),
            ),
            IntSequence { column, .. } => {
                Fix::Automatic(format!("ALTER COLUMN {column} TYPE bigint"))
            }
            NotDistributed { reference: true } => Fix::Automatic("create_reference_table".into()),
            NotDistributed { reference: false } => {
                Fix::Automatic("create_distributed_table, colocated with the tenant root".into())
            }
            DistributedDifferently { .. } => Fix::Manual(
                "undistribute it (`multitenant citus undistribute`) and apply again".into(),
            ),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Problem::*;
        match self {
            TableMissing => write!(f, "table does not exist"),
            TenantColumnMissing { column } => write!(f, "tenant column `{column}` does not exist"),
            TenantColumnNullable { column } => write!(f, "tenant column `{column}` allows NULL"),
            TenantColumnType {
                column,
                found,
                expected,
            } => write!(
                f,
                "tenant column `{column}` is {found}, the tenant key is {expected}"
            ),
            KeyWithoutTenant {
                constraint,
                columns,
                primary,
                tenant_column,
            } => write!(
                f,
                "{} `{constraint}` ({}) lacks `{tenant_column}`",
                if *primary {
                    "primary key"
                } else {
                    "unique constraint"
                },
                columns.join(", ")
            ),
            UniqueIndexWithoutTenant {
                index,
                tenant_column,
                ..
            } => write!(f, "unique index `{index}` lacks `{tenant_column}`"),
            ForeignKeyWithoutTenant { constraint, .. } => {
                write!(f, "foreign key `{constraint}` lacks the tenant column")
            }
            ForeignKeyTenantMisplaced { constraint, .. } => write!(
                f,
                "foreign key `{constraint}` does not pair the tenant columns with each other"
            ),
            ForeignKeyNotByTenant { constraint, target } => write!(
                f,
                "foreign key `{constraint}` references tenant table `{target}` by a column that is not the tenant column"
            ),
            ForeignKeyResetsOnDelete { constraint } => write!(
                f,
                "foreign key `{constraint}` sets columns on delete, which Citus refuses with the tenant column"
            ),
            ReferenceToTenant { constraint, target } => write!(
                f,
                "reference table has foreign key `{constraint}` to tenant table `{target}`"
            ),
            ReferencesUndeclared { constraint, target } => write!(
                f,
                "foreign key `{constraint}` references `{target}`, which the schema does not declare"
            ),
            UndeclaredReferencesTenant { constraint, target } => write!(
                f,
                "table not in the schema has foreign key `{constraint}` to tenant table `{target}`"
            ),
            IntSequence { column, found } => {
                write!(f, "`{column}` is a {found} sequence column")
            }
            NotDistributed { reference: true } => write!(f, "not a Citus reference table yet"),
            NotDistributed { reference: false } => write!(f, "not distributed yet"),
            DistributedDifferently { found, expected } => {
                write!(f, "distributed as {found}, expected {expected}")
            }
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}; {}",
            self.table,
            self.problem,
            self.problem.fix()
        )
    }
}
