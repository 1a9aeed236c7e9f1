//! Per-query overhead of the scoped executor against the bare pool with the tenant predicate
//! written by hand, on real PostgreSQL (DATABASE_URL). Creates and drops its own database.

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use multitenant::{Schema, Scoper};
use multitenant_sqlx::TenantPool;
use multitenant_test_support::TestDatabase;
use sqlx::PgPool;

mod paired;
use paired::paired;

const DDL: &str = "
CREATE TABLE projects (account_id bigint NOT NULL, id bigint NOT NULL, name text NOT NULL, PRIMARY KEY (account_id, id));
CREATE TABLE tasks (account_id bigint NOT NULL, id bigint NOT NULL, project_id bigint NOT NULL, name text NOT NULL,
    done boolean NOT NULL DEFAULT false, PRIMARY KEY (account_id, id));
INSERT INTO projects SELECT a, p, 'project ' || p FROM generate_series(1, 3) a, generate_series(1, 100) p;
INSERT INTO tasks SELECT a, t, 1 + t % 100, 'task ' || t, t % 2 = 0 FROM generate_series(1, 3) a, generate_series(1, 1000) t;
ANALYZE;
";

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let database = rt.block_on(TestDatabase::create("mt_sqlx_bench"));
    let pool = rt.block_on(async {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect(&database.url)
            .await
            .unwrap();
        sqlx::raw_sql(DDL).execute(&pool).await.unwrap();
        pool
    });
    let schema = Schema::builder()
        .tenant_table("projects", "account_id")
        .tenant_table("tasks", "account_id")
        .build()
        .unwrap();
    let db = TenantPool::new(pool.clone(), Scoper::new(schema));

    // The bare side sends the very text the scoper produces, with the tenant bound by hand, so
    // the two sides differ only by the adapter's work.
    let by_id_sql = "SELECT id, name FROM tasks WHERE id = $1";
    let join_sql =
        "SELECT t.name, p.name FROM tasks t JOIN projects p ON p.id = t.project_id WHERE p.id = $1";
    let by_hand = |sql: &str| -> &'static str {
        let scoped = db
            .scoper()
            .rewrite(sql, Some(&multitenant::Scope::one(2_i64)))
            .unwrap();
        Box::leak(scoped.sql().to_owned().into_boxed_str())
    };
    let (bare_by_id_sql, bare_join_sql) = (by_hand(by_id_sql), by_hand(join_sql));
    let bare_by_id = |pool: &PgPool| {
        let pool = pool.clone();
        async move {
            let _: (i64, String) = sqlx::query_as(bare_by_id_sql)
                .bind(42_i64)
                .bind(2_i64)
                .fetch_one(&pool)
                .await
                .unwrap();
        }
    };
    let scoped_by_id = |db: &TenantPool| {
        let db = db.clone();
        async move {
            let _: (i64, String) = sqlx::query_as(by_id_sql)
                .bind(42_i64)
                .fetch_one(db.tenant(2_i64))
                .await
                .unwrap();
        }
    };
    let bare_join = |pool: &PgPool| {
        let pool = pool.clone();
        async move {
            let _: Vec<(String, String)> = sqlx::query_as(bare_join_sql)
                .bind(7_i64)
                .bind(2_i64)
                .fetch_all(&pool)
                .await
                .unwrap();
        }
    };
    let scoped_join = |db: &TenantPool| {
        let db = db.clone();
        async move {
            let _: Vec<(String, String)> = sqlx::query_as(join_sql)
                .bind(7_i64)
                .fetch_all(db.tenant(2_i64))
                .await
                .unwrap();
        }
    };

    let mut g = c.benchmark_group("sqlx_find_by_id");
    g.bench_function("bare", |b| b.to_async(&rt).iter(|| bare_by_id(&pool)));
    g.bench_function("scoped", |b| b.to_async(&rt).iter(|| scoped_by_id(&db)));
    g.finish();
    let mut g = c.benchmark_group("sqlx_join");
    g.bench_function("bare", |b| b.to_async(&rt).iter(|| bare_join(&pool)));
    g.bench_function("scoped", |b| b.to_async(&rt).iter(|| scoped_join(&db)));
    g.finish();

    let time = |f: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + '_>>| {
        let start = Instant::now();
        rt.block_on(f);
        start.elapsed()
    };
    paired(
        &rt,
        "find_by_id",
        4000,
        || time(Box::pin(bare_by_id(&pool))),
        || time(Box::pin(scoped_by_id(&db))),
    );
    paired(
        &rt,
        "join",
        4000,
        || time(Box::pin(bare_join(&pool))),
        || time(Box::pin(scoped_join(&db))),
    );

    rt.block_on(pool.close());
    drop(database);
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(8));
    targets = bench
}
criterion_main!(benches);
