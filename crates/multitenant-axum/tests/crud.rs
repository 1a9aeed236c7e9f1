//! The CRUD router over a real HTTP server on 127.0.0.1 and a real PostgreSQL database: every
//! operation stays inside the request's tenant.
#![allow(unreachable_pub)] // entity modules are private to this test

use axum::routing::get;
use multitenant::Schema;
use multitenant_axum::resolve::Header;
use multitenant_axum::{ApiError, Crud, CrudApi, Operation, TenantLayer};
use multitenant_sea_orm::{SchemaFromEntities, TenantDatabase};
use multitenant_test_support::{TestDatabase, WatchedServer};
use reqwest::{Client, StatusCode};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
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
        #[sea_orm(primary_key)]
        pub id: i64,
        pub project_id: i64,
        pub name: String,
        pub done: bool,
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
CREATE TABLE tasks (account_id bigint NOT NULL, id bigserial, project_id bigint NOT NULL,
    name text NOT NULL CHECK (name <> ''), done boolean NOT NULL DEFAULT false,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, project_id) REFERENCES projects (account_id, id));
";

/// A fresh database and the CRUD router serving it, under watch: the test fails if it answers
/// a 5xx or a server thread panics.
/// A fresh database with the tables and three tenants' projects (ids 1 to 3 in each), and the
/// handle the routers serve it with.
async fn database() -> (TestDatabase, DatabaseConnection, TenantDatabase) {
    let db = TestDatabase::create("mt_axum").await;
    let conn = Database::connect(&db.url).await.unwrap();
    conn.execute_unprepared(DDL).await.unwrap();
    // Three tenants with the same project ids.
    for account in 1..=3 {
        for id in 1..=3 {
            conn.execute_unprepared(&format!(
                "INSERT INTO projects VALUES ({account}, {id}, 'p{id} of {account}')"
            ))
            .await
            .unwrap();
        }
    }
    let schema = Schema::builder()
        .tenant_entity::<projects::Entity>()
        .tenant_entity::<tasks::Entity>()
        .build()
        .unwrap();
    let tdb = TenantDatabase::new(conn.clone(), multitenant::Scoper::new(schema));
    (db, conn, tdb)
}

async fn setup() -> (TestDatabase, DatabaseConnection, WatchedServer) {
    let (db, conn, tdb) = database().await;
    let api = CrudApi::new("test", "1")
        .entity(
            "/api/projects",
            Crud::<projects::Entity>::new().client_ids(),
        )
        .entity(
            "/api/tasks",
            Crud::<tasks::Entity>::new().authorize(
                |op: Operation, parts: http::request::Parts| async move {
                    if op == Operation::Delete && !parts.headers.contains_key("x-admin") {
                        return Err(ApiError::forbidden(
                            "admin_only",
                            "only admins delete tasks",
                        ));
                    }
                    Ok(())
                },
            ),
        )
        .entity("/api/ro", Crud::<projects::Entity>::new().read_only());
    let doc = api.openapi().to_json().unwrap();
    let app = api
        .router()
        .layer(TenantLayer::new(Header::new("x-account-id")))
        .route("/api/openapi.json", get(move || async move { doc.clone() }))
        .with_state(tdb);
    (db, conn, WatchedServer::start(app).await)
}

