//! Tenant keys bound as the type PostgreSQL infers for the tenant parameter: `integer` and
//! `smallint` tenant columns take a `bigint` key that fits, `uuid` and `text`/`varchar` keys
//! their own type, arrays of them for a set of tenants (also an empty one). Statements without
//! bind values take a key as a literal only where that is safe.

mod common;

use common::TestDb;
use multitenant::{Error as ScopeError, KeyKind, Schema, Scope};
use multitenant_postgres::{Error, TenantPool};
use tokio_postgres::types::Type;
use uuid::Uuid;

const TABLES: &str = "
CREATE TABLE items (account_id integer NOT NULL, id bigint NOT NULL, name text NOT NULL, PRIMARY KEY (account_id, id));
CREATE TABLE tags (account_id smallint NOT NULL, id bigint NOT NULL, PRIMARY KEY (account_id, id));
CREATE TABLE notes (org uuid NOT NULL, id bigint NOT NULL, body text NOT NULL, PRIMARY KEY (org, id));
CREATE TABLE labels (team text NOT NULL, id bigint NOT NULL, body text NOT NULL, PRIMARY KEY (team, id));
CREATE TABLE badges (team varchar(20) NOT NULL, id bigint NOT NULL, PRIMARY KEY (team, id));
";

async fn database(key_kind: KeyKind) -> (TestDb, TenantPool) {
    let db = TestDb::create(TABLES).await;
    let schema = Schema::builder()
        .key_kind(key_kind)
        .tenant_table("items", "account_id")
        .tenant_table("tags", "account_id")
        .tenant_table("notes", "org")
        .tenant_table("labels", "team")
        .tenant_table("badges", "team")
        .build()
        .unwrap();
    let (pool, _) = db.tenant_pool(schema);
    (db, pool)
}

async fn count(pool: &TenantPool, scope: Scope, table: &str) -> i64 {
    let client = pool.scoped(scope).await.unwrap();
    let sql = format!("SELECT count(*) FROM {table}");
    client.query_one(&sql, &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn integer_tenant_columns_take_a_bigint_key_that_fits() {
    let (db, pool) = database(KeyKind::BigInt).await;
    for tenant in [1_i64, 2] {
        let client = pool.tenant(tenant).await.unwrap();
        let sql = "INSERT INTO items (id, name) VALUES ($1, $2)"; // the tenant parameter is an integer
        assert_eq!(client.execute(sql, &[&1_i64, &"one"]).await.unwrap(), 1);
        let sql = "INSERT INTO tags (id) VALUES ($1)"; // ... a smallint
        assert_eq!(client.execute(sql, &[&1_i64]).await.unwrap(), 1);
        let row = client
            .query_one("SELECT account_id FROM items WHERE id = $1", &[&1_i64])
            .await
            .unwrap();
        assert_eq!(row.get::<_, i32>(0), tenant as i32);
        let row = client
            .query_one("SELECT account_id FROM tags", &[])
            .await
            .unwrap();
        assert_eq!(row.get::<_, i16>(0), tenant as i16);
        // Naming the tenant column: the caller's value keeps the column's type.
        let sql = "INSERT INTO items (account_id, id, name) VALUES ($1, 2, 'two')";
        assert_eq!(client.execute(sql, &[&(tenant as i32)]).await.unwrap(), 1);
        let err = client.execute(sql, &[&3_i32]).await.unwrap_err();
        assert!(
            matches!(err, Error::Refused(ScopeError::CrossTenantWrite { .. })),
            "{err}"
        );
        // Without bind values the key is a literal.
        client
            .batch_execute("UPDATE items SET name = upper(name)")
            .await
            .unwrap();
    }
    assert_eq!(
        db.dump("items").await,
        ["(1,1,ONE)", "(1,2,TWO)", "(2,1,ONE)", "(2,2,TWO)"]
    );
    // A set of tenants is an integer[] (a smallint[]), an empty one too.
    assert_eq!(count(&pool, Scope::many([1_i64, 2]), "items").await, 4);
    assert_eq!(count(&pool, Scope::many([2_i64, 3]), "tags").await, 1);
    assert_eq!(
        count(&pool, Scope::many(Vec::<i64>::new()), "items").await,
        0
    );

    // A key that does not fit the column's type is refused before the statement runs.
    let huge = pool.tenant(1_i64 << 40).await.unwrap();
    let err = huge
        .query("SELECT * FROM items WHERE id = $1", &[&1_i64])
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::TenantType { param: 2, ref ty } if *ty == Type::INT4),
        "{err}"
    );
    assert_eq!(err.sqlstate(), Some("42804"));
    let err = pool
        .tenant(40_000_i64)
        .await
        .unwrap()
        .query("SELECT * FROM tags", &[])
        .await;
    assert!(matches!(err, Err(Error::TenantType { param: 1, ref ty }) if *ty == Type::INT2));
    let set = pool.scoped(Scope::many([1_i64, 1 << 40])).await.unwrap();
    let err = set.query("SELECT * FROM items", &[]).await.unwrap_err();
    assert!(
        matches!(err, Error::TenantType { ref ty, .. } if *ty == Type::INT4_ARRAY),
        "{err}"
    );
    assert_eq!(db.dump("items").await.len(), 4);
}

