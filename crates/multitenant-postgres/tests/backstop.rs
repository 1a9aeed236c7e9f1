//! The row-level-security backstop through the tokio-postgres adapter: policies applied, the
//! application connected as a role subject to them. A transaction begun through the adapter
//! carries the tenant setting, so a statement that gets past the scoper in it (naming no tenant
//! table but reading one through a view or a function) stays within the tenant; with the
//! backstop off, or outside a transaction, nothing is set and the role sees no tenant rows.

mod common;

use common::{DOMAIN, TestDb, schema};
use multitenant::{Scoper, Setting};
use multitenant_citus::rls::{Options, policies};
use multitenant_postgres::TenantPool;
use multitenant_test_support::AppRole;
use tokio_postgres::NoTls;

/// Past the scoper: a view and a function over `tasks`, run with the caller's rights.
const PAST_THE_SCOPER: &str = "
CREATE VIEW every_task WITH (security_invoker = true) AS SELECT * FROM tasks;
CREATE FUNCTION task_tenants() RETURNS SETOF bigint LANGUAGE sql STABLE
    AS 'SELECT DISTINCT account_id FROM tasks ORDER BY 1';
";

const TENANTS: &str = "SELECT task_tenants()";

fn ids(rows: &[tokio_postgres::Row]) -> Vec<i64> {
    rows.iter().map(|r| r.get(0)).collect()
}

#[tokio::test]
async fn transactions_carry_the_tenant_setting() {
    let db = TestDb::create(DOMAIN).await;
    db.bare.batch_execute(PAST_THE_SCOPER).await.unwrap();
    let script = policies(&schema(), &Options::default()).to_string();
    db.bare.batch_execute(&script).await.unwrap();
    let role = AppRole::create(&db.url, "public").await;
    let manager = deadpool_postgres::Manager::new(role.url(&db.url).parse().unwrap(), NoTls);
    let role_pool = deadpool_postgres::Pool::builder(manager)
        .max_size(2)
        .build()
        .unwrap();
    let scoper = Scoper::new(schema()).with_row_level_security(Setting::default());
    let guarded = TenantPool::new(role_pool.clone(), scoper);
    let plain = TenantPool::new(role_pool, Scoper::new(schema()));
    let others = "(SELECT * FROM tasks WHERE account_id <> 2) o";
    let before = db.dump(others).await;

    // In a transaction begun through the adapter: past the scoper, only tenant 2's rows.
    let mut two = guarded.tenant(2_i64).await.unwrap();
    let mut tx = two.transaction().await.unwrap();
    assert_eq!(ids(&tx.query(TENANTS, &[]).await.unwrap()), [2]);
    let changed = tx
        .execute("UPDATE every_task SET name = 'changed'", &[])
        .await
        .unwrap();
    assert_eq!(changed, 6);
    let intruder = "INSERT INTO every_task VALUES (1, 99, 1, 'intruder', false)";
    let savepoint = tx.transaction().await.unwrap();
    let err = savepoint.execute(intruder, &[]).await.unwrap_err();
    assert_eq!(err.sqlstate(), Some("42501"), "{err}");
    savepoint.rollback().await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(db.dump(others).await, before);
    assert_eq!(
        db.dump("(SELECT DISTINCT name FROM tasks WHERE account_id = 2) t")
            .await,
        ["(changed)"]
    );

    // A set of tenants: the keys separated by commas.
    let mut both = guarded
        .scoped(multitenant::Scope::many([1_i64, 3]))
        .await
        .unwrap();
    let tx = both.transaction().await.unwrap();
    assert_eq!(ids(&tx.query(TENANTS, &[]).await.unwrap()), [1, 3]);
    tx.rollback().await.unwrap();
    drop(both);

    // Outside a transaction nothing is set (see SECURITY.md): the role sees no tenant rows.
    assert!(ids(&two.query(TENANTS, &[]).await.unwrap()).is_empty());
    drop(two);
    // With the backstop off, nothing is set in a transaction either.
    let mut off = plain.tenant(2_i64).await.unwrap();
    let tx = off.transaction().await.unwrap();
    assert!(ids(&tx.query(TENANTS, &[]).await.unwrap()).is_empty());
    let setting = "SELECT NULLIF(current_setting('multitenant.tenant', true), '')";
    let value: Option<String> = tx.query_one(setting, &[]).await.unwrap().get(0);
    assert_eq!(value, None);
    tx.rollback().await.unwrap();
}
