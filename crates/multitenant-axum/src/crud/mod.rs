//! The tenant-scoped CRUD router for a SeaORM tenant entity: list (pagination, ordering,
//! equality filters), create, retrieve, replace, partial update and delete, each through a
//! connection scoped to the request's tenant. Another tenant's row is indistinguishable from a
//! missing one.
//!
//! This module builds the router; [`params`] reads the list's query string and path ids,
//! [`body`] validates request bodies, [`handlers`] run the operations. Their failures are
//! [`ApiError`]s, mapped as [`crate::error`] documents.

mod body;
mod handlers;
mod params;
#[cfg(test)]
pub(crate) mod test_entity;

use std::collections::BTreeMap;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{FromRef, MatchedPath, Path, Query, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::HeaderMap;
use http::request::Parts;
use multitenant_sea_orm::{TenantDatabase, TenantEntity};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, EntityTrait, IdenStatic, IntoActiveModel, Iterable,
    PrimaryKeyToColumn, PrimaryKeyTrait, TryIntoModel,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::resolve::copy_head;
use crate::{ApiError, TenantConn};

pub use body::check_json_content_type;

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

/// How many matching rows a list counts by default for its total ([`Crud::count_limit`]): exact
/// for a tenant with up to this many, a bounded cost for a larger one.
///
/// ```
/// assert_eq!(multitenant_axum::DEFAULT_COUNT_LIMIT, 1000);
/// ```
pub const DEFAULT_COUNT_LIMIT: u64 = 1000;

type AuthFuture = Pin<Box<dyn Future<Output = Result<(), ApiError>> + Send>>;
type AuthHook = Arc<dyn Fn(Operation, Parts) -> AuthFuture + Send + Sync>;

/// The CRUD router for tenant entity `E` (the counterpart of django-multitenant's
/// `TenantModelViewSet`). Mount it under a path, inside a [`crate::TenantLayer`], with a state
/// from which a [`TenantDatabase`] can be taken.
///
/// | route | does |
/// | --- | --- |
/// | `GET /?limit=&offset=&order=name\|-name&<column>=<value>` | a [`Page`](crate::Page): `{"items": [...], "total": N}`; past [`Crud::count_limit`] matching rows (1,000 by default) `total` is that limit and the page adds `"total_exact": false` |
/// | `POST /` | 201 with the created row; the tenant column is set by the library, the id by the database: a body naming the id is refused (422), unless [`Crud::client_ids`] |
/// | `GET /{id}` | the row, or 404 (also for another tenant's id) |
/// | `PUT /{id}` | replaces every column but the keys |
/// | `PATCH /{id}` | sets the columns given |
/// | `DELETE /{id}` | 204, or 404 |
///
/// A write whose `Content-Type` is not `application/json` (optionally `; charset=utf-8`) is
/// refused (415). A body naming another tenant in the tenant column is refused (403); malformed JSON (400),
/// wrong types, unknown fields, a create leaving out a required field (a column neither
/// nullable nor with a default in the entity) and constraint violations (422/409) are JSON
/// errors ([`ApiError`]) and write nothing.
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
/// use multitenant_axum::{Crud, TenantLayer, resolve::Header};
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
    client_ids: bool,
    read_only: bool,
    max_limit: u64,
    count_limit: Option<u64>,
    body_limit: usize,
    authorize: Option<AuthHook>,
    _entity: PhantomData<fn() -> E>,
}

