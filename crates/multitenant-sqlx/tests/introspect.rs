//! The schema read off a live database agrees with the one written in code.

mod common;

use common::{DOMAIN, TestDb, schema};
use multitenant::catalog::Convention;
use multitenant::{Schema, TableKind};

#[tokio::test]
async fn introspection_matches_the_declared_schema() {
    let db = TestDb::create(DOMAIN).await;
    let convention = Convention {
        root_table: "accounts".into(),
        ..Convention::default()
    };
    let found = multitenant_sqlx::introspect(&db.pool, &convention)
        .await
        .unwrap();
    // countries has no tenant column and no Citus metadata: unknown, and so untouched.
    let expected = Schema::builder()
        .tenant_root("accounts", "id")
        .tenant_table("managers", "account_id")
        .tenant_table("projects", "account_id")
        .tenant_table("project_managers", "account_id")
        .tenant_table("tasks", "account_id")
        .build()
        .unwrap();
    assert_eq!(found, expected);
    assert_eq!(
        found.tenant_tables().count(),
        schema().tenant_tables().count()
    );

    // Views over tenant tables, another schema, and the search path.
    sqlx::raw_sql(
        "CREATE VIEW open_tasks AS SELECT account_id, id, name FROM tasks WHERE NOT done;
         CREATE VIEW task_totals AS SELECT count(*) AS n FROM tasks;
         CREATE SCHEMA app;
         CREATE TABLE app.notes (account_id bigint, id bigint, body text);",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "ALTER DATABASE {} SET search_path = app, public",
        db.name
    )))
    .execute(&db.pool)
    .await
    .unwrap();
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    let found = multitenant_sqlx::introspect(&pool, &convention)
        .await
        .unwrap();
    assert_eq!(found.tenant_column(None, "open_tasks"), Some("account_id"));
    assert_eq!(
        found.table_kind(None, "task_totals"),
        Some(&TableKind::Restricted)
    );
    assert_eq!(found.tenant_column(None, "notes"), Some("account_id"));
    assert_eq!(found.search_path(), ["app", "public"]);
    pool.close().await;
}