async fn count(conn: &DatabaseConnection, sql: &str) -> i64 {
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

/// A request on behalf of `tenant`, named in the `x-account-id` header.
fn as_tenant(
    c: &Client,
    method: reqwest::Method,
    url: String,
    tenant: i64,
) -> reqwest::RequestBuilder {
    c.request(method, url)
        .header("x-account-id", tenant.to_string())
}

/// Sends a request and returns its status and body: the body parsed as JSON, `Value::Null` when
/// it is empty, and its text as a `Value::String` when it is not JSON.
async fn call(r: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let r = r.send().await.unwrap();
    let status = r.status();
    let bytes = r.bytes().await.unwrap();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_stays_in_its_tenant() {
    let (_db, conn, base) = setup().await;
    let c = Client::new();
    use reqwest::Method as M;
    let req = |method, path: &str, tenant| as_tenant(&c, method, format!("{base}{path}"), tenant);

    // List: only the tenant's rows, with pagination, ordering and filters.
    for tenant in 1..=3_i64 {
        let (_, page) = call(req(M::GET, "/api/projects?order=-id&limit=2", tenant)).await;
        assert_eq!(page["total"], 3);
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0]["id"], 3);
        assert!(items.iter().all(|p| p["account_id"] == tenant));
        let path = format!("/api/projects?name=p2%20of%20{tenant}");
        let (_, filtered) = call(req(M::GET, &path, tenant)).await;
        assert_eq!(filtered["total"], 1);
        // Another tenant's name matches nothing.
        let (_, other) = call(req(M::GET, "/api/projects?name=p2%20of%201", 2)).await;
        assert_eq!(other["total"], 0);
        // The total counts every matching row, whatever the page: the last page, and a page
        // past the end (no row to carry it).
        let (_, last) = call(req(M::GET, "/api/projects?limit=2&offset=2", tenant)).await;
        assert_eq!(
            (
                last["total"].as_u64(),
                last["items"].as_array().map(Vec::len)
            ),
            (Some(3), Some(1))
        );
        let (_, past) = call(req(M::GET, "/api/projects?offset=10", tenant)).await;
        assert_eq!(
            (
                past["total"].as_u64(),
                past["items"].as_array().map(Vec::len)
            ),
            (Some(3), Some(0))
        );
        let (_, none) = call(req(M::GET, "/api/projects?name=nothing&offset=1", tenant)).await;
        assert_eq!(none["total"], 0);
    }
    let (status, _) = call(req(M::GET, "/api/projects?nope=1", 1)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = call(req(M::GET, "/api/projects?limit=0", 1)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Create: the tenant column is set by the library.
    let body = json!({"id": 10, "name": "new"});
    let (status, created) = call(req(M::POST, "/api/projects", 2).json(&body)).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created, json!({"account_id": 2, "id": 10, "name": "new"}));
    // Naming another tenant is refused and writes nothing; naming its own is fine.
    let body = json!({"account_id": 1, "id": 11, "name": "sneaky"});
    let (status, _) = call(req(M::POST, "/api/projects", 2).json(&body)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        count(&conn, "SELECT count(*) FROM projects WHERE id = 11").await,
        0
    );
    let body = json!({"account_id": 2, "id": 12, "name": "own"});
    let (status, _) = call(req(M::POST, "/api/projects", 2).json(&body)).await;
    assert_eq!(status, StatusCode::CREATED);
    // The same id in another tenant is no conflict; in the same tenant it is.
    let body = json!({"id": 10, "name": "mine too"});
    let (status, _) = call(req(M::POST, "/api/projects", 3).json(&body)).await;
    assert_eq!(status, StatusCode::CREATED);
    let body = json!({"id": 10, "name": "again"});
    let (status, _) = call(req(M::POST, "/api/projects", 3).json(&body)).await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Retrieve: another tenant's row is a 404, like a missing one.
    let (_, project) = call(req(M::GET, "/api/projects/10", 2)).await;
    assert_eq!(project["name"], "new");
    for (tenant, id) in [(1, 10), (1, 12), (2, 99), (2, "abc".len() as i64 * 100)] {
        let (status, _) = call(req(M::GET, &format!("/api/projects/{id}"), tenant)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "tenant {tenant} id {id}");
    }
    let (status, _) = call(req(M::GET, "/api/projects/abc", 1)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Replace and update: only the tenant's own row changes; another tenant's id is a 404.
    let body = json!({"name": "renamed"});
    let (status, _) = call(req(M::PUT, "/api/projects/1", 1).json(&body)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM projects WHERE name = 'renamed' AND account_id = 1 AND id = 1"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM projects WHERE name = 'renamed'"
        )
        .await,
        1
    );
    let (status, _) = call(req(M::PUT, "/api/projects/1", 1).json(&json!({}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = json!({"name": "hijack"});
    let (status, _) = call(req(M::PATCH, "/api/projects/10", 1).json(&body)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let body = json!({"name": "patched"});
    let (_, patched) = call(req(M::PATCH, "/api/projects/2", 3).json(&body)).await;
    assert_eq!(
        patched,
        json!({"account_id": 3, "id": 2, "name": "patched"})
    );
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM projects WHERE name = 'patched'"
        )
        .await,
        1
    );
    // A row never moves to another tenant.
    let body = json!({"account_id": 1});
    let (status, _) = call(req(M::PATCH, "/api/projects/2", 3).json(&body)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        count(&conn, "SELECT count(*) FROM projects WHERE account_id = 1").await,
        3
    );

    // Foreign keys are tenant-local: a task may only name a project of its own tenant.
    let body = json!({"project_id": 12, "name": "t", "done": false});
    let (status, _) = call(req(M::POST, "/api/tasks", 2).json(&body)).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, error) = call(req(M::POST, "/api/tasks", 1).json(&body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error["error"]["code"], "invalid_reference");
    let body = json!({"project_id": 12, "name": "", "done": false});
    let (status, _) = call(req(M::POST, "/api/tasks", 2).json(&body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Delete: another tenant's id is a 404 and deletes nothing; the hook guards tasks.
    let (status, _) = call(req(M::DELETE, "/api/projects/12", 1)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(req(M::DELETE, "/api/projects/3", 1)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        count(&conn, "SELECT count(*) FROM projects WHERE id = 3").await,
        2
    );
    let task = format!(
        "/api/tasks/{}",
        count(&conn, "SELECT max(id) FROM tasks").await
    );
    let (status, _) = call(req(M::DELETE, &task, 2)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(req(M::DELETE, &task, 2).header("x-admin", "1")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // Read-only mount.
    let body = json!({"id": 50, "name": "x"});
    let (status, _) = call(req(M::POST, "/api/ro", 1).json(&body)).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    let (status, _) = call(req(M::GET, "/api/ro/1", 1)).await;
    assert_eq!(status, StatusCode::OK);

    // OpenAPI describes the routes.
    let (_, doc) = call(c.get(format!("{base}/api/openapi.json"))).await;
    assert_eq!(doc["openapi"].as_str().unwrap().chars().next(), Some('3'));
    assert!(doc["paths"]["/api/projects/{id}"]["patch"].is_object());
    assert!(doc["paths"]["/api/ro/{id}"]["patch"].is_null());
    assert_eq!(
        doc["components"]["schemas"]["tasks"]["properties"]["done"]["type"],
        "boolean"
    );
}

#[tokio::test]
async fn malformed_bodies_are_4xx_and_write_nothing() {
    let (_db, conn, base) = setup().await;
    let c = Client::new();
    let before = count(&conn, "SELECT count(*) FROM projects").await;
    let cases: Vec<(reqwest::RequestBuilder, StatusCode)> = vec![
        (
            c.post(format!("{base}/api/projects")).body("{not json"),
            StatusCode::BAD_REQUEST,
        ),
        (
            c.post(format!("{base}/api/projects")).body("[1, 2]"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            c.post(format!("{base}/api/projects"))
                .body(json!({"id": "seven", "name": "x"}).to_string()),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            c.post(format!("{base}/api/projects"))
                .body(json!({"id": 7, "name": 5}).to_string()),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            c.post(format!("{base}/api/projects"))
                .body(json!({"id": 7, "name": "x", "color": "red"}).to_string()),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            c.post(format!("{base}/api/projects"))
                .body(json!({"id": 7, "name": "x".repeat(70_000)}).to_string()),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            c.patch(format!("{base}/api/projects/1")).body("nope"),
            StatusCode::BAD_REQUEST,
        ),
        (
            c.put(format!("{base}/api/projects/1"))
                .body(json!({"id": 2, "name": "x"}).to_string()),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (i, (req, status)) in cases.into_iter().enumerate() {
        // One JSON content type for every case (`.json()` would add a second).
        let req = req
            .header("x-account-id", "1")
            .header("content-type", "application/json");
        let (got, body) = call(req).await;
        assert_eq!(got, status, "case {i}");
        assert!(body["error"]["code"].is_string(), "case {i}: {body}");
    }
    assert_eq!(count(&conn, "SELECT count(*) FROM projects").await, before);
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM projects WHERE name <> 'p1 of 1' AND account_id = 1 AND id = 1"
        )
        .await,
        0
    );
    // No tenant: the layer answers, the handler never runs.
    let (status, _) = call(c.get(format!("{base}/api/projects"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// Asserts a JSON error with `status` and `code` whose message names every one of `names`.
fn assert_error(got: (StatusCode, Value), status: StatusCode, code: &str, names: &[&str]) {
    let (got_status, body) = got;
    assert_eq!(got_status, status, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    for name in names {
        assert!(message.contains(name), "`{name}` not named: {body}");
    }
}

#[tokio::test]
async fn a_create_without_its_required_fields_is_422_naming_them() {
    let (_db, conn, base) = setup().await;
    let c = Client::new();
    let post = |path: &str, body: Value| {
        as_tenant(&c, reqwest::Method::POST, format!("{base}{path}"), 1).json(&body)
    };
    let got = call(post("/api/tasks", json!({}))).await;
    assert_eq!(
        got.1["error"]["message"],
        "missing required fields: project_id, name, done"
    );
    assert_error(
        got,
        StatusCode::UNPROCESSABLE_ENTITY,
        "missing_field",
        &["project_id", "name", "done"],
    );
    // The id is required where the client chooses it.
    let got = call(post("/api/projects", json!({"name": "x"}))).await;
    assert_eq!(got.1["error"]["message"], "missing required fields: id");
    let got = call(post("/api/tasks", json!({"project_id": 1, "done": false}))).await;
    assert_error(
        got,
        StatusCode::UNPROCESSABLE_ENTITY,
        "missing_field",
        &["name"],
    );
    assert_eq!(count(&conn, "SELECT count(*) FROM tasks").await, 0);
    assert_eq!(count(&conn, "SELECT count(*) FROM projects").await, 9);
}

#[tokio::test]
async fn a_create_naming_an_id_the_server_assigns_is_422() {
    let (_db, conn, base) = setup().await;
    let c = Client::new();
    let post = |body: Value| {
        as_tenant(&c, reqwest::Method::POST, format!("{base}/api/tasks"), 1).json(&body)
    };
    for id in [json!(7), json!(null), json!("7")] {
        let body = json!({"id": id, "project_id": 1, "name": "chosen", "done": false});
        let got = call(post(body)).await;
        assert_error(
            got,
            StatusCode::UNPROCESSABLE_ENTITY,
            "id_assigned_by_server",
            &["`id`"],
        );
    }
    assert_eq!(count(&conn, "SELECT count(*) FROM tasks").await, 0);
    let body = json!({"project_id": 1, "name": "assigned", "done": false});
    let (status, created) = call(post(body)).await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(created["id"].as_i64().is_some(), "{created}");
}

#[tokio::test]
async fn out_of_range_list_parameters_are_400_naming_them() {
    let (_db, _conn, base) = setup().await;
    let c = Client::new();
    let get = |path: &str| as_tenant(&c, reqwest::Method::GET, format!("{base}{path}"), 1);
    let beyond_bigint = "9223372036854775808";
    for (param, code) in [
        ("offset", "invalid_offset"),
        ("limit", "invalid_limit"),
        ("id", "invalid_value"),
    ] {
        let got = call(get(&format!("/api/projects?{param}={beyond_bigint}"))).await;
        assert_error(got, StatusCode::BAD_REQUEST, code, &[param]);
    }
    let got = call(get("/api/tasks?done=maybe")).await;
    assert_error(got, StatusCode::BAD_REQUEST, "invalid_value", &["done"]);
    // The largest offset is answered (the server is still up).
    let (status, page) = call(get("/api/projects?offset=9223372036854775807")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["items"], json!([]));
}

#[tokio::test]
async fn writes_without_a_json_content_type_are_415_and_write_nothing() {
    let (_db, conn, base) = setup().await;
    let c = Client::new();
    use reqwest::Method as M;
    let body = json!({"id": 40, "name": "typed"}).to_string();
    for (method, path) in [
        (M::POST, "/api/projects"),
        (M::PUT, "/api/projects/1"),
        (M::PATCH, "/api/projects/1"),
    ] {
        for content_type in [
            None,
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
            Some("multipart/form-data; boundary=x"),
            Some("application/json; charset=latin1"),
        ] {
            let mut req =
                as_tenant(&c, method.clone(), format!("{base}{path}"), 1).body(body.clone());
            if let Some(t) = content_type {
                req = req.header("content-type", t);
            }
            let got = call(req).await;
            assert_error(
                got,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                &["Content-Type"],
            );
        }
    }
    assert_eq!(
        count(&conn, "SELECT count(*) FROM projects WHERE name = 'typed'").await,
        0
    );
    for (i, content_type) in [
        "application/json; charset=utf-8",
        "APPLICATION/JSON; Charset=UTF-8",
    ]
    .into_iter()
    .enumerate()
    {
        let body = json!({"id": 40 + i, "name": "typed"}).to_string();
        let req = as_tenant(&c, M::POST, format!("{base}/api/projects"), 1)
            .header("content-type", content_type)
            .body(body);
        assert_eq!(call(req).await.0, StatusCode::CREATED, "{content_type}");
    }
}

#[tokio::test]
async fn a_tenant_header_given_twice_is_400_and_writes_nothing() {
    let (_db, conn, base) = setup().await;
    let c = Client::new();
    for values in [["1", "2"], ["2", "2"]] {
        for (method, path) in [
            (reqwest::Method::POST, "/api/projects"),
            (reqwest::Method::GET, "/api/projects"),
        ] {
            let req = c
                .request(method.clone(), format!("{base}{path}"))
                .header("x-account-id", values[0])
                .header("x-account-id", values[1])
                .json(&json!({"id": 30, "name": "twice"}));
            let got = call(req).await;
            assert_error(
                got,
                StatusCode::BAD_REQUEST,
                "invalid_tenant",
                &["x-account-id"],
            );
        }
    }
    assert_eq!(
        count(&conn, "SELECT count(*) FROM projects WHERE name = 'twice'").await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_over_many_tenants_see_only_their_rows() {
    let (_db, conn, base) = setup().await;
    // 50 tenants, each with its own rows under the same ids.
    let mut sql = String::new();
    for account in 4..=50 {
        for id in 1..=3 {
            sql.push_str(&format!(
                "INSERT INTO projects VALUES ({account}, {id}, 'p{id} of {account}');"
            ));
        }
    }
    conn.execute_unprepared(&sql).await.unwrap();
    let c = Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();
    let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(64));
    let mut tasks = Vec::new();
    for i in 0..2000_i64 {
        let (c, base, sem) = (c.clone(), base.base.clone(), sem.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = sem.acquire().await.unwrap();
            let tenant = i % 50 + 1;
            let (path, single) = if i % 2 == 0 {
                ("/api/projects".to_owned(), false)
            } else {
                (format!("/api/projects/{}", i % 3 + 1), true)
            };
            let url = format!("{base}{path}");
            let (status, body) = call(as_tenant(&c, reqwest::Method::GET, url, tenant)).await;
            assert_eq!(status, StatusCode::OK);
            let rows = if single {
                vec![body]
            } else {
                body["items"].as_array().unwrap().clone()
            };
            assert!(!rows.is_empty());
            for row in rows {
                assert_eq!(row["account_id"], tenant, "request {i}");
                assert!(
                    row["name"]
                        .as_str()
                        .unwrap()
                        .ends_with(&format!(" of {tenant}")),
                    "request {i}"
                );
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

#[tokio::test]
async fn sqlx_handlers_get_a_scoped_executor() {
    use multitenant_axum::TenantSqlx;

    let (db, _conn, _) = setup().await;
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    let schema = Schema::builder()
        .tenant_table("projects", "account_id")
        .build()
        .unwrap();
    let state = multitenant_sqlx::TenantPool::new(pool, multitenant::Scoper::new(schema));
    async fn names(db: TenantSqlx) -> String {
        let names: Vec<String> = sqlx::query_scalar("SELECT name FROM projects ORDER BY id")
            .fetch_all(db.executor())
            .await
            .unwrap();
        names.join(",")
    }
    let app = axum::Router::new()
        .route("/names", get(names))
        .layer(TenantLayer::new(Header::new("x-account-id")))
        .with_state(state);
    let addr = WatchedServer::start(app).await;
    let c = Client::new();
    for tenant in 1..=3 {
        let body = c
            .get(format!("{addr}/names"))
            .header("x-account-id", tenant.to_string())
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(
            body,
            format!("p1 of {tenant},p2 of {tenant},p3 of {tenant}")
        );
    }
}

/// The body of a list request as sent, and parsed.
async fn list_body(c: &Client, url: String, tenant: i64) -> (String, Value) {
    let r = as_tenant(c, reqwest::Method::GET, url, tenant)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    let page = serde_json::from_str(&text).unwrap();
    (text, page)
}

/// A page's total, whether it is flagged as a lower bound (`Some(false)`; `None` when the field
/// is left out) and its number of items.
fn total_of(page: &Value) -> (u64, Option<bool>, usize) {
    (
        page["total"].as_u64().unwrap(),
        page.get("total_exact").map(|v| v.as_bool().unwrap()),
        page["items"].as_array().unwrap().len(),
    )
}

#[tokio::test]
async fn a_list_counts_up_to_its_count_limit_and_only_the_tenants_rows() {
    let (_db, conn, tdb) = database().await;
    // Tenant 1: 25 tasks, 20 of them done; tenant 2: 9; tenant 3: exactly the limit, 10.
    conn.execute_unprepared(
        "INSERT INTO tasks (account_id, project_id, name, done) \
         SELECT 1, 1, 't' || i, i > 5 FROM generate_series(1, 25) i; \
         INSERT INTO tasks (account_id, project_id, name) SELECT 2, 1, 't' || i FROM generate_series(1, 9) i; \
         INSERT INTO tasks (account_id, project_id, name) SELECT 3, 1, 't' || i FROM generate_series(1, 10) i",
    )
    .await
    .unwrap();
    let app = axum::Router::new()
        .nest(
            "/capped",
            Crud::<tasks::Entity>::new().count_limit(Some(10)).router(),
        )
        .nest(
            "/exact",
            Crud::<tasks::Entity>::new().count_limit(None).router(),
        )
        .nest("/default", Crud::<tasks::Entity>::new().router())
        .layer(TenantLayer::new(Header::new("x-account-id")))
        .with_state(tdb);
    let base = WatchedServer::start(app).await;
    let c = Client::new();
    let page = |path: &str, tenant: i64| list_body(&c, format!("{base}{path}"), tenant);

    // More rows than the limit: the limit, flagged as a lower bound, whatever the page.
    let (_, first) = page("/capped?limit=5", 1).await;
    assert_eq!(total_of(&first), (10, Some(false), 5));
    let (_, past) = page("/capped?offset=100", 1).await;
    assert_eq!(total_of(&past), (10, Some(false), 0));
    // Filters apply to the count: 20 done (over the limit), 5 not done.
    let (_, done) = page("/capped?done=true&limit=1", 1).await;
    assert_eq!(total_of(&done), (10, Some(false), 1));
    let (text, undone) = page("/capped?done=false&limit=1", 1).await;
    assert_eq!(total_of(&undone), (5, None, 1));
    assert!(!text.contains("total_exact"), "{text}");

    // Fewer rows than the limit, next to a tenant with more: its own rows only, exact, and the
    // JSON as it was before the limit existed.
    let (text, small) = page("/capped?limit=2", 2).await;
    assert_eq!(total_of(&small), (9, None, 2));
    assert!(text.ends_with(r#"],"total":9}"#), "{text}");
    let (_, small_past) = page("/capped?offset=50", 2).await;
    assert_eq!(total_of(&small_past), (9, None, 0));
    // Exactly the limit is exact.
    let (_, at_limit) = page("/capped?limit=1", 3).await;
    assert_eq!(total_of(&at_limit), (10, None, 1));

    // Without a limit every row is counted; the default limit (1,000) is far above 25.
    for path in ["/exact?limit=5", "/default?limit=5"] {
        let (_, all) = page(path, 1).await;
        assert_eq!(total_of(&all), (25, None, 5), "{path}");
    }
    let (_, all_past) = page("/exact?offset=100&done=true", 1).await;
    assert_eq!(total_of(&all_past), (20, None, 0));
}
