//! The isolation oracle over generated statements: random valid PostgreSQL over the oracle
//! schema (four tenant tables with foreign keys that include the tenant column, the tenant root
//! and a reference table), each scoped for one tenant and run on every tenant's data, must do
//! exactly what the original statement does on a copy holding only that tenant's rows: the same
//! rows (in order where the statement orders every column), and afterwards the same tenant rows
//! in every table, the other tenants' rows untouched. Each run is a rolled-back transaction.
//!
//! `ORACLE_CASES` (default 2,000) statements per run, from `ORACLE_SEED` (default: the clock;
//! printed); `ORACLE_CASE=n` replays statement `n` of a seed alone. The run fails on any
//! difference, on any PostgreSQL error of a scoped statement whose original runs on the copy,
//! and when 1% or more of the statements are refused.

#[path = "oracle/db.rs"]
#[allow(dead_code)] // shared with oracle.rs, which uses all of it
mod db;
#[path = "generated/expr.rs"]
mod expr;
#[path = "generated/from.rs"]
mod from;
#[path = "generated/model.rs"]
mod model;
#[path = "generated/select.rs"]
mod select;
#[path = "generated/writes.rs"]
mod writes;

use std::collections::BTreeMap;

use db::{COPIES, P, Rows, dump, execute, with_oracle_db};
use multitenant::{Error, Schema, Scope, Scoper};
use sqlx::PgConnection;
use writes::{Statement, statement};

/// The oracle schema as the scoper knows it, in schema `alltenants`, which is also searched for
/// unqualified names.
fn schema() -> Schema {
    let mut b = Schema::builder()
        .search_path(["alltenants"])
        .tenant_root("alltenants.accounts", "id")
        .reference_table("alltenants.countries");
    for t in [
        "managers",
        "projects",
        "project_managers",
        "tasks",
        "visits",
    ] {
        b = b.tenant_table(&format!("alltenants.{t}"), "account_id");
    }
    b.build().expect("the oracle schema is valid")
}

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|v| {
        v.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name} is not a number: {v}"))
    })
}

/// How one generated statement came out.
enum Outcome {
    /// Scoped, and the same outcome as the original on the copy; whether the unscoped original
    /// on all tenants' data differs (so a missing predicate would have been caught).
    Isolated { discriminating: bool },
    /// Refused by the scoper, with the construct the refusal names.
    Refused(String),
    /// The original fails on the tenant's copy: not a valid statement for this data.
    Invalid,
    /// Scoped and accepted, but PostgreSQL rejects the scoped text.
    Failed(String),
    /// Scoped, and the outcome differs from the original's.
    Mismatch(String),
}

