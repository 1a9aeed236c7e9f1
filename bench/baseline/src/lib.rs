//! The benchmark's baseline: the sample app's tenant routes (`/api/projects`, `/api/tasks`,
//! `/api/managers`: list, retrieve, create) and its health check, written by hand with sqlx and
//! axum over the app's own database. No scoping library: every statement on a tenant table says
//! `account_id = $1` itself ([`sql`] lists them all), and the caller and the account are resolved
//! in one statement. The JSON is the app's, byte for byte on success.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let url = "postgres://postgres@127.0.0.1:5432/projects";
//! let pool = bench_baseline::connect(url, bench_baseline::DEFAULT_MAX_CONNECTIONS).await?;
//! let app = bench_baseline::router(pool, bench_baseline::DEFAULT_MAX_LIMIT);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8300").await?;
//! bench_baseline::serve(listener, app, std::future::pending()).await?;
//! # Ok(()) }
//! ```

mod error;
mod handlers;
mod resources;
pub mod sql;
mod tenant;

use std::future::Future;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

pub use error::ApiError;

use resources::{Manager, Project, Resource, Task};

/// The pool size the sample app runs with (SeaORM's default, which is sqlx's: 10).
///
/// ```
/// assert_eq!(bench_baseline::DEFAULT_MAX_CONNECTIONS, 10);
/// ```
pub const DEFAULT_MAX_CONNECTIONS: u32 = 10;

/// The largest `limit` a list takes (the same as the app's CRUD lists).
///
/// ```
/// assert_eq!(bench_baseline::DEFAULT_MAX_LIMIT, 1000);
/// ```
pub const DEFAULT_MAX_LIMIT: u64 = 1000;

/// The largest request body, in bytes (the app's default): 413 beyond.
///
/// ```
/// assert_eq!(bench_baseline::BODY_LIMIT, 64 * 1024);
/// ```
pub const BODY_LIMIT: usize = 64 * 1024;

/// What every handler shares: the pool and the largest `limit`.
#[derive(Clone)]
pub(crate) struct AppState {
    pool: PgPool,
    max_limit: u64,
}

/// A pool of at most `max_connections` connections to `url`, pinging a connection taken from
/// it only after 30 s idle (as the app does; sqlx's other defaults).
///
/// ```no_run
/// # async fn f() -> Result<(), sqlx::Error> {
/// let pool = bench_baseline::connect("postgres://postgres@127.0.0.1/projects", 10).await?;
/// # let _ = pool; Ok(()) }
/// ```
pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool, sqlx::Error> {
    // As the app's pool: a connection is pinged when taken from the pool only after it sat
    // idle for 30 s, not before every statement.
    PgPoolOptions::new()
        .max_connections(max_connections)
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= std::time::Duration::from_secs(30) {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
        .connect(url)
        .await
}

/// The routes: `GET`/`POST /api/{projects,tasks,managers}`, `GET /api/{...}/{id}`, `GET
/// /healthz`; lists take `limit` up to `max_limit`.
///
/// ```no_run
/// # fn f(pool: sqlx::PgPool) {
/// let app: axum::Router = bench_baseline::router(pool, 500);
/// # let _ = app; }
/// ```
pub fn router(pool: PgPool, max_limit: u64) -> Router {
    Router::new()
        .merge(table::<Project>())
        .merge(table::<Task>())
        .merge(table::<Manager>())
        .route("/healthz", get(handlers::healthz))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(AppState { pool, max_limit })
}

fn table<R: Resource>() -> Router<AppState> {
    let base = format!("/api/{}", R::TABLE);
    Router::new()
        .route(&base, get(handlers::list::<R>).post(handlers::create::<R>))
        .route(&format!("{base}/{{id}}"), get(handlers::retrieve::<R>))
}

/// Serves `app` on `listener` (HTTP/1.1, keep-alive) until `shutdown` resolves, then lets the
/// requests in flight finish.
///
/// ```no_run
/// # async fn f(app: axum::Router) -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// bench_baseline::serve(listener, app, async { let _ = tokio::signal::ctrl_c().await; }).await
/// # }
/// ```
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
