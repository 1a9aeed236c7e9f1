//! Cost of scoping one statement, per statement class: a cache hit (the rewrite of that text is
//! cached) and a cache miss (parse, rewrite and deparse, on a scoper with an empty cache; making
//! and dropping that scoper is not timed). For comparison, the parser alone: parse and deparse
//! of the same text, the floor under any miss.
//!
//! Run with `cargo bench -p multitenant --bench scoper`; medians are kept in BENCHMARKS.md.

#[path = "../tests/oracle/schema.rs"]
mod sample;

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use multitenant::{Scope, Scoper};
use sample::schema;

const CLASSES: &[(&str, &str)] = &[
    (
        "select_by_id",
        r#"SELECT "tasks"."id", "tasks"."name", "tasks"."done" FROM "tasks" WHERE "tasks"."id" = $1 LIMIT $2"#,
    ),
    (
        "join",
        "SELECT t.id, t.name, p.name, m.name FROM tasks t JOIN projects p ON p.id = t.project_id \
         LEFT JOIN managers m ON m.id = p.manager_id WHERE t.done = $1",
    ),
    (
        "insert",
        r#"INSERT INTO "tasks" ("id", "project_id", "name", "done") VALUES ($1, $2, $3, $4) RETURNING "account_id", "id""#,
    ),
    (
        "update",
        r#"UPDATE "tasks" SET "done" = $1, "name" = $2 WHERE "tasks"."id" = $3"#,
    ),
    (
        "upsert",
        "INSERT INTO projects (id, name) VALUES ($1, $2) ON CONFLICT (account_id, id) \
         DO UPDATE SET name = EXCLUDED.name RETURNING *",
    ),
    (
        "cte",
        "WITH open AS (SELECT * FROM tasks WHERE NOT done), counts AS (SELECT project_id, count(*) AS n \
         FROM open GROUP BY project_id) SELECT p.id, p.name, c.n FROM projects p JOIN counts c ON c.project_id = p.id",
    ),
    (
        "orm_large",
        r#"SELECT "tasks"."account_id", "tasks"."id", "tasks"."project_id", "tasks"."parent_id", "tasks"."name", "tasks"."done", "tasks"."priority", "tasks"."assignee_id", "tasks"."labels", "projects"."id" AS "B_id", "projects"."name" AS "B_name", "projects"."tags" AS "B_tags", "projects"."meta" AS "B_meta", "managers"."id" AS "C_id", "managers"."name" AS "C_name", "managers"."email" AS "C_email" FROM "tasks" LEFT JOIN "projects" ON "tasks"."project_id" = "projects"."id" LEFT JOIN "managers" ON "projects"."manager_id" = "managers"."id" WHERE "tasks"."done" = $1 AND ("tasks"."priority" > $2 OR "tasks"."assignee_id" IN ($3, $4, $5)) AND EXISTS (SELECT 1 FROM "project_managers" WHERE "project_managers"."project_id" = "projects"."id" AND "project_managers"."role" = $6) ORDER BY "tasks"."priority" DESC, "tasks"."id" ASC LIMIT $7 OFFSET $8"#,
    ),
];

fn scoper(c: &mut Criterion) {
    let scope = Scope::one(42_i64);
    let warm = Scoper::new(schema());
    let mut hit = c.benchmark_group("scoper/hit");
    for (name, sql) in CLASSES {
        warm.rewrite(sql, Some(&scope)).expect("scopes");
        hit.bench_function(*name, |b| {
            b.iter(|| warm.rewrite(black_box(sql), Some(&scope)).expect("scopes"))
        });
    }
    hit.finish();
    let mut miss = c.benchmark_group("scoper/miss");
    for (name, sql) in CLASSES {
        miss.bench_function(*name, |b| {
            b.iter_batched_ref(
                || Scoper::with_capacity(schema(), 1),
                |cold| cold.rewrite(black_box(sql), Some(&scope)).expect("scopes"),
                BatchSize::SmallInput,
            )
        });
    }
    miss.finish();
    // The parser's share of a miss: PostgreSQL's grammar to a tree and back to text, unchanged.
    let mut parser = c.benchmark_group("scoper/parse_deparse");
    for (name, sql) in CLASSES {
        parser.bench_function(*name, |b| {
            b.iter(|| {
                let tree = pg_query::parse(black_box(sql), 0).expect("parses");
                pg_query::deparse(&tree.protobuf, Default::default()).expect("deparses")
            })
        });
    }
    parser.finish();
    // Parsing alone (to the tree the rewrite walks).
    let mut parse = c.benchmark_group("scoper/parse");
    for (name, sql) in CLASSES {
        parse.bench_function(*name, |b| {
            b.iter(|| pg_query::parse(black_box(sql), 0).expect("parses"))
        });
    }
    parse.finish();
}

criterion_group!(benches, scoper);
criterion_main!(benches);
