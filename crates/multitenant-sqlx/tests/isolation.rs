//! The scoped executor against real PostgreSQL: three tenants with overlapping ids; no tenant
//! ever reads, changes or deletes another's rows.

mod common;

use common::{Task, domain, dump};
use futures_util::TryStreamExt;
use multitenant::adapter::{ScopeSource, Scoping};
use multitenant::{Error, Scope};
use multitenant_sqlx::{Tenanted, scope_error};
use sqlx::{Executor, Row, SqlSafeStr};

#[tokio::test]
async fn reads_see_only_the_tenants_rows() {
    let (_db, pool) = domain().await;
    for tenant in 1..=3_i64 {
        let db = pool.tenant(tenant);
        let tasks: Vec<Task> =
            sqlx::query_as("SELECT account_id, id, name, done FROM tasks ORDER BY id")
                .fetch_all(db)
                .await
                .unwrap();
        assert_eq!(tasks.len(), 6);
        assert!(
            tasks
                .iter()
                .all(|t| t.account_id == tenant && t.name.ends_with(&format!(" of {tenant}")))
        );

        let one: Task =
            sqlx::query_as("SELECT account_id, id, name, done FROM tasks WHERE id = $1")
                .bind(2_i64)
                .fetch_one(pool.tenant(tenant))
                .await
                .unwrap();
        assert_eq!(one.account_id, tenant);

        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM tasks t JOIN projects p ON p.id = t.project_id",
        )
        .fetch_one(pool.tenant(tenant))
        .await
        .unwrap();
        assert_eq!(n, 6, "the join stays inside the tenant");

        // The many-to-many: a project's managers, through the link table.
        let managers: Vec<String> = sqlx::query_scalar(
            "SELECT m.name FROM managers m JOIN project_managers pm ON pm.manager_id = m.id \
             JOIN projects p ON p.id = pm.project_id WHERE p.id = $1 ORDER BY m.name",
        )
        .bind(1_i64)
        .fetch_all(pool.tenant(tenant))
        .await
        .unwrap();
        assert_eq!(managers, vec![format!("manager 2 of {tenant}")]);

        // A stream.
        let streamed: Vec<i64> = sqlx::query("SELECT account_id FROM projects")
            .fetch(pool.tenant(tenant))
            .map_ok(|row| row.get::<i64, _>(0))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(streamed, vec![tenant; 3]);

        // The root table: a tenant sees its own account, and the reference table is shared.
        let accounts: Vec<i64> = sqlx::query_scalar("SELECT id FROM accounts")
            .fetch_all(pool.tenant(tenant))
            .await
            .unwrap();
        assert_eq!(accounts, vec![tenant]);
        let countries: i64 = sqlx::query_scalar("SELECT count(*) FROM countries")
            .fetch_one(pool.tenant(tenant))
            .await
            .unwrap();
        assert_eq!(countries, 2);
    }
    // A set of tenants.
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks")
        .fetch_one(pool.scoped(Scope::many([1_i64, 3])))
        .await
        .unwrap();
    assert_eq!(n, 12);
    // Explicitly unscoped.
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks")
        .fetch_one(pool.unscoped())
        .await
        .unwrap();
    assert_eq!(n, 18);
}

