//! The REST API: users and tokens, the caller's accounts, the shared countries, the
//! tenant-scoped CRUD routes (managers, projects, tasks), the project-manager many-to-many, the
//! OpenAPI document and the health check.
//!
//! A tenant route runs for one account: the one named by `X-Account-Id`, which the caller must
//! own (403 otherwise), or the caller's first account when the header is absent
//! ([`resolver`]). Every statement such a route sends goes through a connection scoped to that
//! account. Every route answers a failure with a [`multitenant_axum::ApiError`], so the same
//! failure has the same status on the CRUD routes and the hand-written ones.

mod body;
mod dto;
mod edge;
mod errors;
mod fields;
mod handlers;
mod headers;
mod logging;
mod openapi;
pub mod resolver;
mod session;
mod summary;
mod timeout;

use std::sync::Arc;

use axum::Router;
use axum::routing::{delete, get, post};
use multitenant_axum::{ApiError, Crud, CrudApi, TenantLayer};
use multitenant_sea_orm::TenantDatabase;

use crate::Settings;
use crate::entities::{managers, projects, tasks};
use crate::login::LoginGuard;

pub use dto::{Assignment, Credentials, NewAccount, PasswordChange, TokenOut, UserOut};
pub use summary::Summary;

/// The header naming the account a tenant request is for.
pub const ACCOUNT_HEADER: &str = "x-account-id";

/// The whole HTTP application: API, OpenAPI document, health check and web page, with failed
/// log-ins throttled, tokens issued, bodies bounded and requests timed out as `settings` says.
/// Serve it with the client's address ([`crate::serve`], or axum's
/// `into_make_service_with_connect_info`): log-in counts failures per address.
///
/// ```no_run
/// # async fn f(db: multitenant_sea_orm::TenantDatabase) -> std::io::Result<()> {
/// let settings = projects::Settings::default();
/// let app = projects::api::router(db, &settings);
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
/// axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>()).await
/// # }
/// ```
pub fn router(db: TenantDatabase, settings: &Settings) -> Router {
    let crud = CrudApi::<TenantDatabase>::new("projects", env!("CARGO_PKG_VERSION"))
        .entity(
            "/api/managers",
            Crud::<managers::Entity>::new().body_limit(settings.body_limit),
        )
        .entity(
            "/api/projects",
            Crud::<projects::Entity>::new().body_limit(settings.body_limit),
        )
        .entity(
            "/api/tasks",
            Crud::<tasks::Entity>::new().body_limit(settings.body_limit),
        );
    let doc = openapi::document(crud.openapi())
        .to_json()
        .expect("the OpenAPI document serializes");
    let tenant_routes = crud
        .router()
        .route(
            "/api/projects/{id}/managers",
            get(handlers::list_project_managers).post(handlers::assign_manager),
        )
        .route(
            "/api/projects/{id}/managers/{manager_id}",
            delete(handlers::unassign_manager),
        )
        .route("/api/summary", get(summary::summary))
        .layer(
            TenantLayer::new(resolver::account_of_request(db.clone())).on_missing_reject(
                ApiError::forbidden(
                    "no_account",
                    "you own no account yet; create one with POST /api/accounts",
                ),
            ),
        );
    let app = Router::new()
        .merge(tenant_routes)
        .route("/api/users", post(handlers::create_user))
        .route("/api/token", post(handlers::create_token))
        .route("/api/logout", post(session::logout))
        .route("/api/users/me/password", post(session::change_password))
        .route(
            "/api/accounts",
            get(handlers::list_accounts).post(handlers::create_account),
        )
        .route("/api/countries", get(handlers::list_countries))
        .route(
            "/api/openapi.json",
            get(move || async move {
                (
                    [(http::header::CONTENT_TYPE, "application/json")],
                    doc.clone(),
                )
            }),
        )
        .route("/healthz", get(handlers::healthz))
        .merge(crate::web::router());
    let edge = Arc::new(edge::Edge {
        settings: *settings,
        guard: Arc::new(LoginGuard::new(settings.login)),
    });
    multitenant_axum::limit_body(app, settings.body_limit)
        .layer(axum::middleware::from_fn(move |req, next| {
            edge::edge(edge.clone(), req, next)
        }))
        .with_state(db)
}
