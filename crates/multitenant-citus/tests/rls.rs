//! The row-level-security backstop on PostgreSQL: the policies from the schema, applied and
//! removed, and what a role subject to them sees and changes with the tenant setting set, set
//! to several tenants, and unset. Every statement here bypasses the scoper.

mod common;

use common::{TestDb, schema};
use multitenant::{KeyKind, Schema, Setting};
use multitenant_citus::rls::{self, Options};
use multitenant_test_support::{AppRole, SAMPLE_DOMAIN};
use sqlx::{Connection, PgConnection};

async fn sample() -> (TestDb, AppRole) {
    let db = TestDb::new().await;
    db.run(SAMPLE_DOMAIN).await;
    let role = AppRole::create(&db.url, "public").await;
    (db, role)
}

/// Sets the tenant setting `setting` for the rest of the transaction on `conn`.
async fn set_tenant(conn: &mut PgConnection, setting: &str, value: &str) {
    sqlx::raw_sql(sqlx::AssertSqlSafe(
        Setting::new(setting).unwrap().set_local(value),
    ))
    .execute(conn)
    .await
    .unwrap();
}

/// `sql`'s rows as text, in a transaction of `conn` with `setting` set to `tenants` (not set
/// at all for `None`).
async fn rows_with(
    conn: &mut PgConnection,
    setting: &str,
    tenants: Option<&str>,
    sql: &str,
) -> Vec<String> {
    let mut tx = conn.begin().await.unwrap();
    if let Some(value) = tenants {
        set_tenant(&mut tx, setting, value).await;
    }
    let rows = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    rows
}

/// [`rows_with`] the default setting.
async fn rows_as(conn: &mut PgConnection, tenants: Option<&str>, sql: &str) -> Vec<String> {
    rows_with(conn, Setting::DEFAULT, tenants, sql).await
}

const TASK_TENANTS: &str = "SELECT DISTINCT account_id::text FROM tasks ORDER BY 1";

#[tokio::test]
async fn a_role_subject_to_the_policies_sees_only_the_tenants_set() {
    let (db, role) = sample().await;
    rls::apply(&db.pool, &schema(), &Options::default())
        .await
        .unwrap();
    let mut app = PgConnection::connect(&role.url(&db.url)).await.unwrap();

    assert_eq!(rows_as(&mut app, Some("2"), TASK_TENANTS).await, ["2"]);
    assert_eq!(
        rows_as(&mut app, Some("1,3"), TASK_TENANTS).await,
        ["1", "3"]
    );
    let accounts = "SELECT id::text FROM accounts ORDER BY 1";
    assert_eq!(rows_as(&mut app, Some("3"), accounts).await, ["3"]);
    // Unset, empty, or set and gone with its transaction: nothing.
    assert!(rows_as(&mut app, None, TASK_TENANTS).await.is_empty());
    assert!(rows_as(&mut app, Some(""), TASK_TENANTS).await.is_empty());
    assert!(rows_as(&mut app, None, accounts).await.is_empty());
    // Shared tables are not subject to it.
    let countries = "SELECT count(*)::text FROM countries";
    assert_eq!(rows_as(&mut app, None, countries).await, ["2"]);
    // The table owner (a superuser here) is not subject to it.
    assert_eq!(db.rows(TASK_TENANTS).await, ["1", "2", "3"]);
    app.close().await.unwrap();
}

#[tokio::test]
async fn writes_past_the_scoper_stay_within_the_tenant() {
    let (db, role) = sample().await;
    rls::apply(&db.pool, &schema(), &Options::default())
        .await
        .unwrap();
    let others = "SELECT to_jsonb(t)::text FROM tasks t WHERE account_id <> 1 ORDER BY 1";
    let before = db.rows(others).await;
    let mut app = PgConnection::connect(&role.url(&db.url)).await.unwrap();

    let mut tx = app.begin().await.unwrap();
    set_tenant(&mut tx, Setting::DEFAULT, "1").await;
    let updated = sqlx::query("UPDATE tasks SET name = 'changed', done = NOT done")
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(updated.rows_affected(), 6);
    let deleted = sqlx::query("DELETE FROM project_managers")
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(deleted.rows_affected(), 3);
    // Moving a row to another tenant is refused by WITH CHECK.
    let err = sqlx::query("UPDATE tasks SET account_id = 2 WHERE id = 1")
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert_eq!(
        err.as_database_error().and_then(|e| e.code()).as_deref(),
        Some("42501"),
        "{err}"
    );
    tx.rollback().await.unwrap();

    let mut tx = app.begin().await.unwrap();
    set_tenant(&mut tx, Setting::DEFAULT, "1").await;
    sqlx::query("DELETE FROM tasks")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Another tenant's row is refused; so is any row with no tenant set.
    for tenants in [Some("1"), None] {
        let mut tx = app.begin().await.unwrap();
        if let Some(value) = tenants {
            set_tenant(&mut tx, Setting::DEFAULT, value).await;
        }
        let err = sqlx::query("INSERT INTO tasks VALUES (2, 99, 1, 'intruder', false)")
            .execute(&mut *tx)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("row-level security"), "{err}");
        tx.rollback().await.unwrap();
    }
    app.close().await.unwrap();

    assert_eq!(db.rows(others).await, before);
    assert_eq!(db.rows(TASK_TENANTS).await, ["2", "3"]);
    assert_eq!(
        db.rows("SELECT count(*)::text FROM project_managers").await,
        ["9"]
    );
}

