//! The multitenant sample app: a multi-tenant project-management service with a REST API and a
//! web page, on PostgreSQL or a Citus coordinator.
//!
//! Accounts are the tenants. Each request to a tenant route runs for one account, and every
//! statement it sends goes through a SeaORM connection scoped to that account by `multitenant`:
//! the handlers never write `account_id = ...` themselves.
//!
//! ```no_run
//! # async fn run() -> Result<(), projects::Error> {
//! use sea_orm::EntityTrait;
//!
//! // Connect (creating the database if missing), migrate, seed demo data.
//! let url = "postgres://postgres@127.0.0.1:5432/projects";
//! projects::ensure_database(url).await?;
//! let db = projects::connect(url).await?;
//! projects::migrate(&db).await?;
//! projects::seed(&db, 3).await?;
//!
//! // Scope: a connection for account 1; query: only account 1's projects come back.
//! let acme = db.tenant(1_i64);
//! let mine = projects::entities::projects::Entity::find().all(&acme).await?;
//! assert!(mine.iter().all(|p| p.account_id == 1));
//!
//! // Serve the API and the web page.
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
//! let settings = projects::Settings::default();
//! let app = projects::api::router(db, &settings);
//! projects::serve(listener, app, settings.server, std::future::pending()).await?;
//! # Ok(()) }
//! ```

pub mod api;
pub mod auth;
pub mod entities;
mod error;
pub mod login;
pub mod migration;
pub mod ownership;
mod server;
mod settings;
pub mod web;

pub use error::Error;
pub use server::serve;
pub use settings::{ServerLimits, Settings};

use multitenant_sea_orm::TenantDatabase;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, Database, EntityTrait, PaginatorTrait,
    Statement,
};
use sea_orm_migration::MigratorTrait;

use entities::{managers, project_managers, projects as project, tasks, users};

/// The HTTP application with the default [`Settings`] (see [`api::router`]).
///
/// ```no_run
/// # async fn f(db: multitenant_sea_orm::TenantDatabase) {
/// let app: axum::Router = projects::app(db);
/// # let _ = app; }
/// ```
pub fn app(db: TenantDatabase) -> axum::Router {
    api::router(db, &Settings::default())
}

/// Creates the database `url` names when it does not exist (connecting to the `postgres`
/// database of the same server). Returns whether it created it.
///
/// ```no_run
/// # async fn f() -> Result<(), projects::Error> {
/// let created = projects::ensure_database("postgres://postgres@127.0.0.1:5432/projects").await?;
/// # let _ = created; Ok(()) }
/// ```
pub async fn ensure_database(url: &str) -> Result<bool, Error> {
    let bad_url = || Error::DatabaseUrl {
        url: url.to_owned(),
    };
    let (base, rest) = url.rsplit_once('/').ok_or_else(bad_url)?;
    let (name, query) = match rest.split_once('?') {
        Some((name, query)) => (name, Some(query)),
        None => (rest, None),
    };
    if name.is_empty() || base.ends_with('/') || !base.contains("//") {
        return Err(bad_url());
    }
    let admin_url = match query {
        Some(q) => format!("{base}/postgres?{q}"),
        None => format!("{base}/postgres"),
    };
    let admin = Database::connect(admin_url).await?;
    let exists = admin
        .query_one_raw(Statement::from_sql_and_values(
            admin.get_database_backend(),
            "SELECT 1 FROM pg_database WHERE datname = $1",
            [name.into()],
        ))
        .await?
        .is_some();
    if !exists {
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        admin
            .execute_unprepared(&format!("CREATE DATABASE {quoted}"))
            .await?;
        tracing::info!(database = name, "created the database");
    }
    admin.close().await?;
    Ok(!exists)
}