#[tokio::test]
async fn a_key_of_another_kind_than_the_column_is_refused() {
    let (_db, pool) = database(KeyKind::Text).await;
    let client = pool.tenant("1").await.unwrap();
    let err = client.query("SELECT * FROM items", &[]).await.unwrap_err();
    assert!(
        matches!(err, Error::TenantType { ref ty, .. } if *ty == Type::INT4),
        "{err}"
    );
    assert!(err.to_string().contains("key kind"), "{err}");
}

#[tokio::test]
async fn uuid_keys() {
    let (db, pool) = database(KeyKind::Uuid).await;
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    for (org, body) in [(a, "a"), (b, "b")] {
        let client = pool.tenant(org).await.unwrap();
        let sql = "INSERT INTO notes (id, body) VALUES ($1, $2)";
        client.execute(sql, &[&1_i64, &body]).await.unwrap();
        let row = client
            .query_one("SELECT org, body FROM notes", &[])
            .await
            .unwrap();
        assert_eq!(
            (row.get::<_, Uuid>(0), row.get::<_, String>(1)),
            (org, body.into())
        );
    }
    assert_eq!(count(&pool, Scope::many([a, b]), "notes").await, 2);
    // An empty set of tenants sees nothing: the array is a uuid[] even when empty.
    assert_eq!(
        count(&pool, Scope::many(Vec::<Uuid>::new()), "notes").await,
        0
    );
    // A UUID is safe as a literal.
    let client = pool.tenant(b).await.unwrap();
    client
        .batch_execute("UPDATE notes SET body = 'b2'")
        .await
        .unwrap();
    let bodies = db.dump("(SELECT body FROM notes) n").await;
    assert_eq!(bodies, ["(a)", "(b2)"]);
    // A key of the wrong kind is refused before anything is sent.
    let err = pool
        .tenant(1_i64)
        .await
        .unwrap()
        .query("SELECT * FROM notes", &[])
        .await;
    assert!(matches!(
        err,
        Err(Error::Refused(ScopeError::InvalidTenantKey {
            expected: KeyKind::Uuid,
            ..
        }))
    ));
}

#[tokio::test]
async fn text_and_varchar_keys() {
    let (db, pool) = database(KeyKind::Text).await;
    for team in ["red", "blue"] {
        let client = pool.tenant(team).await.unwrap();
        let sql = "INSERT INTO labels (id, body) VALUES ($1, $2)";
        client
            .execute(sql, &[&1_i64, &format!("{team} label")])
            .await
            .unwrap();
        client
            .execute("INSERT INTO badges (id) VALUES (1)", &[])
            .await
            .unwrap();
        let rows = client.query("SELECT body FROM labels", &[]).await.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].get::<_, String>(0), format!("{team} label"));
        let row = client
            .query_one("SELECT team FROM badges", &[])
            .await
            .unwrap();
        assert_eq!(row.get::<_, String>(0), team);
    }
    assert_eq!(
        count(&pool, Scope::many(["red", "blue"]), "labels").await,
        2
    );
    assert_eq!(
        count(&pool, Scope::many(["blue", "green"]), "badges").await,
        1
    );
    assert_eq!(
        count(&pool, Scope::many(Vec::<String>::new()), "labels").await,
        0
    );
    assert_eq!(
        count(&pool, Scope::many(Vec::<String>::new()), "badges").await,
        0
    );
    // A text key is not safe as a literal: refused, nothing sent.
    let before = db.dump("labels").await;
    let client = pool.tenant("red").await.unwrap();
    let err = client
        .batch_execute("DELETE FROM labels")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Refused(ScopeError::LiteralKeyNotSafe {
                kind: KeyKind::Text
            })
        ),
        "{err}"
    );
    assert_eq!(err.sqlstate(), Some("0A000"));
    assert_eq!(db.dump("labels").await, before);
}
