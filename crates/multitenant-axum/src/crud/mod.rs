//! The tenant-scoped CRUD router for a SeaORM tenant entity: list (pagination, ordering,
//! equality filters), create, retrieve, replace, partial update and delete, each through a
//! connection scoped to the request's tenant. Another tenant's row is indistinguishable from a
//! missing one.

use std::collections::BTreeMap;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, FromRef, MatchedPath, Path, Query, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use http::StatusCode;
use http::request::Parts;
use multitenant::TenantKey;
use multitenant_sea_orm::{TenantConnection, TenantDatabase, TenantEntity, scope_error};
use sea_orm::sea_query::ColumnType;
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, IdenStatic,
    IntoActiveModel, Iterable, Order, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    TryIntoModel, Value,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value as Json_};

use crate::{TenantConn, TenantRejection};

/// A SeaORM tenant entity the CRUD router can serve: its model converts to and from JSON.
/// Implemented for every entity that fits.
pub trait CrudEntity:
    TenantEntity<
        Model: Serialize + DeserializeOwned + IntoActiveModel<Self::ActiveModel> + Send + Sync,
        ActiveModel: ActiveModelTrait<Entity = Self>
                         + ActiveModelBehavior
                         + TryIntoModel<Self::Model>
                         + Send
                         + Sync,
        Column: Send + Sync,
    > + Send
    + Sync
    + 'static
{
}

impl<E> CrudEntity for E where
    E: TenantEntity<
            Model: Serialize + DeserializeOwned + IntoActiveModel<E::ActiveModel> + Send + Sync,
            ActiveModel: ActiveModelTrait<Entity = E>
                             + ActiveModelBehavior
                             + TryIntoModel<E::Model>
                             + Send
                             + Sync,
            Column: Send + Sync,
        > + Send
        + Sync
        + 'static
{
}

/// What a request does, for authorization hooks.
///
/// ```
/// assert_eq!(multitenant_axum::Operation::List.is_read(), true);
/// assert_eq!(multitenant_axum::Operation::Delete.is_read(), false);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    /// `GET /`
    List,
    /// `POST /`
    Create,
    /// `GET /{id}`
    Retrieve,
    /// `PUT /{id}`
    Replace,
    /// `PATCH /{id}`
    Update,
    /// `DELETE /{id}`
    Delete,
}

impl Operation {
    /// Whether the operation only reads.
    ///
    /// ```
    /// assert!(multitenant_axum::Operation::Retrieve.is_read());
    /// ```
    pub fn is_read(self) -> bool {
        matches!(self, Operation::List | Operation::Retrieve)
    }

    fn of(method: &http::Method, has_id: bool) -> Option<Self> {
        Some(match (method.as_str(), has_id) {
            ("GET" | "HEAD", false) => Operation::List,
            ("POST", false) => Operation::Create,
            ("GET" | "HEAD", true) => Operation::Retrieve,
            ("PUT", true) => Operation::Replace,
            ("PATCH", true) => Operation::Update,
            ("DELETE", true) => Operation::Delete,
            _ => return None,
        })
    }
}

type AuthFuture = Pin<Box<dyn Future<Output = Result<(), TenantRejection>> + Send>>;
type AuthHook = Arc<dyn Fn(Operation, Parts) -> AuthFuture + Send + Sync>;