#[tokio::test]
async fn writes_stay_inside_the_tenant() {
    let (db, pool) = domain().await;
    // Insert: the tenant column is filled in.
    let r = sqlx::query("INSERT INTO tasks (id, project_id, name) VALUES ($1, $2, $3)")
        .bind(100_i64)
        .bind(1_i64)
        .bind("new")
        .execute(pool.tenant(2))
        .await
        .unwrap();
    assert_eq!(r.rows_affected(), 1);
    let owner: i64 = sqlx::query_scalar("SELECT account_id FROM tasks WHERE id = 100")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(owner, 2);

    // Update and delete touch only the tenant's row with that id.
    let before_1 = dump(&db.pool, "tasks WHERE account_id <> 2").await;
    let r = sqlx::query("UPDATE tasks SET done = NOT done WHERE id = $1")
        .bind(1_i64)
        .execute(pool.tenant(2))
        .await
        .unwrap();
    assert_eq!(r.rows_affected(), 1);
    let r = sqlx::query("DELETE FROM tasks WHERE id = $1")
        .bind(3_i64)
        .execute(pool.tenant(2))
        .await
        .unwrap();
    assert_eq!(r.rows_affected(), 1);
    let r = sqlx::query("DELETE FROM tasks WHERE id = 100")
        .execute(pool.tenant(3))
        .await
        .unwrap();
    assert_eq!(
        r.rows_affected(),
        0,
        "tenant 3 cannot delete tenant 2's row"
    );
    assert_eq!(
        dump(&db.pool, "tasks WHERE account_id <> 2").await,
        before_1
    );

    // An upsert cannot take over another tenant's row.
    sqlx::query(
        "INSERT INTO projects (id, name) VALUES ($1, $2) ON CONFLICT (account_id, id) DO UPDATE SET name = EXCLUDED.name",
    )
    .bind(1_i64)
    .bind("renamed")
    .execute(pool.tenant(1))
    .await
    .unwrap();
    let names: Vec<String> =
        sqlx::query_scalar("SELECT name FROM projects WHERE id = 1 ORDER BY account_id")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(names, vec!["renamed", "project 1 of 2", "project 1 of 3"]);

    // A row never moves to another tenant.
    let all = dump(&db.pool, "tasks").await;
    let err = sqlx::query("UPDATE tasks SET account_id = 1 WHERE id = 1")
        .execute(pool.tenant(2))
        .await
        .unwrap_err();
    assert!(
        matches!(
            scope_error(&err),
            Some(Error::TenantColumnAssignment { .. })
        ),
        "{err}"
    );
    // A cross-tenant insert fails in PostgreSQL and writes nothing.
    let err = sqlx::query("INSERT INTO tasks (account_id, id, project_id, name) VALUES ($1, 200, 1, 'x'), (2, 201, 1, 'y')")
        .bind(1_i64)
        .execute(pool.tenant(2))
        .await
        .unwrap_err();
    match scope_error(&err) {
        Some(Error::CrossTenantWrite {
            table,
            value,
            current,
            ..
        }) => {
            assert_eq!(
                (table.as_str(), value.as_str(), current.as_str()),
                ("tasks", "1", "2")
            );
        }
        other => panic!("expected a cross-tenant write, got {other:?} / {err}"),
    }
    assert_eq!(dump(&db.pool, "tasks").await, all);
    // Naming its own tenant is fine.
    sqlx::query("INSERT INTO tasks (account_id, id, project_id, name) VALUES ($1, 300, 1, 'own')")
        .bind(2_i64)
        .execute(pool.tenant(2))
        .await
        .unwrap();
}

#[tokio::test]
async fn no_tenant_set_refuses_everything_and_writes_nothing() {
    let (db, pool) = domain().await;
    let before = dump(&db.pool, "tasks").await;
    for sql in [
        "SELECT * FROM tasks",
        "INSERT INTO tasks (id, project_id, name) VALUES (1000, 1, 'x')",
        "UPDATE tasks SET done = true",
        "DELETE FROM tasks",
        "SELECT * FROM countries c JOIN accounts a ON a.country_id = c.id",
    ] {
        for db_handle in [
            pool.ambient(),
            Tenanted::with_scoping(
                pool.pool(),
                Scoping::new(pool.scoper().clone(), ScopeSource::NoTenant),
            ),
        ] {
            let err = sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(db_handle)
                .await
                .unwrap_err();
            assert!(
                matches!(scope_error(&err), Some(Error::NoTenant { .. })),
                "{sql}: {err}"
            );
        }
        let err = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(pool.ambient())
            .await
            .unwrap_err();
        assert!(
            matches!(scope_error(&err), Some(Error::NoTenant { .. })),
            "{sql}: {err}"
        );
    }
    assert_eq!(dump(&db.pool, "tasks").await, before);
    // The reference table needs no tenant.
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM countries")
        .fetch_one(pool.ambient())
        .await
        .unwrap();
    assert_eq!(n, 2);
    // The ambient scope works.
    let n: i64 = multitenant::scope(
        3_i64,
        sqlx::query_scalar("SELECT count(*) FROM tasks WHERE done").fetch_one(pool.ambient()),
    )
    .await
    .unwrap();
    assert_eq!(n, 3);
}

