//! The REST API: users and tokens, the caller's accounts, the shared countries, the
//! tenant-scoped CRUD routes (managers, projects, tasks), the project-manager many-to-many, the
//! OpenAPI document and the health check.
//!
//! A tenant route runs for one account: the one named by `X-Account-Id`, which the caller must
//! own (403 otherwise), or the caller's first account when the header is absent. Every statement
//! such a route sends goes through a connection scoped to that account.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use multitenant::TenantKey;
use multitenant_axum::{Crud, CrudApi, FromFn, TenantConn, TenantLayer, TenantRejection, from_fn};
use multitenant_sea_orm::{TenantConnection, TenantDatabase, scope_error};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DbBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, SqlErr, Statement,
};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::auth::{self, User};
use crate::entities::{accounts, countries, managers, project_managers, projects, tasks, users};
use crate::ownership::{self, AccountFields};

/// The header naming the account a tenant request is for.
pub const ACCOUNT_HEADER: &str = "x-account-id";

/// The whole HTTP application: API, OpenAPI document, health check and web page.
///
/// ```no_run
/// # async fn f(db: multitenant_sea_orm::TenantDatabase) -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
/// axum::serve(listener, projects::api::router(db)).await
/// # }
/// ```
pub fn router(db: TenantDatabase) -> Router {
    let crud = CrudApi::<TenantDatabase>::new("projects", env!("CARGO_PKG_VERSION"))
        .entity("/api/managers", Crud::<managers::Entity>::new())
        .entity("/api/projects", Crud::<projects::Entity>::new())
        .entity("/api/tasks", Crud::<tasks::Entity>::new());
    let doc = openapi(crud.openapi())
        .to_json()
        .expect("the OpenAPI document serializes");
    let tenant_routes = crud
        .router()
        .route(
            "/api/projects/{id}/managers",
            get(list_project_managers).post(assign_manager),
        )
        .route(
            "/api/projects/{id}/managers/{manager_id}",
            delete(unassign_manager),
        )
        .layer(
            TenantLayer::new(account_of_request(db.clone())).on_missing_reject(
                TenantRejection::forbidden(
                    "no_account",
                    "you own no account yet; create one with POST /api/accounts",
                ),
            ),
        );
    Router::new()
        .merge(tenant_routes)
        .route("/api/users", post(create_user))
        .route("/api/token", post(create_token))
        .route("/api/accounts", get(list_accounts).post(create_account))
        .route("/api/countries", get(list_countries))
        .route(
            "/api/openapi.json",
            get(move || async move {
                (
                    [(http::header::CONTENT_TYPE, "application/json")],
                    doc.clone(),
                )
            }),
        )
        .route("/healthz", get(healthz))
        .merge(crate::web::router())
        .layer(axum::middleware::from_fn(log_request))
        .with_state(db)
}

/// The tenant of a request (django-multitenant's `get_tenant`): the authenticated caller's
/// account named by `X-Account-Id`, or the caller's first account.
fn account_of_request(db: TenantDatabase) -> FromFn {
    from_fn(move |parts: http::request::Parts| {
        let db = db.clone();
        async move {
            let user = auth::authenticate(&db, &parts.headers).await?;
            let Some(named) = parts.headers.get(ACCOUNT_HEADER) else {
                let first = ownership::first_account(&db, user)
                    .await
                    .map_err(|e| db_error(&e))?;
                return Ok(first.map(TenantKey::Int));
            };
            let id: i64 = named
                .to_str()
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .ok_or_else(|| {
                    TenantRejection::bad_request(
                        "invalid_account",
                        "X-Account-Id must be an account id (an integer)",
                    )
                })?;
            if !ownership::owns(&db, user, id)
                .await
                .map_err(|e| db_error(&e))?
            {
                return Err(TenantRejection::forbidden(
                    "not_your_account",
                    format!("you do not own account {id}"),
                ));
            }
            Ok(Some(TenantKey::Int(id)))
        }
    })
}

