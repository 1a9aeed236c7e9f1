//! `check` and `plan` as the pure functions they are: each test decides on a catalog recorded
//! from PostgreSQL and stored as JSON in `tests/fixtures/`, and writes out the findings and the
//! plan's SQL it expects. No database is needed.
//!
//! Every fixture is the sample domain (accounts, countries, managers, projects,
//! project_managers, tasks) as [`FIXTURES`] creates it: `legacy` as an application writes it
//! before thinking of Citus, `ready` with every key Citus-ready, and one variant of `ready` per
//! rule. The Citus cases add to a recorded catalog the metadata a coordinator reports
//! ([`on_citus`]). After changing [`FIXTURES`] or the catalog query, record the fixtures again
//! from the PostgreSQL at `DATABASE_URL` (each in a database of its own, dropped afterwards); this
//! rewrites `tests/fixtures/*.json` and prints each catalog:
//!
//! ```text
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!     cargo test -p multitenant-citus --test decisions -- --ignored --nocapture record_fixtures
//! ```

mod common;

use std::path::PathBuf;

use common::{LEGACY_DDL, LEGACY_FINDINGS, TestDb, schema};
use multitenant::Schema;
use multitenant_citus::{Catalog, Error, check, plan, undistribute_plan};
use serde_json::json;

/// The sample domain with every key ready for Citus: composite primary keys, unique keys and
/// foreign keys led by `account_id`, `bigserial` keys (Citus cannot undistribute a table with an
/// identity column), `NOT NULL` tenant columns.
const READY_DDL: &str = "
CREATE TABLE countries (id bigserial PRIMARY KEY, name text NOT NULL);
CREATE TABLE accounts (
    id bigserial PRIMARY KEY, name text NOT NULL,
    domain text NOT NULL, subdomain text NOT NULL, country_id bigint REFERENCES countries (id));
CREATE TABLE managers (
    account_id bigint NOT NULL REFERENCES accounts (id), id bigserial, name text NOT NULL,
    CONSTRAINT managers_pkey PRIMARY KEY (account_id, id));
CREATE TABLE projects (
    account_id bigint NOT NULL REFERENCES accounts (id), id bigserial, name text NOT NULL,
    CONSTRAINT projects_pkey PRIMARY KEY (account_id, id),
    CONSTRAINT projects_name_key UNIQUE (account_id, name));
CREATE TABLE project_managers (
    account_id bigint NOT NULL REFERENCES accounts (id), id bigserial,
    project_id bigint NOT NULL, manager_id bigint NOT NULL,
    CONSTRAINT project_managers_pkey PRIMARY KEY (account_id, id),
    CONSTRAINT project_managers_project_id_fkey FOREIGN KEY (account_id, project_id)
        REFERENCES projects (account_id, id) ON DELETE CASCADE,
    CONSTRAINT project_managers_manager_id_fkey FOREIGN KEY (account_id, manager_id)
        REFERENCES managers (account_id, id));
CREATE TABLE tasks (
    account_id bigint NOT NULL REFERENCES accounts (id), id bigserial, project_id bigint,
    name text NOT NULL, done boolean NOT NULL DEFAULT false,
    CONSTRAINT tasks_pkey PRIMARY KEY (account_id, id),
    CONSTRAINT tasks_project_id_fkey FOREIGN KEY (account_id, project_id)
        REFERENCES projects (account_id, id));
CREATE UNIQUE INDEX tasks_name_idx ON tasks (account_id, name);
";

