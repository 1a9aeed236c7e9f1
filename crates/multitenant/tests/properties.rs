//! Properties of the scoper, over generated statements:
//! - it never panics, whatever the text (arbitrary strings, token soup, mangled corpus entries);
//! - whatever it returns parses as PostgreSQL SQL;
//! - a statement that touches a tenant table never comes back without the tenant parameter, and
//!   is refused when no tenant is set;
//! - for generated statements (SELECTs mixing joins, subqueries, CTEs, set operations, LATERAL and
//!   predicates over the sample schema, and UPDATEs and DELETEs whose rows are picked by such
//!   predicates and FROM / USING items) the scoped statement run as tenant 1 on all tenants' data
//!   returns what the original returns on tenant 1's copy and leaves the same rows behind, and
//!   other tenants' rows untouched, in the oracle database.
//!
//! Generated statements are built from a sequence of choices (bytes) that proptest shrinks
//! towards shorter sequences and smaller bytes, and choice 0 is always the simplest option, so a
//! failure shrinks to a small statement.

// Only the statement texts of the corpus are used here.
#[allow(dead_code)]
#[path = "oracle/corpus.rs"]
mod corpus;
// The oracle database; not every helper of the oracle is needed here.
#[allow(dead_code)]
#[path = "oracle/db.rs"]
mod db;
#[path = "oracle/schema.rs"]
mod sample;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use db::{Rows, dump, execute, with_oracle_db};
use multitenant::{Error, Scope, Scoper};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use sample::schema;

/// Tables of the sample schema with their integer columns; `true` for tenant tables.
const TABLES: &[(&str, bool, &[&str])] = &[
    (
        "tasks",
        true,
        &["id", "project_id", "priority", "assignee_id", "parent_id"],
    ),
    ("projects", true, &["id", "manager_id"]),
    ("managers", true, &["id"]),
    ("project_managers", true, &["project_id", "manager_id"]),
    ("accounts", true, &["id"]),
    ("countries", false, &["length(code)"]),
];

/// Builds one SELECT from a sequence of choices. Every query it builds returns one integer
/// column `v`, so any query fits anywhere a query goes.
struct Gen<'a> {
    choices: &'a [u8],
    next: usize,
    aliases: usize,
    ctes: Vec<String>,
    touches_tenant_table: bool,
}

