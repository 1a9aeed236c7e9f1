//! How much each tenant holds (rows and on-disk bytes per tenant table, the bytes apportioned by
//! `pg_column_size` of its rows) and, on Citus, where it lives and how busy it is
//! (`citus_stat_tenants`).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use multitenant::{KeyKind, Schema, Scope, Scoper, TenantKey};
use multitenant_sqlx::Tenanted;
use serde::Serialize;
use sqlx::{PgConnection, PgPool};

use super::{TenantScope, TenantTables};
use crate::{Error, sql};

/// What [`stats`] reports on: all tenants or one, and how many of the largest.
///
/// ```
/// let options = multitenant_citus::tenant::StatsOptions { top: Some(10), ..Default::default() };
/// assert!(options.tenant.is_none());
/// ```
#[derive(Clone, Debug, Default)]
pub struct StatsOptions {
    /// Only the largest N tenants.
    pub top: Option<usize>,
    /// Only this tenant (its statements then run scoped: on Citus, on its shard).
    pub tenant: Option<TenantKey>,
}

/// One table's share of a tenant.
///
/// ```
/// let t = multitenant_citus::tenant::TableUsage { table: "public.tasks".into(), rows: 2, bytes: 90 };
/// assert_eq!(t.rows, 2);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TableUsage {
    /// `schema.name`.
    pub table: String,
    /// The tenant's rows in it.
    pub rows: i64,
    /// The bytes of those rows (`sum(pg_column_size(t.*))`).
    pub bytes: i64,
}

/// Where a tenant lives on Citus.
///
/// ```
/// let p = multitenant_citus::tenant::Placement { shard: 102008, node: "10.0.0.2:5432".into(), shard_bytes: 8192, isolated: false };
/// assert_eq!(p.shard, 102008);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Placement {
    /// The root table's shard holding the tenant.
    pub shard: i64,
    /// The node holding that shard, `host:port`.
    pub node: String,
    /// The shard's size on disk (all tenants it holds).
    pub shard_bytes: i64,
    /// The shard holds this tenant only.
    pub isolated: bool,
}

/// A tenant's queries and CPU from `citus_stat_tenants` (this and the last period).
///
/// ```
/// let a = multitenant_citus::tenant::Activity { read_count: 3, query_count: 5, cpu_seconds: 0.01 };
/// assert!(a.query_count >= a.read_count);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Activity {
    /// Read queries.
    pub read_count: i64,
    /// All queries.
    pub query_count: i64,
    /// CPU time in seconds.
    pub cpu_seconds: f64,
}

/// One tenant's numbers.
///
/// ```
/// let t = multitenant_citus::tenant::TenantStats {
///     tenant: "7".into(), rows: 0, bytes: 0, tables: vec![], placement: None, activity: None,
/// };
/// assert_eq!(t.tenant, "7");
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TenantStats {
    /// The tenant's key.
    pub tenant: String,
    /// Its rows in all tenant tables.
    pub rows: i64,
    /// Their bytes.
    pub bytes: i64,
    /// Per tenant table, in foreign-key order.
    pub tables: Vec<TableUsage>,
    /// On Citus: its shard and node.
    pub placement: Option<Placement>,
    /// On Citus with tenant tracking on: its queries and CPU.
    pub activity: Option<Activity>,
}

/// The tenants, largest first (bytes, then rows, then key).
///
/// ```
/// let r = multitenant_citus::tenant::StatsReport { citus: false, tracking: None, tenants: vec![] };
/// assert!(r.to_string().starts_with("tenant"));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StatsReport {
    /// The database has Citus.
    pub citus: bool,
    /// On Citus: `citus.stat_tenants_track` (`none` when query counts are not collected).
    pub tracking: Option<String>,
    /// The tenants.
    pub tenants: Vec<TenantStats>,
}