/// Runs statement `s` for the tenant of `copy`.
async fn check(
    conn: &mut PgConnection,
    scoper: &Scoper,
    s: &Statement,
    (copy, keys): (&str, &'static [i64]),
    others_before: &BTreeMap<&'static str, Vec<String>>,
) -> Outcome {
    let k = keys[0];
    let full_text = s
        .sql
        .replace("{S}", "alltenants")
        .replace("{T}", &k.to_string());
    let copy_text = s.sql.replace("{S}", copy).replace("{T}", &k.to_string());
    let expected = execute(
        conn,
        copy,
        &copy_text,
        Some((&s.params, None)),
        k,
        Rows::All,
    )
    .await;
    let Ok((mut expected, _)) = expected else {
        return Outcome::Invalid;
    };
    let scoped = match scoper.rewrite(&full_text, Some(&Scope::one(k))) {
        Ok(scoped) => scoped,
        Err(Error::Unsupported { construct, .. }) => return Outcome::Refused(construct),
        Err(e) => return Outcome::Refused(format!("{e}")),
    };
    if let Err(e) = scoped.check_bind_count(s.params.len()) {
        return Outcome::Mismatch(format!("bind count: {e}"));
    }
    let tenant = scoped.tenant_param().map(|_| P::I(k));
    let got = execute(
        conn,
        "alltenants",
        scoped.sql(),
        Some((&s.params, tenant)),
        k,
        Rows::Tenants(keys),
    )
    .await;
    let (mut got, others) = match got {
        Ok(r) => r,
        Err(e) => return Outcome::Failed(format!("{e}\n  scoped: {}", scoped.sql())),
    };
    if !s.ordered {
        expected.rows.sort();
        got.rows.sort();
    }
    if got != expected {
        return Outcome::Mismatch(format!(
            "scoped: {}\n  expected: {expected:?}\n  got: {got:?}",
            scoped.sql()
        ));
    }
    if others.as_ref() != Some(others_before) {
        return Outcome::Mismatch(format!(
            "other tenants' rows changed\n  scoped: {}",
            scoped.sql()
        ));
    }
    let unscoped = execute(
        conn,
        "alltenants",
        &full_text,
        Some((&s.params, None)),
        k,
        Rows::Tenants(keys),
    )
    .await;
    let discriminating = match unscoped {
        Ok((mut u, others)) => {
            if !s.ordered {
                u.rows.sort();
            }
            u != expected || others.as_ref() != Some(others_before)
        }
        Err(_) => true,
    };
    Outcome::Isolated { discriminating }
}

/// The counts of a run.
#[derive(Default)]
struct Tally {
    isolated: usize,
    discriminating: usize,
    invalid: usize,
    refused: BTreeMap<String, usize>,
    failed: Vec<String>,
    mismatched: Vec<String>,
}

impl Tally {
    fn refused_total(&self) -> usize {
        self.refused.values().sum()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_statements_scoped_on_all_tenants_equal_the_original_on_the_tenants_copy() {
    let seed = env_number("ORACLE_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
    });
    let cases: Vec<u64> = match env_number("ORACLE_CASE") {
        Some(one) => vec![one],
        None => (0..env_number("ORACLE_CASES").unwrap_or(2_000)).collect(),
    };
    println!(
        "generated oracle: ORACLE_SEED={seed}, {} statements",
        cases.len()
    );
    with_oracle_db(move |mut conn| async move {
        sqlx::raw_sql("SET statement_timeout = '10s'; SET search_path TO alltenants")
            .execute(&mut conn)
            .await
            .expect("session settings");
        let scoper = Scoper::new(schema());
        let mut before = Vec::new();
        for &(_, keys) in COPIES {
            before.push(dump(&mut conn, Rows::Others(keys)).await.expect("dump"));
        }
        let mut tally = Tally::default();
        for &case in &cases {
            let s = statement(seed, case);
            let which = (case as usize) % COPIES.len();
            let (copy, keys) = COPIES[which];
            let header = || {
                format!(
                    "ORACLE_SEED={seed} ORACLE_CASE={case} (tenant {}):\n  sql: {}\n  params: {:?}",
                    keys[0], s.sql, s.params
                )
            };
            match check(&mut conn, &scoper, &s, (copy, keys), &before[which]).await {
                Outcome::Isolated { discriminating } => {
                    tally.isolated += 1;
                    tally.discriminating += usize::from(discriminating);
                }
                Outcome::Refused(why) => {
                    if cases.len() == 1 {
                        println!("{}\n  refused: {why}", header());
                    }
                    *tally.refused.entry(why).or_default() += 1;
                }
                Outcome::Invalid => tally.invalid += 1,
                Outcome::Failed(e) => tally.failed.push(format!("{}\n  error: {e}", header())),
                Outcome::Mismatch(e) => tally.mismatched.push(format!("{}\n  {e}", header())),
            }
        }
        let total = cases.len();
        println!(
            "generated oracle: {total} statements: {} isolated ({} of them discriminating), \
             {} refused, {} invalid on the copy (skipped), {} failed in PostgreSQL, {} mismatched",
            tally.isolated,
            tally.discriminating,
            tally.refused_total(),
            tally.invalid,
            tally.failed.len(),
            tally.mismatched.len()
        );
        for (why, n) in &tally.refused {
            println!("  refused {n}: {why}");
        }
        let mut problems: Vec<&String> = tally.mismatched.iter().chain(&tally.failed).collect();
        problems.truncate(10);
        for p in &problems {
            println!("\n{p}");
        }
        assert!(
            tally.mismatched.is_empty() && tally.failed.is_empty(),
            "ORACLE_SEED={seed}: {} mismatched, {} failed in PostgreSQL; first:\n{}",
            tally.mismatched.len(),
            tally.failed.len(),
            problems
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join("\n\n")
        );
        assert!(
            total < 100 || tally.refused_total() * 100 < total,
            "ORACLE_SEED={seed}: {} of {total} statements refused (1% or more)",
            tally.refused_total()
        );
    })
    .await;
}
