//! Per-query overhead of a scoped SeaORM connection against the same query sent through the bare
//! connection with the tenant predicate written by hand, on a real PostgreSQL
//! (`DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`).
#![allow(missing_docs, unreachable_pub)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::Instant;

use common::entities::*;
use criterion::{Criterion, criterion_group, criterion_main};
use multitenant::Scope;
use sea_orm::prelude::*;
use sea_orm::{DbBackend, QueryTrait, Statement};

fn overhead(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let t = rt.block_on(common::TestDb::new());
    // the pool the scoped handle wraps, so both sides share connections and their caches
    let bare = t.db.connection().clone();
    let scoped = t.db.tenant(2_i64);

    let mut group = c.benchmark_group("sea_orm_find_by_id");
    group.bench_function("bare, hand-written account_id", |b| {
        b.to_async(&rt).iter(|| async {
            let row = projects::Entity::find()
                .filter(projects::Column::Id.eq(1_i64))
                .filter(projects::Column::AccountId.eq(2_i64))
                .one(&bare)
                .await
                .unwrap();
            black_box(row)
        })
    });
    group.bench_function("scoped", |b| {
        b.to_async(&rt).iter(|| async {
            let row = projects::Entity::find()
                .filter(projects::Column::Id.eq(1_i64))
                .one(&scoped)
                .await
                .unwrap();
            black_box(row)
        })
    });
    group.finish();

    // The join SeaORM builds for `find_also_related`; the bare side sends, by hand, exactly the
    // text the scoper makes of it, so the server runs the same statement on both sides.
    let join = "SELECT tasks.id, tasks.name, projects.id AS project_id, projects.name AS project \
                FROM tasks LEFT JOIN projects ON tasks.account_id = projects.account_id \
                AND tasks.project_id = projects.id";
    let join_by_hand = "SELECT tasks.id, tasks.name, projects.id AS project_id, projects.name AS project \
                FROM tasks LEFT JOIN projects ON tasks.account_id = projects.account_id \
                AND tasks.project_id = projects.id AND tasks.account_id = projects.account_id \
                AND projects.account_id = $1 WHERE tasks.account_id = $1";
    assert_eq!(
        t.db.scoper()
            .rewrite(join, Some(&Scope::one(2_i64)))
            .unwrap()
            .sql(),
        join_by_hand
    );
    let mut group = c.benchmark_group("sea_orm_join");
    group.bench_function("bare, hand-written account_id", |b| {
        b.to_async(&rt).iter(|| async {
            let stmt =
                Statement::from_sql_and_values(DbBackend::Postgres, join_by_hand, [2_i64.into()]);
            black_box(bare.query_all_raw(stmt).await.unwrap())
        })
    });
    group.bench_function("scoped", |b| {
        b.to_async(&rt).iter(|| async {
            let stmt = Statement::from_string(DbBackend::Postgres, join);
            black_box(scoped.query_all_raw(stmt).await.unwrap())
        })
    });
    group.finish();

    let mut group = c.benchmark_group("sea_orm_raw_statement");
    group.bench_function("bare, hand-written account_id", |b| {
        b.to_async(&rt).iter(|| async {
            let stmt = Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT id, name FROM tasks WHERE done = $1 AND tasks.account_id = $2",
                [false.into(), 2_i64.into()],
            );
            black_box(bare.query_all_raw(stmt).await.unwrap())
        })
    });
    group.bench_function("scoped", |b| {
        b.to_async(&rt).iter(|| async {
            let stmt = Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT id, name FROM tasks WHERE done = $1",
                [false.into()],
            );
            black_box(scoped.query_all_raw(stmt).await.unwrap())
        })
    });
    group.finish();

    // Paired: bare and scoped alternate (in turns, each first every other time), so load from
    // other processes hits both alike.
    rt.block_on(paired(
        "find_by_id",
        || async {
            projects::Entity::find()
                .filter(projects::Column::Id.eq(1_i64))
                .filter(projects::Column::AccountId.eq(2_i64))
                .one(&bare)
                .await
                .unwrap();
        },
        || async {
            projects::Entity::find()
                .filter(projects::Column::Id.eq(1_i64))
                .one(&scoped)
                .await
                .unwrap();
        },
    ));
    rt.block_on(paired(
        "join",
        || async {
            let stmt =
                Statement::from_sql_and_values(DbBackend::Postgres, join_by_hand, [2_i64.into()]);
            bare.query_all_raw(stmt).await.unwrap();
        },
        || async {
            let stmt = Statement::from_string(DbBackend::Postgres, join);
            scoped.query_all_raw(stmt).await.unwrap();
        },
    ));

    // The scoper alone on a cached statement: the adapter's whole added CPU work per query.
    let scoper = t.db.scoper().clone();
    let sql = projects::Entity::find()
        .filter(projects::Column::Id.eq(1_i64))
        .build(DbBackend::Postgres)
        .sql;
    let scope = Scope::one(2_i64);
    c.bench_function("sea_orm_scoper_cache_hit", |b| {
        b.iter(|| black_box(scoper.rewrite(black_box(&sql), Some(&scope)).unwrap()))
    });
}

/// Number of (bare, scoped) pairs of the paired measurement.
const PAIRS: usize = 4000;

/// Runs [`PAIRS`] pairs of round trips, bare and scoped in turns, and prints the medians and the
/// median of the per-pair difference.
async fn paired<B, BF, S, SF>(name: &str, mut bare: B, mut scoped: S)
where
    B: FnMut() -> BF,
    BF: std::future::Future<Output = ()>,
    S: FnMut() -> SF,
    SF: std::future::Future<Output = ()>,
{
    let mut bare_us = Vec::with_capacity(PAIRS);
    let mut scoped_us = Vec::with_capacity(PAIRS);
    let mut diff_us = Vec::with_capacity(PAIRS);
    for i in 0..PAIRS {
        let (b, s) = if i % 2 == 0 {
            let b = timed(bare()).await;
            (b, timed(scoped()).await)
        } else {
            let s = timed(scoped()).await;
            (timed(bare()).await, s)
        };
        bare_us.push(b);
        scoped_us.push(s);
        diff_us.push(s - b);
    }
    let (b, s, d) = (
        median(&mut bare_us),
        median(&mut scoped_us),
        median(&mut diff_us),
    );
    println!(
        "paired {name}: {PAIRS} pairs, median bare {b:.1} µs, scoped {s:.1} µs, \
         median per-pair difference {d:+.1} µs ({:+.2}% of bare)",
        d / b * 100.0
    );
}

async fn timed(fut: impl std::future::Future<Output = ()>) -> f64 {
    let start = Instant::now();
    fut.await;
    start.elapsed().as_secs_f64() * 1e6
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

criterion_group!(benches, overhead);
criterion_main!(benches);
