//! SeaORM 2's nested models: saving a model with its related models runs in a transaction that
//! SeaORM begins on the connection (`TransactionTrait::begin`), and the entity loader fetches
//! related models with extra queries. Both stay scoped.

mod common;

use common::entities::*;
use common::{TestDb, keys};
use multitenant_sea_orm::scope_error;
use sea_orm::prelude::*;
use sea_orm::{EntityLoaderTrait, QueryOrder, TransactionTrait};

fn plan_and_ship() -> projects::ActiveModelEx {
    projects::ActiveModel::builder()
        .set_id(80)
        .set_name("Launch")
        .add_task(
            tasks::ActiveModel::builder()
                .set_id(80)
                .set_name("plan")
                .set_done(false),
        )
        .add_task(
            tasks::ActiveModel::builder()
                .set_id(81)
                .set_name("ship")
                .set_done(false),
        )
}

#[tokio::test]
async fn nested_saves_run_in_a_scoped_transaction() {
    let t = TestDb::new().await;
    let conn = t.db.tenant(2_i64);

    let project = plan_and_ship().insert(&conn).await.unwrap();
    assert_eq!((project.account_id, project.id), (2, 80));

    let written = tasks::Entity::find()
        .filter(tasks::Column::Id.gte(80))
        .order_by_asc(tasks::Column::Id)
        .all(&t.db.unscoped())
        .await
        .unwrap();
    assert_eq!(
        written
            .iter()
            .map(|t| (t.account_id, t.id, t.project_id))
            .collect::<Vec<_>>(),
        [(2, 80, 80), (2, 81, 80)]
    );

    // the same nested save inside an explicit transaction: SeaORM's begin() is a savepoint
    let txn = t.db.tenant(3_i64).begin().await.unwrap();
    plan_and_ship().insert(&txn).await.unwrap();
    sea_orm::TransactionSession::commit(txn).await.unwrap();
    assert_eq!(
        tasks::Entity::find()
            .filter(tasks::Column::Id.gte(80))
            .count(&t.db.tenant(3_i64))
            .await
            .unwrap(),
        2
    );

    // no tenant: refused, nothing written
    let before = t.everything().await;
    let err = plan_and_ship().insert(&t.db.ambient()).await.unwrap_err();
    assert!(
        matches!(scope_error(&err), Some(multitenant::Error::NoTenant { .. })),
        "{err:?}"
    );
    assert_eq!(t.everything().await, before);
}

#[tokio::test]
async fn the_entity_loader_stays_in_the_tenant() {
    let t = TestDb::new().await;
    let conn = t.db.tenant(1_i64);
    let project = projects::Entity::load()
        .filter_by_id((1_i64, 2_i64))
        .with(tasks::Entity)
        .with(managers::Entity)
        .one(&conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((project.account_id, project.id), (1, 2));
    assert_eq!(keys(&project.tasks), [(1, 3)]);
    let mut managers = keys(&project.managers);
    managers.sort();
    assert_eq!(managers, [(1, 1), (1, 2)]);

    // another tenant's key finds nothing
    let foreign = projects::Entity::load()
        .filter_by_id((2_i64, 2_i64))
        .with(tasks::Entity)
        .one(&conn)
        .await
        .unwrap();
    assert!(foreign.is_none());
}