/// The CRUD router for tenant entity `E` (the counterpart of django-multitenant's
/// `TenantModelViewSet`). Mount it under a path, inside a [`crate::TenantLayer`], with a state
/// from which a [`TenantDatabase`] can be taken.
///
/// | route | does |
/// | --- | --- |
/// | `GET /?limit=&offset=&order=name\|-name&<column>=<value>` | `{"items": [...], "total": N}` |
/// | `POST /` | 201 with the created row; the tenant column is set by the library |
/// | `GET /{id}` | the row, or 404 (also for another tenant's id) |
/// | `PUT /{id}` | replaces every column but the keys |
/// | `PATCH /{id}` | sets the columns given |
/// | `DELETE /{id}` | 204, or 404 |
///
/// A body naming another tenant in the tenant column is refused (403); malformed JSON (400),
/// wrong types, unknown fields and constraint violations (422/409) are JSON errors and write
/// nothing.
///
/// ```no_run
/// # mod projects {
/// #     use sea_orm::entity::prelude::*;
/// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
/// #     #[sea_orm(table_name = "projects")]
/// #     pub struct Model {
/// #         #[sea_orm(primary_key, auto_increment = false)]
/// #         pub account_id: i64,
/// #         #[sea_orm(primary_key)]
/// #         pub id: i64,
/// #         pub name: String,
/// #     }
/// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// #     pub enum Relation {}
/// #     impl ActiveModelBehavior for ActiveModel {}
/// #     impl multitenant_sea_orm::TenantEntity for Entity {
/// #         fn tenant_column() -> Column { Column::AccountId }
/// #     }
/// # }
/// use axum::Router;
/// use multitenant_axum::{Crud, Header, TenantLayer};
/// use multitenant_sea_orm::TenantDatabase;
///
/// # fn app(db: TenantDatabase) -> Router {
/// Router::new()
///     .nest("/api/projects", Crud::<projects::Entity>::new().router())
///     .layer(TenantLayer::new(Header::new("x-account-id")))
///     .with_state(db)
/// # }
/// ```
pub struct Crud<E> {
    id_column: Option<String>,
    read_only: bool,
    max_limit: u64,
    body_limit: usize,
    authorize: Option<AuthHook>,
    _entity: PhantomData<fn() -> E>,
}

impl<E> Clone for Crud<E> {
    fn clone(&self) -> Self {
        Crud {
            id_column: self.id_column.clone(),
            read_only: self.read_only,
            max_limit: self.max_limit,
            body_limit: self.body_limit,
            authorize: self.authorize.clone(),
            _entity: PhantomData,
        }
    }
}

impl<E: CrudEntity> Default for Crud<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: CrudEntity> Crud<E> {
    /// A read-write router; rows are addressed by the column `id`.
    ///
    /// ```ignore
    /// let crud = multitenant_axum::Crud::<projects::Entity>::new();
    /// ```
    pub fn new() -> Self {
        Crud {
            id_column: None,
            read_only: false,
            max_limit: 1000,
            body_limit: 64 * 1024,
            authorize: None,
            _entity: PhantomData,
        }
    }

    /// Addresses rows by another column than `id`.
    ///
    /// ```ignore
    /// let crud = Crud::<projects::Entity>::new().id_column("code");
    /// ```
    pub fn id_column(mut self, column: &str) -> Self {
        self.id_column = Some(column.to_owned());
        self
    }

    /// Serves only `GET` routes.
    ///
    /// ```ignore
    /// let crud = Crud::<projects::Entity>::new().read_only();
    /// ```
    pub fn read_only(mut self) -> Self {
        self.read_only = true;
        self
    }

    /// The largest `limit` a list request may ask for (default 1000).
    ///
    /// ```ignore
    /// let crud = Crud::<projects::Entity>::new().max_limit(100);
    /// ```
    pub fn max_limit(mut self, limit: u64) -> Self {
        self.max_limit = limit.max(1);
        self
    }

