//! `baseline`: serves the sample app's tenant routes, hand-written with sqlx, over the app's own
//! database (migrated by the app) until SIGTERM or Ctrl-C.

use std::net::SocketAddr;

use clap::Parser;
use tracing_subscriber::EnvFilter;

/// The benchmark's baseline: the sample app's tenant routes with an explicit `account_id`
/// predicate in every statement.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8300")]
    listen: SocketAddr,
    /// The app's database (PostgreSQL URL).
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Connections in the pool (the app's pool size by default).
    #[arg(long, default_value_t = bench_baseline::DEFAULT_MAX_CONNECTIONS, value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: u32,
    /// The largest `limit` a list takes.
    #[arg(long, default_value_t = bench_baseline::DEFAULT_MAX_LIMIT, value_parser = clap::value_parser!(u64).range(1..))]
    max_limit: u64,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .init();
    let args = Args::parse();
    let pool = bench_baseline::connect(&args.database_url, args.max_connections).await?;
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, max_connections = args.max_connections, "listening");
    let app = bench_baseline::router(pool.clone(), args.max_limit);
    bench_baseline::serve(listener, app, shutdown()?).await?;
    pool.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or, on Unix, SIGTERM. The handlers are installed before it is awaited.
fn shutdown() -> std::io::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    Ok(async move {
        #[cfg(unix)]
        let terminated = term.recv();
        #[cfg(not(unix))]
        let terminated = std::future::pending::<Option<()>>();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = terminated => {},
        }
        tracing::info!("shutting down");
    })
}
