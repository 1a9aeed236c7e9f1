//! The routes of one tenant table (list, retrieve, create) and the health check. Each tenant
//! route first resolves the caller and the account in one statement ([`crate::tenant`]), then
//! runs one statement of the table with `account_id = $1`.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header::CONTENT_TYPE};
use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::postgres::PgRow;
use sqlx::{FromRow, Row};

use crate::resources::Resource;
use crate::{ApiError, AppState, sql, tenant};

/// How many rows a list returns when the request does not say.
const DEFAULT_LIMIT: u64 = 50;

/// The largest `offset` (and `limit`): SQL takes them as `bigint`.
const MAX_ROWS: u64 = i64::MAX as u64;

/// A page of a list: `{"items": [...], "total": N}`, and `"total_exact": false` when the
/// tenant has more rows than [`sql::COUNT_LIMIT`] (`total` is then the limit).
#[derive(Serialize)]
pub(crate) struct Page<R> {
    items: Vec<R>,
    total: i64,
    #[serde(skip_serializing_if = "is_exact")]
    total_exact: bool,
}

/// Whether `total_exact` is left out of a page: when it is true.
fn is_exact(total_exact: &bool) -> bool {
    *total_exact
}

/// A row of a list statement: the row and the tenant's row count, up to one more than
/// [`sql::COUNT_LIMIT`].
struct Listed<R> {
    row: R,
    total: i64,
}

impl<'r, R: FromRow<'r, PgRow>> FromRow<'r, PgRow> for Listed<R> {
    fn from_row(row: &'r PgRow) -> Result<Self, sqlx::Error> {
        Ok(Listed {
            row: R::from_row(row)?,
            total: row.try_get("count")?,
        })
    }
}

/// `GET /api/<table>?limit=&offset=`: a page in id order and the tenant's row count (up to
/// [`sql::COUNT_LIMIT`]), in one statement; a second one counts only when the page is past the
/// end.
pub(crate) async fn list<R: Resource>(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<BTreeMap<String, String>>, QueryRejection>,
) -> Result<Json<Page<R>>, ApiError> {
    let account = tenant::account_of(&state.pool, &headers).await?;
    let Query(params) = query?;
    let (limit, offset) = page_of::<R>(&params, state.max_limit)?;
    let rows: Vec<Listed<R>> = sqlx::query_as(R::SQL.list)
        .bind(account)
        .bind(limit)
        .bind(offset)
        .fetch_all(&state.pool)
        .await?;
    let total = match rows.first() {
        Some(first) => first.total,
        None if offset > 0 => {
            sqlx::query_scalar(R::SQL.count)
                .bind(account)
                .fetch_one(&state.pool)
                .await?
        }
        None => 0,
    };
    // One row more than the limit says there are more.
    let total_exact = total <= sql::COUNT_LIMIT;
    let items = rows.into_iter().map(|listed| listed.row).collect();
    Ok(Json(Page {
        items,
        total: total.min(sql::COUNT_LIMIT),
        total_exact,
    }))
}

/// `limit` (1 to `max_limit`, default 50) and `offset` (default 0) of a list's query string;
/// any other parameter is refused.
fn page_of<R: Resource>(
    params: &BTreeMap<String, String>,
    max_limit: u64,
) -> Result<(i64, i64), ApiError> {
    let max_limit = max_limit.clamp(1, MAX_ROWS);
    let (mut limit, mut offset) = (DEFAULT_LIMIT.min(max_limit), 0);
    for (key, value) in params {
        match key.as_str() {
            "limit" => {
                limit = value
                    .parse()
                    .ok()
                    .filter(|l| (1..=max_limit).contains(l))
                    .ok_or_else(|| {
                        ApiError::bad_request(
                            "invalid_limit",
                            format!("limit must be 1..={max_limit}"),
                        )
                    })?;
            }
            "offset" => {
                offset = value
                    .parse()
                    .ok()
                    .filter(|o| *o <= MAX_ROWS)
                    .ok_or_else(|| {
                        ApiError::bad_request(
                            "invalid_offset",
                            format!("offset must be 0..={MAX_ROWS}"),
                        )
                    })?;
            }
            name if name == "order" || R::COLUMNS.contains(&name) => {
                return Err(ApiError::bad_request(
                    "unsupported_parameter",
                    format!("`{name}` is not supported here: a list takes `limit` and `offset`"),
                ));
            }
            name => {
                return Err(ApiError::bad_request(
                    "unknown_column",
                    format!("unknown filter `{name}`"),
                ));
            }
        }
    }
    // Both are at most `i64::MAX`.
    Ok((limit as i64, offset as i64))
}

