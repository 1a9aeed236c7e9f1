//! `multitenant scope`, run as a user runs it.

use std::io::Write;
use std::process::{Command, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_multitenant"))
}

/// The output of a run that must succeed.
fn stdout_of(out: std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn example_schema() -> String {
    format!(
        "{}/../../examples/multitenant.toml",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn admin_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

#[test]
fn scope_one_statement() {
    let out = bin()
        .args(["scope", "--schema", &example_schema(), "--sql"])
        .arg("SELECT p.name FROM projects p JOIN tasks t ON t.project_id = p.id WHERE t.id = $1")
        .output()
        .unwrap();
    assert_eq!(
        stdout_of(out),
        "SELECT p.name FROM projects p JOIN tasks t ON t.project_id = p.id AND p.account_id = t.account_id \
         WHERE t.id = $1 AND p.account_id = $2 AND t.account_id = $2\n-- tenant parameter: $2\n"
    );
    let out = bin()
        .args([
            "scope",
            "--schema",
            &example_schema(),
            "--unscoped",
            "--sql",
            "SELECT * FROM tasks",
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "SELECT * FROM tasks\n-- tenant parameter: none\n"
    );
    let out = bin()
        .args([
            "scope",
            "--schema",
            &example_schema(),
            "--sql",
            "TRUNCATE tasks",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("TRUNCATE of tenant table `tasks`"));
    let out = bin()
        .args([
            "scope",
            "--schema",
            "/nonexistent.toml",
            "--sql",
            "SELECT 1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /nonexistent.toml"));
}

#[test]
fn scope_jsonl_keeps_order_and_reports_errors_per_line() {
    let mut child = bin()
        .args(["scope", "--schema", &example_schema(), "--jsonl", "--many"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"{\"sql\": \"DELETE FROM tasks WHERE id = $1\"}\n{\"sql\": \"SELEC 1\"}\nnot json\n\n{\"sql\": \"SELECT * FROM countries\"}\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(
        lines[0],
        serde_json::json!({"sql": "DELETE FROM tasks WHERE id = $1 AND tasks.account_id = ANY($2)", "tenant_param": 2})
    );
    assert!(
        lines[1]["error"]
            .as_str()
            .unwrap()
            .contains("does not parse")
    );
    assert!(
        lines[2]["error"]
            .as_str()
            .unwrap()
            .contains("invalid input line")
    );
    assert_eq!(
        lines[3],
        serde_json::json!({"sql": "SELECT * FROM countries", "tenant_param": null})
    );
}

#[test]
fn scope_with_an_introspected_schema() {
    let name = format!("mt_cli_{}", std::process::id());
    let psql = |db: &str, sql: &str| {
        let url = format!("{}/{db}", admin_url().rsplit_once('/').unwrap().0);
        let status = Command::new("psql")
            .args([&url, "-qc", sql])
            .status()
            .unwrap();
        assert!(status.success(), "{sql}");
    };
    psql("postgres", &format!("CREATE DATABASE {name}"));
    let url = format!("{}/{name}", admin_url().rsplit_once('/').unwrap().0);
    psql(
        &name,
        "CREATE TABLE orgs (id bigint PRIMARY KEY); CREATE TABLE notes (org_id bigint, id bigint, body text)",
    );
    let out = bin()
        .args([
            "scope",
            "--database-url",
            &url,
            "--tenant-column",
            "org_id",
            "--root-table",
            "orgs",
            "--sql",
        ])
        .arg("SELECT body FROM notes n JOIN orgs o ON o.id = n.org_id")
        .output()
        .unwrap();
    psql("postgres", &format!("DROP DATABASE {name} WITH (FORCE)"));
    assert_eq!(
        stdout_of(out),
        "SELECT body FROM notes n JOIN orgs o ON o.id = n.org_id AND n.org_id = o.id WHERE n.org_id = $1 AND o.id = $1\n\
         -- tenant parameter: $1\n"
    );
}
