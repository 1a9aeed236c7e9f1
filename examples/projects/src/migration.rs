//! The database schema as sea-orm-migration migrations. Every table that belongs to an account
//! has `account_id` first in its primary key, and every foreign key between tenant tables
//! includes it, so the schema is ready for Citus as written. Each migration then hands the
//! tables it knows to `multitenant_citus::migration::distribute`: on a Citus coordinator that
//! creates the reference tables (countries, users, tokens, account owners) and distributes the
//! tenant tables colocated with `accounts`; on plain PostgreSQL it finds nothing to change and
//! logs that distribution is skipped.

use sea_orm::{ConnectionTrait, DbErr};
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
        vec![
            Box::new(CreateTables),
            Box::new(AccountOwners),
            Box::new(AccountSubdomains),
            Box::new(TokenExpiry),
            Box::new(FoldedUsernames),
        ]
    }
}

/// Each table with its DDL, parents before children.
const TABLES: &[(&str, &str)] = &[
    (
        "countries",
        "CREATE TABLE countries (
            id bigint PRIMARY KEY,
            name text NOT NULL UNIQUE)",
    ),
    (
        "users",
        "CREATE TABLE users (
            id bigserial PRIMARY KEY,
            username text NOT NULL UNIQUE,
            password_hash text NOT NULL)",
    ),
    (
        "api_tokens",
        "CREATE TABLE api_tokens (
            token_hash text PRIMARY KEY,
            user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE)",
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
    ),
    (
        "managers",
        "CREATE TABLE managers (
            account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
            id bigserial,
            name text NOT NULL CHECK (name <> ''),
            PRIMARY KEY (account_id, id))",
    ),
    (
        "projects",
        "CREATE TABLE projects (
            account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
            id bigserial,
            name text NOT NULL CHECK (name <> ''),
            PRIMARY KEY (account_id, id))",
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
    ),
];

/// The tenant layout as migration `step` (1-based) leaves it. A migration describes the tables
/// that exist when it runs, not the ones later migrations add, so this is written out rather
/// than taken from the entities; the last step matches [`crate::entities::schema`] (a test
/// checks).
fn schema_after(step: usize) -> multitenant::Schema {
    let mut builder = multitenant::Schema::builder()
        .tenant_root("accounts", "id")
        .tenant_table("managers", "account_id")
        .tenant_table("projects", "account_id")
        .tenant_table("project_managers", "account_id")
        .tenant_table("tasks", "account_id")
        .reference_table("countries")
        .reference_table("users")
        .reference_table("api_tokens");
    if step >= 2 {
        builder = builder.reference_table("account_owners");
    }
    if step >= 3 {
        builder = builder.reference_table("account_subdomains");
    }
    builder.build().expect("a valid schema")
}

/// Makes the tables of `schema` Citus-ready and, on a Citus coordinator, distributes them (a
/// no-op for tables already distributed), logging what it did.
async fn distribute(
    manager: &SchemaManager<'_>,
    schema: &multitenant::Schema,
) -> Result<(), DbErr> {
    let plan = multitenant_citus::migration::distribute(manager, schema).await?;
    for notice in plan.notices() {
        tracing::info!("citus: {notice}");
    }
    for step in plan.steps() {
        tracing::info!(reason = %step.reason, "citus: {}", step.sql);
    }
    Ok(())
}

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
        for (_, ddl) in TABLES {
            db.execute_unprepared(ddl).await?;
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
        distribute(manager, &schema_after(1)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (table, _) in TABLES.iter().rev() {
            db.execute_unprepared(&format!("DROP TABLE IF EXISTS {table}"))
                .await?;
        }
        Ok(())
    }
}

/// `account_owners`: who owns which account, as a shared table. Resolving a request's account
/// and listing a caller's accounts read it instead of searching `accounts` by owner, which on
/// Citus would ask every shard. Existing accounts are copied in.
struct AccountOwners;

