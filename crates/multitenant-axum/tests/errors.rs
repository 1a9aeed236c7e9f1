//! One failure, one response: the same refusal or database error sent through the CRUD router,
//! a hand-written SeaORM handler and a hand-written sqlx handler (both returning `ApiError` with
//! `?`) gets the same status and code, over a real HTTP server and a real PostgreSQL database.
#![allow(unreachable_pub)] // entity modules are private to this test

use axum::extract::{FromRef, Path};
use axum::routing::{get, post};
use axum::{Json, Router};
use multitenant::Schema;
use multitenant_axum::resolve::Header;
use multitenant_axum::{ApiError, Crud, TenantConn, TenantLayer, TenantSqlx};
use multitenant_sea_orm::{SchemaFromEntities, TenantDatabase};
use multitenant_sqlx::TenantPool;
use multitenant_test_support::{TestDatabase, WatchedServer};
use reqwest::{Client, Method, StatusCode};
use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::{Value, json};

mod projects {
    use sea_orm::entity::prelude::*;
    use serde::{Deserialize, Serialize};

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
    #[sea_orm(table_name = "projects")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub account_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub name: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl multitenant_sea_orm::TenantEntity for Entity {
        fn tenant_column() -> Column {
            Column::AccountId
        }
    }
}

mod tasks {
    use sea_orm::entity::prelude::*;
    use serde::{Deserialize, Serialize};

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
    #[sea_orm(table_name = "tasks")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub account_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub project_id: i64,
        pub name: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl multitenant_sea_orm::TenantEntity for Entity {
        fn tenant_column() -> Column {
            Column::AccountId
        }
    }
}

mod labels {
    use sea_orm::entity::prelude::*;
    use serde::{Deserialize, Serialize};

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
    #[sea_orm(table_name = "labels")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub account_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub code: String,
        pub weight: Option<i32>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl multitenant_sea_orm::TenantEntity for Entity {
        fn tenant_column() -> Column {
            Column::AccountId
        }
    }
}

const DDL: &str = "
CREATE TABLE labels (account_id bigint NOT NULL, id bigint NOT NULL, code varchar(4) NOT NULL,
    weight smallint, PRIMARY KEY (account_id, id));
CREATE TABLE projects (account_id bigint NOT NULL, id bigint NOT NULL, name text NOT NULL,
    PRIMARY KEY (account_id, id));
CREATE TABLE tasks (account_id bigint NOT NULL, id bigint NOT NULL, project_id bigint NOT NULL,
    name text NOT NULL CHECK (name <> ''), PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, project_id) REFERENCES projects (account_id, id));
INSERT INTO projects VALUES (1, 1, 'p1 of 1'), (2, 1, 'p1 of 2');
";

/// The hand-written statements, each meeting one failure when run for tenant 1.
const STATEMENTS: [(&str, &str); 11] = [
    (
        "too_long",
        "INSERT INTO labels (id, code) VALUES (1, 'abcdef')",
    ),
    (
        "out_of_range",
        "INSERT INTO labels (id, code, weight) VALUES (1, 'a', 99999)",
    ),
    (
        "not_a_number",
        "INSERT INTO labels (id, code, weight) VALUES (1, 'a', 'x'::text::smallint)",
    ),
    (
        "nul",
        "INSERT INTO projects (id, name) VALUES (9, convert_from('\\x00'::bytea, 'UTF8'))",
    ),
    (
        "duplicate",
        "INSERT INTO projects (id, name) VALUES (1, 'again')",
    ),
    ("move", "UPDATE projects SET account_id = 2 WHERE id = 1"),
    (
        "foreign",
        "INSERT INTO projects (account_id, id, name) VALUES (2, 5, 'x')",
    ),
    (
        "dangling",
        "INSERT INTO tasks (id, project_id, name) VALUES (1, 99, 't')",
    ),
    (
        "empty",
        "INSERT INTO tasks (id, project_id, name) VALUES (1, 1, '')",
    ),
    ("null", "INSERT INTO projects (id, name) VALUES (7, NULL)"),
    ("truncate", "TRUNCATE projects"),
];

fn statement(name: &str) -> &'static str {
    STATEMENTS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, sql)| *sql)
        .unwrap_or("SELECT name FROM projects WHERE id = 404")
}

#[derive(Clone)]
struct State {
    orm: TenantDatabase,
    sqlx: TenantPool,
}

impl FromRef<State> for TenantDatabase {
    fn from_ref(state: &State) -> Self {
        state.orm.clone()
    }
}

impl FromRef<State> for TenantPool {
    fn from_ref(state: &State) -> Self {
        state.sqlx.clone()
    }
}

