//! The isolation oracle: every statement of the corpus, scoped for a tenant and run on the data of
//! all tenants, must return exactly what the original statement returns on a copy of the data
//! that holds only that tenant's rows, and must leave the tables exactly as the original leaves
//! the copy (other tenants' rows untouched).
//!
//! How the comparison works:
//! - One fresh database per run (`mt_core_oracle_<uuid>`, dropped at the end, also on failure).
//!   Schema `alltenants` holds tenants 1 to 4; schemas `t1` and `t2` hold only tenant 1's and
//!   tenant 2's rows. The same statement text runs against either through `SET LOCAL search_path`.
//! - In each copy the tenant columns default to the copy's tenant. An INSERT that leaves the
//!   tenant column out then stores the same rows in the copy (by the default) as the scoped
//!   INSERT stores in `alltenants` (by the added parameter), so rows are compared as they are,
//!   with no normalising. Statements that name the tenant column bind the current tenant
//!   ([`P::Tenant`]).
//! - Every statement runs in a transaction that is rolled back. It is prepared with the types of
//!   its parameters declared (`PREPARE q (int8, text, ...)`, as a driver binding `i64` or
//!   `&str` declares them) and executed over the simple protocol, so every value comes back as
//!   PostgreSQL's own text for it. Compared: the rows returned (in order only where the case
//!   says its order is unique), then a dump of every table: the tenant's rows of `alltenants`
//!   against the whole copy, and the other tenants' rows of `alltenants` against their state
//!   before the statement.
//! - Statements without parameters are also scoped with `rewrite_literal` and compared the same way.
//! - The task id sequence is reset before each execution, so ids drawn from it agree.
//! - Text and UUID keys get a smaller check of their own (reads, writes, a cross-tenant INSERT,
//!   literals).
//! - A set of tenants (`Scope::many`) has no oracle here: the scoper keeps joins within one
//!   tenant, which the original statement on a copy holding two tenants does not. Its output is
//!   checked to parse in the property tests.

#[path = "oracle/corpus.rs"]
mod corpus;
#[path = "oracle/db.rs"]
mod db;
#[path = "oracle/regressions.rs"]
mod regressions;
#[path = "oracle/schema.rs"]
mod sample;

use std::collections::BTreeMap;

use corpus::{CORPUS, Case, Expect};
use db::{Binds, COPIES, P, Rows, dump, execute, with_oracle_db};
use multitenant::adapter::cross_tenant_write;
use multitenant::{Error, KeyKind, Schema, Scope, Scoper, TenantKey};
use regressions::REGRESSIONS;
use sample::schema;
use sqlx::{AssertSqlSafe, PgConnection};

/// The scope for a set of tenants, and the value bound to the tenant parameter.
fn scope_of(keys: &'static [i64]) -> (Scope, P) {
    match keys {
        [k] => (Scope::one(*k), P::I(*k)),
        _ => (Scope::many(keys.iter().copied()), P::Ints(keys)),
    }
}

/// How one case came out for one scope.
enum Verdict {
    /// Scoped, and the same outcome as the original on the copy.
    Equal,
    /// Refused with `Error::Unsupported`, as the corpus expects.
    Refused,
}

