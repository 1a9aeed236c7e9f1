//! On a real Citus cluster (`CITUS_URL`, e.g. postgres://postgres@127.0.0.1:9700/citus): the
//! sample domain is made ready and distributed end to end, and scoped statements run on one
//! shard each. Each test works in a schema of its own (a new database would need the Citus
//! extension and the worker nodes set up again), dropped at the end. Without `CITUS_URL` the
//! tests print that they were skipped.

mod common;

use multitenant::{Schema, Scope, Scoper};
use multitenant_citus::{Catalog, Error, Problem, apply, check, plan, undistribute};
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, PgPool};

fn citus_url() -> Option<String> {
    let url = std::env::var("CITUS_URL").ok();
    if url.is_none() {
        println!("skipped: CITUS_URL is not set (e.g. postgres://postgres@127.0.0.1:9700/citus)");
    }
    url
}

/// A schema of its own on the Citus coordinator, on the search path of every connection.
struct TestSchema {
    name: String,
    url: String,
    pool: PgPool,
}

impl TestSchema {
    async fn new(url: &str) -> TestSchema {
        let name = format!("mt_citus_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(url).await.expect("connect");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {name}")))
            .execute(&mut admin)
            .await
            .expect("create schema");
        admin.close().await.ok();
        let search_path = name.clone();
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .after_connect(move |conn, _| {
                let sql = format!("SET search_path TO {search_path}");
                Box::pin(async move {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                        .execute(conn)
                        .await?;
                    Ok(())
                })
            })
            .connect(url)
            .await
            .expect("connect");
        TestSchema {
            name,
            url: url.to_owned(),
            pool,
        }
    }

    /// The sample schema, its tables in this test's schema.
    fn schema(&self) -> Schema {
        let s = &self.name;
        Schema::builder()
            .search_path([s.as_str()])
            .tenant_root(&format!("{s}.accounts"), "id")
            .tenant_table(&format!("{s}.managers"), "account_id")
            .tenant_table(&format!("{s}.projects"), "account_id")
            .tenant_table(&format!("{s}.project_managers"), "account_id")
            .tenant_table(&format!("{s}.tasks"), "account_id")
            .reference_table(&format!("{s}.countries"))
            .build()
            .unwrap()
    }

    async fn run(&self, sql: &str) {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&self.pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    async fn catalog(&self) -> Catalog {
        Catalog::read(&mut self.pool.acquire().await.unwrap())
            .await
            .unwrap()
    }

    /// `table method replication` for every table of this schema Citus knows, and the number of
    /// colocation groups the hash-distributed ones are in.
    async fn distribution(&self) -> (Vec<String>, i64) {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT c.relname || ' ' || p.partmethod::text || ' ' || p.repmodel::text || ' ' || \
                 COALESCE(column_to_column_name(p.logicalrelid, p.partkey), '-')
             FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid
             WHERE c.relnamespace = $1::regnamespace ORDER BY 1",
        )
        .bind(&self.name)
        .fetch_all(&self.pool)
        .await
        .unwrap();
        let groups: i64 = sqlx::query_scalar(
            "SELECT count(DISTINCT p.colocationid) FROM pg_dist_partition p
             JOIN pg_class c ON c.oid = p.logicalrelid
             WHERE c.relnamespace = $1::regnamespace AND p.partmethod = 'h'",
        )
        .bind(&self.name)
        .fetch_one(&self.pool)
        .await
        .unwrap();
        (rows, groups)
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        common::clean_up(
            &self.url,
            &format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name),
        );
    }
}

