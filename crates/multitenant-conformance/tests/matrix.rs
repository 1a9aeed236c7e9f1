//! The adapter contract as one matrix: every key kind (`bigint`, `integer`, `uuid`, `text`)
//! times every scope (one tenant, a set, an empty set, unscoped, none, ambient) through every
//! adapter, on a real PostgreSQL. Each adapter implements [`Adapter`]: run a query or a write
//! through one of its handles made from a [`Scoping`], and hand back the core's error when it
//! refused. Anything else that fails (a statement PostgreSQL rejects, a tenant value of the
//! wrong type) fails the test with the adapter's and the case's name.

use std::sync::Arc;

use multitenant::adapter::{ScopeSource, Scoping};
use multitenant::{Error, KeyKind, Schema, Scope, Scoper, TenantKey};
use multitenant_test_support::TestDatabase;
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use sqlx::{AssertSqlSafe, PgPool};

/// The type of the tenant column.
#[derive(Clone, Copy, Debug)]
enum Kind {
    BigInt,
    Int,
    Uuid,
    Text,
}

impl Kind {
    const ALL: [Kind; 4] = [Kind::BigInt, Kind::Int, Kind::Uuid, Kind::Text];

    fn sql_type(self) -> &'static str {
        match self {
            Kind::BigInt => "bigint",
            Kind::Int => "integer",
            Kind::Uuid => "uuid",
            Kind::Text => "text",
        }
    }

    fn key_kind(self) -> KeyKind {
        match self {
            Kind::BigInt | Kind::Int => KeyKind::BigInt,
            Kind::Uuid => KeyKind::Uuid,
            Kind::Text => KeyKind::Text,
        }
    }

    /// Tenant `n`'s key.
    fn key(self, n: u8) -> TenantKey {
        match self {
            Kind::BigInt => TenantKey::Int(i64::from(n) << 40),
            Kind::Int => TenantKey::Int(i64::from(n) * 1000),
            Kind::Uuid => TenantKey::Uuid(uuid::Uuid::from_u128(u128::from(n) << 64 | 7)),
            Kind::Text => TenantKey::from(format!("tenant {n}")),
        }
    }
}

/// What the matrix asks of an adapter.
trait Adapter: Sized {
    const NAME: &'static str;

    async fn connect(url: &str) -> Self;

    /// The `name` column of a query's rows, sent through a handle with `scoping`.
    async fn names(&self, scoping: Scoping, sql: &str) -> Result<Vec<String>, Error>;

    /// A write with one text bind value: the rows it affected.
    async fn execute(&self, scoping: Scoping, sql: &str, value: &str) -> Result<u64, Error>;
}

struct Sqlx(PgPool);

impl Adapter for Sqlx {
    const NAME: &'static str = "sqlx";

    async fn connect(url: &str) -> Self {
        Sqlx(PgPool::connect(url).await.expect("connect"))
    }

    async fn names(&self, scoping: Scoping, sql: &str) -> Result<Vec<String>, Error> {
        sqlx::query_scalar(AssertSqlSafe(sql.to_owned()))
            .fetch_all(multitenant_sqlx::Tenanted::with_scoping(&self.0, scoping))
            .await
            .map_err(sqlx_refusal)
    }

    async fn execute(&self, scoping: Scoping, sql: &str, value: &str) -> Result<u64, Error> {
        sqlx::query(AssertSqlSafe(sql.to_owned()))
            .bind(value.to_owned())
            .execute(multitenant_sqlx::Tenanted::with_scoping(&self.0, scoping))
            .await
            .map(|r| r.rows_affected())
            .map_err(sqlx_refusal)
    }
}

fn sqlx_refusal(err: sqlx::Error) -> Error {
    multitenant_sqlx::scope_error(&err)
        .cloned()
        .unwrap_or_else(|| panic!("sqlx: not a refusal: {err}"))
}

struct SeaOrm(sea_orm::DatabaseConnection);

