//! An export loaded into a database with the same schema, in one transaction: plain INSERTs
//! through the scoper, so a row that is already there fails the whole import.

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use multitenant::{Schema, TableName};
use sqlx::postgres::PgDatabaseError;
use sqlx::{PgConnection, PgPool};

use super::export::{FORMAT, MANIFEST, io};
use super::{Manifest, TableRows, TenantScope, TenantTables, parse_key};
use crate::catalog::TableFacts;
use crate::{Catalog, Error, sql};

/// Rows per INSERT statement.
const CHUNK: usize = 500;

/// What an import wrote.
///
/// ```
/// let report = multitenant_citus::tenant::ImportReport { tenant_key: "7".into(), tables: vec![] };
/// assert_eq!(report.to_string(), "imported tenant 7\n");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportReport {
    /// The tenant's key.
    pub tenant_key: String,
    /// The rows written per table, in load order (reference rows only where they were missing).
    pub tables: Vec<TableRows>,
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "imported tenant {}", self.tenant_key)?;
        for t in &self.tables {
            writeln!(f, "  {t}")?;
        }
        Ok(())
    }
}

/// Loads the export in `dir` (written by [`export`](super::export)) in one transaction: the
/// reference rows where missing, then the tenant's rows, parents first, with plain INSERTs
/// through the scoper. A row that already exists is [`Error::RowExists`] naming the table and the
/// key, and nothing is written. Identity and serial sequences are then advanced past the
/// imported ids.
///
/// ```no_run
/// # async fn f(pool: sqlx::PgPool, schema: multitenant::Schema) -> Result<(), multitenant_citus::Error> {
/// let report = multitenant_citus::tenant::import(&pool, &schema, "out".as_ref()).await?;
/// print!("{report}");
/// # Ok(()) }
/// ```
pub async fn import(pool: &PgPool, schema: &Schema, dir: &Path) -> Result<ImportReport, Error> {
    let manifest = read_manifest(dir)?;
    let bad = |message: String| Error::BadExport {
        path: dir.to_owned(),
        message,
    };
    if manifest.key_kind != schema.key_kind() {
        return Err(bad(format!(
            "its tenant key is {}, this schema's is {}",
            manifest.key_kind,
            schema.key_kind()
        )));
    }
    let key = parse_key(schema, &manifest.tenant_key)?;
    let scope = TenantScope::new(schema, &key)?;
    let mut tx = pool.begin().await?;
    let catalog = Catalog::read(&mut tx).await?;
    let tables = TenantTables::new(schema, &catalog)?;
    let mut loads = Vec::new();
    for exported in &manifest.tables {
        let name = TableName::parse(&exported.table);
        let facts = catalog
            .table(&name)
            .ok_or_else(|| bad(format!("{name} is not in this database")))?;
        let declared = match &exported.tenant_column {
            Some(_) => schema
                .tenant_column(Some(&name.schema), &name.name)
                .is_some(),
            None => schema.is_reference(Some(&name.schema), &name.name),
        };
        if !declared {
            return Err(bad(format!(
                "{name} is not declared the same way in this schema"
            )));
        }
        if let Some(missing) = exported.columns.iter().find(|c| facts.column(c).is_none()) {
            return Err(bad(format!("{name} has no column `{missing}`")));
        }
        loads.push((name, exported, facts));
    }
    let exported: BTreeSet<&TableName> = loads
        .iter()
        .filter(|(_, e, _)| e.tenant_column.is_some())
        .map(|(n, _, _)| n)
        .collect();
    let expected: BTreeSet<&TableName> = tables.order().collect();
    if exported != expected {
        return Err(bad(format!(
            "it holds the tenant tables {}, this schema has {}",
            names(&exported),
            names(&expected)
        )));
    }
    // Reference rows first, then the tenant tables in this database's foreign-key order.
    loads.sort_by_key(|(name, e, _)| {
        let position = tables.order().position(|t| t == name);
        (e.tenant_column.is_some(), position)
    });
    let mut report = ImportReport {
        tenant_key: key.to_string(),
        tables: Vec::new(),
    };
    let mut sequences = Vec::new();
    for (name, exported, facts) in &loads {
        let lines = read_lines(&dir.join(&exported.file))?;
        let rows = insert(&mut tx, &scope, name, facts, exported, &lines).await?;
        report.tables.push(TableRows {
            table: name.clone(),
            rows,
        });
        for column in facts
            .columns
            .iter()
            .filter(|c| exported.columns.contains(&c.name))
        {
            if let Some(sequence) = &column.sequence {
                sequences.push((name.clone(), column.name.clone(), sequence.clone()));
            }
        }
    }
    for (table, column, sequence) in sequences {
        advance(&mut tx, &scope, &table, &column, &sequence).await?;
    }
    tx.commit().await?;
    Ok(report)
}

