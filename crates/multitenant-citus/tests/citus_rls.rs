//! The row-level-security backstop on a real Citus cluster (`CITUS_URL`, e.g.
//! postgres://postgres@127.0.0.1:9700/citus?sslmode=disable): the sample domain distributed,
//! the policies applied on the coordinator, and a role subject to them that reaches the shards
//! on the workers past the scoper sees and changes only the tenant in the setting. Works in a
//! schema of its own, dropped at the end; skipped, saying so, without `CITUS_URL`.

mod common;

use multitenant::{Schema, Setting};
use multitenant_citus::rls::{self, Options};
use multitenant_test_support::{AppRole, SAMPLE_DOMAIN, clean_up, unique_name};
use sqlx::{Connection, PgConnection, PgPool};

/// Drops the test's schema when the test ends, however it ends.
struct DropSchema<'a>(&'a str, String);

impl Drop for DropSchema<'_> {
    fn drop(&mut self) {
        clean_up(self.0, &format!("DROP SCHEMA IF EXISTS {} CASCADE", self.1));
    }
}

async fn run(conn: &mut PgConnection, sql: &str) {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A transaction on `conn` with the tenant setting set to `tenants`, when given.
async fn begin<'c>(
    conn: &'c mut PgConnection,
    tenants: Option<&str>,
) -> sqlx::Transaction<'c, sqlx::Postgres> {
    let mut tx = conn.begin().await.unwrap();
    if let Some(value) = tenants {
        sqlx::raw_sql(sqlx::AssertSqlSafe(Setting::default().set_local(value)))
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx
}

#[tokio::test]
async fn policies_on_distributed_tables_keep_a_role_within_its_tenant() {
    let Ok(url) = std::env::var("CITUS_URL") else {
        println!("skipped: CITUS_URL is not set (e.g. postgres://postgres@127.0.0.1:9700/citus)");
        return;
    };
    let name = unique_name("mt_citus_rls");
    let mut admin = PgConnection::connect(&url).await.unwrap();
    run(&mut admin, &format!("CREATE SCHEMA {name}")).await;
    let _schema_guard = DropSchema(&url, name.clone());
    run(&mut admin, &format!("SET search_path TO {name}")).await;
    run(&mut admin, SAMPLE_DOMAIN).await;
    admin.close().await.unwrap();

    let pool = PgPool::connect(&format!(
        "{url}{}options=-csearch_path%3D{name}",
        if url.contains('?') { "&" } else { "?" }
    ))
    .await
    .unwrap();
    let s = &name;
    let schema = Schema::builder()
        .search_path([s.as_str()])
        .tenant_root(&format!("{s}.accounts"), "id")
        .tenant_table(&format!("{s}.managers"), "account_id")
        .tenant_table(&format!("{s}.projects"), "account_id")
        .tenant_table(&format!("{s}.project_managers"), "account_id")
        .tenant_table(&format!("{s}.tasks"), "account_id")
        .reference_table(&format!("{s}.countries"))
        .build()
        .unwrap();
    multitenant_citus::apply(&pool, &schema).await.unwrap();
    let distributed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid \
         WHERE c.relnamespace = $1::regnamespace",
    )
    .bind(&name)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(distributed, 6);
    rls::apply(&pool, &schema, &Options::default())
        .await
        .unwrap();
    // Again: idempotent on distributed tables too.
    rls::apply(&pool, &schema, &Options::default())
        .await
        .unwrap();

    let role = AppRole::create(&url, &name).await;
    let mut setup = PgConnection::connect(&url).await.unwrap();
    run(
        &mut setup,
        &format!(
            "ALTER ROLE {r} SET citus.propagate_set_commands = 'local';
             ALTER ROLE {r} SET search_path = {name}",
            r = role.name
        ),
    )
    .await;
    setup.close().await.unwrap();
    let others = format!("SELECT t::text FROM {name}.tasks t WHERE account_id <> 2 ORDER BY 1");
    let before: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(others.clone()))
        .fetch_all(&pool)
        .await
        .unwrap();

    let mut app = PgConnection::connect(&role.url(&url)).await.unwrap();
    let tenants = "SELECT DISTINCT account_id FROM tasks ORDER BY 1";
    let mut tx = begin(&mut app, Some("2")).await;
    let seen: Vec<i64> = sqlx::query_scalar(tenants)
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(seen, [2]);
    let updated = sqlx::query("UPDATE tasks SET name = 'changed'")
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(updated.rows_affected(), 6);
    let deleted = sqlx::query("DELETE FROM project_managers")
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(deleted.rows_affected(), 3);
    tx.commit().await.unwrap();

    let mut tx = begin(&mut app, Some("2")).await;
    let err = sqlx::query("INSERT INTO tasks VALUES (1, 99, 1, 'intruder', false)")
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");
    tx.rollback().await.unwrap();

    let mut tx = begin(&mut app, Some("1,3")).await;
    let seen: Vec<i64> = sqlx::query_scalar(tenants)
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(seen, [1, 3]);
    tx.commit().await.unwrap();
    let mut tx = begin(&mut app, None).await;
    let seen: Vec<i64> = sqlx::query_scalar(tenants)
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert!(seen.is_empty());
    tx.commit().await.unwrap();
    app.close().await.unwrap();

    let after: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(others))
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(after, before);
    let links: i64 = sqlx::query_scalar("SELECT count(*) FROM project_managers")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(links, 6);
    rls::remove(&pool, &schema).await.unwrap();
    pool.close().await;
}
