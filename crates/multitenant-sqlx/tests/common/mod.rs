//! A fresh database per test with the sample domain: three tenants whose ids overlap.
#![allow(unreachable_pub)] // shared by the test binaries, not a public API
#![allow(dead_code)]

use std::ops::Deref;

use multitenant::{Schema, Scoper};
use multitenant_sqlx::TenantPool;
use multitenant_test_support::TestDatabase;
use sqlx::PgPool;

/// A database created for one test and dropped when the value is dropped; its name and URL are
/// those of the [`TestDatabase`].
pub struct TestDb {
    pub database: TestDatabase,
    pub pool: PgPool,
}

impl TestDb {
    pub async fn create(ddl: &str) -> TestDb {
        let database = TestDatabase::create("mt_sqlx").await;
        let pool = PgPool::connect(&database.url).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(ddl.to_owned()))
            .execute(&pool)
            .await
            .unwrap();
        TestDb { database, pool }
    }
}

impl Deref for TestDb {
    type Target = TestDatabase;

    fn deref(&self) -> &TestDatabase {
        &self.database
    }
}

pub const DOMAIN: &str = "
CREATE TABLE countries (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE accounts (id bigint PRIMARY KEY, name text NOT NULL, country_id bigint REFERENCES countries);
CREATE TABLE managers (account_id bigint NOT NULL REFERENCES accounts, id bigint NOT NULL, name text NOT NULL,
    PRIMARY KEY (account_id, id));
CREATE TABLE projects (account_id bigint NOT NULL REFERENCES accounts, id bigint NOT NULL, name text NOT NULL,
    PRIMARY KEY (account_id, id));
CREATE TABLE project_managers (account_id bigint NOT NULL, id bigint NOT NULL, project_id bigint NOT NULL,
    manager_id bigint NOT NULL, PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, project_id) REFERENCES projects (account_id, id),
    FOREIGN KEY (account_id, manager_id) REFERENCES managers (account_id, id));
CREATE TABLE tasks (account_id bigint NOT NULL, id bigint NOT NULL, project_id bigint NOT NULL,
    name text NOT NULL, done boolean NOT NULL DEFAULT false, PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, project_id) REFERENCES projects (account_id, id));
INSERT INTO countries VALUES (1, 'France'), (2, 'Japan');
INSERT INTO accounts VALUES (1, 'acme', 1), (2, 'globex', 2), (3, 'initech', 1);
INSERT INTO managers SELECT a, m, 'manager ' || m || ' of ' || a FROM generate_series(1, 3) a, generate_series(1, 2) m;
INSERT INTO projects SELECT a, p, 'project ' || p || ' of ' || a FROM generate_series(1, 3) a, generate_series(1, 3) p;
INSERT INTO project_managers SELECT a, p, p, 1 + p % 2 FROM generate_series(1, 3) a, generate_series(1, 3) p;
INSERT INTO tasks SELECT a, t, 1 + t % 3, 'task ' || t || ' of ' || a, t % 2 = 0
    FROM generate_series(1, 3) a, generate_series(1, 6) t;
";

/// A row of `tasks`.
#[derive(sqlx::FromRow, Debug, PartialEq)]
pub struct Task {
    pub account_id: i64,
    pub id: i64,
    pub name: String,
    pub done: bool,
}

pub fn schema() -> Schema {
    Schema::builder()
        .tenant_root("accounts", "id")
        .tenant_table("managers", "account_id")
        .tenant_table("projects", "account_id")
        .tenant_table("project_managers", "account_id")
        .tenant_table("tasks", "account_id")
        .reference_table("countries")
        .build()
        .unwrap()
}

pub async fn domain() -> (TestDb, TenantPool) {
    let db = TestDb::create(DOMAIN).await;
    let pool = TenantPool::new(db.pool.clone(), Scoper::new(schema()));
    (db, pool)
}

/// Every row of a table, as text, in key order: what a test compares before and after.
pub async fn dump(pool: &PgPool, table: &str) -> Vec<String> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT t::text FROM (SELECT * FROM {table}) t ORDER BY 1"
    )))
    .fetch_all(pool)
    .await
    .unwrap()
}