#[derive(Clone, Copy)]
enum Value {
    Int(i64),
    /// The current tenant's project (project n belongs to tenant n).
    Project,
    Text(&'static str),
    Bool(bool),
}

/// Statements of the kinds the adapters' test suites send: finders, joins, outer joins,
/// subqueries, CTEs, aggregates, inserts (with RETURNING and ON CONFLICT), updates, deletes.
const STATEMENTS: &[(&str, &[Value])] = &[
    ("SELECT * FROM accounts", &[]),
    ("SELECT * FROM projects ORDER BY id", &[]),
    ("SELECT * FROM tasks WHERE id = $1", &[Value::Int(1)]),
    ("SELECT count(*) FROM tasks WHERE done", &[]),
    (
        "SELECT p.name, t.name FROM projects p JOIN tasks t ON t.project_id = p.id WHERE NOT t.done",
        &[],
    ),
    (
        "SELECT p.name, m.name FROM projects p LEFT JOIN project_managers pm ON pm.project_id = p.id \
         LEFT JOIN managers m ON m.id = pm.manager_id",
        &[],
    ),
    (
        "SELECT name FROM projects WHERE id IN (SELECT project_id FROM tasks WHERE done)",
        &[],
    ),
    (
        "SELECT p.name FROM projects p WHERE EXISTS (SELECT 1 FROM tasks t WHERE t.project_id = p.id AND t.done = $1)",
        &[Value::Bool(false)],
    ),
    (
        "WITH open AS (SELECT * FROM tasks WHERE NOT done) SELECT count(*) FROM open",
        &[],
    ),
    (
        "SELECT project_id, count(*) FROM tasks GROUP BY project_id HAVING count(*) > $1",
        &[Value::Int(0)],
    ),
    (
        "SELECT a.name, c.name FROM accounts a JOIN countries c ON c.id = a.country_id",
        &[],
    ),
    (
        "INSERT INTO tasks (project_id, name) VALUES ($1, $2) RETURNING id",
        &[Value::Project, Value::Text("Write")],
    ),
    (
        "INSERT INTO tasks (id, project_id, name) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id, id) DO UPDATE SET name = EXCLUDED.name",
        &[Value::Int(1), Value::Project, Value::Text("Plan again")],
    ),
    (
        "UPDATE tasks SET done = true WHERE project_id = $1",
        &[Value::Int(1)],
    ),
    (
        "UPDATE projects p SET name = p.name || '!' FROM tasks t WHERE t.project_id = p.id AND t.done",
        &[],
    ),
    (
        "DELETE FROM project_managers WHERE manager_id = $1",
        &[Value::Int(1)],
    ),
    (
        "DELETE FROM tasks t USING projects p WHERE p.id = t.project_id AND p.name = $1",
        &[Value::Text("nothing")],
    ),
];

const CITUS_DDL: &str = "
CREATE TABLE countries (id bigserial PRIMARY KEY, name text NOT NULL);
CREATE TABLE accounts (
    id bigserial PRIMARY KEY, name text NOT NULL, domain text NOT NULL, subdomain text NOT NULL,
    country_id bigint REFERENCES countries (id));
CREATE TABLE managers (account_id bigint REFERENCES accounts (id), id serial PRIMARY KEY, name text NOT NULL);
CREATE TABLE projects (
    account_id bigint NOT NULL REFERENCES accounts (id), id bigserial PRIMARY KEY, name text NOT NULL);
CREATE TABLE project_managers (
    account_id integer NOT NULL REFERENCES accounts (id), id bigserial PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    manager_id integer NOT NULL REFERENCES managers (id));
CREATE TABLE tasks (
    account_id bigint NOT NULL REFERENCES accounts (id), id bigserial PRIMARY KEY,
    project_id bigint REFERENCES projects (id) ON DELETE SET NULL,
    name text NOT NULL, done boolean NOT NULL DEFAULT false);
";

#[tokio::test]
async fn sample_domain_distributed_and_scoped_statements_hit_one_shard() {
    let Some(url) = citus_url() else { return };
    let db = TestSchema::new(&url).await;
    db.run(CITUS_DDL).await;
    db.run(common::SEED).await;
    db.run("SELECT setval('tasks_id_seq', 100)").await;
    let schema = db.schema();
    let version = db.catalog().await.citus_version().map(str::to_owned);
    println!("Citus {}", version.as_deref().unwrap_or("?"));

    // ON DELETE SET NULL with the tenant column is refused by Citus: a decision for the authors.
    let err = plan(&schema, &db.catalog().await).unwrap_err();
    let Error::NeedsDecision { findings } = err else {
        panic!("{err}")
    };
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(matches!(
        findings[0].problem,
        Problem::ForeignKeyResetsOnDelete { ref constraint } if constraint == "tasks_project_id_fkey"
    ));
    db.run(
        "ALTER TABLE tasks DROP CONSTRAINT tasks_project_id_fkey, \
         ADD CONSTRAINT tasks_project_id_fkey FOREIGN KEY (project_id) REFERENCES projects (id)",
    )
    .await;

    let s = &db.name;
    let planned = plan(&schema, &db.catalog().await).unwrap();
    let calls: Vec<&str> = planned
        .sql()
        .into_iter()
        .filter(|sql| sql.starts_with("SELECT create_") || sql.starts_with("SET LOCAL"))
        .collect();
    assert_eq!(
        calls,
        [
            "SET LOCAL citus.multi_shard_modify_mode TO 'sequential'".to_owned(),
            format!("SELECT create_reference_table('{s}.countries')"),
            format!(
                "SELECT create_distributed_table('{s}.accounts', 'id', colocate_with => 'none')"
            ),
            format!(
                "SELECT create_distributed_table('{s}.managers', 'account_id', colocate_with => '{s}.accounts')"
            ),
            format!(
                "SELECT create_distributed_table('{s}.projects', 'account_id', colocate_with => '{s}.accounts')"
            ),
            format!(
                "SELECT create_distributed_table('{s}.project_managers', 'account_id', colocate_with => '{s}.accounts')"
            ),
            format!(
                "SELECT create_distributed_table('{s}.tasks', 'account_id', colocate_with => '{s}.accounts')"
            ),
        ]
    );

    let done = apply(&db.pool, &schema).await.unwrap();
    assert_eq!(done, planned);
    let (tables, groups) = db.distribution().await;
    assert_eq!(
        tables,
        [
            "accounts h s id",
            "countries n t -",
            "managers h s account_id",
            "project_managers h s account_id",
            "projects h s account_id",
            "tasks h s account_id",
        ]
    );
    assert_eq!(
        groups, 1,
        "every tenant table in the root's colocation group"
    );
    assert!(check(&schema, &db.catalog().await).is_empty());
    let again = apply(&db.pool, &schema).await.unwrap();
    assert!(again.is_empty(), "{again}");

    // Every scoped statement is a single-shard statement: a multi-shard one is an error here.
    let scoper = Scoper::new(schema.clone());
    let mut conn = db.pool.acquire().await.unwrap();
    sqlx::raw_sql("SET citus.multi_task_query_log_level = 'error'")
        .execute(&mut *conn)
        .await
        .unwrap();
    let unscoped = sqlx::raw_sql("SELECT count(*) FROM tasks")
        .execute(&mut *conn)
        .await
        .unwrap_err();
    assert!(unscoped.to_string().contains("multi-task"), "{unscoped}");
    for tenant in [1_i64, 2] {
        let scope = Scope::one(tenant);
        for (sql, values) in STATEMENTS {
            let scoped = scoper.rewrite(sql, Some(&scope)).unwrap();
            let mut query = sqlx::query(sqlx::AssertSqlSafe(scoped.sql()));
            for v in *values {
                query = match v {
                    Value::Int(i) => query.bind(*i),
                    Value::Project => query.bind(tenant),
                    Value::Text(t) => query.bind(*t),
                    Value::Bool(b) => query.bind(*b),
                };
            }
            query
                .bind(tenant)
                .execute(&mut *conn)
                .await
                .unwrap_or_else(|e| {
                    panic!("tenant {tenant}: {sql}\n  sent: {}\n  {e}", scoped.sql())
                });
        }
    }
    println!(
        "{} scoped statements ran single-shard for each of 2 tenants",
        STATEMENTS.len()
    );
    sqlx::raw_sql("RESET citus.multi_task_query_log_level")
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);

