//! `multitenant tenant`, run as a user runs it, against a database of its own holding the sample
//! domain (three tenants).

use std::path::PathBuf;
use std::process::{Command, Output};

use multitenant_test_support::{
    SAMPLE_DOMAIN, drop_database, files_in, server_url, unique_name, with_database,
};

/// The sample schema file the README uses.
const SCHEMA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/multitenant.toml"
);

/// A database of its own with the sample domain, dropped on drop.
struct Db {
    name: String,
    url: String,
}

impl Db {
    fn new() -> Db {
        let name = unique_name("mt_cli_tenant");
        let db = Db {
            url: with_database(&server_url(), &name),
            name,
        };
        psql(&server_url(), &format!("CREATE DATABASE {}", db.name));
        psql(&db.url, SAMPLE_DOMAIN);
        db
    }

    /// `multitenant tenant <args> --database-url <this database> --schema <the sample schema>`.
    fn tenant(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_multitenant"))
            .arg("tenant")
            .args(args)
            .args(["--database-url", &self.url, "--schema", SCHEMA])
            .output()
            .unwrap()
    }

    /// The result of one query, as `psql -At` prints it.
    fn query(&self, sql: &str) -> String {
        let out = Command::new("psql")
            .args([&self.url, "-Atc", sql])
            .output()
            .unwrap();
        assert!(out.status.success(), "{sql}");
        stdout(&out)
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        drop_database(&[server_url()], &self.name);
    }
}

fn psql(url: &str, sql: &str) {
    let status = Command::new("psql")
        .args([url, "-qc", sql])
        .status()
        .unwrap();
    assert!(status.success(), "{sql}");
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Exit code 2 and one line on stderr containing `message`.
fn fails(out: &Output, message: &str) {
    assert_eq!(out.status.code(), Some(2), "{}", stdout(out));
    let err = stderr(out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("multitenant: ") && err.contains(message),
        "{err}"
    );
}

fn out_dir() -> PathBuf {
    std::env::temp_dir().join(unique_name("mt_cli_export"))
}

const EVERYTHING: &str = "SELECT string_agg(r, E'\\n' ORDER BY r) FROM (
    SELECT to_jsonb(t)::text r FROM accounts t UNION ALL SELECT to_jsonb(t)::text FROM managers t
    UNION ALL SELECT to_jsonb(t)::text FROM projects t UNION ALL SELECT to_jsonb(t)::text FROM project_managers t
    UNION ALL SELECT to_jsonb(t)::text FROM tasks t) x";

#[test]
fn stats_as_a_table_and_as_json() {
    let db = Db::new();
    psql(
        &db.url,
        "INSERT INTO tasks SELECT 3, t, 1, 'more', false FROM generate_series(10, 12) t",
    );
    let table = db.tenant(&["stats"]);
    assert!(table.status.success(), "{}", stderr(&table));
    let text = stdout(&table);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("tenant  rows  bytes  shard  node  queries  cpu_s"),
        "{text}"
    );
    assert!(lines[1].starts_with("3       18 "), "{text}");
    assert!(lines[2].starts_with("1       15 "), "{text}");
    assert!(lines[3].starts_with("2       15 "), "{text}");
    assert_eq!(
        lines[4],
        "note: plain PostgreSQL: no shards, no query counts"
    );

    let json = db.tenant(&["stats", "--top", "2", "--json"]);
    assert!(json.status.success(), "{}", stderr(&json));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let tenants = report["tenants"].as_array().unwrap();
    assert_eq!(tenants.len(), 2);
    assert_eq!(tenants[0]["tenant"], "3");
    assert_eq!(tenants[0]["rows"], 18);
    let tasks = &tenants[0]["tables"][4];
    assert_eq!(tasks["table"], "public.tasks");
    assert_eq!(
        tasks["rows"].as_i64().unwrap().to_string(),
        db.query("SELECT count(*) FROM tasks WHERE account_id = 3")
            .trim()
    );

    // The database from DATABASE_URL and the schema introspected, as `scope` does it.
    let env = Command::new(env!("CARGO_BIN_EXE_multitenant"))
        .args([
            "tenant",
            "stats",
            "--tenant",
            "1",
            "--root-table",
            "accounts",
        ])
        .env("DATABASE_URL", &db.url)
        .output()
        .unwrap();
    assert!(env.status.success(), "{}", stderr(&env));
    assert_eq!(
        stdout(&env)
            .lines()
            .nth(1)
            .unwrap()
            .split_whitespace()
            .nth(1),
        Some("15")
    );
}

