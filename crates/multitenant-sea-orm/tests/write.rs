//! Every way SeaORM writes, through a scoped connection: the tenant column is filled in, another
//! tenant's rows (with the same ids) are never changed or deleted, a row never moves to another
//! tenant, and with no tenant set nothing is written.

mod common;

use common::entities::*;
use common::{TestDb, keys};
use multitenant_sea_orm::{TenantConnection, scope_error};
use sea_orm::ActiveValue::{NotSet, Set, Unchanged};
use sea_orm::prelude::*;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    DbBackend, IntoActiveModel, QueryOrder, Statement, TransactionError, TransactionSession,
    TransactionTrait,
};

fn new_task(id: i64, project_id: i64, name: &str) -> tasks::ActiveModel {
    tasks::ActiveModel {
        account_id: NotSet,
        id: Set(id),
        project_id: Set(project_id),
        name: Set(name.to_owned()),
        done: Set(false),
    }
}

async fn task(conn: &TenantConnection, id: i64) -> Option<tasks::Model> {
    tasks::Entity::find()
        .filter(tasks::Column::Id.eq(id))
        .one(conn)
        .await
        .unwrap()
}

/// The rows of `table` that belong to tenants other than `tenant`, read without scoping.
async fn others(t: &TestDb, table: &str, tenant: i64) -> Vec<String> {
    let column = if table == "accounts" {
        "id"
    } else {
        "account_id"
    };
    t.snapshot(table)
        .await
        .into_iter()
        .filter(|row| {
            let row: serde_json::Value = serde_json::from_str(row).unwrap();
            row[column] != tenant
        })
        .collect()
}

/// `ON CONFLICT (account_id, id) DO UPDATE SET` the `update` columns.
fn on_key_conflict<const N: usize>(update: [tasks::Column; N]) -> OnConflict {
    OnConflict::columns([tasks::Column::AccountId, tasks::Column::Id])
        .update_columns(update)
        .to_owned()
}

fn assert_scope_error(err: &DbErr, expected: fn(&multitenant::Error) -> bool) {
    let scope = scope_error(err);
    assert!(scope.is_some_and(expected), "unexpected error: {err:?}");
}

#[tokio::test]
async fn insert_fills_in_the_tenant() {
    let t = TestDb::new().await;
    let conn = t.db.tenant(2_i64);
    let before = others(&t, "tasks", 2).await;

    // ActiveModel::insert: the same id as the other tenants' task 1 is fine, it is tenant 2's
    let inserted = new_task(10, 1, "written").insert(&conn).await.unwrap();
    assert_eq!((inserted.account_id, inserted.id), (2, 10));

    // Entity::insert returns the composite key, tenant included
    let result = tasks::Entity::insert(new_task(11, 1, "also written"))
        .exec(&conn)
        .await
        .unwrap();
    assert_eq!(result.last_insert_id, (2, 11));

    // no id either: the database generates it, the scoper fills the tenant
    let generated = projects::ActiveModel {
        name: Set("generated".into()),
        ..Default::default()
    }
    .insert(&conn)
    .await
    .unwrap();
    assert_eq!(generated.account_id, 2);
    assert!(generated.id >= 1000);

    assert_eq!(others(&t, "tasks", 2).await, before);
    assert!(task(&conn, 10).await.is_some());
    assert!(task(&t.db.tenant(1_i64), 10).await.is_none());
}

#[tokio::test]
async fn insert_many_fills_in_the_tenant() {
    let t = TestDb::new().await;
    let conn = t.db.tenant(3_i64);
    tasks::Entity::insert_many([new_task(20, 1, "a"), new_task(21, 2, "b")])
        .exec(&conn)
        .await
        .unwrap();
    let rows = tasks::Entity::find()
        .filter(tasks::Column::Id.gte(20))
        .order_by_asc(tasks::Column::Id)
        .all(&t.db.unscoped())
        .await
        .unwrap();
    assert_eq!(keys(&rows), [(3, 20), (3, 21)]);
}

#[tokio::test]
async fn save_inserts_then_updates_within_the_tenant() {
    let t = TestDb::new().await;
    let conn = t.db.tenant(1_i64);
    let before = others(&t, "tasks", 1).await;

    let saved = new_task(30, 1, "draft").save(&conn).await.unwrap();
    assert_eq!(saved.account_id, Unchanged(1));

    let mut existing = task(&conn, 1).await.unwrap().into_active_model();
    existing.name = Set("renamed".into());
    let updated = existing.save(&conn).await.unwrap();
    assert_eq!(updated.name, Unchanged("renamed".to_owned()));

    assert_eq!(task(&conn, 1).await.unwrap().name, "renamed");
    assert_eq!(
        others(&t, "tasks", 1).await,
        before,
        "task 1 of other tenants untouched"
    );
}