impl<E> Clone for Crud<E> {
    fn clone(&self) -> Self {
        Crud {
            id_column: self.id_column.clone(),
            client_ids: self.client_ids,
            read_only: self.read_only,
            max_limit: self.max_limit,
            count_limit: self.count_limit,
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
            client_ids: false,
            read_only: false,
            max_limit: 1000,
            count_limit: Some(DEFAULT_COUNT_LIMIT),
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

    /// The client chooses each row's id: a create must give it. By default the server assigns
    /// ids (a serial or identity column) and a create body naming the id is refused (422,
    /// `id_assigned_by_server`); the default is already this when the entity's primary key is
    /// the id column alone and not auto-increment.
    ///
    /// ```ignore
    /// let crud = Crud::<countries::Entity>::new().client_ids();
    /// ```
    pub fn client_ids(mut self) -> Self {
        self.client_ids = true;
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

    /// The largest `limit` a list request may ask for (default 1000; at most `i64::MAX`).
    ///
    /// ```ignore
    /// let crud = Crud::<projects::Entity>::new().max_limit(100);
    /// ```
    pub fn max_limit(mut self, limit: u64) -> Self {
        self.max_limit = limit.max(1);
        self
    }

    /// How many matching rows a list counts at most for its `total` (default
    /// `Some(1000)`, [`DEFAULT_COUNT_LIMIT`]); `None` counts them all.
    ///
    /// An exact total reads every row of the tenant that matches the list's filters, so its cost
    /// grows with the tenant's data; a bounded one costs at most this many rows whatever the
    /// tenant's size. Up to the limit the total is exact; past it `total` is the limit and the
    /// [`Page`](crate::Page) says `"total_exact": false` (there are more). Either way the page
    /// and its total come from one statement.
    ///
    /// ```ignore
    /// let crud = Crud::<projects::Entity>::new().count_limit(Some(10_000));
    /// let exact = Crud::<tasks::Entity>::new().count_limit(None);
    /// ```
    pub fn count_limit(mut self, rows: Option<u64>) -> Self {
        self.count_limit = rows;
        self
    }

    /// The largest request body accepted, in bytes (default 64 KiB); larger ones get 413, a
    /// declared `Content-Length` over it before the body is read ([`crate::limit_body`]).
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
    /// use multitenant_axum::{ApiError, Crud, Operation};
    /// let crud = Crud::<projects::Entity>::new().authorize(|op: Operation, parts: http::request::Parts| async move {
    ///     if op.is_read() || parts.headers.contains_key("x-admin") { Ok(()) }
    ///     else { Err(ApiError::forbidden("read_only", "only admins write")) }
    /// });
    /// ```
    pub fn authorize<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(Operation, Parts) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), ApiError>> + Send + 'static,
    {
        self.authorize = Some(Arc::new(move |op, parts| Box::pin(hook(op, parts))));
        self
    }

    #[cfg(feature = "openapi")]
    pub(crate) fn is_read_only(&self) -> bool {
        self.read_only
    }

    pub(crate) fn id_name(&self) -> &str {
        self.id_column.as_deref().unwrap_or("id")
    }

    /// The id column of the entity; panics naming what is missing.
    fn resolve_id(&self) -> E::Column {
        let name = self.id_name();
        params::column::<E>(name).unwrap_or_else(|| {
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
        let id = self.resolve_id();
        let config = Arc::new(Config::<E> {
            id,
            server_ids: !self.client_ids && !is_manual_key::<E>(id),
            max_limit: self.max_limit,
            count_limit: self.count_limit,
        });
        let c = config.clone();
        let list_route = get(
            move |conn: TenantConn, q: Result<Query<BTreeMap<String, String>>, QueryRejection>| {
                handlers::list::<E>(c.clone(), conn, q)
            },
        );
        let c = config.clone();
        let one_route = get(move |conn: TenantConn, id: Path<String>| {
            handlers::retrieve::<E>(c.clone(), conn, id)
        });
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
                    move |conn: TenantConn,
                          headers: HeaderMap,
                          body: Result<Bytes, BytesRejection>| {
                        handlers::create::<E>(c1.clone(), conn, headers, body)
                    },
                ),
                one_route
                    .put(
                        move |conn: TenantConn,
                              id: Path<String>,
                              headers: HeaderMap,
                              body: Result<Bytes, BytesRejection>| {
                            handlers::replace::<E>(c2.clone(), conn, id, headers, body)
                        },
                    )
                    .patch(
                        move |conn: TenantConn,
                              id: Path<String>,
                              headers: HeaderMap,
                              body: Result<Bytes, BytesRejection>| {
                            handlers::update::<E>(c3.clone(), conn, id, headers, body)
                        },
                    )
                    .delete(move |conn: TenantConn, id: Path<String>| {
                        handlers::delete::<E>(c4.clone(), conn, id)
                    }),
            )
        };
        let mut router = crate::limit_body(
            Router::new()
                .route("/", list_route)
                .route("/{id}", one_route),
            self.body_limit,
        );
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
    match hook(op, copy_head(&parts)).await {
        Ok(()) => next.run(Request::from_parts(parts, body)).await,
        Err(rejection) => rejection.into_response(),
    }
}

/// Whether `id` is the entity's whole primary key and not auto-increment: a key the client gives.
/// (A composite key never says whether its id column is serial, so it is taken to be.)
fn is_manual_key<E: EntityTrait>(id: E::Column) -> bool {
    let mut keys = E::PrimaryKey::iter().map(|k| k.into_column().as_str());
    keys.next() == Some(id.as_str())
        && keys.next().is_none()
        && !<E::PrimaryKey as PrimaryKeyTrait>::auto_increment()
}

/// What the handlers of one router share.
struct Config<E: EntityTrait> {
    /// The column rows are addressed by.
    id: E::Column,
    /// Whether the database assigns ids (a create leaves the id out).
    server_ids: bool,
    /// The largest `limit` a list request may ask for.
    max_limit: u64,
    /// How many matching rows a list counts at most (`None`: all).
    count_limit: Option<u64>,
}

#[cfg(test)]
mod tests {
    use http::Method;

    use super::Operation;

    #[test]
    fn the_operation_follows_the_method_and_the_route() {
        let cases = [
            (Method::GET, false, Some(Operation::List)),
            (Method::HEAD, false, Some(Operation::List)),
            (Method::POST, false, Some(Operation::Create)),
            (Method::GET, true, Some(Operation::Retrieve)),
            (Method::PUT, true, Some(Operation::Replace)),
            (Method::PATCH, true, Some(Operation::Update)),
            (Method::DELETE, true, Some(Operation::Delete)),
            (Method::DELETE, false, None),
            (Method::POST, true, None),
            (Method::OPTIONS, false, None),
        ];
        for (method, has_id, op) in cases {
            assert_eq!(Operation::of(&method, has_id), op, "{method} {has_id}");
        }
    }
}