/// `GET /api/<table>/{id}`: the tenant's row; 404 when it has none with that id (or the id is
/// no integer).
pub(crate) async fn retrieve<R: Resource>(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<R>, ApiError> {
    let account = tenant::account_of(&state.pool, &headers).await?;
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    let row: Option<R> = sqlx::query_as(R::SQL.get)
        .bind(account)
        .bind(id)
        .fetch_optional(&state.pool)
        .await?;
    row.map(Json).ok_or_else(ApiError::not_found)
}

/// `POST /api/<table>`: 201 with the row as inserted into the caller's account.
pub(crate) async fn create<R: Resource>(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<R>), ApiError> {
    let account = tenant::account_of(&state.pool, &headers).await?;
    check_json_content_type(&headers)?;
    let fields = fields_of::<R>(&body?, account)?;
    let new = serde_json::from_value(Value::Object(fields.clone()))
        .map_err(|e| wrong_type::<R>(&fields, &e))?;
    let row = R::insert(&state.pool, account, new).await?;
    Ok((StatusCode::CREATED, Json(row)))
}

/// `GET /healthz`: `{"status": "ok"}` when a pooled connection answers a ping, 503 otherwise.
pub(crate) async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    use sqlx::Connection;
    let ping = async { state.pool.acquire().await?.ping().await };
    match ping.await {
        Ok(()) => (StatusCode::OK, Json(serde_json::json!({"status": "ok"}))),
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "database unreachable"})),
            )
        }
    }
}

/// 415 unless the body is sent as `application/json` (optionally `; charset=utf-8`).
fn check_json_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let mut values = headers.get_all(CONTENT_TYPE).iter();
    let ok = match (values.next(), values.next()) {
        (Some(value), None) => {
            let value = value.to_str().unwrap_or_default();
            let mut parts = value.split(';').map(str::trim);
            let media = parts.next().unwrap_or_default();
            let params: Vec<&str> = parts.filter(|p| !p.is_empty()).collect();
            media.eq_ignore_ascii_case("application/json")
                && match params.as_slice() {
                    [] => true,
                    [charset] => charset.split_once('=').is_some_and(|(name, value)| {
                        name.trim().eq_ignore_ascii_case("charset")
                            && value.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
                    }),
                    _ => false,
                }
        }
        _ => false,
    };
    if ok {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "the body must be JSON, sent with `Content-Type: application/json`",
    ))
}

/// The fields of a `POST` body: a JSON object of the table's columns, without NUL in any text,
/// without `id` (the server assigns it), with every required field; `account_id` may be given
/// only as the caller's account (or null), and is dropped.
fn fields_of<R: Resource>(bytes: &[u8], account: i64) -> Result<Map<String, Value>, ApiError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad_request("malformed_json", format!("the body is not valid JSON: {e}"))
    })?;
    let Value::Object(mut fields) = value else {
        return Err(ApiError::unprocessable(
            "invalid_body",
            "the body must be a JSON object",
        ));
    };
    if let Some(unknown) = fields.keys().find(|k| !R::COLUMNS.contains(&k.as_str())) {
        return Err(ApiError::unprocessable(
            "unknown_field",
            format!("`{unknown}` is not a field of `{}`", R::TABLE),
        )
        .with_fields([unknown.as_str()]));
    }
    if let Some((field, _)) = fields.iter().find(|(_, v)| holds_nul(v)) {
        return Err(ApiError::unprocessable(
            "invalid_text",
            format!("`{field}` holds a NUL character (\\u0000), which text cannot store"),
        )
        .with_fields([field.as_str()]));
    }
    if let Some(given) = fields.remove("account_id")
        && !(given.is_null() || given.as_i64() == Some(account))
    {
        return Err(ApiError::forbidden(
            "cross_tenant_write",
            format!("`account_id` is {given}, but the current tenant is {account}; leave it out"),
        ));
    }
    if fields.contains_key("id") {
        return Err(ApiError::unprocessable(
            "id_assigned_by_server",
            "`id` is assigned by the server; leave it out of the body",
        ));
    }
    let missing: Vec<&str> = R::REQUIRED
        .iter()
        .copied()
        .filter(|k| !fields.contains_key(*k))
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::unprocessable(
            "missing_field",
            format!("missing required fields: {}", missing.join(", ")),
        )
        .with_fields(missing));
    }
    Ok(fields)
}