impl Gen<'_> {
    fn pick(&mut self, n: usize) -> usize {
        let c = self.choices.get(self.next).copied().unwrap_or(0);
        self.next += 1;
        c as usize % n
    }

    fn alias(&mut self) -> String {
        self.aliases += 1;
        format!("a{}", self.aliases)
    }

    /// A SELECT (choice 0), or an UPDATE or DELETE of a tenant table whose rows are picked by a
    /// generated predicate, optionally over generated FROM / USING items.
    fn statement(&mut self, depth: u32) -> String {
        let write = self.pick(4);
        if write < 2 {
            return self.query(depth);
        }
        let (table, cols) = [
            (
                "tasks",
                &["id", "project_id", "priority", "assignee_id"][..],
            ),
            ("project_managers", &["project_id", "manager_id"][..]),
        ][self.pick(2)];
        self.touches_tenant_table = true;
        let a = self.alias();
        let mut cols: Vec<String> = cols.iter().map(|c| qualify(&a, c)).collect();
        let source = if self.pick(2) == 1 {
            let (item, more) = self.source(depth - 1, true);
            cols.extend(more);
            Some(item)
        } else {
            None
        };
        let pred = self.predicate(depth - 1, &cols);
        if write == 2 {
            let using = source.map(|s| format!(" USING {s}")).unwrap_or_default();
            format!("DELETE FROM {table} {a}{using} WHERE {pred} RETURNING {a}.*")
        } else {
            let from = source.map(|s| format!(" FROM {s}")).unwrap_or_default();
            let (set, key) = match table {
                "tasks" => (format!("priority = {a}.priority + 1"), "id"),
                _ => (format!("role = {a}.role || '+'"), "manager_id"),
            };
            format!("UPDATE {table} {a} SET {set}{from} WHERE {pred} RETURNING {a}.{key}")
        }
    }

    fn query(&mut self, depth: u32) -> String {
        match if depth == 0 { 0 } else { self.pick(4) } {
            1 => {
                let op = ["UNION", "UNION ALL", "INTERSECT", "EXCEPT"][self.pick(4)];
                let (l, r) = (self.query(depth - 1), self.query(depth - 1));
                format!("({l}) {op} ({r})")
            }
            2 => {
                let name = format!("c{}", self.ctes.len() + 1);
                let body = self.query(depth - 1);
                self.ctes.push(name.clone());
                let outer = self.select(depth - 1);
                self.ctes.pop();
                format!("WITH {name} AS ({body}) {outer}")
            }
            _ => self.select(depth),
        }
    }

    fn select(&mut self, depth: u32) -> String {
        let (from, cols) = self.source(depth, true);
        let col = cols[self.pick(cols.len())].clone();
        let target = match self.pick(4) {
            1 => "count(*)".to_owned(),
            2 => format!("DISTINCT {col}"),
            _ => col.clone(),
        };
        let mut sql = format!("SELECT {target} AS v FROM {from}");
        if self.pick(3) > 0 {
            let pred = self.predicate(depth, &cols);
            sql.push_str(&format!(" WHERE {pred}"));
        }
        if target == "count(*)" && self.pick(2) == 1 {
            sql.push_str(&format!(" GROUP BY {col}"));
        }
        sql
    }

    /// A FROM item and the integer columns it makes visible. A comma list only at the top of a
    /// FROM clause; a join inside another join is parenthesised.
    fn source(&mut self, depth: u32, top: bool) -> (String, Vec<String>) {
        let choice = if depth == 0 { 0 } else { self.pick(6) };
        match choice {
            1 => {
                let q = self.query(depth - 1);
                let a = self.alias();
                (format!("({q}) {a}"), vec![format!("{a}.v")])
            }
            2 => {
                let (l, mut lc) = self.source(depth - 1, false);
                let (r, rc) = self.source(depth - 1, false);
                let kinds = [
                    "JOIN",
                    "LEFT JOIN",
                    "RIGHT JOIN",
                    "FULL JOIN",
                    "CROSS JOIN",
                    ",",
                ];
                let kind = kinds[self.pick(if top { 6 } else { 5 })];
                let on = if matches!(kind, "CROSS JOIN" | ",") {
                    String::new()
                } else {
                    let (x, y) = (&lc[self.pick(lc.len())], &rc[self.pick(rc.len())]);
                    format!(" ON {x} = {y}")
                };
                lc.extend(rc);
                let item = format!("{l} {kind} {r}{on}");
                (if top { item } else { format!("({item})") }, lc)
            }
            3 if !self.ctes.is_empty() => {
                let i = self.pick(self.ctes.len());
                let name = self.ctes[i].clone();
                let a = self.alias();
                (format!("{name} {a}"), vec![format!("{a}.v")])
            }
            4 => {
                let (l, mut lc) = self.source(depth - 1, false);
                let outer = lc[self.pick(lc.len())].clone();
                let (t, tc) = self.table();
                let inner = self.alias();
                let col = qualify(&inner, tc[self.pick(tc.len())]);
                let a = self.alias();
                let sub = format!("SELECT {col} AS v FROM {t} {inner} WHERE {col} = {outer}");
                let item = if self.pick(2) == 0 {
                    format!("{l} CROSS JOIN LATERAL ({sub}) {a}")
                } else {
                    format!("{l} LEFT JOIN LATERAL ({sub}) {a} ON true")
                };
                lc.push(format!("{a}.v"));
                (if top { item } else { format!("({item})") }, lc)
            }
            _ => {
                let (t, tc) = self.table();
                let a = self.alias();
                let cols = tc.iter().map(|c| qualify(&a, c)).collect();
                (format!("{t} {a}"), cols)
            }
        }
    }

    fn table(&mut self) -> (&'static str, &'static [&'static str]) {
        let (name, tenant, cols) = TABLES[self.pick(TABLES.len())];
        self.touches_tenant_table |= tenant;
        (name, cols)
    }

    fn predicate(&mut self, depth: u32, cols: &[String]) -> String {
        let col = cols[self.pick(cols.len())].clone();
        let choice = if depth == 0 {
            self.pick(3)
        } else {
            self.pick(8)
        };
        match choice {
            1 => format!("{col} > {}", self.pick(5)),
            2 => format!("{col} IS NULL"),
            3 => format!(
                "({} OR {})",
                self.predicate(depth - 1, cols),
                self.predicate(depth - 1, cols)
            ),
            4 => format!(
                "{} AND {}",
                self.predicate(depth - 1, cols),
                self.predicate(depth - 1, cols)
            ),
            5 => format!("NOT ({})", self.predicate(depth - 1, cols)),
            6 => format!("{col} IN ({})", self.query(depth - 1)),
            7 => {
                let (t, tc) = self.table();
                let a = self.alias();
                let inner = qualify(&a, tc[self.pick(tc.len())]);
                format!("EXISTS (SELECT 1 FROM {t} {a} WHERE {inner} = {col})")
            }
            _ => format!("{col} = {}", cols[self.pick(cols.len())]),
        }
    }
}