async fn log_request(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> impl IntoResponse {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let started = std::time::Instant::now();
    let response = next.run(req).await;
    tracing::info!(
        %method,
        path,
        status = response.status().as_u16(),
        ms = started.elapsed().as_secs_f64() * 1e3,
        "request"
    );
    response
}

/// A 500 for an unexpected failure; the details go to the log, not to the client.
pub(crate) fn internal(err: &dyn std::fmt::Display) -> TenantRejection {
    tracing::error!(error = %err, "request failed");
    TenantRejection::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "the server failed; see its log",
    )
}

/// The response for a database error of a hand-written route.
fn db_error(err: &DbErr) -> TenantRejection {
    if let Some(scope) = scope_error(err) {
        return match scope {
            multitenant::Error::CrossTenantWrite { .. } => {
                TenantRejection::forbidden("cross_tenant_write", scope.to_string())
            }
            _ => internal(scope),
        };
    }
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            TenantRejection::new(StatusCode::CONFLICT, "conflict", "that already exists")
        }
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => TenantRejection::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_reference",
            "a referenced row does not exist",
        ),
        _ => internal(err),
    }
}

/// A 409 with `code` and `message` for a unique violation; any other error as [`db_error`].
fn conflict(code: &'static str, message: String) -> impl FnOnce(DbErr) -> TenantRejection {
    move |e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            TenantRejection::new(StatusCode::CONFLICT, code, message)
        }
        _ => db_error(&e),
    }
}

/// Runs password hashing (tens of milliseconds of CPU) on the blocking pool, so it does not stall
/// the requests sharing this runtime thread.
async fn off_the_runtime<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, TenantRejection> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| internal(&e))
}

/// A JSON body, or a JSON error saying what is wrong with it.
fn body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, TenantRejection> {
    body.map(|Json(t)| t)
        .map_err(|r| TenantRejection::new(r.status(), "invalid_body", r.body_text()))
}

fn invalid(field: &str, message: &str) -> TenantRejection {
    TenantRejection::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_field",
        format!("`{field}` {message}"),
    )
}

/// A page of items, as every list route returns it.
#[derive(Serialize, ToSchema)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// How many there are.
    pub total: u64,
}

impl<T> From<Vec<T>> for Page<T> {
    fn from(items: Vec<T>) -> Self {
        Page {
            total: items.len() as u64,
            items,
        }
    }
}

/// `POST /api/users` and `POST /api/token` body.
#[derive(Deserialize, ToSchema)]
pub struct Credentials {
    /// 1 to 64 characters, no spaces.
    pub username: String,
    /// At least 4 characters.
    pub password: String,
}

/// A user as the API shows it (never the password hash).
#[derive(Serialize, ToSchema)]
pub struct UserOut {
    /// Id.
    pub id: i64,
    /// Login name.
    pub username: String,
}

/// `POST /api/token` response.
#[derive(Serialize, ToSchema)]
pub struct TokenOut {
    /// Send it as `Authorization: Bearer <token>`.
    pub token: String,
}

/// `POST /api/accounts` body.
#[derive(Deserialize, ToSchema)]
pub struct NewAccount {
    /// Display name.
    pub name: String,
    /// The customer's domain.
    pub domain: String,
    /// Subdomain: unique across accounts, compared without case (409 when taken).
    pub subdomain: String,
    /// A country id from `GET /api/countries`.
    pub country_id: i64,
}

/// `POST /api/projects/{id}/managers` body.
#[derive(Deserialize, ToSchema)]
pub struct Assignment {
    /// A manager of the same account.
    pub manager_id: i64,
}

/// The routes under these prefixes run for one account.
const TENANT_PATHS: [&str; 3] = ["/api/managers", "/api/projects", "/api/tasks"];

