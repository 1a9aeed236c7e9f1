//! SeaORM migrations: make the schema Citus-ready and distribute it in one step of a
//! `MigrationTrait::up`, on the migration's own connection (and transaction).

use multitenant::Schema;
use sea_orm_migration::SchemaManager;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbErr, Statement};

use crate::catalog::{DISTRIBUTION_SQL, FACTS_SQL};
use crate::{Catalog, Plan, plan, undistribute_plan};

/// Makes every table of `schema` Citus-ready (composite keys and foreign keys, bigint
/// sequences, NOT NULL tenant columns) and, with Citus installed, creates the reference tables
/// and distributes the tenant tables colocated with the tenant root: the Django
/// `migrations.Distribute` of this library. Runs nothing when there is nothing to do. Returns the
/// plan that ran.
///
/// ```no_run
/// use multitenant::Schema;
/// use sea_orm_migration::prelude::*;
///
/// #[derive(DeriveMigrationName)]
/// pub struct Migration;
///
/// #[async_trait::async_trait]
/// impl MigrationTrait for Migration {
///     async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
///         let schema = Schema::builder()
///             .tenant_root("accounts", "id")
///             .tenant_table("projects", "account_id")
///             .reference_table("countries")
///             .build()
///             .map_err(|e| DbErr::Custom(e.to_string()))?;
///         multitenant_citus::migration::distribute(manager, &schema).await?;
///         Ok(())
///     }
///
///     async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
///         let schema = Schema::builder().tenant_root("accounts", "id").build().unwrap();
///         multitenant_citus::migration::undistribute(manager, &schema).await?;
///         Ok(())
///     }
/// }
/// ```
pub async fn distribute(manager: &SchemaManager<'_>, schema: &Schema) -> Result<Plan, DbErr> {
    let catalog = read(manager).await?;
    let plan = plan(schema, &catalog).map_err(|e| DbErr::Migration(e.to_string()))?;
    run(manager, &plan).await?;
    Ok(plan)
}

/// Turns the schema's distributed and reference tables back into plain tables (for
/// `MigrationTrait::down`); the composite keys stay. Returns the plan that ran.
///
/// ```no_run
/// # async fn f(manager: &sea_orm_migration::SchemaManager<'_>, schema: multitenant::Schema) -> Result<(), sea_orm_migration::DbErr> {
/// multitenant_citus::migration::undistribute(manager, &schema).await?;
/// # Ok(()) }
/// ```
pub async fn undistribute(manager: &SchemaManager<'_>, schema: &Schema) -> Result<Plan, DbErr> {
    let catalog = read(manager).await?;
    let plan = undistribute_plan(schema, &catalog).map_err(|e| DbErr::Migration(e.to_string()))?;
    run(manager, &plan).await?;
    Ok(plan)
}

async fn read(manager: &SchemaManager<'_>) -> Result<Catalog, DbErr> {
    let conn = manager.get_connection();
    let facts = |sql: &'static str| async move {
        let row = conn
            .query_one_raw(Statement::from_string(conn.get_database_backend(), sql))
            .await?
            .ok_or_else(|| DbErr::Migration("the catalog query returned no row".into()))?;
        row.try_get::<String>("", "facts")
    };
    let invalid = |e: crate::Error| DbErr::Migration(e.to_string());
    let mut catalog = Catalog::from_json(&facts(FACTS_SQL).await?).map_err(invalid)?;
    if catalog.citus.is_some() {
        catalog
            .set_distribution(&facts(DISTRIBUTION_SQL).await?)
            .map_err(invalid)?;
    }
    Ok(catalog)
}

async fn run(manager: &SchemaManager<'_>, plan: &Plan) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    for step in plan.steps() {
        conn.execute_unprepared(&step.sql)
            .await
            .map_err(|e| DbErr::Migration(format!("`{}` failed: {e}", step.sql)))?;
    }
    Ok(())
}