/// `alias.column`, or an expression over the alias's column (`length(code)`).
fn qualify(alias: &str, column: &str) -> String {
    match column.split_once('(') {
        Some((f, rest)) => format!("{f}({alias}.{rest}"),
        None => format!("{alias}.{column}"),
    }
}

/// A generated statement and whether it touches a tenant table.
fn generate(choices: &[u8]) -> (String, bool) {
    let mut g = Gen {
        choices,
        next: 0,
        aliases: 0,
        ctes: Vec::new(),
        touches_tenant_table: false,
    };
    let sql = g.statement(3);
    (sql, g.touches_tenant_table)
}

fn choices() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..64)
}

fn one() -> Scope {
    Scope::one(1_i64)
}

/// The static properties for any text: no panic, output parses, a touched tenant table is always
/// filtered. Returns the scoped text when the scoper took the statement.
fn static_properties(scoper: &Scoper, sql: &str) -> Result<Option<String>, TestCaseError> {
    let no_tenant = scoper.rewrite(sql, None);
    let scoped = scoper.rewrite(sql, Some(&one()));
    let many = scoper.rewrite(sql, Some(&Scope::many([1_i64, 2])));
    let literal = scoper.rewrite_literal(sql, Some(&one()));
    let touches = matches!(no_tenant, Err(Error::NoTenant { .. }));
    let Ok(scoped) = scoped else {
        return Ok(None);
    };
    prop_assert_eq!(
        scoped.tenant_param().is_some(),
        touches,
        "tenant parameter of {} -> {}",
        sql,
        scoped.sql()
    );
    if let Some(n) = scoped.tenant_param() {
        prop_assert_eq!(n, scoped.highest_param() + 1);
        prop_assert!(scoped.sql().contains(&format!("${n}")), "{}", scoped.sql());
    }
    let mut outputs = vec![scoped.sql().to_owned()];
    outputs.extend(many.ok().map(|s| s.sql().to_owned()));
    outputs.extend(literal.ok());
    for out in &outputs {
        prop_assert!(
            pg_query::parse(out, 0).is_ok(),
            "output does not parse: {} -> {}",
            sql,
            out
        );
    }
    Ok(Some(scoped.sql().to_owned()))
}

/// Words and symbols SQL is made of, for token soup that reaches deep into the rewrite.
const TOKENS: &[&str] = &[
    "SELECT",
    "*",
    "FROM",
    "tasks",
    "projects",
    "managers",
    "countries",
    "accounts",
    "t",
    "p",
    "JOIN",
    "LEFT",
    "FULL",
    "LATERAL",
    "ON",
    "USING",
    "(",
    ")",
    ",",
    "WHERE",
    "=",
    "AND",
    "OR",
    "NOT",
    "IN",
    "EXISTS",
    "WITH",
    "x",
    "AS",
    "UNION",
    "INSERT",
    "INTO",
    "VALUES",
    "UPDATE",
    "SET",
    "DELETE",
    "RETURNING",
    "ON CONFLICT",
    "DO",
    "NOTHING",
    "account_id",
    "id",
    "$1",
    "$2",
    "1",
    "'a'",
    "ORDER BY",
    "LIMIT",
    "GROUP BY",
    "FOR UPDATE",
    ";",
    "t.id",
    "p.id",
    "t.account_id",
    "RECURSIVE",
    "DEFAULT",
    "TRUNCATE",
    "COPY",
    "MERGE",
    "::int",
    "[1]",
    "->>",
];

fn token_soup() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(TOKENS), 1..24).prop_map(|t| t.join(" "))
}

/// A corpus entry with a piece cut out or duplicated.
fn mangled_corpus() -> impl Strategy<Value = String> {
    (
        proptest::sample::select(corpus::CORPUS),
        any::<prop::sample::Index>(),
        any::<prop::sample::Index>(),
        any::<bool>(),
    )
        .prop_map(|(case, a, b, dup)| {
            let sql = case.sql;
            let bounds: Vec<usize> = sql
                .char_indices()
                .map(|(i, _)| i)
                .chain([sql.len()])
                .collect();
            let (mut i, mut j) = (*a.get(&bounds), *b.get(&bounds));
            if i > j {
                std::mem::swap(&mut i, &mut j);
            }
            if dup {
                format!("{}{}", &sql[..j], &sql[i..])
            } else {
                format!("{}{}", &sql[..i], &sql[j..])
            }
        })
}

