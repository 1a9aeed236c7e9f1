//! The real app on 127.0.0.1 over a fresh PostgreSQL database, dropped when the test ends.
//! Every server a test starts records the status of each response it gives
//! ([`multitenant_test_support::Answers`]); when the test
//! ends, it checks that none was a 5xx and that no server thread panicked.
#![allow(dead_code, unreachable_pub)] // each test binary uses part of it

use std::ops::Deref;
use std::sync::Arc;

use multitenant_test_support::{Answers, TestDatabase, record_server_panics};
use reqwest::{Client, Method, RequestBuilder, StatusCode};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

/// A fresh database, dropped on drop; its name and URL are those of the [`TestDatabase`].
pub struct TestDb(TestDatabase);

impl TestDb {
    /// A fresh database, created the way the app creates it on first start.
    pub async fn create() -> TestDb {
        let db = TestDb::unique();
        assert!(projects::ensure_database(&db.url).await.unwrap());
        assert!(!projects::ensure_database(&db.url).await.unwrap());
        db
    }

    /// A unique database name that does not exist yet (dropped on drop if something creates it).
    pub fn unique() -> TestDb {
        TestDb(TestDatabase::reserve("mt_projects"))
    }
}

impl Deref for TestDb {
    type Target = TestDatabase;

    fn deref(&self) -> &TestDatabase {
        &self.0
    }
}

/// The password [`App::user`] signs up with.
pub const PASSWORD: &str = "correct horse battery";

/// The app serving on an ephemeral port.
pub struct App {
    pub base: String,
    pub client: Client,
    pub db: multitenant_sea_orm::TenantDatabase,
    pub answers: Arc<Answers>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _test_db: Option<TestDb>,
}

impl Drop for App {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.answers.check();
    }
}

impl App {
    /// Migrates a fresh database (seeding `demo_tenants` when given) and serves the app.
    pub async fn start(demo_tenants: Option<u32>) -> App {
        App::start_with(demo_tenants, projects::Settings::default()).await
    }

    /// [`App::start`] with settings of the test's own.
    pub async fn start_with(demo_tenants: Option<u32>, settings: projects::Settings) -> App {
        let test_db = TestDb::create().await;
        let db = projects::connect(&test_db.url).await.unwrap();
        projects::migrate(&db).await.unwrap();
        // Migrating twice is a no-op.
        projects::migrate(&db).await.unwrap();
        if let Some(n) = demo_tenants {
            assert!(projects::seed(&db, n).await.unwrap());
        }
        let router = projects::api::router(db.clone(), &settings);
        let mut app = App::serve_with(db, router, settings.server).await;
        app._test_db = Some(test_db);
        app
    }

    /// Serves the app over `db`, already migrated, on an ephemeral port.
    pub async fn serve(db: multitenant_sea_orm::TenantDatabase) -> App {
        App::serve_router(db.clone(), projects::app(db)).await
    }

    /// Serves `app` (the app's router with routes of a test's own) over `db`.
    pub async fn serve_router(db: multitenant_sea_orm::TenantDatabase, app: axum::Router) -> App {
        App::serve_with(db, app, projects::ServerLimits::default()).await
    }

    /// Serves `app` over `db` as the binary does ([`projects::serve`]), with `limits`.
    pub async fn serve_with(
        db: multitenant_sea_orm::TenantDatabase,
        app: axum::Router,
        limits: projects::ServerLimits,
    ) -> App {
        record_server_panics();
        let answers = Arc::new(Answers::default());
        let app = answers.record(app);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let stopped = async {
                let _ = stopped.await;
            };
            projects::serve(listener, app, limits, stopped)
                .await
                .unwrap()
        });
        App {
            base: format!("http://{addr}"),
            client: Client::new(),
            db,
            answers,
            stop: Some(stop),
            _test_db: None,
        }
    }

    /// The server's address, `127.0.0.1:<port>`.
    pub fn addr(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request with the caller's token and, when given, `X-Account-Id`.
    pub fn req(
        &self,
        method: Method,
        path: &str,
        token: &str,
        account: Option<i64>,
    ) -> RequestBuilder {
        let r = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token);
        match account {
            Some(a) => r.header("x-account-id", a.to_string()),
            None => r,
        }
    }

    /// Sends and returns the status and JSON body (Null when empty).
    pub async fn send(&self, r: RequestBuilder) -> (StatusCode, Value) {
        let res = r.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, body)
    }

    /// Signs up and logs in; returns the token.
    pub async fn user(&self, username: &str) -> String {
        let (status, body) = self
            .send(
                self.client
                    .post(self.url("/api/users"))
                    .json(&json!({"username": username, "password": PASSWORD})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        self.token(username, PASSWORD).await
    }

    pub async fn token(&self, username: &str, password: &str) -> String {
        let (status, body) = self
            .send(
                self.client
                    .post(self.url("/api/token"))
                    .json(&json!({"username": username, "password": password})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }

    /// Creates an account owned by the token's user; returns its id.
    pub async fn account(&self, token: &str, name: &str) -> i64 {
        let (status, body) = self
            .send(
                self.req(Method::POST, "/api/accounts", token, None)
                    .json(&json!({
                        "name": name, "domain": format!("{name}.example.com"),
                        "subdomain": name, "country_id": 250,
                    })),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_i64().unwrap()
    }

    /// Row count of a table per account, read on the bare connection.
    pub async fn count(&self, sql: &str) -> i64 {
        let conn = self.db.connection();
        let row = conn
            .query_one_raw(sea_orm::Statement::from_string(
                conn.get_database_backend(),
                sql.to_owned(),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<i64>(0).unwrap()
    }
}

/// Tells the load's clients to stop (`stop`) and waits for them; a client that failed fails the
/// test (its assertion is in the output above).
pub async fn stop_clients(
    stop: &std::sync::atomic::AtomicBool,
    clients: Vec<tokio::task::JoinHandle<()>>,
) {
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for client in clients {
        client
            .await
            .expect("a client failed (its assertion is above)");
    }
}