/// Runs one case for the tenants `keys`, compared with the copy `copy` that holds their rows.
async fn check(
    conn: &mut PgConnection,
    scoper: &Scoper,
    case: &Case,
    (copy, keys): (&str, &'static [i64]),
    others_before: &BTreeMap<&'static str, Vec<String>>,
) -> Result<Verdict, String> {
    let (scope, tenant_value) = scope_of(keys);
    let k = keys[0];
    let scoped = scoper.rewrite(case.sql, Some(&scope));
    if case.expect == Expect::Refused {
        return match scoped {
            Err(Error::Unsupported { .. }) => Ok(Verdict::Refused),
            Err(e) => Err(format!("refused with the wrong error: {e}")),
            Ok(s) => Err(format!("not refused: {}", s.sql())),
        };
    }
    let scoped = scoped.map_err(|e| format!("scoper error: {e}"))?;
    // A statement gets the tenant parameter exactly when it touches a tenant table, which is
    // exactly when it is refused without a tenant.
    let touches_tenant_table =
        matches!(scoper.rewrite(case.sql, None), Err(Error::NoTenant { .. }));
    let param = touches_tenant_table.then_some(scoped.highest_param() + 1);
    if scoped.tenant_param() != param {
        return Err(format!(
            "tenant parameter {:?}, expected {param:?}: {}",
            scoped.tenant_param(),
            scoped.sql()
        ));
    }
    scoped
        .check_bind_count(case.params.len())
        .map_err(|e| e.to_string())?;
    let (mut expected, _) = execute(
        conn,
        copy,
        case.sql,
        Some((case.params, None)),
        k,
        Rows::All,
    )
    .await
    .map_err(|e| format!("original on {copy}: {e}"))?;
    let mut runs: Vec<(&str, String, Binds<'_>)> = vec![(
        "bound",
        scoped.sql().to_owned(),
        Some((case.params, Some(tenant_value))),
    )];
    if case.params.is_empty() {
        let literal = scoper
            .rewrite_literal(case.sql, Some(&scope))
            .map_err(|e| format!("rewrite_literal: {e}"))?;
        runs.push(("literal", literal, None));
    }
    if !case.ordered {
        expected.rows.sort();
    }
    for (how, sql, params) in runs {
        let (mut got, others) = execute(conn, "alltenants", &sql, params, k, Rows::Tenants(keys))
            .await
            .map_err(|e| format!("{how} scoped statement on alltenants: {e}\n  sql: {sql}"))?;
        if !case.ordered {
            got.rows.sort();
        }
        if got != expected {
            return Err(format!(
                "{how} scoped statement differs\n  sql: {sql}\n  expected: {expected:?}\n  got: {got:?}"
            ));
        }
        if others.as_ref() != Some(others_before) {
            return Err(format!(
                "{how} scoped statement changed other tenants' rows\n  sql: {sql}"
            ));
        }
    }
    Ok(Verdict::Equal)
}

