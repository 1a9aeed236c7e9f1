//! The app on a real Citus cluster (`CITUS_URL`, the coordinator, e.g.
//! `postgres://postgres@127.0.0.1:9700/citus?sslmode=disable`): a database of its own is created
//! on every node and the workers are registered in it; the app migrates it (distributing the
//! tables) and then serves with `citus.multi_task_query_log_level = 'error'`, so any statement
//! that would touch more than one shard fails its request. The test drives every route over
//! HTTP and expects no such failure. Without `CITUS_URL` it prints that it was skipped.

mod common;

use common::App;
use multitenant_test_support::{drop_database, unique_name, with_database, with_host};
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use serde_json::{Value, json};

fn citus_url() -> Option<String> {
    let url = std::env::var("CITUS_URL").ok();
    if url.is_none() {
        println!(
            "skipped: CITUS_URL is not set (e.g. postgres://postgres@127.0.0.1:9700/citus?sslmode=disable)"
        );
    }
    url
}

async fn exec(conn: &DatabaseConnection, sql: &str) {
    conn.execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn rows(conn: &DatabaseConnection, sql: &str) -> Vec<sea_orm::QueryResult> {
    conn.query_all_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// A database of its own on the coordinator and on each worker, with the Citus extension and the
/// workers registered; dropped everywhere on drop.
struct ClusterDb {
    name: String,
    /// `postgres` database URL of each node, coordinator first.
    nodes: Vec<String>,
    /// The new database on the coordinator.
    url: String,
}

impl ClusterDb {
    async fn create(citus_url: &str) -> ClusterDb {
        let coordinator = Database::connect(citus_url)
            .await
            .expect("connect to CITUS_URL");
        let workers: Vec<(String, i32)> = rows(
            &coordinator,
            "SELECT nodename, nodeport FROM pg_dist_node \
             WHERE groupid <> 0 AND noderole = 'primary' AND isactive ORDER BY nodeport",
        )
        .await
        .iter()
        .map(|r| {
            (
                r.try_get::<String>("", "nodename").unwrap(),
                r.try_get::<i32>("", "nodeport").unwrap(),
            )
        })
        .collect();
        assert!(
            !workers.is_empty(),
            "the cluster at CITUS_URL has no workers"
        );
        // The coordinator as the workers reach it: the address and port this connection came in on.
        let me = &rows(
            &coordinator,
            "SELECT host(inet_server_addr()) AS host, current_setting('port')::int AS port",
        )
        .await[0];
        let coordinator_host: String = me.try_get("", "host").unwrap();
        let coordinator_port: i32 = me.try_get("", "port").unwrap();
        coordinator.close().await.ok();

        let name = unique_name("mt_projects_citus");
        let mut nodes = vec![with_database(citus_url, "postgres")];
        nodes.extend(workers.iter().map(|(host, port)| {
            with_database(&with_host(citus_url, &format!("{host}:{port}")), "postgres")
        }));
        let db = ClusterDb {
            url: with_database(citus_url, &name),
            name,
            nodes,
        };
        for node in &db.nodes {
            let admin = Database::connect(node.as_str())
                .await
                .expect("connect to a node");
            exec(&admin, &format!("CREATE DATABASE {}", db.name)).await;
            admin.close().await.ok();
            let conn = Database::connect(with_database(node, &db.name))
                .await
                .unwrap();
            exec(&conn, "CREATE EXTENSION citus").await;
            conn.close().await.ok();
        }
        let conn = Database::connect(db.url.as_str()).await.unwrap();
        exec(
            &conn,
            &format!("SELECT citus_set_coordinator_host('{coordinator_host}', {coordinator_port})"),
        )
        .await;
        for (host, port) in &workers {
            exec(&conn, &format!("SELECT citus_add_node('{host}', {port})")).await;
        }
        conn.close().await.ok();
        db
    }
}

impl Drop for ClusterDb {
    fn drop(&mut self) {
        drop_database(&self.nodes, &self.name);
    }
}

/// The status of a response, and its body: a 500 here is most likely a statement Citus refused
/// to run on several shards.
async fn ok(app: &App, r: reqwest::RequestBuilder, want: StatusCode) -> Value {
    let (status, body) = app.send(r).await;
    assert_eq!(status, want, "{body}");
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_runs_on_one_shard() {
    let Some(citus) = citus_url() else { return };
    let cluster = ClusterDb::create(&citus).await;

    // Start-up as `cargo run -p projects` does it: the database exists, migrate, seed.
    assert!(!projects::ensure_database(&cluster.url).await.unwrap());
    let setup = projects::connect(&cluster.url).await.unwrap();
    projects::migrate(&setup).await.unwrap();
    projects::migrate(&setup).await.unwrap();
    assert!(projects::seed(&setup, 2).await.unwrap());
    let bare = setup.connection();
    let kinds: Vec<(String, String)> = rows(
        bare,
        "SELECT logicalrelid::text AS t, partmethod::text AS m FROM pg_dist_partition ORDER BY 1",
    )
    .await
    .iter()
    .map(|r| (r.try_get("", "t").unwrap(), r.try_get("", "m").unwrap()))
    .collect();
    let kind = |t: &str| kinds.iter().find(|(n, _)| n == t).map(|(_, m)| m.as_str());
    for t in [
        "countries",
        "users",
        "api_tokens",
        "account_owners",
        "account_subdomains",
    ] {
        assert_eq!(kind(t), Some("n"), "{t} is a reference table: {kinds:?}");
    }
    for t in [
        "accounts",
        "managers",
        "projects",
        "project_managers",
        "tasks",
    ] {
        assert_eq!(kind(t), Some("h"), "{t} is distributed: {kinds:?}");
    }
    let groups = rows(
        bare,
        "SELECT count(DISTINCT colocationid) AS n FROM pg_dist_partition WHERE partmethod = 'h'",
    )
    .await;
    assert_eq!(groups[0].try_get::<i64>("", "n").unwrap(), 1);
    // The demo accounts landed on different shards, so a lookup by owner would span shards.
    let shards = rows(
        bare,
        "SELECT count(DISTINCT get_shard_id_for_distribution_column('accounts', id)) AS n FROM accounts",
    )
    .await;
    assert_eq!(shards[0].try_get::<i64>("", "n").unwrap(), 2);

    // From here on, a statement on more than one shard is an error in this database.
    exec(
        bare,
        &format!(
            "ALTER DATABASE {} SET citus.multi_task_query_log_level = 'error'",
            cluster.name
        ),
    )
    .await;
    let db = projects::connect(&cluster.url).await.unwrap();
    let control = db
        .connection()
        .execute_unprepared("SELECT count(*) FROM projects")
        .await;
    assert!(
        control
            .as_ref()
            .is_err_and(|e| e.to_string().contains("multi-task")),
        "a multi-shard count must fail now: {control:?}"
    );
    let app = App::serve(db).await;

    // Users and tokens (reference tables), two callers, three accounts.
    let ada = app.user("ada").await;
    let bob = app.user("bob").await;
    let demo = app.token("demo1", "demo").await;
    let ada1 = app.account(&ada, "ada-one").await;
    let ada2 = app.account(&ada, "ada-two").await;
    let bob1 = app.account(&bob, "bob-one").await;
    // A taken subdomain is refused by the shared table's key, on one shard.
    let taken = ok(
        &app,
        app.req(Method::POST, "/api/accounts", &bob, None).json(
            &json!({"name": "copy", "domain": "copy.com", "subdomain": "ADA-ONE", "country_id": 250}),
        ),
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(taken["error"]["code"], "subdomain_taken");
    let page = ok(
        &app,
        app.req(Method::GET, "/api/accounts", &ada, None),
        StatusCode::OK,
    )
    .await;
    assert_eq!(page["total"], 2);
    assert_eq!(page["items"][0]["id"], ada1);
    assert_eq!(page["items"][1]["id"], ada2);
    let page = ok(
        &app,
        app.req(Method::GET, "/api/countries", &bob, None),
        StatusCode::OK,
    )
    .await;
    assert!(page["total"].as_u64().unwrap() > 0);

    // The demo user's seeded account, with and without the header.
    let page = ok(
        &app,
        app.req(Method::GET, "/api/projects", &demo, None),
        StatusCode::OK,
    )
    .await;
    assert_eq!(page["total"], 2);

    // Tenant routes for each of the three accounts, the first without the header.
    for (token, account, header) in [
        (&ada, ada1, None),
        (&ada, ada2, Some(ada2)),
        (&bob, bob1, Some(bob1)),
    ] {
        let req = |m: Method, path: &str| app.req(m, path, token, header);
        let manager = ok(
            &app,
            req(Method::POST, "/api/managers").json(&json!({"name": "Grace"})),
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(manager["account_id"], account);
        let project = ok(
            &app,
            req(Method::POST, "/api/projects").json(&json!({"name": "Launch"})),
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(project["account_id"], account);
        let (m, p) = (
            manager["id"].as_i64().unwrap(),
            project["id"].as_i64().unwrap(),
        );
        let task = ok(
            &app,
            req(Method::POST, "/api/tasks").json(&json!({"name": "Plan", "project_id": p})),
            StatusCode::CREATED,
        )
        .await;
        let t = task["id"].as_i64().unwrap();
        ok(
            &app,
            req(Method::POST, &format!("/api/projects/{p}/managers"))
                .json(&json!({"manager_id": m})),
            StatusCode::CREATED,
        )
        .await;
        let assigned = ok(
            &app,
            req(Method::GET, &format!("/api/projects/{p}/managers")),
            StatusCode::OK,
        )
        .await;
        assert_eq!(assigned["items"][0]["id"], m);
        for path in [
            "/api/managers",
            "/api/projects",
            "/api/tasks?done=false&order=name&limit=5",
        ] {
            let page = ok(&app, req(Method::GET, path), StatusCode::OK).await;
            assert_eq!(page["total"], 1, "{path}: {page}");
            assert_eq!(page["items"][0]["account_id"], account);
        }
        ok(
            &app,
            req(Method::GET, &format!("/api/tasks/{t}")),
            StatusCode::OK,
        )
        .await;
        let done = ok(
            &app,
            req(Method::PATCH, &format!("/api/tasks/{t}")).json(&json!({"done": true})),
            StatusCode::OK,
        )
        .await;
        assert_eq!(done["done"], true);
        ok(
            &app,
            req(Method::PUT, &format!("/api/projects/{p}")).json(&json!({"name": "Relaunch"})),
            StatusCode::OK,
        )
        .await;
        ok(
            &app,
            req(Method::DELETE, &format!("/api/projects/{p}/managers/{m}")),
            StatusCode::NO_CONTENT,
        )
        .await;
        ok(
            &app,
            req(Method::DELETE, &format!("/api/tasks/{t}")),
            StatusCode::NO_CONTENT,
        )
        .await;
        ok(
            &app,
            req(Method::GET, &format!("/api/tasks/{t}")),
            StatusCode::NOT_FOUND,
        )
        .await;
    }

    // Refusals are decided on one shard too: another caller's account, another tenant's project.
    ok(
        &app,
        app.req(Method::GET, "/api/projects", &bob, Some(ada1)),
        StatusCode::FORBIDDEN,
    )
    .await;
    let ada_project = ok(
        &app,
        app.req(Method::POST, "/api/projects", &ada, Some(ada1))
            .json(&json!({"name": "Secret"})),
        StatusCode::CREATED,
    )
    .await;
    let (status, body) = app
        .send(
            app.req(Method::POST, "/api/tasks", &bob, Some(bob1))
                .json(&json!({"name": "Steal", "project_id": ada_project["id"]})),
        )
        .await;
    assert!(status.is_client_error(), "{status} {body}");
    let other = ok(
        &app,
        app.req(
            Method::GET,
            &format!("/api/projects/{}", ada_project["id"]),
            &bob,
            Some(bob1),
        ),
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(other["error"]["code"], "not_found");
    let nobody = app.user("carol").await;
    ok(
        &app,
        app.req(Method::GET, "/api/tasks", &nobody, None),
        StatusCode::FORBIDDEN,
    )
    .await;

    app.db.connection().clone().close().await.ok();
    setup.connection().clone().close().await.ok();
}
