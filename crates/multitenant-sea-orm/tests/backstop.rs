//! The row-level-security backstop through the SeaORM adapter: policies applied, the
//! application connected as a role subject to them. A statement that gets past the scoper (sent
//! through a transaction's bare connection, or naming no tenant table but reading one through a
//! view or a function) stays within the tenant the adapter set; with the backstop off nothing is
//! set, and scoped use gives the same rows either way.

mod common;

use common::entities::*;
use common::{TestDb, keys, schema};
use futures_util::TryStreamExt;
use multitenant::{Scope, Scoper, Setting};
use multitenant_citus::rls::{self, Options};
use multitenant_sea_orm::{TenantConnection, TenantDatabase};
use multitenant_test_support::AppRole;
use sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, DbBackend, EntityTrait, FromQueryResult,
    QueryOrder, Statement, StreamTrait, TransactionSession, TransactionTrait,
};

/// Past the scoper: a view and a function over `tasks`, both run with the caller's rights, so
/// the policies apply to what they read (the scoper sees no tenant table in them).
const PAST_THE_SCOPER: &str = "
CREATE VIEW every_task WITH (security_invoker = true) AS SELECT * FROM tasks;
CREATE FUNCTION task_tenants() RETURNS SETOF bigint LANGUAGE sql STABLE
    AS 'SELECT DISTINCT account_id FROM tasks ORDER BY 1';
";

/// The sample domain with the policies; `plain` scopes as the application's role without the
/// backstop, `guarded` as the same role with it.
struct Backstopped {
    plain: TenantDatabase,
    guarded: TenantDatabase,
    role_conn: DatabaseConnection,
    _role: AppRole,
    t: TestDb,
}

async fn backstopped() -> Backstopped {
    let t = TestDb::new().await;
    t.bare.execute_unprepared(PAST_THE_SCOPER).await.unwrap();
    rls::apply(
        t.bare.get_postgres_connection_pool(),
        &schema(),
        &Options::default(),
    )
    .await
    .unwrap();
    let role = AppRole::create(&t.database.url, "public").await;
    let role_conn = Database::connect(role.url(&t.database.url)).await.unwrap();
    let scoper = Scoper::new(schema()).with_row_level_security(Setting::default());
    Backstopped {
        plain: TenantDatabase::new(role_conn.clone(), Scoper::new(schema())),
        guarded: TenantDatabase::new(role_conn.clone(), scoper),
        role_conn,
        _role: role,
        t,
    }
}

#[derive(Debug, PartialEq, FromQueryResult)]
struct Tenant {
    id: i64,
}

#[derive(Debug, PartialEq, FromQueryResult)]
struct Text {
    value: Option<String>,
}

fn sql(text: &str) -> Statement {
    Statement::from_string(DbBackend::Postgres, text)
}

/// The tenants whose tasks `conn` sees through the function.
async fn tenants_seen(conn: &impl ConnectionTrait) -> Vec<i64> {
    Tenant::find_by_statement(sql("SELECT task_tenants() AS id"))
        .all(conn)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect()
}

/// The tenant setting as `conn` sees it in the statement's transaction.
async fn setting(conn: &impl ConnectionTrait) -> Option<String> {
    Text::find_by_statement(sql(
        "SELECT NULLIF(current_setting('multitenant.tenant', true), '') AS value",
    ))
    .one(conn)
    .await
    .unwrap()
    .unwrap()
    .value
}

