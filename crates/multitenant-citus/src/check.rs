//! Readiness: everything in the live catalog that keeps a schema from being distributed on
//! Citus, each finding with its fix.

use std::fmt;

use multitenant::{Schema, TableKind, TableName};

use crate::catalog::{Catalog, ConstraintFacts, TableFacts};

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

/// What the schema says about a table.
pub(crate) fn kind_of<'s>(schema: &'s Schema, table: &TableName) -> Option<&'s TableKind> {
    schema.table_kind(Some(&table.schema), &table.name)
}

/// A foreign key between tenant tables, in the form Citus accepts: the tenant columns paired
/// with each other, first; `Impossible` when only one side has its tenant column.
pub(crate) enum ForeignKeyShape {
    Fine,
    Fix {
        columns: Vec<String>,
        target_columns: Vec<String>,
        misplaced: bool,
    },
    Impossible,
}

pub(crate) fn foreign_key_shape(
    fk: &ConstraintFacts,
    tenant: &str,
    target_tenant: &str,
) -> ForeignKeyShape {
    let pairs: Vec<(&str, &str)> = fk
        .columns
        .iter()
        .map(String::as_str)
        .zip(fk.target_columns.iter().map(String::as_str))
        .collect();
    if pairs.contains(&(tenant, target_tenant)) {
        return ForeignKeyShape::Fine;
    }
    let has_own = fk.columns.iter().any(|c| c == tenant);
    let has_target = fk.target_columns.iter().any(|c| c == target_tenant);
    if has_own != has_target {
        return ForeignKeyShape::Impossible;
    }
    let mut columns = vec![tenant.to_owned()];
    let mut target_columns = vec![target_tenant.to_owned()];
    columns.extend(fk.columns.iter().filter(|c| *c != tenant).cloned());
    target_columns.extend(
        fk.target_columns
            .iter()
            .filter(|c| *c != target_tenant)
            .cloned(),
    );
    ForeignKeyShape::Fix {
        columns,
        target_columns,
        misplaced: has_own,
    }
}

/// Everything that blocks distributing `schema` on the database described by `catalog`, table by
/// table (with Citus installed, also the tables not distributed yet). Empty when the schema is
/// ready (and, with Citus, distributed).
///
/// ```no_run
/// # async fn f(pool: sqlx::PgPool, schema: multitenant::Schema) -> Result<(), multitenant_citus::Error> {
/// let catalog = multitenant_citus::Catalog::read(&mut *pool.acquire().await?).await?;
/// for finding in multitenant_citus::check(&schema, &catalog) {
///     println!("{finding}");
/// }
/// # Ok(()) }
/// ```
pub fn check(schema: &Schema, catalog: &Catalog) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut push = |table: &TableName, problem: Problem| {
        findings.push(Finding {
            table: table.clone(),
            problem,
        })
    };
    let expected_type = schema.key_kind().sql_type();
    for (name, column) in schema.tenant_tables() {
        let Some(table) = catalog.table(name) else {
            push(name, Problem::TableMissing);
            continue;
        };
        let Some(col) = table.column(column) else {
            push(
                name,
                Problem::TenantColumnMissing {
                    column: column.to_owned(),
                },
            );
            continue;
        };
        if !col.not_null {
            push(
                name,
                Problem::TenantColumnNullable {
                    column: column.to_owned(),
                },
            );
        }
        if col.ty != expected_type {
            push(
                name,
                Problem::TenantColumnType {
                    column: column.to_owned(),
                    found: col.ty.clone(),
                    expected: expected_type.to_owned(),
                },
            );
        }
        for key in table.keys() {
            if !key.columns.iter().any(|c| c == column) {
                push(
                    name,
                    Problem::KeyWithoutTenant {
                        constraint: key.name.clone(),
                        columns: key.columns.clone(),
                        primary: key.kind == "p",
                        tenant_column: column.to_owned(),
                    },
                );
            }
        }
        for index in &table.unique_indexes {
            if !index.columns.iter().any(|c| c == column) {
                push(
                    name,
                    Problem::UniqueIndexWithoutTenant {
                        index: index.name.clone(),
                        columns: index.columns.clone(),
                        simple: index.simple,
                        tenant_column: column.to_owned(),
                    },
                );
            }
        }
        for fk in table.foreign_keys() {
            let Some(target) = fk.target_name() else {
                continue;
            };
            match kind_of(schema, &target) {
                Some(TableKind::Reference) => {}
                Some(TableKind::Tenant {
                    column: target_tenant,
                }) => {
                    if catalog.citus.is_some() && (fk.on_delete == "n" || fk.on_delete == "d") {
                        push(
                            name,
                            Problem::ForeignKeyResetsOnDelete {
                                constraint: fk.name.clone(),
                            },
                        );
                    }
                    let problem = match foreign_key_shape(fk, column, target_tenant) {
                        ForeignKeyShape::Fine => continue,
                        ForeignKeyShape::Impossible => Problem::ForeignKeyNotByTenant {
                            constraint: fk.name.clone(),
                            target,
                        },
                        ForeignKeyShape::Fix {
                            columns,
                            target_columns,
                            misplaced,
                        } => {
                            let fixed = crate::sql::foreign_key(&columns, &target, &target_columns);
                            if misplaced {
                                Problem::ForeignKeyTenantMisplaced {
                                    constraint: fk.name.clone(),
                                    fixed,
                                }
                            } else {
                                Problem::ForeignKeyWithoutTenant {
                                    constraint: fk.name.clone(),
                                    fixed,
                                }
                            }
                        }
                    };
                    push(name, problem);
                }
                Some(TableKind::Restricted) | None => push(
                    name,
                    Problem::ReferencesUndeclared {
                        constraint: fk.name.clone(),
                        target,
                    },
                ),
            }
        }
        int_sequences(table, Some(column), &mut push);
    }
    for name in schema.reference_tables() {
        let Some(table) = catalog.table(name) else {
            push(name, Problem::TableMissing);
            continue;
        };
        for fk in table.foreign_keys() {
            let Some(target) = fk.target_name() else {
                continue;
            };
            match kind_of(schema, &target) {
                Some(TableKind::Reference) => {}
                Some(TableKind::Tenant { .. }) => push(
                    name,
                    Problem::ReferenceToTenant {
                        constraint: fk.name.clone(),
                        target,
                    },
                ),
                Some(TableKind::Restricted) | None => push(
                    name,
                    Problem::ReferencesUndeclared {
                        constraint: fk.name.clone(),
                        target,
                    },
                ),
            }
        }
        int_sequences(table, None, &mut push);
    }
    for table in &catalog.tables {
        let name = table.table_name();
        if kind_of(schema, &name).is_some() {
            continue;
        }
        for fk in table.foreign_keys() {
            if let Some(target) = fk.target_name()
                && matches!(kind_of(schema, &target), Some(TableKind::Tenant { .. }))
            {
                push(
                    &name,
                    Problem::UndeclaredReferencesTenant {
                        constraint: fk.name.clone(),
                        target,
                    },
                );
            }
        }
    }
    if catalog.citus.is_some() {
        distribution_findings(schema, catalog, &mut push);
    }
    findings
}

