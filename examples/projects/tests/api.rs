//! The REST API over a real HTTP server on 127.0.0.1 and a real PostgreSQL database.

mod common;

use axum::Router;
use axum::extract::Path;
use axum::routing::post;
use std::num::NonZeroU32;
use std::time::Duration;

use common::App;
use multitenant_axum::{ApiError, TenantConn, TenantLayer};
use projects::api::resolver::account_of_request;
use projects::login::LoginLimits;
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{Value, json};

/// Inserts rows (`/api/<table>`, JSON object of columns) for `account` on the bare connection:
/// the API assigns ids itself, and these tests give every tenant the same ids.
async fn seed_rows(app: &App, account: i64, rows: &[(&str, Value)]) {
    for (path, row) in rows {
        let row = row.as_object().unwrap();
        let columns: Vec<&str> = row.keys().map(String::as_str).collect();
        let values: Vec<String> = row
            .values()
            .map(|v| match v {
                Value::String(s) => format!("'{}'", s.replace('\'', "''")),
                other => other.to_string(),
            })
            .collect();
        let sql = format!(
            "INSERT INTO {} (account_id, {}) VALUES ({account}, {})",
            path.trim_start_matches("/api/"),
            columns.join(", "),
            values.join(", ")
        );
        app.db
            .connection()
            .execute_unprepared(&sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_tokens_and_authentication() {
    let app = App::start(None).await;
    let c = &app.client;

    let (status, body) = app
        .send(
            c.post(app.url("/api/users"))
                .json(&json!({"username": "ada", "password": "lovelace 1815"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["username"], "ada");
    assert!(body["id"].as_i64().is_some());
    assert!(body.get("password_hash").is_none(), "{body}");

    // Duplicate username: 409, nothing written.
    let (status, body) = app
        .send(
            c.post(app.url("/api/users"))
                .json(&json!({"username": "Ada", "password": "another passphrase"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "username_taken");
    assert_eq!(app.count("SELECT count(*) FROM users").await, 1);

    // Bad input: typed JSON errors.
    for bad in [
        json!({"username": "", "password": "long enough"}),
        json!({"username": "two words", "password": "long enough"}),
        json!({"username": "bob", "password": "abc"}),
    ] {
        let (status, body) = app.send(c.post(app.url("/api/users")).json(&bad)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(body["error"]["code"], "invalid_field");
    }
    let (status, body) = app
        .send(
            c.post(app.url("/api/users"))
                .header("content-type", "application/json")
                .body("{"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "invalid_body");
    assert_eq!(app.count("SELECT count(*) FROM users").await, 1);

    // The password is stored hashed.
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE password_hash LIKE '$argon2id$%' AND password_hash NOT LIKE '%lovelace%'").await,
        1
    );

    // Tokens.
    let token = app.token("ada", "lovelace 1815").await;
    assert_eq!(token.len(), 64);
    assert_ne!(
        token,
        app.token("ada", "lovelace 1815").await,
        "each login issues a new token"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM api_tokens WHERE token_hash = '{token}'"
        ))
        .await,
        0,
        "only the hash is stored"
    );
    for (user, password) in [("ada", "wrong"), ("nobody", "lovelace 1815")] {
        let (status, body) = app
            .send(
                c.post(app.url("/api/token"))
                    .json(&json!({"username": user, "password": password})),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error"]["code"], "invalid_credentials");
    }

    // Every other endpoint wants the token: no token or a bad one is 401.
    for (method, path) in [
        (Method::GET, "/api/accounts"),
        (Method::POST, "/api/accounts"),
        (Method::GET, "/api/countries"),
        (Method::GET, "/api/projects"),
        (Method::POST, "/api/projects"),
        (Method::GET, "/api/projects/1"),
        (Method::DELETE, "/api/projects/1"),
        (Method::GET, "/api/managers"),
        (Method::GET, "/api/tasks"),
        (Method::GET, "/api/projects/1/managers"),
    ] {
        let (status, body) = app.send(c.request(method.clone(), app.url(path))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}");
        assert_eq!(body["error"]["code"], "unauthenticated");
        let (status, body) = app
            .send(
                app.req(method.clone(), path, "forged", None)
                    .json(&json!({})),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}");
        assert_eq!(body["error"]["code"], "invalid_token");
    }
    let (status, _) = app
        .send(app.req(Method::GET, "/api/accounts", &token, None))
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_belong_to_their_owner() {
    let app = App::start(None).await;
    let ada = app.user("ada").await;
    let bob = app.user("bob").await;
    let a1 = app.account(&ada, "ada-one").await;
    let a2 = app.account(&ada, "ada-two").await;
    let b1 = app.account(&bob, "bob-one").await;

    let (status, page) = app
        .send(app.req(Method::GET, "/api/accounts", &ada, None))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["total"], 2);
    let ids: Vec<i64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [a1, a2]);
    assert_eq!(page["items"][0]["country_id"], 250);
    assert_eq!(page["items"][0]["subdomain"], "ada-one");

    let (_, page) = app
        .send(app.req(Method::GET, "/api/accounts", &bob, None))
        .await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["id"], b1);
    assert_eq!(page["items"][0]["name"], "bob-one");

    // Each account has its ownership row, written with it.
    assert_eq!(
        app.count("SELECT count(*) FROM account_owners o JOIN accounts a ON a.id = o.account_id AND a.owner_id = o.user_id")
            .await,
        3
    );

    // Bad input: typed errors, nothing written.
    let before = app.count("SELECT count(*) FROM accounts").await;
    let owners_before = app.count("SELECT count(*) FROM account_owners").await;
    let subdomains_before = app.count("SELECT count(*) FROM account_subdomains").await;
    assert_eq!(subdomains_before, 3);
    // A subdomain is unique across accounts, whatever the case: 409, and the account it would
    // have created is rolled back with it.
    let (status, body) = app
        .send(app.req(Method::POST, "/api/accounts", &bob, None).json(
            &json!({"name": "copy", "domain": "copy.com", "subdomain": " ADA-One ", "country_id": 250}),
        ))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "subdomain_taken");
    for (bad, field) in [
        (
            json!({"name": "x", "domain": "x.com", "subdomain": "x", "country_id": 999_999}),
            "country_id",
        ),
        (
            json!({"name": " ", "domain": "x.com", "subdomain": "x", "country_id": 250}),
            "name",
        ),
    ] {
        let (status, body) = app
            .send(
                app.req(Method::POST, "/api/accounts", &ada, None)
                    .json(&bad),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains(field),
            "{body}"
        );
    }
    let (status, _) = app
        .send(
            app.req(Method::POST, "/api/accounts", &ada, None)
                .json(&json!({"name": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("SELECT count(*) FROM accounts").await, before);
    assert_eq!(
        app.count("SELECT count(*) FROM account_owners").await,
        owners_before
    );
    assert_eq!(
        app.count("SELECT count(*) FROM account_subdomains").await,
        subdomains_before
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tenant_is_an_account_the_caller_owns() {
    let app = App::start(None).await;
    let ada = app.user("ada").await;
    let bob = app.user("bob").await;

    // No account yet: 403 on every tenant route.
    for path in [
        "/api/projects",
        "/api/managers",
        "/api/tasks",
        "/api/projects/1/managers",
    ] {
        let (status, body) = app.send(app.req(Method::GET, path, &ada, None)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(body["error"]["code"], "no_account");
    }

    let a1 = app.account(&ada, "ada-one").await;
    let a2 = app.account(&ada, "ada-two").await;
    let b1 = app.account(&bob, "bob-one").await;
    for (account, name) in [(a1, "in one"), (a2, "in two")] {
        let (status, _) = app
            .send(
                app.req(Method::POST, "/api/projects", &ada, Some(account))
                    .json(&json!({"name": name})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }

    // Without the header: the caller's first account.
    let (_, page) = app
        .send(app.req(Method::GET, "/api/projects", &ada, None))
        .await;
    assert_eq!(names(&page), ["in one"]);
    // With it: the account named.
    let (_, page) = app
        .send(app.req(Method::GET, "/api/projects", &ada, Some(a2)))
        .await;
    assert_eq!(names(&page), ["in two"]);
    assert_eq!(page["items"][0]["account_id"], a2);

    // Someone else's account, or one that does not exist: 403, and nothing is written.
    for account in [b1, 999_999] {
        for method in [Method::GET, Method::POST] {
            let (status, body) = app
                .send(
                    app.req(method.clone(), "/api/projects", &ada, Some(account))
                        .json(&json!({"name": "intruder"})),
                )
                .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{method} as {account}");
            assert_eq!(body["error"]["code"], "not_your_account");
        }
    }
    assert_eq!(
        app.count("SELECT count(*) FROM projects WHERE name = 'intruder'")
            .await,
        0
    );

    // A malformed header: 400.
    let (status, body) = app
        .send(
            app.client
                .get(app.url("/api/projects"))
                .bearer_auth(&ada)
                .header("x-account-id", "one"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "invalid_account");
}

/// Three tenants hold rows with the same ids; every CRUD route of every entity only ever sees
/// and changes the caller's own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crud_routes_are_isolated_across_tenants() {
    let app = App::start(None).await;
    let mut tenants = Vec::new();
    for name in ["ada", "bob", "cy"] {
        let token = app.user(name).await;
        let account = app.account(&token, name).await;
        tenants.push((name, token, account));
    }
    // The same ids in every tenant.
    for (name, _, account) in &tenants {
        let rows = [
            (
                "/api/projects",
                json!({"id": 1001, "name": format!("{name} project")}),
            ),
            (
                "/api/projects",
                json!({"id": 1002, "name": format!("{name} second")}),
            ),
            (
                "/api/managers",
                json!({"id": 2001, "name": format!("{name} manager")}),
            ),
            (
                "/api/tasks",
                json!({"id": 3001, "project_id": 1001, "name": format!("{name} task")}),
            ),
        ];
        seed_rows(&app, *account, &rows).await;
    }
    assert_eq!(
        app.count("SELECT count(DISTINCT account_id) FROM projects WHERE id = 1001")
            .await,
        3
    );

    let entities = [
        ("/api/projects", 1001, "project", json!({"name": "renamed"})),
        ("/api/managers", 2001, "manager", json!({"name": "renamed"})),
        (
            "/api/tasks",
            3001,
            "task",
            json!({"project_id": 1001, "name": "renamed", "done": true}),
        ),
    ];
    for (path, id, noun, replacement) in &entities {
        // List and retrieve: own rows only.
        for (name, token, account) in &tenants {
            let (status, page) = app
                .send(app.req(Method::GET, path, token, Some(*account)))
                .await;
            assert_eq!(status, StatusCode::OK);
            assert!(
                page["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|i| i["account_id"] == *account),
                "{page}"
            );
            assert!(names(&page).iter().all(|n| n.starts_with(name)), "{page}");
            let (status, one) = app
                .send(app.req(Method::GET, &format!("{path}/{id}"), token, Some(*account)))
                .await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(one["name"], format!("{name} {noun}"));
            assert_eq!(one["account_id"], *account);
        }

        // PUT, PATCH and DELETE as the first tenant touch only its row.
        let (_, ada, a) = &tenants[0];
        let one = format!("{path}/{id}");
        let (status, body) = app
            .send(app.req(Method::PUT, &one, ada, Some(*a)).json(replacement))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["name"], "renamed");
        let (status, body) = app
            .send(
                app.req(Method::PATCH, &one, ada, Some(*a))
                    .json(&json!({"name": "patched"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["name"], "patched");
        for (name, token, account) in &tenants[1..] {
            let (_, other) = app
                .send(app.req(Method::GET, &one, token, Some(*account)))
                .await;
            assert_eq!(
                other["name"],
                format!("{name} {noun}"),
                "{path}: another tenant's row changed"
            );
        }
        // Another tenant's account_id in the body: refused, nothing written.
        let (status, _) = app
            .send(
                app.req(Method::PATCH, &one, ada, Some(*a))
                    .json(&json!({"account_id": tenants[1].2, "name": "stolen"})),
            )
            .await;
        assert!(status.is_client_error(), "{path}: {status}");
        let table = path.trim_start_matches("/api/");
        assert_eq!(
            app.count(&format!(
                "SELECT count(*) FROM {table} WHERE name = 'stolen'"
            ))
            .await,
            0
        );

        // An id only another tenant has is a 404, for every route.
        let (_, bob, b) = &tenants[1];
        let (status, created) = app
            .send(app.req(Method::POST, path, bob, Some(*b)).json(&{
                let mut body = replacement.clone();
                body["name"] = json!("bob only");
                body
            }))
            .await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(
            created["account_id"], *b,
            "{path}: the tenant column is set"
        );
        let bobs = format!("{path}/{}", created["id"]);
        for method in [Method::GET, Method::PUT, Method::PATCH, Method::DELETE] {
            let (status, _) = app
                .send(
                    app.req(method.clone(), &bobs, ada, Some(*a))
                        .json(replacement),
                )
                .await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {bobs} as ada");
        }
        let (status, still) = app.send(app.req(Method::GET, &bobs, bob, Some(*b))).await;
        assert_eq!(
            (status, still["name"].as_str()),
            (StatusCode::OK, Some("bob only"))
        );
    }

    // DELETE as the first tenant removes only its rows (tasks first: they hang off projects).
    let (_, ada, a) = &tenants[0];
    for path in [
        "/api/tasks/3001",
        "/api/managers/2001",
        "/api/projects/1001",
    ] {
        let (status, _) = app.send(app.req(Method::DELETE, path, ada, Some(*a))).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{path}");
        let (status, _) = app.send(app.req(Method::GET, path, ada, Some(*a))).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        for (_, token, account) in &tenants[1..] {
            let (status, _) = app
                .send(app.req(Method::GET, path, token, Some(*account)))
                .await;
            assert_eq!(
                status,
                StatusCode::OK,
                "{path} of another tenant was deleted"
            );
        }
    }
    assert_eq!(
        app.count("SELECT count(*) FROM projects WHERE id = 1001")
            .await,
        2
    );

    // List filters and ordering stay inside the tenant.
    let (_, bob, b) = &tenants[1];
    let (_, page) = app
        .send(app.req(
            Method::GET,
            "/api/projects?order=-name&limit=1",
            bob,
            Some(*b),
        ))
        .await;
    assert_eq!(page["total"], 3);
    assert_eq!(names(&page), ["bob second"]);
    let (_, page) = app
        .send(app.req(
            Method::GET,
            "/api/tasks?project_id=1001&done=false",
            bob,
            Some(*b),
        ))
        .await;
    assert_eq!(names(&page), ["bob task"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_crud_requests_are_answered_before_any_sql() {
    let app = App::start(None).await;
    let ada = app.user("ada").await;
    let a = app.account(&ada, "ada").await;
    let error = |status: StatusCode, body: &Value, code: &str, name: &str| {
        assert_eq!(body["error"]["code"], code, "{body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(name), "{name} not named: {body}");
        status
    };
    let post = |path: &str| app.req(Method::POST, path, &ada, Some(a));
    let (status, body) = app.send(post("/api/managers").json(&json!({}))).await;
    let status = error(status, &body, "missing_field", "name");
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, body) = app
        .send(post("/api/managers").json(&json!({"id": 5, "name": "chosen"})))
        .await;
    let status = error(status, &body, "id_assigned_by_server", "id");
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, body) = app
        .send(
            post("/api/managers")
                .header("content-type", "text/plain")
                .body(r#"{"name": "typed"}"#),
        )
        .await;
    let status = error(status, &body, "unsupported_media_type", "Content-Type");
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, body) = app
        .send(
            post("/api/managers")
                .header("x-account-id", a.to_string())
                .json(&json!({"name": "twice"})),
        )
        .await;
    let status = error(status, &body, "invalid_tenant", "x-account-id");
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(app.count("SELECT count(*) FROM managers").await, 0);
    for param in ["offset", "limit"] {
        let path = format!("/api/projects?{param}=9223372036854775808");
        let (status, body) = app.send(app.req(Method::GET, &path, &ada, Some(a))).await;
        let status = error(status, &body, &format!("invalid_{param}"), param);
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_needs_a_project_of_its_own_tenant() {
    let app = App::start(None).await;
    let ada = app.user("ada").await;
    let bob = app.user("bob").await;
    let a = app.account(&ada, "ada").await;
    let b = app.account(&bob, "bob").await;
    let (_, bobs_project) = app
        .send(
            app.req(Method::POST, "/api/projects", &bob, Some(b))
                .json(&json!({"name": "bob's"})),
        )
        .await;
    let (_, adas_project) = app
        .send(
            app.req(Method::POST, "/api/projects", &ada, Some(a))
                .json(&json!({"name": "ada's"})),
        )
        .await;

    let (status, body) = app
        .send(
            app.req(Method::POST, "/api/tasks", &ada, Some(a))
                .json(&json!({"project_id": bobs_project["id"], "name": "sneaky"})),
        )
        .await;
    assert!(status.is_client_error(), "{status} {body}");
    assert_eq!(body["error"]["code"], "invalid_reference");
    assert_eq!(app.count("SELECT count(*) FROM tasks").await, 0);

    let (status, task) = app
        .send(
            app.req(Method::POST, "/api/tasks", &ada, Some(a))
                .json(&json!({"project_id": adas_project["id"], "name": "fine"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(task["done"], false);
    let path = format!("/api/tasks/{}", task["id"]);
    let (status, _) = app
        .send(
            app.req(Method::PATCH, &path, &ada, Some(a))
                .json(&json!({"project_id": bobs_project["id"]})),
        )
        .await;
    assert!(status.is_client_error(), "{status}");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM tasks WHERE project_id = {}",
            adas_project["id"]
        ))
        .await,
        1
    );
    let (status, done) = app
        .send(
            app.req(Method::PATCH, &path, &ada, Some(a))
                .json(&json!({"done": true})),
        )
        .await;
    assert_eq!((status, &done["done"]), (StatusCode::OK, &json!(true)));
}

/// A hand-written route written like the app's (a `TenantConn`, SQL by hand, `?` into
/// `ApiError`) behind the app's own tenant resolution: its SQL moves a project to another
/// account.
async fn move_project(
    TenantConn(conn): TenantConn,
    Path((id, to)): Path<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    let sql = "UPDATE projects SET account_id = $1 WHERE id = $2";
    let stmt = Statement::from_sql_and_values(DbBackend::Postgres, sql, [to.into(), id.into()]);
    conn.execute_raw(stmt).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_column_assignment_is_refused_alike_by_crud_and_hand_written_routes() {
    let started = App::start(None).await;
    let db = started.db.clone();
    let with_move = Router::new()
        .route("/api/projects/{id}/move/{to}", post(move_project))
        .layer(TenantLayer::new(account_of_request(db.clone())))
        .with_state(db.clone())
        .merge(projects::app(db.clone()));
    let app = App::serve_router(db, with_move).await;
    let ada = app.user("ada").await;
    let a = app.account(&ada, "ada").await;
    let b = app.account(&ada, "adb").await;
    let (_, project) = app
        .send(
            app.req(Method::POST, "/api/projects", &ada, Some(a))
                .json(&json!({"name": "stays"})),
        )
        .await;
    let id = project["id"].as_i64().unwrap();

    // The CRUD route refuses the body; the hand-written route's statement is refused by the
    // scoper. Both answer 403 with the same code, and the project stays in its account.
    let path = format!("/api/projects/{id}");
    let (crud_status, crud) = app
        .send(
            app.req(Method::PATCH, &path, &ada, Some(a))
                .json(&json!({"account_id": b})),
        )
        .await;
    let path = format!("/api/projects/{id}/move/{b}");
    let (hand_status, hand) = app.send(app.req(Method::POST, &path, &ada, Some(a))).await;
    assert_eq!(crud_status, StatusCode::FORBIDDEN, "{crud}");
    assert_eq!(hand_status, crud_status, "{hand}");
    assert_eq!(hand["error"]["code"], crud["error"]["code"]);
    assert_eq!(hand["error"]["code"], "cross_tenant_write");
    assert!(
        hand["error"]["message"]
            .as_str()
            .unwrap()
            .contains("account_id"),
        "{hand}"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM projects WHERE id = {id} AND account_id = {a}"
        ))
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn project_managers_are_scoped_on_both_sides() {
    let app = App::start(None).await;
    let mut tenants = Vec::new();
    for name in ["ada", "bob"] {
        let token = app.user(name).await;
        let account = app.account(&token, name).await;
        // The same ids on both sides.
        let rows = [
            (
                "/api/projects",
                json!({"id": 10, "name": format!("{name} project")}),
            ),
            (
                "/api/managers",
                json!({"id": 20, "name": format!("{name} manager")}),
            ),
            (
                "/api/managers",
                json!({"id": 21, "name": format!("{name} deputy")}),
            ),
        ];
        seed_rows(&app, account, &rows).await;
        tenants.push((token, account));
    }
    let (ada, a) = &tenants[0];
    let (bob, b) = &tenants[1];
    let list = |token: &str, account: i64| {
        app.send(app.req(
            Method::GET,
            "/api/projects/10/managers",
            token,
            Some(account),
        ))
    };

    let (status, page) = list(ada, *a).await;
    assert_eq!((status, page["total"].as_u64()), (StatusCode::OK, Some(0)));

    let (status, body) = app
        .send(
            app.req(Method::POST, "/api/projects/10/managers", ada, Some(*a))
                .json(&json!({"manager_id": 20})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["name"], "ada manager");
    let (status, body) = app
        .send(
            app.req(Method::POST, "/api/projects/10/managers", ada, Some(*a))
                .json(&json!({"manager_id": 20})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "already_assigned");

    let (_, page) = list(ada, *a).await;
    assert_eq!(names(&page), ["ada manager"]);
    assert_eq!(page["items"][0]["account_id"], *a);
    // Bob's project 10 has no managers: ada's assignment stays in ada's account.
    let (_, page) = list(bob, *b).await;
    assert_eq!(page["total"], 0);
    assert_eq!(app.count("SELECT count(*) FROM project_managers").await, 1);

    // A manager or project that exists only in another account: 422 / 404.
    let (_, bobs_manager) = app
        .send(
            app.req(Method::POST, "/api/managers", bob, Some(*b))
                .json(&json!({"name": "bob only"})),
        )
        .await;
    let (status, body) = app
        .send(
            app.req(Method::POST, "/api/projects/10/managers", ada, Some(*a))
                .json(&json!({"manager_id": bobs_manager["id"]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (_, bobs_project) = app
        .send(
            app.req(Method::POST, "/api/projects", bob, Some(*b))
                .json(&json!({"name": "bob only"})),
        )
        .await;
    let bobs_path = format!("/api/projects/{}/managers", bobs_project["id"]);
    let (status, _) = app
        .send(app.req(Method::GET, &bobs_path, ada, Some(*a)))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .send(
            app.req(Method::POST, &bobs_path, ada, Some(*a))
                .json(&json!({"manager_id": 20})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("SELECT count(*) FROM project_managers").await, 1);

    // Unassigning as bob finds nothing; as ada it removes the link, once.
    for (token, account, expected) in [
        (bob, b, StatusCode::NOT_FOUND),
        (ada, a, StatusCode::NO_CONTENT),
        (ada, a, StatusCode::NOT_FOUND),
    ] {
        let path = "/api/projects/10/managers/20";
        let (status, _) = app
            .send(app.req(Method::DELETE, path, token, Some(*account)))
            .await;
        assert_eq!(status, expected, "as {account}");
    }
    assert_eq!(app.count("SELECT count(*) FROM project_managers").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn countries_openapi_health_and_page() {
    let app = App::start(None).await;
    let ada = app.user("ada").await;

    // Countries: shared and read-only, for any authenticated caller (even without an account).
    let (status, page) = app
        .send(app.req(Method::GET, "/api/countries", &ada, None))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["total"], 7);
    assert!(names(&page).contains(&"France".to_owned()));
    assert_eq!(page["items"][0], json!({"id": 76, "name": "Brazil"}));
    let (status, _) = app
        .send(
            app.req(Method::POST, "/api/countries", &ada, None)
                .json(&json!({"id": 1, "name": "Atlantis"})),
        )
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);

    // OpenAPI: the CRUD routes and the hand-written ones.
    let (status, doc) = app.send(app.client.get(app.url("/api/openapi.json"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/users",
        "/api/token",
        "/api/accounts",
        "/api/countries",
        "/api/projects",
        "/api/projects/{id}",
        "/api/managers/{id}",
        "/api/tasks",
        "/api/projects/{id}/managers",
        "/api/projects/{id}/managers/{manager_id}",
        "/healthz",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} missing from {:?}",
            paths.keys()
        );
    }
    for method in ["get", "put", "patch", "delete"] {
        assert!(paths["/api/tasks/{id}"].get(method).is_some(), "{method}");
    }
    // Tenant routes take X-Account-Id; everything but sign-up, log-in and health wants the token.
    assert_eq!(
        paths["/api/projects/{id}/managers"]["parameters"][0]["name"],
        "X-Account-Id"
    );
    assert_eq!(paths["/api/tasks"]["parameters"][0]["in"], "header");
    assert!(paths["/api/accounts"].get("parameters").is_none());
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert_eq!(doc["security"], json!([{"bearer": []}]));
    assert_eq!(paths["/api/token"]["post"]["security"], json!([{}]));

    let (status, body) = app.send(app.client.get(app.url("/healthz"))).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"status": "ok"})));

    // The page and its assets are built in.
    let res = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = res.text().await.unwrap();
    assert!(html.contains(r#"<script src="/app.js">"#) && html.contains("login-form"));
    for (path, kind) in [("/app.js", "text/javascript"), ("/style.css", "text/css")] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(kind)
        );
        assert!(res.text().await.unwrap().len() > 500);
    }
    let (status, _) = app.send(app.client.get(app.url("/nowhere"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_data_is_seeded_once_per_tenant() {
    let app = App::start(Some(3)).await;
    assert!(
        !projects::seed(&app.db, 3).await.unwrap(),
        "seeds an empty database only"
    );
    assert_eq!(app.count("SELECT count(*) FROM accounts").await, 3);
    let mut seen = Vec::new();
    for n in 1..=3 {
        let token = app.token(&format!("demo{n}"), "demo").await;
        let (_, page) = app
            .send(app.req(Method::GET, "/api/projects", &token, None))
            .await;
        assert_eq!(
            names(&page),
            [format!("Website relaunch {n}"), format!("Mobile app {n}")]
        );
        let account = page["items"][0]["account_id"].as_i64().unwrap();
        assert!(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p["account_id"] == account)
        );
        let (_, tasks) = app
            .send(app.req(Method::GET, "/api/tasks?done=true", &token, None))
            .await;
        assert_eq!(tasks["total"], 2);
        let project = page["items"][0]["id"].as_i64().unwrap();
        let (_, managers) = app
            .send(app.req(
                Method::GET,
                &format!("/api/projects/{project}/managers"),
                &token,
                None,
            ))
            .await;
        assert_eq!(names(&managers), [format!("Ada ({n})")]);
        seen.push(account);
    }
    seen.dedup();
    assert_eq!(seen.len(), 3);
}

/// The migration wrote every key with `account_id`: on plain PostgreSQL the Citus plan has
/// nothing left to change, only the notice that distribution is skipped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_migrated_schema_is_citus_ready() {
    let app = App::start(None).await;
    let manager = sea_orm_migration::SchemaManager::new(app.db.connection());
    let plan = multitenant_citus::migration::distribute(&manager, &projects::entities::schema())
        .await
        .unwrap();
    assert!(plan.steps().is_empty(), "{plan}");
    assert!(
        plan.notices()
            .iter()
            .any(|n| n.to_lowercase().contains("citus")),
        "{:?}",
        plan.notices()
    );
}

/// A database migrated before `account_owners` and `account_subdomains` existed gets them filled
/// from `accounts`, and the API then finds the accounts through them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ownership_and_subdomains_are_filled_in_for_existing_accounts() {
    use sea_orm::ConnectionTrait;
    use sea_orm_migration::MigratorTrait;
    let test_db = common::TestDb::create().await;
    let db = projects::connect(&test_db.url).await.unwrap();
    let conn = db.connection();
    projects::migration::Migrator::up(conn, Some(1))
        .await
        .unwrap();
    conn.execute_unprepared(
        "INSERT INTO users (id, username, password_hash) VALUES (1, 'ada', ''), (2, 'bob', '');
         INSERT INTO accounts (id, name, domain, subdomain, country_id, owner_id) VALUES
             (10, 'a', 'a.com', 'a', 250, 1), (11, 'b', 'b.com', 'B', 250, 2),
             (12, 'c', 'c.com', 'A', 250, 1)",
    )
    .await
    .unwrap();
    projects::migration::Migrator::up(conn, None).await.unwrap();
    assert_eq!(
        projects::ownership::account_ids(&db, 1).await.unwrap(),
        [10, 12]
    );
    assert_eq!(
        projects::ownership::first_account(&db, 2).await.unwrap(),
        Some(11)
    );
    assert!(projects::ownership::owns(&db, 2, 11).await.unwrap());
    assert!(!projects::ownership::owns(&db, 2, 10).await.unwrap());
    let names: Vec<String> = projects::ownership::accounts_of(&db, 1)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(names, ["a", "c"]);

    // Subdomains, lowercased; of two accounts sharing one, the oldest keeps it.
    let subdomains = conn
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT subdomain || '=' || account_id AS s FROM account_subdomains ORDER BY 1",
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String>("", "s").unwrap())
        .collect::<Vec<_>>();
    assert_eq!(subdomains, ["a=10", "b=11"]);

    // And back: the later migrations' downs drop only their tables.
    projects::migration::Migrator::down(conn, Some(4))
        .await
        .unwrap();
    let left = conn
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT to_regclass('account_owners') IS NULL \
                    AND to_regclass('account_subdomains') IS NULL AS gone, \
                    (SELECT count(*) FROM accounts) AS accounts",
        ))
        .await
        .unwrap()
        .unwrap();
    assert!(left.try_get::<bool>("", "gone").unwrap());
    assert_eq!(left.try_get::<i64>("", "accounts").unwrap(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_the_security_headers() {
    let app = App::start(Some(1)).await;
    let demo = app.token("demo1", "demo").await;
    let c = &app.client;
    for request in [
        c.get(app.url("/")),
        c.get(app.url("/app.js")),
        c.get(app.url("/style.css")),
        c.get(app.url("/api/openapi.json")),
        c.get(app.url("/nowhere")),
        c.get(app.url("/api/accounts")),
        app.req(Method::GET, "/api/projects", &demo, None),
        app.req(Method::GET, "/api/projects/abc/managers", &demo, None),
    ] {
        let res = request.send().await.unwrap();
        let url = res.url().to_string();
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        for directive in [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(directive), "{url}: {csp}");
        }
        assert!(!csp.contains("unsafe"), "{url}: {csp}");
        assert_eq!(h["x-frame-options"], "DENY", "{url}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{url}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{url}");
        // The challenge goes with a 401 only.
        assert_eq!(
            h.get("www-authenticate").map(|v| v.to_str().unwrap()),
            (res.status() == StatusCode::UNAUTHORIZED).then_some("Bearer"),
            "{url}"
        );
    }
    let res = app
        .req(Method::GET, "/api/accounts", "forged", None)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        res.headers()["www-authenticate"],
        r#"Bearer error="invalid_token""#
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_path_id_is_a_json_400_naming_the_parameter() {
    let app = App::start(Some(1)).await;
    let demo = app.token("demo1", "demo").await;
    let assigned = "SELECT count(*) FROM project_managers";
    let before = app.count(assigned).await;
    let manager = app.count("SELECT min(id) FROM managers").await;
    for (method, path, parameter) in [
        (Method::GET, "/api/projects/abc/managers".to_owned(), "id"),
        (Method::POST, "/api/projects/1x/managers".to_owned(), "id"),
        (
            Method::DELETE,
            "/api/projects/1/managers/%3Cscript%3E".to_owned(),
            "manager_id",
        ),
        (
            Method::DELETE,
            format!("/api/projects/99999999999999999999/managers/{manager}"),
            "id",
        ),
    ] {
        let res = app
            .req(method.clone(), &path, &demo, None)
            .json(&json!({"manager_id": manager}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{method} {path}");
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{method} {path}"
        );
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_path", "{method} {path}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("`{parameter}`")),
            "{method} {path}: {message}"
        );
        assert!(!message.contains("script"), "{message}");
    }
    assert_eq!(app.count(assigned).await, before, "nothing was written");

    // The CRUD routes answer an id that cannot be a row's as a JSON 404, like a missing row
    // (multitenant-axum's choice), without echoing it.
    let (status, body) = app
        .send(app.req(Method::GET, "/api/projects/%3Cb%3E", &demo, None))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(
        body,
        json!({"error": {"code": "not_found", "message": "no such row"}})
    );
}

/// Failed log-ins allowed per username and per address within `period_secs`.
fn login_limits(per_user: u32, per_address: u32, period_secs: u64) -> LoginLimits {
    LoginLimits {
        failures_per_user: NonZeroU32::new(per_user).unwrap(),
        failures_per_address: NonZeroU32::new(per_address).unwrap(),
        period: Duration::from_secs(period_secs),
        ..LoginLimits::default()
    }
}

/// `POST /api/token`: the status, `Retry-After` in seconds and the JSON body.
async fn log_in(app: &App, username: &str, password: &str) -> (StatusCode, Option<u64>, Value) {
    let res = app
        .client
        .post(app.url("/api/token"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let retry_after = res
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    (status, retry_after, res.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_are_throttled_per_username() {
    // 5 failures per 30 s: one more every 6 s, far slower than the test's attempts.
    let app = App::start_with(
        Some(1),
        projects::Settings {
            // One failure back every 12 s: the five below fit in that even on a busy machine.
            login: login_limits(5, 100, 60),
            ..projects::Settings::default()
        },
    )
    .await;
    let tokens = "SELECT count(*) FROM api_tokens";
    // Successful log-ins do not count.
    for _ in 0..7 {
        app.token("demo1", "demo").await;
    }
    assert_eq!(app.count(tokens).await, 7);
    for attempt in 1..=5 {
        let (status, retry_after, body) = log_in(&app, "demo1", "wrong").await;
        assert_eq!(
            (status, retry_after),
            (StatusCode::UNAUTHORIZED, None),
            "attempt {attempt}: {body}"
        );
        assert_eq!(body["error"]["code"], "invalid_credentials");
    }
    let (status, retry_after, body) = log_in(&app, "demo1", "wrong").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"]["code"], "too_many_attempts");
    let retry_after = retry_after.expect("429 carries Retry-After");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    // Locked out: the right password too, and nothing is written.
    let (status, locked_for, body) = log_in(&app, "demo1", "demo").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(locked_for.is_some());
    assert_eq!(app.count(tokens).await, 7);
    // Another username from the same client is not locked.
    let (status, _, _) = log_in(&app, "nobody", "wrong").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Once the lock-out is over, the right password works again.
    tokio::time::sleep(Duration::from_secs(locked_for.unwrap()) + Duration::from_millis(300)).await;
    let (status, _, body) = log_in(&app, "demo1", "demo").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(app.count(tokens).await, 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_are_throttled_per_client_address() {
    let app = App::start_with(
        Some(1),
        projects::Settings {
            login: login_limits(100, 3, 60),
            ..projects::Settings::default()
        },
    )
    .await;
    for username in ["a", "b", "demo1"] {
        let (status, _, body) = log_in(&app, username, "wrong").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{username}: {body}");
    }
    let (status, retry_after, body) = log_in(&app, "c", "wrong").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"]["code"], "too_many_attempts");
    assert!(retry_after.is_some_and(|s| s >= 1));
    // The address is locked out, whichever username it names.
    let (status, _, body) = log_in(&app, "demo1", "demo").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(app.count("SELECT count(*) FROM api_tokens").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hand_written_json_routes_take_only_json_with_known_fields() {
    let app = App::start(Some(1)).await;
    let demo = app.token("demo1", "demo").await;
    let written = "SELECT (SELECT count(*) FROM users) * 1000000 \
         + (SELECT count(*) FROM api_tokens) * 1000 + (SELECT count(*) FROM accounts)";
    let before = app.count(written).await;
    let bodies = [
        (
            "/api/users",
            json!({"username": "grace", "password": "a long passphrase 1"}),
        ),
        (
            "/api/token",
            json!({"username": "demo1", "password": "demo"}),
        ),
        (
            "/api/accounts",
            json!({"name": "Acme", "domain": "acme.com", "subdomain": "acme", "country_id": 250}),
        ),
    ];
    for (path, body) in &bodies {
        for content_type in [
            None,
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
            Some("application/json; charset=utf-16"),
            Some("application/vnd.api+json"),
        ] {
            let mut r = app
                .req(Method::POST, path, &demo, None)
                .body(body.to_string());
            if let Some(ct) = content_type {
                r = r.header("content-type", ct);
            }
            let (status, answer) = app.send(r).await;
            assert_eq!(
                status,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "{path} {content_type:?}: {answer}"
            );
            assert_eq!(answer["error"]["code"], "unsupported_media_type");
        }
        let mut extra = body.clone();
        extra["is_admin"] = json!(true);
        let (status, answer) = app
            .send(app.req(Method::POST, path, &demo, None).json(&extra))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {answer}");
        assert_eq!(answer["error"]["code"], "unknown_field", "{path}");
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap()
                .contains("`is_admin`"),
            "{path}: {answer}"
        );
    }
    assert_eq!(app.count(written).await, before, "nothing was written");

    // JSON with the charset it has is taken.
    for (path, body) in &bodies {
        let (status, answer) = app
            .send(
                app.req(Method::POST, path, &demo, None)
                    .header("content-type", "Application/JSON; charset=UTF-8")
                    .body(body.to_string()),
            )
            .await;
        assert!(status.is_success(), "{path}: {status} {answer}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usernames_are_folded_and_weak_credentials_refused() {
    let app = App::start(Some(1)).await;
    let users = "SELECT count(*) FROM users";
    let sign_up = |username: &str, password: &str| {
        app.client
            .post(app.url("/api/users"))
            .json(&json!({"username": username, "password": password}))
    };
    let good = "correct horse battery";
    let mut refused = vec![
        ("", good, "username"),
        ("a\u{0}b", good, "username"),
        ("a\u{7}b", good, "username"),
        ("zero\u{200B}width", good, "username"),
        ("joiner\u{200D}", good, "username"),
        ("word\u{2060}joiner", good, "username"),
        ("\u{FEFF}bom", good, "username"),
        ("evil\u{202E}gnp.exe", good, "username"),
        ("isolate\u{2066}d", good, "username"),
        ("two words", good, "username"),
        ("ada", "too short", "password"),
        ("ada", "             ", "password"),
        ("Ada.Lovelace", "ADA.LOVELACE", "password"),
        ("ada", "Password123", "password"),
        ("ada", "qwertyuiop", "password"),
    ];
    let long = "a".repeat(65);
    refused.push((&long, good, "username"));
    for (username, password, field) in refused {
        let (status, body) = app.send(sign_up(username, password)).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{username:?} {password:?}: {body}"
        );
        assert_eq!(body["error"]["code"], "invalid_field");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("`{field}`")),
            "{username:?} {password:?}: {message}"
        );
    }
    assert_eq!(app.count(users).await, 1, "nothing was written");

    // Stored NFKC-normalised and lowercased; any spelling of it logs in, none signs up again.
    let (status, body) = app.send(sign_up("ＡＤＡ", good)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["username"], "ada");
    for spelling in ["ada", "ADA", "Ada", "ＡＤＡ", " ada "] {
        app.token(spelling, good).await;
        let (status, body) = app.send(sign_up(spelling, good)).await;
        assert_eq!(status, StatusCode::CONFLICT, "{spelling}: {body}");
        assert_eq!(body["error"]["code"], "username_taken");
    }
    assert_eq!(app.count(users).await, 2);

    // The seeded demo users keep their short password.
    app.token("demo1", "demo").await;
    app.token("Demo1", "demo").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_fields_are_bounded_and_subdomains_are_dns_labels() {
    let app = App::start(None).await;
    let ada = app.user("ada").await;
    let accounts = "SELECT (SELECT count(*) FROM accounts) * 1000 \
         + (SELECT count(*) FROM account_subdomains)";
    let new = |name: &str, domain: &str, subdomain: &str| {
        app.req(Method::POST, "/api/accounts", &ada, None).json(
            &json!({"name": name, "domain": domain, "subdomain": subdomain, "country_id": 250}),
        )
    };
    let long = "x".repeat(201);
    let label = "a".repeat(64);
    for (name, domain, subdomain, field) in [
        ("Acme", "acme.com", "-acme", "subdomain"),
        ("Acme", "acme.com", "acme-", "subdomain"),
        ("Acme", "acme.com", "ac.me", "subdomain"),
        ("Acme", "acme.com", "ac_me", "subdomain"),
        ("Acme", "acme.com", "äcme", "subdomain"),
        ("Acme", "acme.com", "ac me", "subdomain"),
        ("Acme", "acme.com", "", "subdomain"),
        ("Acme", "acme.com", label.as_str(), "subdomain"),
        ("Ac\u{0}me", "acme.com", "acme", "name"),
        (long.as_str(), "acme.com", "acme", "name"),
        ("Acme", "acme\u{0}.com", "acme", "domain"),
        ("Acme", long.as_str(), "acme", "domain"),
    ] {
        let (status, body) = app.send(new(name, domain, subdomain)).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {subdomain:?}: {body}"
        );
        assert_eq!(body["error"]["code"], "invalid_field");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(&format!("`{field}`")), "{message}");
    }
    assert_eq!(app.count(accounts).await, 0, "nothing was written");

    // A valid label is stored lowercased; the longest name and label fit.
    let (status, body) = app
        .send(new(&"n".repeat(200), "acme.com", " Acme-2 "))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["subdomain"], "acme-2");
    let (status, body) = app.send(new("Long", "long.com", &"b".repeat(63))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(app.count(accounts).await, 2002);
}