#[tokio::test]
async fn updates_never_reach_another_tenant() {
    let t = TestDb::new().await;
    let conn = t.db.tenant(2_i64);
    let before = others(&t, "tasks", 2).await;

    // a model naming tenant 1's row: the update finds nothing in tenant 2
    let foreign = tasks::ActiveModel {
        account_id: Unchanged(1),
        id: Unchanged(1),
        name: Set("hijacked".into()),
        ..Default::default()
    };
    let err = foreign.update(&conn).await.unwrap_err();
    assert!(matches!(err, DbErr::RecordNotUpdated), "{err:?}");

    // Entity::update on tenant 2's own row works
    let mut mine = task(&conn, 1).await.unwrap().into_active_model();
    mine.done = Set(true);
    let mine = tasks::Entity::update(mine).exec(&conn).await.unwrap();
    assert!(mine.done);

    let result = tasks::Entity::update_many()
        .col_expr(tasks::Column::Name, Expr::value("bulk"))
        .filter(tasks::Column::ProjectId.eq(1))
        .exec(&conn)
        .await
        .unwrap();
    assert_eq!(result.rows_affected, 2);

    assert_eq!(others(&t, "tasks", 2).await, before);
}

#[tokio::test]
async fn a_row_never_moves_to_another_tenant() {
    let t = TestDb::new().await;
    let conn = t.db.tenant(1_i64);
    let everything = t.everything().await;

    // SeaORM locates the row by its primary key, tenant included: pointing the model at
    // tenant 2 makes it look for tenant 2's task 1, which tenant 1 cannot see
    let mut moved = task(&conn, 1).await.unwrap().into_active_model();
    moved.account_id = Set(2);
    moved.name = Set("moved".into());
    let err = moved.update(&conn).await.unwrap_err();
    assert!(matches!(err, DbErr::RecordNotUpdated), "{err:?}");

    // assigning the tenant column in SQL is refused before it is sent
    let err = tasks::Entity::update_many()
        .col_expr(tasks::Column::AccountId, Expr::value(2))
        .exec(&conn)
        .await
        .unwrap_err();
    assert_scope_error(&err, |e| {
        matches!(e, multitenant::Error::TenantColumnAssignment { .. })
    });

    // an upsert cannot move a row either
    let err = tasks::Entity::insert(new_task(1, 1, "x"))
        .on_conflict(on_key_conflict([tasks::Column::AccountId]))
        .exec(&conn)
        .await
        .unwrap_err();
    assert_scope_error(&err, |e| {
        matches!(e, multitenant::Error::TenantColumnAssignment { .. })
    });

    assert_eq!(t.everything().await, everything);
}

#[tokio::test]
async fn deletes_never_reach_another_tenant() {
    let t = TestDb::new().await;
    let conn = t.db.tenant(3_i64);
    let before = others(&t, "tasks", 3).await;

    let foreign = tasks::Entity::delete_by_id((1_i64, 3_i64))
        .exec(&conn)
        .await
        .unwrap();
    assert_eq!(foreign.rows_affected, 0);

    let mine = tasks::Entity::delete_by_id((3_i64, 3_i64))
        .exec(&conn)
        .await
        .unwrap();
    assert_eq!(mine.rows_affected, 1);

    let model = task(&conn, 2).await.unwrap();
    assert_eq!(model.delete(&conn).await.unwrap().rows_affected, 1);

    let many = tasks::Entity::delete_many()
        .filter(tasks::Column::Done.eq(false))
        .exec(&conn)
        .await
        .unwrap();
    assert_eq!(many.rows_affected, 1);
    assert_eq!(tasks::Entity::find().count(&conn).await.unwrap(), 0);

    // deleting "everything" deletes the tenant's rows only
    project_managers::Entity::delete_many()
        .exec(&conn)
        .await
        .unwrap();
    assert_eq!(
        project_managers::Entity::find()
            .count(&t.db.unscoped())
            .await
            .unwrap(),
        6
    );
    assert_eq!(others(&t, "tasks", 3).await, before);
}