    /// The largest request body accepted, in bytes (default 64 KiB); larger ones get 413.
    ///
    /// ```ignore
    /// let crud = Crud::<projects::Entity>::new().body_limit(4096);
    /// ```
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// An authorization hook run before every operation; a rejection is sent as is.
    ///
    /// ```ignore
    /// use multitenant_axum::{Crud, Operation, TenantRejection};
    /// let crud = Crud::<projects::Entity>::new().authorize(|op: Operation, parts: http::request::Parts| async move {
    ///     if op.is_read() || parts.headers.contains_key("x-admin") { Ok(()) }
    ///     else { Err(TenantRejection::forbidden("read_only", "only admins write")) }
    /// });
    /// ```
    pub fn authorize<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(Operation, Parts) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), TenantRejection>> + Send + 'static,
    {
        self.authorize = Some(Arc::new(move |op, parts| Box::pin(hook(op, parts))));
        self
    }

    pub(crate) fn is_read_only(&self) -> bool {
        self.read_only
    }

    pub(crate) fn id_name(&self) -> &str {
        self.id_column.as_deref().unwrap_or("id")
    }

    /// The id column of the entity, or an error naming what is missing.
    fn resolve_id(&self) -> E::Column {
        let name = self.id_name();
        column::<E>(name).unwrap_or_else(|| {
            panic!(
                "entity `{}` has no column `{name}`",
                E::default().table_name()
            )
        })
    }

    /// The router. Panics when the id column does not exist (a programming error).
    ///
    /// ```ignore
    /// let router: axum::Router<TenantDatabase> = Crud::<projects::Entity>::new().router();
    /// ```
    pub fn router<S>(self) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
        TenantDatabase: FromRef<S>,
    {
        let config = Arc::new(Config::<E> {
            id: self.resolve_id(),
            max_limit: self.max_limit,
        });
        let c = config.clone();
        let list_route = get(
            move |conn: TenantConn, q: Query<BTreeMap<String, String>>| {
                list::<E>(c.clone(), conn, q)
            },
        );
        let c = config.clone();
        let one_route =
            get(move |conn: TenantConn, id: Path<String>| retrieve::<E>(c.clone(), conn, id));
        let (list_route, one_route) = if self.read_only {
            (list_route, one_route)
        } else {
            let (c1, c2, c3, c4) = (
                config.clone(),
                config.clone(),
                config.clone(),
                config.clone(),
            );
            (
                list_route.post(
                    move |conn: TenantConn, body: Result<Bytes, BytesRejection>| {
                        create::<E>(c1.clone(), conn, body)
                    },
                ),
                one_route
                    .put(
                        move |conn: TenantConn,
                              id: Path<String>,
                              body: Result<Bytes, BytesRejection>| {
                            replace::<E>(c2.clone(), conn, id, body)
                        },
                    )
                    .patch(
                        move |conn: TenantConn,
                              id: Path<String>,
                              body: Result<Bytes, BytesRejection>| {
                            update::<E>(c3.clone(), conn, id, body)
                        },
                    )
                    .delete(move |conn: TenantConn, id: Path<String>| {
                        delete::<E>(c4.clone(), conn, id)
                    }),
            )
        };
        let mut router = Router::new()
            .route("/", list_route)
            .route("/{id}", one_route)
            .layer(DefaultBodyLimit::max(self.body_limit));
        if let Some(hook) = self.authorize {
            router = router.route_layer(axum::middleware::from_fn(
                move |req: Request, next: Next| {
                    let hook = hook.clone();
                    async move { authorize(hook, req, next).await }
                },
            ));
        }
        router
    }
}

async fn authorize(hook: AuthHook, req: Request, next: Next) -> Response {
    let has_id = req
        .extensions()
        .get::<MatchedPath>()
        .is_some_and(|p| p.as_str().ends_with("{id}"));
    let Some(op) = Operation::of(req.method(), has_id) else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let mut head = http::Request::new(());
    *head.method_mut() = parts.method.clone();
    *head.uri_mut() = parts.uri.clone();
    *head.headers_mut() = parts.headers.clone();
    *head.extensions_mut() = parts.extensions.clone();
    match hook(op, head.into_parts().0).await {
        Ok(()) => next.run(Request::from_parts(parts, body)).await,
        Err(rejection) => rejection.into_response(),
    }
}

struct Config<E: EntityTrait> {
    id: E::Column,
    max_limit: u64,
}

/// An error of a CRUD request, rendered as `{"error": {"code", "message"}}`.
#[derive(Debug)]
pub(crate) struct CrudError(TenantRejection);

impl IntoResponse for CrudError {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}

fn err(status: StatusCode, code: &str, message: impl Into<String>) -> CrudError {
    CrudError(TenantRejection::new(status, code, message))
}

fn not_found() -> CrudError {
    err(StatusCode::NOT_FOUND, "not_found", "no such row")
}