proptest! {
    #![proptest_config(Config { cases: 512, failure_persistence: None, ..Config::default() })]

    #[test]
    fn any_text_is_scoped_or_refused_without_panic(sql in any::<String>()) {
        static_properties(&Scoper::new(schema()), &sql)?;
    }

    #[test]
    fn token_soup_is_scoped_or_refused_without_panic(sql in token_soup()) {
        static_properties(&Scoper::new(schema()), &sql)?;
    }

    #[test]
    fn mangled_corpus_is_scoped_or_refused_without_panic(sql in mangled_corpus()) {
        static_properties(&Scoper::new(schema()), &sql)?;
    }

    #[test]
    fn generated_statements_are_scoped_and_parse(bytes in choices()) {
        let (sql, touches) = generate(&bytes);
        let scoper = Scoper::new(schema());
        prop_assert!(pg_query::parse(&sql, 0).is_ok(), "generated SQL does not parse: {}", sql);
        let out = static_properties(&scoper, &sql)?;
        prop_assert!(out.is_some(), "refused: {} ({:?})", sql, scoper.rewrite(&sql, Some(&one())).err());
        prop_assert_eq!(
            matches!(scoper.rewrite(&sql, None), Err(Error::NoTenant { .. })),
            touches,
            "{}",
            sql
        );
    }
}

/// Generated statements run against the database (two to three executions each, so the whole
/// file stays well under a minute on a busy 2-core machine).
const DB_CASES: u32 = 1000;

/// Generated statements against the oracle database: scoped on all tenants' data as tenant 1, the
/// same rows returned and left behind as the original on tenant 1's copy, and other tenants'
/// rows untouched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_statements_reach_only_the_tenants_rows() {
    with_oracle_db(|mut conn| async move {
        sqlx::raw_sql("SET search_path TO alltenants")
            .execute(&mut conn)
            .await
            .unwrap();
        let others_before = dump(&mut conn, Rows::Others(&[1])).await.unwrap();
        let conn = Arc::new(tokio::sync::Mutex::new(conn));
        let handle = tokio::runtime::Handle::current();
        let discriminating = Arc::new(AtomicUsize::new(0));
        let counted = discriminating.clone();
        let result = tokio::task::spawn_blocking(move || {
            let scoper = Scoper::new(schema());
            let mut runner = TestRunner::new(Config {
                cases: DB_CASES,
                failure_persistence: None,
                ..Config::default()
            });
            let discriminating = counted;
            runner.run(&choices(), |bytes| {
                let (sql, _) = generate(&bytes);
                let scoped = scoper
                    .rewrite(&sql, Some(&one()))
                    .map_err(|e| TestCaseError::fail(format!("{sql}: {e}")))?;
                handle.block_on(async {
                    let mut conn = conn.lock().await;
                    let expected =
                        execute(&mut conn, "t1", &sql, Some((&[], None)), 1, Rows::All).await;
                    let got = execute(
                        &mut conn,
                        "alltenants",
                        scoped.sql(),
                        Some((&[], scoped.tenant_param().map(|_| db::P::I(1)))),
                        1,
                        Rows::Tenants(&[1]),
                    )
                    .await;
                    match (expected, got) {
                        (Ok((mut e, _)), Ok((mut g, others))) => {
                            e.rows.sort();
                            g.rows.sort();
                            let unscoped = execute(
                                &mut conn,
                                "alltenants",
                                &sql,
                                Some((&[], None)),
                                1,
                                Rows::Tenants(&[1]),
                            )
                            .await;
                            if let Ok((mut u, others)) = unscoped {
                                u.rows.sort();
                                if u != e || others.as_ref() != Some(&others_before) {
                                    discriminating.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                            prop_assert_eq!(e, g, "{} -> {}", sql, scoped.sql());
                            prop_assert!(
                                others.as_ref() == Some(&others_before),
                                "changed other tenants' rows: {} -> {}",
                                sql,
                                scoped.sql()
                            );
                        }
                        (e, g) => prop_assert!(
                            false,
                            "{} -> {}: original {:?}, scoped {:?}",
                            sql,
                            scoped.sql(),
                            e.err(),
                            g.err()
                        ),
                    }
                    Ok(())
                })
            })
        })
        .await
        .expect("the property runner");
        if let Err(e) = result {
            panic!("{e}");
        }
        // Statements whose result differs when the scoping is left out: the ones that test it.
        let n = discriminating.load(Ordering::Relaxed);
        println!("generated statements: {DB_CASES} isolated, {n} of them differ when run unscoped");
        assert!(
            n >= DB_CASES as usize / 4,
            "only {n} generated statements depend on the scoping"
        );
    })
    .await;
}