#[tokio::test]
async fn upserts_stay_in_the_tenant() {
    let t = TestDb::new().await;
    let conn = t.db.tenant(1_i64);
    let before = others(&t, "tasks", 1).await;

    // task 1 exists in every tenant: the conflict is tenant 1's row, and only it is updated
    tasks::Entity::insert(new_task(1, 1, "upserted"))
        .on_conflict(on_key_conflict([tasks::Column::Name]))
        .exec(&conn)
        .await
        .unwrap();
    assert_eq!(task(&conn, 1).await.unwrap().name, "upserted");

    // a new id: inserted for tenant 1
    tasks::Entity::insert(new_task(40, 1, "fresh"))
        .on_conflict(on_key_conflict([tasks::Column::Name]))
        .exec(&conn)
        .await
        .unwrap();
    assert_eq!(task(&conn, 40).await.unwrap().account_id, 1);

    // DO NOTHING
    let result = tasks::Entity::insert(new_task(2, 1, "ignored"))
        .on_conflict_do_nothing()
        .exec(&conn)
        .await
        .unwrap();
    assert!(matches!(result, sea_orm::TryInsertResult::Conflicted));
    assert_eq!(task(&conn, 2).await.unwrap().name, "task 1-2");

    assert_eq!(others(&t, "tasks", 1).await, before);
}

#[tokio::test]
async fn a_cross_tenant_insert_fails_and_writes_nothing() {
    let t = TestDb::new().await;
    let conn = t.db.tenant(1_i64);
    let everything = t.everything().await;

    let mut foreign = new_task(50, 1, "smuggled");
    foreign.account_id = Set(2);
    let err = foreign.clone().insert(&conn).await.unwrap_err();
    assert_scope_error(&err, |e| {
        matches!(e, multitenant::Error::CrossTenantWrite { table, value, current, .. }
            if table == "tasks" && value == "2" && current == "1")
    });
    let err = tasks::Entity::insert_many([new_task(51, 1, "ok"), foreign])
        .exec(&conn)
        .await
        .unwrap_err();
    assert_scope_error(&err, |e| {
        matches!(e, multitenant::Error::CrossTenantWrite { .. })
    });
    let err = conn
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO projects (account_id, id, name) VALUES ($1, $2, $3)",
            [3_i64.into(), 60_i64.into(), "x".into()],
        ))
        .await
        .unwrap_err();
    assert_scope_error(&err, |e| {
        matches!(e, multitenant::Error::CrossTenantWrite { .. })
    });

    // naming the current tenant explicitly is fine
    let mut own = new_task(52, 1, "explicit");
    own.account_id = Set(1);
    own.insert(&conn).await.unwrap();

    let mut after = t.everything().await;
    after.retain(|row| !row.contains("explicit"));
    assert_eq!(after, everything);
}

#[tokio::test]
async fn transactions_are_scoped_and_nest() {
    let t = TestDb::new().await;
    let conn = t.db.tenant(2_i64);
    let before = others(&t, "tasks", 2).await;

    let n = conn
        .transaction::<_, _, DbErr>(|txn| {
            Box::pin(async move {
                new_task(60, 1, "in transaction").insert(txn).await?;
                tasks::Entity::update_many()
                    .col_expr(tasks::Column::Done, Expr::value(true))
                    .exec(txn)
                    .await?;
                // the nested begin() SeaORM uses for related saves: a savepoint, still scoped
                let inner = txn.begin().await?;
                new_task(61, 1, "in savepoint").insert(&inner).await?;
                let n = tasks::Entity::find().count(&inner).await?;
                inner.commit().await?;
                Ok(n)
            })
        })
        .await
        .unwrap();
    assert_eq!(n, 5);
    assert_eq!(tasks::Entity::find().count(&conn).await.unwrap(), 5);

    // a failing transaction rolls back
    let err = conn
        .transaction::<_, (), DbErr>(|txn| {
            Box::pin(async move {
                new_task(62, 1, "rolled back").insert(txn).await?;
                Err(DbErr::Custom("abort".into()))
            })
        })
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        TransactionError::Transaction(DbErr::Custom(_))
    ));
    assert!(task(&conn, 62).await.is_none());

    // begin / rollback by hand
    let txn = conn.begin().await.unwrap();
    tasks::Entity::delete_many().exec(&txn).await.unwrap();
    assert_eq!(tasks::Entity::find().count(&txn).await.unwrap(), 0);
    txn.rollback().await.unwrap();
    assert_eq!(tasks::Entity::find().count(&conn).await.unwrap(), 5);

    // a transaction without a tenant refuses tenant tables inside it too
    let err =
        t.db.ambient()
            .transaction::<_, (), DbErr>(|txn| {
                Box::pin(async move {
                    tasks::Entity::find().all(txn).await?;
                    Ok(())
                })
            })
            .await
            .unwrap_err();
    let TransactionError::Transaction(err) = err else {
        panic!("{err:?}")
    };
    assert_scope_error(&err, |e| matches!(e, multitenant::Error::NoTenant { .. }));

    assert_eq!(others(&t, "tasks", 2).await, before);
}