/// Connects to `url` with the app's tenant schema ([`entities::schema`]).
///
/// ```no_run
/// # async fn f() -> Result<(), projects::Error> {
/// let db = projects::connect("postgres://postgres@127.0.0.1:5432/projects").await?;
/// # let _ = db; Ok(()) }
/// ```
pub async fn connect(url: &str) -> Result<TenantDatabase, Error> {
    let mut options = sea_orm::ConnectOptions::new(url);
    // A connection in steady use is not pinged each time it is taken from the pool (a round
    // trip per statement); one idle for a while is. A connection that broke meanwhile fails its
    // statement (503) and is discarded when it goes back.
    options.test_before_acquire_if_idle_for(PING_IF_IDLE_FOR);
    Ok(TenantDatabase::connect(options, entities::schema()).await?)
}

/// How long a pooled connection may sit idle before it is pinged when taken from the pool.
const PING_IF_IDLE_FOR: std::time::Duration = std::time::Duration::from_secs(30);

/// Applies the pending migrations ([`migration::Migrator`]) on the bare connection.
///
/// ```no_run
/// # async fn f(db: multitenant_sea_orm::TenantDatabase) -> Result<(), projects::Error> {
/// projects::migrate(&db).await?;
/// # Ok(()) }
/// ```
pub async fn migrate(db: &TenantDatabase) -> Result<(), Error> {
    migration::Migrator::up(db.connection(), None).await?;
    Ok(())
}

/// Seeds demo data when there are no users yet: users `demo1`..`demoN` (password `demo`), each
/// owning one account with managers, projects and tasks. Returns whether it seeded.
///
/// ```no_run
/// # async fn f(db: multitenant_sea_orm::TenantDatabase) -> Result<(), projects::Error> {
/// let seeded = projects::seed(&db, 3).await?;
/// # let _ = seeded; Ok(()) }
/// ```
pub async fn seed(db: &TenantDatabase, tenants: u32) -> Result<bool, Error> {
    if users::Entity::find().count(&db.ambient()).await? > 0 {
        return Ok(false);
    }
    const COUNTRIES: [i64; 3] = [250, 276, 840];
    const PROJECTS: [(&str, [&str; 3]); 2] = [
        ("Website relaunch", ["Write copy", "Pick photos", "Go live"]),
        (
            "Mobile app",
            ["Sketch screens", "Build beta", "Ship to stores"],
        ),
    ];
    for n in 1..=tenants {
        let user = users::ActiveModel {
            username: Set(format!("demo{n}")),
            password_hash: Set(auth::hash_password("demo")?),
            ..Default::default()
        }
        .insert(&db.ambient())
        .await?;
        let fields = ownership::AccountFields {
            name: format!("Demo {n}"),
            domain: format!("demo{n}.example.com"),
            subdomain: format!("demo{n}"),
            country_id: COUNTRIES[(n as usize - 1) % COUNTRIES.len()],
        };
        let account = ownership::create_account(db, user.id, fields).await?;
        // From here on everything is written through the account's scoped connection: the
        // tenant column is filled in by the scoper.
        let conn = db.tenant(account.id);
        let mut managers = Vec::new();
        for name in ["Ada", "Grace"] {
            let m = managers::ActiveModel {
                name: Set(format!("{name} ({n})")),
                ..Default::default()
            }
            .insert(&conn)
            .await?;
            managers.push(m.id);
        }
        for (i, (name, todo)) in PROJECTS.iter().enumerate() {
            let p = project::ActiveModel {
                name: Set(format!("{name} {n}")),
                ..Default::default()
            }
            .insert(&conn)
            .await?;
            project_managers::ActiveModel {
                project_id: Set(p.id),
                manager_id: Set(managers[i % managers.len()]),
                ..Default::default()
            }
            .insert(&conn)
            .await?;
            for (j, task) in todo.iter().enumerate() {
                tasks::ActiveModel {
                    project_id: Set(p.id),
                    name: Set((*task).to_owned()),
                    done: Set(j == 0),
                    ..Default::default()
                }
                .insert(&conn)
                .await?;
            }
        }
        tracing::info!(user = %user.username, account = account.id, "seeded a demo tenant");
    }
    Ok(true)
}
