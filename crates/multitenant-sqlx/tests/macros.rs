//! sqlx's compile-time checked macros through the scoped executor.

mod common;

use common::{Task, domain, dump};
use multitenant_sqlx::scope_error;

#[tokio::test]
async fn query_macros_are_scoped() {
    let (db, pool) = domain().await;
    for tenant in 1..=3_i64 {
        let rows = sqlx::query!(
            "SELECT id, name FROM tasks WHERE done = $1 ORDER BY id",
            true
        )
        .fetch_all(pool.tenant(tenant))
        .await
        .unwrap();
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        assert_eq!(ids, vec![2, 4, 6]);
        assert!(
            rows.iter()
                .all(|r| r.name.ends_with(&format!(" of {tenant}")))
        );

        let task = sqlx::query_as!(
            Task,
            "SELECT account_id, id, name, done FROM tasks WHERE id = $1",
            2_i64
        )
        .fetch_one(pool.tenant(tenant))
        .await
        .unwrap();
        assert_eq!(
            task,
            Task {
                account_id: tenant,
                id: 2,
                name: format!("task 2 of {tenant}"),
                done: true
            }
        );

        let count = sqlx::query_scalar!("SELECT count(*) AS \"n!\" FROM projects")
            .fetch_one(pool.tenant(tenant))
            .await
            .unwrap();
        assert_eq!(count, 3);
    }
    sqlx::query!(
        "INSERT INTO tasks (id, project_id, name) VALUES ($1, $2, $3)",
        500_i64,
        1_i64,
        "macro"
    )
    .execute(pool.tenant(3))
    .await
    .unwrap();
    assert_eq!(
        dump(&db.pool, "tasks WHERE id = 500").await,
        vec!["(3,500,1,macro,f)"]
    );

    let before = dump(&db.pool, "tasks").await;
    let err = sqlx::query!("DELETE FROM tasks WHERE id = $1", 1_i64)
        .execute(pool.ambient())
        .await
        .unwrap_err();
    assert!(
        matches!(scope_error(&err), Some(multitenant::Error::NoTenant { .. })),
        "{err}"
    );
    assert_eq!(dump(&db.pool, "tasks").await, before);
}
