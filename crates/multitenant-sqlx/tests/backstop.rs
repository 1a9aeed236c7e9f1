//! The row-level-security backstop through the sqlx adapter: policies applied, the application
//! connected as a role subject to them. A statement sent past the scoper on a connection the
//! adapter opened a transaction on stays within that transaction's tenant; scoped use gives the
//! same rows as without the backstop.

mod common;

use common::{DOMAIN, Task, TestDb, dump, schema};
use futures_util::TryStreamExt;
use multitenant::{Scope, Scoper, Setting};
use multitenant_citus::rls::{self, Options};
use multitenant_sqlx::{TenantPool, Tenanted};
use multitenant_test_support::AppRole;
use sqlx::{Acquire, PgPool};

/// The sample domain with the policies; `plain` scopes as the superuser without the backstop,
/// `guarded` as the application's role with it.
struct Backstopped {
    plain: TenantPool,
    guarded: TenantPool,
    role_pool: PgPool,
    _role: AppRole,
    db: TestDb,
}

async fn backstopped() -> Backstopped {
    let db = TestDb::create(DOMAIN).await;
    rls::apply(&db.pool, &schema(), &Options::default())
        .await
        .unwrap();
    let role = AppRole::create(&db.url, "public").await;
    let role_pool = PgPool::connect(&role.url(&db.url)).await.unwrap();
    let scoper = Scoper::new(schema()).with_row_level_security(Setting::default());
    Backstopped {
        plain: TenantPool::new(db.pool.clone(), Scoper::new(schema())),
        guarded: TenantPool::new(role_pool.clone(), scoper),
        role_pool,
        _role: role,
        db,
    }
}

const TENANTS: &str = "SELECT DISTINCT account_id FROM tasks ORDER BY 1";

#[tokio::test]
async fn statements_past_the_scoper_stay_within_the_transactions_tenant() {
    let b = backstopped().await;
    let others = "(SELECT * FROM tasks WHERE account_id <> 2) o";
    let before = dump(&b.db.pool, others).await;

    let mut tx = b.guarded.tenant(2_i64).begin().await.unwrap();
    let seen: Vec<i64> = sqlx::query_scalar(TENANTS)
        .fetch_all(tx.connection())
        .await
        .unwrap();
    assert_eq!(seen, [2]);
    let updated = sqlx::query("UPDATE tasks SET done = NOT done, name = 'changed'")
        .execute(tx.connection())
        .await
        .unwrap();
    assert_eq!(updated.rows_affected(), 6);
    let deleted = sqlx::query("DELETE FROM tasks WHERE done")
        .execute(tx.connection())
        .await
        .unwrap();
    assert_eq!(deleted.rows_affected(), 3);
    tx.commit().await.unwrap();
    assert_eq!(dump(&b.db.pool, others).await, before);
    assert_eq!(
        dump(
            &b.db.pool,
            "(SELECT name FROM tasks WHERE account_id = 2) t"
        )
        .await,
        ["(changed)", "(changed)", "(changed)"]
    );

    // Another tenant's row, written past the scoper: refused by the policy's WITH CHECK.
    let mut tx = b.guarded.tenant(2_i64).begin().await.unwrap();
    let err = sqlx::query("INSERT INTO tasks VALUES (1, 99, 1, 'intruder', false)")
        .execute(tx.connection())
        .await
        .unwrap_err();
    assert_eq!(
        err.as_database_error().and_then(|e| e.code()).as_deref(),
        Some("42501"),
        "{err}"
    );
    tx.rollback().await.unwrap();
    assert_eq!(dump(&b.db.pool, others).await, before);
}

#[tokio::test]
async fn without_a_tenant_set_nothing_is_seen() {
    let b = backstopped().await;
    let raw: Vec<i64> = sqlx::query_scalar(TENANTS)
        .fetch_all(&b.role_pool)
        .await
        .unwrap();
    assert!(raw.is_empty());
    // An unscoped handle sets nothing: under the policy it sees no tenant rows.
    let unscoped: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks")
        .fetch_one(b.guarded.unscoped())
        .await
        .unwrap();
    assert_eq!(unscoped, 0);
    // The setting ends with the transaction that set it.
    let mut conn = b.role_pool.acquire().await.unwrap();
    let scoped: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks")
        .fetch_one(Tenanted::new(
            &mut *conn,
            b.guarded.scoper().clone(),
            Scope::one(1_i64),
        ))
        .await
        .unwrap();
    assert_eq!(scoped, 6);
    let after: Vec<i64> = sqlx::query_scalar(TENANTS)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    assert!(after.is_empty());
}

