//! The sample app and the baseline serving one fresh database on 127.0.0.1, and two tenants'
//! data created through the app's API.
#![allow(dead_code, unreachable_pub)] // each test binary uses part of it

use multitenant_test_support::TestDatabase;
use reqwest::header::CONTENT_TYPE;
use reqwest::{Client, Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use tokio::sync::oneshot;

/// A response as both servers are compared: status, `Content-Type` and the body as sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: StatusCode,
    pub content_type: Option<String>,
    pub body: String,
}

impl Answer {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// A request of a test: method, path, headers and body, sent the same to either server.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: Method,
    pub path: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<String>,
}

impl Request {
    pub fn get(path: &str) -> Request {
        Request {
            method: Method::GET,
            path: path.to_owned(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// A `POST` of `body` as JSON.
    pub fn post(path: &str, body: &Value) -> Request {
        Request::post_raw(path, "application/json", &body.to_string())
    }

    /// A `POST` of `body` as `content_type`.
    pub fn post_raw(path: &str, content_type: &str, body: &str) -> Request {
        Request {
            method: Method::POST,
            path: path.to_owned(),
            headers: vec![("content-type", content_type.to_owned())],
            body: Some(body.to_owned()),
        }
    }

    /// With `Authorization: Bearer <token>`.
    pub fn token(self, token: &str) -> Request {
        self.header("authorization", &format!("Bearer {token}"))
    }

    /// With `X-Account-Id`.
    pub fn account(self, account: impl ToString) -> Request {
        self.header("x-account-id", &account.to_string())
    }

    pub fn header(mut self, name: &'static str, value: &str) -> Request {
        self.headers.push((name, value.to_owned()));
        self
    }
}

/// A tenant of the test: its user's token and its account.
#[derive(Clone, Debug)]
pub struct Tenant {
    pub token: String,
    pub account: i64,
}

/// The app and the baseline on one database; both stop when dropped.
pub struct Servers {
    pub app: String,
    pub baseline: String,
    pub client: Client,
    /// The largest `limit` the baseline takes.
    pub max_limit: u64,
    /// A pool of the test's own on the database, to check rows.
    pub pool: sqlx::PgPool,
    stops: Vec<oneshot::Sender<()>>,
    _database: TestDatabase,
}

impl Drop for Servers {
    fn drop(&mut self) {
        for stop in self.stops.drain(..) {
            let _ = stop.send(());
        }
    }
}

impl Servers {
    /// A fresh database migrated by the app, the app serving it, and the baseline serving it
    /// with lists of at most `max_limit` rows; of as many as the app takes when `None`.
    pub async fn start(max_limit: Option<u64>) -> Servers {
        let database = TestDatabase::create("mt_baseline").await;
        let db = projects::connect(&database.url).await.unwrap();
        projects::migrate(&db).await.unwrap();
        let (app_stop, stopped) = oneshot::channel::<()>();
        let settings = projects::Settings::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let app = format!("http://{}", listener.local_addr().unwrap());
        let router = projects::api::router(db, &settings);
        tokio::spawn(async move {
            let stopped = async {
                let _ = stopped.await;
            };
            projects::serve(listener, router, settings.server, stopped)
                .await
                .unwrap();
        });
        let pool = bench_baseline::connect(&database.url, 4).await.unwrap();
        let mut servers = Servers {
            app,
            baseline: String::new(),
            client: Client::new(),
            max_limit: 0,
            pool,
            stops: vec![app_stop],
            _database: database,
        };
        servers.max_limit = match max_limit {
            Some(n) => n,
            None => servers.app_max_limit().await,
        };
        let (baseline_stop, stopped) = oneshot::channel::<()>();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        servers.baseline = format!("http://{}", listener.local_addr().unwrap());
        servers.stops.push(baseline_stop);
        let router = bench_baseline::router(servers.pool.clone(), servers.max_limit);
        tokio::spawn(async move {
            let stopped = async {
                let _ = stopped.await;
            };
            bench_baseline::serve(listener, router, stopped)
                .await
                .unwrap();
        });
        servers
    }

    /// The largest `limit` the app takes, read from its refusal of `limit=0` (asked as a user
    /// of its own, `probe`).
    async fn app_max_limit(&self) -> u64 {
        let (probe, _) = self.tenant("probe", 1).await;
        let request = Request::get("/api/projects?limit=0").token(&probe.token);
        let refused = self.through_app(&request, StatusCode::BAD_REQUEST).await;
        let message = refused["error"]["message"].as_str().unwrap().to_owned();
        message
            .strip_prefix("limit must be 1..=")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("unexpected message: {message}"))
    }

    fn build(&self, base: &str, request: &Request) -> RequestBuilder {
        let mut builder = self
            .client
            .request(request.method.clone(), format!("{base}{}", request.path));
        for (name, value) in &request.headers {
            builder = builder.header(*name, value);
        }
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        builder
    }

    async fn send(&self, base: &str, request: &Request) -> Answer {
        let res = self.build(base, request).send().await.unwrap();
        let status = res.status();
        let content_type = res
            .headers()
            .get(CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned());
        Answer {
            status,
            content_type,
            body: res.text().await.unwrap(),
        }
    }

    /// What the app answers.
    pub async fn app(&self, request: &Request) -> Answer {
        self.send(&self.app, request).await
    }

    /// What the baseline answers.
    pub async fn baseline(&self, request: &Request) -> Answer {
        self.send(&self.baseline, request).await
    }

    /// Sends `request` to the app; asserts `status`; the JSON body.
    pub async fn through_app(&self, request: &Request, status: StatusCode) -> Value {
        let answer = self.app(request).await;
        assert_eq!(answer.status, status, "{request:?}: {}", answer.body);
        answer.json()
    }

    /// Signs `username` up, logs in and creates `accounts` accounts (named after the user),
    /// all through the app; the token and the first account.
    pub async fn tenant(&self, username: &str, accounts: usize) -> (Tenant, Vec<i64>) {
        let credentials = json!({"username": username, "password": "correct horse battery"});
        self.through_app(
            &Request::post("/api/users", &credentials),
            StatusCode::CREATED,
        )
        .await;
        let token = self
            .through_app(&Request::post("/api/token", &credentials), StatusCode::OK)
            .await["token"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut ids = Vec::new();
        for n in 0..accounts {
            let name = format!("{username}{n}");
            let account = json!({
                "name": name, "domain": format!("{name}.example.com"),
                "subdomain": name, "country_id": 250,
            });
            let created = self
                .through_app(
                    &Request::post("/api/accounts", &account).token(&token),
                    StatusCode::CREATED,
                )
                .await;
            ids.push(created["id"].as_i64().unwrap());
        }
        let tenant = Tenant {
            token,
            account: ids.first().copied().unwrap_or_default(),
        };
        (tenant, ids)
    }

    /// Creates rows for `tenant` through the app: `projects` projects, each with `tasks` tasks
    /// (every other one done), and `managers` managers. The project ids.
    pub async fn fill(
        &self,
        tenant: &Tenant,
        projects: usize,
        tasks: usize,
        managers: usize,
    ) -> Vec<i64> {
        let mut ids = Vec::new();
        for p in 0..projects {
            let request = Request::post("/api/projects", &json!({"name": format!("Project {p}")}))
                .token(&tenant.token)
                .account(tenant.account);
            let project = self.through_app(&request, StatusCode::CREATED).await;
            let id = project["id"].as_i64().unwrap();
            ids.push(id);
            for t in 0..tasks {
                let task =
                    json!({"project_id": id, "name": format!("Task {p}.{t}"), "done": t % 2 == 1});
                let request = Request::post("/api/tasks", &task)
                    .token(&tenant.token)
                    .account(tenant.account);
                self.through_app(&request, StatusCode::CREATED).await;
            }
        }
        for m in 0..managers {
            let request = Request::post("/api/managers", &json!({"name": format!("Manager {m}")}))
                .token(&tenant.token)
                .account(tenant.account);
            self.through_app(&request, StatusCode::CREATED).await;
        }
        ids
    }

    /// Every row of `table` of `account`, as JSON text, in id order.
    pub async fn rows(&self, table: &str, account: i64) -> Vec<String> {
        let sql = format!(
            "SELECT row_to_json(r)::text FROM (SELECT * FROM {table} WHERE account_id = $1 ORDER BY id) r"
        );
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(account)
            .fetch_all(&self.pool)
            .await
            .unwrap()
    }
}