/// Each fixture's name (`tests/fixtures/<name>.json`) and the DDL, run in order on an empty
/// database, whose catalog it records.
const FIXTURES: &[(&str, &[&str])] = &[
    ("legacy", &[LEGACY_DDL]),
    ("ready", &[READY_DDL]),
    (
        "primary_key_without_tenant",
        &[
            READY_DDL,
            "ALTER TABLE tasks DROP CONSTRAINT tasks_pkey, ADD CONSTRAINT tasks_pkey PRIMARY KEY (id)",
        ],
    ),
    (
        "unique_constraint_without_tenant",
        &[
            READY_DDL,
            "ALTER TABLE projects DROP CONSTRAINT projects_name_key,
                 ADD CONSTRAINT projects_name_key UNIQUE (name)",
        ],
    ),
    (
        "unique_index_without_tenant",
        &[
            READY_DDL,
            "DROP INDEX tasks_name_idx; CREATE UNIQUE INDEX tasks_name_idx ON tasks (name)",
        ],
    ),
    (
        "unique_expression_index_without_tenant",
        &[
            READY_DDL,
            "CREATE UNIQUE INDEX tasks_lower_name_idx ON tasks (lower(name))",
        ],
    ),
    (
        "foreign_key_without_tenant",
        &[
            READY_DDL,
            "ALTER TABLE project_managers DROP CONSTRAINT project_managers_manager_id_fkey;
             ALTER TABLE managers DROP CONSTRAINT managers_pkey,
                 ADD CONSTRAINT managers_pkey PRIMARY KEY (id);
             ALTER TABLE project_managers ADD CONSTRAINT project_managers_manager_id_fkey
                 FOREIGN KEY (manager_id) REFERENCES managers (id)",
        ],
    ),
    (
        "foreign_key_tenant_misplaced",
        &[
            READY_DDL,
            "ALTER TABLE tasks DROP CONSTRAINT tasks_project_id_fkey,
                 ADD CONSTRAINT tasks_project_id_fkey FOREIGN KEY (project_id, account_id)
                     REFERENCES projects (account_id, id)",
        ],
    ),
    (
        "foreign_key_not_by_tenant",
        &[
            READY_DDL,
            "ALTER TABLE tasks ADD COLUMN owner_id bigint REFERENCES accounts (id)",
        ],
    ),
    (
        "reference_table_references_tenant",
        &[
            READY_DDL,
            "ALTER TABLE countries ADD COLUMN showcase_account_id bigint REFERENCES accounts (id)",
        ],
    ),
    (
        "integer_serial",
        &[
            READY_DDL,
            "ALTER TABLE managers ALTER COLUMN id TYPE integer;
             ALTER SEQUENCE managers_id_seq AS integer",
        ],
    ),
    (
        "integer_identity",
        &[
            READY_DDL,
            "ALTER TABLE tasks ALTER COLUMN id DROP DEFAULT;
             DROP SEQUENCE tasks_id_seq;
             ALTER TABLE tasks ALTER COLUMN id TYPE integer,
                 ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY",
        ],
    ),
    (
        "nullable_tenant_column",
        &[
            READY_DDL,
            "ALTER TABLE project_managers DROP CONSTRAINT project_managers_pkey,
                 ALTER COLUMN account_id DROP NOT NULL",
        ],
    ),
    (
        "undeclared_table_references_tenant",
        &[
            READY_DDL,
            "CREATE TABLE audit_log (
                 id bigserial PRIMARY KEY, account_id bigint NOT NULL, task_id bigint NOT NULL,
                 FOREIGN KEY (account_id, task_id) REFERENCES tasks (account_id, id))",
        ],
    ),
    (
        "on_delete_set_null",
        &[
            READY_DDL,
            "ALTER TABLE tasks DROP CONSTRAINT tasks_project_id_fkey,
                 ADD CONSTRAINT tasks_project_id_fkey FOREIGN KEY (account_id, project_id)
                     REFERENCES projects (account_id, id) ON DELETE SET NULL (project_id)",
        ],
    ),
];

fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/{name}.json"))
}

