//! The `projects` binary as a user runs it: it creates the database, migrates, seeds the demo
//! tenants, serves, and stops cleanly on SIGTERM.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::TestDb;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_seeds_serves_and_stops_on_sigterm() {
    let db = TestDb::unique();
    let mut child = Command::new(env!("CARGO_BIN_EXE_projects"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--demo-tenants",
            "2",
            "--database-url",
            &db.url,
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();

    // It says where to open it.
    let stdout = child.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        line
    })
    .await
    .unwrap();
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .trim_end_matches('/')
        .to_owned();

    let client = reqwest::Client::new();
    let health = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    for (user, expected) in [
        ("demo2", StatusCode::OK),
        ("demo3", StatusCode::UNAUTHORIZED),
    ] {
        let res = client
            .post(format!("{base}/api/token"))
            .json(&json!({"username": user, "password": "demo"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), expected, "{user}");
    }

    // SIGTERM: a clean exit.
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            Instant::now() < deadline,
            "still running 15 s after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "{exit}");
    assert!(client.get(format!("{base}/healthz")).send().await.is_err());
}
