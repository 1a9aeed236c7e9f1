//! The scoped client against real PostgreSQL: three tenants with overlapping ids; no tenant
//! ever reads, changes or deletes another's rows.

mod common;

use common::{connect, domain};
use multitenant::adapter::ScopeSource;
use multitenant::{Error as ScopeError, Scope};
use multitenant_postgres::{Error, TenantClient, TenantPool, scope_error};
use tokio_postgres::Row;

fn ids(rows: &[Row], column: &str) -> Vec<i64> {
    rows.iter().map(|r| r.get(column)).collect()
}

#[tokio::test]
async fn reads_see_only_the_tenants_rows() {
    let (_db, pool, _) = domain().await;
    for tenant in 1..=3_i64 {
        let db = pool.tenant(tenant).await.unwrap();
        let tasks = db
            .query(
                "SELECT account_id, id, name, done FROM tasks ORDER BY id",
                &[],
            )
            .await
            .unwrap();
        assert_eq!(ids(&tasks, "id"), vec![1, 2, 3, 4, 5, 6]);
        assert!(tasks.iter().all(|t| {
            t.get::<_, i64>("account_id") == tenant
                && t.get::<_, String>("name")
                    .ends_with(&format!(" of {tenant}"))
        }));

        let one = db
            .query_one(
                "SELECT account_id, name FROM tasks WHERE id = $1",
                &[&2_i64],
            )
            .await
            .unwrap();
        assert_eq!(one.get::<_, i64>(0), tenant);
        let missing = db
            .query_opt("SELECT name FROM tasks WHERE id = $1", &[&99_i64])
            .await
            .unwrap();
        assert!(missing.is_none());

        let n: i64 = db
            .query_one(
                "SELECT count(*) FROM tasks t JOIN projects p ON p.id = t.project_id",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(n, 6, "the join stays inside the tenant");

        // The many-to-many: a project's managers, through the link table.
        let managers: Vec<String> = db
            .query(
                "SELECT m.name FROM managers m JOIN project_managers pm ON pm.manager_id = m.id \
                 JOIN projects p ON p.id = pm.project_id WHERE p.id = $1 ORDER BY m.name",
                &[&1_i64],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert_eq!(managers, vec![format!("manager 2 of {tenant}")]);

        // The root table: a tenant sees its own account, and the reference table is shared.
        let accounts = db.query("SELECT id FROM accounts", &[]).await.unwrap();
        assert_eq!(ids(&accounts, "id"), vec![tenant]);
        let countries: i64 = db
            .query_one("SELECT count(*) FROM countries", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(countries, 2);
    }
    // A set of tenants.
    let both = pool.scoped(Scope::many([1_i64, 3])).await.unwrap();
    let n: i64 = both
        .query_one("SELECT count(*) FROM tasks", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 12);
    // Explicitly unscoped.
    let all = pool.unscoped().await.unwrap();
    let n: i64 = all
        .query_one("SELECT count(*) FROM tasks", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 18);
}

#[tokio::test]
async fn writes_stay_inside_the_tenant() {
    let (db, pool, _) = domain().await;
    let two = pool.tenant(2_i64).await.unwrap();
    // Insert: the tenant column is filled in.
    let n = two
        .execute(
            "INSERT INTO tasks (id, project_id, name) VALUES ($1, $2, $3)",
            &[&100_i64, &1_i64, &"new"],
        )
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(
        db.dump("tasks WHERE id = 100").await,
        vec!["(2,100,1,new,f)"]
    );

    // Update and delete touch only the tenant's row with that id.
    let others = db.dump("tasks WHERE account_id <> 2").await;
    let sql = "UPDATE tasks SET done = NOT done WHERE id = $1";
    assert_eq!(two.execute(sql, &[&1_i64]).await.unwrap(), 1);
    let sql = "DELETE FROM tasks WHERE id = $1";
    assert_eq!(two.execute(sql, &[&3_i64]).await.unwrap(), 1);
    let three = pool.tenant(3_i64).await.unwrap();
    let n = three
        .execute("DELETE FROM tasks WHERE id = 100", &[])
        .await
        .unwrap();
    assert_eq!(n, 0, "tenant 3 cannot delete tenant 2's row");
    assert_eq!(db.dump("tasks WHERE account_id <> 2").await, others);
    assert_eq!(
        db.dump("tasks WHERE account_id = 2 AND id IN (1, 3)").await,
        vec!["(2,1,2,\"task 1 of 2\",t)"]
    );

    // An upsert cannot take over another tenant's row.
    let one = pool.tenant(1_i64).await.unwrap();
    one.execute(
        "INSERT INTO projects (id, name) VALUES ($1, $2) \
         ON CONFLICT (account_id, id) DO UPDATE SET name = EXCLUDED.name",
        &[&1_i64, &"renamed"],
    )
    .await
    .unwrap();
    let names = db
        .dump("(SELECT name FROM projects WHERE id = 1 ORDER BY account_id) p")
        .await;
    assert_eq!(
        names,
        vec!["(\"project 1 of 2\")", "(\"project 1 of 3\")", "(renamed)"]
    );

    // A row never moves to another tenant.
    let all = db.dump("tasks").await;
    let err = two
        .execute("UPDATE tasks SET account_id = 1 WHERE id = 1", &[])
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Refused(ScopeError::TenantColumnAssignment { .. })
        ),
        "{err}"
    );
    // A cross-tenant insert fails in PostgreSQL and writes nothing.
    let err = two
        .execute(
            "INSERT INTO tasks (account_id, id, project_id, name) VALUES ($1, 200, 1, 'x'), (2, 201, 1, 'y')",
            &[&1_i64],
        )
        .await
        .unwrap_err();
    match &err {
        Error::Refused(ScopeError::CrossTenantWrite {
            table,
            column,
            value,
            current,
        }) => assert_eq!(
            [table, column, value, current].map(String::as_str),
            ["tasks", "account_id", "1", "2"]
        ),
        other => panic!("expected a cross-tenant write, got {other:?}"),
    }
    assert_eq!(err.sqlstate(), Some("42501"));
    assert!(scope_error(&err).is_some());
    assert_eq!(db.dump("tasks").await, all);
    // Naming its own tenant is fine.
    two.execute(
        "INSERT INTO tasks (account_id, id, project_id, name) VALUES ($1, 300, 1, 'own')",
        &[&2_i64],
    )
    .await
    .unwrap();
    // A database error stays one, with its own SQLSTATE.
    let err = two
        .execute(
            "INSERT INTO tasks (id, project_id, name) VALUES (300, 1, 'again')",
            &[],
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Db(_)), "{err}");
    assert_eq!(err.sqlstate(), Some("23505"));
    assert!(scope_error(&err).is_none());
}