fn names(set: &BTreeSet<&TableName>) -> String {
    set.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn read_manifest(dir: &Path) -> Result<Manifest, Error> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|e| io(&path, &e))?;
    let manifest: Manifest = serde_json::from_str(&text).map_err(|e| Error::BadExport {
        path: path.clone(),
        message: e.to_string(),
    })?;
    if manifest.format != FORMAT {
        return Err(Error::BadExport {
            path,
            message: format!("format `{}`, expected `{FORMAT}`", manifest.format),
        });
    }
    Ok(manifest)
}

fn read_lines(path: &Path) -> Result<Vec<String>, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| io(path, &e))?;
    Ok(text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect())
}

/// Inserts the rows `lines` (JSON objects) into `table`, [`CHUNK`] rows a statement. Tenant rows
/// go in with plain INSERTs; reference rows only where missing. Returns the rows written.
async fn insert(
    conn: &mut PgConnection,
    scope: &TenantScope,
    table: &TableName,
    facts: &TableFacts,
    exported: &super::ExportedTable,
    lines: &[String],
) -> Result<u64, Error> {
    let columns: Vec<&str> = facts
        .columns
        .iter()
        .filter(|c| exported.columns.contains(&c.name))
        .map(|c| c.name.as_str())
        .collect();
    let overriding = if facts
        .columns
        .iter()
        .any(|c| c.identity && columns.contains(&c.name.as_str()))
    {
        " OVERRIDING SYSTEM VALUE"
    } else {
        ""
    };
    // Reference rows only where missing. The explicit filter keeps the count of rows written
    // exact on Citus, which counts the rows an `INSERT ... SELECT` sends, conflicting or not.
    let conflict = match (
        &exported.tenant_column,
        facts.keys().find(|k| k.kind == "p"),
    ) {
        (Some(_), _) => String::new(),
        (None, Some(pk)) => format!(
            " WHERE NOT EXISTS (SELECT FROM {} x WHERE ({}) = ({})) ON CONFLICT DO NOTHING",
            sql::table(table),
            super::order_by("x", &pk.columns),
            super::order_by("r", &pk.columns)
        ),
        (None, None) => " ON CONFLICT DO NOTHING".to_owned(),
    };
    let sql = format!(
        "INSERT INTO {} {}{overriding} SELECT {} FROM jsonb_populate_recordset(NULL::{}, $1::jsonb) r{conflict}",
        sql::table(table),
        sql::columns(&columns),
        columns
            .iter()
            .map(|c| format!("r.{}", sql::ident(c)))
            .collect::<Vec<_>>()
            .join(", "),
        sql::table(table),
    );
    let mut written = 0;
    for chunk in lines.chunks(CHUNK) {
        let rows = format!("[{}]", chunk.join(","));
        let done = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(rows)
            .execute(scope.on(conn))
            .await
            .map_err(|e| exists(table, e))?;
        written += done.rows_affected();
    }
    Ok(written)
}

/// A unique violation as [`Error::RowExists`] with the key PostgreSQL names; other errors as
/// they are.
fn exists(table: &TableName, error: sqlx::Error) -> Error {
    // Citus passes a shard's unique violation on as XX000 with PostgreSQL's message.
    if let sqlx::Error::Database(db) = &error
        && (db.code().as_deref() == Some("23505")
            || (db.code().as_deref() == Some("XX000")
                && db
                    .message()
                    .starts_with("duplicate key value violates unique constraint")))
    {
        let detail = db
            .try_downcast_ref::<PgDatabaseError>()
            .and_then(|e| e.detail())
            .unwrap_or_default();
        let key = detail
            .strip_prefix("Key ")
            .and_then(|d| d.strip_suffix(" already exists."))
            .unwrap_or(detail);
        return Error::RowExists {
            table: table.clone(),
            key: key.to_owned(),
        };
    }
    Error::Database(error)
}

/// Moves `sequence` past the largest `column` this tenant (or, for a reference table, anyone)
/// has, if it is not already.
async fn advance(
    conn: &mut PgConnection,
    scope: &TenantScope,
    table: &TableName,
    column: &str,
    sequence: &str,
) -> Result<(), Error> {
    let max: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT max(t.{})::bigint FROM {} t",
        sql::ident(column),
        sql::table(table)
    )))
    .fetch_one(scope.on(conn))
    .await?;
    if let Some(max) = max {
        sqlx::query(
            "SELECT setval($1::regclass, $2) \
             WHERE $2 > COALESCE(pg_sequence_last_value($1::regclass), 0)",
        )
        .bind(sequence)
        .bind(max)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