#[tokio::test]
async fn apply_is_idempotent_and_remove_undoes_it() {
    let (db, role) = sample().await;
    let s = schema();
    let forced = Options {
        force: true,
        ..Options::default()
    };
    rls::apply(&db.pool, &s, &Options::default()).await.unwrap();
    let ran = rls::apply(&db.pool, &s, &forced).await.unwrap();
    assert_eq!(ran.steps().len(), 4 * 5);
    let state =
        "SELECT c.relname || ' ' || c.relrowsecurity || ' ' || c.relforcerowsecurity || ' ' || \
                 (SELECT count(*) FROM pg_policies p WHERE p.tablename = c.relname)
                 FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
                 ORDER BY 1";
    assert_eq!(
        db.rows(state).await,
        [
            "accounts true true 1",
            "countries false false 0",
            "managers true true 1",
            "project_managers true true 1",
            "projects true true 1",
            "tasks true true 1",
        ]
    );
    // Forced, the owner is subject too: a superuser still is not.
    assert_eq!(db.rows(TASK_TENANTS).await, ["1", "2", "3"]);

    rls::remove(&db.pool, &s).await.unwrap();
    rls::remove(&db.pool, &s).await.unwrap();
    assert!(
        db.rows(state)
            .await
            .iter()
            .all(|row| row.ends_with("false false 0"))
    );
    let mut app = PgConnection::connect(&role.url(&db.url)).await.unwrap();
    assert_eq!(rows_as(&mut app, None, TASK_TENANTS).await, ["1", "2", "3"]);
    app.close().await.unwrap();
}

#[tokio::test]
async fn a_failing_statement_leaves_nothing_changed() {
    let (db, _role) = sample().await;
    // `ghosts` is not there: the run fails at its table and the others keep no policy.
    let s = Schema::builder()
        .tenant_table("tasks", "account_id")
        .tenant_table("ghosts", "account_id")
        .build()
        .unwrap();
    let err = rls::apply(&db.pool, &s, &Options::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("ghosts"), "{err}");
    assert_eq!(
        db.rows("SELECT count(*)::text FROM pg_policies").await,
        ["0"]
    );
}

#[tokio::test]
async fn uuid_and_text_keys_are_compared_as_their_type() {
    let db = TestDb::new().await;
    db.run(
        "CREATE TABLE orgs (id uuid PRIMARY KEY);
         CREATE TABLE docs (org uuid NOT NULL, title text NOT NULL);
         INSERT INTO orgs VALUES ('00000000-0000-0000-0000-000000000001'), ('00000000-0000-0000-0000-000000000002');
         INSERT INTO docs SELECT id, 'doc of ' || id FROM orgs;
         CREATE TABLE notes (team varchar(20) NOT NULL, body text NOT NULL);
         INSERT INTO notes VALUES ('red', 'r'), ('blue', 'b'), ('green', 'g');",
    )
    .await;
    let role = AppRole::create(&db.url, "public").await;
    let uuids = Schema::builder()
        .key_kind(KeyKind::Uuid)
        .tenant_root("orgs", "id")
        .tenant_table("docs", "org")
        .build()
        .unwrap();
    let setting = Setting::new("app.tenant").unwrap();
    let options = Options {
        setting: setting.clone(),
        force: false,
    };
    rls::apply(&db.pool, &uuids, &options).await.unwrap();
    let texts = Schema::builder()
        .key_kind(KeyKind::Text)
        .tenant_table("notes", "team")
        .build()
        .unwrap();
    rls::apply(&db.pool, &texts, &options).await.unwrap();

    let mut app = PgConnection::connect(&role.url(&db.url)).await.unwrap();
    assert_eq!(
        rows_with(
            &mut app,
            setting.as_str(),
            Some("00000000-0000-0000-0000-000000000002"),
            "SELECT title FROM docs"
        )
        .await,
        ["doc of 00000000-0000-0000-0000-000000000002"]
    );
    assert_eq!(
        rows_with(
            &mut app,
            setting.as_str(),
            Some("blue,green"),
            "SELECT team::text FROM notes ORDER BY 1"
        )
        .await,
        ["blue", "green"]
    );
    assert_eq!(
        rows_with(
            &mut app,
            setting.as_str(),
            Some("00000000-0000-0000-0000-000000000001"),
            "SELECT count(*)::text FROM orgs"
        )
        .await,
        ["1"]
    );
    app.close().await.unwrap();
}