impl MigrationName for AccountOwners {
    fn name(&self) -> &str {
        "m20261126_000002_account_owners"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for AccountOwners {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // No foreign key to `accounts`: on Citus a reference table cannot reference a
        // distributed one. The app writes both rows in one transaction.
        db.execute_unprepared(
            "CREATE TABLE account_owners (
                user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                account_id bigint NOT NULL,
                PRIMARY KEY (user_id, account_id))",
        )
        .await?;
        distribute(manager, &schema_after(2)).await?;
        db.execute_unprepared(
            "INSERT INTO account_owners (user_id, account_id) SELECT owner_id, id FROM accounts",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE IF EXISTS account_owners")
            .await?;
        Ok(())
    }
}

/// `account_subdomains`: subdomains made unique across accounts by a shared table (on Citus a
/// unique index on the sharded `accounts` could only be unique per account). Existing accounts
/// are copied in; where several share a subdomain, the oldest keeps it.
struct AccountSubdomains;

impl MigrationName for AccountSubdomains {
    fn name(&self) -> &str {
        "m20261126_000003_account_subdomains"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for AccountSubdomains {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE TABLE account_subdomains (
                subdomain text PRIMARY KEY CHECK (subdomain = lower(subdomain)),
                account_id bigint NOT NULL)",
        )
        .await?;
        distribute(manager, &schema_after(3)).await?;
        db.execute_unprepared(
            "INSERT INTO account_subdomains (subdomain, account_id)
             SELECT DISTINCT ON (lower(subdomain)) lower(subdomain), id FROM accounts
             ORDER BY lower(subdomain), id",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE IF EXISTS account_subdomains")
            .await?;
        Ok(())
    }
}

/// Tokens expire: `api_tokens.expires_at`. Tokens issued before have a week left (the default
/// lifetime), counted from the migration.
struct TokenExpiry;

impl MigrationName for TokenExpiry {
    fn name(&self) -> &str {
        "m20261202_000004_token_expiry"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for TokenExpiry {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for sql in [
            "ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz",
            "UPDATE api_tokens SET expires_at = now() + interval '7 days'",
            "ALTER TABLE api_tokens ALTER COLUMN expires_at SET NOT NULL",
            "CREATE INDEX api_tokens_user_id ON api_tokens (user_id)",
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX IF EXISTS api_tokens_user_id")
            .await?;
        db.execute_unprepared("ALTER TABLE api_tokens DROP COLUMN IF EXISTS expires_at")
            .await?;
        Ok(())
    }
}

/// Usernames stored before they were folded ([`crate::auth::fold_username`]: NFKC, lowercase)
/// are folded, so that their users log in as they type them. A name whose folded form another
/// user already has is left as it is and logged (level warn): that user cannot log in until an
/// operator renames one of the two.
struct FoldedUsernames;

impl MigrationName for FoldedUsernames {
    fn name(&self) -> &str {
        "m20261202_000005_folded_usernames"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for FoldedUsernames {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let rows = db
            .query_all_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT id, username FROM users ORDER BY id",
            ))
            .await?;
        let mut users = Vec::with_capacity(rows.len());
        for row in rows {
            users.push((
                row.try_get_by_index::<i64>(0)?,
                row.try_get_by_index::<String>(1)?,
            ));
        }
        for (id, folded, holder) in folds(&users) {
            match holder {
                None => {
                    db.execute_raw(sea_orm::Statement::from_sql_and_values(
                        db.get_database_backend(),
                        "UPDATE users SET username = $1 WHERE id = $2",
                        [folded.into(), id.into()],
                    ))
                    .await?;
                }
                Some(holder) => tracing::warn!(
                    user = id,
                    username = %folded,
                    taken_by = holder,
                    "username left unfolded: another user has its folded form; rename one of them"
                ),
            }
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}

/// For each user whose name is not folded: its id, the folded name, and the id of the user that
/// already holds it (a name already folded, or one folded earlier by id), if any.
fn folds(users: &[(i64, String)]) -> Vec<(i64, String, Option<i64>)> {
    let mut holders: std::collections::HashMap<String, i64> = users
        .iter()
        .filter(|(_, name)| crate::auth::fold_username(name) == *name)
        .map(|(id, name)| (name.clone(), *id))
        .collect();
    let mut out = Vec::new();
    for (id, name) in users {
        let folded = crate::auth::fold_username(name);
        if folded == *name {
            continue;
        }
        let holder = holders.get(&folded).copied();
        if holder.is_none() {
            holders.insert(folded.clone(), *id);
        }
        out.push((*id, folded, holder));
    }
    out
}

#[cfg(test)]
mod tests {
    /// The last migration leaves the tables the entities describe.
    #[test]
    fn the_last_migration_matches_the_entities() {
        use sea_orm_migration::MigratorTrait;
        let last = super::schema_after(super::Migrator::migrations().len());
        let entities = crate::entities::schema();
        let tenant = |s: &multitenant::Schema| {
            let mut t: Vec<String> = s
                .tenant_tables()
                .map(|(name, column)| format!("{name}:{column}"))
                .collect();
            t.sort();
            t
        };
        let reference = |s: &multitenant::Schema| {
            let mut t: Vec<String> = s.reference_tables().map(|n| n.to_string()).collect();
            t.sort();
            t
        };
        assert_eq!(tenant(&last), tenant(&entities));
        assert_eq!(reference(&last), reference(&entities));
        assert_eq!(reference(&last).len(), 5);
        assert_eq!(last.root(), entities.root());
    }

    #[test]
    fn usernames_are_folded_unless_the_folded_name_is_taken() {
        let users = [
            (1, "ada".to_owned()),
            (2, "Ada".to_owned()),
            (3, "Grace".to_owned()),
            (4, "GRACE".to_owned()),
            (5, "bob".to_owned()),
        ];
        assert_eq!(
            super::folds(&users),
            [
                (2, "ada".to_owned(), Some(1)),
                (3, "grace".to_owned(), None),
                (4, "grace".to_owned(), Some(3)),
            ]
        );
    }
}