#[test]
fn export_delete_import_and_export_again() {
    let db = Db::new();
    let before = db.query(EVERYTHING);
    let (first, second) = (out_dir(), out_dir());
    let first_arg = first.to_str().unwrap();

    let export = db.tenant(&["export", "2", "--out", first_arg]);
    assert!(export.status.success(), "{}", stderr(&export));
    assert_eq!(
        stdout(&export),
        format!(
            "exported tenant 2 to {first_arg}\n  public.accounts: 1 row(s)\n  public.managers: 2 row(s)\n  \
             public.projects: 3 row(s)\n  public.project_managers: 3 row(s)\n  public.tasks: 6 row(s)\n"
        )
    );

    fails(
        &db.tenant(&["delete", "2"]),
        "needs --dry-run (count only) or --yes",
    );
    let dry = db.tenant(&["delete", "2", "--dry-run"]);
    assert!(dry.status.success());
    assert!(stdout(&dry).starts_with(
        "would delete tenant 2 (dry run, nothing changed)\n  public.tasks: 6 row(s)\n"
    ));
    assert_eq!(db.query(EVERYTHING), before);

    let delete = db.tenant(&["delete", "2", "--yes"]);
    assert!(delete.status.success(), "{}", stderr(&delete));
    assert!(
        stdout(&delete).ends_with("  public.accounts: 1 row(s)\n"),
        "{}",
        stdout(&delete)
    );
    assert_eq!(
        db.query("SELECT (SELECT count(*) FROM tasks WHERE account_id = 2) + (SELECT count(*) FROM accounts WHERE id = 2)"),
        "0\n"
    );

    let import = db.tenant(&["import", "--from", first_arg]);
    assert!(import.status.success(), "{}", stderr(&import));
    assert!(stdout(&import).starts_with("imported tenant 2\n  public.accounts: 1 row(s)\n"));
    assert_eq!(db.query(EVERYTHING), before);
    let again = db.tenant(&["export", "2", "--out", second.to_str().unwrap()]);
    assert!(again.status.success());
    assert_eq!(files_in(&first), files_in(&second));

    fails(
        &db.tenant(&["import", "--from", first_arg]),
        "public.accounts: the row (id)=(2) already exists, nothing was imported",
    );
    assert_eq!(db.query(EVERYTHING), before);
    std::fs::remove_dir_all(&first).ok();
    std::fs::remove_dir_all(&second).ok();
}

#[test]
fn bad_keys_and_citus_only_commands_fail_with_one_line() {
    let db = Db::new();
    let before = db.query(EVERYTHING);
    fails(
        &db.tenant(&["delete", "acme", "--yes"]),
        "malformed tenant key `acme`: expected a bigint key",
    );
    fails(
        &db.tenant(&["delete", "99", "--yes"]),
        "no tenant `99`: public.accounts has no row with that key",
    );
    fails(
        &db.tenant(&["export", "99", "--out", out_dir().to_str().unwrap()]),
        "no tenant `99`",
    );
    fails(
        &db.tenant(&["stats", "--tenant", "x"]),
        "malformed tenant key `x`",
    );
    fails(&db.tenant(&["isolate", "1"]), "isolate needs Citus");
    fails(&db.tenant(&["rebalance"]), "rebalance needs Citus");
    fails(
        &db.tenant(&["stats", "--track"]),
        "tenant tracking needs Citus",
    );
    fails(
        &db.tenant(&["import", "--from", "/nonexistent/export"]),
        "/nonexistent/export/manifest.json",
    );
    assert_eq!(db.query(EVERYTHING), before);
}