fn int_sequences(
    table: &TableFacts,
    tenant: Option<&str>,
    push: &mut impl FnMut(&TableName, Problem),
) {
    for col in &table.columns {
        let small = col.ty == "integer" || col.ty == "smallint";
        if small && (col.identity || col.sequence.is_some()) && Some(col.name.as_str()) != tenant {
            push(
                &table.table_name(),
                Problem::IntSequence {
                    column: col.name.clone(),
                    found: col.ty.clone(),
                },
            );
        }
    }
}

fn distribution_findings(
    schema: &Schema,
    catalog: &Catalog,
    push: &mut impl FnMut(&TableName, Problem),
) {
    let root_group = schema
        .root()
        .and_then(|root| catalog.distribution(root))
        .filter(|d| d.method == "h")
        .map(|d| d.colocation);
    for name in schema.reference_tables() {
        if catalog.table(name).is_none() {
            continue;
        }
        match catalog.distribution(name) {
            Some(d) if d.is_reference() => {}
            None => push(name, Problem::NotDistributed { reference: true }),
            Some(d) if d.is_local() => push(name, Problem::NotDistributed { reference: true }),
            Some(d) => push(
                name,
                Problem::DistributedDifferently {
                    found: describe(d),
                    expected: "a reference table".into(),
                },
            ),
        }
    }
    for (name, column) in schema.tenant_tables() {
        if catalog.table(name).is_none() {
            continue;
        }
        let expected = format!("hash-distributed by {column}, colocated with the tenant root");
        match catalog.distribution(name) {
            None => push(name, Problem::NotDistributed { reference: false }),
            Some(d) if d.is_local() => push(name, Problem::NotDistributed { reference: false }),
            Some(d)
                if d.method == "h"
                    && d.column.as_deref() == Some(column)
                    && root_group.is_none_or(|g| g == d.colocation) => {}
            Some(d) => push(
                name,
                Problem::DistributedDifferently {
                    found: describe(d),
                    expected,
                },
            ),
        }
    }
}

fn describe(d: &crate::catalog::Distribution) -> String {
    if d.is_reference() {
        "a reference table".into()
    } else if d.method == "h" {
        format!(
            "hash-distributed by {} in colocation group {}",
            d.column.as_deref().unwrap_or("?"),
            d.colocation
        )
    } else {
        format!("method {} (colocation group {})", d.method, d.colocation)
    }
}
