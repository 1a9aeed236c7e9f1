//! Many tenants, many clients, one server: 50 accounts and 10,000 mixed reads and writes sent by
//! 64 concurrent clients, including a route whose handler spawns child tasks. Every response and
//! every written row must belong to the caller's account, attempts on another account's rows
//! must be refused without writing anything, and no request may fail.

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use common::App;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::Mutex;

const TENANTS: u32 = 50;
const REQUESTS: usize = 10_000;
const CLIENTS: usize = 64;

/// One account as its owner sees it.
struct Tenant {
    token: String,
    account: i64,
    projects: Vec<i64>,
    tasks: Vec<i64>,
}

/// What the clients did, per account: the tasks they created and deleted.
#[derive(Default)]
struct Ledger {
    created: HashMap<i64, Vec<i64>>,
    deleted: HashMap<i64, Vec<i64>>,
    by_kind: HashMap<&'static str, usize>,
}

async fn tenants(app: &App) -> Vec<Tenant> {
    let mut out = Vec::new();
    for n in 1..=TENANTS {
        let token = app.token(&format!("demo{n}"), "demo").await;
        let (_, accounts) = app
            .send(app.req(Method::GET, "/api/accounts", &token, None))
            .await;
        let account = accounts["items"][0]["id"]
            .as_i64()
            .expect("the demo user's account");
        let ids = |page: &Value| -> Vec<i64> {
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_i64().unwrap())
                .collect()
        };
        let (_, projects) = app
            .send(app.req(Method::GET, "/api/projects", &token, None))
            .await;
        let (_, tasks) = app
            .send(app.req(Method::GET, "/api/tasks", &token, None))
            .await;
        out.push(Tenant {
            token,
            account,
            projects: ids(&projects),
            tasks: ids(&tasks),
        });
    }
    out
}

/// Every row of a list, or the one row, carries `account`.
fn all_of(account: i64, body: &Value, what: &str) {
    let rows: Vec<&Value> = match body.get("items") {
        Some(items) => items.as_array().unwrap().iter().collect(),
        None => vec![body],
    };
    for row in rows {
        assert_eq!(
            row["account_id"], account,
            "{what}: a row of another account: {row}"
        );
    }
}