async fn run_orm(
    TenantConn(conn): TenantConn,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let stmt = Statement::from_string(conn.get_database_backend(), statement(&name));
    if name == "missing" {
        let row = conn.query_one_raw(stmt).await?;
        return Ok(Json(json!(row.is_some())));
    }
    conn.execute_raw(stmt).await?;
    Ok(Json(json!("ran")))
}

async fn run_sqlx(db: TenantSqlx, Path(name): Path<String>) -> Result<Json<Value>, ApiError> {
    if name == "missing" {
        let found: String = sqlx::query_scalar(statement(&name))
            .fetch_one(db.executor())
            .await?;
        return Ok(Json(json!(found)));
    }
    sqlx::query(statement(&name)).execute(db.executor()).await?;
    Ok(Json(json!("ran")))
}

/// Outside the tenant layer: the ambient handle has no tenant.
async fn ambient_orm(
    axum::extract::State(db): axum::extract::State<TenantDatabase>,
) -> Result<String, ApiError> {
    let conn = db.ambient();
    let sql = "SELECT name FROM projects";
    conn.query_all_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await?;
    Ok("ran".into())
}

async fn ambient_sqlx(
    axum::extract::State(db): axum::extract::State<TenantPool>,
) -> Result<String, ApiError> {
    sqlx::query("SELECT name FROM projects")
        .fetch_all(db.ambient())
        .await?;
    Ok("ran".into())
}

async fn serve() -> (TestDatabase, WatchedServer) {
    let db = TestDatabase::create("mt_axum_errors").await;
    let conn = Database::connect(&db.url).await.unwrap();
    conn.execute_unprepared(DDL).await.unwrap();
    let schema = Schema::builder()
        .tenant_entity::<projects::Entity>()
        .tenant_entity::<tasks::Entity>()
        .tenant_entity::<labels::Entity>()
        .build()
        .unwrap();
    let scoper = std::sync::Arc::new(multitenant::Scoper::new(schema));
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    let state = State {
        orm: TenantDatabase::new(conn, scoper.clone()),
        sqlx: TenantPool::new(pool, scoper),
    };
    let app = Router::new()
        .nest(
            "/crud/projects",
            Crud::<projects::Entity>::new().client_ids().router(),
        )
        .nest(
            "/crud/tasks",
            Crud::<tasks::Entity>::new().client_ids().router(),
        )
        .nest(
            "/crud/labels",
            Crud::<labels::Entity>::new()
                .client_ids()
                .body_limit(1024)
                .router(),
        )
        .route("/orm/{name}", post(run_orm))
        .route("/sqlx/{name}", post(run_sqlx))
        .layer(TenantLayer::new(Header::new("x-account-id")))
        .route("/ambient/orm", get(ambient_orm))
        .route("/ambient/sqlx", get(ambient_sqlx))
        .with_state(state);
    (db, WatchedServer::start(app).await)
}

