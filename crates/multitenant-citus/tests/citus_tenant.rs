//! Tenant operations on a real Citus cluster (`CITUS_URL`, e.g.
//! postgres://postgres@127.0.0.1:9700/citus?sslmode=disable), in a database of its own on every
//! node: the sample domain distributed, then with `citus.multi_task_query_log_level = 'error'`
//! (a statement on more than one shard fails) a tenant is isolated to a shard of its own, moved
//! to the other worker, exported, deleted and imported again; stats show its queries. Without
//! `CITUS_URL` the test prints that it was skipped.

mod common;

use std::sync::Arc;

use common::cluster::{ClusterDb, citus_url};
use common::{everything, schema};
use multitenant::{Scope, Scoper, TenantKey};
use multitenant_citus::tenant::{self, StatsOptions};
use multitenant_sqlx::Tenanted;
use multitenant_test_support::{SAMPLE_DOMAIN, files_in, unique_name};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

/// Connections on which a statement that touches more than one shard is an error.
async fn single_shard_pool(url: &str) -> PgPool {
    PgPoolOptions::new()
        .max_connections(2)
        .after_connect(|conn, _| {
            Box::pin(async move {
                sqlx::raw_sql("SET citus.multi_task_query_log_level = 'error'")
                    .execute(conn)
                    .await?;
                Ok(())
            })
        })
        .connect(url)
        .await
        .expect("connect")
}

/// Tenant `key`'s tasks, read through the scoper.
async fn tasks(pool: &PgPool, key: i64) -> Vec<String> {
    let scoper = Arc::new(Scoper::new(schema()));
    let mut conn = pool.acquire().await.unwrap();
    sqlx::query_scalar("SELECT to_jsonb(t)::text FROM tasks t ORDER BY id")
        .fetch_all(Tenanted::new(&mut *conn, scoper, Scope::one(key)))
        .await
        .unwrap()
}