impl fmt::Display for StatsReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut lines = vec![
            [
                "tenant", "rows", "bytes", "shard", "node", "queries", "cpu_s",
            ]
            .map(str::to_owned),
        ];
        for t in &self.tenants {
            let (shard, node) = match &t.placement {
                Some(p) => (
                    format!("{}{}", p.shard, if p.isolated { "*" } else { "" }),
                    p.node.clone(),
                ),
                None => ("-".to_owned(), "-".to_owned()),
            };
            let (queries, cpu) = match &t.activity {
                Some(a) => (a.query_count.to_string(), format!("{:.3}", a.cpu_seconds)),
                None => ("-".to_owned(), "-".to_owned()),
            };
            lines.push([
                t.tenant.clone(),
                t.rows.to_string(),
                t.bytes.to_string(),
                shard,
                node,
                queries,
                cpu,
            ]);
        }
        let widths: Vec<usize> = (0..7)
            .map(|i| lines.iter().map(|l| l[i].len()).max().unwrap_or(0))
            .collect();
        for line in &lines {
            let cells: Vec<String> = line
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            writeln!(f, "{}", cells.join("  ").trim_end())?;
        }
        if self
            .tenants
            .iter()
            .any(|t| t.placement.as_ref().is_some_and(|p| p.isolated))
        {
            writeln!(f, "* the tenant has a shard of its own")?;
        }
        match self.tracking.as_deref() {
            Some("none") => writeln!(
                f,
                "note: tenant tracking is off (citus.stat_tenants_track = 'none'): no query counts; \
                 turn it on with --track"
            )?,
            None if !self.citus => {
                writeln!(f, "note: plain PostgreSQL: no shards, no query counts")?
            }
            _ => {}
        }
        Ok(())
    }
}

/// Rows and bytes per tenant and tenant table; on Citus also each tenant's shard and node and,
/// with tenant tracking on, its queries and CPU. Without a tenant in `options`, one grouped
/// statement per table covers all tenants (on Citus it runs on every shard, grouped by the
/// distribution column); with one, every statement is scoped to it.
///
/// ```no_run
/// # async fn f(pool: sqlx::PgPool, schema: multitenant::Schema) -> Result<(), multitenant_citus::Error> {
/// use multitenant_citus::tenant::{StatsOptions, stats};
/// let report = stats(&pool, &schema, &StatsOptions { top: Some(5), tenant: None }).await?;
/// print!("{report}");
/// # Ok(()) }
/// ```
pub async fn stats(
    pool: &PgPool,
    schema: &Schema,
    options: &StatsOptions,
) -> Result<StatsReport, Error> {
    let mut conn = pool.acquire().await?;
    let tables = TenantTables::read(&mut conn, schema).await?;
    let scope = match &options.tenant {
        Some(key) => {
            let scope = TenantScope::new(schema, key)?;
            scope.require(&mut conn, tables.root()).await?;
            Some(scope)
        }
        None => None,
    };
    let unscoped = Arc::new(Scoper::new(schema.clone()));
    let mut tenants: BTreeMap<String, TenantStats> = BTreeMap::new();
    for table in tables.tables() {
        let sql = format!(
            "SELECT t.{col}::text, count(*), COALESCE(sum(pg_column_size(t.*)), 0)::bigint \
             FROM {} t GROUP BY t.{col}",
            sql::table(&table.name),
            col = sql::ident(&table.tenant_column),
        );
        let query = sqlx::query_as::<_, (String, i64, i64)>(sqlx::AssertSqlSafe(sql));
        let rows = match &scope {
            Some(scope) => query.fetch_all(scope.on(&mut conn)).await?,
            None => {
                let db = Tenanted::new(&mut *conn, unscoped.clone(), Scope::Unscoped);
                query.fetch_all(db).await?
            }
        };
        for (tenant, count, bytes) in rows {
            let entry = tenants
                .entry(tenant.clone())
                .or_insert_with(|| TenantStats {
                    tenant,
                    rows: 0,
                    bytes: 0,
                    tables: Vec::new(),
                    placement: None,
                    activity: None,
                });
            entry.rows += count;
            entry.bytes += bytes;
            entry.tables.push(TableUsage {
                table: table.name.to_string(),
                rows: count,
                bytes,
            });
        }
    }
    let mut tenants: Vec<TenantStats> = tenants.into_values().collect();
    let kind = schema.key_kind();
    tenants.sort_by(|a, b| {
        (b.bytes, b.rows)
            .cmp(&(a.bytes, a.rows))
            .then_with(|| natural(kind, &a.tenant).cmp(&natural(kind, &b.tenant)))
    });
    if let Some(top) = options.top {
        tenants.truncate(top);
    }
    let citus = crate::tenant::isolate::has_citus(&mut conn).await?;
    let mut tracking = None;
    if citus {
        let root = sql::table(tables.root());
        let activity = activity(&mut conn, &root).await?;
        for t in &mut tenants {
            t.placement = Some(placement(&mut conn, &root, kind, &t.tenant).await?);
            t.activity = activity.get(&t.tenant).cloned();
        }
        tracking = sqlx::query_scalar("SELECT current_setting('citus.stat_tenants_track', true)")
            .fetch_one(&mut *conn)
            .await?;
    }
    Ok(StatsReport {
        citus,
        tracking,
        tenants,
    })
}

