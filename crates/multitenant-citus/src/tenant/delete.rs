//! Every row of one tenant removed, children first and the tenant's root row last, in one
//! transaction.

use std::fmt;

use multitenant::{Schema, TenantKey};
use sqlx::PgPool;

use super::{TableRows, TenantScope, TenantTables};
use crate::{Error, sql};

/// What [`delete`] removed, or with `dry_run` would remove: the rows per table in the order
/// they go (children first, the root table last).
///
/// ```
/// use multitenant::TableName;
/// use multitenant_citus::tenant::{DeleteReport, TableRows};
///
/// let report = DeleteReport {
///     tenant_key: "7".into(),
///     dry_run: true,
///     tables: vec![TableRows { table: TableName::new("public", "accounts"), rows: 1 }],
/// };
/// assert_eq!(report.to_string(), "would delete tenant 7 (dry run, nothing changed)\n  public.accounts: 1 row(s)\n");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteReport {
    /// The tenant's key.
    pub tenant_key: String,
    /// Nothing was deleted: these are the counts.
    pub dry_run: bool,
    /// The rows per table, in delete order.
    pub tables: Vec<TableRows>,
}

impl fmt::Display for DeleteReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.dry_run {
            writeln!(
                f,
                "would delete tenant {} (dry run, nothing changed)",
                self.tenant_key
            )?;
        } else {
            writeln!(f, "deleted tenant {}", self.tenant_key)?;
        }
        for t in &self.tables {
            writeln!(f, "  {t}")?;
        }
        Ok(())
    }
}

/// Deletes every row of tenant `key` from every tenant table, children before parents and the
/// root row last, in one transaction, each statement through the scoper (on Citus, on the
/// tenant's shard). With `dry_run` it only counts. A key with no root row is
/// [`Error::UnknownTenant`]; nothing of another tenant is touched.
///
/// ```no_run
/// # async fn f(pool: sqlx::PgPool, schema: multitenant::Schema) -> Result<(), multitenant_citus::Error> {
/// let plan = multitenant_citus::tenant::delete(&pool, &schema, &42_i64.into(), true).await?;
/// print!("{plan}");
/// multitenant_citus::tenant::delete(&pool, &schema, &42_i64.into(), false).await?;
/// # Ok(()) }
/// ```
pub async fn delete(
    pool: &PgPool,
    schema: &Schema,
    key: &TenantKey,
    dry_run: bool,
) -> Result<DeleteReport, Error> {
    let scope = TenantScope::new(schema, key)?;
    let mut tx = pool.begin().await?;
    let tables = TenantTables::read(&mut tx, schema).await?;
    scope.require(&mut tx, tables.root()).await?;
    let root = tables.root().clone();
    let mut order: Vec<_> = tables.order().rev().filter(|t| **t != root).collect();
    order.push(&root);
    let mut report = DeleteReport {
        tenant_key: key.to_string(),
        dry_run,
        tables: Vec::new(),
    };
    for table in order {
        let rows = if dry_run {
            scope.count(&mut tx, table).await?
        } else {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {}",
                sql::table(table)
            )))
            .execute(scope.on(&mut tx))
            .await?
            .rows_affected()
        };
        report.tables.push(TableRows {
            table: table.clone(),
            rows,
        });
    }
    if dry_run {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    Ok(report)
}