/// Sorts a database error into the response a client should see.
fn db_error(e: DbErr) -> CrudError {
    if let Some(scope) = scope_error(&e) {
        return match scope {
            multitenant::Error::CrossTenantWrite { .. }
            | multitenant::Error::TenantColumnAssignment { .. } => err(
                StatusCode::FORBIDDEN,
                "cross_tenant_write",
                scope.to_string(),
            ),
            other => {
                tracing::error!(error = %other, "statement refused by the scoper");
                err(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "scope_error",
                    other.to_string(),
                )
            }
        };
    }
    if let Some(sql) = e.sql_err() {
        return match sql {
            sea_orm::SqlErr::UniqueConstraintViolation(m) => {
                err(StatusCode::CONFLICT, "conflict", m)
            }
            sea_orm::SqlErr::ForeignKeyConstraintViolation(m) => err(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_reference",
                format!("a referenced row does not exist for this tenant: {m}"),
            ),
            _ => err(
                StatusCode::UNPROCESSABLE_ENTITY,
                "constraint_violation",
                e.to_string(),
            ),
        };
    }
    if let DbErr::Exec(sea_orm::RuntimeErr::SqlxError(inner))
    | DbErr::Query(sea_orm::RuntimeErr::SqlxError(inner)) = &e
        && let sea_orm::sqlx::Error::Database(db) = &**inner
        && db
            .code()
            .is_some_and(|c| c.starts_with("23") || c.starts_with("22"))
    {
        return err(
            StatusCode::UNPROCESSABLE_ENTITY,
            "constraint_violation",
            db.message().to_owned(),
        );
    }
    if matches!(e, DbErr::Json(_) | DbErr::Type(_)) {
        return err(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            e.to_string(),
        );
    }
    if matches!(e, DbErr::RecordNotFound(_) | DbErr::RecordNotUpdated) {
        return not_found();
    }
    tracing::error!(error = %e, "database error");
    err(
        StatusCode::INTERNAL_SERVER_ERROR,
        "database_error",
        "the database failed; see the server log",
    )
}

fn column<E: EntityTrait>(name: &str) -> Option<E::Column> {
    E::Column::iter().find(|c| c.as_str() == name)
}

/// Converts a path or query value to the column's type.
fn parse_value<E: EntityTrait>(col: E::Column, text: &str) -> Result<Value, CrudError> {
    let bad = |what: &str| {
        err(
            StatusCode::BAD_REQUEST,
            "invalid_value",
            format!("`{text}` is not a valid {what} for `{}`", col.as_str()),
        )
    };
    Ok(match col.def().get_column_type() {
        ColumnType::BigInteger | ColumnType::BigUnsigned => {
            text.parse::<i64>().map_err(|_| bad("integer"))?.into()
        }
        ColumnType::Integer | ColumnType::Unsigned => {
            text.parse::<i32>().map_err(|_| bad("integer"))?.into()
        }
        ColumnType::SmallInteger | ColumnType::SmallUnsigned => {
            text.parse::<i16>().map_err(|_| bad("integer"))?.into()
        }
        ColumnType::Boolean => text.parse::<bool>().map_err(|_| bad("boolean"))?.into(),
        ColumnType::Uuid => uuid::Uuid::parse_str(text).map_err(|_| bad("UUID"))?.into(),
        ColumnType::Double | ColumnType::Float => {
            text.parse::<f64>().map_err(|_| bad("number"))?.into()
        }
        ColumnType::String(_) | ColumnType::Text | ColumnType::Char(_) => text.to_owned().into(),
        _ => {
            return Err(err(
                StatusCode::BAD_REQUEST,
                "unsupported_filter",
                format!("`{}` cannot be used as a filter or id", col.as_str()),
            ));
        }
    })
}

#[derive(Serialize)]
struct Page<M> {
    items: Vec<M>,
    total: u64,
}