#[tokio::test]
async fn no_tenant_set_refuses_everything_and_sends_nothing() {
    let (db, pool, scoper) = domain().await;
    let before = db.dump("tasks").await;
    let mut bare = connect(&db.url).await;
    for sql in [
        "SELECT * FROM tasks",
        "INSERT INTO tasks (id, project_id, name) VALUES (1000, 1, 'x')",
        "UPDATE tasks SET done = true",
        "DELETE FROM tasks",
        "SELECT * FROM countries c JOIN accounts a ON a.country_id = c.id",
        // PostgreSQL would reject this column: refused before it is sent
        "SELECT no_such_column FROM tasks",
    ] {
        let ambient = pool.ambient().await.unwrap();
        let no_tenant = TenantClient::new(&mut bare, scoper.clone(), ScopeSource::NoTenant);
        for err in [
            ambient.execute(sql, &[]).await.unwrap_err(),
            ambient.query(sql, &[]).await.unwrap_err(),
            ambient.batch_execute(sql).await.unwrap_err(),
            ambient.prepare(sql).await.unwrap_err(),
            no_tenant.execute(sql, &[]).await.unwrap_err(),
            no_tenant.batch_execute(sql).await.unwrap_err(),
        ] {
            assert!(
                matches!(err, Error::Refused(ScopeError::NoTenant { .. })),
                "{sql}: {err}"
            );
            assert_eq!(err.sqlstate(), Some("42501"));
        }
    }
    assert_eq!(db.dump("tasks").await, before);
    // The reference table needs no tenant.
    let ambient = pool.ambient().await.unwrap();
    let n: i64 = ambient
        .query_one("SELECT count(*) FROM countries", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 2);
    // The ambient scope, read at each statement.
    let n: i64 = multitenant::scope(3_i64, async {
        ambient
            .query_one("SELECT count(*) FROM tasks WHERE done", &[])
            .await
    })
    .await
    .unwrap()
    .get(0);
    assert_eq!(n, 3);
    let sql = "SELECT account_id FROM tasks WHERE id = $1";
    let row = multitenant::scope(2_i64, ambient.query_one(sql, &[&1_i64]))
        .await
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), 2);
}

