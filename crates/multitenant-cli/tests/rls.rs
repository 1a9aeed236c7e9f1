//! `multitenant rls`, run as a user runs it: the policies shown from a schema file, applied to
//! and removed from a database of its own (the schema introspected), and the errors.

use std::process::{Command, Output};

use multitenant_test_support::{TestDatabase, server_url};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_multitenant"))
}

/// Runs `sql` with psql on the database at `url` and returns its unaligned output.
fn psql(url: &str, sql: &str) -> String {
    let out = Command::new("psql")
        .args([url, "-qAtc", sql])
        .output()
        .unwrap();
    assert!(out.status.success(), "{sql}");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn rls(args: &[&str]) -> Output {
    bin().arg("rls").args(args).output().unwrap()
}

#[test]
fn show_prints_the_policies_of_the_schema_file() {
    let schema = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/multitenant.toml"
    );
    let out = rls(&["show", "--schema", schema, "--setting", "app.account"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let sql = text(&out.stdout);
    assert!(sql.contains(
        "CREATE POLICY multitenant_tenant ON public.tasks USING (account_id = ANY (string_to_array(\
         NULLIF(current_setting('app.account', true), ''), ',')::bigint[]))"
    ));
    assert!(sql.contains("ALTER TABLE public.tasks NO FORCE ROW LEVEL SECURITY;"));
    assert!(!sql.contains("countries"), "reference tables get no policy");

    let forced = rls(&["show", "--schema", schema, "--force"]);
    assert!(text(&forced.stdout).contains("ALTER TABLE public.tasks FORCE ROW LEVEL SECURITY;"));
}

#[test]
fn apply_and_remove_on_an_introspected_schema() {
    // Dropped with `db`, also when the test fails.
    let db = TestDatabase::reserve("mt_cli_rls");
    psql(&server_url(), &format!("CREATE DATABASE {}", db.name));
    let url = db.url.clone();
    psql(
        &url,
        "CREATE TABLE account (id bigint PRIMARY KEY);
         CREATE TABLE tasks (account_id bigint NOT NULL, id bigint, PRIMARY KEY (account_id, id));",
    );
    let policies = "SELECT string_agg(tablename || ':' || policyname, ' ' ORDER BY tablename) FROM pg_policies";
    let forced = "SELECT string_agg(relname || ':' || relforcerowsecurity, ' ' ORDER BY relname)
                   FROM pg_class WHERE relrowsecurity";

    let apply = rls(&["apply", "--database-url", &url, "--force"]);
    let after_apply = (psql(&url, policies), psql(&url, forced));
    let again = rls(&["apply", "--database-url", &url]);
    let after_again = (psql(&url, policies), psql(&url, forced));
    let remove = rls(&["remove", "--database-url", &url]);
    let after_remove = (psql(&url, policies), psql(&url, forced));

    assert!(apply.status.success(), "{}", text(&apply.stderr));
    assert!(text(&apply.stdout).ends_with("applied 8 statement(s) in one transaction\n"));
    assert_eq!(
        after_apply,
        (
            "account:multitenant_tenant tasks:multitenant_tenant".into(),
            "account:true tasks:true".into()
        )
    );
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(
        after_again,
        (after_apply.0.clone(), "account:false tasks:false".into())
    );
    assert!(remove.status.success(), "{}", text(&remove.stderr));
    assert_eq!(after_remove, (String::new(), String::new()));
}

#[test]
fn errors_exit_non_zero_with_one_line() {
    let schema = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/multitenant.toml"
    );
    let no_url = rls(&["apply", "--schema", schema]);
    let unreachable = rls(&[
        "remove",
        "--database-url",
        "postgres://postgres@127.0.0.1:1/none",
    ]);
    let nothing = rls(&["show"]);
    for out in [no_url, unreachable, nothing] {
        assert_eq!(out.status.code(), Some(2));
        assert!(out.stdout.is_empty());
        let err = text(&out.stderr);
        assert!(
            err.starts_with("multitenant: ") && err.lines().count() == 1,
            "{err}"
        );
    }
}
