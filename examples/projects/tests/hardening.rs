//! What the app does with hostile or unlucky clients, over HTTP against the real server and a
//! real PostgreSQL: database refusals as field-level 4xx, bodies refused from their declared
//! size, connections that send half a request, requests that take too long.

mod common;

use std::time::{Duration, Instant};

use common::App;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The `fields` of an error body.
fn fields(body: &Value) -> Vec<&str> {
    body["error"]["fields"]
        .as_array()
        .map(|f| f.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// Every tenant row and every user, account and token, to check a refusal wrote nothing.
async fn snapshot(app: &App) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in [
        "users",
        "api_tokens",
        "accounts",
        "account_owners",
        "account_subdomains",
        "managers",
        "projects",
        "project_managers",
        "tasks",
    ] {
        counts.push(app.count(&format!("SELECT count(*) FROM {table}")).await);
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_refusals_are_field_level_and_write_nothing() {
    let app = App::start(None).await;
    let ada = app.user("ada").await;
    let acme = app.account(&ada, "acme").await;
    let (_, project) = app
        .send(
            app.req(Method::POST, "/api/projects", &ada, Some(acme))
                .json(&json!({"name": "Launch"})),
        )
        .await;
    let project = project["id"].as_i64().unwrap();
    let (_, manager) = app
        .send(
            app.req(Method::POST, "/api/managers", &ada, Some(acme))
                .json(&json!({"name": "Grace"})),
        )
        .await;
    let manager = manager["id"].as_i64().unwrap();
    let assign = format!("/api/projects/{project}/managers");
    let (status, _) = app
        .send(
            app.req(Method::POST, &assign, &ada, Some(acme))
                .json(&json!({"manager_id": manager})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let before = snapshot(&app).await;

    // (method, path, body, status, code, fields)
    type Case<'a> = (Method, String, Value, u16, &'a str, Vec<&'a str>);
    let cases: Vec<Case<'_>> = vec![
        // The CRUD routes: foreign key, check, NUL, a string too long for PostgreSQL's index.
        (
            Method::POST,
            "/api/tasks".into(),
            json!({"project_id": 999_999, "name": "t"}),
            422,
            "invalid_reference",
            vec!["account_id", "project_id"],
        ),
        (
            Method::POST,
            "/api/projects".into(),
            json!({"name": ""}),
            422,
            "constraint_violation",
            vec!["name"],
        ),
        (
            Method::POST,
            "/api/projects".into(),
            json!({"name": "nul \u{0} byte"}),
            422,
            "invalid_text",
            vec!["name"],
        ),
        (
            Method::PATCH,
            format!("/api/projects/{project}"),
            json!({"name": null}),
            422,
            "invalid_body",
            vec!["name"],
        ),
        (
            Method::GET,
            "/api/projects?name=%00".into(),
            Value::Null,
            400,
            "invalid_value",
            vec![],
        ),
        // The hand-written routes: a taken subdomain, username and assignment.
        (
            Method::POST,
            "/api/accounts".into(),
            json!({"name": "Other", "domain": "o.example", "subdomain": "ACME", "country_id": 250}),
            409,
            "subdomain_taken",
            vec!["subdomain"],
        ),
        (
            Method::POST,
            "/api/accounts".into(),
            json!({"name": "Other", "domain": "o.example", "subdomain": "other", "country_id": 1}),
            422,
            "invalid_field",
            vec!["country_id"],
        ),
        (
            Method::POST,
            "/api/users".into(),
            json!({"username": "ADA", "password": common::PASSWORD}),
            409,
            "username_taken",
            vec!["username"],
        ),
        (
            Method::POST,
            assign.clone(),
            json!({"manager_id": manager}),
            409,
            "already_assigned",
            vec!["manager_id"],
        ),
        (
            Method::POST,
            "/api/users".into(),
            json!({"username": "nul\u{0}", "password": common::PASSWORD}),
            422,
            "invalid_field",
            vec!["username"],
        ),
    ];
    for (method, path, body, status, code, named) in cases {
        let mut req = app.req(method.clone(), &path, &ada, Some(acme));
        if !body.is_null() {
            req = req.json(&body);
        }
        let (got, answer) = app.send(req).await;
        assert_eq!(
            (got.as_u16(), answer["error"]["code"].as_str()),
            (status, Some(code)),
            "{method} {path}: {answer}"
        );
        assert_eq!(fields(&answer), named, "{method} {path}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        for raw in ["violates", "duplicate key", "0x00", "999999", "null value"] {
            assert!(!message.contains(raw), "{method} {path}: {message}");
        }
    }
    assert_eq!(snapshot(&app).await, before);
}

/// Sends `head` (and no more) on a new connection and returns what the server answers within
/// `wait`, and whether it closed the connection.
async fn raw(addr: &str, head: &str, wait: Duration) -> (String, bool) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let closed = tokio::time::timeout(wait, async {
        let mut buf = [0_u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .is_ok();
    (String::from_utf8_lossy(&answer).into_owned(), closed)
}

/// The JSON body of a raw HTTP/1.1 answer.
fn raw_body(answer: &str) -> Value {
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    serde_json::from_str(body).unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declared_body_over_the_limit_is_refused_before_it_is_sent() {
    let app = App::start_with(
        None,
        projects::Settings {
            body_limit: 4096,
            ..projects::Settings::default()
        },
    )
    .await;
    let token = app.user("ada").await;
    let before = snapshot(&app).await;
    let addr = app.addr().to_owned();
    for (path, auth) in [
        ("/api/users", String::new()),
        (
            "/api/projects",
            format!("Authorization: Bearer {token}\r\n"),
        ),
    ] {
        // 100 MB announced, a few bytes sent: the answer comes before the rest of the body.
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: application/json\r\n\
             Content-Length: 104857600\r\n\r\n{{\"name\":"
        );
        let (answer, closed) = raw(&addr, &head, Duration::from_secs(5)).await;
        assert!(answer.starts_with("HTTP/1.1 413"), "{path}: {answer}");
        assert!(
            closed,
            "{path}: the connection stays open waiting for 100 MB"
        );
        let body = raw_body(&answer);
        assert_eq!(body["error"]["code"], "body_too_large", "{path}: {answer}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("4096 bytes")
        );
    }
    // A body that is over the limit without saying so is refused too.
    let big = "x".repeat(5000);
    let (status, body) = app
        .send(
            app.req(Method::POST, "/api/projects", &token, None)
                .json(&json!({ "name": big })),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(snapshot(&app).await, before);
}

fn with_timeouts(header: u64, idle: u64, request: u64) -> projects::Settings {
    projects::Settings {
        request_timeout: Duration::from_millis(request),
        server: projects::ServerLimits {
            header_read_timeout: Duration::from_millis(header),
            idle_timeout: Duration::from_millis(idle),
        },
        ..projects::Settings::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_requests_and_idle_connections_are_cut_off() {
    let app = App::start_with(None, with_timeouts(700, 500, 30_000)).await;
    let addr = app.addr().to_owned();

    // Half a request line: closed within the header timeout, nothing answered.
    let started = Instant::now();
    let (answer, closed) = raw(&addr, "GET /heal", Duration::from_secs(5)).await;
    assert!(closed, "a half request line keeps its connection");
    assert!(
        started.elapsed() >= Duration::from_millis(600),
        "{:?}",
        started.elapsed()
    );
    assert!(!answer.contains("200 OK"), "{answer}");

    // A whole request on a kept-alive connection, then silence: closed within the idle time.
    let head = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    let (answer, closed) = raw(&addr, &head, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(closed, "an idle kept-alive connection stays open");

    // Many half-open connections do not keep the server from answering.
    let mut held = Vec::new();
    for _ in 0..200 {
        let mut s = TcpStream::connect(&addr).await.unwrap();
        s.write_all(b"POST /api/token HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        held.push(s);
    }
    let started = Instant::now();
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // And they are all closed by the header timeout.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for mut s in held {
        let mut buf = [0_u8; 64];
        let n = tokio::time::timeout(Duration::from_secs(2), s.read(&mut buf))
            .await
            .expect("the server closes a half-open connection")
            .unwrap_or(0);
        assert_eq!(n, 0, "{}", String::from_utf8_lossy(&buf[..n]));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_over_the_time_limit_is_a_json_408() {
    // A log-in hashes with argon2, which takes longer than a millisecond.
    let app = App::start_with(None, with_timeouts(10_000, 5_000, 1)).await;
    let before = snapshot(&app).await;
    let (status, body) = app
        .send(
            app.client
                .post(app.url("/api/token"))
                .json(&json!({"username": "nobody", "password": "wrong password"})),
        )
        .await;
    assert_eq!(status, StatusCode::REQUEST_TIMEOUT, "{body}");
    assert_eq!(body["error"]["code"], "request_timeout");
    assert!(body["error"]["message"].as_str().unwrap().contains("1 ms"));
    assert_eq!(snapshot(&app).await, before);
}
