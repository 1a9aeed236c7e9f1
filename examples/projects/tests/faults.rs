//! PostgreSQL restarted under load, on a server of the test's own (never the shared one):
//! requests in flight fail with a 503 and a JSON error, the app recovers by itself, every write
//! answered 201 is there, and no write of a failed request is.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::App;
use multitenant_test_support::PrivateServer;
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::sync::Mutex;

const CLIENTS: usize = 16;

/// One write the clients sent: its task name, account and the status it got.
struct Sent {
    name: String,
    account: i64,
    status: StatusCode,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_database_restart_fails_requests_in_flight_with_503_and_the_app_recovers() {
    let server = Arc::new(PrivateServer::start());
    let url = server.url("mt_faults");
    assert!(projects::ensure_database(&url).await.unwrap());
    let db = projects::connect(&url).await.unwrap();
    projects::migrate(&db).await.unwrap();
    assert!(projects::seed(&db, 3).await.unwrap());
    let router = projects::api::router(db.clone(), &projects::Settings::default());
    let app = Arc::new(App::serve_router(db, router).await);
    // The outage's 503s are what this test is about; any other 5xx still fails it.
    app.answers.expect(503);

    let mut tenants = Vec::new();
    for n in 1..=3 {
        let token = app.token(&format!("demo{n}"), "demo").await;
        let (_, projects) = app
            .send(app.req(Method::GET, "/api/projects", &token, None))
            .await;
        let project = &projects["items"][0];
        let account = project["account_id"].as_i64().unwrap();
        tenants.push((token, account, project["id"].as_i64().unwrap()));
    }
    let tenants = Arc::new(tenants);

    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(Mutex::new(Vec::<Sent>::new()));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (app, tenants, stop, sent) =
                (app.clone(), tenants.clone(), stop.clone(), sent.clone());
            tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    let (token, account, project) = &tenants[(c + n) % tenants.len()];
                    let name = format!("fault {c} {n}");
                    let body = json!({"project_id": project, "name": name});
                    let response = app
                        .req(Method::POST, "/api/tasks", token, Some(*account))
                        .json(&body)
                        .send()
                        .await
                        .expect("the app answers while the database restarts");
                    let status = response.status();
                    let body: serde_json::Value = response.json().await.expect("a JSON body");
                    if status != StatusCode::CREATED {
                        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{name}: {body}");
                        assert_eq!(body["error"]["code"], "database_unavailable", "{body}");
                    }
                    sent.lock().await.push(Sent {
                        name,
                        account: *account,
                        status,
                    });
                    n += 1;
                }
            })
        })
        .collect();

    tokio::time::sleep(Duration::from_millis(1500)).await;
    let restarting = server.clone();
    tokio::task::spawn_blocking(move || restarting.restart())
        .await
        .unwrap();
    let restarted_at = sent.lock().await.len();
    tokio::time::sleep(Duration::from_millis(2000)).await;
    common::stop_clients(&stop, clients).await;

    let sent = sent.lock().await;
    let failed: Vec<&Sent> = sent
        .iter()
        .filter(|s| s.status != StatusCode::CREATED)
        .collect();
    let after = sent.len() - restarted_at;
    println!(
        "{} writes, {} answered 503 around the restart, {after} sent after it",
        sent.len(),
        failed.len()
    );
    assert!(
        after > CLIENTS,
        "the app served writes again after the restart"
    );
    // Recovered by itself: the last write of every client succeeded.
    for c in 0..CLIENTS {
        let last = sent
            .iter()
            .rev()
            .find(|s| s.name.starts_with(&format!("fault {c} ")))
            .expect("every client wrote");
        assert_eq!(last.status, StatusCode::CREATED, "{}", last.name);
    }
    let (status, _) = app.send(app.client.get(app.url("/healthz"))).await;
    assert_eq!(status, StatusCode::OK);

    // Every acknowledged write is there, in its account; no failed one is.
    for s in sent.iter() {
        let rows = app
            .count(&format!(
                "SELECT count(*) FROM tasks WHERE name = '{}' AND account_id = {}",
                s.name, s.account
            ))
            .await;
        let expected = i64::from(s.status == StatusCode::CREATED);
        assert_eq!(rows, expected, "{} answered {}", s.name, s.status);
    }
    assert_eq!(
        app.count("SELECT count(*) FROM tasks WHERE name LIKE 'fault %'")
            .await,
        (sent.len() - failed.len()) as i64
    );
}
