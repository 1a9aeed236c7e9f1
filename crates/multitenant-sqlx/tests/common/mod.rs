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

pub use multitenant_test_support::SAMPLE_DOMAIN as DOMAIN;

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