#[tokio::test]
async fn statements_past_the_scoper_stay_within_the_tenant() {
    let b = backstopped().await;
    let third = "(SELECT * FROM tasks WHERE account_id = 3)";
    let before = b.t.snapshot(third).await;
    assert_eq!(before.len(), 3);

    // Outside a transaction: the statement runs in one of its own, with the setting.
    let acme = b.guarded.tenant(1_i64);
    assert_eq!(tenants_seen(&acme).await, [1]);
    assert_eq!(setting(&acme).await.as_deref(), Some("1"));
    let renamed = acme
        .execute_unprepared("UPDATE every_task SET name = 'renamed'")
        .await
        .unwrap();
    assert_eq!(renamed.rows_affected(), 3);
    let both = b.guarded.scoped(Scope::many([1_i64, 3]));
    assert_eq!(tenants_seen(&both).await, [1, 3]);
    assert_eq!(setting(&both).await.as_deref(), Some("1,3"));
    let ambient = b.guarded.ambient();
    assert_eq!(multitenant::scope(3_i64, tenants_seen(&ambient)).await, [3]);
    let streamed: Vec<i64> = acme
        .stream_raw(sql("SELECT account_id FROM every_task"))
        .await
        .unwrap()
        .map_ok(|row| row.try_get::<i64>("", "account_id").unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed, [1, 1, 1]);

    // In a transaction begun through the adapter: its bare connection carries the setting.
    let txn = b.guarded.tenant(2_i64).begin().await.unwrap();
    assert_eq!(tenants_seen(txn.inner()).await, [2]);
    let updated = txn
        .inner()
        .execute_unprepared("UPDATE tasks SET done = NOT done, name = 'changed'")
        .await
        .unwrap();
    assert_eq!(updated.rows_affected(), 3);
    let nested = txn.begin().await.unwrap();
    let deleted = nested
        .inner()
        .execute_unprepared("DELETE FROM tasks WHERE done")
        .await
        .unwrap();
    assert_eq!(deleted.rows_affected(), 2);
    nested.commit().await.unwrap();
    txn.commit().await.unwrap();
    assert_eq!(
        b.t.snapshot("(SELECT name FROM tasks WHERE account_id = 2)")
            .await,
        ["{\"name\": \"changed\"}"]
    );

    // A transaction begun elsewhere, scoped here: the setting is set before each statement.
    let own = TenantConnection::new(
        b.role_conn.begin().await.unwrap(),
        b.guarded.scoper().clone(),
        Scope::one(3_i64),
    );
    assert_eq!(tenants_seen(&own).await, [3]);
    assert_eq!(tenants_seen(own.inner()).await, [3]);
    own.rollback().await.unwrap();

    // Another tenant's row, written past the scoper: refused by the policy's WITH CHECK.
    let txn = b.guarded.tenant(2_i64).begin().await.unwrap();
    let err = txn
        .inner()
        .execute_unprepared("INSERT INTO tasks VALUES (1, 99, 1, 'intruder', false)")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");
    txn.rollback().await.unwrap();

    // Tenant 1's tasks renamed, tenant 2's changed, tenant 3's as they were.
    assert_eq!(
        b.t.snapshot("(SELECT DISTINCT name FROM tasks WHERE account_id = 1)")
            .await,
        ["{\"name\": \"renamed\"}"]
    );
    assert_eq!(b.t.snapshot(third).await, before);
}

#[tokio::test]
async fn with_the_backstop_off_or_no_tenant_nothing_is_set() {
    let b = backstopped().await;
    // Off: the statement goes as it is, in no transaction of the adapter's; the role sees no
    // tenant rows past the scoper.
    let plain = b.plain.tenant(1_i64);
    assert_eq!(setting(&plain).await, None);
    assert!(tenants_seen(&plain).await.is_empty());
    let txn = b.plain.tenant(1_i64).begin().await.unwrap();
    assert_eq!(setting(txn.inner()).await, None);
    txn.commit().await.unwrap();
    // On, but unscoped or with no tenant: nothing is set, so nothing is seen.
    for conn in [b.guarded.unscoped(), b.guarded.ambient()] {
        assert_eq!(setting(&conn).await, None);
        assert!(tenants_seen(&conn).await.is_empty());
    }
    // The setting ends with the transaction that set it.
    assert_eq!(tenants_seen(&b.guarded.tenant(2_i64)).await, [2]);
    assert!(tenants_seen(&b.role_conn).await.is_empty());
}

#[tokio::test]
async fn scoped_use_gives_the_same_rows_with_the_backstop_on() {
    let b = backstopped().await;
    for tenant in 1..=3_i64 {
        let read = || tasks::Entity::find().order_by_asc(tasks::Column::Id);
        // The superuser's scoped view, no policies involved.
        let want = read().all(&b.t.db.tenant(tenant)).await.unwrap();
        assert_eq!(keys(&want), [(tenant, 1), (tenant, 2), (tenant, 3)]);
        let guarded = b.guarded.tenant(tenant);
        assert_eq!(read().all(&guarded).await.unwrap(), want);
        assert_eq!(read().one(&guarded).await.unwrap().as_ref(), want.first());
        let streamed: Vec<tasks::Model> = read()
            .stream(&guarded)
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(streamed, want);
        let txn = guarded.begin().await.unwrap();
        assert_eq!(read().all(&txn).await.unwrap(), want);
        txn.commit().await.unwrap();
        // Without a tenant setting the role sees nothing, scoped or not.
        assert!(
            read()
                .all(&b.plain.tenant(tenant))
                .await
                .unwrap()
                .is_empty()
        );
    }

    let before = b.t.everything().await;
    let done = tasks::Entity::update_many()
        .col_expr(tasks::Column::Done, sea_orm::sea_query::Expr::value(true))
        .exec(&b.guarded.tenant(1_i64))
        .await
        .unwrap();
    assert_eq!(done.rows_affected, 3);
    let txn = b.guarded.tenant(3_i64).begin().await.unwrap();
    let gone = tasks::Entity::delete_by_id((3_i64, 3_i64))
        .exec(&txn)
        .await
        .unwrap();
    assert_eq!(gone.rows_affected, 1);
    txn.commit().await.unwrap();
    let after = b.t.everything().await;
    let changed: Vec<&String> = after.iter().filter(|r| !before.contains(r)).collect();
    let removed: Vec<&String> = before.iter().filter(|r| !after.contains(r)).collect();
    assert_eq!(changed.len(), 2, "{changed:?}"); // tasks 1 and 3 of tenant 1 (2 was done)
    assert!(
        changed.iter().all(|r| r.contains("\"account_id\": 1")),
        "{changed:?}"
    );
    assert_eq!(removed.len(), 3, "{removed:?}");
}
