//! The shards spread evenly over the worker nodes: the plan from
//! `get_rebalance_table_shards_plan()`, applied as a background job (`citus_rebalance_start`)
//! followed to its end through `citus_rebalance_status()`.

use std::fmt;
use std::time::Duration;

use sqlx::PgPool;

use super::isolate::has_citus;
use crate::Error;

/// One shard move of a rebalance.
///
/// ```
/// let m = multitenant_citus::tenant::ShardMove {
///     table: "accounts".into(), shard: 102008, bytes: 8192, from: "w1:5432".into(), to: "w2:5432".into(),
/// };
/// assert_eq!(m.to_string(), "move shard 102008 of accounts (8192 bytes) from w1:5432 to w2:5432");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardMove {
    /// The table, as Citus names it.
    pub table: String,
    /// The shard.
    pub shard: i64,
    /// Its size.
    pub bytes: i64,
    /// The node it is on, `host:port`.
    pub from: String,
    /// The node it goes to.
    pub to: String,
}

impl fmt::Display for ShardMove {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "move shard {} of {} ({} bytes) from {} to {}",
            self.shard, self.table, self.bytes, self.from, self.to
        )
    }
}

/// The moves a rebalance would make (colocated shards move together).
///
/// ```
/// let plan = multitenant_citus::tenant::RebalancePlan { moves: vec![] };
/// assert_eq!(plan.to_string(), "balanced: nothing to move\n");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RebalancePlan {
    /// The moves, in the order Citus plans them.
    pub moves: Vec<ShardMove>,
}

impl fmt::Display for RebalancePlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.moves.is_empty() {
            return writeln!(f, "balanced: nothing to move");
        }
        for m in &self.moves {
            writeln!(f, "{m}")?;
        }
        Ok(())
    }
}

/// What `get_rebalance_table_shards_plan()` proposes for the database. Reads only.
///
/// ```no_run
/// # async fn f(pool: sqlx::PgPool) -> Result<(), multitenant_citus::Error> {
/// print!("{}", multitenant_citus::tenant::rebalance_plan(&pool).await?);
/// # Ok(()) }
/// ```
pub async fn rebalance_plan(pool: &PgPool) -> Result<RebalancePlan, Error> {
    let mut conn = pool.acquire().await?;
    if !has_citus(&mut conn).await? {
        return Err(Error::NotCitus {
            operation: "rebalance",
        });
    }
    let rows: Vec<(String, i64, i64, String, String)> = sqlx::query_as(
        "SELECT table_name::text, shardid, shard_size::bigint, \
                sourcename || ':' || sourceport, targetname || ':' || targetport \
         FROM get_rebalance_table_shards_plan()",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(RebalancePlan {
        moves: rows
            .into_iter()
            .map(|(table, shard, bytes, from, to)| ShardMove {
                table,
                shard,
                bytes,
                from,
                to,
            })
            .collect(),
    })
}

/// Starts the rebalance as a background job (`block_writes`) and waits for it, telling
/// `progress` the job's state whenever it changes. Returns the job id, or `None` when there was
/// nothing to move; a job that fails or is cancelled is [`Error::Rebalance`].
///
/// ```no_run
/// # async fn f(pool: sqlx::PgPool) -> Result<(), multitenant_citus::Error> {
/// multitenant_citus::tenant::rebalance(&pool, &mut |line| println!("{line}")).await?;
/// # Ok(()) }
/// ```
pub async fn rebalance(
    pool: &PgPool,
    progress: &mut dyn FnMut(&str),
) -> Result<Option<i64>, Error> {
    if rebalance_plan(pool).await?.moves.is_empty() {
        progress("balanced: nothing to move");
        return Ok(None);
    }
    let mut conn = pool.acquire().await?;
    let job: Option<i64> =
        sqlx::query_scalar("SELECT citus_rebalance_start(shard_transfer_mode => 'block_writes')")
            .fetch_one(&mut *conn)
            .await?;
    let Some(job) = job else {
        progress("balanced: nothing to move");
        return Ok(None);
    };
    progress(&format!("rebalance job {job} started"));
    let mut last = String::new();
    loop {
        let (state, details): (String, String) = sqlx::query_as(
            "SELECT state::text, COALESCE(details::text, '') FROM citus_rebalance_status() \
             WHERE job_id = $1",
        )
        .bind(job)
        .fetch_one(&mut *conn)
        .await?;
        if state != last {
            progress(&format!("rebalance job {job}: {state}"));
            last.clone_from(&state);
        }
        match state.as_str() {
            "finished" => return Ok(Some(job)),
            "failed" | "cancelled" | "failing" | "cancelling" => {
                return Err(Error::Rebalance {
                    job,
                    state,
                    details,
                });
            }
            _ => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
}