#[tokio::test]
async fn transactions_stay_scoped() {
    let (db, pool, scoper) = domain().await;
    // Rolled back: nothing stays.
    let mut three = pool.tenant(3_i64).await.unwrap();
    let tx = three.transaction().await.unwrap();
    tx.execute("INSERT INTO projects (id, name) VALUES (50, 'in tx')", &[])
        .await
        .unwrap();
    let n: i64 = tx
        .query_one("SELECT count(*) FROM projects", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 4);
    // Naming the tenant column works in a transaction too; naming another tenant is refused.
    let sql = "INSERT INTO projects (account_id, id, name) VALUES ($1, $2, 'named')";
    assert_eq!(tx.execute(sql, &[&3_i64, &51_i64]).await.unwrap(), 1);
    let err = tx.execute(sql, &[&1_i64, &52_i64]).await.unwrap_err();
    assert!(
        matches!(err, Error::Refused(ScopeError::CrossTenantWrite { .. })),
        "{err}"
    );
    tx.rollback().await.unwrap();
    assert!(db.dump("projects WHERE id >= 50").await.is_empty());

    // Begun under an ambient scope, the transaction keeps it after the scope ends.
    let mut ambient = pool.ambient().await.unwrap();
    let tx = multitenant::scope(1_i64, async { ambient.transaction().await })
        .await
        .unwrap();
    assert_eq!(
        tx.execute("DELETE FROM tasks WHERE done", &[])
            .await
            .unwrap(),
        3
    );
    tx.commit().await.unwrap();
    let left = db
        .dump("(SELECT account_id FROM tasks WHERE done GROUP BY 1) t")
        .await;
    assert_eq!(left, vec!["(2)", "(3)"]);

    // A transaction of the caller's, wrapped: its writes reach only tenant 2 and commit with it;
    // a savepoint inside it is scoped too.
    let before = db.dump("managers WHERE account_id <> 2").await;
    let mut bare = connect(&db.url).await;
    let tx = bare.transaction().await.unwrap();
    let mut tx = TenantClient::new(tx, scoper.clone(), Scope::one(2_i64));
    let sql = "UPDATE managers SET name = name || ' (renamed)' WHERE id = $1";
    assert_eq!(tx.execute(sql, &[&1_i64]).await.unwrap(), 1);
    let savepoint = tx.transaction().await.unwrap();
    let sql = "UPDATE managers SET name = 'gone'";
    assert_eq!(savepoint.execute(sql, &[]).await.unwrap(), 2);
    savepoint.rollback().await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        db.dump("managers WHERE name LIKE '%(renamed)'").await,
        vec!["(2,1,\"manager 1 of 2 (renamed)\")"]
    );
    assert_eq!(db.dump("managers WHERE account_id <> 2").await, before);
    assert_eq!(db.dump("managers WHERE account_id = 2").await.len(), 2);
}

#[tokio::test]
async fn batch_execute_carries_the_key_as_a_literal() {
    let (db, pool, _) = domain().await;
    let one = pool.tenant(1_i64).await.unwrap();
    one.batch_execute("UPDATE tasks SET done = true; DELETE FROM project_managers WHERE id = 2")
        .await
        .unwrap();
    let done = db
        .dump("(SELECT account_id, count(*) FROM tasks WHERE done GROUP BY 1) t")
        .await;
    assert_eq!(done, vec!["(1,6)", "(2,3)", "(3,3)"]);
    let links = db
        .dump("(SELECT account_id, count(*) FROM project_managers GROUP BY 1) t")
        .await;
    assert_eq!(links, vec!["(1,2)", "(2,3)", "(3,3)"]);
}

#[tokio::test]
async fn one_prepared_text_serves_every_tenant() {
    let (db, _, scoper) = domain().await;
    let mut conn = connect(&db.url).await;
    let sql = "SELECT count(*) FROM tasks WHERE done = $1";
    let mut prepared = Vec::new();
    for tenant in 1..=3_i64 {
        let client = TenantClient::new(&mut conn, scoper.clone(), Scope::one(tenant));
        let statement = client.prepare(sql).await.unwrap();
        assert_eq!(
            statement.params().len(),
            2,
            "the tenant parameter is the last"
        );
        prepared.push(statement);
        let n: i64 = client.query_one(sql, &[&true]).await.unwrap().get(0);
        assert_eq!(n, 3);
    }
    let texts: Vec<String> = conn
        .query(
            "SELECT DISTINCT statement FROM pg_prepared_statements WHERE statement LIKE 'SELECT count(*) FROM tasks%'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        texts,
        vec!["SELECT count(*) FROM tasks WHERE done = $1 AND tasks.account_id = $2"]
    );
}

#[tokio::test]
async fn the_pool_connects_from_a_url() {
    let (db, _, _) = domain().await;
    let pool = TenantPool::connect(&db.url, common::schema())
        .await
        .unwrap();
    let client = pool.tenant(2_i64).await.unwrap();
    let names: Vec<String> = client
        .query("SELECT name FROM managers ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(names, vec!["manager 1 of 2", "manager 2 of 2"]);
    // Several pooled connections at once, each with its own tenant.
    let clients = [
        pool.tenant(1_i64).await.unwrap(),
        pool.tenant(3_i64).await.unwrap(),
    ];
    for (client, tenant) in clients.iter().zip([1_i64, 3]) {
        let rows = client
            .query("SELECT account_id FROM projects", &[])
            .await
            .unwrap();
        assert_eq!(ids(&rows, "account_id"), vec![tenant; 3]);
    }
    // A handle's futures are Send: they run on a spawned task.
    let task = tokio::spawn(async move {
        let mut client = pool.tenant(3_i64).await?;
        let tx = client.transaction().await?;
        let n: i64 = tx
            .query_one("SELECT count(*) FROM tasks", &[])
            .await?
            .get(0);
        tx.commit().await.map(|()| n)
    });
    assert_eq!(task.await.unwrap().unwrap(), 6);
    let bad = TenantPool::connect("postgres://postgres@127.0.0.1:1/none", common::schema()).await;
    assert!(matches!(bad, Err(Error::Pool(_))), "{bad:?}");
}