/// Whether the unscoped original, run on all tenants' data, already differs from the copy: a
/// case where a missing predicate would have been caught.
async fn discriminates(
    conn: &mut PgConnection,
    case: &Case,
    (copy, keys): (&str, &'static [i64]),
) -> bool {
    let params = Some((case.params, None));
    let k = keys[0];
    let copy = execute(conn, copy, case.sql, params, k, Rows::All).await;
    let full = execute(conn, "alltenants", case.sql, params, k, Rows::Tenants(keys)).await;
    match (copy, full) {
        (Ok((mut a, _)), Ok((mut b, others))) => {
            a.rows.sort();
            b.rows.sort();
            a != b || others.is_none()
        }
        (a, b) => a.is_ok() != b.is_ok(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corpus_scoped_on_all_tenants_equals_original_on_the_tenants_copy() {
    assert!(CORPUS.len() >= 80, "corpus has {} statements", CORPUS.len());
    with_oracle_db(|mut conn| async move {
        let scoper = Scoper::new(schema());
        let mut failures = Vec::new();
        let (mut equal, mut refused, mut discriminating) = (0, 0, 0);
        for &(copy, keys) in COPIES {
            sqlx::raw_sql("SET search_path TO alltenants")
                .execute(&mut conn)
                .await
                .unwrap();
            let others_before = dump(&mut conn, Rows::Others(keys)).await.unwrap();
            for case in CORPUS.iter().chain(REGRESSIONS) {
                match check(&mut conn, &scoper, case, (copy, keys), &others_before).await {
                    Ok(Verdict::Equal) => {
                        equal += 1;
                        if discriminates(&mut conn, case, (copy, keys)).await {
                            discriminating += 1;
                        }
                    }
                    Ok(Verdict::Refused) => refused += 1,
                    Err(e) => failures.push(format!("[tenants {keys:?}] {}: {e}", case.label)),
                }
            }
        }
        println!(
            "oracle: {} statements x {} tenants: {equal} equal ({discriminating} of them differ \
             when run unscoped), {refused} refused as expected, {} failed",
            CORPUS.len() + REGRESSIONS.len(),
            COPIES.len(),
            failures.len()
        );
        assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_statements_change_nothing() {
    with_oracle_db(|mut conn| async move {
        let scoper = Scoper::new(schema());
        sqlx::raw_sql("SET search_path TO alltenants")
            .execute(&mut conn)
            .await
            .unwrap();
        let before = dump(&mut conn, Rows::All).await.unwrap();

        // No tenant set.
        for sql in [
            "SELECT * FROM tasks",
            "UPDATE projects SET name = 'x'",
            "SELECT c.name FROM countries c JOIN accounts a ON a.country_code = c.code",
        ] {
            assert!(
                matches!(scoper.rewrite(sql, None), Err(Error::NoTenant { .. })),
                "{sql}"
            );
            assert!(
                matches!(scoper.rewrite_literal(sql, None), Err(Error::NoTenant { .. })),
                "{sql}"
            );
        }
        assert_eq!(
            scoper
                .rewrite("SELECT name FROM countries", None)
                .unwrap()
                .sql(),
            "SELECT name FROM countries"
        );

        // Cross-tenant INSERT: the text is the same for every tenant, so PostgreSQL refuses it,
        // the whole statement (a valid first row is not written either).
        let key = TenantKey::Int(1);
        let mut refused_by_postgres = 0;
        for (sql, params) in [
            (
                "INSERT INTO managers (account_id, id, name) VALUES ($1, $2, $3)",
                vec![P::I(2), P::I(77), P::T("Intruder")],
            ),
            (
                "INSERT INTO managers (account_id, id, name) VALUES ($1, 78, 'Mine'), ($2, 79, 'Theirs')",
                vec![P::I(1), P::I(3)],
            ),
            (
                "INSERT INTO tasks (account_id, project_id, name) SELECT 2, id, name FROM projects",
                vec![],
            ),
        ] {
            let scoped = scoper.rewrite(sql, Some(&Scope::one(1_i64)));
            let scoped = match scoped {
                // A tenant value the scoper can see is refused before it reaches the database.
                Err(Error::CrossTenantWrite { .. } | Error::Unsupported { .. }) => continue,
                Err(e) => panic!("{sql}: {e}"),
                Ok(s) => s,
            };
            // Sent as an adapter sends it: bound values over the extended protocol, then the
            // tenant; no transaction around it, so nothing but PostgreSQL keeps the rows out.
            scoped.check_bind_count(params.len()).unwrap();
            let mut query = sqlx::query(AssertSqlSafe(scoped.sql().to_owned()));
            for p in &params {
                query = match *p {
                    P::I(i) => query.bind(i),
                    P::T(t) => query.bind(t),
                    other => panic!("no binding for {other:?} here"),
                };
            }
            let err = query
                .bind(1_i64)
                .execute(&mut conn)
                .await
                .expect_err(sql);
            let db_err = err
                .as_database_error()
                .unwrap_or_else(|| panic!("{sql}: not a database error: {err}"));
            let mapped = cross_tenant_write(db_err.code().as_deref(), db_err.message(), Some(&key))
                .unwrap_or_else(|| panic!("{sql}: not recognised: {err}"));
            refused_by_postgres += 1;
            assert!(
                matches!(mapped, Error::CrossTenantWrite { ref table, ref column, ref current, .. }
                    if (table == "managers" || table == "tasks") && column == "account_id" && current == "1"),
                "{sql}: {mapped:?}"
            );
        }

        // Values in bind parameters are only known to PostgreSQL.
        assert!(refused_by_postgres >= 2, "{refused_by_postgres}");

        // Assigning the tenant column, TRUNCATE.
        for sql in [
            "UPDATE tasks SET account_id = 2 WHERE id = 1",
            "UPDATE tasks SET (name, account_id) = ('x', 2)",
            "INSERT INTO tasks (id, project_id, name) VALUES (1, 1, 'x') ON CONFLICT (account_id, id) DO UPDATE SET account_id = 2",
        ] {
            assert!(
                matches!(
                    scoper.rewrite(sql, Some(&Scope::one(1_i64))),
                    Err(Error::TenantColumnAssignment { .. })
                ),
                "{sql}"
            );
        }
        for sql in ["TRUNCATE tasks", "TRUNCATE countries, projects CASCADE"] {
            assert!(
                matches!(
                    scoper.rewrite(sql, Some(&Scope::one(1_i64))),
                    Err(Error::Unsupported { .. })
                ),
                "{sql}"
            );
        }
        sqlx::raw_sql("SET search_path TO alltenants")
            .execute(&mut conn)
            .await
            .unwrap();
        assert_eq!(dump(&mut conn, Rows::All).await.unwrap(), before);
    })
    .await;
}

/// Text and UUID tenant keys: the same statements keep to the tenant's rows, a cross-tenant
/// INSERT fails inside PostgreSQL and is recognised, and literals are written only for UUIDs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_and_uuid_keys_are_isolated() {
    const A: &str = "0b6f5c57-5c55-4c0e-9a43-6a1c0c1d0001";
    const B: &str = "0b6f5c57-5c55-4c0e-9a43-6a1c0c1d0002";
    with_oracle_db(|mut conn| async move {
        sqlx::raw_sql(AssertSqlSafe(format!(
            "CREATE SCHEMA ktext; CREATE SCHEMA kuuid; \
             CREATE SEQUENCE ktext.task_ids; CREATE SEQUENCE kuuid.task_ids; \
             CREATE TABLE ktext.docs (org text NOT NULL, id int NOT NULL, body text NOT NULL, \
                 PRIMARY KEY (org, id)); \
             CREATE TABLE kuuid.docs (org uuid NOT NULL, id int NOT NULL, body text NOT NULL, \
                 PRIMARY KEY (org, id)); \
             INSERT INTO ktext.docs VALUES ('acme', 1, 'a1'), ('acme', 2, 'a2'), ('globex', 1, 'g1'); \
             INSERT INTO kuuid.docs VALUES ('{A}', 1, 'a1'), ('{A}', 2, 'a2'), ('{B}', 1, 'g1');"
        )))
        .execute(&mut conn)
        .await
        .expect("key kind tables");
        for (kind, path, mine, theirs) in [
            (KeyKind::Text, "ktext", P::T("acme"), P::T("globex")),
            (KeyKind::Uuid, "kuuid", P::U(A), P::U(B)),
        ] {
            let scoper = Scoper::new(
                Schema::builder()
                    .key_kind(kind)
                    .tenant_table("docs", "org")
                    .build()
                    .unwrap(),
            );
            let (P::T(key) | P::U(key)) = mine else {
                unreachable!()
            };
            let key = kind.parse_key(key).unwrap();
            let scope = Scope::one(key.clone());
            // RETURNING lists every row a write touched: only the tenant's.
            let statements = [
                ("SELECT id, body FROM docs ORDER BY id", vec![]),
                ("SELECT body FROM docs WHERE id = $1", vec![P::I(1)]),
                ("UPDATE docs SET body = body || '!' RETURNING id, body", vec![]),
                ("DELETE FROM docs WHERE id = $1 RETURNING body", vec![P::I(1)]),
                ("INSERT INTO docs (id, body) VALUES ($1, 'new') RETURNING org::text, id", vec![P::I(3)]),
            ];
            let expected: [&[&str]; 5] = [
                &["\"1\", \"a1\"", "\"2\", \"a2\""],
                &["\"a1\""],
                &["\"1\", \"a1!\"", "\"2\", \"a2!\""],
                &["\"a1\""],
                &[],
            ];
            for ((sql, params), want) in statements.iter().zip(expected) {
                let scoped = scoper.rewrite(sql, Some(&scope)).unwrap();
                assert_eq!(scoped.tenant_param(), Some(params.len() + 1), "{sql}");
                let (got, _) = execute(
                    &mut conn,
                    path,
                    scoped.sql(),
                    Some((params, Some(mine))),
                    0,
                    Rows::Nothing,
                )
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
                let mut rows = got.rows;
                rows.sort();
                if sql.starts_with("INSERT") {
                    assert_eq!(rows.len(), 1, "{sql}");
                    assert!(rows[0].contains(&key.to_string()), "{sql}: {rows:?}");
                } else {
                    assert_eq!(rows, want, "{sql}");
                }
            }
            // A row naming the other tenant is refused by PostgreSQL and recognised.
            let sql = "INSERT INTO docs (org, id, body) VALUES ($1, 9, 'x')";
            let scoped = scoper.rewrite(sql, Some(&scope)).unwrap();
            let err = execute(
                &mut conn,
                path,
                scoped.sql(),
                Some((&[theirs], Some(mine))),
                0,
                Rows::Nothing,
            )
            .await
            .expect_err("cross-tenant insert");
            assert!(
                matches!(
                    // the code is checked on the bound path above; here the message's table
                    cross_tenant_write(Some("22P02"), &err, Some(&key)),
                    Some(Error::CrossTenantWrite { ref table, .. }) if table == "docs"
                ),
                "{kind}: {err}"
            );
            // Literals only where they are safe.
            let literal = scoper.rewrite_literal("SELECT body FROM docs ORDER BY body", Some(&scope));
            if kind == KeyKind::Uuid {
                let sql = literal.unwrap();
                assert_eq!(
                    sql,
                    format!("SELECT body FROM docs WHERE docs.org = '{A}'::uuid ORDER BY body")
                );
                let (got, _) = execute(&mut conn, path, &sql, None, 0, Rows::Nothing)
                    .await
                    .unwrap();
                assert_eq!(got.rows, ["\"a1\"", "\"a2\""]);
            } else {
                assert!(matches!(literal, Err(Error::LiteralKeyNotSafe { .. })));
            }
        }
    })
    .await;
}