/// Sends request `i` of the mix for tenant `me` (with `other` as the victim) and checks it.
async fn one_request(app: &App, i: usize, me: &Tenant, other: &Tenant, ledger: &Mutex<Ledger>) {
    let a = me.account;
    let project = me.projects[i % me.projects.len()];
    let task = me.tasks[i % me.tasks.len()];
    let theirs = other.projects[i % other.projects.len()];
    let req = |method: Method, path: &str| app.req(method, path, &me.token, Some(a));
    let kind = match i % 10 {
        0 => {
            let (s, body) = app.send(req(Method::GET, "/api/projects")).await;
            assert_eq!(s, StatusCode::OK, "{body}");
            all_of(a, &body, "project list");
            "list projects"
        }
        1 => {
            let (s, body) = app.send(req(Method::GET, "/api/tasks?limit=50")).await;
            assert_eq!(s, StatusCode::OK, "{body}");
            all_of(a, &body, "task list");
            "list tasks"
        }
        2 => {
            let (s, body) = app
                .send(req(Method::GET, &format!("/api/projects/{project}")))
                .await;
            assert_eq!(s, StatusCode::OK, "{body}");
            all_of(a, &body, "project");
            "read project"
        }
        3 => {
            let (s, body) = app
                .send(req(Method::GET, &format!("/api/projects/{theirs}")))
                .await;
            assert_eq!(
                s,
                StatusCode::NOT_FOUND,
                "another account's project: {body}"
            );
            "read another account's project"
        }
        4 | 5 => {
            let name = format!("load {a} {i}");
            let body = json!({"project_id": project, "name": name});
            let (s, row) = app.send(req(Method::POST, "/api/tasks").json(&body)).await;
            assert_eq!(s, StatusCode::CREATED, "{row}");
            all_of(a, &row, "created task");
            assert_eq!(row["name"], name);
            let id = row["id"].as_i64().unwrap();
            ledger.lock().await.created.entry(a).or_default().push(id);
            if i % 20 == 5 {
                // One creation in ten is deleted again by the same client.
                let (s, body) = app
                    .send(req(Method::DELETE, &format!("/api/tasks/{id}")))
                    .await;
                assert_eq!(s, StatusCode::NO_CONTENT, "{body}");
                ledger.lock().await.deleted.entry(a).or_default().push(id);
                "create and delete task"
            } else {
                "create task"
            }
        }
        6 => {
            let body = json!({"project_id": theirs, "name": format!("cross {a} {i}")});
            let (s, row) = app.send(req(Method::POST, "/api/tasks").json(&body)).await;
            assert_eq!(
                s,
                StatusCode::UNPROCESSABLE_ENTITY,
                "a task in another account's project: {row}"
            );
            "create task in another account's project"
        }
        7 => {
            let body = json!({"done": i.is_multiple_of(3)});
            let (s, row) = app
                .send(req(Method::PATCH, &format!("/api/tasks/{task}")).json(&body))
                .await;
            assert_eq!(s, StatusCode::OK, "{row}");
            all_of(a, &row, "updated task");
            "update task"
        }
        8 => {
            let (s, body) = app.send(req(Method::GET, "/api/summary")).await;
            assert_eq!(s, StatusCode::OK, "{body}");
            assert_eq!(body["account_id"], a, "{body}");
            assert!(
                body["projects"].as_u64().unwrap() >= me.projects.len() as u64,
                "{body}"
            );
            "summary (spawned children)"
        }
        _ => {
            let path = format!("/api/projects/{project}/managers");
            let (s, body) = app.send(req(Method::GET, &path)).await;
            assert_eq!(s, StatusCode::OK, "{body}");
            all_of(a, &body, "managers of a project (hand-written SQL)");
            "list a project's managers"
        }
    };
    *ledger.lock().await.by_kind.entry(kind).or_default() += 1;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_mixed_requests_stay_in_their_tenant() {
    let started = std::time::Instant::now();
    let app = Arc::new(App::start(Some(TENANTS)).await);
    let tenants = Arc::new(tenants(&app).await);
    let load = std::time::Instant::now();
    let before = app.count("SELECT count(*) FROM tasks").await;
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (app, tenants, ledger, next) =
                (app.clone(), tenants.clone(), ledger.clone(), next.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= REQUESTS {
                        break;
                    }
                    // Consecutive requests come from different accounts.
                    let me = &tenants[i % tenants.len()];
                    let other = &tenants[(i / tenants.len() + 1 + i) % tenants.len()];
                    let other = if other.account == me.account {
                        &tenants[(i + 1) % tenants.len()]
                    } else {
                        other
                    };
                    one_request(&app, i, me, other, &ledger).await;
                }
            })
        })
        .collect();
    for client in clients {
        client
            .await
            .expect("a client failed (its assertion is above)");
    }

    let ledger = ledger.lock().await;
    let sent: usize = ledger.by_kind.values().sum();
    assert_eq!(sent, REQUESTS, "{:?}", ledger.by_kind);
    println!(
        "{REQUESTS} requests from {CLIENTS} clients over {TENANTS} accounts in {:.1?} \
         (set-up {:.1?}); by kind: {:?}",
        load.elapsed(),
        load - started,
        ledger.by_kind
    );

    // Every task a client created is in its account, none in another; deleted ones are gone;
    // no task was written by the attempts on another account's projects.
    let mut created = 0;
    for tenant in tenants.iter() {
        let a = tenant.account;
        let made = ledger.created.get(&a).map_or(&[][..], Vec::as_slice);
        let gone = ledger.deleted.get(&a).map_or(&[][..], Vec::as_slice);
        created += made.len() - gone.len();
        let rows = app
            .count(&format!(
                "SELECT count(*) FROM tasks WHERE name LIKE 'load {a} %' AND account_id = {a}"
            ))
            .await;
        assert_eq!(rows as usize, made.len() - gone.len(), "account {a}");
        let misplaced = app
            .count(&format!(
                "SELECT count(*) FROM tasks WHERE name LIKE 'load {a} %' AND account_id <> {a}"
            ))
            .await;
        assert_eq!(
            misplaced, 0,
            "account {a}: tasks written into another account"
        );
        // A task's project is always of the task's own account.
        let crossed = app
            .count(&format!(
                "SELECT count(*) FROM tasks t JOIN projects p ON p.id = t.project_id \
                 WHERE t.account_id = {a} AND p.account_id <> {a}"
            ))
            .await;
        assert_eq!(
            crossed, 0,
            "account {a}: a task in another account's project"
        );
        // The summary, counted by spawned children, agrees with the database.
        let (s, summary) = app
            .send(app.req(Method::GET, "/api/summary", &tenant.token, Some(a)))
            .await;
        assert_eq!(s, StatusCode::OK);
        let tasks = app
            .count(&format!(
                "SELECT count(*) FROM tasks WHERE account_id = {a}"
            ))
            .await;
        assert_eq!(summary["tasks"], tasks, "account {a}: {summary}");
        let done = app
            .count(&format!(
                "SELECT count(*) FROM tasks WHERE account_id = {a} AND done"
            ))
            .await;
        assert_eq!(summary["done_tasks"], done, "account {a}: {summary}");
    }
    assert_eq!(
        app.count("SELECT count(*) FROM tasks WHERE name LIKE 'cross %'")
            .await,
        0,
        "a task was written into another account's project"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM tasks").await,
        before + created as i64
    );
}
