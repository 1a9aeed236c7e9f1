//! The hand-written routes: sign-up and log-in, the caller's accounts, the shared countries, the
//! project-manager many-to-many (hand-written SQL through the request's scoped connection) and
//! the health check. A failure is an [`ApiError`]; database errors and scoping refusals become
//! one with `?`.

use axum::Json;
use axum::extract::rejection::PathRejection;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Extension, Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use multitenant_axum::{ApiError, Page, TenantConn};
use multitenant_sea_orm::{TenantConnection, TenantDatabase};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, SqlErr, Statement,
};

use super::body::JsonBody;
use super::dto::{Assignment, Credentials, NewAccount, TokenOut, UserOut};
use super::errors::{invalid, invalid_path, taken};
use super::fields;
use crate::Settings;
use crate::auth::{self, User};
use crate::entities::{accounts, countries, managers, project_managers, projects, users};
use crate::login::LoginGuard;
use crate::ownership::{self, AccountFields};

/// `/api/projects/{id}/...`: named, so that a bad value is refused naming it.
#[derive(serde::Deserialize)]
pub(super) struct ProjectPath {
    id: i64,
}

/// `/api/projects/{id}/managers/{manager_id}`.
#[derive(serde::Deserialize)]
pub(super) struct AssignmentPath {
    id: i64,
    manager_id: i64,
}

/// Signs up a user.
#[utoipa::path(post, path = "/api/users", request_body = Credentials, security(()),
    responses((status = 201, body = UserOut), (status = 409, description = "username taken"),
              (status = 422, description = "invalid username or password"),
              (status = 503, description = "too many passwords are being checked; see `Retry-After`", body = ApiError)))]
pub(super) async fn create_user(
    State(db): State<TenantDatabase>,
    Extension(guard): Extension<Arc<LoginGuard>>,
    JsonBody(creds): JsonBody<Credentials>,
) -> axum::response::Result<(StatusCode, Json<UserOut>)> {
    let username = fields::new_username(&creds.username)?;
    fields::check_new_password("password", &creds.password, &username)?;
    let hash = guard
        .hash(move |memory| auth::hash_password_with(&creds.password, memory))
        .await?
        .map_err(|e| ApiError::internal(&e))?;
    let user = users::ActiveModel {
        username: Set(username.clone()),
        password_hash: Set(hash),
        ..Default::default()
    }
    .insert(&db.ambient())
    .await
    .map_err(taken(
        "username_taken",
        format!("the username `{username}` is taken"),
        "username",
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
    responses((status = 200, body = TokenOut), (status = 401, description = "wrong username or password"),
              (status = 429, description = "too many failed log-ins for the username or the client; see `Retry-After`"),
              (status = 503, description = "too many passwords are being checked; see `Retry-After`", body = ApiError)))]
pub(super) async fn create_token(
    State(db): State<TenantDatabase>,
    Extension(guard): Extension<Arc<LoginGuard>>,
    Extension(settings): Extension<Settings>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    JsonBody(creds): JsonBody<Credentials>,
) -> axum::response::Result<Json<TokenOut>> {
    let username = fields::fold_username(&creds.username);
    guard.check(&username, client.ip())?;
    let _in_flight = guard.begin(&username, client.ip())?;
    let user = users::Entity::find()
        .filter(users::Column::Username.eq(&username))
        .one(&db.ambient())
        .await
        .map_err(ApiError::from)?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let matches = guard
        .verify(creds.password, hash, &username, client.ip())
        .await?;
    let Some(user) = user.filter(|_| matches) else {
        guard.failed(&username, client.ip())?;
        return Err(
            ApiError::unauthorized("invalid_credentials", "wrong username or password").into(),
        );
    };
    let token = auth::issue_token(&db, user.id, settings.token_lifetime)
        .await
        .map_err(ApiError::from)?;
    Ok(Json(TokenOut { token }))
}

/// The caller's accounts.
#[utoipa::path(get, path = "/api/accounts", security(("bearer" = [])),
    responses((status = 200, body = Page<accounts::Model>), (status = 401)))]
pub(super) async fn list_accounts(
    State(db): State<TenantDatabase>,
    User(user): User,
) -> Result<Json<Page<accounts::Model>>, ApiError> {
    let mine = ownership::accounts_of(&db, user).await?;
    Ok(Json(mine.into()))
}

/// Creates an account owned by the caller.
#[utoipa::path(post, path = "/api/accounts", request_body = NewAccount, security(("bearer" = [])),
    responses((status = 201, body = accounts::Model), (status = 401),
              (status = 409, description = "subdomain taken"),
              (status = 422, description = "invalid field or unknown country")))]
