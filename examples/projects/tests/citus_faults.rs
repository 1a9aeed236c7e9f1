//! One Citus worker stopped under load, on a cluster of the test's own (a coordinator and two
//! workers, each a private server; never the cluster at `CITUS_URL`, which other tests share):
//! requests for tenants whose shards live on the other worker keep working, requests for tenants
//! on the stopped worker fail with a 503 and a JSON error, and all recover by themselves when the
//! worker returns. Every write answered 201 is there afterwards, no write of a failed request is.
//!
//! It runs when `CITUS_URL` is set (the switch for every Citus test) and needs the Citus
//! extension installed in the local PostgreSQL; without `CITUS_URL` it prints that it was skipped.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::App;
use multitenant_test_support::PrivateCitusCluster;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::Mutex;

/// Demo tenants seeded: enough that both workers hold some.
const TENANTS: u32 = 8;
/// Clients per tenant.
const CLIENTS_PER_TENANT: usize = 2;

/// A tenant of the test: its token, account, one of its projects and the port of the worker
/// holding its shards.
struct Tenant {
    token: String,
    account: i64,
    project: i64,
    worker: u16,
}

/// One request the clients sent.
struct Sent {
    client: usize,
    worker: u16,
    /// The task a POST created (its name), `None` for a read.
    write: Option<String>,
    account: i64,
    status: StatusCode,
    started: Instant,
    ended: Instant,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stopped_worker_fails_only_its_tenants_and_all_recover_when_it_returns() {
    if std::env::var("CITUS_URL").is_err() {
        println!(
            "skipped: CITUS_URL is not set (the Citus tests run when it names a coordinator, e.g. \
             postgres://postgres@127.0.0.1:9700/citus?sslmode=disable)"
        );
        return;
    }
    assert!(
        PrivateCitusCluster::citus_installed(),
        "CITUS_URL is set but the Citus extension is not installed in the local PostgreSQL, \
         which this test needs to start a cluster of its own"
    );
    let cluster = Arc::new(PrivateCitusCluster::start(2, "mt_citus_faults").await);
    let url = cluster.url();
    let db = projects::connect(&url).await.unwrap();
    projects::migrate(&db).await.unwrap();
    assert!(projects::seed(&db, TENANTS).await.unwrap());
    let router = projects::api::router(db.clone(), &projects::Settings::default());
    let app = Arc::new(App::serve_router(db.clone(), router).await);
    // The stopped worker's 503s are what this test is about; any other 5xx still fails it.
    app.answers.expect(503);

    // Tokens are written to a reference table (a copy on every node), so log in before the stop.
    let mut tenants = Vec::new();
    for n in 1..=TENANTS {
        let token = app.token(&format!("demo{n}"), "demo").await;
        let (status, projects) = app
            .send(app.req(Method::GET, "/api/projects", &token, None))
            .await;
        assert_eq!(status, StatusCode::OK, "{projects}");
        let project = &projects["items"][0];
        let account = project["account_id"].as_i64().unwrap();
        // The worker holding the account's shards (every tenant table is colocated with tasks).
        let worker = app
            .count(&format!(
                "SELECT nodeport::bigint FROM citus_shards WHERE table_name = 'tasks'::regclass \
                 AND shardid = get_shard_id_for_distribution_column('tasks', {account})"
            ))
            .await;
        let worker = u16::try_from(worker).unwrap();
        tenants.push(Tenant {
            token,
            account,
            project: project["id"].as_i64().unwrap(),
            worker,
        });
    }
    let stopped_port = cluster.worker(1).port();
    let live_port = cluster.worker(0).port();
    let on = |port| tenants.iter().filter(|t| t.worker == port).count();
    println!(
        "{} tenants on the worker that stays, {} on the one stopped",
        on(live_port),
        on(stopped_port)
    );
    assert!(
        on(live_port) > 0 && on(stopped_port) > 0,
        "both workers hold tenants"
    );
    let tenants = Arc::new(tenants);

    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(Mutex::new(Vec::<Sent>::new()));
    let clients: Vec<_> = (0..tenants.len() * CLIENTS_PER_TENANT)
        .map(|client| {
            let (app, tenants, stop, sent) =
                (app.clone(), tenants.clone(), stop.clone(), sent.clone());
            tokio::spawn(async move {
                let tenant = &tenants[client % tenants.len()];
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    let write = (n % 2 == 0).then(|| format!("citus fault {client} {n}"));
                    let request = match &write {
                        Some(name) => app
                            .req(
                                Method::POST,
                                "/api/tasks",
                                &tenant.token,
                                Some(tenant.account),
                            )
                            .json(&json!({"project_id": tenant.project, "name": name})),
                        None => app.req(
                            Method::GET,
                            &format!("/api/projects/{}", tenant.project),
                            &tenant.token,
                            Some(tenant.account),
                        ),
                    };
                    let started = Instant::now();
                    let response = request
                        .send()
                        .await
                        .expect("the app answers while a worker is down");
                    let status = response.status();
                    let body: Value = response.json().await.expect("a JSON body");
                    if !status.is_success() {
                        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{write:?}: {body}");
                        assert_eq!(body["error"]["code"], "database_unavailable", "{body}");
                    } else if write.is_none() {
                        assert_eq!(body["account_id"], tenant.account, "{body}");
                    }
                    sent.lock().await.push(Sent {
                        client,
                        worker: tenant.worker,
                        write,
                        account: tenant.account,
                        status,
                        started,
                        ended: Instant::now(),
                    });
                    n += 1;
                    // Keep the two cores free enough for three servers and the app.
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            })
        })
        .collect();

    tokio::time::sleep(Duration::from_millis(1500)).await;
    let stopping = cluster.clone();
    tokio::task::spawn_blocking(move || stopping.worker(1).stop())
        .await
        .unwrap();
    let stopped_at = Instant::now();
    tokio::time::sleep(Duration::from_millis(3000)).await;
    let starting = cluster.clone();
    let returning_at = Instant::now();
    tokio::task::spawn_blocking(move || starting.worker(1).start_again())
        .await
        .unwrap();
    let returned_at = Instant::now();

    // Recovered by itself: within 30 s every client's requests succeed again; keep going 2 s more.
    let deadline = returned_at + Duration::from_secs(30);
    loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let recovered = {
            let sent = sent.lock().await;
            (0..tenants.len() * CLIENTS_PER_TENANT).all(|c| {
                sent.iter()
                    .rev()
                    .find(|s| s.client == c)
                    .is_some_and(|s| s.started > returned_at && s.status.is_success())
            })
        };
        if recovered {
            println!(
                "every client served again {} ms after the worker returned",
                returned_at.elapsed().as_millis()
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not every tenant recovered within 30 s of the worker's return"
        );
    }
    tokio::time::sleep(Duration::from_millis(2000)).await;
    common::stop_clients(&stop, clients).await;

    let sent = sent.lock().await;
    let mut tally: BTreeMap<(&str, &str, u16), usize> = BTreeMap::new();
    for s in sent.iter() {
        let worker = if s.worker == stopped_port {
            "stopped"
        } else {
            "live"
        };
        let phase = if s.ended < stopped_at {
            "before"
        } else if s.started > returned_at {
            "after"
        } else {
            "outage"
        };
        *tally.entry((worker, phase, s.status.as_u16())).or_default() += 1;
    }
    println!("(worker, phase, status) -> requests: {tally:?}");

    // Tenants on the worker that stayed up never noticed.
    let live_failures: Vec<_> = sent
        .iter()
        .filter(|s| s.worker == live_port && !s.status.is_success())
        .map(|s| (s.write.clone(), s.status))
        .collect();
    assert!(
        live_failures.is_empty(),
        "requests of tenants on the worker that stayed up failed: {live_failures:?}"
    );
    let live_during = sent
        .iter()
        .filter(|s| s.worker == live_port && s.started > stopped_at && s.ended < returning_at)
        .count();
    assert!(
        live_during > 0,
        "tenants on the live worker were served during the outage"
    );
    // Tenants on the stopped worker failed cleanly (a 503, checked by the clients) for as long
    // as it was down.
    let stopped_during: Vec<_> = sent
        .iter()
        .filter(|s| s.worker == stopped_port && s.started > stopped_at && s.ended < returning_at)
        .map(|s| s.status)
        .collect();
    assert!(
        !stopped_during.is_empty(),
        "tenants on the stopped worker sent requests during the outage"
    );
    assert!(
        stopped_during
            .iter()
            .all(|s| *s == StatusCode::SERVICE_UNAVAILABLE),
        "requests to the stopped worker's tenants during the outage: {stopped_during:?}"
    );
    println!(
        "while the worker was down: {live_during} requests of the other worker's tenants served, \
         {} of the stopped worker's tenants answered 503",
        stopped_during.len()
    );
    let (status, _) = app.send(app.client.get(app.url("/healthz"))).await;
    assert_eq!(status, StatusCode::OK);

    // Every acknowledged write is there, in its account; no failed one is.
    for s in sent.iter() {
        let Some(name) = &s.write else { continue };
        let rows = app
            .count(&format!(
                "SELECT count(*) FROM tasks WHERE account_id = {} AND name = '{name}'",
                s.account
            ))
            .await;
        assert_eq!(
            rows,
            i64::from(s.status == StatusCode::CREATED),
            "{name} answered {}",
            s.status
        );
    }
    let written = sent
        .iter()
        .filter(|s| s.write.is_some() && s.status == StatusCode::CREATED)
        .count();
    assert_eq!(
        app.count("SELECT count(*) FROM tasks WHERE name LIKE 'citus fault %'")
            .await,
        written as i64
    );
}