impl Adapter for SeaOrm {
    const NAME: &'static str = "sea-orm";

    async fn connect(url: &str) -> Self {
        SeaOrm(sea_orm::Database::connect(url).await.expect("connect"))
    }

    async fn names(&self, scoping: Scoping, sql: &str) -> Result<Vec<String>, Error> {
        let conn = multitenant_sea_orm::TenantConnection::with_scoping(self.0.clone(), scoping);
        let rows = conn
            .query_all_raw(Statement::from_string(DbBackend::Postgres, sql))
            .await
            .map_err(sea_orm_refusal)?;
        Ok(rows
            .iter()
            .map(|row| row.try_get::<String>("", "name").expect("name"))
            .collect())
    }

    async fn execute(&self, scoping: Scoping, sql: &str, value: &str) -> Result<u64, Error> {
        let conn = multitenant_sea_orm::TenantConnection::with_scoping(self.0.clone(), scoping);
        let stmt = Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            [Value::String(Some(value.to_owned()))],
        );
        conn.execute_raw(stmt)
            .await
            .map(|r| r.rows_affected())
            .map_err(sea_orm_refusal)
    }
}

fn sea_orm_refusal(err: sea_orm::DbErr) -> Error {
    multitenant_sea_orm::scope_error(&err)
        .cloned()
        .unwrap_or_else(|| panic!("sea-orm: not a refusal: {err}"))
}

/// One client; `TenantClient` takes it by `&mut`, as it does any plain client.
struct TokioPostgres(tokio::sync::Mutex<tokio_postgres::Client>);

impl Adapter for TokioPostgres {
    const NAME: &'static str = "tokio-postgres";

    async fn connect(url: &str) -> Self {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .expect("connect");
        tokio::spawn(connection);
        TokioPostgres(tokio::sync::Mutex::new(client))
    }

    async fn names(&self, scoping: Scoping, sql: &str) -> Result<Vec<String>, Error> {
        let mut plain = self.0.lock().await;
        let client = multitenant_postgres::TenantClient::new(
            &mut *plain,
            scoping.scoper().clone(),
            scoping.source().clone(),
        );
        let rows = client.query(sql, &[]).await.map_err(postgres_refusal)?;
        Ok(rows.iter().map(|row| row.get("name")).collect())
    }

    async fn execute(&self, scoping: Scoping, sql: &str, value: &str) -> Result<u64, Error> {
        let mut plain = self.0.lock().await;
        let client = multitenant_postgres::TenantClient::new(
            &mut *plain,
            scoping.scoper().clone(),
            scoping.source().clone(),
        );
        client
            .execute(sql, &[&value])
            .await
            .map_err(postgres_refusal)
    }
}

fn postgres_refusal(err: multitenant_postgres::Error) -> Error {
    match err {
        multitenant_postgres::Error::Refused(e) => e,
        other => panic!("tokio-postgres: not a refusal: {other}"),
    }
}

const NAMES: &str = "SELECT name FROM items ORDER BY name";