const READ: &str = "SELECT account_id, id, name, done FROM tasks ORDER BY id";

#[tokio::test]
async fn scoped_reads_give_the_same_rows_with_the_backstop_on() {
    let b = backstopped().await;
    for tenant in 1..=3_i64 {
        let want: Vec<Task> = sqlx::query_as(READ)
            .fetch_all(b.plain.tenant(tenant))
            .await
            .unwrap();
        assert_eq!(want.len(), 6);
        let pooled: Vec<Task> = sqlx::query_as(READ)
            .fetch_all(b.guarded.tenant(tenant))
            .await
            .unwrap();
        assert_eq!(pooled, want);
        let streamed: Vec<Task> = sqlx::query_as(READ)
            .fetch(b.guarded.tenant(tenant))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(streamed, want);
        let one: Option<Task> =
            sqlx::query_as("SELECT account_id, id, name, done FROM tasks WHERE id = $1")
                .bind(2_i64)
                .fetch_optional(b.guarded.tenant(tenant))
                .await
                .unwrap();
        assert_eq!(one.as_ref(), want.iter().find(|t| t.id == 2));
        let ambient: Vec<Task> =
            multitenant::scope(tenant, sqlx::query_as(READ).fetch_all(b.guarded.ambient()))
                .await
                .unwrap();
        assert_eq!(ambient, want);
        let mut tx = b.guarded.tenant(tenant).begin().await.unwrap();
        let in_tx: Vec<Task> = sqlx::query_as(READ).fetch_all(tx.executor()).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(in_tx, want);
        // A transaction of the caller's own: the setting is set before the statement.
        let mut conn = b.role_pool.acquire().await.unwrap();
        let mut own = conn.begin().await.unwrap();
        let in_own: Vec<Task> = sqlx::query_as(READ)
            .fetch_all(Tenanted::new(
                &mut *own,
                b.guarded.scoper().clone(),
                Scope::one(tenant),
            ))
            .await
            .unwrap();
        own.rollback().await.unwrap();
        assert_eq!(in_own, want);
    }
    let many = "SELECT DISTINCT account_id FROM projects ORDER BY 1";
    let both: Vec<i64> = sqlx::query_scalar(many)
        .fetch_all(b.guarded.scoped(Scope::many([1_i64, 3])))
        .await
        .unwrap();
    assert_eq!(both, [1, 3]);
}

#[tokio::test]
async fn scoped_writes_change_the_same_rows_with_the_backstop_on() {
    let b = backstopped().await;
    let everything = |b: &Backstopped| {
        let pool = b.db.pool.clone();
        async move { dump(&pool, "tasks").await }
    };
    let before = everything(&b).await;
    let done = sqlx::query("UPDATE tasks SET done = true WHERE id <= $1")
        .bind(3_i64)
        .execute(b.guarded.tenant(1_i64))
        .await
        .unwrap();
    assert_eq!(done.rows_affected(), 3);
    let inserted = sqlx::query("INSERT INTO tasks (id, project_id, name) VALUES ($1, 1, 'new')")
        .bind(7_i64)
        .execute(b.guarded.tenant(1_i64))
        .await
        .unwrap();
    assert_eq!(inserted.rows_affected(), 1);
    let mut tx = b.guarded.tenant(3_i64).begin().await.unwrap();
    let gone = sqlx::query("DELETE FROM tasks WHERE id = $1")
        .bind(6_i64)
        .execute(tx.executor())
        .await
        .unwrap();
    assert_eq!(gone.rows_affected(), 1);
    tx.commit().await.unwrap();

    // Exactly what the scoper alone makes of these writes: tenant 1's tasks 1 to 3 done (task 2
    // already was), one new, tenant 3's task 6 gone; nothing else.
    let after = everything(&b).await;
    let changed: Vec<&String> = after.iter().filter(|r| !before.contains(r)).collect();
    let removed: Vec<&String> = before.iter().filter(|r| !after.contains(r)).collect();
    assert_eq!(
        changed,
        [
            "(1,1,2,\"task 1 of 1\",t)",
            "(1,3,1,\"task 3 of 1\",t)",
            "(1,7,1,new,f)",
        ]
    );
    assert_eq!(
        removed,
        [
            "(1,1,2,\"task 1 of 1\",f)",
            "(1,3,1,\"task 3 of 1\",f)",
            "(3,6,1,\"task 6 of 3\",t)",
        ]
    );
}