/// The whole OpenAPI document: the hand-written routes, the CRUD routes, the bearer scheme, and
/// `X-Account-Id` on every tenant route.
fn openapi(crud: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
    use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
    use utoipa::openapi::{RefOr, Required};

    let mut doc = ApiDoc::openapi();
    doc.merge(crud);
    doc.components
        .get_or_insert_with(Default::default)
        .add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    let account = ParameterBuilder::new()
        .name("X-Account-Id")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "The account (tenant) to act for; it must be the caller's. Default: the caller's first account.",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64))),
        ))
        .build();
    for (path, item) in doc.paths.paths.iter_mut() {
        if TENANT_PATHS.iter().any(|p| path.starts_with(p)) {
            item.parameters
                .get_or_insert_with(Vec::new)
                .push(RefOr::T(account.clone()));
        }
    }
    doc
}

#[derive(OpenApi)]
#[openapi(
    security(("bearer" = [])),
    paths(
        create_user,
        create_token,
        list_accounts,
        create_account,
        list_countries,
        list_project_managers,
        assign_manager,
        unassign_manager,
        healthz
    ),
    components(schemas(
        Credentials,
        UserOut,
        TokenOut,
        NewAccount,
        accounts::Model,
        countries::Model,
        Assignment,
        managers::Model
    ))
)]
struct ApiDoc;

/// Signs up a user.
#[utoipa::path(post, path = "/api/users", request_body = Credentials, security(()),
    responses((status = 201, body = UserOut), (status = 409, description = "username taken"),
              (status = 422, description = "invalid username or password")))]
async fn create_user(
    State(db): State<TenantDatabase>,
    creds: Result<Json<Credentials>, JsonRejection>,
) -> Result<(StatusCode, Json<UserOut>), TenantRejection> {
    let creds = body(creds)?;
    let username = creds.username.trim();
    if username.is_empty()
        || username.chars().count() > 64
        || username.contains(char::is_whitespace)
    {
        return Err(invalid(
            "username",
            "must be 1 to 64 characters without spaces",
        ));
    }
    if creds.password.chars().count() < 4 {
        return Err(invalid("password", "must be at least 4 characters"));
    }
    let hash = off_the_runtime(move || auth::hash_password(&creds.password))
        .await?
        .map_err(|e| internal(&e))?;
    let user = users::ActiveModel {
        username: Set(username.to_owned()),
        password_hash: Set(hash),
        ..Default::default()
    }
    .insert(&db.ambient())
    .await
    .map_err(conflict(
        "username_taken",
        format!("the username `{username}` is taken"),
    ))?;
    Ok((
        StatusCode::CREATED,
        Json(UserOut {
            id: user.id,
            username: user.username,
        }),
    ))
}

/// Logs in: exchanges a username and password for a bearer token.
#[utoipa::path(post, path = "/api/token", request_body = Credentials, security(()),
    responses((status = 200, body = TokenOut), (status = 401, description = "wrong username or password")))]
async fn create_token(
    State(db): State<TenantDatabase>,
    creds: Result<Json<Credentials>, JsonRejection>,
) -> Result<Json<TokenOut>, TenantRejection> {
    let creds = body(creds)?;
    let user = users::Entity::find()
        .filter(users::Column::Username.eq(creds.username.trim()))
        .one(&db.ambient())
        .await
        .map_err(|e| db_error(&e))?;
    let user = off_the_runtime(move || {
        user.filter(|u| auth::verify_password(&creds.password, &u.password_hash))
    })
    .await?
    .ok_or_else(|| {
        TenantRejection::unauthorized("invalid_credentials", "wrong username or password")
    })?;
    let token = auth::issue_token(&db, user.id)
        .await
        .map_err(|e| internal(&e))?;
    Ok(Json(TokenOut { token }))
}

/// The caller's accounts.
#[utoipa::path(get, path = "/api/accounts", security(("bearer" = [])),
    responses((status = 200, body = Page<accounts::Model>), (status = 401)))]
