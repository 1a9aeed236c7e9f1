//! The CRUD operations, each through the request's tenant-scoped connection: the scoper adds the
//! tenant predicate to every statement, so another tenant's row is never found, changed or
//! deleted, and reads as missing (404).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query};
use http::{HeaderMap, StatusCode};
use multitenant::TenantKey;
use multitenant_sea_orm::TenantConnection;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, FromQueryResult, IntoActiveModel, Order,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use serde_json::Value;

use super::body::{
    check_json_content_type, check_required, check_whole, new_row, object_body, refuse_client_id,
    set_fields, take_id,
};
use super::params::{ListQuery, parse_value};
use super::{Config, CrudEntity};
use crate::{ApiError, Page, TenantConn};

/// The column the list's statement adds for the total; no entity column is named like it.
const TOTAL_ALIAS: &str = "mt_crud_total";

/// `GET /`: a page of the tenant's rows and how many there are in all, from one statement
/// (a second, a count, only for a page past the end).
pub(super) async fn list<E: CrudEntity>(
    cfg: Arc<Config<E>>,
    TenantConn(conn): TenantConn,
    query: Result<Query<BTreeMap<String, String>>, QueryRejection>,
) -> Result<Json<Page<E::Model>>, ApiError> {
    let Query(params) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let ListQuery {
        limit,
        offset,
        order,
        filters,
    } = ListQuery::<E>::parse(&params, cfg.max_limit)?;
    let mut query = E::find();
    for (col, value) in filters {
        query = query.filter(col.eq(value));
    }
    let count = query.clone();
    if let Some((col, direction)) = order {
        query = query.order_by(col, direction);
    }
    // The page and the total in one statement: the window counts every row that matches, before
    // LIMIT and OFFSET apply.
    let page = query
        .order_by(cfg.id, Order::Asc)
        .expr_as(Expr::cust("count(*) OVER ()"), TOTAL_ALIAS)
        .limit(limit)
        .offset(offset)
        .build(conn.get_database_backend());
    let rows = conn.query_all_raw(page).await?;
    let total = match rows.first() {
        Some(row) => u64::try_from(row.try_get::<i64>("", TOTAL_ALIAS)?).unwrap_or(0),
        // An empty page past the end says nothing about the rows before it.
        None if offset > 0 => count.count(&conn).await?,
        None => 0,
    };
    let items = rows
        .iter()
        .map(|row| E::Model::from_query_result(row, ""))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(Page { items, total }))
}

/// `GET /{id}`.
pub(super) async fn retrieve<E: CrudEntity>(
    cfg: Arc<Config<E>>,
    TenantConn(conn): TenantConn,
    Path(id): Path<String>,
) -> Result<Json<E::Model>, ApiError> {
    find_one(&cfg, &conn, &id).await.map(Json)
}

/// `POST /`: 201 with the row as inserted (the tenant column filled in by the scoper).
pub(super) async fn create<E: CrudEntity>(
    cfg: Arc<Config<E>>,
    TenantConn(conn): TenantConn,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<E::Model>), ApiError> {
    check_json_content_type(&headers)?;
    let fields = object_body::<E>(&body?, &tenant_of(&conn)?)?;
    if cfg.server_ids {
        refuse_client_id(&fields, cfg.id.json_key())?;
    }
    check_required::<E>(&fields, cfg.id, cfg.server_ids)?;
    let model = new_row::<E>(fields)?.insert(&conn).await?;
    Ok((StatusCode::CREATED, Json(model)))
}

/// `PUT /{id}`.
pub(super) async fn replace<E: CrudEntity>(
    cfg: Arc<Config<E>>,
    TenantConn(conn): TenantConn,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<E::Model>, ApiError> {
    check_json_content_type(&headers)?;
    write_existing(&cfg, &conn, &id, body, true).await
}

/// `PATCH /{id}`.
pub(super) async fn update<E: CrudEntity>(
    cfg: Arc<Config<E>>,
    TenantConn(conn): TenantConn,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<E::Model>, ApiError> {
    check_json_content_type(&headers)?;
    write_existing(&cfg, &conn, &id, body, false).await
}

/// `DELETE /{id}`: 204, or 404 when the tenant has no such row.
pub(super) async fn delete<E: CrudEntity>(
    cfg: Arc<Config<E>>,
    TenantConn(conn): TenantConn,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = parse_value::<E>(cfg.id, &id).map_err(|_| no_such_row())?;
    let res = E::delete_many().filter(cfg.id.eq(id)).exec(&conn).await?;
    if res.rows_affected == 0 {
        return Err(no_such_row());
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The tenant's row with id `id`; an id that does not even parse names no row either.
async fn find_one<E: CrudEntity>(
    cfg: &Config<E>,
    conn: &TenantConnection,
    id: &str,
) -> Result<E::Model, ApiError> {
    let id = parse_value::<E>(cfg.id, id).map_err(|_| no_such_row())?;
    E::find()
        .filter(cfg.id.eq(id))
        .one(conn)
        .await?
        .ok_or_else(no_such_row)
}

/// PUT (`whole`: every column but the keys must be given) and PATCH (the columns given).
async fn write_existing<E: CrudEntity>(
    cfg: &Config<E>,
    conn: &TenantConnection,
    id: &str,
    body: Result<Bytes, BytesRejection>,
    whole: bool,
) -> Result<Json<E::Model>, ApiError> {
    let mut fields = object_body::<E>(&body?, &tenant_of(conn)?)?;
    let existing = find_one(cfg, conn, id).await?;
    let id_key = cfg.id.json_key();
    let current = serde_json::to_value(&existing)
        .ok()
        .and_then(|v| v.get(id_key).cloned())
        .unwrap_or(Value::Null);
    take_id(&mut fields, id_key, &current)?;
    if whole {
        check_whole::<E>(&fields, id_key)?;
    }
    if fields.is_empty() {
        return Ok(Json(existing));
    }
    // Only the fields given are marked changed; the keys stay as they are.
    let mut row = existing.into_active_model();
    set_fields::<E>(&mut row, fields)?;
    Ok(Json(row.update(conn).await?))
}

fn no_such_row() -> ApiError {
    ApiError::not_found("no such row")
}

/// The one tenant the connection is scoped to (the request's).
fn tenant_of(conn: &TenantConnection) -> Result<TenantKey, ApiError> {
    conn.scope()
        .and_then(|s| s.tenant().cloned())
        .ok_or_else(|| ApiError::internal(&"the CRUD router's connection has no single tenant"))
}
