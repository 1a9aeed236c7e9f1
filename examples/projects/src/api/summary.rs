//! `GET /api/summary`: the request's account at a glance. Each count runs in a task of its own,
//! spawned with [`multitenant::spawn`], which carries the request's tenant into the child task;
//! the children query through the ambient connection, which reads that tenant at each statement.

use axum::Json;
use axum::extract::State;
use multitenant_axum::{ApiError, Tenant};
use multitenant_sea_orm::{TenantConnection, TenantDatabase};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, Select};
use serde::Serialize;
use utoipa::ToSchema;

use crate::entities::{managers, projects, tasks};

/// What `GET /api/summary` answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct Summary {
    /// The account the counts are of.
    pub account_id: i64,
    /// Its projects.
    pub projects: u64,
    /// Its tasks.
    pub tasks: u64,
    /// Its tasks marked done.
    pub done_tasks: u64,
    /// Its managers.
    pub managers: u64,
}

/// Counts `query` in a child task that inherits the request's tenant.
fn count_in_child<E>(
    conn: &TenantConnection,
    query: Select<E>,
) -> tokio::task::JoinHandle<Result<u64, DbErr>>
where
    E: EntityTrait,
    E::Model: Sync,
{
    let conn = conn.clone();
    multitenant::spawn(async move { query.count(&conn).await })
}

/// Counts of the caller's account, computed concurrently by child tasks.
#[utoipa::path(get, path = "/api/summary", security(("bearer" = [])),
    responses((status = 200, body = Summary)))]
pub(super) async fn summary(
    State(db): State<TenantDatabase>,
    Tenant(key): Tenant,
) -> Result<Json<Summary>, ApiError> {
    let conn = db.ambient();
    let children = [
        count_in_child(&conn, projects::Entity::find()),
        count_in_child(&conn, tasks::Entity::find()),
        count_in_child(
            &conn,
            tasks::Entity::find().filter(tasks::Column::Done.eq(true)),
        ),
        count_in_child(&conn, managers::Entity::find()),
    ];
    let mut counts = [0_u64; 4];
    for (slot, child) in counts.iter_mut().zip(children) {
        *slot = child.await.map_err(|e| ApiError::internal(&e))??;
    }
    let [projects, tasks, done_tasks, managers] = counts;
    Ok(Json(Summary {
        account_id: key
            .as_int()
            .ok_or_else(|| ApiError::internal(&"a non-integer account key"))?,
        projects,
        tasks,
        done_tasks,
        managers,
    }))
}