async fn list<E: CrudEntity>(
    cfg: Arc<Config<E>>,
    TenantConn(conn): TenantConn,
    Query(params): Query<BTreeMap<String, String>>,
) -> Result<Json<Page<E::Model>>, CrudError> {
    let mut query = E::find();
    let mut limit = 50_u64;
    let mut offset = 0_u64;
    let mut order: Option<(E::Column, Order)> = None;
    for (key, value) in &params {
        match key.as_str() {
            "limit" => {
                limit = value
                    .parse()
                    .ok()
                    .filter(|l| (1..=cfg.max_limit).contains(l))
                    .ok_or_else(|| {
                        err(
                            StatusCode::BAD_REQUEST,
                            "invalid_limit",
                            format!("limit must be 1..={}", cfg.max_limit),
                        )
                    })?
            }
            "offset" => {
                offset = value.parse().map_err(|_| {
                    err(
                        StatusCode::BAD_REQUEST,
                        "invalid_offset",
                        "offset must be a whole number",
                    )
                })?
            }
            "order" => {
                let (name, dir) = match value.strip_prefix('-') {
                    Some(n) => (n, Order::Desc),
                    None => (value.as_str(), Order::Asc),
                };
                let col = column::<E>(name).ok_or_else(|| {
                    err(
                        StatusCode::BAD_REQUEST,
                        "unknown_column",
                        format!("cannot order by `{name}`"),
                    )
                })?;
                order = Some((col, dir));
            }
            name => {
                let col = column::<E>(name).ok_or_else(|| {
                    err(
                        StatusCode::BAD_REQUEST,
                        "unknown_column",
                        format!("unknown filter `{name}`"),
                    )
                })?;
                query = query.filter(col.eq(parse_value::<E>(col, value)?));
            }
        }
    }
    let total = query.clone().count(&conn).await.map_err(db_error)?;
    if let Some((col, dir)) = order {
        query = query.order_by(col, dir);
    }
    let items = query
        .order_by(cfg.id, Order::Asc)
        .limit(limit)
        .offset(offset)
        .all(&conn)
        .await
        .map_err(db_error)?;
    Ok(Json(Page { items, total }))
}

async fn find_one<E: CrudEntity>(
    cfg: &Config<E>,
    conn: &TenantConnection,
    id: &str,
) -> Result<E::Model, CrudError> {
    let id = parse_value::<E>(cfg.id, id).map_err(|_| not_found())?;
    E::find()
        .filter(cfg.id.eq(id))
        .one(conn)
        .await
        .map_err(db_error)?
        .ok_or_else(not_found)
}

async fn retrieve<E: CrudEntity>(
    cfg: Arc<Config<E>>,
    TenantConn(conn): TenantConn,
    Path(id): Path<String>,
) -> Result<Json<E::Model>, CrudError> {
    find_one(&cfg, &conn, &id).await.map(Json)
}

/// Parses a JSON object body, refusing unknown fields and a tenant column that names another
/// tenant; the tenant column is removed (the library sets it).
fn object_body<E: CrudEntity>(
    body: Result<Bytes, BytesRejection>,
    tenant: &TenantKey,
) -> Result<Map<String, Json_>, CrudError> {
    let bytes = body.map_err(|r| err(r.status(), "invalid_body", r.body_text()))?;
    let value: Json_ = serde_json::from_slice(&bytes).map_err(|e| {
        err(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("the body is not valid JSON: {e}"),
        )
    })?;
    let Json_::Object(mut map) = value else {
        return Err(err(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            "the body must be a JSON object",
        ));
    };
    if let Some(unknown) = map
        .keys()
        .find(|k| !E::Column::iter().any(|c| c.json_key() == k.as_str()))
    {
        return Err(err(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_field",
            format!(
                "`{unknown}` is not a field of `{}`",
                E::default().table_name()
            ),
        ));
    }
    let tenant_key = E::tenant_column().json_key();
    if let Some(given) = map.remove(tenant_key) {
        let same = match (tenant, &given) {
            (TenantKey::Int(k), Json_::Number(n)) => n.as_i64() == Some(*k),
            (TenantKey::Uuid(k), Json_::String(s)) => uuid::Uuid::parse_str(s).ok() == Some(*k),
            (TenantKey::Text(k), Json_::String(s)) => **k == **s,
            (_, Json_::Null) => true,
            _ => false,
        };
        if !same {
            return Err(err(
                StatusCode::FORBIDDEN,
                "cross_tenant_write",
                format!(
                    "`{tenant_key}` is {given}, but the current tenant is {tenant}; leave it out"
                ),
            ));
        }
    }
    Ok(map)
}

