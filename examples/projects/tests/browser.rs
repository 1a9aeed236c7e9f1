//! The web page in headless Chromium (driven over WebDriver by chromedriver): two users in two
//! accounts create projects through the page, and neither ever sees the other's. A screenshot
//! of the page is kept in `target/artifacts/`.

mod common;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::App;
use fantoccini::{Client, ClientBuilder, Locator};
use reqwest::Method;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver on a free local port, killed on drop.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start() -> Driver {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {CHROMEDRIVER} ({e}); install it: apt-get install chromium chromium-driver")
            });
        Driver { child, port }
    }

    async fn session(&self, profile: &std::path::Path) -> Client {
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--window-size=1200,900",
        ]
        .iter()
        .map(|a| a.to_string())
        .chain([format!("--user-data-dir={}", profile.display())])
        .collect::<Vec<_>>();
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({"binary": CHROMIUM, "args": args}),
        );
        let url = format!("http://127.0.0.1:{}", self.port);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => return c,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("cannot open a Chromium session through chromedriver: {e}"),
            }
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls until `f` holds (the page updates asynchronously); on timeout, fails with the page's
/// message line and keeps a screenshot.
async fn eventually<F, Fut>(c: &Client, what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    while !f().await {
        if Instant::now() > deadline {
            let message = texts(c, "#message").await;
            if let Ok(png) = c.screenshot().await {
                let _ = std::fs::create_dir_all(artifacts());
                let _ = std::fs::write(artifacts().join("projects-failure.png"), png);
            }
            panic!("timed out waiting for: {what} (page message: {message:?})");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn texts(c: &Client, css: &str) -> Vec<String> {
    let mut out = Vec::new();
    for e in c.find_all(Locator::Css(css)).await.unwrap_or_default() {
        if let Ok(t) = e.text().await {
            out.push(t);
        }
    }
    out
}

async fn visible(c: &Client, css: &str) -> bool {
    match c.find(Locator::Css(css)).await {
        Ok(e) => e.is_displayed().await.unwrap_or(false),
        Err(_) => false,
    }
}

async fn fill(c: &Client, css: &str, value: &str) {
    let e = c.wait().for_element(Locator::Css(css)).await.unwrap();
    e.clear().await.unwrap();
    e.send_keys(value).await.unwrap();
}

async fn click(c: &Client, css: &str) {
    c.wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Signs up through the page, creates an account and the projects, and returns once the
/// project list shows exactly them.
async fn sign_up_and_create(c: &Client, base: &str, user: &str, account: &str, projects: &[&str]) {
    c.goto(base).await.unwrap();
    eventually(c, "the sign-up form", || visible(c, "#signup-form")).await;
    fill(c, "#signup-username", user).await;
    fill(c, "#signup-password", common::PASSWORD).await;
    click(c, "#signup-submit").await;
    eventually(c, "the new-account form", || visible(c, "#account-form")).await;
    fill(c, "#account-name", account).await;
    fill(c, "#account-domain", &format!("{user}.example.com")).await;
    fill(c, "#account-subdomain", user).await;
    click(c, "#account-submit").await;
    eventually(c, "the tenant view", || visible(c, "#project-form")).await;
    for (i, name) in projects.iter().enumerate() {
        fill(c, "#project-name", name).await;
        click(c, "#project-submit").await;
        eventually(c, "the new project in the list", || async {
            texts(c, "#project-list .project-name").await.len() == i + 1
        })
        .await;
    }
}

async fn project_names(c: &Client) -> Vec<String> {
    let mut names = texts(c, "#project-list .project-name").await;
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_users_never_see_each_others_projects() {
    if std::env::var("MULTITENANT_BROWSER_TESTS").as_deref() == Ok("0") {
        eprintln!("MULTITENANT_BROWSER_TESTS=0: skipping the browser test");
        return;
    }
    let app = App::start(None).await;
    let driver = Driver::start();
    let profile = std::env::temp_dir().join(format!(
        "projects-chromium-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    let c = driver.session(&profile).await;
    let base = app.url("/");

    // Ada: an account and two projects; a task ticked off; a manager assigned.
    sign_up_and_create(
        &c,
        &base,
        "ada",
        "Analytical Engines",
        &["Difference engine", "Notes on Menabrea", "Scratch"],
    )
    .await;
    // Delete one (the page asks first).
    click(&c, "#project-list li:last-child .danger").await;
    c.accept_alert().await.unwrap();
    eventually(&c, "the project gone", || async {
        project_names(&c).await == ["Difference engine", "Notes on Menabrea"]
    })
    .await;
    click(&c, "#project-list li:first-child .project-name").await;
    eventually(&c, "the project detail", || visible(&c, "#task-form")).await;
    fill(&c, "#task-name", "Translate the memoir").await;
    click(&c, "#task-submit").await;
    eventually(&c, "the new task", || async {
        texts(&c, "#task-list .task-name").await == ["Translate the memoir"]
    })
    .await;
    click(&c, "#task-list .task-done-box").await;
    eventually(&c, "the task ticked off", || async {
        c.find(Locator::Css("#task-list li.task-done"))
            .await
            .is_ok()
    })
    .await;
    fill(&c, "#manager-name", "Charles").await;
    click(&c, "#manager-submit").await;
    eventually(&c, "the manager to assign", || async {
        texts(&c, "#assign-manager option").await == ["Charles"]
    })
    .await;
    click(&c, "#assign-submit").await;
    eventually(&c, "the assigned manager", || async {
        texts(&c, "#assigned-list li .grow").await == ["Charles"]
    })
    .await;
    assert_eq!(
        project_names(&c).await,
        ["Difference engine", "Notes on Menabrea"]
    );

    // Bob, in the same browser after logging out: his own account, his own projects only.
    click(&c, "#logout").await;
    sign_up_and_create(&c, &base, "bob", "Bob's Builders", &["Bridge"]).await;
    assert_eq!(project_names(&c).await, ["Bridge"]);
    assert_eq!(
        texts(&c, "#manager-list .manager-name").await,
        Vec::<String>::new()
    );

    std::fs::create_dir_all(artifacts()).unwrap();
    let png = c.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    let shot = artifacts().join("projects-bob.png");
    std::fs::write(&shot, &png).unwrap();

    // Ada again: still exactly hers, with her ticked task.
    click(&c, "#logout").await;
    eventually(&c, "the log-in form", || visible(&c, "#login-form")).await;
    fill(&c, "#login-username", "ada").await;
    fill(&c, "#login-password", common::PASSWORD).await;
    click(&c, "#login-submit").await;
    eventually(&c, "ada's projects", || async {
        project_names(&c).await == ["Difference engine", "Notes on Menabrea"]
    })
    .await;
    click(&c, "#project-list li:first-child .project-name").await;
    eventually(&c, "ada's task", || async {
        texts(&c, "#task-list .task-name").await == ["Translate the memoir"]
    })
    .await;
    let png = c.screenshot().await.unwrap();
    std::fs::write(artifacts().join("projects-ada.png"), &png).unwrap();
    c.close().await.unwrap();
    drop(driver);
    let _ = std::fs::remove_dir_all(&profile);

    // The same through the API: the rows carry their own account.
    let bob = app.token("bob", common::PASSWORD).await;
    let (_, page) = app
        .send(app.req(Method::GET, "/api/projects", &bob, None))
        .await;
    assert_eq!(page["total"], 1);
    assert_eq!(
        app.count("SELECT count(DISTINCT account_id) FROM projects")
            .await,
        2
    );
    assert_eq!(app.count("SELECT count(*) FROM tasks WHERE done").await, 1);
    eprintln!("screenshot: {}", shot.display());
}

/// `target/artifacts/` of the workspace.
fn artifacts() -> std::path::PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("artifacts")
}