/// A database with `items` keyed by `kind`: tenants 1..=3, ids 1 and 2 in each.
async fn items(kind: Kind) -> (TestDatabase, Arc<Scoper>) {
    let db = TestDatabase::create("mt_conformance").await;
    let pool = PgPool::connect(&db.url).await.expect("connect");
    let create = format!(
        "CREATE TABLE items (tenant {} NOT NULL, id integer NOT NULL, name text NOT NULL, \
         PRIMARY KEY (tenant, id))",
        kind.sql_type()
    );
    sqlx::raw_sql(AssertSqlSafe(create))
        .execute(&pool)
        .await
        .expect("create");
    for n in 1..=3 {
        for id in 1..=2 {
            sqlx::query(AssertSqlSafe(format!(
                "INSERT INTO items VALUES ($1::text::{}, $2, $3)",
                kind.sql_type()
            )))
            .bind(kind.key(n).to_string())
            .bind(id)
            .bind(format!("t{n}-{id}"))
            .execute(&pool)
            .await
            .expect("seed");
        }
    }
    pool.close().await;
    let schema = Schema::builder()
        .key_kind(kind.key_kind())
        .tenant_table("items", "tenant")
        .build()
        .expect("schema");
    (db, Arc::new(Scoper::new(schema)))
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn no_tenant(result: Result<impl std::fmt::Debug, Error>, case: &str) {
    assert!(
        matches!(result, Err(Error::NoTenant { ref table }) if table == "items"),
        "{case}: {result:?}"
    );
}

/// The whole matrix for one adapter and one key kind.
async fn matrix<A: Adapter>(kind: Kind) {
    let (db, scoper) = items(kind).await;
    let adapter = A::connect(&db.url).await;
    let case = |what: &str| format!("{} / {}: {what}", A::NAME, kind.sql_type());
    let with = |source: ScopeSource| Scoping::new(scoper.clone(), source);
    let fixed = |scope: Scope| with(ScopeSource::Fixed(scope));
    let all = names(&["t1-1", "t1-2", "t2-1", "t2-2", "t3-1", "t3-2"]);

    // Reads, under every scope.
    let one = adapter.names(fixed(Scope::one(kind.key(1))), NAMES).await;
    assert_eq!(one, Ok(names(&["t1-1", "t1-2"])), "{}", case("one tenant"));
    let set = Scope::many([kind.key(1), kind.key(3)]);
    let got = adapter.names(fixed(set), NAMES).await;
    assert_eq!(
        got,
        Ok(names(&["t1-1", "t1-2", "t3-1", "t3-2"])),
        "{}",
        case("a set")
    );
    let empty = Scope::many(Vec::<TenantKey>::new());
    let got = adapter.names(fixed(empty.clone()), NAMES).await;
    assert_eq!(got, Ok(Vec::new()), "{}", case("an empty set"));
    let got = adapter.names(fixed(Scope::Unscoped), NAMES).await;
    assert_eq!(got, Ok(all.clone()), "{}", case("unscoped"));
    no_tenant(
        adapter.names(with(ScopeSource::NoTenant), NAMES).await,
        &case("none"),
    );
    let ambient = multitenant::scope(
        kind.key(2),
        adapter.names(with(ScopeSource::Ambient), NAMES),
    )
    .await;
    assert_eq!(ambient, Ok(names(&["t2-1", "t2-2"])), "{}", case("ambient"));
    no_tenant(
        adapter.names(with(ScopeSource::Ambient), NAMES).await,
        &case("ambient, none set"),
    );

    // Writes: the tenant column is filled in, and only the tenant's rows change.
    let insert = "INSERT INTO items (id, name) VALUES (3, $1)";
    let n = adapter
        .execute(fixed(Scope::one(kind.key(2))), insert, "t2-3")
        .await;
    assert_eq!(n, Ok(1), "{}", case("insert"));
    let got = adapter.names(fixed(Scope::one(kind.key(2))), NAMES).await;
    assert_eq!(
        got,
        Ok(names(&["t2-1", "t2-2", "t2-3"])),
        "{}",
        case("read back")
    );
    let rename = "UPDATE items SET name = name || $1";
    let n = adapter.execute(fixed(empty), rename, "!").await;
    assert_eq!(n, Ok(0), "{}", case("update, an empty set"));
    let delete = "DELETE FROM items WHERE id = 3 AND name <> $1";
    let n = adapter
        .execute(fixed(Scope::one(kind.key(2))), delete, "")
        .await;
    assert_eq!(n, Ok(1), "{}", case("delete"));
    no_tenant(
        adapter
            .execute(with(ScopeSource::NoTenant), insert, "nobody's")
            .await,
        &case("insert, none"),
    );

    // A row naming another tenant in a bind value: PostgreSQL refuses it, the adapter
    // recognises the refusal, and nothing is written.
    let cross = format!(
        "INSERT INTO items (tenant, id, name) VALUES ($1::text::{}, 9, 'x')",
        kind.sql_type()
    );
    let other = kind.key(3).to_string();
    let got = adapter
        .execute(fixed(Scope::one(kind.key(1))), &cross, &other)
        .await;
    assert!(
        matches!(got, Err(Error::CrossTenantWrite { ref table, ref value, .. }) if table == "items" && *value == other),
        "{}: {got:?}",
        case("cross-tenant insert")
    );
    let got = adapter.names(fixed(Scope::Unscoped), NAMES).await;
    assert_eq!(got, Ok(all), "{}", case("nothing written"));
}

async fn every_kind<A: Adapter>() {
    for kind in Kind::ALL {
        matrix::<A>(kind).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlx_follows_the_contract() {
    every_kind::<Sqlx>().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sea_orm_follows_the_contract() {
    every_kind::<SeaOrm>().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokio_postgres_follows_the_contract() {
    every_kind::<TokioPostgres>().await;
}

/// A refusal is a permanent database error with the core's SQLSTATE, never a connection error:
/// code that retries connection failures must not retry it, and a caller can tell them apart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_is_not_a_connection_error() {
    let (db, scoper) = items(Kind::BigInt).await;
    let none = Scoping::new(scoper.clone(), ScopeSource::NoTenant);

    // sqlx: a refusal is `sqlx::Error::Database` with SQLSTATE 42501, carrying the core error.
    let pool = PgPool::connect(&db.url).await.expect("connect");
    let refused = sqlx::query(NAMES)
        .fetch_all(multitenant_sqlx::Tenanted::with_scoping(
            &pool,
            none.clone(),
        ))
        .await
        .unwrap_err();
    let as_db = refused.as_database_error().expect("a database error");
    assert_eq!(as_db.code().as_deref(), Some("42501"));
    assert!(
        as_db
            .try_downcast_ref::<multitenant_sqlx::Refused>()
            .is_some()
    );
    assert!(matches!(
        multitenant_sqlx::scope_error(&refused),
        Some(Error::NoTenant { .. })
    ));
    pool.close().await;
    let closed = sqlx::query("SELECT 1")
        .fetch_all(multitenant_sqlx::Tenanted::with_scoping(
            &pool,
            none.clone(),
        ))
        .await
        .unwrap_err();
    assert!(matches!(closed, sqlx::Error::PoolClosed), "{closed}");
    assert!(multitenant_sqlx::scope_error(&closed).is_none());

    // SeaORM: a refusal is `DbErr::Query`/`DbErr::Exec` over the same database error, never
    // `DbErr::Conn` or `DbErr::ConnectionAcquire`.
    let conn = sea_orm::Database::connect(&db.url).await.expect("connect");
    let scoped = multitenant_sea_orm::TenantConnection::with_scoping(conn.clone(), none.clone());
    let refused = scoped
        .query_all_raw(Statement::from_string(DbBackend::Postgres, NAMES))
        .await
        .unwrap_err();
    assert!(matches!(refused, sea_orm::DbErr::Query(_)), "{refused:?}");
    assert!(matches!(
        multitenant_sea_orm::scope_error(&refused),
        Some(Error::NoTenant { .. })
    ));
    let refused = scoped
        .execute_raw(Statement::from_string(
            DbBackend::Postgres,
            "DELETE FROM items",
        ))
        .await
        .unwrap_err();
    assert!(matches!(refused, sea_orm::DbErr::Exec(_)), "{refused:?}");
    conn.clone().close().await.expect("close");
    let closed = scoped
        .query_all_raw(Statement::from_string(DbBackend::Postgres, "SELECT 1"))
        .await
        .unwrap_err();
    assert!(
        multitenant_sea_orm::scope_error(&closed).is_none(),
        "{closed:?}"
    );
    assert!(
        matches!(
            closed,
            sea_orm::DbErr::Conn(_) | sea_orm::DbErr::ConnectionAcquire(_)
        ),
        "{closed:?}"
    );
}