async fn list_accounts(
    State(db): State<TenantDatabase>,
    User(user): User,
) -> Result<Json<Page<accounts::Model>>, TenantRejection> {
    let mine = ownership::accounts_of(&db, user)
        .await
        .map_err(|e| db_error(&e))?;
    Ok(Json(mine.into()))
}

/// Creates an account owned by the caller.
#[utoipa::path(post, path = "/api/accounts", request_body = NewAccount, security(("bearer" = [])),
    responses((status = 201, body = accounts::Model), (status = 401),
              (status = 409, description = "subdomain taken"),
              (status = 422, description = "invalid field or unknown country")))]
async fn create_account(
    State(db): State<TenantDatabase>,
    User(user): User,
    new: Result<Json<NewAccount>, JsonRejection>,
) -> Result<(StatusCode, Json<accounts::Model>), TenantRejection> {
    let new = body(new)?;
    for (field, value) in [
        ("name", &new.name),
        ("domain", &new.domain),
        ("subdomain", &new.subdomain),
    ] {
        if value.trim().is_empty() {
            return Err(invalid(field, "must not be empty"));
        }
    }
    let fields = AccountFields {
        name: new.name.trim().to_owned(),
        domain: new.domain.trim().to_owned(),
        subdomain: new.subdomain.trim().to_owned(),
        country_id: new.country_id,
    };
    let subdomain = fields.subdomain.clone();
    let account = ownership::create_account(&db, user, fields)
        .await
        .map_err(|e| match e.sql_err() {
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
                invalid("country_id", "is not a country from GET /api/countries")
            }
            Some(SqlErr::UniqueConstraintViolation(_)) => TenantRejection::new(
                StatusCode::CONFLICT,
                "subdomain_taken",
                format!("the subdomain `{subdomain}` is taken"),
            ),
            _ => db_error(&e),
        })?;
    Ok((StatusCode::CREATED, Json(account)))
}

/// The shared countries (a reference table).
#[utoipa::path(get, path = "/api/countries", security(("bearer" = [])),
    responses((status = 200, body = Page<countries::Model>), (status = 401)))]
async fn list_countries(
    State(db): State<TenantDatabase>,
    _user: User,
) -> Result<Json<Page<countries::Model>>, TenantRejection> {
    let all = countries::Entity::find()
        .order_by_asc(countries::Column::Name)
        .all(&db.ambient())
        .await
        .map_err(|e| db_error(&e))?;
    Ok(Json(all.into()))
}

/// 404 unless the project exists in the request's account.
async fn project_exists(conn: &TenantConnection, id: i64) -> Result<(), TenantRejection> {
    let found = projects::Entity::find()
        .filter(projects::Column::Id.eq(id))
        .select_only()
        .column(projects::Column::Id)
        .into_tuple::<i64>()
        .one(conn)
        .await
        .map_err(|e| db_error(&e))?;
    found.map(|_| ()).ok_or_else(|| {
        TenantRejection::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no project {id}"),
        )
    })
}

/// The managers assigned to a project.
#[utoipa::path(get, path = "/api/projects/{id}/managers", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Page<managers::Model>), (status = 404, description = "no such project")))]
async fn list_project_managers(
    TenantConn(conn): TenantConn,
    Path(id): Path<i64>,
) -> Result<Json<Page<managers::Model>>, TenantRejection> {
    project_exists(&conn, id).await?;
    // Hand-written SQL goes through the scoper like the rest: both tables get the tenant
    // predicate and the join gets the tenant equality.
    let stmt =
        Statement::from_sql_and_values(DbBackend::Postgres, MANAGERS_OF_PROJECT, [id.into()]);
    let found = managers::Entity::find()
        .from_raw_sql(stmt)
        .all(&conn)
        .await
        .map_err(|e| db_error(&e))?;
    Ok(Json(found.into()))
}

