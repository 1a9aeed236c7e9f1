//! Serving the app over HTTP/1.1 with connection limits: hyper's header-read timeout (a client
//! that sends half a request is cut off), an idle limit for kept-alive connections, the client's
//! address for each request (`ConnectInfo`), and a graceful shutdown that lets the requests in
//! flight finish.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::time::Instant;
use tower::Service;

use crate::ServerLimits;

/// Serves `app` on `listener` with `limits` until `shutdown` resolves, then waits for the
/// connections to finish their requests.
///
/// ```no_run
/// # async fn f(db: multitenant_sea_orm::TenantDatabase) -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
/// let settings = projects::Settings::default();
/// let app = projects::api::router(db, &settings);
/// projects::serve(listener, app, settings.server, std::future::pending()).await
/// # }
/// ```
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    // Connections hold `stop_tx` clones and watch for every receiver to go (the shutdown
    // signal); they hold `done_rx` clones until they end, which the shutdown waits for.
    let (stop_tx, stop_rx) = watch::channel(());
    let (done_tx, done_rx) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    loop {
        let (stream, client) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let (stop, done) = (stop_tx.clone(), done_rx.clone());
        tokio::spawn(connection(stream, client, app.clone(), limits, stop, done));
    }
    drop(listener);
    drop(stop_rx);
    drop(done_rx);
    done_tx.closed().await;
    Ok(())
}

/// When a connection last finished a request, and how many it is running.
struct Activity {
    running: AtomicUsize,
    last_response: Mutex<Option<Instant>>,
}

impl Activity {
    /// When the connection, idle since its last response, is to be closed; `None` while it runs
    /// a request or has not answered one yet (the header timeout covers that).
    fn idle_deadline(&self, idle: Duration) -> Option<Instant> {
        if self.running.load(Ordering::SeqCst) > 0 {
            return None;
        }
        let last = *self
            .last_response
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        last.map(|at| at + idle)
    }
}

/// Counts a request as running until dropped.
struct Running(Arc<Activity>);

impl Running {
    fn start(activity: &Arc<Activity>) -> Running {
        activity.running.fetch_add(1, Ordering::SeqCst);
        Running(activity.clone())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        *self
            .0
            .last_response
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
        self.0.running.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn connection(
    stream: TcpStream,
    client: SocketAddr,
    app: Router,
    limits: ServerLimits,
    stop: watch::Sender<()>,
    _done: watch::Receiver<()>,
) {
    let activity = Arc::new(Activity {
        running: AtomicUsize::new(0),
        last_response: Mutex::new(None),
    });
    let requests = activity.clone();
    let service = hyper::service::service_fn(move |req: http::Request<Incoming>| {
        let mut req = req.map(axum::body::Body::new);
        req.extensions_mut().insert(ConnectInfo(client));
        let running = Running::start(&requests);
        let response = app.clone().call(req);
        async move {
            let response = response.await;
            drop(running);
            response
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let mut conn = pin!(builder.serve_connection(TokioIo::new(stream), service));
    let mut stopping = pin!(stop.closed());
    let finished = loop {
        let idle = activity.idle_deadline(limits.idle_timeout);
        // While a request runs, look again after the idle time.
        let wake = idle.unwrap_or_else(|| Instant::now() + limits.idle_timeout);
        tokio::select! {
            result = conn.as_mut() => break Some(result),
            () = &mut stopping => break None,
            () = tokio::time::sleep_until(wake) => {
                if activity
                    .idle_deadline(limits.idle_timeout)
                    .is_some_and(|at| at <= Instant::now())
                {
                    break None;
                }
            }
        }
    };
    let result = match finished {
        Some(result) => result,
        None => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = result {
        tracing::debug!(%client, error = %e, "connection ended");
    }
}
