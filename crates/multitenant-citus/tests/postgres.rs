//! check / plan / apply on plain PostgreSQL: the keys become Citus-ready, the distribution calls
//! are skipped with a notice.

mod common;

use common::{LEGACY_DDL, LEGACY_FINDINGS, SEED, TestDb, schema};
use multitenant::Schema;
use multitenant_citus::{Catalog, Error, Problem, apply, check, plan, undistribute};

async fn catalog(db: &TestDb) -> Catalog {
    Catalog::read(&mut db.pool.acquire().await.unwrap())
        .await
        .unwrap()
}

async fn findings(db: &TestDb, schema: &Schema) -> Vec<String> {
    check(schema, &catalog(db).await)
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[tokio::test]
async fn every_finding_of_the_sample_domain_is_reported_with_its_fix() {
    let db = TestDb::new().await;
    db.run(LEGACY_DDL).await;
    assert_eq!(findings(&db, &schema()).await, LEGACY_FINDINGS);
}

#[tokio::test]
async fn the_plan_fixes_keys_in_order_and_apply_runs_it_once() {
    let db = TestDb::new().await;
    db.run(LEGACY_DDL).await;
    db.run(SEED).await;
    let rows = db.everything().await;
    let planned = plan(&schema(), &catalog(&db).await).unwrap();
    assert_eq!(
        planned.notices(),
        [
            "the citus extension is not installed: the keys are made Citus-ready, create_reference_table and create_distributed_table are skipped"
        ]
    );
    assert_eq!(
        planned.sql(),
        [
            "ALTER TABLE public.project_managers DROP CONSTRAINT project_managers_manager_id_fkey",
            "ALTER TABLE public.project_managers DROP CONSTRAINT project_managers_project_id_fkey",
            "ALTER TABLE public.tasks DROP CONSTRAINT tasks_project_id_fkey",
            "ALTER TABLE public.managers ALTER COLUMN id TYPE bigint",
            "ALTER SEQUENCE public.managers_id_seq AS bigint",
            "ALTER TABLE public.project_managers ALTER COLUMN account_id TYPE bigint",
            "ALTER TABLE public.countries ALTER COLUMN id TYPE bigint",
            "ALTER SEQUENCE public.countries_id_seq AS bigint",
            "ALTER TABLE public.managers ALTER COLUMN account_id SET NOT NULL",
            "ALTER TABLE public.managers DROP CONSTRAINT managers_pkey, ADD CONSTRAINT managers_pkey PRIMARY KEY (account_id, id)",
            "ALTER TABLE public.project_managers DROP CONSTRAINT project_managers_pkey, ADD CONSTRAINT project_managers_pkey PRIMARY KEY (account_id, id)",
            "ALTER TABLE public.projects DROP CONSTRAINT projects_name_key, ADD CONSTRAINT projects_name_key UNIQUE (account_id, name)",
            "ALTER TABLE public.projects DROP CONSTRAINT projects_pkey, ADD CONSTRAINT projects_pkey PRIMARY KEY (account_id, id)",
            "ALTER TABLE public.tasks DROP CONSTRAINT tasks_pkey, ADD CONSTRAINT tasks_pkey PRIMARY KEY (account_id, id)",
            "DROP INDEX public.tasks_name_idx",
            "CREATE UNIQUE INDEX tasks_name_idx ON public.tasks (account_id, name)",
            "ALTER TABLE public.project_managers ADD CONSTRAINT project_managers_manager_id_fkey FOREIGN KEY (account_id, manager_id) REFERENCES public.managers (account_id, id)",
            "ALTER TABLE public.project_managers ADD CONSTRAINT project_managers_project_id_fkey FOREIGN KEY (account_id, project_id) REFERENCES public.projects (account_id, id) ON DELETE CASCADE",
            "ALTER TABLE public.tasks ADD CONSTRAINT tasks_project_id_fkey FOREIGN KEY (account_id, project_id) REFERENCES public.projects (account_id, id) ON DELETE SET NULL (project_id)",
        ]
    );

    let done = apply(&db.pool, &schema()).await.unwrap();
    assert_eq!(done, planned);
    assert_eq!(findings(&db, &schema()).await, Vec::<String>::new());
    assert_eq!(db.everything().await, rows, "no row changed");
    assert!(apply(&db.pool, &schema()).await.unwrap().is_empty());
    assert!(undistribute(&db.pool, &schema()).await.unwrap().is_empty());

    // The composite keys now keep references inside one tenant; deleting a project resets
    // only the task's project, never its tenant.
    let cross =
        sqlx::raw_sql("INSERT INTO tasks (account_id, id, project_id, name) VALUES (2, 6, 1, 'x')")
            .execute(&db.pool)
            .await
            .unwrap_err();
    assert!(
        cross.to_string().contains("tasks_project_id_fkey"),
        "{cross}"
    );
    db.run("DELETE FROM project_managers WHERE project_id = 1; DELETE FROM projects WHERE account_id = 1 AND id = 1")
        .await;
    assert_eq!(
        db.rows("SELECT account_id || ':' || coalesce(project_id::text, '-') FROM tasks WHERE account_id = 1 ORDER BY id")
            .await,
        ["1:-", "1:-"]
    );
}

#[tokio::test]
async fn misplaced_tenant_columns_are_paired_and_reference_tables_lose_tenant_foreign_keys() {
    let db = TestDb::new().await;
    db.run(
        "CREATE TABLE accounts (id bigint PRIMARY KEY);
         CREATE TABLE plans (id bigint PRIMARY KEY, showcase_account_id bigint REFERENCES accounts (id));
         CREATE TABLE projects (account_id bigint NOT NULL REFERENCES accounts (id), id bigint NOT NULL,
                                PRIMARY KEY (account_id, id));
         CREATE TABLE tasks (account_id bigint NOT NULL, id bigint NOT NULL, project_id bigint,
                             PRIMARY KEY (account_id, id),
                             CONSTRAINT tasks_project_fkey FOREIGN KEY (project_id, account_id)
                                 REFERENCES projects (account_id, id));",
    )
    .await;
    let schema = Schema::builder()
        .tenant_root("accounts", "id")
        .tenant_table("projects", "account_id")
        .tenant_table("tasks", "account_id")
        .reference_table("plans")
        .build()
        .unwrap();
    assert_eq!(
        findings(&db, &schema).await,
        [
            "public.tasks: foreign key `tasks_project_fkey` does not pair the tenant columns with each other; fix: recreate it as FOREIGN KEY (account_id, project_id) REFERENCES public.projects (account_id, id)",
            "public.plans: reference table has foreign key `plans_showcase_account_id_fkey` to tenant table `public.accounts`; fix: drop the foreign key: a reference table cannot reference a distributed table",
        ]
    );
    let planned = plan(&schema, &catalog(&db).await).unwrap();
    assert_eq!(
        planned.sql(),
        [
            "ALTER TABLE public.plans DROP CONSTRAINT plans_showcase_account_id_fkey",
            "ALTER TABLE public.tasks DROP CONSTRAINT tasks_project_fkey",
            "ALTER TABLE public.tasks ADD CONSTRAINT tasks_project_fkey FOREIGN KEY (account_id, project_id) REFERENCES public.projects (account_id, id)",
        ]
    );
    apply(&db.pool, &schema).await.unwrap();
    assert_eq!(findings(&db, &schema).await, Vec::<String>::new());
}

#[tokio::test]
async fn decisions_the_plan_cannot_make_are_refused_and_change_nothing() {
    let db = TestDb::new().await;
    db.run(
        "CREATE TABLE accounts (id bigint PRIMARY KEY);
         CREATE TABLE tags (id bigint PRIMARY KEY);
         CREATE TABLE tasks (account_id bigint NOT NULL REFERENCES accounts (id), id bigint, 
                             owner_id bigint REFERENCES accounts (id), tag_id bigint REFERENCES tags (id),
                             PRIMARY KEY (account_id, id));
         CREATE TABLE audit (id bigint PRIMARY KEY, task_account bigint, task_id bigint,
                             FOREIGN KEY (task_account, task_id) REFERENCES tasks (account_id, id));",
    )
    .await;
    let schema = Schema::builder()
        .tenant_root("accounts", "id")
        .tenant_table("tasks", "account_id")
        .build()
        .unwrap();
    let before = catalog(&db).await;
    let err = plan(&schema, &before).unwrap_err();
    let Error::NeedsDecision { findings } = &err else {
        panic!("{err}")
    };
    let problems: Vec<&Problem> = findings.iter().map(|f| &f.problem).collect();
    assert!(
        matches!(
            problems.as_slice(),
            [
                Problem::ForeignKeyNotByTenant { constraint: a, .. },
                Problem::ReferencesUndeclared { constraint: b, .. },
                Problem::UndeclaredReferencesTenant { constraint: c, .. },
            ] if a == "tasks_owner_id_fkey" && b == "tasks_tag_id_fkey" && c == "audit_task_account_task_id_fkey"
        ),
        "{err}"
    );
    assert!(
        err.to_string().starts_with("3 finding(s) need a decision"),
        "{err}"
    );
    let applied = apply(&db.pool, &schema).await.unwrap_err();
    assert!(matches!(applied, Error::NeedsDecision { .. }));
    assert_eq!(
        format!("{:?}", catalog(&db).await),
        format!("{before:?}"),
        "nothing changed"
    );
}

#[tokio::test]
async fn a_failing_step_rolls_everything_back() {
    let db = TestDb::new().await;
    db.run(LEGACY_DDL).await;
    db.run(SEED).await;
    // A task of tenant 2 in a project of tenant 1: the composite foreign key cannot hold.
    db.run("INSERT INTO tasks (account_id, id, project_id, name) VALUES (2, 5, 1, 'stray')")
        .await;
    let before = findings(&db, &schema()).await;
    let err = apply(&db.pool, &schema()).await.unwrap_err();
    let Error::Step { sql, .. } = &err else {
        panic!("{err}")
    };
    assert!(
        sql.contains("ADD CONSTRAINT tasks_project_id_fkey"),
        "{sql}"
    );
    assert!(err.to_string().contains("nothing was changed"), "{err}");
    assert_eq!(findings(&db, &schema()).await, before);
}
