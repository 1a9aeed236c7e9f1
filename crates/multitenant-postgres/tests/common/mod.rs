//! A fresh database per test with the sample domain: three tenants whose ids overlap.
#![allow(unreachable_pub)] // shared by the test binaries, not a public API
#![allow(dead_code)]

use std::ops::Deref;
use std::sync::Arc;

use multitenant::{Schema, Scoper};
use multitenant_postgres::TenantPool;
use multitenant_test_support::TestDatabase;
use tokio_postgres::{Client, NoTls};

/// A database created for one test and dropped when the value is dropped, with a bare client
/// (statements sent on it are not scoped) and a pool on it.
pub struct TestDb {
    pub database: TestDatabase,
    pub bare: Client,
    pub pool: deadpool_postgres::Pool,
}

impl TestDb {
    pub async fn create(ddl: &str) -> TestDb {
        let database = TestDatabase::create("mt_pg").await;
        let bare = connect(&database.url).await;
        bare.batch_execute(ddl).await.unwrap();
        let manager = deadpool_postgres::Manager::new(database.url.parse().unwrap(), NoTls);
        let pool = deadpool_postgres::Pool::builder(manager)
            .max_size(4)
            .build()
            .unwrap();
        TestDb {
            database,
            bare,
            pool,
        }
    }

    /// The pool with a scoper for `schema`, and the scoper itself.
    pub fn tenant_pool(&self, schema: Schema) -> (TenantPool, Arc<Scoper>) {
        let scoper = Arc::new(Scoper::new(schema));
        (TenantPool::new(self.pool.clone(), scoper.clone()), scoper)
    }

    /// Every row of a table, as text, in key order: what a test compares before and after.
    pub async fn dump(&self, table: &str) -> Vec<String> {
        let sql = format!("SELECT t::text FROM (SELECT * FROM {table}) t ORDER BY 1");
        let rows = self.bare.query(&sql, &[]).await.unwrap();
        rows.iter().map(|r| r.get(0)).collect()
    }
}

impl Deref for TestDb {
    type Target = TestDatabase;

    fn deref(&self) -> &TestDatabase {
        &self.database
    }
}

/// A client of its own on `url`, its connection driven by a task.
pub async fn connect(url: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.unwrap();
    tokio::spawn(async move { connection.await.ok() });
    client
}

pub use multitenant_test_support::SAMPLE_DOMAIN as DOMAIN;

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

/// The sample domain, its pool and scoper.
pub async fn domain() -> (TestDb, TenantPool, Arc<Scoper>) {
    let db = TestDb::create(DOMAIN).await;
    let (pool, scoper) = db.tenant_pool(schema());
    (db, pool, scoper)
}
