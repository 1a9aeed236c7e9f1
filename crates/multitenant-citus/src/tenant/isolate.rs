//! A shard of its own for one tenant across its colocation group
//! (`isolate_tenant_to_new_shard(.., 'CASCADE')`), optionally moved to another node
//! (`citus_move_shard_placement`): planned first as SQL, run on request.

use std::fmt;
use std::str::FromStr;

use multitenant::{Schema, TableName, TenantKey};
use sqlx::{PgConnection, PgPool};

use super::stats::placement;
use super::{Placement, TenantScope, TenantTables};
use crate::{Error, sql};

/// A Citus node, `host:port`.
///
/// ```
/// let node: multitenant_citus::tenant::Node = "10.0.0.2:5432".parse()?;
/// assert_eq!((node.host.as_str(), node.port), ("10.0.0.2", 5432));
/// assert_eq!(node.to_string(), "10.0.0.2:5432");
/// # Ok::<(), multitenant_citus::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// The host name or address, as `pg_dist_node` has it.
    pub host: String,
    /// The port.
    pub port: u16,
}

impl FromStr for Node {
    type Err = Error;

    fn from_str(text: &str) -> Result<Node, Error> {
        text.rsplit_once(':')
            .and_then(|(host, port)| {
                Some(Node {
                    host: host.to_owned(),
                    port: port.parse().ok()?,
                })
                .filter(|n| !n.host.is_empty())
            })
            .ok_or_else(|| Error::UnknownNode {
                node: text.to_owned(),
            })
    }
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// What [`isolate`] would do for one tenant: where it is now and the statements that give it a
/// shard of its own and move it. Its `Display` is the SQL script, with comments.
///
/// ```
/// use multitenant::TableName;
/// use multitenant_citus::tenant::{IsolatePlan, Placement};
///
/// let plan = IsolatePlan {
///     root: TableName::new("public", "accounts"),
///     tenant_key: "7".into(),
///     before: Placement { shard: 102008, node: "w1:5432".into(), shard_bytes: 0, isolated: true },
///     steps: vec![],
/// };
/// assert!(plan.to_string().contains("nothing to do"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IsolatePlan {
    /// The tenant root table.
    pub root: TableName,
    /// The tenant's key.
    pub tenant_key: String,
    /// Where the tenant is now.
    pub before: Placement,
    /// The statements, in order; empty when there is nothing to do.
    pub steps: Vec<String>,
}

impl fmt::Display for IsolatePlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "-- tenant {} is in shard {} of {} on {}{}",
            self.tenant_key,
            self.before.shard,
            self.root,
            self.before.node,
            if self.before.isolated {
                ", a shard of its own"
            } else {
                ", shared with other tenants"
            }
        )?;
        if self.steps.is_empty() {
            writeln!(f, "-- nothing to do")?;
        }
        for step in &self.steps {
            writeln!(f, "{step};")?;
        }
        Ok(())
    }
}

pub(crate) async fn has_citus(conn: &mut PgConnection) -> Result<bool, Error> {
    Ok(
        sqlx::query_scalar("SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus')")
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// Plans giving tenant `key` a shard of its own in every table colocated with the root table
/// (skipped when it has one) and, with `to`, moving that shard group to the worker `to` (skipped
/// when it is there) with `block_writes`. Reads only.
///
/// ```no_run
/// # async fn f(pool: sqlx::PgPool, schema: multitenant::Schema) -> Result<(), multitenant_citus::Error> {
/// let to = "10.0.0.3:5432".parse()?;
/// let plan = multitenant_citus::tenant::isolate_plan(&pool, &schema, &42_i64.into(), Some(&to)).await?;
/// print!("{plan}");
/// # Ok(()) }
/// ```
pub async fn isolate_plan(
    pool: &PgPool,
    schema: &Schema,
    key: &TenantKey,
    to: Option<&Node>,
) -> Result<IsolatePlan, Error> {
    let scope = TenantScope::new(schema, key)?;
    let mut conn = pool.acquire().await?;
    if !has_citus(&mut conn).await? {
        return Err(Error::NotCitus {
            operation: "isolate",
        });
    }
    let tables = TenantTables::read(&mut conn, schema).await?;
    scope.require(&mut conn, tables.root()).await?;
    let root = sql::table(tables.root());
    let before = placement(&mut conn, &root, schema.key_kind(), &key.to_string()).await?;
    let literal = key
        .sql_literal()
        .unwrap_or_else(|| sql::literal(&key.to_string()));
    let mut steps = Vec::new();
    if !before.isolated {
        steps.push(format!(
            "SELECT isolate_tenant_to_new_shard({}, {literal}, 'CASCADE', shard_transfer_mode => 'block_writes')",
            sql::literal(&root)
        ));
    }
    if let Some(to) = to {
        let active: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT FROM citus_get_active_worker_nodes() \
             WHERE node_name = $1 AND node_port = $2)",
        )
        .bind(&to.host)
        .bind(i64::from(to.port))
        .fetch_one(&mut *conn)
        .await?;
        if !active {
            return Err(Error::UnknownNode {
                node: to.to_string(),
            });
        }
        let from: Node = before.node.parse()?;
        if from != *to {
            steps.push(format!(
                "SELECT citus_move_shard_placement(get_shard_id_for_distribution_column({}, {literal}), \
                 {}, {}, {}, {}, shard_transfer_mode => 'block_writes')",
                sql::literal(&root),
                sql::literal(&from.host),
                from.port,
                sql::literal(&to.host),
                to.port
            ));
        }
    }
    Ok(IsolatePlan {
        root: tables.root().clone(),
        tenant_key: key.to_string(),
        before,
        steps,
    })
}

/// Runs `plan`'s statements one by one (each commits on its own, as Citus requires), telling
/// `progress` before and after each, and returns where the tenant is afterwards.
///
/// ```no_run
/// # async fn f(pool: sqlx::PgPool, schema: multitenant::Schema) -> Result<(), multitenant_citus::Error> {
/// use multitenant_citus::tenant::{isolate, isolate_plan};
/// let plan = isolate_plan(&pool, &schema, &42_i64.into(), None).await?;
/// let after = isolate(&pool, &schema, &plan, &mut |line| println!("{line}")).await?;
/// assert!(after.isolated);
/// # Ok(()) }
/// ```
pub async fn isolate(
    pool: &PgPool,
    schema: &Schema,
    plan: &IsolatePlan,
    progress: &mut dyn FnMut(&str),
) -> Result<Placement, Error> {
    let mut conn = pool.acquire().await?;
    for (i, step) in plan.steps.iter().enumerate() {
        progress(&format!("[{}/{}] {step}", i + 1, plan.steps.len()));
        sqlx::raw_sql(sqlx::AssertSqlSafe(step.clone()))
            .execute(&mut *conn)
            .await
            .map_err(|source| Error::Step {
                sql: step.clone(),
                source,
            })?;
    }
    let after = placement(
        &mut conn,
        &sql::table(&plan.root),
        schema.key_kind(),
        &plan.tenant_key,
    )
    .await?;
    progress(&format!(
        "tenant {} is in shard {} on {}{}",
        plan.tenant_key,
        after.shard,
        after.node,
        if after.isolated {
            ", a shard of its own"
        } else {
            ""
        }
    ));
    Ok(after)
}