#[tokio::test]
async fn transactions_and_connections_stay_scoped() {
    let (db, pool) = domain().await;
    let mut tx = pool.tenant(3_i64).begin().await.unwrap();
    sqlx::query("INSERT INTO projects (id, name) VALUES (50, 'in tx')")
        .execute(tx.executor())
        .await
        .unwrap();
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM projects")
        .fetch_one(tx.executor())
        .await
        .unwrap();
    assert_eq!(n, 4);
    tx.rollback().await.unwrap();
    assert_eq!(dump(&db.pool, "projects WHERE id = 50").await.len(), 0);

    let mut tx = multitenant::scope(1_i64, async { pool.ambient().begin().await })
        .await
        .unwrap();
    sqlx::query("DELETE FROM tasks WHERE done")
        .execute(tx.executor())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let left: Vec<i64> =
        sqlx::query_scalar("SELECT account_id FROM tasks WHERE done GROUP BY 1 ORDER BY 1")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(left, vec![2, 3]);

    // A connection of the caller's, wrapped.
    let mut conn = db.pool.acquire().await.unwrap();
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM managers ORDER BY id")
        .fetch_all(Tenanted::new(
            &mut *conn,
            pool.scoper().clone(),
            Scope::one(2_i64),
        ))
        .await
        .unwrap();
    assert_eq!(names, vec!["manager 1 of 2", "manager 2 of 2"]);

    // A transaction of the caller's, wrapped: its writes reach only tenant 2 and commit with it.
    let before = dump(&db.pool, "managers WHERE account_id <> 2").await;
    let mut tx = db.pool.begin().await.unwrap();
    let r = sqlx::query("UPDATE managers SET name = name || ' (renamed)' WHERE id = $1")
        .bind(1_i64)
        .execute(Tenanted::new(
            &mut *tx,
            pool.scoper().clone(),
            Scope::one(2_i64),
        ))
        .await
        .unwrap();
    assert_eq!(r.rows_affected(), 1);
    drop(conn);
    tx.commit().await.unwrap();
    assert_eq!(
        dump(&db.pool, "managers WHERE name LIKE '%(renamed)'").await,
        vec!["(2,1,\"manager 1 of 2 (renamed)\")"]
    );
    assert_eq!(
        dump(&db.pool, "managers WHERE account_id <> 2").await,
        before
    );
}

#[tokio::test]
async fn simple_protocol_carries_the_key_as_a_literal() {
    let (db, pool) = domain().await;
    let r =
        sqlx::raw_sql("UPDATE tasks SET done = true; DELETE FROM project_managers WHERE id = 2")
            .execute(pool.tenant(1))
            .await
            .unwrap();
    assert_eq!(r.rows_affected(), 7);
    let done: Vec<(i64, i64)> =
        sqlx::query_as("SELECT account_id, count(*) FROM tasks WHERE done GROUP BY 1 ORDER BY 1")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(done, vec![(1, 6), (2, 3), (3, 3)]);
}

#[tokio::test]
async fn one_prepared_statement_serves_every_tenant() {
    let (db, pool) = domain().await;
    let mut conn = db.pool.acquire().await.unwrap();
    for tenant in 1..=3_i64 {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks WHERE done = $1")
            .bind(true)
            .fetch_one(Tenanted::new(
                &mut *conn,
                pool.scoper().clone(),
                Scope::one(tenant),
            ))
            .await
            .unwrap();
        assert_eq!(n, 3);
    }
    let prepared: Vec<String> = sqlx::query_scalar("SELECT statement FROM pg_prepared_statements WHERE statement LIKE 'SELECT count(*) FROM tasks%'")
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    assert_eq!(
        prepared,
        vec!["SELECT count(*) FROM tasks WHERE done = $1 AND tasks.account_id = $2"]
    );
    // Prepare and describe go through the scoper too.
    let described = Tenanted::new(&mut *conn, pool.scoper().clone(), Scope::one(1_i64))
        .describe(sqlx::AssertSqlSafe("SELECT name FROM tasks WHERE id = $1").into_sql_str())
        .await
        .unwrap();
    assert_eq!(described.columns().len(), 1);
    match described.parameters() {
        Some(sqlx::Either::Left(types)) => {
            assert_eq!(types.len(), 2, "the tenant parameter is described")
        }
        other => panic!("unexpected parameters {other:?}"),
    }
}
