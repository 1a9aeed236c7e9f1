//! One tenant's rows out to files: a JSON line per row (`to_jsonb`, so every PostgreSQL type
//! round-trips), one file per table, and a manifest; all read from one snapshot.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use multitenant::{KeyKind, Schema, TableName, TenantKey};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};

use super::{TenantScope, TenantTable, TenantTables, order_by};
use crate::{Error, sql};

/// The format an export's manifest names.
pub(crate) const FORMAT: &str = "multitenant-export/1";
/// The manifest's file name in an export directory.
pub(crate) const MANIFEST: &str = "manifest.json";

/// What an export holds: the tenant, and each table's file and row count in load order
/// (reference tables first, then the tenant tables parents first). Written as `manifest.json`
/// next to the table files; nothing in it depends on when the export ran, so two exports of the
/// same rows are the same bytes.
///
/// ```
/// let manifest: multitenant_citus::tenant::Manifest = serde_json::from_str(r#"{
///     "format": "multitenant-export/1", "key_kind": "bigint", "tenant_key": "7",
///     "root": "public.accounts", "tables": []}"#)?;
/// assert_eq!(manifest.tenant_key, "7");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// `multitenant-export/1`.
    pub format: String,
    /// The schema's key kind.
    pub key_kind: KeyKind,
    /// The tenant's key.
    pub tenant_key: String,
    /// The tenant root table.
    pub root: String,
    /// The tables in load order.
    pub tables: Vec<ExportedTable>,
}

/// One table of an export.
///
/// ```
/// let t: multitenant_citus::tenant::ExportedTable = serde_json::from_str(r#"{
///     "table": "public.tasks", "tenant_column": "account_id", "columns": ["account_id", "id"],
///     "file": "public.tasks.jsonl", "rows": 2}"#)?;
/// assert_eq!(t.rows, 2);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedTable {
    /// `schema.name`.
    pub table: String,
    /// The tenant column; `None` for a reference table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_column: Option<String>,
    /// The table's columns when it was exported.
    pub columns: Vec<String>,
    /// The file of its rows, in the export directory.
    pub file: String,
    /// How many rows the file holds.
    pub rows: u64,
}

/// Writes every row of tenant `key` in every tenant table to `dir` (created if missing): one
/// `schema.table.jsonl` per table, rows in primary-key order, and [`Manifest`] as
/// `manifest.json`. With `with_references`, the rows of reference tables the tenant's rows point
/// at come along (imported only where missing). Everything is read in one `REPEATABLE READ READ
/// ONLY` transaction, each statement through the scoper with the key bound, so on Citus each
/// runs on the tenant's shard.
///
/// ```no_run
/// # async fn f(pool: sqlx::PgPool, schema: multitenant::Schema) -> Result<(), multitenant_citus::Error> {
/// let manifest = multitenant_citus::tenant::export(&pool, &schema, &42_i64.into(), "out".as_ref(), false).await?;
/// for t in &manifest.tables {
///     println!("{}: {} row(s)", t.table, t.rows);
/// }
/// # Ok(()) }
/// ```
pub async fn export(
    pool: &PgPool,
    schema: &Schema,
    key: &TenantKey,
    dir: &Path,
    with_references: bool,
) -> Result<Manifest, Error> {
    let scope = TenantScope::new(schema, key)?;
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    let tables = TenantTables::read(&mut tx, schema).await?;
    scope.require(&mut tx, tables.root()).await?;
    let mut files = Vec::new();
    if with_references {
        for (target, facts, lines) in reference_rows(&mut tx, &scope, &tables).await? {
            files.push((target, None, facts, lines));
        }
    }
    for table in tables.tables() {
        let sql = format!(
            "SELECT to_jsonb(t)::text FROM {} t ORDER BY {}",
            sql::table(&table.name),
            order_by("t", &table.order_columns())
        );
        let lines: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_all(scope.on(&mut tx))
            .await?;
        files.push((
            table.name.clone(),
            Some(table.tenant_column.clone()),
            column_names(table),
            lines,
        ));
    }
    tx.commit().await?;

    std::fs::create_dir_all(dir).map_err(|e| io(dir, &e))?;
    let mut manifest = Manifest {
        format: FORMAT.to_owned(),
        key_kind: schema.key_kind(),
        tenant_key: key.to_string(),
        root: tables.root().to_string(),
        tables: Vec::new(),
    };
    for (table, tenant_column, columns, lines) in files {
        let file = format!("{table}.jsonl");
        let mut text = lines.join("\n");
        if !text.is_empty() {
            text.push('\n');
        }
        write(&dir.join(&file), text.as_bytes())?;
        manifest.tables.push(ExportedTable {
            table: table.to_string(),
            tenant_column,
            columns,
            file,
            rows: lines.len() as u64,
        });
    }
    let mut text = serde_json::to_string_pretty(&manifest).map_err(|e| Error::Io {
        path: dir.join(MANIFEST),
        message: e.to_string(),
    })?;
    text.push('\n');
    write(&dir.join(MANIFEST), text.as_bytes())?;
    Ok(manifest)
}

fn column_names(table: &TenantTable) -> Vec<String> {
    table.facts.columns.iter().map(|c| c.name.clone()).collect()
}

/// The rows of each reference table that some tenant row points at, reference tables in name
/// order, rows in primary-key order.
async fn reference_rows(
    conn: &mut PgConnection,
    scope: &TenantScope,
    tables: &TenantTables,
) -> Result<Vec<(TableName, Vec<String>, Vec<String>)>, Error> {
    let catalog = crate::Catalog::read(conn).await?;
    let mut conditions: BTreeMap<TableName, Vec<String>> = BTreeMap::new();
    for table in tables.tables() {
        for link in &table.references {
            let sources: Vec<String> = link
                .columns
                .iter()
                .map(|c| format!("t.{}", sql::ident(c)))
                .collect();
            let targets: Vec<String> = link
                .target_columns
                .iter()
                .map(|c| format!("r.{}", sql::ident(c)))
                .collect();
            conditions
                .entry(link.target.clone())
                .or_default()
                .push(format!(
                    "({}) IN (SELECT {} FROM {} t)",
                    targets.join(", "),
                    sources.join(", "),
                    sql::table(&table.name)
                ));
        }
    }
    let mut out = Vec::new();
    for (target, conds) in conditions {
        let facts = catalog.table(&target).ok_or_else(|| Error::MissingTable {
            table: target.clone(),
        })?;
        let order = facts
            .keys()
            .find(|k| k.kind == "p")
            .map(|k| order_by("r", &k.columns))
            .unwrap_or_else(|| "1".to_owned());
        let sql = format!(
            "SELECT to_jsonb(r)::text FROM {} r WHERE {} ORDER BY {order}",
            sql::table(&target),
            conds.join(" OR ")
        );
        let lines: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_all(scope.on(conn))
            .await?;
        let columns = facts.columns.iter().map(|c| c.name.clone()).collect();
        out.push((target, columns, lines));
    }
    Ok(out)
}

pub(crate) fn io(path: &Path, e: &std::io::Error) -> Error {
    Error::Io {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

fn write(path: &PathBuf, bytes: &[u8]) -> Result<(), Error> {
    std::fs::write(path, bytes).map_err(|e| io(path, &e))
}