    // Back to plain tables; the rows and the composite keys stay.
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let undone = undistribute(&db.pool, &schema).await.unwrap();
    assert!(!undone.is_empty());
    assert_eq!(db.distribution().await.0, Vec::<String>::new());
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(before, after);
    assert!(undistribute(&db.pool, &schema).await.unwrap().is_empty());
    // Distributing again works from the undistributed state.
    apply(&db.pool, &schema).await.unwrap();
    assert_eq!(db.distribution().await.0.len(), 6);
}

#[tokio::test]
async fn identity_columns_cannot_be_undistributed() {
    let Some(url) = citus_url() else { return };
    let db = TestSchema::new(&url).await;
    db.run(
        "CREATE TABLE countries (id bigint PRIMARY KEY, name text);
         CREATE TABLE accounts (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name text);",
    )
    .await;
    let s = &db.name;
    let schema = Schema::builder()
        .search_path([s.as_str()])
        .tenant_root(&format!("{s}.accounts"), "id")
        .reference_table(&format!("{s}.countries"))
        .build()
        .unwrap();
    apply(&db.pool, &schema).await.unwrap();
    let err = undistribute(&db.pool, &schema).await.unwrap_err();
    assert!(
        matches!(err, Error::IdentityColumn { ref column, .. } if column == "id"),
        "{err}"
    );
    assert_eq!(
        db.distribution().await.0.len(),
        2,
        "nothing was undistributed"
    );
}
