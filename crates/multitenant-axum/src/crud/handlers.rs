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
use sea_orm::sea_query::{self, Alias, Expr, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, FromQueryResult, IntoActiveModel, Order,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait,
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

/// `GET /`: a page of the tenant's rows and how many there are in all, counted up to the
/// router's count limit, from one statement (a second, the count alone, only for a page past
/// the end).
pub(super) async fn list<E: CrudEntity>(
    cfg: Arc<Config<E>>,
    TenantConn(conn): TenantConn,
    query: Result<Query<BTreeMap<String, String>>, QueryRejection>,
) -> Result<Json<Page<E::Model>>, ApiError> {
    let Query(params) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let list = ListQuery::<E>::parse(&params, cfg.max_limit)?;
    let offset = list.offset;
    let (page, count) = list_statements(&cfg, list);
    let backend = conn.get_database_backend();
    let rows = conn.query_all_raw(backend.build(&page)).await?;
    let counted = match rows.first() {
        Some(row) => row.try_get::<i64>("", TOTAL_ALIAS)?,
        // An empty page past the end says nothing about the rows before it.
        None if offset > 0 => match conn.query_one_raw(backend.build(&count)).await? {
            Some(row) => row.try_get_by_index::<i64>(0)?,
            None => 0,
        },
        None => 0,
    };
    let (total, total_exact) = bounded_total(counted, cfg.count_limit);
    let items = rows
        .iter()
        .map(|row| E::Model::from_query_result(row, ""))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(Page {
        items,
        total,
        total_exact,
    }))
}

/// The list's statements, before the scoper adds the tenant: the page with its total, and the
/// total alone (for a page past the end). The total is an uncorrelated scalar subquery,
/// evaluated once: `(SELECT count(*) FROM (SELECT 1 FROM t WHERE <filters> LIMIT cap + 1) c)`,
/// which reads at most `cap + 1` rows (every matching row without a count limit).
fn list_statements<E: CrudEntity>(
    cfg: &Config<E>,
    list: ListQuery<E>,
) -> (SelectStatement, SelectStatement) {
    let ListQuery {
        limit,
        offset,
        order,
        filters,
    } = list;
    let mut query = E::find();
    for (col, value) in filters {
        query = query.filter(col.eq(value));
    }
    let mut matching = query.clone().select_only().expr(Expr::cust("1"));
    if let Some(cap) = cfg.count_limit {
        // One row more than the limit says there are more.
        matching = matching.limit(cap.saturating_add(1).min(i64::MAX as u64));
    }
    let count = sea_query::Query::select()
        .expr(Expr::cust("count(*)"))
        .from_subquery(matching.into_query(), Alias::new("c"))
        .to_owned();
    if let Some((col, direction)) = order {
        query = query.order_by(col, direction);
    }
    let page = query
        .order_by(cfg.id, Order::Asc)
        .expr_as(
            Expr::SubQuery(None, Box::new(count.clone().into())),
            TOTAL_ALIAS,
        )
        .limit(limit)
        .offset(offset)
        .into_query();
    (page, count)
}

/// The total and whether it is exact, from the count of matching rows (at most one more than
/// the count limit): past the limit, the limit and not exact.
fn bounded_total(counted: i64, count_limit: Option<u64>) -> (u64, bool) {
    let counted = u64::try_from(counted).unwrap_or(0);
    match count_limit {
        Some(cap) if counted > cap => (cap, false),
        _ => (counted, true),
    }
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use multitenant::{Schema, Scope, Scoper};
    use sea_orm::sea_query::PostgresQueryBuilder;

    use super::{ListQuery, bounded_total, list_statements};
    use crate::crud::Config;
    use crate::crud::test_entity::tasks::{Column, Entity};

    /// The list's two statements for a query string, as the scoper sends them for a tenant.
    fn scoped(query: &[(&str, &str)], count_limit: Option<u64>) -> (String, String) {
        let cfg = Config::<Entity> {
            id: Column::Id,
            server_ids: true,
            max_limit: 1000,
            count_limit,
        };
        let params: BTreeMap<String, String> = query
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let list = ListQuery::<Entity>::parse(&params, cfg.max_limit).unwrap();
        let (page, count) = list_statements(&cfg, list);
        let schema = Schema::builder()
            .tenant_table("tasks", "account_id")
            .build()
            .unwrap();
        let scoper = Scoper::new(schema);
        let scope = Scope::one(7_i64);
        let send = |sql: String| scoper.rewrite(&sql, Some(&scope)).unwrap().sql().to_owned();
        (
            send(page.build(PostgresQueryBuilder).0),
            send(count.build(PostgresQueryBuilder).0),
        )
    }

    #[test]
    fn the_total_is_a_capped_count_scoped_like_the_page() {
        let (page, count) = scoped(&[("done", "true"), ("order", "-name")], Some(1000));
        // The tenant predicate at both levels: the page's and the count's.
        assert_eq!(
            page,
            "SELECT tasks.account_id, tasks.id, tasks.name, tasks.done, tasks.external_id, \
             tasks.priority, tasks.weight, tasks.due, \
             (SELECT count(*) FROM (SELECT 1 FROM tasks WHERE tasks.done = $1 AND tasks.account_id = $6 LIMIT $2) c) \
             AS mt_crud_total FROM tasks WHERE tasks.done = $3 AND tasks.account_id = $6 \
             ORDER BY tasks.name DESC, tasks.id ASC LIMIT $4 OFFSET $5"
        );
        assert_eq!(
            count,
            "SELECT count(*) FROM (SELECT 1 FROM tasks WHERE tasks.done = $1 AND tasks.account_id = $3 LIMIT $2) c"
        );
    }

    #[test]
    fn without_a_count_limit_the_count_reads_every_matching_row() {
        let (page, count) = scoped(&[], None);
        assert!(
            page.contains(
                "(SELECT count(*) FROM (SELECT 1 FROM tasks WHERE tasks.account_id = $3) c) AS mt_crud_total"
            ),
            "{page}"
        );
        assert_eq!(
            count,
            "SELECT count(*) FROM (SELECT 1 FROM tasks WHERE tasks.account_id = $1) c"
        );
    }

    #[test]
    fn a_count_past_the_limit_is_the_limit_and_not_exact() {
        assert_eq!(bounded_total(0, Some(1000)), (0, true));
        assert_eq!(bounded_total(1000, Some(1000)), (1000, true));
        assert_eq!(bounded_total(1001, Some(1000)), (1000, false));
        assert_eq!(bounded_total(1_000_000, None), (1_000_000, true));
    }
}
