//! axum 0.8 integration for [`multitenant`]: a tower layer that resolves each request's tenant
//! and runs the request inside that tenant's scope, extractors for the tenant, and JSON
//! rejections for requests whose tenant cannot be resolved.
//!
//! ```
//! use axum::{routing::get, Router};
//! use multitenant_axum::{Header, ResolveTenant, Subdomain, Tenant, TenantLayer};
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

mod crud;
mod extract;
mod layer;
mod openapi;
mod rejection;
mod resolve;

pub use crud::{Crud, CrudEntity, Operation};
pub use extract::{Tenant, TenantConn, TenantSqlx};
pub use layer::{TenantLayer, TenantService};
pub use openapi::CrudApi;
pub use rejection::TenantRejection;
pub use resolve::{
    FromFn, Header, Or, PathSegment, Resolution, ResolveFuture, ResolveTenant, Subdomain, from_fn,
};