/// The managers of project `$1`, written by hand without any tenant condition.
const MANAGERS_OF_PROJECT: &str = "SELECT m.account_id, m.id, m.name FROM managers m \
     JOIN project_managers pm ON pm.manager_id = m.id \
     WHERE pm.project_id = $1 ORDER BY m.name, m.id";

/// Assigns a manager of the same account to a project.
#[utoipa::path(post, path = "/api/projects/{id}/managers", params(("id" = i64, Path)),
    request_body = Assignment, security(("bearer" = [])),
    responses((status = 201, body = managers::Model), (status = 404, description = "no such project"),
              (status = 409, description = "already assigned"),
              (status = 422, description = "no such manager in this account")))]
async fn assign_manager(
    TenantConn(conn): TenantConn,
    Path(id): Path<i64>,
    assignment: Result<Json<Assignment>, JsonRejection>,
) -> Result<(StatusCode, Json<managers::Model>), TenantRejection> {
    let Assignment { manager_id } = body(assignment)?;
    project_exists(&conn, id).await?;
    let manager = managers::Entity::find()
        .filter(managers::Column::Id.eq(manager_id))
        .one(&conn)
        .await
        .map_err(|e| db_error(&e))?
        .ok_or_else(|| invalid("manager_id", "is not a manager of this account"))?;
    project_managers::ActiveModel {
        project_id: Set(id),
        manager_id: Set(manager_id),
        ..Default::default()
    }
    .insert(&conn)
    .await
    .map_err(conflict(
        "already_assigned",
        format!("manager {manager_id} is already assigned to project {id}"),
    ))?;
    Ok((StatusCode::CREATED, Json(manager)))
}

/// Removes a manager from a project.
#[utoipa::path(delete, path = "/api/projects/{id}/managers/{manager_id}",
    params(("id" = i64, Path), ("manager_id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 404, description = "not assigned")))]
async fn unassign_manager(
    TenantConn(conn): TenantConn,
    Path((id, manager_id)): Path<(i64, i64)>,
) -> Result<StatusCode, TenantRejection> {
    let res = project_managers::Entity::delete_many()
        .filter(project_managers::Column::ProjectId.eq(id))
        .filter(project_managers::Column::ManagerId.eq(manager_id))
        .exec(&conn)
        .await
        .map_err(|e| db_error(&e))?;
    if res.rows_affected == 0 {
        return Err(TenantRejection::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("manager {manager_id} is not assigned to project {id}"),
        ));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Liveness and database reachability.
#[utoipa::path(get, path = "/healthz", security(()),
    responses((status = 200, description = "`{\"status\": \"ok\"}`"), (status = 503)))]
async fn healthz(State(db): State<TenantDatabase>) -> impl IntoResponse {
    match db.connection().ping().await {
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

#[cfg(test)]
mod tests {
    use multitenant::{Scope, Scoper};

    /// What the database receives for the hand-written join: both tables filtered by the
    /// tenant (`$2`), and the join kept on one tenant (and one Citus shard).
    #[test]
    fn the_hand_written_join_is_scoped() {
        let scoper = Scoper::new(crate::entities::schema());
        let scoped = scoper
            .rewrite(super::MANAGERS_OF_PROJECT, Some(&Scope::one(7_i64)))
            .unwrap();
        assert_eq!(
            scoped.sql(),
            "SELECT m.account_id, m.id, m.name FROM managers m \
             JOIN project_managers pm ON pm.manager_id = m.id AND m.account_id = pm.account_id \
             WHERE pm.project_id = $1 AND m.account_id = $2 AND pm.account_id = $2 ORDER BY m.name, m.id"
        );
        assert_eq!(scoped.tenant_param(), Some(2));
        // No tenant: refused, naming the table.
        let err = scoper
            .rewrite(super::MANAGERS_OF_PROJECT, None)
            .unwrap_err();
        assert!(matches!(err, multitenant::Error::NoTenant { .. }), "{err}");
    }
}