/// Whether a string in `value` (at any depth, keys included) holds NUL.
fn holds_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(holds_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)),
        _ => false,
    }
}

/// 422 `invalid_body` naming the first field whose value does not fit its column.
fn wrong_type<R: Resource>(fields: &Map<String, Value>, err: &serde_json::Error) -> ApiError {
    match fields
        .iter()
        .find_map(|(k, v)| R::type_error(k, v).map(|e| (k, e)))
    {
        Some((key, e)) => ApiError::unprocessable("invalid_body", format!("`{key}`: {e}"))
            .with_fields([key.as_str()]),
        None => ApiError::unprocessable("invalid_body", err.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::resources::{Project, Task};

    fn page(pairs: &[(&str, &str)]) -> Result<(i64, i64), String> {
        let params = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        page_of::<Project>(&params, 500).map_err(|e| e.code().to_owned())
    }

    #[test]
    fn limit_and_offset_are_bounded() {
        assert_eq!(page(&[]), Ok((50, 0)));
        assert_eq!(page(&[("limit", "500"), ("offset", "7")]), Ok((500, 7)));
        assert_eq!(page(&[("limit", "501")]), Err("invalid_limit".into()));
        assert_eq!(page(&[("limit", "0")]), Err("invalid_limit".into()));
        assert_eq!(page(&[("offset", "-1")]), Err("invalid_offset".into()));
        let max = i64::MAX.to_string();
        assert_eq!(page(&[("offset", &max)]), Ok((50, i64::MAX)));
        let over = (MAX_ROWS + 1).to_string();
        assert_eq!(page(&[("offset", &over)]), Err("invalid_offset".into()));
        assert_eq!(page(&[("color", "red")]), Err("unknown_column".into()));
        assert_eq!(page(&[("name", "x")]), Err("unsupported_parameter".into()));
    }

    fn refused(body: Value) -> (u16, String, Vec<String>) {
        let err = fields_of::<Task>(body.to_string().as_bytes(), 1).unwrap_err();
        (
            err.status().as_u16(),
            err.code().to_owned(),
            err.fields().to_vec(),
        )
    }

    #[test]
    fn bodies_are_checked_before_the_database() {
        let ok = fields_of::<Task>(br#"{"project_id":1,"name":"x","account_id":1}"#, 1).unwrap();
        assert_eq!(Value::Object(ok), json!({"project_id": 1, "name": "x"}));
        assert_eq!(
            refused(json!({"name": "x"})),
            (422, "missing_field".into(), vec!["project_id".into()])
        );
        assert_eq!(
            refused(json!({"project_id": 1, "name": "x", "account_id": 2})).1,
            "cross_tenant_write"
        );
        assert_eq!(
            refused(json!({"project_id": 1, "name": "x", "id": 2})).1,
            "id_assigned_by_server"
        );
        assert_eq!(
            refused(json!({"project_id": 1, "name": "a\u{0}"})).1,
            "invalid_text"
        );
        assert_eq!(refused(json!({"color": "red"})).1, "unknown_field");
        assert_eq!(refused(json!([1])).1, "invalid_body");
        let err = fields_of::<Task>(b"{", 1).unwrap_err();
        assert_eq!(err.code(), "malformed_json");
    }

    #[test]
    fn only_json_is_taken() {
        let mut headers = HeaderMap::new();
        assert!(check_json_content_type(&headers).is_err());
        headers.insert(
            CONTENT_TYPE,
            "application/json; charset=UTF-8".parse().unwrap(),
        );
        assert!(check_json_content_type(&headers).is_ok());
        headers.insert(CONTENT_TYPE, "text/plain".parse().unwrap());
        assert_eq!(
            check_json_content_type(&headers)
                .unwrap_err()
                .status()
                .as_u16(),
            415
        );
    }

    #[test]
    fn a_wrong_type_names_the_field() {
        let fields = fields_of::<Task>(br#"{"project_id":"one","name":"x"}"#, 1).unwrap();
        let err =
            serde_json::from_value::<crate::resources::NewTask>(Value::Object(fields.clone()))
                .err()
                .unwrap();
        let err = wrong_type::<Task>(&fields, &err);
        assert_eq!(
            err.message(),
            "`project_id`: invalid type: string \"one\", expected i64"
        );
        assert_eq!(err.fields(), ["project_id"]);
    }
}
