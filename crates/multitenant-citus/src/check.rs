//! Readiness: everything in the live catalog that keeps a schema from being distributed on
//! Citus, each finding with its fix.

use multitenant::{Schema, TableKind, TableName};

use crate::catalog::{Catalog, ConstraintFacts, TableFacts};
use crate::finding::{Finding, Problem};

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