/// Sends a request as tenant 1 and returns its status and error code.
async fn call(
    c: &Client,
    method: Method,
    url: String,
    body: Option<Value>,
) -> (StatusCode, String) {
    let mut req = c.request(method, url).header("x-account-id", "1");
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    let code = body["error"]["code"].as_str().unwrap_or("").to_owned();
    (status, code)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_failure_gets_the_same_status_everywhere() {
    let (_db, base) = serve().await;
    // A statement the scoper refuses (TRUNCATE of a tenant table) is a server fault: 500.
    base.answers.expect(500);
    let c = Client::new();
    let expected = [
        ("duplicate", StatusCode::CONFLICT, "conflict"),
        ("move", StatusCode::FORBIDDEN, "cross_tenant_write"),
        ("foreign", StatusCode::FORBIDDEN, "cross_tenant_write"),
        (
            "dangling",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_reference",
        ),
        (
            "empty",
            StatusCode::UNPROCESSABLE_ENTITY,
            "constraint_violation",
        ),
        (
            "null",
            StatusCode::UNPROCESSABLE_ENTITY,
            "constraint_violation",
        ),
        ("truncate", StatusCode::INTERNAL_SERVER_ERROR, "scope_error"),
        ("missing", StatusCode::NOT_FOUND, "not_found"),
    ];
    for (name, status, code) in expected {
        for handler in ["orm", "sqlx"] {
            let got = call(&c, Method::POST, format!("{base}/{handler}/{name}"), None).await;
            // sqlx's fetch_one reports a missing row; SeaORM's query_one says None.
            if (handler, name) == ("orm", "missing") {
                assert_eq!(got.0, StatusCode::OK);
                continue;
            }
            assert_eq!(got, (status, code.to_owned()), "{handler} {name}");
        }
    }

    // The CRUD router answers the same failures the same way.
    let crud = [
        (
            Method::POST,
            "/crud/projects",
            json!({"id": 1, "name": "again"}),
            "duplicate",
        ),
        (
            Method::PATCH,
            "/crud/projects/1",
            json!({"account_id": 2}),
            "move",
        ),
        (
            Method::POST,
            "/crud/projects",
            json!({"account_id": 2, "id": 5, "name": "x"}),
            "foreign",
        ),
        (
            Method::POST,
            "/crud/tasks",
            json!({"id": 1, "project_id": 99, "name": "t"}),
            "dangling",
        ),
        (
            Method::POST,
            "/crud/tasks",
            json!({"id": 1, "project_id": 1, "name": ""}),
            "empty",
        ),
        (Method::GET, "/crud/projects/404", Value::Null, "missing"),
    ];
    for (method, path, body, name) in crud {
        let (_, status, code) = expected.iter().find(|(n, ..)| *n == name).unwrap();
        let body = (!body.is_null()).then_some(body);
        let got = call(&c, method, format!("{base}{path}"), body).await;
        assert_eq!(got, (*status, (*code).to_owned()), "crud {name}");
    }

    // A statement with no tenant is refused like a request naming none.
    for path in ["/ambient/orm", "/ambient/sqlx"] {
        let got = call(&c, Method::GET, format!("{base}{path}"), None).await;
        assert_eq!(
            got,
            (StatusCode::FORBIDDEN, "tenant_required".to_owned()),
            "{path}"
        );
    }
    let got = call(&c, Method::GET, format!("{base}/crud/projects"), None).await;
    assert_eq!(got.0, StatusCode::OK);
    let none = c.get(format!("{base}/crud/projects")).send().await.unwrap();
    assert_eq!(none.status(), StatusCode::FORBIDDEN);
    let body: Value = none.json().await.unwrap();
    assert_eq!(body["error"]["code"], "tenant_required");
}

#[tokio::test]
async fn a_server_failure_does_not_reach_the_client() {
    let (_db, base) = serve().await;
    base.answers.expect(500);
    let c = Client::new();
    for handler in ["orm", "sqlx"] {
        let res = c
            .post(format!("{base}/{handler}/truncate"))
            .header("x-account-id", "1")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let text = res.text().await.unwrap();
        assert!(
            !text.to_lowercase().contains("truncate"),
            "{handler}: {text}"
        );
    }
}

/// Sends a request as tenant 1 and returns its status and JSON body.
async fn call_body(c: &Client, method: Method, url: String, body: Option<Value>) -> (u16, Value) {
    let mut req = c.request(method, url).header("x-account-id", "1");
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

/// Asserts that `body`, answered with `status`, is the refusal `expected` (status, code, fields).
fn assert_refused(status: u16, body: &Value, expected: (u16, &str, &[&str]), what: &str) {
    let named: Vec<&str> = body["error"]["fields"]
        .as_array()
        .map(|f| f.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert_eq!(
        (status, body["error"]["code"].as_str(), named.as_slice()),
        (expected.0, Some(expected.1), expected.2),
        "{what}: {body}"
    );
}

/// Every row of every table, to check a refused request wrote nothing.
async fn all_rows(base_url: &str) -> Vec<String> {
    let pool = sqlx::PgPool::connect(base_url).await.unwrap();
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT 'p ' || account_id || ' ' || id || ' ' || name FROM projects \
         UNION ALL SELECT 't ' || account_id || ' ' || id FROM tasks \
         UNION ALL SELECT 'l ' || account_id || ' ' || id FROM labels ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_refusals_name_the_fields_and_write_nothing() {
    let (db, base) = serve().await;
    let c = Client::new();
    let before = all_rows(&db.url).await;
    // (statement, status, code, fields)
    let expected: [(&str, u16, &str, &[&str]); 8] = [
        ("duplicate", 409, "conflict", &["account_id", "id"]),
        (
            "dangling",
            422,
            "invalid_reference",
            &["account_id", "project_id"],
        ),
        ("null", 422, "constraint_violation", &["name"]),
        ("empty", 422, "constraint_violation", &["name"]),
        ("too_long", 422, "value_too_long", &[]),
        ("out_of_range", 422, "out_of_range", &[]),
        ("not_a_number", 422, "invalid_value", &[]),
        ("nul", 422, "invalid_text", &[]),
    ];
    for (name, status, code, fields) in expected {
        for handler in ["orm", "sqlx"] {
            let (got, body) =
                call_body(&c, Method::POST, format!("{base}/{handler}/{name}"), None).await;
            assert_refused(
                got,
                &body,
                (status, code, fields),
                &format!("{handler} {name}"),
            );
            // PostgreSQL's own words (and the values they quote) stay in the server.
            let message = body["error"]["message"].as_str().unwrap();
            for raw in [
                "violates",
                "duplicate key",
                "invalid input",
                "0x00",
                "abcdef",
                "99999",
            ] {
                assert!(!message.contains(raw), "{handler} {name}: {message}");
            }
        }
    }

    // The CRUD router: the same refusals, with the body's field named; NUL refused before SQL.
    type Case<'a> = (Method, &'a str, Value, u16, &'a str, &'a [&'a str]);
    let crud: [Case<'_>; 6] = [
        (
            Method::POST,
            "/crud/projects",
            json!({"id": 1, "name": "again"}),
            409,
            "conflict",
            &["account_id", "id"],
        ),
        (
            Method::POST,
            "/crud/tasks",
            json!({"id": 1, "project_id": 99, "name": "t"}),
            422,
            "invalid_reference",
            &["account_id", "project_id"],
        ),
        (
            Method::POST,
            "/crud/tasks",
            json!({"id": 1, "project_id": 1, "name": ""}),
            422,
            "constraint_violation",
            &["name"],
        ),
        (
            Method::POST,
            "/crud/labels",
            json!({"id": 1, "code": "abcdef"}),
            422,
            "value_too_long",
            &[],
        ),
        (
            Method::POST,
            "/crud/labels",
            json!({"id": 1, "code": "a\u{0}b"}),
            422,
            "invalid_text",
            &["code"],
        ),
        (
            Method::PATCH,
            "/crud/projects/1",
            json!({"name": "x\u{0}"}),
            422,
            "invalid_text",
            &["name"],
        ),
    ];
    for (method, path, body, status, code, fields) in crud {
        let (got, answer) = call_body(&c, method, format!("{base}{path}"), Some(body)).await;
        assert_refused(got, &answer, (status, code, fields), path);
    }
    assert_eq!(all_rows(&db.url).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_list_parameters_never_reach_the_scoper() {
    let (db, base) = serve().await;
    let c = Client::new();
    let before = all_rows(&db.url).await;
    let hostile = [
        "order=name;DROP TABLE projects",
        "order=-",
        "order=",
        "order=--name",
        "order=account_id%20DESC,%20(SELECT%201)",
        "name'--=x",
        "name=x'%20OR%20'1'='1",
        "name=%00",
        "id=1%20OR%201=1",
        "id[]=1",
        "=1",
        "limit=1;SELECT",
        "offset=-1",
        "limit=99999999999999999999999",
        "name=%FF%FE",
        "account_id=2",
        "name=%E2%80%AE",
        "ORDER=name",
    ];
    for query in hostile {
        let (status, body) = call_body(
            &c,
            Method::GET,
            format!("{base}/crud/projects?{query}"),
            None,
        )
        .await;
        assert!(status == 200 || status == 400, "{query}: {status} {body}");
        if status == 400 {
            assert!(body["error"]["code"].is_string(), "{query}: {body}");
        } else {
            // A filter that matched nothing, or another tenant's value: only tenant 1's rows.
            let items = body["items"].as_array().unwrap();
            assert!(
                items.iter().all(|p| p["account_id"] == 1),
                "{query}: {body}"
            );
        }
    }
    assert_eq!(all_rows(&db.url).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declared_body_over_the_limit_is_refused_before_it_is_read() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (db, base) = serve().await;
    let before = all_rows(&db.url).await;
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /crud/labels HTTP/1.1\r\nHost: {addr}\r\nx-account-id: 1\r\n\
         Content-Type: application/json\r\nContent-Length: 104857600\r\n\r\n{{\"id\": 1,"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // The answer comes while the 100 MB body is still unsent.
    let mut answer = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        let mut buf = [0_u8; 4096];
        loop {
            let n = stream.read(&mut buf).await.unwrap_or(0);
            answer.extend_from_slice(&buf[..n]);
            if n == 0 || answer.windows(4).any(|w| w == b"\r\n\r\n") && answer.ends_with(b"}") {
                break;
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "no answer: {}",
        String::from_utf8_lossy(&answer)
    );
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("application/json"), "{text}");
    let body: Value = serde_json::from_str(text.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["error"]["code"], "body_too_large");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("1024 bytes")
    );
    assert_eq!(all_rows(&db.url).await, before);
}
