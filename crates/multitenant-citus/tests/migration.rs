//! A real SeaORM migration that creates the sample domain and distributes it in one step.
#![cfg(feature = "sea-orm")]

mod common;

use common::{LEGACY_DDL, SEED, TestDb};
use multitenant_citus::{Catalog, check};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::Database;

struct CreateTables;

impl MigrationName for CreateTables {
    fn name(&self) -> &str {
        "m0001_create_tables"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateTables {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        conn.execute_unprepared(LEGACY_DDL).await?;
        conn.execute_unprepared(SEED).await?;
        Ok(())
    }
}

struct Distribute;

impl MigrationName for Distribute {
    fn name(&self) -> &str {
        "m0002_distribute"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Distribute {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        multitenant_citus::migration::distribute(manager, &common::schema()).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        multitenant_citus::migration::undistribute(manager, &common::schema()).await?;
        Ok(())
    }
}

struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateTables), Box::new(Distribute)]
    }
}

#[tokio::test]
async fn a_migration_makes_the_schema_ready() {
    let db = TestDb::new().await;
    let conn = Database::connect(db.url.as_str()).await.unwrap();
    let rows_before_keys = {
        Migrator::up(&conn, Some(1)).await.unwrap();
        db.everything().await
    };
    let catalog = Catalog::read(&mut db.pool.acquire().await.unwrap())
        .await
        .unwrap();
    assert!(!check(&common::schema(), &catalog).is_empty());

    Migrator::up(&conn, None).await.unwrap();
    let catalog = Catalog::read(&mut db.pool.acquire().await.unwrap())
        .await
        .unwrap();
    assert_eq!(check(&common::schema(), &catalog), vec![]);
    assert_eq!(db.everything().await, rows_before_keys, "no row changed");
    let pk: Vec<String> = db
        .rows("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'tasks_pkey'")
        .await;
    assert_eq!(pk, ["PRIMARY KEY (account_id, id)"]);

    // Down undistributes (nothing to do on plain PostgreSQL); up again finds nothing to do.
    Migrator::down(&conn, Some(1)).await.unwrap();
    Migrator::up(&conn, None).await.unwrap();
    conn.close().await.unwrap();
}