#[tokio::test]
async fn unprepared_statements_take_the_key_as_a_literal() {
    let t = TestDb::new().await;
    let conn = t.db.tenant(1_i64);
    let before = others(&t, "tasks", 1).await;
    let result = conn
        .execute_unprepared("UPDATE tasks SET done = true WHERE project_id = 1")
        .await
        .unwrap();
    assert_eq!(result.rows_affected(), 2);
    assert_eq!(others(&t, "tasks", 1).await, before);

    let err =
        t.db.ambient()
            .execute_unprepared("DELETE FROM tasks")
            .await
            .unwrap_err();
    assert_scope_error(&err, |e| matches!(e, multitenant::Error::NoTenant { .. }));
    assert_eq!(
        tasks::Entity::find().count(&t.db.unscoped()).await.unwrap(),
        9
    );
}

#[tokio::test]
async fn every_write_without_a_tenant_is_refused_and_writes_nothing() {
    let t = TestDb::new().await;
    let conn = t.db.ambient();
    let everything = t.everything().await;
    let no_tenant = |e: &multitenant::Error| matches!(e, multitenant::Error::NoTenant { .. });

    assert_scope_error(
        &new_task(70, 1, "x").insert(&conn).await.unwrap_err(),
        no_tenant,
    );
    assert_scope_error(
        &tasks::Entity::insert_many([new_task(71, 1, "x"), new_task(72, 1, "y")])
            .exec(&conn)
            .await
            .unwrap_err(),
        no_tenant,
    );
    assert_scope_error(
        &new_task(73, 1, "x").save(&conn).await.unwrap_err(),
        no_tenant,
    );
    let existing = tasks::ActiveModel {
        account_id: Unchanged(1),
        id: Unchanged(1),
        name: Set("x".into()),
        ..Default::default()
    };
    assert_scope_error(
        &existing.clone().update(&conn).await.unwrap_err(),
        no_tenant,
    );
    assert_scope_error(
        &tasks::Entity::update_many()
            .col_expr(tasks::Column::Done, Expr::value(true))
            .exec(&conn)
            .await
            .unwrap_err(),
        no_tenant,
    );
    assert_scope_error(&existing.delete(&conn).await.unwrap_err(), no_tenant);
    assert_scope_error(
        &tasks::Entity::delete_many().exec(&conn).await.unwrap_err(),
        no_tenant,
    );
    assert_scope_error(
        &tasks::Entity::delete_by_id((1_i64, 1_i64))
            .exec(&conn)
            .await
            .unwrap_err(),
        no_tenant,
    );
    assert_scope_error(
        &tasks::Entity::insert(new_task(1, 1, "x"))
            .on_conflict(on_key_conflict([tasks::Column::Name]))
            .exec(&conn)
            .await
            .unwrap_err(),
        no_tenant,
    );
    assert_scope_error(
        &conn
            .execute_raw(Statement::from_string(
                DbBackend::Postgres,
                "UPDATE projects SET name = 'x'",
            ))
            .await
            .unwrap_err(),
        no_tenant,
    );
    assert_eq!(t.everything().await, everything);
}

#[tokio::test]
async fn returning_variants_stay_in_the_tenant() {
    let t = TestDb::new().await;
    let conn = t.db.tenant(3_i64);
    let before = others(&t, "tasks", 3).await;

    let inserted = tasks::Entity::insert_many([new_task(90, 1, "r1"), new_task(91, 1, "r2")])
        .exec_with_returning(&conn)
        .await
        .unwrap();
    assert!(inserted.iter().all(|t| t.account_id == 3));

    let updated = tasks::Entity::update_many()
        .col_expr(tasks::Column::Done, Expr::value(true))
        .filter(tasks::Column::Id.gte(90))
        .exec_with_returning(&conn)
        .await
        .unwrap();
    assert_eq!(keys(&updated), [(3, 90), (3, 91)]);

    let deleted = tasks::Entity::delete_many()
        .filter(tasks::Column::Id.eq(1))
        .exec_with_returning(&conn)
        .await
        .unwrap();
    assert_eq!(keys(&deleted), [(3, 1)]);
    assert_eq!(others(&t, "tasks", 3).await, before);
}

#[tokio::test]
async fn an_ambient_transaction_keeps_the_scope_it_began_with() {
    let t = TestDb::new().await;
    let conn = t.db.ambient();
    let txn = multitenant::scope(1_i64, conn.begin()).await.unwrap();
    // outside the scope now, the transaction still runs as tenant 1
    new_task(95, 1, "kept").insert(&txn).await.unwrap();
    assert_eq!(tasks::Entity::find().count(&txn).await.unwrap(), 4);
    // and another ambient scope does not leak into it
    let n = multitenant::scope(2_i64, tasks::Entity::find().count(&txn))
        .await
        .unwrap();
    assert_eq!(n, 4);
    txn.commit().await.unwrap();
    assert_eq!(
        task(&t.db.tenant(1_i64), 95).await.map(|t| t.account_id),
        Some(1)
    );
}
