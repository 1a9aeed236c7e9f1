//! The baseline answers as the sample app does: the same status, `Content-Type` and body, byte
//! for byte, for the same requests on the same database; a create puts a row of the same shape
//! into the caller's account.

mod common;

use common::{Request, Servers, Tenant};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Sends every request to both servers and asserts the answers are the same.
async fn assert_same(servers: &Servers, requests: &[Request]) {
    for request in requests {
        let app = servers.app(request).await;
        let baseline = servers.baseline(request).await;
        assert_eq!(baseline, app, "{request:?}");
        assert!(
            app.status.as_u16() < 500,
            "{request:?} answered {}",
            app.status
        );
    }
}

/// The tenant tables the baseline serves.
const TABLES: [&str; 3] = ["projects", "tasks", "managers"];

/// `GET /api/<table><query>` for every table and query, as `a` (its first account) and as `b`
/// (naming its account).
fn list_requests(queries: &[&str], a: &Tenant, b: &Tenant) -> Vec<Request> {
    let mut requests = Vec::new();
    for table in TABLES {
        for query in queries {
            let path = format!("/api/{table}{query}");
            requests.push(Request::get(&path).token(&a.token));
            requests.push(Request::get(&path).token(&b.token).account(b.account));
        }
    }
    requests
}

/// What the comparison runs on: three users (two tenants, one with a second and empty
/// account, one user owning nothing), the first two tenants' rows created through the app.
struct World {
    servers: Servers,
    a: Tenant,
    a_empty: i64,
    b: Tenant,
    nobody: Tenant,
    a_projects: Vec<i64>,
    b_projects: Vec<i64>,
}

