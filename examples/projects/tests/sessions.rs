//! Tokens that expire and are revoked, password changes, usernames stored before they were
//! folded, and the refusals the OpenAPI document lists; over HTTP against the real server and a
//! real PostgreSQL.

mod common;

use std::time::Duration;

use common::{App, PASSWORD, TestDb};
use reqwest::{Method, StatusCode};
use sea_orm::ConnectionTrait;
use sea_orm_migration::MigratorTrait;
use serde_json::{Value, json};

/// `GET /api/accounts` with `token`: its status and `WWW-Authenticate`.
async fn accounts_with(app: &App, token: &str) -> (StatusCode, Option<String>) {
    let res = app
        .req(Method::GET, "/api/accounts", token, None)
        .send()
        .await
        .unwrap();
    let challenge = res
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    (res.status(), challenge)
}

const INVALID_TOKEN: &str = r#"Bearer error="invalid_token""#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_expire_after_their_lifetime() {
    let app = App::start_with(
        None,
        projects::Settings {
            token_lifetime: Duration::from_secs(2),
            ..projects::Settings::default()
        },
    )
    .await;
    let token = app.user("ada").await;
    assert_eq!(accounts_with(&app, &token).await.0, StatusCode::OK);
    let expires_in = app
        .count("SELECT extract(epoch FROM expires_at - now())::bigint FROM api_tokens")
        .await;
    assert!((1..=2).contains(&expires_in), "{expires_in}");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        accounts_with(&app, &token).await,
        (StatusCode::UNAUTHORIZED, Some(INVALID_TOKEN.to_owned()))
    );
    // No token at all is a plain challenge.
    let res = app
        .client
        .get(app.url("/api/accounts"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["www-authenticate"], "Bearer");
    // A new log-in forgets the expired token.
    let fresh = app.token("ada", PASSWORD).await;
    assert_eq!(accounts_with(&app, &fresh).await.0, StatusCode::OK);
    assert_eq!(app.count("SELECT count(*) FROM api_tokens").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_revokes_only_the_token_it_is_sent_with() {
    let app = App::start(None).await;
    let first = app.user("ada").await;
    let second = app.token("ada", PASSWORD).await;
    let (status, body) = app
        .send(app.req(Method::POST, "/api/logout", &first, None))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(
        accounts_with(&app, &first).await,
        (StatusCode::UNAUTHORIZED, Some(INVALID_TOKEN.to_owned()))
    );
    assert_eq!(accounts_with(&app, &second).await.0, StatusCode::OK);
    // Logging out twice: the token is no longer valid.
    let (status, body) = app
        .send(app.req(Method::POST, "/api/logout", &first, None))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "invalid_token");
    assert_eq!(app.count("SELECT count(*) FROM api_tokens").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_revokes_every_token_of_the_user() {
    let app = App::start(None).await;
    let first = app.user("ada").await;
    let second = app.token("ada", PASSWORD).await;
    let bob = app.user("bob").await;
    let change = |token: &str, current: &str, new: &str| {
        app.req(Method::POST, "/api/users/me/password", token, None)
            .json(&json!({"current_password": current, "new_password": new}))
    };

    // Refused changes: wrong current password, weak or unchanged new one, unknown field.
    let hash_before = app
        .count("SELECT count(*) FROM users WHERE username = 'ada' AND password_hash LIKE '$argon2id$%'")
        .await;
    for (req, field) in [
        (
            change(&first, "not my password", "a new long password"),
            "current_password",
        ),
        (change(&first, PASSWORD, "short"), "new_password"),
        (change(&first, PASSWORD, "password123"), "new_password"),
        (change(&first, PASSWORD, PASSWORD), "new_password"),
    ] {
        let (status, body) = app.send(req).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["fields"], json!([field]), "{body}");
    }
    let (status, body) = app
        .send(
            app.req(Method::POST, "/api/users/me/password", &first, None)
                .json(&json!({"current_password": PASSWORD, "new_password": "x", "admin": true})),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_field"))
    );
    assert_eq!(accounts_with(&app, &first).await.0, StatusCode::OK);
    assert_eq!(app.count("SELECT count(*) FROM api_tokens").await, 3);
    assert_eq!(hash_before, 1);

    let new_password = "staple battery horse";
    let (status, body) = app.send(change(&first, PASSWORD, new_password)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let third = body["token"].as_str().unwrap().to_owned();
    for old in [&first, &second] {
        assert_eq!(
            accounts_with(&app, old).await,
            (StatusCode::UNAUTHORIZED, Some(INVALID_TOKEN.to_owned()))
        );
    }
    assert_eq!(accounts_with(&app, &third).await.0, StatusCode::OK);
    // Another user's token is untouched.
    assert_eq!(accounts_with(&app, &bob).await.0, StatusCode::OK);
    // The old password no longer logs in; the new one does.
    let (status, _) = app
        .send(
            app.client
                .post(app.url("/api/token"))
                .json(&json!({"username": "ada", "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    app.token("ada", new_password).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usernames_stored_before_folding_still_log_in() {
    // The schema as it was before usernames were folded, with users of that time.
    let test_db = TestDb::create().await;
    let db = projects::connect(&test_db.url).await.unwrap();
    projects::migration::Migrator::up(db.connection(), Some(4))
        .await
        .unwrap();
    let hash = projects::auth::hash_password(PASSWORD).unwrap();
    for name in ["MixedCase", "ada", "Ada", "ＷＩＤＥ"] {
        db.connection()
            .execute_raw(sea_orm::Statement::from_sql_and_values(
                sea_orm::DbBackend::Postgres,
                "INSERT INTO users (username, password_hash) VALUES ($1, $2)",
                [name.into(), hash.clone().into()],
            ))
            .await
            .unwrap();
    }
    projects::migrate(&db).await.unwrap();
    let app = App::serve(db).await;
    let names: Vec<String> = {
        let conn = app.db.connection();
        let rows = conn
            .query_all_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT username FROM users ORDER BY id",
            ))
            .await
            .unwrap();
        rows.iter()
            .map(|r| r.try_get_by_index::<String>(0).unwrap())
            .collect()
    };
    // `Ada` folds to a name `ada` already has: left as it was.
    assert_eq!(names, ["mixedcase", "ada", "Ada", "wide"]);
    for typed in [
        "MixedCase",
        "mixedcase",
        "MIXEDCASE",
        "ada",
        "Wide",
        "ＷＩＤＥ",
    ] {
        app.token(typed, PASSWORD).await;
    }
    drop(app);
    drop(test_db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_the_refusals() {
    let app = App::start(None).await;
    let (status, doc) = app.send(app.client.get(app.url("/api/openapi.json"))).await;
    assert_eq!(status, StatusCode::OK);
    let responses = |path: &str, method: &str| -> Vec<String> {
        let op = &doc["paths"][path][method];
        let map = op["responses"]
            .as_object()
            .unwrap_or_else(|| panic!("{method} {path}"));
        for (status, response) in map {
            if !status.starts_with('2') {
                assert_eq!(
                    response["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ApiError",
                    "{method} {path} {status}"
                );
            }
        }
        map.keys().cloned().collect()
    };
    let has = |path: &str, method: &str, wanted: &[&str]| {
        let got = responses(path, method);
        for status in wanted {
            assert!(
                got.iter().any(|s| s == status),
                "{method} {path}: {status} not in {got:?}"
            );
        }
    };
    has(
        "/api/projects",
        "post",
        &["400", "401", "403", "409", "413", "415", "422"],
    );
    has("/api/projects/{id}", "get", &["400", "401", "403", "404"]);
    has(
        "/api/token",
        "post",
        &["401", "413", "415", "422", "429", "503"],
    );
    has("/api/users", "post", &["409", "413", "415", "422", "503"]);
    has(
        "/api/users/me/password",
        "post",
        &["401", "413", "415", "422", "429", "503"],
    );
    has("/api/logout", "post", &["401"]);
    has(
        "/api/accounts",
        "post",
        &["401", "409", "413", "415", "422"],
    );
    let schema: &Value = &doc["components"]["schemas"]["ApiError"];
    assert_eq!(schema["required"], json!(["error"]));
    assert!(schema["properties"]["error"]["properties"]["fields"].is_object());
}
