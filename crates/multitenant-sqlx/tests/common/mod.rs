//! A fresh database per test with the sample domain: three tenants whose ids overlap.
#![allow(unreachable_pub)] // shared by the test binaries, not a public API
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};

use multitenant::{Schema, Scoper};
use multitenant_sqlx::TenantPool;
use sqlx::{Connection, PgConnection, PgPool};

pub fn admin_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A database created for one test and dropped when the value is dropped.
pub struct TestDb {
    pub name: String,
    pub url: String,
    pub pool: PgPool,
}

impl TestDb {
    pub async fn create(ddl: &str) -> TestDb {
        static N: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "mt_sqlx_{}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        );
        let mut admin = PgConnection::connect(&admin_url()).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .unwrap();
        let url = format!("{}/{name}", admin_url().rsplit_once('/').unwrap().0);
        let pool = PgPool::connect(&url).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(ddl.to_owned()))
            .execute(&pool)
            .await
            .unwrap();
        TestDb { name, url, pool }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(mut admin) = PgConnection::connect(&admin_url()).await {
                    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&mut admin)
                    .await;
                }
            });
        })
        .join()
        .unwrap();
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