async fn world() -> World {
    // The baseline takes as many rows a page as the app, so that their refusals of a limit
    // read the same.
    let servers = Servers::start(None).await;
    let (a, a_accounts) = servers.tenant("alice", 2).await;
    let (b, _) = servers.tenant("bob", 1).await;
    let (nobody, _) = servers.tenant("carol", 0).await;
    let a_projects = servers.fill(&a, 3, 4, 2).await;
    let b_projects = servers.fill(&b, 2, 2, 1).await;
    World {
        servers,
        a_empty: a_accounts[1],
        a,
        b,
        nobody,
        a_projects,
        b_projects,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_and_refusals_are_answered_as_the_app_answers_them() {
    let w = world().await;
    let (a, b) = (&w.a, &w.b);
    let max_limit = w.servers.max_limit;
    let queries = [
        "",
        "?limit=2",
        "?limit=2&offset=2",
        "?offset=5",
        "?offset=100",
        "?limit=100&offset=0",
        "?limit=0",
        "?limit=ten",
        "?offset=-1",
        "?offset=9223372036854775808",
        "?color=red",
    ];
    let mut requests = list_requests(&queries, a, b);
    for table in TABLES {
        let limits = [max_limit, max_limit + 1];
        for limit in limits {
            let path = format!("/api/{table}?limit={limit}");
            requests.push(Request::get(&path).token(&a.token));
        }
        let list = format!("/api/{table}");
        requests.extend([
            // The caller's own accounts, named or not; an empty one, also past its end.
            Request::get(&list).token(&a.token).account(a.account),
            Request::get(&list).token(&a.token).account(w.a_empty),
            Request::get(&format!("{list}?offset=3"))
                .token(&a.token)
                .account(w.a_empty),
            // Another user's account, an account that is no integer, two accounts.
            Request::get(&list).token(&a.token).account(b.account),
            Request::get(&list).token(&a.token).account("seven"),
            Request::get(&list)
                .token(&a.token)
                .account(a.account)
                .account(w.a_empty),
            // A user owning nothing.
            Request::get(&list).token(&w.nobody.token),
            Request::get(&list)
                .token(&w.nobody.token)
                .account(a.account),
            // No token, a malformed one, one never issued; a bad token and a bad header.
            Request::get(&list),
            Request::get(&list).header("authorization", "Basic YWxpY2U6eA=="),
            Request::get(&list).header("authorization", "Bearer "),
            Request::get(&list).token("0123456789abcdef"),
            Request::get(&list)
                .token("0123456789abcdef")
                .account("seven"),
        ]);
    }
    // Details: the caller's rows, another tenant's, ids that are no row or no integer.
    for (table, first) in [("projects", w.a_projects[0]), ("tasks", 1), ("managers", 1)] {
        for id in [
            first.to_string(),
            (first + 1).to_string(),
            "0".into(),
            "-1".into(),
            "abc".into(),
            "99999999999999999999".into(),
        ] {
            let path = format!("/api/{table}/{id}");
            requests.push(Request::get(&path).token(&a.token));
            requests.push(Request::get(&path).token(&b.token));
            requests.push(Request::get(&path).token(&a.token).account(w.a_empty));
        }
        requests.push(Request::get(&format!("/api/{table}/{first}")));
    }
    for project in &w.b_projects {
        requests.push(Request::get(&format!("/api/projects/{project}")).token(&a.token));
    }
    requests.push(Request::get("/healthz"));
    assert_same(&w.servers, &requests).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_writes_are_answered_as_the_app_answers_them() {
    let w = world().await;
    let (a, b) = (&w.a, &w.b);
    let project = w.a_projects[0];
    let post = |body: Value| Request::post("/api/tasks", &body).token(&a.token);
    let requests = [
        // Another tenant's project: the composite foreign key refuses it.
        post(json!({"project_id": w.b_projects[0], "name": "steal"})),
        post(json!({"project_id": 999_999, "name": "nowhere"})),
        // Required fields, server-assigned and tenant fields, unknown fields, types, checks.
        post(json!({"project_id": project})),
        post(json!({})),
        post(json!({"project_id": project, "name": "x", "id": 5})),
        post(json!({"project_id": project, "name": "x", "account_id": b.account})),
        post(json!({"project_id": project, "name": "x", "color": "red"})),
        post(json!({"project_id": "one", "name": "x"})),
        post(json!({"project_id": project, "name": null})),
        post(json!({"project_id": project, "name": "x", "done": "yes"})),
        post(json!({"project_id": project, "name": ""})),
        post(json!({"project_id": project, "name": "nul\u{0}"})),
        post(json!([1, 2])),
        post(json!({"project_id": project, "name": "x".repeat(70_000)})),
        Request::post_raw("/api/tasks", "application/json", "{\"name\": ").token(&a.token),
        Request::post_raw("/api/tasks", "text/plain", "{}").token(&a.token),
        Request::post("/api/projects", &json!({})).token(&a.token),
        Request::post("/api/managers", &json!({"name": 7})).token(&a.token),
        Request::post("/api/managers", &json!({"name": "x"})).token("forged"),
        Request::post("/api/projects", &json!({"name": "x"}))
            .token(&a.token)
            .account(b.account),
    ];
    let before = (
        w.servers.rows("tasks", a.account).await,
        w.servers.rows("tasks", b.account).await,
    );
    assert_same(&w.servers, &requests).await;
    let after = (
        w.servers.rows("tasks", a.account).await,
        w.servers.rows("tasks", b.account).await,
    );
    assert_eq!(before, after, "a refused write wrote something");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_answer_the_same_row_in_the_callers_account() {
    let w = world().await;
    let a = &w.a;
    let project = w.a_projects[1];
    let creates = [
        (
            "tasks",
            json!({"project_id": project, "name": "Ship it"}),
            a.account,
            None,
        ),
        (
            "tasks",
            json!({"project_id": project, "name": "Done", "done": true, "account_id": a.account}),
            a.account,
            None,
        ),
        ("projects", json!({"name": "New"}), a.account, None),
        (
            "managers",
            json!({"name": "Hedy", "account_id": null}),
            w.a_empty,
            Some(w.a_empty),
        ),
    ];
    for (table, body, account, header) in creates {
        let mut request = Request::post(&format!("/api/{table}"), &body).token(&a.token);
        if let Some(header) = header {
            request = request.account(header);
        }
        let app = w.servers.app(&request).await;
        let baseline = w.servers.baseline(&request).await;
        assert_eq!(app.status, StatusCode::CREATED, "{}", app.body);
        assert_eq!(baseline.status, app.status, "{}", baseline.body);
        assert_eq!(baseline.content_type, app.content_type);
        let (mut app_row, mut baseline_row) = (app.json(), baseline.json());
        assert_eq!(baseline_row["account_id"], json!(account));
        // The ids differ (one row each); the rest is the same, key order included.
        let (app_id, baseline_id) = (app_row["id"].take(), baseline_row["id"].take());
        assert!(app_id.is_i64() && baseline_id.is_i64() && app_id != baseline_id);
        assert_eq!(baseline_row, app_row);
        let key_order = |body: &str| -> Vec<String> {
            let text = body.trim_start_matches('{');
            text.split(",\"")
                .map(|part| {
                    part.trim_start_matches('"')
                        .split('"')
                        .next()
                        .unwrap()
                        .to_owned()
                })
                .collect()
        };
        assert_eq!(key_order(&baseline.body), key_order(&app.body));
        // The row is in the database, in the caller's account.
        let id = baseline_id.as_i64().unwrap();
        let stored: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT account_id FROM {table} WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&w.servers.pool)
        .await
        .unwrap();
        assert_eq!(stored, Some(account), "{table} {id}");
    }
    // With the new rows, the lists are still the same on both.
    let lists: Vec<Request> = TABLES
        .iter()
        .flat_map(|table| {
            let path = format!("/api/{table}?limit=100");
            [
                Request::get(&path).token(&a.token),
                Request::get(&path).token(&a.token).account(w.a_empty),
            ]
        })
        .collect();
    assert_same(&w.servers, &lists).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_baseline_takes_up_to_1000_rows_a_page() {
    let servers = Servers::start(Some(bench_baseline::DEFAULT_MAX_LIMIT)).await;
    let (a, _) = servers.tenant("dora", 1).await;
    let ok = servers
        .baseline(&Request::get("/api/tasks?limit=1000").token(&a.token))
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.body, r#"{"items":[],"total":0}"#);
    let refused = servers
        .baseline(&Request::get("/api/tasks?limit=1001").token(&a.token))
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.body,
        r#"{"error":{"code":"invalid_limit","message":"limit must be 1..=1000"}}"#
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_total_past_the_count_limit_is_answered_as_the_app_answers_it() {
    let w = world().await;
    let (a, b) = (&w.a, &w.b);
    // Alice's account: 1,200 tasks more (over the limit of 1,000); Bob's: projects up to
    // exactly 1,000 (at the limit, exact), next to Alice's many.
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "INSERT INTO tasks (account_id, project_id, name) \
         SELECT {account}, {project}, 'Bulk ' || i FROM generate_series(1, 1200) i; \
         INSERT INTO projects (account_id, name) \
         SELECT {b}, 'Bulk ' || i FROM generate_series(1, 998) i",
        account = a.account,
        project = w.a_projects[0],
        b = b.account,
    )))
    .execute(&w.servers.pool)
    .await
    .unwrap();
    let queries = [
        "",
        "?limit=1000",
        "?offset=1190",
        "?offset=999",
        "?offset=5000",
    ];
    let requests = list_requests(&queries, a, b);
    assert_same(&w.servers, &requests).await;
    // What the comparison covered: a lower bound, past the end too, and an exact 1,000.
    let tail = |answer: &common::Answer| {
        let body = &answer.body;
        body[body.rfind("\"total\"").unwrap()..].to_owned()
    };
    let many = Request::get("/api/tasks?offset=5000").token(&a.token);
    assert_eq!(
        tail(&w.servers.app(&many).await),
        r#""total":1000,"total_exact":false}"#
    );
    let at_limit = Request::get("/api/projects?limit=1")
        .token(&b.token)
        .account(b.account);
    assert_eq!(tail(&w.servers.app(&at_limit).await), r#""total":1000}"#);
}