#[tokio::test]
async fn isolate_move_export_delete_import_and_stats_on_citus() {
    let Some(citus) = citus_url() else { return };
    let cluster = ClusterDb::create(&citus).await;
    let admin = PgPoolOptions::new()
        .max_connections(2)
        .connect(&cluster.url)
        .await
        .unwrap();
    sqlx::raw_sql(SAMPLE_DOMAIN).execute(&admin).await.unwrap();
    multitenant_citus::apply(&admin, &schema()).await.unwrap();
    tenant::track_tenants(&admin).await.unwrap();
    let pool = single_shard_pool(&cluster.url).await;
    let s = schema();
    let key = TenantKey::from(2_i64);
    let before_tasks = tasks(&pool, 2).await;
    assert_eq!(before_tasks.len(), 6);

    // Isolate: planned first, then run; the move goes to the worker the tenant is not on.
    let plan = tenant::isolate_plan(&pool, &s, &key, None).await.unwrap();
    assert!(!plan.before.isolated);
    assert_eq!(plan.steps.len(), 1);
    assert!(
        plan.steps[0]
            .starts_with("SELECT isolate_tenant_to_new_shard('public.accounts', 2, 'CASCADE'")
    );
    let mut progress = Vec::new();
    let after = tenant::isolate(&admin, &s, &plan, &mut |l| progress.push(l.to_owned()))
        .await
        .unwrap();
    assert!(after.isolated, "{progress:?}");
    assert_ne!(after.shard, plan.before.shard);
    println!("isolated: {progress:?}");
    // A shard of its own in every colocated table: min = max = the key's hash.
    let own: Vec<(String, bool)> = sqlx::query_as(
        "SELECT logicalrelid::regclass::text, bool_and(shardminvalue = shardmaxvalue \
                AND shardminvalue::int = worker_hash(2::bigint)) \
         FROM pg_dist_shard \
         WHERE logicalrelid::regclass::text IN ('accounts', 'managers', 'projects', 'project_managers', 'tasks') \
           AND worker_hash(2::bigint) BETWEEN shardminvalue::int AND shardmaxvalue::int \
         GROUP BY 1 ORDER BY 1",
    )
    .fetch_all(&admin)
    .await
    .unwrap();
    assert_eq!(own.len(), 5, "{own:?}");
    assert!(own.iter().all(|(_, isolated)| *isolated), "{own:?}");
    assert_eq!(tasks(&pool, 2).await, before_tasks);
    let again = tenant::isolate_plan(&pool, &s, &key, None).await.unwrap();
    assert!(again.steps.is_empty() && again.to_string().contains("nothing to do"));

    let other: tenant::Node = cluster
        .workers
        .iter()
        .find(|w| **w != after.node)
        .unwrap()
        .parse()
        .unwrap();
    let plan = tenant::isolate_plan(&pool, &s, &key, Some(&other))
        .await
        .unwrap();
    assert_eq!(plan.steps.len(), 1);
    assert!(
        plan.steps[0].contains("citus_move_shard_placement"),
        "{plan}"
    );
    let moved = tenant::isolate(&admin, &s, &plan, &mut |l| println!("{l}"))
        .await
        .unwrap();
    assert_eq!(moved.node, other.to_string());
    assert!(moved.isolated);
    assert_eq!(tasks(&pool, 2).await, before_tasks);
    let nowhere = "127.0.0.1:1".parse().unwrap();
    let err = tenant::isolate_plan(&pool, &s, &key, Some(&nowhere))
        .await
        .unwrap_err();
    assert!(
        matches!(err, multitenant_citus::Error::UnknownNode { .. }),
        "{err:?}"
    );

    // Export, delete and import, every statement on one shard.
    let before = everything(&admin).await;
    let (first, second) = (
        std::env::temp_dir().join(unique_name("mt_citus_export")),
        std::env::temp_dir().join(unique_name("mt_citus_export")),
    );
    tenant::export(&pool, &s, &key, &first, true).await.unwrap();
    let deleted = tenant::delete(&pool, &s, &key, false).await.unwrap();
    assert_eq!(deleted.tables.iter().map(|t| t.rows).sum::<u64>(), 15);
    assert!(tasks(&pool, 2).await.is_empty());
    let imported = tenant::import(&pool, &s, &first).await.unwrap();
    assert_eq!(
        imported.tables.iter().map(|t| t.rows).sum::<u64>(),
        15,
        "{imported}"
    );
    assert_eq!(everything(&admin).await, before);
    tenant::export(&pool, &s, &key, &second, true)
        .await
        .unwrap();
    assert_eq!(files_in(&first), files_in(&second));
    let err = tenant::import(&pool, &s, &first).await.unwrap_err();
    assert!(
        matches!(err, multitenant_citus::Error::RowExists { .. }),
        "{err:?}"
    );
    assert_eq!(everything(&admin).await, before);
    std::fs::remove_dir_all(&first).ok();
    std::fs::remove_dir_all(&second).ok();

    // Traffic on new connections (tracking is on for them), then the tenant's numbers. The
    // counters live in each node's shared memory, so only the growth is this test's.
    let one = StatsOptions {
        top: None,
        tenant: Some(key.clone()),
    };
    let queries =
        |r: &tenant::StatsReport| r.tenants[0].activity.as_ref().map_or(0, |a| a.query_count);
    let earlier = queries(&tenant::stats(&pool, &s, &one).await.unwrap());
    let traffic = single_shard_pool(&cluster.url).await;
    for _ in 0..5 {
        tasks(&traffic, 2).await;
    }
    traffic.close().await;
    let report = tenant::stats(&pool, &s, &one).await.unwrap();
    println!("{report}");
    assert!(report.citus);
    assert_eq!(report.tenants.len(), 1);
    let t = &report.tenants[0];
    assert_eq!(t.rows, 15);
    let placement = t.placement.as_ref().unwrap();
    assert_eq!(placement.node, other.to_string());
    assert!(placement.isolated);
    let activity = t
        .activity
        .as_ref()
        .expect("the tenant's queries are tracked");
    assert!(
        activity.query_count >= earlier + 5,
        "{earlier} then {activity:?}"
    );
    // A session opened after tracking was turned on reports it on.
    let fresh = PgPool::connect(&cluster.url).await.unwrap();
    let all = tenant::stats(&fresh, &s, &StatsOptions::default())
        .await
        .unwrap();
    fresh.close().await;
    assert_eq!(all.tenants.len(), 3);
    assert_eq!(all.tracking.as_deref(), Some("all"));
    println!("{all}");

    // Four more shard groups on the tenant's worker leave the workers uneven; a rebalance evens
    // them out.
    let from = cluster.workers.iter().find(|w| **w != moved.node).unwrap();
    let from: tenant::Node = from.parse().unwrap();
    sqlx::query(
        "SELECT citus_move_shard_placement(s.shardid, $1, $2, $3, $4, shard_transfer_mode => 'block_writes') \
         FROM (SELECT shardid FROM citus_shards WHERE table_name = 'accounts'::regclass \
               AND nodename = $1 AND nodeport = $2 ORDER BY shardid LIMIT 4) s",
    )
    .bind(&from.host)
    .bind(i32::from(from.port))
    .bind(&other.host)
    .bind(i32::from(other.port))
    .execute(&admin)
    .await
    .unwrap();
    let plan = tenant::rebalance_plan(&admin).await.unwrap();
    assert!(!plan.moves.is_empty());
    println!("rebalance plan:\n{plan}");
    tenant::rebalance(&admin, &mut |l| println!("{l}"))
        .await
        .unwrap();
    assert!(
        tenant::rebalance_plan(&admin)
            .await
            .unwrap()
            .moves
            .is_empty()
    );
    assert_eq!(tasks(&pool, 2).await, before_tasks);
    pool.close().await;
    admin.close().await;
}
