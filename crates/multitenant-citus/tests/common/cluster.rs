//! A database of its own on a Citus cluster (`CITUS_URL`): created on the coordinator and on each
//! worker with the extension, the workers registered; dropped everywhere on drop. Operations that
//! act on a whole database (a rebalance) touch only this one.

use multitenant_test_support::{drop_database, unique_name, with_database, with_host};
use sqlx::{AssertSqlSafe, Connection, PgConnection};

/// `CITUS_URL`, or `None` after saying plainly that the test was skipped.
pub fn citus_url() -> Option<String> {
    let url = std::env::var("CITUS_URL").ok();
    if url.is_none() {
        println!("skipped: CITUS_URL is not set (e.g. postgres://postgres@127.0.0.1:9700/citus)");
    }
    url
}

pub struct ClusterDb {
    pub name: String,
    /// The new database on the coordinator.
    pub url: String,
    /// The workers, `host:port`.
    pub workers: Vec<String>,
    /// `postgres` database URL of each node, coordinator first.
    nodes: Vec<String>,
}

async fn exec(conn: &mut PgConnection, sql: &str) {
    sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .execute(&mut *conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

impl ClusterDb {
    pub async fn create(citus_url: &str) -> ClusterDb {
        let mut coordinator = PgConnection::connect(citus_url)
            .await
            .expect("connect to CITUS_URL");
        let workers: Vec<(String, i32)> = sqlx::query_as(
            "SELECT nodename, nodeport FROM pg_dist_node \
             WHERE groupid <> 0 AND noderole = 'primary' AND isactive ORDER BY nodeport",
        )
        .fetch_all(&mut coordinator)
        .await
        .unwrap();
        assert!(
            workers.len() >= 2,
            "the cluster at CITUS_URL needs two workers"
        );
        // The coordinator as the workers reach it: the address and port this connection came in on.
        let (host, port): (String, i32) =
            sqlx::query_as("SELECT host(inet_server_addr()), current_setting('port')::int")
                .fetch_one(&mut coordinator)
                .await
                .unwrap();
        coordinator.close().await.ok();

        let name = unique_name("mt_citus_tenant");
        let mut nodes = vec![with_database(citus_url, "postgres")];
        nodes.extend(
            workers.iter().map(|(h, p)| {
                with_database(&with_host(citus_url, &format!("{h}:{p}")), "postgres")
            }),
        );
        let db = ClusterDb {
            url: with_database(citus_url, &name),
            workers: workers.iter().map(|(h, p)| format!("{h}:{p}")).collect(),
            name,
            nodes,
        };
        for node in &db.nodes {
            let mut admin = PgConnection::connect(node)
                .await
                .expect("connect to a node");
            exec(&mut admin, &format!("CREATE DATABASE {}", db.name)).await;
            admin.close().await.ok();
            let mut conn = PgConnection::connect(&with_database(node, &db.name))
                .await
                .unwrap();
            exec(&mut conn, "CREATE EXTENSION citus").await;
            conn.close().await.ok();
        }
        let mut conn = PgConnection::connect(&db.url).await.unwrap();
        exec(
            &mut conn,
            &format!("SELECT citus_set_coordinator_host('{host}', {port})"),
        )
        .await;
        for (h, p) in &workers {
            exec(&mut conn, &format!("SELECT citus_add_node('{h}', {p})")).await;
        }
        conn.close().await.ok();
        db
    }
}

impl Drop for ClusterDb {
    fn drop(&mut self) {
        drop_database(&self.nodes, &self.name);
    }
}
