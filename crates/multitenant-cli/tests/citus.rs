//! `multitenant citus`, run as a user runs it, against a database of its own.

use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_multitenant"))
}

fn server_url() -> String {
    let admin = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    admin.rsplit_once('/').unwrap().0.to_owned()
}

fn psql(db: &str, sql: &str) {
    let status = Command::new("psql")
        .args([&format!("{}/{db}", server_url()), "-qc", sql])
        .status()
        .unwrap();
    assert!(status.success(), "{sql}");
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn citus(action: &str, url: &str, schema: &str) -> Output {
    bin()
        .args(["citus", action, "--database-url", url, "--schema", schema])
        .output()
        .unwrap()
}

#[test]
fn check_plan_apply_and_check_again() {
    let name = format!("mt_cli_citus_{}", std::process::id());
    psql("postgres", &format!("CREATE DATABASE {name}"));
    let url = format!("{}/{name}", server_url());
    psql(
        &name,
        "CREATE TABLE accounts (id bigint PRIMARY KEY, name text);
         CREATE TABLE projects (account_id bigint NOT NULL REFERENCES accounts (id), id bigserial PRIMARY KEY, name text);
         CREATE TABLE tasks (account_id bigint, id bigserial PRIMARY KEY,
                             project_id bigint REFERENCES projects (id), name text);",
    );
    let dir = std::env::temp_dir().join(&name);
    std::fs::create_dir_all(&dir).unwrap();
    let schema = dir.join("multitenant.toml");
    std::fs::write(
        &schema,
        "[tenant_tables]\naccounts = \"id\"\nprojects = \"account_id\"\ntasks = \"account_id\"\n",
    )
    .unwrap();
    let schema = schema.to_str().unwrap();

    let check = citus("check", &url, schema);
    let plan = citus("plan", &url, schema);
    let apply = citus("apply", &url, schema);
    let again = citus("apply", &url, schema);
    let check_after = citus("check", &url, schema);
    let missing_url = bin()
        .args(["citus", "check"])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    psql("postgres", &format!("DROP DATABASE {name} WITH (FORCE)"));
    std::fs::remove_dir_all(&dir).ok();

    assert_eq!(check.status.code(), Some(1), "{}", stdout(&check));
    assert_eq!(
        stdout(&check),
        "note: the citus extension is not installed: distribution is not checked
public.projects: primary key `projects_pkey` (id) lacks `account_id`; fix: recreate it as PRIMARY KEY (account_id, id)
public.tasks: tenant column `account_id` allows NULL; fix: ALTER COLUMN account_id SET NOT NULL
public.tasks: primary key `tasks_pkey` (id) lacks `account_id`; fix: recreate it as PRIMARY KEY (account_id, id)
public.tasks: foreign key `tasks_project_id_fkey` lacks the tenant column; fix: recreate it as FOREIGN KEY (account_id, project_id) REFERENCES public.projects (account_id, id)
4 finding(s)
"
    );
    assert!(plan.status.success());
    assert_eq!(
        stdout(&plan),
        "-- notice: the citus extension is not installed: the keys are made Citus-ready, create_reference_table and create_distributed_table are skipped
-- foreign key tasks_project_id_fkey is added back below
ALTER TABLE public.tasks DROP CONSTRAINT tasks_project_id_fkey;
-- the tenant column is the distribution column: never NULL
ALTER TABLE public.tasks ALTER COLUMN account_id SET NOT NULL;
-- Citus enforces PRIMARY KEY only with the tenant column
ALTER TABLE public.projects DROP CONSTRAINT projects_pkey, ADD CONSTRAINT projects_pkey PRIMARY KEY (account_id, id);
-- Citus enforces PRIMARY KEY only with the tenant column
ALTER TABLE public.tasks DROP CONSTRAINT tasks_pkey, ADD CONSTRAINT tasks_pkey PRIMARY KEY (account_id, id);
-- foreign key tasks_project_id_fkey within one tenant
ALTER TABLE public.tasks ADD CONSTRAINT tasks_project_id_fkey FOREIGN KEY (account_id, project_id) REFERENCES public.projects (account_id, id);
"
    );
    assert!(
        apply.status.success(),
        "{}",
        String::from_utf8_lossy(&apply.stderr)
    );
    assert!(
        stdout(&apply).ends_with("applied 5 statement(s) in one transaction\n"),
        "{}",
        stdout(&apply)
    );
    assert!(
        stdout(&again).ends_with("nothing to do: the schema is already ready\n"),
        "{}",
        stdout(&again)
    );
    assert_eq!(check_after.status.code(), Some(0));
    assert!(stdout(&check_after).ends_with("ready: nothing blocks distribution\n"));
    assert_eq!(missing_url.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing_url.stderr).contains("--database-url"));
}
