//! Builds a [`Schema`] from a live database's catalog.

use multitenant::catalog::{CatalogTable, CitusDistribution, Convention};
use multitenant::{Schema, TableName};
use sqlx::PgPool;

use crate::Error;

const TABLES: &str = "
SELECT n.nspname::text, c.relname::text, c.relkind::text,
       array_agg(a.attname::text ORDER BY a.attnum) FILTER (WHERE a.attname IS NOT NULL)
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'citus', 'columnar', 'columnar_internal')
  AND n.nspname NOT LIKE 'pg\\_%'
  AND NOT c.relispartition
GROUP BY 1, 2, 3
ORDER BY 1, 2";

/// The tables each view reads (through its rewrite rule).
const VIEW_READS: &str = "
SELECT DISTINCT vn.nspname::text, v.relname::text, tn.nspname::text, t.relname::text
FROM pg_rewrite r
JOIN pg_class v ON v.oid = r.ev_class AND v.relkind IN ('v', 'm')
JOIN pg_namespace vn ON vn.oid = v.relnamespace
JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
    AND d.refclassid = 'pg_class'::regclass
JOIN pg_class t ON t.oid = d.refobjid AND t.oid <> v.oid AND t.relkind IN ('r', 'p', 'v', 'm')
JOIN pg_namespace tn ON tn.oid = t.relnamespace";

const CITUS: &str = "
SELECT n.nspname::text, c.relname::text, p.partmethod::text,
       CASE WHEN p.partmethod = 'h' THEN column_to_column_name(p.logicalrelid, p.partkey) END
FROM pg_dist_partition p
JOIN pg_class c ON c.oid = p.logicalrelid
JOIN pg_namespace n ON n.oid = c.relnamespace";

/// Reads the catalog of the database `pool` is connected to and builds the [`Schema`]: tenant
/// tables by `convention` (a tenant column name, the root table) or by Citus distribution,
/// Citus reference tables, views over tenant tables (tenant tables when they have the tenant
/// column, restricted otherwise), and the connection's `search_path`.
///
/// ```no_run
/// # async fn f(pool: sqlx::PgPool) -> Result<(), multitenant_sqlx::Error> {
/// let schema = multitenant_sqlx::introspect(&pool, &multitenant::catalog::Convention::default()).await?;
/// # let _ = schema; Ok(()) }
/// ```
pub async fn introspect(pool: &PgPool, convention: &Convention) -> Result<Schema, Error> {
    let rows: Vec<(String, String, String, Option<Vec<String>>)> =
        sqlx::query_as(TABLES).fetch_all(pool).await?;
    let reads: Vec<(String, String, String, String)> =
        sqlx::query_as(VIEW_READS).fetch_all(pool).await?;
    let has_citus: bool =
        sqlx::query_scalar("SELECT to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL")
            .fetch_one(pool)
            .await?;
    let citus: Vec<(String, String, String, Option<String>)> = if has_citus {
        sqlx::query_as(CITUS).fetch_all(pool).await?
    } else {
        Vec::new()
    };
    let search_path: Vec<String> = sqlx::query_scalar("SELECT current_schemas(false)::text[]")
        .fetch_one(pool)
        .await?;

    let tables: Vec<CatalogTable> = rows
        .into_iter()
        .map(|(schema, name, kind, columns)| {
            let mut t = CatalogTable::new(&schema, &name, columns.unwrap_or_default());
            if kind == "v" || kind == "m" {
                t = t.view_over(
                    reads
                        .iter()
                        .filter(|(vs, vn, _, _)| *vs == schema && *vn == name)
                        .map(|(_, _, ts, tn)| TableName::new(ts, tn)),
                );
            }
            if let Some((_, _, method, column)) =
                citus.iter().find(|(s, n, _, _)| *s == schema && *n == name)
            {
                t.citus = match (method.as_str(), column) {
                    ("h", Some(column)) => Some(CitusDistribution::Distributed {
                        column: column.clone(),
                    }),
                    ("n", _) => Some(CitusDistribution::Reference),
                    _ => None,
                };
            }
            t
        })
        .collect();
    let schema = Schema::from_catalog(&tables, convention)?;
    Ok(if search_path.is_empty() {
        schema
    } else {
        schema.with_search_path(search_path)
    })
}
