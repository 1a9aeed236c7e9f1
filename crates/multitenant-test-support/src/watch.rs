//! Servers under watch: every response a test server gives is recorded, and when the test ends
//! it fails if any was a 5xx the test did not expect, or if a server thread panicked.

use std::sync::{Arc, Mutex, Once, PoisonError};

/// Panic messages of server threads (the tokio runtime's, named `tokio-...`), in this process.
static SERVER_PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Records the panics of server threads from now on, then reports them as usual. A test's own
/// thread (named after the test) is not a server thread: its failures fail the test already.
///
/// ```
/// multitenant_test_support::record_server_panics();
/// assert!(multitenant_test_support::server_panics().is_empty());
/// ```
pub fn record_server_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let thread = std::thread::current();
            let name = thread.name().unwrap_or_default();
            if name.starts_with("tokio-") {
                SERVER_PANICS
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(format!("{name}: {info}"));
            }
            previous(info);
        }));
    });
}

/// The panics of server threads recorded so far in this process.
///
/// ```
/// let panics = multitenant_test_support::server_panics();
/// # let _ = panics;
/// ```
pub fn server_panics() -> Vec<String> {
    SERVER_PANICS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}

/// What a server answered: method, path and status of each response; and the 5xx statuses a
/// test expects (a database outage's 503, a refusal it provokes on purpose), which
/// [`Answers::check`] lets through.
///
/// ```
/// use std::sync::Arc;
/// let answers = Arc::new(multitenant_test_support::Answers::default());
/// let router: axum::Router = answers.record(axum::Router::new());
/// answers.expect(503);
/// answers.check();
/// # let _ = router;
/// ```
#[derive(Debug, Default)]
pub struct Answers {
    seen: Mutex<Vec<(String, String, u16)>>,
    expected: Mutex<Vec<u16>>,
}

impl Answers {
    /// `router` recording every response it gives into `self`.
    pub fn record(self: &Arc<Self>, router: axum::Router) -> axum::Router {
        let answers = self.clone();
        router.layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                let answers = answers.clone();
                async move {
                    let (method, path) = (req.method().to_string(), req.uri().path().to_owned());
                    let response = next.run(req).await;
                    answers
                        .seen
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push((method, path, response.status().as_u16()));
                    response
                }
            },
        ))
    }

    /// The responses with a status of 500 or more that the test did not [`Answers::expect`].
    pub fn server_errors(&self) -> Vec<(String, String, u16)> {
        let expected = self
            .expected
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        seen.iter()
            .filter(|a| a.2 >= 500 && !expected.contains(&a.2))
            .cloned()
            .collect()
    }

    /// Lets responses with `status` (5xx) through [`Answers::check`].
    pub fn expect(&self, status: u16) {
        self.expected
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(status);
    }

    /// How many responses had `status`.
    pub fn count(&self, status: u16) -> usize {
        let seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        seen.iter().filter(|a| a.2 == status).count()
    }

    /// Panics if a response was an unexpected 5xx or a server thread panicked (not while the
    /// current thread is already unwinding: a failing test is failing already).
    pub fn check(&self) {
        if std::thread::panicking() {
            return;
        }
        let errors = self.server_errors();
        assert!(errors.is_empty(), "the server answered 5xx: {errors:?}");
        let panics = server_panics();
        assert!(panics.is_empty(), "a server thread panicked: {panics:?}");
    }
}

/// A router served on an ephemeral port of 127.0.0.1 under watch: stopped when dropped, and
/// then [`Answers::check`]ed.
///
/// ```no_run
/// # async fn f() {
/// let server = multitenant_test_support::WatchedServer::start(axum::Router::new()).await;
/// let url = format!("{}/healthz", server.base);
/// # let _ = url; }
/// ```
pub struct WatchedServer {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// What it answered.
    pub answers: Arc<Answers>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl WatchedServer {
    /// Serves `router` (with axum's connect info, as a real server has it).
    pub async fn start(router: axum::Router) -> WatchedServer {
        record_server_panics();
        let answers = Arc::new(Answers::default());
        let app = answers.record(router);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("an ephemeral port on 127.0.0.1");
        let addr = listener.local_addr().expect("the listener's address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
            .expect("the test server runs")
        });
        WatchedServer {
            base: format!("http://{addr}"),
            answers,
            stop: Some(stop),
        }
    }
}

impl std::ops::Deref for WatchedServer {
    type Target = str;

    /// The base URL.
    fn deref(&self) -> &str {
        &self.base
    }
}

impl std::fmt::Display for WatchedServer {
    /// The base URL.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.base)
    }
}

impl Drop for WatchedServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.answers.check();
    }
}
