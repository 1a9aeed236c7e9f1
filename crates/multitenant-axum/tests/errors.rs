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
use multitenant_test_support::TestDatabase;
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

const DDL: &str = "
CREATE TABLE projects (account_id bigint NOT NULL, id bigint NOT NULL, name text NOT NULL,
    PRIMARY KEY (account_id, id));
CREATE TABLE tasks (account_id bigint NOT NULL, id bigint NOT NULL, project_id bigint NOT NULL,
    name text NOT NULL CHECK (name <> ''), PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, project_id) REFERENCES projects (account_id, id));
INSERT INTO projects VALUES (1, 1, 'p1 of 1'), (2, 1, 'p1 of 2');
";

/// The hand-written statements, each meeting one failure when run for tenant 1.
const STATEMENTS: [(&str, &str); 7] = [
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

async fn serve() -> (TestDatabase, String) {
    let db = TestDatabase::create("mt_axum_errors").await;
    let conn = Database::connect(&db.url).await.unwrap();
    conn.execute_unprepared(DDL).await.unwrap();
    let schema = Schema::builder()
        .tenant_entity::<projects::Entity>()
        .tenant_entity::<tasks::Entity>()
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
        .route("/orm/{name}", post(run_orm))
        .route("/sqlx/{name}", post(run_sqlx))
        .layer(TenantLayer::new(Header::new("x-account-id")))
        .route("/ambient/orm", get(ambient_orm))
        .route("/ambient/sqlx", get(ambient_sqlx))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (db, format!("http://{addr}"))
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
