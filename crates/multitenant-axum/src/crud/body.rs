//! What a CRUD request may write: a JSON object whose fields are the entity's columns, whose
//! tenant column (if given at all) names the request's tenant, and which, for `PUT`, gives every
//! column but the keys. A body that fails is refused before anything is sent to the database.

use http::header::CONTENT_TYPE;
use http::{HeaderMap, StatusCode};
use multitenant::TenantKey;
use sea_orm::{ActiveModelTrait, ColumnTrait, IdenStatic, Iterable};
use serde_json::{Map, Value};

use crate::ApiError;
use crate::crud::CrudEntity;

/// The fields of a write, by JSON key.
pub(super) type Fields = Map<String, Value>;

/// Refuses (415, `unsupported_media_type`) a write whose `Content-Type` is not JSON:
/// `application/json`, optionally with `charset=utf-8` (JSON has no other), in any case. A form
/// or a text body is never taken for JSON, even when it would parse as such. The CRUD routes
/// check every write with it; a hand-written route taking JSON can do the same.
///
/// ```
/// use http::{HeaderMap, HeaderValue, header::CONTENT_TYPE};
/// use multitenant_axum::check_json_content_type;
///
/// let mut headers = HeaderMap::new();
/// headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
/// assert!(check_json_content_type(&headers).is_ok());
/// headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-16"));
/// assert_eq!(check_json_content_type(&headers).unwrap_err().status().as_u16(), 415);
/// ```
pub fn check_json_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let values = headers
        .get_all(CONTENT_TYPE)
        .iter()
        .map(|v| v.to_str().unwrap_or_default())
        .collect::<Vec<_>>();
    let ok = match values.as_slice() {
        [value] => {
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

/// Parses `bytes` as a JSON object of `E`'s fields, refusing unknown fields and a tenant column
/// that names another tenant than `tenant`; the tenant column is removed (the scoper sets it).
pub(super) fn object_body<E: CrudEntity>(
    bytes: &[u8],
    tenant: &TenantKey,
) -> Result<Fields, ApiError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad_request("malformed_json", format!("the body is not valid JSON: {e}"))
    })?;
    let Value::Object(mut fields) = value else {
        return Err(ApiError::unprocessable(
            "invalid_body",
            "the body must be a JSON object",
        ));
    };
    if let Some(unknown) = fields
        .keys()
        .find(|k| !E::Column::iter().any(|c| c.json_key() == k.as_str()))
    {
        return Err(ApiError::unprocessable(
            "unknown_field",
            format!(
                "`{unknown}` is not a field of `{}`",
                E::default().table_name()
            ),
        )
        .with_fields([unknown.as_str()]));
    }
    if let Some((field, _)) = fields.iter().find(|(_, v)| holds_nul(v)) {
        // PostgreSQL's text cannot hold NUL: refused here rather than by the database.
        return Err(ApiError::unprocessable(
            "invalid_text",
            format!("`{field}` holds a NUL character (\\u0000), which text cannot store"),
        )
        .with_fields([field.as_str()]));
    }
    let tenant_key = E::tenant_column().json_key();
    if let Some(given) = fields.remove(tenant_key)
        && !names_tenant(&given, tenant)
    {
        return Err(ApiError::forbidden(
            "cross_tenant_write",
            format!("`{tenant_key}` is {given}, but the current tenant is {tenant}; leave it out"),
        ));
    }
    Ok(fields)
}

/// Whether a string in `value` (at any depth) holds NUL.
fn holds_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(holds_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)),
        _ => false,
    }
}

/// Whether a JSON value given for the tenant column is `tenant` (or null: "the current one").
fn names_tenant(given: &Value, tenant: &TenantKey) -> bool {
    match (tenant, given) {
        (_, Value::Null) => true,
        (TenantKey::Int(k), Value::Number(n)) => n.as_i64() == Some(*k),
        (TenantKey::Uuid(k), Value::String(s)) => uuid::Uuid::parse_str(s).ok() == Some(*k),
        (TenantKey::Text(k), Value::String(s)) => **k == **s,
        _ => false,
    }
}

/// The row a `POST` inserts: the fields given, each of its column's type.
pub(super) fn new_row<E: CrudEntity>(fields: Fields) -> Result<E::ActiveModel, ApiError> {
    <E::ActiveModel as ActiveModelTrait>::from_json(Value::Object(fields.clone()))
        .map_err(|e| wrong_type::<E>(&fields, &e))
}

/// Sets the fields given on an existing row; only they are marked changed.
pub(super) fn set_fields<E: CrudEntity>(
    row: &mut E::ActiveModel,
    fields: Fields,
) -> Result<(), ApiError> {
    row.set_from_json(Value::Object(fields.clone()))
        .map_err(|e| wrong_type::<E>(&fields, &e))
}

