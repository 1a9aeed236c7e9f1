//! Through the baseline, a tenant never sees or writes another tenant's rows: what it reads is
//! what the database holds for its account, and the other account's rows are the same after
//! everything it tried.

mod common;

use common::{Request, Servers};
use reqwest::StatusCode;
use serde_json::{Value, json};

const TABLES: [&str; 3] = ["projects", "tasks", "managers"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_reads_and_writes_its_own_rows_only() {
    let servers = Servers::start(Some(bench_baseline::DEFAULT_MAX_LIMIT)).await;
    let (a, _) = servers.tenant("ann", 1).await;
    let (b, _) = servers.tenant("ben", 1).await;
    servers.fill(&a, 2, 3, 1).await;
    let b_projects = servers.fill(&b, 3, 2, 2).await;
    let mut b_before = Vec::new();
    for table in TABLES {
        b_before.push(servers.rows(table, b.account).await);
    }

    for table in TABLES {
        // A list holds exactly the caller's rows, as the database has them.
        let answer = servers
            .baseline(&Request::get(&format!("/api/{table}?limit=500")).token(&a.token))
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        let page = answer.json();
        let own = servers.rows(table, a.account).await;
        let own: Vec<Value> = own
            .iter()
            .map(|r| serde_json::from_str(r).unwrap())
            .collect();
        assert_eq!(page["items"], Value::Array(own.clone()), "{table}");
        assert_eq!(page["total"], json!(own.len()), "{table}");
        // Every row of the other tenant reads as missing.
        for row in servers.rows(table, b.account).await {
            let id = serde_json::from_str::<Value>(&row).unwrap()["id"].clone();
            let answer = servers
                .baseline(&Request::get(&format!("/api/{table}/{id}")).token(&a.token))
                .await;
            assert_eq!(answer.status, StatusCode::NOT_FOUND, "{table} {id}");
        }
        // Naming the other account is refused, for reads and writes.
        let list = format!("/api/{table}");
        let answer = servers
            .baseline(&Request::get(&list).token(&a.token).account(b.account))
            .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.body);
        let write = Request::post(&list, &json!({"name": "mine now"}))
            .token(&a.token)
            .account(b.account);
        assert_eq!(servers.baseline(&write).await.status, StatusCode::FORBIDDEN);
    }

    // Writes that aim at the other tenant: its account in the body, its project.
    let attempts = [
        Request::post(
            "/api/projects",
            &json!({"name": "x", "account_id": b.account}),
        ),
        Request::post(
            "/api/managers",
            &json!({"name": "x", "account_id": b.account}),
        ),
        Request::post(
            "/api/tasks",
            &json!({"project_id": b_projects[0], "name": "x"}),
        ),
        Request::post(
            "/api/tasks",
            &json!({"project_id": b_projects[0], "name": "x", "account_id": b.account}),
        ),
    ];
    for attempt in attempts {
        let answer = servers.baseline(&attempt.clone().token(&a.token)).await;
        assert!(
            answer.status.is_client_error(),
            "{attempt:?}: {} {}",
            answer.status,
            answer.body
        );
    }
    // A write of its own lands in its account.
    let own = servers
        .baseline(&Request::post("/api/projects", &json!({"name": "ours"})).token(&a.token))
        .await;
    assert_eq!(own.status, StatusCode::CREATED, "{}", own.body);
    let created = own.json();
    assert_eq!(created["account_id"], json!(a.account));
    let stored = servers.rows("projects", a.account).await;
    assert!(
        stored
            .iter()
            .any(|r| { serde_json::from_str::<Value>(r).unwrap() == created })
    );

    // Nothing of the other tenant changed, and nothing was added to it.
    for (table, before) in TABLES.iter().zip(&b_before) {
        assert_eq!(&servers.rows(table, b.account).await, before, "{table}");
    }
}
