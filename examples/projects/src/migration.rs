//! The database schema as sea-orm-migration migrations. Every table that belongs to an account
//! has `account_id` first in its primary key, and every foreign key between tenant tables
//! includes it, so the schema is ready for Citus as is. When the `citus` extension is present,
//! each table is distributed right after it is created (reference tables for the shared ones,
//! tenant tables colocated with `accounts` by `account_id`), and the migration logs that it did.

use sea_orm::{ConnectionTrait, DbErr, Statement};
use sea_orm_migration::prelude::*;

/// The app's migrations, in order.
///
/// ```no_run
/// # async fn f(conn: &sea_orm::DatabaseConnection) -> Result<(), sea_orm::DbErr> {
/// use sea_orm_migration::MigratorTrait;
/// projects::migration::Migrator::up(conn, None).await?;
/// # Ok(()) }
/// ```
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateTables)]
    }
}

/// How a table is placed on a Citus cluster.
enum Placement {
    /// Copied to every node (shared data).
    Reference,
    /// Sharded by this column, colocated with `accounts`.
    Distributed(&'static str),
}

/// Each table with its DDL and placement, parents before children.
const TABLES: &[(&str, &str, Placement)] = &[
    (
        "countries",
        "CREATE TABLE countries (
            id bigint PRIMARY KEY,
            name text NOT NULL UNIQUE)",
        Placement::Reference,
    ),
    (
        "users",
        "CREATE TABLE users (
            id bigserial PRIMARY KEY,
            username text NOT NULL UNIQUE,
            password_hash text NOT NULL)",
        Placement::Reference,
    ),
    (
        "api_tokens",
        "CREATE TABLE api_tokens (
            token_hash text PRIMARY KEY,
            user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE)",
        Placement::Reference,
    ),
    (
        "accounts",
        "CREATE TABLE accounts (
            id bigserial PRIMARY KEY,
            name text NOT NULL CHECK (name <> ''),
            domain text NOT NULL,
            subdomain text NOT NULL,
            country_id bigint NOT NULL REFERENCES countries (id),
            owner_id bigint NOT NULL REFERENCES users (id));
         CREATE INDEX accounts_owner_id ON accounts (owner_id)",
        Placement::Distributed("id"),
    ),
    (
        "managers",
        "CREATE TABLE managers (
            account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
            id bigserial,
            name text NOT NULL CHECK (name <> ''),
            PRIMARY KEY (account_id, id))",
        Placement::Distributed("account_id"),
    ),
    (
        "projects",
        "CREATE TABLE projects (
            account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
            id bigserial,
            name text NOT NULL CHECK (name <> ''),
            PRIMARY KEY (account_id, id))",
        Placement::Distributed("account_id"),
    ),
    (
        "project_managers",
        "CREATE TABLE project_managers (
            account_id bigint NOT NULL,
            id bigserial,
            project_id bigint NOT NULL,
            manager_id bigint NOT NULL,
            PRIMARY KEY (account_id, id),
            UNIQUE (account_id, project_id, manager_id),
            FOREIGN KEY (account_id, project_id) REFERENCES projects (account_id, id) ON DELETE CASCADE,
            FOREIGN KEY (account_id, manager_id) REFERENCES managers (account_id, id) ON DELETE CASCADE)",
        Placement::Distributed("account_id"),
    ),
    (
        "tasks",
        "CREATE TABLE tasks (
            account_id bigint NOT NULL,
            id bigserial,
            project_id bigint NOT NULL,
            name text NOT NULL CHECK (name <> ''),
            done boolean NOT NULL DEFAULT false,
            PRIMARY KEY (account_id, id),
            FOREIGN KEY (account_id, project_id) REFERENCES projects (account_id, id) ON DELETE CASCADE)",
        Placement::Distributed("account_id"),
    ),
];

/// The countries every installation starts with (ISO 3166-1 numeric codes).
const COUNTRIES: &[(i64, &str)] = &[
    (76, "Brazil"),
    (250, "France"),
    (276, "Germany"),
    (356, "India"),
    (392, "Japan"),
    (826, "United Kingdom"),
    (840, "United States"),
];

struct CreateTables;

impl MigrationName for CreateTables {
    fn name(&self) -> &str {
        "m20261126_000001_create_tables"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateTables {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let citus = citus_present(db).await?;
        if citus {
            tracing::info!("citus extension found: distributing the tables");
            // Foreign keys to reference tables created in the same transaction need this.
            db.execute_unprepared("SET LOCAL citus.multi_shard_modify_mode TO 'sequential'")
                .await?;
        } else {
            tracing::info!("no citus extension: plain PostgreSQL tables (keys are Citus-ready)");
        }
        for (table, ddl, placement) in TABLES {
            db.execute_unprepared(ddl).await?;
            if citus {
                let call = match placement {
                    Placement::Reference => format!("SELECT create_reference_table('{table}')"),
                    Placement::Distributed(column) if *table == "accounts" => {
                        format!("SELECT create_distributed_table('{table}', '{column}')")
                    }
                    Placement::Distributed(column) => format!(
                        "SELECT create_distributed_table('{table}', '{column}', colocate_with => 'accounts')"
                    ),
                };
                db.execute_unprepared(&call).await?;
                tracing::info!(table, "distributed: {call}");
            }
        }
        let values: Vec<String> = COUNTRIES
            .iter()
            .map(|(id, name)| format!("({id}, '{name}')"))
            .collect();
        db.execute_unprepared(&format!(
            "INSERT INTO countries (id, name) VALUES {}",
            values.join(", ")
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (table, _, _) in TABLES.iter().rev() {
            db.execute_unprepared(&format!("DROP TABLE IF EXISTS {table}"))
                .await?;
        }
        Ok(())
    }
}

/// Whether the database is a Citus coordinator.
async fn citus_present(db: &impl ConnectionTrait) -> Result<bool, DbErr> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT count(*) FROM pg_extension WHERE extname = 'citus'",
        ))
        .await?;
    Ok(row
        .map(|r| r.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0)
        > 0)
}
