//! The oracle database: the sample domain with every tenant in schema `alltenants` and one copy
//! per tenant holding only its rows, and the execution of one statement against either, its
//! values bound through a prepared statement, in a transaction that is rolled back.

use std::collections::BTreeMap;

use multitenant_test_support::TestDatabase;
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, Connection, PgConnection, Row};

/// A value bound to one of the statement's own placeholders.
#[derive(Clone, Copy, Debug)]
pub(crate) enum P {
    /// `int8`.
    I(i64),
    /// `text`.
    T(&'static str),
    /// `bool`.
    B(bool),
    /// `jsonb`.
    J(&'static str),
    /// `int8[]`.
    Ints(&'static [i64]),
    /// `uuid`.
    U(&'static str),
    /// `int8`, the current tenant's key (for statements that name the tenant column themselves).
    Tenant,
}

const SETUP: &str = include_str!("setup.sql");

/// Tables with their tenant column (`None`: a reference table), in dump order.
pub(crate) const TABLES: &[(&str, Option<&str>)] = &[
    ("countries", None),
    ("accounts", Some("id")),
    ("managers", Some("account_id")),
    ("projects", Some("account_id")),
    ("project_managers", Some("account_id")),
    ("tasks", Some("account_id")),
    ("visits", Some("account_id")),
];

/// The copies of the data: schema name and the tenants whose rows it holds. (No copy for a set
/// of tenants: the scoper joins tenant tables only within one tenant, so the original statement
/// on such a copy is not what a set of tenants should see.)
pub(crate) const COPIES: &[(&str, &[i64])] = &[("t1", &[1]), ("t2", &[2])];

/// Runs `test` against a fresh database holding the oracle data, and drops the database
/// afterwards whether `test` passed or panicked.
pub(crate) async fn with_oracle_db<F, Fut>(test: F)
where
    F: FnOnce(PgConnection) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let database = TestDatabase::create("mt_core_oracle").await;
    let mut conn = PgConnection::connect(&database.url)
        .await
        .expect("connect to the oracle database");
    let outcome = tokio::spawn(async move {
        load(&mut conn).await;
        test(conn).await
    })
    .await;
    drop(database);
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// `'{1,2}'`: a set of tenants as an `int8[]` literal.
pub(crate) fn array_literal(keys: &[i64]) -> String {
    let items: Vec<String> = keys.iter().map(i64::to_string).collect();
    format!("'{{{}}}'::int8[]", items.join(","))
}

/// Creates `alltenants` with every tenant and the copies in [`COPIES`]. A copy of one tenant
/// defaults its tenant columns to that tenant.
async fn load(conn: &mut PgConnection) {
    let mut script = format!("CREATE SCHEMA alltenants; SET search_path TO alltenants; {SETUP}");
    for (copy, keys) in COPIES {
        script.push_str(&format!(
            "CREATE SCHEMA {copy}; SET search_path TO {copy}; {SETUP}"
        ));
        let set = array_literal(keys);
        // Children first, so foreign keys hold while other tenants' rows go.
        for (table, column) in TABLES.iter().rev() {
            if let Some(column) = column {
                script.push_str(&format!(
                    "DELETE FROM {table} WHERE {column} <> ALL ({set});"
                ));
                if let [k] = keys {
                    script.push_str(&format!(
                        "ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT {k};"
                    ));
                }
            }
        }
    }
    script.push_str("RESET search_path;");
    sqlx::raw_sql(AssertSqlSafe(script))
        .execute(conn)
        .await
        .expect("load the oracle data");
}

/// What one execution produced: the rows returned, then each table's rows.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub(crate) rows: Vec<String>,
    pub(crate) tables: BTreeMap<&'static str, Vec<String>>,
}

/// A row as text: each value as PostgreSQL writes it, NULL marked.
fn row_text(row: &PgRow) -> String {
    (0..row.len())
        .map(|i| {
            let raw = row.try_get_raw(i).expect("column");
            if sqlx::ValueRef::is_null(&raw) {
                "NULL".to_owned()
            } else {
                format!("{:?}", raw.as_str().expect("text value"))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn param_type(p: &P) -> &'static str {
    match p {
        P::I(_) | P::Tenant => "int8",
        P::T(_) => "text",
        P::B(_) => "bool",
        P::J(_) => "jsonb",
        P::Ints(_) => "int8[]",
        P::U(_) => "uuid",
    }
}

fn param_literal(p: &P, tenant: i64) -> String {
    let quote = |s: &str| format!("'{}'", s.replace('\'', "''"));
    match p {
        P::I(i) => i.to_string(),
        P::Tenant => tenant.to_string(),
        P::T(s) | P::J(s) | P::U(s) => quote(s),
        P::B(b) => b.to_string(),
        P::Ints(keys) => array_literal(keys),
    }
}

/// Which rows of the dump to take: all of a table, or those of a set of tenants, or all others;
/// or no dump (for tables outside the sample domain).
#[derive(Clone, Copy)]
pub(crate) enum Rows {
    Nothing,
    All,
    Tenants(&'static [i64]),
    Others(&'static [i64]),
}

pub(crate) async fn dump(
    conn: &mut PgConnection,
    rows: Rows,
) -> Result<BTreeMap<&'static str, Vec<String>>, String> {
    let mut out = BTreeMap::new();
    if matches!(rows, Rows::Nothing) {
        return Ok(out);
    }
    // One round trip: each table's rows as one text array.
    let columns: Vec<String> = TABLES
        .iter()
        .map(|(table, column)| {
            let filter = match (rows, column) {
                (Rows::Tenants(ks), Some(c)) => format!("WHERE {c} = ANY ({})", array_literal(ks)),
                (Rows::Others(ks), Some(c)) => format!("WHERE {c} <> ALL ({})", array_literal(ks)),
                _ => String::new(),
            };
            format!(
                "(SELECT coalesce(array_agg(x::text ORDER BY x::text), '{{}}') FROM {table} x {filter})"
            )
        })
        .collect();
    let sql = format!("SELECT {}", columns.join(", "));
    let row = sqlx::raw_sql(AssertSqlSafe(sql))
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| format!("dump: {e}"))?;
    for (i, (table, _)) in TABLES.iter().enumerate() {
        let values: Vec<Option<String>> = row
            .try_get(i)
            .map_err(|e| format!("dump of {table}: {e}"))?;
        let rows = values
            .into_iter()
            .map(|v| format!("{:?}", v.unwrap_or_default()))
            .collect();
        out.insert(*table, rows);
    }
    Ok(out)
}

/// How a statement gets its values: the case's own, then the tenant key (or set of keys) when
/// the scoper added a parameter for it; `None`: the text is sent as it is, with no parameters.
pub(crate) type Binds<'a> = Option<(&'a [P], Option<P>)>;

/// Runs `sql` in `search_path` inside a rolled-back transaction; `params` are bound through a
/// prepared statement (`None`: the text is sent as it is). Returns the outcome and, when
/// `dump_rows` picks some tenants, the other tenants' rows after the statement.
pub(crate) async fn execute(
    conn: &mut PgConnection,
    search_path: &str,
    sql: &str,
    params: Binds<'_>,
    tenant: i64,
    dump_rows: Rows,
) -> Result<(Outcome, Option<BTreeMap<&'static str, Vec<String>>>), String> {
    sqlx::raw_sql(AssertSqlSafe(format!(
        "DEALLOCATE ALL; BEGIN; SET LOCAL search_path TO {search_path}; \
         SELECT setval('task_ids', 1000, false);"
    )))
    .execute(&mut *conn)
    .await
    .map_err(|e| e.to_string())?;
    let result = async {
        let rows = match params {
            None => sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
                .fetch_all(&mut *conn)
                .await
                .map_err(|e| e.to_string())?,
            Some((ps, tenant_param)) => {
                let mut types: Vec<&str> = ps.iter().map(param_type).collect();
                let mut values: Vec<String> = ps.iter().map(|p| param_literal(p, tenant)).collect();
                if let Some(p) = tenant_param {
                    types.push(param_type(&p));
                    values.push(param_literal(&p, tenant));
                }
                let prepare = if types.is_empty() {
                    format!("PREPARE q AS {sql}")
                } else {
                    format!("PREPARE q ({}) AS {sql}", types.join(", "))
                };
                sqlx::raw_sql(AssertSqlSafe(prepare))
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| e.to_string())?;
                let exec = if values.is_empty() {
                    "EXECUTE q".to_owned()
                } else {
                    format!("EXECUTE q ({})", values.join(", "))
                };
                sqlx::raw_sql(AssertSqlSafe(exec))
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(|e| e.to_string())?
            }
        };
        let rows = rows.iter().map(row_text).collect();
        let tables = dump(conn, dump_rows).await?;
        let others = match dump_rows {
            Rows::Tenants(ks) => Some(dump(conn, Rows::Others(ks)).await?),
            _ => None,
        };
        Ok((Outcome { rows, tables }, others))
    }
    .await;
    sqlx::raw_sql("ROLLBACK; DEALLOCATE ALL;")
        .execute(&mut *conn)
        .await
        .map_err(|e| e.to_string())?;
    result
}
