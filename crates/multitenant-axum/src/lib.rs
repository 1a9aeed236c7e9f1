//! axum 0.8 integration for [`multitenant`]: a tower layer that resolves each request's tenant
//! and runs the request inside that tenant's scope, extractors for the tenant and for database
//! handles scoped to it, a CRUD router for SeaORM tenant entities, and one JSON error type.
//!
//! | item | what it is for | feature |
//! | --- | --- | --- |
//! | [`TenantLayer`], [`resolve`] | how a request names its tenant, and running it in that tenant's scope | |
//! | [`Tenant`] | the request's tenant, in a handler | |
//! | [`ApiError`], [`Page`] | the JSON error and list page every route answers with | |
//! | [`limit_body`] | request bodies held to a size, refused from their `Content-Length` | |
//! | `TenantConn`, `Crud` | a scoped SeaORM connection; the CRUD router | `sea-orm` |
//! | `TenantSqlx` | a scoped sqlx executor | `sqlx` |
//! | `CrudApi` | CRUD routers with their OpenAPI document; `Page` as a utoipa schema | `openapi` (implies `sea-orm`) |
//!
//! All three features are on by default; an app on sqlx alone turns the defaults off and
//! compiles no SeaORM: `multitenant-axum = { version = "0.1", default-features = false,
//! features = ["sqlx"] }`.
//!
//! ```
//! use axum::{routing::get, Router};
//! use multitenant_axum::resolve::{Header, ResolveTenant, Subdomain};
//! use multitenant_axum::{Tenant, TenantLayer};
//!
//! async fn whoami(Tenant(key): Tenant) -> String {
//!     // Every statement a multitenant adapter sends from here is scoped to `key`.
//!     assert_eq!(multitenant::current_tenant(), Some(key.clone()));
//!     key.to_string()
//! }
//!
//! let app: Router = Router::new()
//!     .route("/whoami", get(whoami))
//!     .layer(TenantLayer::new(
//!         Header::new("x-account-id").or(Subdomain::new("example.com").kind(multitenant::KeyKind::BigInt)),
//!     ));
//! ```

#[cfg(feature = "sea-orm")]
mod crud;
mod error;
mod extract;
mod layer;
mod limit;
#[cfg(feature = "openapi")]
mod openapi;
mod page;
pub mod resolve;

#[cfg(feature = "sea-orm")]
pub use crud::{Crud, CrudEntity, DEFAULT_COUNT_LIMIT, Operation, check_json_content_type};
pub use error::ApiError;
pub use extract::Tenant;
#[cfg(feature = "sea-orm")]
pub use extract::TenantConn;
#[cfg(feature = "sqlx")]
pub use extract::TenantSqlx;
pub use layer::{TenantLayer, TenantService};
pub use limit::limit_body;
#[cfg(feature = "openapi")]
pub use openapi::CrudApi;
pub use page::Page;
