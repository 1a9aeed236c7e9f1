//! `projects`: runs the sample app. Connects to `DATABASE_URL` (creating the database when
//! missing), migrates, seeds demo data into an empty database, and serves the REST API and the
//! web page until SIGTERM or Ctrl-C.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;
use tracing_subscriber::EnvFilter;

const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/projects";

/// The multitenant sample app: a multi-tenant project-management service.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8000")]
    listen: SocketAddr,
    /// How many demo tenants (users demo1..demoN, password `demo`) to seed into an empty database.
    #[arg(long, default_value_t = 3)]
    demo_tenants: u32,
    /// PostgreSQL or Citus coordinator URL [default: $DATABASE_URL, then postgres://postgres@127.0.0.1:5432/projects]
    #[arg(long)]
    database_url: Option<String>,
    /// How long a bearer token is valid, in seconds (default: 7 days).
    #[arg(long, env = "PROJECTS_TOKEN_LIFETIME_SECS", default_value_t = 7 * 24 * 3600)]
    token_lifetime_secs: u64,
    /// The largest request body, in bytes: 413 beyond.
    #[arg(long, env = "PROJECTS_BODY_LIMIT", default_value_t = 64 * 1024)]
    body_limit: usize,
    /// How long a request may take, in seconds: 408 beyond.
    #[arg(long, env = "PROJECTS_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    request_timeout_secs: u64,
    /// How long a client may take to send a request's head, in seconds: the connection is closed beyond.
    #[arg(long, env = "PROJECTS_HEADER_READ_TIMEOUT_SECS", default_value_t = 10)]
    header_read_timeout_secs: u64,
    /// How long a kept-alive connection may wait for its next request, in seconds.
    #[arg(long, env = "PROJECTS_IDLE_TIMEOUT_SECS", default_value_t = 5)]
    idle_timeout_secs: u64,
}

impl Args {
    fn settings(&self) -> projects::Settings {
        let secs = Duration::from_secs;
        projects::Settings {
            token_lifetime: secs(self.token_lifetime_secs),
            body_limit: self.body_limit,
            request_timeout: secs(self.request_timeout_secs),
            server: projects::ServerLimits {
                header_read_timeout: secs(self.header_read_timeout_secs),
                idle_timeout: secs(self.idle_timeout_secs),
            },
            ..projects::Settings::default()
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), projects::Error> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm_migration=warn")),
        )
        .init();
    let args = Args::parse();
    let settings = args.settings();
    let url = args
        .database_url
        .or_else(|| std::env::var("DATABASE_URL").ok())
        .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());

    projects::ensure_database(&url).await?;
    let db = projects::connect(&url).await?;
    projects::migrate(&db).await?;
    if projects::seed(&db, args.demo_tenants).await? {
        tracing::info!(
            tenants = args.demo_tenants,
            "seeded demo data: log in as demo1 with password `demo`"
        );
    }

    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "listening");
    println!("projects: open http://{addr}/ (API: http://{addr}/api/openapi.json)");
    let app = projects::api::router(db, &settings);
    projects::serve(listener, app, settings.server, shutdown()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
