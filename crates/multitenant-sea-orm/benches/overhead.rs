//! Per-query overhead of a scoped SeaORM connection against the same query sent through the bare
//! connection with the tenant predicate written by hand, on a real PostgreSQL
//! (`DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`).
#![allow(missing_docs, unreachable_pub)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;

use common::entities::*;
use criterion::{Criterion, criterion_group, criterion_main};
use multitenant::Scope;
use sea_orm::prelude::*;
use sea_orm::{DbBackend, QueryOrder, QueryTrait, Statement};

fn overhead(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let t = rt.block_on(common::TestDb::new());
    let bare = t.bare.clone();
    let scoped = t.db.tenant(2_i64);

    let mut group = c.benchmark_group("find_by_id");
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

    let mut group = c.benchmark_group("join_also_related");
    group.bench_function("bare, hand-written account_id", |b| {
        b.to_async(&rt).iter(|| async {
            let rows = tasks::Entity::find()
                .find_also_related(projects::Entity)
                .filter(tasks::Column::AccountId.eq(2_i64))
                .filter(projects::Column::AccountId.eq(2_i64))
                .order_by_asc(tasks::Column::Id)
                .all(&bare)
                .await
                .unwrap();
            black_box(rows)
        })
    });
    group.bench_function("scoped", |b| {
        b.to_async(&rt).iter(|| async {
            let rows = tasks::Entity::find()
                .find_also_related(projects::Entity)
                .order_by_asc(tasks::Column::Id)
                .all(&scoped)
                .await
                .unwrap();
            black_box(rows)
        })
    });
    group.finish();

    let mut group = c.benchmark_group("raw_statement");
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

    // The scoper alone on a cached statement: the adapter's whole added CPU work per query.
    let scoper = t.db.scoper().clone();
    let sql = projects::Entity::find()
        .filter(projects::Column::Id.eq(1_i64))
        .build(DbBackend::Postgres)
        .sql;
    let scope = Scope::one(2_i64);
    c.bench_function("scoper_cache_hit", |b| {
        b.iter(|| black_box(scoper.scope(black_box(&sql), Some(&scope)).unwrap()))
    });
}

criterion_group!(benches, overhead);
criterion_main!(benches);
