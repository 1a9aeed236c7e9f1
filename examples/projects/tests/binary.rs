//! The `projects` binary as a user runs it: it creates the database, migrates, seeds the demo
//! tenants, serves, and stops cleanly on SIGTERM.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::TestDb;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_seeds_serves_and_stops_on_sigterm() {
    let db = TestDb::unique();
    let (mut child, base, log) = start(&db, 2).await;

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
    let exit = stop(&mut child).await;
    assert!(exit.success(), "{exit}");
    assert!(client.get(format!("{base}/healthz")).send().await.is_err());
    let log = log.join().unwrap();
    assert!(!log.contains("panicked"), "{log}");
}

/// Starts the binary over `db` with `demo_tenants` on an ephemeral port: the process, its base
/// URL, and a thread collecting its log (stderr) until it exits.
async fn start(db: &TestDb, demo_tenants: u32) -> (Child, String, std::thread::JoinHandle<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_projects"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--demo-tenants",
            &demo_tenants.to_string(),
            "--database-url",
            &db.url,
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The log goes to stdout (tracing) and stderr (panics); stdout also says where to open it.
    let (stdout, stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let (found, address) = std::sync::mpsc::channel();
    let log = std::thread::spawn(move || {
        let errors = std::thread::spawn(move || {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut BufReader::new(stderr), &mut text).unwrap();
            text
        });
        let mut text = String::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if let Some(url) = line.split_whitespace().find(|w| w.starts_with("http://")) {
                let _ = found.send(url.trim_end_matches('/').to_owned());
            }
            text.push_str(&line);
            text.push('\n');
        }
        text + &errors.join().unwrap()
    });
    let base = tokio::task::spawn_blocking(move || {
        address
            .recv_timeout(Duration::from_secs(60))
            .expect("the binary says where it listens within a minute")
    })
    .await
    .unwrap();
    (child, base, log)
}

/// Sends SIGTERM and waits (15 s at most) for the process to exit.
async fn stop(child: &mut Child) -> std::process::ExitStatus {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(exit) = child.try_wait().unwrap() {
            return exit;
        }
        assert!(
            Instant::now() < deadline,
            "still running 15 s after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `VmHWM` (peak resident memory) of process `pid`, in MiB.
fn peak_rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no VmHWM in {status}"));
    kib / 1024.0
}

/// 300 concurrent wrong-password log-ins against the binary: the health check keeps answering,
/// the throttle answers 429, nothing answers 5xx or panics, and memory stays bounded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_flood_is_throttled_in_bounded_memory() {
    const ATTEMPTS: usize = 300;
    let db = TestDb::unique();
    let (mut child, base, log) = start(&db, 1).await;
    let pid = child.id();
    let client = reqwest::Client::new();
    let started = Instant::now();

    // The flood: half against a real user, half against unknown ones.
    let flood: Vec<_> = (0..ATTEMPTS)
        .map(|i| {
            let (client, url) = (client.clone(), format!("{base}/api/token"));
            let username = if i % 2 == 0 {
                "demo1".to_owned()
            } else {
                format!("nobody{i}")
            };
            tokio::spawn(async move {
                let res = client
                    .post(url)
                    .json(&json!({"username": username, "password": "wrong password"}))
                    .send()
                    .await
                    .unwrap();
                res.status().as_u16()
            })
        })
        .collect();

    // Meanwhile the health check answers promptly.
    let mut slowest = Duration::ZERO;
    let mut checks = 0;
    while !flood.iter().all(|f| f.is_finished()) {
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "the flood takes over 3 minutes"
        );
        let asked = Instant::now();
        let health = client.get(format!("{base}/healthz")).send().await.unwrap();
        assert_eq!(health.status(), StatusCode::OK);
        slowest = slowest.max(asked.elapsed());
        checks += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for f in flood {
        *statuses.entry(f.await.unwrap()).or_default() += 1;
    }
    let peak = peak_rss_mib(pid);
    println!(
        "login flood: {ATTEMPTS} attempts in {:.1} s, statuses {statuses:?}, {checks} health checks, \
         slowest {} ms, peak RSS {peak:.1} MiB",
        started.elapsed().as_secs_f64(),
        slowest.as_millis()
    );
    assert!(
        slowest < Duration::from_secs(2),
        "health check took {slowest:?}"
    );
    assert!(statuses.get(&429).copied().unwrap_or(0) > 0, "{statuses:?}");
    assert!(
        statuses.keys().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
    // Each hashing thread (one per CPU) hashes in 19 MiB it allocates once: the flood's hashes
    // cost no more than the first on each thread (fresh memory per hash took 19 MiB each).
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let bound = 64.0 + 20.0 * threads as f64;
    assert!(peak < bound, "peak RSS {peak:.1} MiB, over {bound} MiB");

    assert!(stop(&mut child).await.success());
    let log = log.join().unwrap();
    assert!(!log.contains("panicked"), "{log}");
}