pub(super) async fn create_account(
    State(db): State<TenantDatabase>,
    User(user): User,
    JsonBody(new): JsonBody<NewAccount>,
) -> Result<(StatusCode, Json<accounts::Model>), ApiError> {
    let fields = AccountFields {
        name: fields::account_text("name", &new.name)?,
        domain: fields::account_text("domain", &new.domain)?,
        subdomain: fields::subdomain(&new.subdomain)?,
        country_id: new.country_id,
    };
    let subdomain = fields.subdomain.clone();
    let account = ownership::create_account(&db, user, fields)
        .await
        .map_err(|e| match e.sql_err() {
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
                invalid("country_id", "is not a country from GET /api/countries")
            }
            Some(SqlErr::UniqueConstraintViolation(_)) => ApiError::new(
                StatusCode::CONFLICT,
                "subdomain_taken",
                format!("the subdomain `{subdomain}` is taken"),
            )
            .with_fields(["subdomain"]),
            _ => e.into(),
        })?;
    Ok((StatusCode::CREATED, Json(account)))
}

/// The shared countries (a reference table).
#[utoipa::path(get, path = "/api/countries", security(("bearer" = [])),
    responses((status = 200, body = Page<countries::Model>), (status = 401)))]
pub(super) async fn list_countries(
    State(db): State<TenantDatabase>,
    _user: User,
) -> Result<Json<Page<countries::Model>>, ApiError> {
    let all = countries::Entity::find()
        .order_by_asc(countries::Column::Name)
        .all(&db.ambient())
        .await?;
    Ok(Json(all.into()))
}

/// 404 unless the project exists in the request's account.
async fn project_exists(conn: &TenantConnection, id: i64) -> Result<(), ApiError> {
    let found = projects::Entity::find()
        .filter(projects::Column::Id.eq(id))
        .select_only()
        .column(projects::Column::Id)
        .into_tuple::<i64>()
        .one(conn)
        .await?;
    found
        .map(|_| ())
        .ok_or_else(|| ApiError::not_found(format!("no project {id}")))
}

/// The managers assigned to a project.
#[utoipa::path(get, path = "/api/projects/{id}/managers", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Page<managers::Model>), (status = 404, description = "no such project")))]
pub(super) async fn list_project_managers(
    TenantConn(conn): TenantConn,
    path: Result<Path<ProjectPath>, PathRejection>,
) -> Result<Json<Page<managers::Model>>, ApiError> {
    let Path(ProjectPath { id }) = path.map_err(invalid_path)?;
    project_exists(&conn, id).await?;
    // Hand-written SQL goes through the scoper like the rest: both tables get the tenant
    // predicate and the join gets the tenant equality.
    let stmt =
        Statement::from_sql_and_values(DbBackend::Postgres, MANAGERS_OF_PROJECT, [id.into()]);
    let found = managers::Entity::find()
        .from_raw_sql(stmt)
        .all(&conn)
        .await?;
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
pub(super) async fn assign_manager(
    TenantConn(conn): TenantConn,
    path: Result<Path<ProjectPath>, PathRejection>,
    JsonBody(Assignment { manager_id }): JsonBody<Assignment>,
) -> Result<(StatusCode, Json<managers::Model>), ApiError> {
    let Path(ProjectPath { id }) = path.map_err(invalid_path)?;
    project_exists(&conn, id).await?;
    let manager = managers::Entity::find()
        .filter(managers::Column::Id.eq(manager_id))
        .one(&conn)
        .await?
        .ok_or_else(|| invalid("manager_id", "is not a manager of this account"))?;
    project_managers::ActiveModel {
        project_id: Set(id),
        manager_id: Set(manager_id),
        ..Default::default()
    }
    .insert(&conn)
    .await
    .map_err(taken(
        "already_assigned",
        format!("manager {manager_id} is already assigned to project {id}"),
        "manager_id",
    ))?;
    Ok((StatusCode::CREATED, Json(manager)))
}

/// Removes a manager from a project.
#[utoipa::path(delete, path = "/api/projects/{id}/managers/{manager_id}",
    params(("id" = i64, Path), ("manager_id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 404, description = "not assigned")))]
pub(super) async fn unassign_manager(
    TenantConn(conn): TenantConn,
    path: Result<Path<AssignmentPath>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let Path(AssignmentPath { id, manager_id }) = path.map_err(invalid_path)?;
    let res = project_managers::Entity::delete_many()
        .filter(project_managers::Column::ProjectId.eq(id))
        .filter(project_managers::Column::ManagerId.eq(manager_id))
        .exec(&conn)
        .await?;
    if res.rows_affected == 0 {
        return Err(ApiError::not_found(format!(
            "manager {manager_id} is not assigned to project {id}"
        )));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Liveness and database reachability.
#[utoipa::path(get, path = "/healthz", security(()),
    responses((status = 200, description = "`{\"status\": \"ok\"}`"), (status = 503)))]
pub(super) async fn healthz(State(db): State<TenantDatabase>) -> impl IntoResponse {
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