/// The catalog recorded as `tests/fixtures/<name>.json`.
fn recorded(name: &str) -> Catalog {
    let path = fixture_path(name);
    let json = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (see this file's header)", path.display()));
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The recorded catalog `name` as a Citus 13.2 coordinator reports it, with `distribution` as
/// its `pg_dist_partition` (`[table, method, replication model, colocation group, column]`).
fn on_citus(name: &str, distribution: &[(&str, &str, &str, i64, Option<&str>)]) -> Catalog {
    let mut catalog = serde_json::to_value(recorded(name)).unwrap();
    catalog["citus"] = json!("13.2-1");
    catalog["distribution"] = distribution
        .iter()
        .map(|(table, method, replication, colocation, column)| {
            json!({
                "schema": "public", "name": table, "method": method, "replication": replication,
                "colocation": colocation, "column": column,
            })
        })
        .collect();
    serde_json::from_value(catalog).unwrap()
}

/// The sample domain distributed as `apply` leaves it on Citus (see `tests/citus.rs`): `countries`
/// a reference table, the tenant tables hash-distributed in the root's colocation group (the group
/// numbers only need to agree with each other).
const DISTRIBUTED: &[(&str, &str, &str, i64, Option<&str>)] = &[
    ("countries", "n", "t", 1, None),
    ("accounts", "h", "s", 2, Some("id")),
    ("managers", "h", "s", 2, Some("account_id")),
    ("projects", "h", "s", 2, Some("account_id")),
    ("project_managers", "h", "s", 2, Some("account_id")),
    ("tasks", "h", "s", 2, Some("account_id")),
];

fn findings(schema: &Schema, catalog: &Catalog) -> Vec<String> {
    check(schema, catalog)
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// The plan as the SQL script `multitenant citus plan` prints.
fn script(schema: &Schema, catalog: &Catalog) -> String {
    plan(schema, catalog)
        .unwrap_or_else(|e| panic!("{e}"))
        .to_string()
}

/// The refusal of a plan that needs the authors' decision.
fn refusal(schema: &Schema, catalog: &Catalog) -> String {
    match plan(schema, catalog) {
        Err(e @ Error::NeedsDecision { .. }) => e.to_string(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

const NO_CITUS: &str = "-- notice: the citus extension is not installed: the keys are made \
                        Citus-ready, create_reference_table and create_distributed_table are skipped\n";

/// Records every fixture of [`FIXTURES`] from the PostgreSQL at `DATABASE_URL`, writes it to
/// `tests/fixtures/` and prints it.
#[tokio::test]
#[ignore = "records the fixtures; needs PostgreSQL (see this file's header)"]
async fn record_fixtures() {
    for (name, ddl) in FIXTURES {
        let db = TestDb::new().await;
        for statement in *ddl {
            db.run(statement).await;
        }
        let catalog = Catalog::read(&mut db.pool.acquire().await.unwrap())
            .await
            .unwrap();
        let json = serde_json::to_string_pretty(&catalog).unwrap() + "\n";
        let path = fixture_path(name);
        std::fs::write(&path, &json).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        println!("{}:\n{json}", path.display());
    }
}

#[test]
fn every_fixture_is_stored_as_the_recorder_writes_it() {
    for (name, _) in FIXTURES {
        let stored = std::fs::read_to_string(fixture_path(name)).unwrap();
        let written = serde_json::to_string_pretty(&recorded(name)).unwrap() + "\n";
        assert!(written == stored, "{name}: the catalog does not round-trip");
    }
}

#[test]
fn the_legacy_sample_domain_reports_every_finding_and_plans_every_fix() {
    let catalog = recorded("legacy");
    assert_eq!(findings(&schema(), &catalog), LEGACY_FINDINGS);
    // Foreign keys go first and come back last, on the recreated keys; ON DELETE SET NULL resets
    // the project only, never the tenant.
    assert_eq!(
        script(&schema(), &catalog),
        format!(
            "{NO_CITUS}\
-- foreign key project_managers_manager_id_fkey is added back below
ALTER TABLE public.project_managers DROP CONSTRAINT project_managers_manager_id_fkey;
-- foreign key project_managers_project_id_fkey is added back below
ALTER TABLE public.project_managers DROP CONSTRAINT project_managers_project_id_fkey;
-- foreign key tasks_project_id_fkey is added back below
ALTER TABLE public.tasks DROP CONSTRAINT tasks_project_id_fkey;
-- Citus needs bigint sequences
ALTER TABLE public.managers ALTER COLUMN id TYPE bigint;
-- the sequence of public.managers.id follows its column
ALTER SEQUENCE public.managers_id_seq AS bigint;
-- colocated tables need one tenant key type: bigint
ALTER TABLE public.project_managers ALTER COLUMN account_id TYPE bigint;
-- Citus needs bigint sequences
ALTER TABLE public.countries ALTER COLUMN id TYPE bigint;
-- the sequence of public.countries.id follows its column
ALTER SEQUENCE public.countries_id_seq AS bigint;
-- the tenant column is the distribution column: never NULL
ALTER TABLE public.managers ALTER COLUMN account_id SET NOT NULL;
-- Citus enforces PRIMARY KEY only with the tenant column
ALTER TABLE public.managers DROP CONSTRAINT managers_pkey, ADD CONSTRAINT managers_pkey PRIMARY KEY (account_id, id);
-- Citus enforces PRIMARY KEY only with the tenant column
ALTER TABLE public.project_managers DROP CONSTRAINT project_managers_pkey, ADD CONSTRAINT project_managers_pkey PRIMARY KEY (account_id, id);
-- Citus enforces UNIQUE only with the tenant column
ALTER TABLE public.projects DROP CONSTRAINT projects_name_key, ADD CONSTRAINT projects_name_key UNIQUE (account_id, name);
-- Citus enforces PRIMARY KEY only with the tenant column
ALTER TABLE public.projects DROP CONSTRAINT projects_pkey, ADD CONSTRAINT projects_pkey PRIMARY KEY (account_id, id);
-- Citus enforces PRIMARY KEY only with the tenant column
ALTER TABLE public.tasks DROP CONSTRAINT tasks_pkey, ADD CONSTRAINT tasks_pkey PRIMARY KEY (account_id, id);
-- unique index tasks_name_idx is rebuilt with the tenant column
DROP INDEX public.tasks_name_idx;
-- Citus enforces uniqueness only with the tenant column
CREATE UNIQUE INDEX tasks_name_idx ON public.tasks (account_id, name);
-- foreign key project_managers_manager_id_fkey within one tenant
ALTER TABLE public.project_managers ADD CONSTRAINT project_managers_manager_id_fkey FOREIGN KEY (account_id, manager_id) REFERENCES public.managers (account_id, id);
-- foreign key project_managers_project_id_fkey within one tenant
ALTER TABLE public.project_managers ADD CONSTRAINT project_managers_project_id_fkey FOREIGN KEY (account_id, project_id) REFERENCES public.projects (account_id, id) ON DELETE CASCADE;
-- foreign key tasks_project_id_fkey within one tenant
ALTER TABLE public.tasks ADD CONSTRAINT tasks_project_id_fkey FOREIGN KEY (account_id, project_id) REFERENCES public.projects (account_id, id) ON DELETE SET NULL (project_id);
"
        )
    );
}

#[test]
fn a_ready_schema_on_plain_postgresql_has_nothing_to_do() {
    let catalog = recorded("ready");
    assert_eq!(findings(&schema(), &catalog), Vec::<String>::new());
    assert_eq!(
        script(&schema(), &catalog),
        format!("{NO_CITUS}-- nothing to do\n")
    );
}

#[test]
fn a_primary_key_without_the_tenant_column_is_recreated_with_it() {
    let catalog = recorded("primary_key_without_tenant");
    assert_eq!(
        findings(&schema(), &catalog),
        [
            "public.tasks: primary key `tasks_pkey` (id) lacks `account_id`; fix: recreate it as PRIMARY KEY (account_id, id)"
        ]
    );
    assert_eq!(
        script(&schema(), &catalog),
        format!(
            "{NO_CITUS}\
-- Citus enforces PRIMARY KEY only with the tenant column
ALTER TABLE public.tasks DROP CONSTRAINT tasks_pkey, ADD CONSTRAINT tasks_pkey PRIMARY KEY (account_id, id);
"
        )
    );
}

#[test]
fn a_unique_constraint_without_the_tenant_column_is_recreated_with_it() {
    let catalog = recorded("unique_constraint_without_tenant");
    assert_eq!(
        findings(&schema(), &catalog),
        [
            "public.projects: unique constraint `projects_name_key` (name) lacks `account_id`; fix: recreate it as UNIQUE (account_id, name)"
        ]
    );
    assert_eq!(
        script(&schema(), &catalog),
        format!(
            "{NO_CITUS}\
-- Citus enforces UNIQUE only with the tenant column
ALTER TABLE public.projects DROP CONSTRAINT projects_name_key, ADD CONSTRAINT projects_name_key UNIQUE (account_id, name);
"
        )
    );
}

#[test]
fn a_unique_index_without_the_tenant_column_is_rebuilt_with_it() {
    let catalog = recorded("unique_index_without_tenant");
    assert_eq!(
        findings(&schema(), &catalog),
        [
            "public.tasks: unique index `tasks_name_idx` lacks `account_id`; fix: recreate it on (account_id, name)"
        ]
    );
    assert_eq!(
        script(&schema(), &catalog),
        format!(
            "{NO_CITUS}\
-- unique index tasks_name_idx is rebuilt with the tenant column
DROP INDEX public.tasks_name_idx;
-- Citus enforces uniqueness only with the tenant column
CREATE UNIQUE INDEX tasks_name_idx ON public.tasks (account_id, name);
"
        )
    );
}

#[test]
fn a_unique_expression_index_without_the_tenant_column_needs_a_decision() {
    let catalog = recorded("unique_expression_index_without_tenant");
    assert_eq!(
        refusal(&schema(), &catalog),
        "1 finding(s) need a decision before the schema can be distributed:
  public.tasks: unique index `tasks_lower_name_idx` lacks `account_id`; fix by hand: recreate the expression or partial index with `account_id` as its first column"
    );
}

#[test]
fn a_foreign_key_without_the_tenant_column_is_dropped_and_added_back_with_it() {
    let catalog = recorded("foreign_key_without_tenant");
    assert_eq!(
        findings(&schema(), &catalog),
        [
            "public.managers: primary key `managers_pkey` (id) lacks `account_id`; fix: recreate it as PRIMARY KEY (account_id, id)",
            "public.project_managers: foreign key `project_managers_manager_id_fkey` lacks the tenant column; fix: recreate it as FOREIGN KEY (account_id, manager_id) REFERENCES public.managers (account_id, id)",
        ]
    );
    // The foreign key is dropped before the key it references changes, and comes back on it.
    assert_eq!(
        script(&schema(), &catalog),
        format!(
            "{NO_CITUS}\
-- foreign key project_managers_manager_id_fkey is added back below
ALTER TABLE public.project_managers DROP CONSTRAINT project_managers_manager_id_fkey;
-- Citus enforces PRIMARY KEY only with the tenant column
ALTER TABLE public.managers DROP CONSTRAINT managers_pkey, ADD CONSTRAINT managers_pkey PRIMARY KEY (account_id, id);
-- foreign key project_managers_manager_id_fkey within one tenant
ALTER TABLE public.project_managers ADD CONSTRAINT project_managers_manager_id_fkey FOREIGN KEY (account_id, manager_id) REFERENCES public.managers (account_id, id);
"
        )
    );
}

#[test]
fn a_foreign_key_pairing_the_tenant_column_with_another_column_is_paired_again() {
    let catalog = recorded("foreign_key_tenant_misplaced");
    assert_eq!(
        findings(&schema(), &catalog),
        [
            "public.tasks: foreign key `tasks_project_id_fkey` does not pair the tenant columns with each other; fix: recreate it as FOREIGN KEY (account_id, project_id) REFERENCES public.projects (account_id, id)"
        ]
    );
    assert_eq!(
        script(&schema(), &catalog),
        format!(
            "{NO_CITUS}\
-- foreign key tasks_project_id_fkey is added back below
ALTER TABLE public.tasks DROP CONSTRAINT tasks_project_id_fkey;
-- foreign key tasks_project_id_fkey within one tenant
ALTER TABLE public.tasks ADD CONSTRAINT tasks_project_id_fkey FOREIGN KEY (account_id, project_id) REFERENCES public.projects (account_id, id);
"
        )
    );
}

#[test]
fn a_foreign_key_to_a_tenant_table_by_another_column_needs_a_decision() {
    let catalog = recorded("foreign_key_not_by_tenant");
    assert_eq!(
        refusal(&schema(), &catalog),
        "1 finding(s) need a decision before the schema can be distributed:
  public.tasks: foreign key `tasks_owner_id_fkey` references tenant table `public.accounts` by a column that is not the tenant column; fix by hand: a row can only reference rows of its own tenant in `public.accounts`: reference it through the tenant column, or drop the foreign key"
    );
}

#[test]
fn a_reference_table_loses_its_foreign_key_to_a_tenant_table() {
    let catalog = recorded("reference_table_references_tenant");
    assert_eq!(
        findings(&schema(), &catalog),
        [
            "public.countries: reference table has foreign key `countries_showcase_account_id_fkey` to tenant table `public.accounts`; fix: drop the foreign key: a reference table cannot reference a distributed table"
        ]
    );
    assert_eq!(
        script(&schema(), &catalog),
        format!(
            "{NO_CITUS}\
-- reference table public.countries cannot keep foreign key countries_showcase_account_id_fkey to a tenant table
ALTER TABLE public.countries DROP CONSTRAINT countries_showcase_account_id_fkey;
"
        )
    );
}

#[test]
fn an_integer_serial_column_and_its_sequence_become_bigint() {
    let catalog = recorded("integer_serial");
    assert_eq!(
        findings(&schema(), &catalog),
        ["public.managers: `id` is a integer sequence column; fix: ALTER COLUMN id TYPE bigint"]
    );
    assert_eq!(
        script(&schema(), &catalog),
        format!(
            "{NO_CITUS}\
-- Citus needs bigint sequences
ALTER TABLE public.managers ALTER COLUMN id TYPE bigint;
-- the sequence of public.managers.id follows its column
ALTER SEQUENCE public.managers_id_seq AS bigint;
"
        )
    );
}

#[test]
fn an_integer_identity_column_becomes_bigint_and_its_sequence_follows_by_itself() {
    let catalog = recorded("integer_identity");
    assert_eq!(
        findings(&schema(), &catalog),
        ["public.tasks: `id` is a integer sequence column; fix: ALTER COLUMN id TYPE bigint"]
    );
    assert_eq!(
        script(&schema(), &catalog),
        format!(
            "{NO_CITUS}\
-- Citus needs bigint sequences
ALTER TABLE public.tasks ALTER COLUMN id TYPE bigint;
"
        )
    );
}

#[test]
fn a_nullable_tenant_column_becomes_not_null() {
    let catalog = recorded("nullable_tenant_column");
    assert_eq!(
        findings(&schema(), &catalog),
        [
            "public.project_managers: tenant column `account_id` allows NULL; fix: ALTER COLUMN account_id SET NOT NULL"
        ]
    );
    assert_eq!(
        script(&schema(), &catalog),
        format!(
            "{NO_CITUS}\
-- the tenant column is the distribution column: never NULL
ALTER TABLE public.project_managers ALTER COLUMN account_id SET NOT NULL;
"
        )
    );
}

#[test]
fn a_table_outside_the_schema_referencing_a_tenant_table_needs_a_decision() {
    let catalog = recorded("undeclared_table_references_tenant");
    assert_eq!(
        refusal(&schema(), &catalog),
        "1 finding(s) need a decision before the schema can be distributed:
  public.audit_log: table not in the schema has foreign key `audit_log_account_id_task_id_fkey` to tenant table `public.tasks`; fix by hand: declare this table in the schema (a tenant table with the tenant column, or a reference table without this foreign key)"
    );
    // Declared a tenant table, it is planned like the others.
    let declared = Schema::from_toml_str(&common::SCHEMA_TOML.replace(
        "[reference_tables]",
        "audit_log = \"account_id\"\n[reference_tables]",
    ))
    .unwrap();
    assert_eq!(
        script(&declared, &catalog),
        format!(
            "{NO_CITUS}\
-- Citus enforces PRIMARY KEY only with the tenant column
ALTER TABLE public.audit_log DROP CONSTRAINT audit_log_pkey, ADD CONSTRAINT audit_log_pkey PRIMARY KEY (account_id, id);
"
        )
    );
}

#[test]
fn on_delete_set_null_keeps_the_tenant_on_postgresql_and_needs_a_decision_on_citus() {
    // `SET NULL (project_id)` resets the project only: PostgreSQL is fine with it.
    let catalog = recorded("on_delete_set_null");
    assert_eq!(findings(&schema(), &catalog), Vec::<String>::new());
    assert_eq!(
        script(&schema(), &catalog),
        format!("{NO_CITUS}-- nothing to do\n")
    );
    // Citus refuses to reset any column of a foreign key that includes the distribution column.
    assert_eq!(
        refusal(&schema(), &on_citus("on_delete_set_null", &[])),
        "1 finding(s) need a decision before the schema can be distributed:
  public.tasks: foreign key `tasks_project_id_fkey` sets columns on delete, which Citus refuses with the tenant column; fix by hand: change ON DELETE to NO ACTION, RESTRICT or CASCADE (Citus does not reset columns of a foreign key that includes the distribution column)"
    );
}

#[test]
fn on_citus_reference_tables_come_first_and_tenant_tables_colocate_with_the_root() {
    let catalog = on_citus("ready", &[]);
    assert_eq!(
        findings(&schema(), &catalog),
        [
            "public.countries: not a Citus reference table yet; fix: create_reference_table",
            "public.accounts: not distributed yet; fix: create_distributed_table, colocated with the tenant root",
            "public.managers: not distributed yet; fix: create_distributed_table, colocated with the tenant root",
            "public.project_managers: not distributed yet; fix: create_distributed_table, colocated with the tenant root",
            "public.projects: not distributed yet; fix: create_distributed_table, colocated with the tenant root",
            "public.tasks: not distributed yet; fix: create_distributed_table, colocated with the tenant root",
        ]
    );
    // The foreign key to the future reference table would make `accounts` a Citus local table:
    // it waits until every table is distributed.
    assert_eq!(
        script(&schema(), &catalog),
        "\
-- Citus: distribute tables with foreign keys to reference tables in one transaction
SET LOCAL citus.multi_shard_modify_mode TO 'sequential';
-- foreign key accounts_country_id_fkey is added back below
ALTER TABLE public.accounts DROP CONSTRAINT accounts_country_id_fkey;
-- public.countries is shared by all tenants: a copy on every node
SELECT create_reference_table('public.countries');
-- public.accounts is sharded by id
SELECT create_distributed_table('public.accounts', 'id', colocate_with => 'none');
-- public.managers is sharded by account_id
SELECT create_distributed_table('public.managers', 'account_id', colocate_with => 'public.accounts');
-- public.projects is sharded by account_id
SELECT create_distributed_table('public.projects', 'account_id', colocate_with => 'public.accounts');
-- public.project_managers is sharded by account_id
SELECT create_distributed_table('public.project_managers', 'account_id', colocate_with => 'public.accounts');
-- public.tasks is sharded by account_id
SELECT create_distributed_table('public.tasks', 'account_id', colocate_with => 'public.accounts');
-- foreign key accounts_country_id_fkey as it was
ALTER TABLE public.accounts ADD CONSTRAINT accounts_country_id_fkey FOREIGN KEY (country_id) REFERENCES public.countries (id);
"
    );
}

#[test]
fn an_already_distributed_schema_has_nothing_to_do() {
    let catalog = on_citus("ready", DISTRIBUTED);
    assert_eq!(findings(&schema(), &catalog), Vec::<String>::new());
    assert_eq!(script(&schema(), &catalog), "-- nothing to do\n");
    // Undistributing goes children first, the reference tables last.
    assert_eq!(
        undistribute_plan(&schema(), &catalog).unwrap().to_string(),
        "\
-- public.tasks back to a plain table (with the tables its foreign keys connect)
SELECT undistribute_table(logicalrelid, cascade_via_foreign_keys => true) FROM pg_dist_partition WHERE logicalrelid = 'public.tasks'::regclass;
-- public.project_managers back to a plain table (with the tables its foreign keys connect)
SELECT undistribute_table(logicalrelid, cascade_via_foreign_keys => true) FROM pg_dist_partition WHERE logicalrelid = 'public.project_managers'::regclass;
-- public.projects back to a plain table (with the tables its foreign keys connect)
SELECT undistribute_table(logicalrelid, cascade_via_foreign_keys => true) FROM pg_dist_partition WHERE logicalrelid = 'public.projects'::regclass;
-- public.managers back to a plain table (with the tables its foreign keys connect)
SELECT undistribute_table(logicalrelid, cascade_via_foreign_keys => true) FROM pg_dist_partition WHERE logicalrelid = 'public.managers'::regclass;
-- public.accounts back to a plain table (with the tables its foreign keys connect)
SELECT undistribute_table(logicalrelid, cascade_via_foreign_keys => true) FROM pg_dist_partition WHERE logicalrelid = 'public.accounts'::regclass;
-- public.countries back to a plain table (with the tables its foreign keys connect)
SELECT undistribute_table(logicalrelid, cascade_via_foreign_keys => true) FROM pg_dist_partition WHERE logicalrelid = 'public.countries'::regclass;
"
    );
}

#[test]
fn a_table_with_an_identity_column_cannot_be_undistributed() {
    let catalog = on_citus("integer_identity", DISTRIBUTED);
    let err = undistribute_plan(&schema(), &catalog).unwrap_err();
    assert!(
        matches!(&err, Error::IdentityColumn { table, column } if table.name == "tasks" && column == "id"),
        "{err}"
    );
}