fn active_from<E: CrudEntity>(map: Map<String, Json_>) -> Result<E::ActiveModel, CrudError> {
    <E::ActiveModel as ActiveModelTrait>::from_json(Json_::Object(map)).map_err(|e| {
        err(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            e.to_string(),
        )
    })
}

async fn create<E: CrudEntity>(
    _cfg: Arc<Config<E>>,
    TenantConn(conn): TenantConn,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<E::Model>), CrudError> {
    let tenant = tenant_of(&conn)?;
    let map = object_body::<E>(body, &tenant)?;
    let active = active_from::<E>(map)?;
    let model = active.insert(&conn).await.map_err(db_error)?;
    Ok((StatusCode::CREATED, Json(model)))
}

async fn replace<E: CrudEntity>(
    cfg: Arc<Config<E>>,
    TenantConn(conn): TenantConn,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<E::Model>, CrudError> {
    write_existing(&cfg, &conn, &id, body, true).await
}

async fn update<E: CrudEntity>(
    cfg: Arc<Config<E>>,
    TenantConn(conn): TenantConn,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<E::Model>, CrudError> {
    write_existing(&cfg, &conn, &id, body, false).await
}

/// PUT (`whole`: every column but the keys must be given) and PATCH (the columns given).
async fn write_existing<E: CrudEntity>(
    cfg: &Config<E>,
    conn: &TenantConnection,
    id: &str,
    body: Result<Bytes, BytesRejection>,
    whole: bool,
) -> Result<Json<E::Model>, CrudError> {
    let tenant = tenant_of(conn)?;
    let mut map = object_body::<E>(body, &tenant)?;
    let existing = find_one(cfg, conn, id).await?;
    let id_key = cfg.id.json_key();
    if let Some(given) = map.remove(id_key) {
        let current = serde_json::to_value(&existing)
            .ok()
            .and_then(|v| v.get(id_key).cloned())
            .unwrap_or(Json_::Null);
        if given != current {
            return Err(err(
                StatusCode::UNPROCESSABLE_ENTITY,
                "id_mismatch",
                format!("`{id_key}` in the body is {given}, the path names {current}"),
            ));
        }
    }
    if whole {
        let tenant_key = E::tenant_column().json_key();
        let missing: Vec<&str> = E::Column::iter()
            .map(|c| c.json_key())
            .filter(|k| *k != id_key && *k != tenant_key && !map.contains_key(*k))
            .collect();
        if !missing.is_empty() {
            return Err(err(
                StatusCode::UNPROCESSABLE_ENTITY,
                "missing_field",
                format!(
                    "PUT replaces the whole row; missing: {}",
                    missing.join(", ")
                ),
            ));
        }
    }
    if map.is_empty() {
        return Ok(Json(existing));
    }
    // Only the fields given are marked changed; the keys stay as they are.
    let mut active = existing.into_active_model();
    active.set_from_json(Json_::Object(map)).map_err(|e| {
        err(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            e.to_string(),
        )
    })?;
    let model = active.update(conn).await.map_err(db_error)?;
    Ok(Json(model))
}

async fn delete<E: CrudEntity>(
    cfg: Arc<Config<E>>,
    TenantConn(conn): TenantConn,
    Path(id): Path<String>,
) -> Result<StatusCode, CrudError> {
    let id = parse_value::<E>(cfg.id, &id).map_err(|_| not_found())?;
    let res = E::delete_many()
        .filter(cfg.id.eq(id))
        .exec(&conn)
        .await
        .map_err(db_error)?;
    if res.rows_affected == 0 {
        return Err(not_found());
    }
    Ok(StatusCode::NO_CONTENT)
}

fn tenant_of(conn: &TenantConnection) -> Result<TenantKey, CrudError> {
    conn.scope()
        .and_then(|s| s.tenant().cloned())
        .ok_or_else(|| {
            err(
                StatusCode::INTERNAL_SERVER_ERROR,
                "no_tenant",
                "the connection has no single tenant",
            )
        })
}
