//! The cost of the row-level-security backstop per request-shaped read, on real PostgreSQL
//! (DATABASE_URL): one project by id and a list of 20 tasks, scoped, with the backstop off (the
//! scoper alone, as the table owner) and on (policies applied, the application's role, the
//! tenant set with `SET LOCAL` in a transaction around each statement). Creates and drops its
//! own database and role. In the paired lines, "bare" is off and "scoped" is on.

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use multitenant::{Schema, Scoper, Setting};
use multitenant_citus::rls::{self, Options};
use multitenant_sqlx::TenantPool;
use multitenant_test_support::{AppRole, TestDatabase};
use sqlx::postgres::PgPoolOptions;

mod paired;
use paired::paired;

const DDL: &str = "
CREATE TABLE accounts (id bigint PRIMARY KEY);
CREATE TABLE projects (account_id bigint NOT NULL, id bigint NOT NULL, name text NOT NULL, PRIMARY KEY (account_id, id));
CREATE TABLE tasks (account_id bigint NOT NULL, id bigint NOT NULL, project_id bigint NOT NULL, name text NOT NULL,
    done boolean NOT NULL DEFAULT false, PRIMARY KEY (account_id, id));
INSERT INTO accounts SELECT generate_series(1, 3);
INSERT INTO projects SELECT a, p, 'project ' || p FROM generate_series(1, 3) a, generate_series(1, 100) p;
INSERT INTO tasks SELECT a, t, 1 + t % 100, 'task ' || t, t % 2 = 0 FROM generate_series(1, 3) a, generate_series(1, 1000) t;
ANALYZE;
";

const BY_ID: &str = "SELECT id, name FROM projects WHERE id = $1";
const LIST: &str = "SELECT id, name, done FROM tasks WHERE project_id = $1 ORDER BY id LIMIT 20";

async fn by_id(db: TenantPool) {
    let _: (i64, String) = sqlx::query_as(BY_ID)
        .bind(42_i64)
        .fetch_one(db.tenant(2_i64))
        .await
        .unwrap();
}

async fn list(db: TenantPool) {
    let rows: Vec<(i64, String, bool)> = sqlx::query_as(LIST)
        .bind(7_i64)
        .fetch_all(db.tenant(2_i64))
        .await
        .unwrap();
    assert_eq!(rows.len(), 10);
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let database = rt.block_on(TestDatabase::create("mt_sqlx_bench"));
    let schema = Schema::builder()
        .tenant_root("accounts", "id")
        .tenant_table("projects", "account_id")
        .tenant_table("tasks", "account_id")
        .build()
        .unwrap();
    let connect = |url: String| {
        let _runtime = rt.enter();
        PgPoolOptions::new()
            .max_connections(1)
            .connect_lazy(&url)
            .unwrap()
    };
    let owner = connect(database.url.clone());
    rt.block_on(async {
        sqlx::raw_sql(DDL).execute(&owner).await.unwrap();
        rls::apply(&owner, &schema, &Options::default())
            .await
            .unwrap();
    });
    let role = rt.block_on(AppRole::create(&database.url, "public"));
    let off = TenantPool::new(owner.clone(), Scoper::new(schema.clone()));
    let on = TenantPool::new(
        connect(role.url(&database.url)),
        Scoper::new(schema).with_row_level_security(Setting::default()),
    );

    let mut g = c.benchmark_group("sqlx_backstop_project_by_id");
    g.bench_function("off", |b| b.to_async(&rt).iter(|| by_id(off.clone())));
    g.bench_function("on", |b| b.to_async(&rt).iter(|| by_id(on.clone())));
    g.finish();
    let mut g = c.benchmark_group("sqlx_backstop_list_20");
    g.bench_function("off", |b| b.to_async(&rt).iter(|| list(off.clone())));
    g.bench_function("on", |b| b.to_async(&rt).iter(|| list(on.clone())));
    g.finish();

    let time = |f: std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>| {
        let start = Instant::now();
        rt.block_on(f);
        start.elapsed()
    };
    paired(
        &rt,
        "backstop project by id",
        2000,
        || time(Box::pin(by_id(off.clone()))),
        || time(Box::pin(by_id(on.clone()))),
    );
    paired(
        &rt,
        "backstop list of 20",
        2000,
        || time(Box::pin(list(off.clone()))),
        || time(Box::pin(list(on.clone()))),
    );

    rt.block_on(async {
        on.pool().close().await;
        owner.close().await;
    });
    drop(role);
    drop(database);
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5));
    targets = bench
}
criterion_main!(benches);