/// Integer keys in numeric order, others as text.
fn natural(kind: KeyKind, key: &str) -> (i64, String) {
    match kind {
        KeyKind::BigInt => (key.parse().unwrap_or(0), String::new()),
        KeyKind::Uuid | KeyKind::Text => (0, key.to_owned()),
    }
}

/// The shard of `root` holding tenant `key`, its node and size.
pub(crate) async fn placement(
    conn: &mut PgConnection,
    root: &str,
    kind: KeyKind,
    key: &str,
) -> Result<Placement, Error> {
    let sql = format!(
        "SELECT s.shardid, s.nodename || ':' || s.nodeport, COALESCE(s.shard_size, 0)::bigint, \
                d.shardminvalue = d.shardmaxvalue \
         FROM citus_shards s JOIN pg_dist_shard d USING (shardid) \
         WHERE s.shardid = get_shard_id_for_distribution_column($1::regclass, $2::{}) \
         ORDER BY s.nodeport LIMIT 1",
        kind.sql_type()
    );
    let (shard, node, shard_bytes, isolated): (i64, String, i64, bool) =
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(root)
            .bind(key)
            .fetch_one(&mut *conn)
            .await?;
    Ok(Placement {
        shard,
        node,
        shard_bytes,
        isolated,
    })
}

/// `citus_stat_tenants` for the root table's colocation group, by tenant.
async fn activity(
    conn: &mut PgConnection,
    root: &str,
) -> Result<BTreeMap<String, Activity>, Error> {
    let rows: Vec<(String, i64, i64, f64)> = sqlx::query_as(
        "SELECT tenant_attribute,
                sum(read_count_in_this_period + read_count_in_last_period)::bigint,
                sum(query_count_in_this_period + query_count_in_last_period)::bigint,
                sum(cpu_usage_in_this_period + cpu_usage_in_last_period)::float8
         FROM citus_stat_tenants
         WHERE colocation_id = (SELECT colocationid FROM pg_dist_partition WHERE logicalrelid = $1::regclass)
         GROUP BY tenant_attribute",
    )
    .bind(root)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(tenant, read_count, query_count, cpu_seconds)| {
            (
                tenant,
                Activity {
                    read_count,
                    query_count,
                    cpu_seconds,
                },
            )
        })
        .collect())
}

/// Turns tenant tracking on for new sessions of the current database
/// (`ALTER DATABASE ... SET citus.stat_tenants_track = 'all'`), on the coordinator and, through
/// Citus, the workers.
///
/// ```no_run
/// # async fn f(pool: sqlx::PgPool) -> Result<(), multitenant_citus::Error> {
/// multitenant_citus::tenant::track_tenants(&pool).await?;
/// # Ok(()) }
/// ```
pub async fn track_tenants(pool: &PgPool) -> Result<(), Error> {
    let mut conn = pool.acquire().await?;
    if !crate::tenant::isolate::has_citus(&mut conn).await? {
        return Err(Error::NotCitus {
            operation: "tenant tracking",
        });
    }
    let name: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(&mut *conn)
        .await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "ALTER DATABASE {} SET citus.stat_tenants_track = 'all'",
        sql::ident(&name)
    )))
    .execute(&mut *conn)
    .await?;
    Ok(())
}