/// 422 `invalid_body` for fields SeaORM cannot take, naming the first field that fails alone
/// (a wrong type, or null for a column that cannot be null).
fn wrong_type<E: CrudEntity>(fields: &Fields, err: &sea_orm::DbErr) -> ApiError {
    let alone = |key: &String, value: &Value| {
        let one = Fields::from_iter([(key.clone(), value.clone())]);
        <E::ActiveModel as ActiveModelTrait>::from_json(Value::Object(one)).err()
    };
    let why = |e: &sea_orm::DbErr| {
        let text = e.to_string();
        text.strip_prefix("Json Error: ")
            .unwrap_or(&text)
            .to_owned()
    };
    match fields.iter().find_map(|(k, v)| alone(k, v).map(|e| (k, e))) {
        Some((key, e)) => ApiError::unprocessable("invalid_body", format!("`{key}`: {}", why(&e)))
            .with_fields([key.as_str()]),
        None => ApiError::unprocessable("invalid_body", why(err)),
    }
}

/// Refuses a `POST` that leaves out a column the row cannot do without: one that is neither
/// nullable nor has a default in the entity, other than the tenant column (the scoper fills it)
/// and the id when the server assigns it (`server_id`).
pub(super) fn check_required<E: CrudEntity>(
    fields: &Fields,
    id: E::Column,
    server_id: bool,
) -> Result<(), ApiError> {
    let (tenant, id) = (E::tenant_column().as_str(), id.as_str());
    let missing: Vec<&str> = E::Column::iter()
        .filter(|c| c.as_str() != tenant && !(server_id && c.as_str() == id))
        .filter(|c| {
            let def = c.def();
            !def.is_null() && def.get_column_default().is_none()
        })
        .map(|c| c.json_key())
        .filter(|k| !fields.contains_key(*k))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(ApiError::unprocessable(
        "missing_field",
        format!("missing required fields: {}", missing.join(", ")),
    )
    .with_fields(missing))
}

/// Refuses a `POST` that gives the id when the server assigns it: a client-chosen id would take
/// a value the id sequence hands out later, or probe which ids exist.
pub(super) fn refuse_client_id(fields: &Fields, id_key: &str) -> Result<(), ApiError> {
    if !fields.contains_key(id_key) {
        return Ok(());
    }
    Err(ApiError::unprocessable(
        "id_assigned_by_server",
        format!("`{id_key}` is assigned by the server; leave it out of the body"),
    ))
}

/// Removes the id from the fields of a `PUT` or `PATCH`: it may be given only as the value the
/// path names (`current`), since a row keeps its id.
pub(super) fn take_id(fields: &mut Fields, id_key: &str, current: &Value) -> Result<(), ApiError> {
    match fields.remove(id_key) {
        Some(given) if given != *current => Err(ApiError::unprocessable(
            "id_mismatch",
            format!("`{id_key}` in the body is {given}, the path names {current}"),
        )),
        _ => Ok(()),
    }
}

/// Refuses a `PUT` that leaves out a column other than the id and the tenant column: it
/// replaces the whole row.
pub(super) fn check_whole<E: CrudEntity>(fields: &Fields, id_key: &str) -> Result<(), ApiError> {
    let tenant_key = E::tenant_column().json_key();
    let missing: Vec<&str> = E::Column::iter()
        .map(|c| c.json_key())
        .filter(|k| *k != id_key && *k != tenant_key && !fields.contains_key(*k))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(ApiError::unprocessable(
        "missing_field",
        format!(
            "PUT replaces the whole row; missing: {}",
            missing.join(", ")
        ),
    )
    .with_fields(missing))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::crud::test_entity::tasks::Entity;

    fn body(value: Value) -> Result<Fields, ApiError> {
        object_body::<Entity>(value.to_string().as_bytes(), &TenantKey::Int(1))
    }

    fn status_and_code(err: ApiError) -> (u16, String) {
        (err.status().as_u16(), err.code().to_owned())
    }

    #[test]
    fn only_a_json_content_type_is_taken() {
        let with = |values: &[&str]| {
            let mut headers = HeaderMap::new();
            for v in values {
                headers.append(CONTENT_TYPE, v.parse().unwrap());
            }
            check_json_content_type(&headers)
        };
        for ok in [
            "application/json",
            "Application/JSON",
            "application/json; charset=utf-8",
            "application/json;charset=UTF-8",
            "application/json; charset=\"utf-8\"",
        ] {
            assert!(with(&[ok]).is_ok(), "{ok}");
        }
        for refused in [
            &[][..],
            &["text/plain"],
            &["application/x-www-form-urlencoded"],
            &["multipart/form-data; boundary=x"],
            &["application/json; charset=latin1"],
            &["application/json; charset=utf-8; x=y"],
            &["application/jsonx"],
            &["application/json", "application/json"],
        ] {
            let err = with(refused).unwrap_err();
            assert_eq!(
                status_and_code(err),
                (415, "unsupported_media_type".to_owned()),
                "{refused:?}"
            );
        }
    }

    #[test]
    fn an_object_of_known_fields_passes_without_the_tenant_column() {
        let fields = body(json!({"name": "ship", "done": false, "account_id": 1})).unwrap();
        assert_eq!(
            Value::Object(fields),
            json!({"name": "ship", "done": false})
        );
        let fields = body(json!({"name": "x", "account_id": null})).unwrap();
        assert!(!fields.contains_key("account_id"));
    }

    #[test]
    fn another_tenant_in_the_body_is_forbidden() {
        for other in [json!(2), json!("1"), json!(1.5), json!(true)] {
            let err = body(json!({"name": "x", "account_id": other})).unwrap_err();
            assert_eq!(
                status_and_code(err),
                (403, "cross_tenant_write".to_owned()),
                "{other}"
            );
        }
        let uuid = uuid::Uuid::parse_str("1b4e28ba-2fa1-11d2-883f-0016d3cca427").unwrap();
        assert!(names_tenant(
            &json!(uuid.to_string()),
            &TenantKey::Uuid(uuid)
        ));
        assert!(!names_tenant(&json!("other"), &TenantKey::Uuid(uuid)));
        assert!(names_tenant(&json!("acme"), &TenantKey::from("acme")));
        assert!(!names_tenant(&json!("ACME"), &TenantKey::from("acme")));
    }

    #[test]
    fn malformed_or_foreign_bodies_are_refused() {
        let not_json = object_body::<Entity>(b"{not json", &TenantKey::Int(1)).unwrap_err();
        assert_eq!(
            status_and_code(not_json),
            (400, "malformed_json".to_owned())
        );
        let array = body(json!([1, 2])).unwrap_err();
        assert_eq!(status_and_code(array), (422, "invalid_body".to_owned()));
        let unknown = body(json!({"name": "x", "color": "red"})).unwrap_err();
        assert_eq!(unknown.message(), "`color` is not a field of `tasks`");
        assert_eq!(status_and_code(unknown), (422, "unknown_field".to_owned()));
    }

    #[test]
    fn field_types_are_checked_when_building_the_row() {
        let ok = body(json!({"id": 1, "name": "x", "done": true, "priority": 1, "weight": 0.5}));
        assert!(new_row::<Entity>(ok.unwrap()).is_ok());
        let wrong = body(json!({"id": "seven", "name": 5})).unwrap();
        let err = new_row::<Entity>(wrong).unwrap_err();
        assert_eq!(status_and_code(err), (422, "invalid_body".to_owned()));
    }

    #[test]
    fn the_id_in_a_body_must_be_the_one_in_the_path() {
        let mut fields = body(json!({"id": 7, "name": "x"})).unwrap();
        take_id(&mut fields, "id", &json!(7)).unwrap();
        assert!(!fields.contains_key("id"));
        let mut fields = body(json!({"id": 8})).unwrap();
        let err = take_id(&mut fields, "id", &json!(7)).unwrap_err();
        assert_eq!(status_and_code(err), (422, "id_mismatch".to_owned()));
        let mut fields = body(json!({"name": "x"})).unwrap();
        take_id(&mut fields, "id", &json!(7)).unwrap();
    }

    #[test]
    fn a_post_gives_every_column_without_null_or_default() {
        use crate::crud::test_entity::tasks::Column;
        let err =
            check_required::<Entity>(&body(json!({})).unwrap(), Column::Id, true).unwrap_err();
        assert_eq!(
            err.message(),
            "missing required fields: name, done, priority, weight"
        );
        assert_eq!(status_and_code(err), (422, "missing_field".to_owned()));
        let err =
            check_required::<Entity>(&body(json!({})).unwrap(), Column::Id, false).unwrap_err();
        assert_eq!(
            err.message(),
            "missing required fields: id, name, done, priority, weight"
        );
        let given = body(json!({"name": "x", "done": true, "priority": 1, "weight": 0.5}));
        check_required::<Entity>(&given.unwrap(), Column::Id, true).unwrap();
    }

    #[test]
    fn a_post_names_no_id_the_server_assigns() {
        refuse_client_id(&body(json!({"name": "x"})).unwrap(), "id").unwrap();
        let err = refuse_client_id(&body(json!({"id": 7, "name": "x"})).unwrap(), "id");
        let err = err.unwrap_err();
        assert_eq!(
            err.message(),
            "`id` is assigned by the server; leave it out of the body"
        );
        assert_eq!(
            status_and_code(err),
            (422, "id_assigned_by_server".to_owned())
        );
    }

    #[test]
    fn a_put_gives_every_column_but_the_keys() {
        let whole = body(json!({
            "name": "x", "done": true, "external_id": null, "priority": 1, "weight": 0.5, "due": null
        }))
        .unwrap();
        check_whole::<Entity>(&whole, "id").unwrap();
        let partial = body(json!({"name": "x"})).unwrap();
        let err = check_whole::<Entity>(&partial, "id").unwrap_err();
        assert_eq!(
            err.message(),
            "PUT replaces the whole row; missing: done, external_id, priority, weight, due"
        );
        assert_eq!(status_and_code(err), (422, "missing_field".to_owned()));
    }
}
