//! tokio-postgres adapter for [`multitenant`]: a [`TenantClient`] around a client, transaction or
//! pooled connection ([`TenantPool`]) scopes each statement and binds the tenant key last.
//! ```no_run
//! use multitenant_postgres::{Error, TenantPool};
//! # async fn run(schema: multitenant::Schema) -> Result<(), Error> {
//! let db = TenantPool::connect("postgres://postgres@127.0.0.1:5432/app", schema).await?;
//! let acme = db.tenant(1_i64).await?;
//! acme.execute("INSERT INTO tasks (id, name) VALUES ($1, $2)", &[&7_i64, &"docs"]).await?;
//! let rows = acme.query("SELECT name FROM tasks", &[]).await?; // WHERE tasks.account_id = $1
//! // No tenant set: refused with the core's typed error before anything is sent.
//! let err = db.ambient().await?.query("SELECT * FROM tasks", &[]).await.unwrap_err();
//! assert!(matches!(err, Error::Refused(multitenant::Error::NoTenant { .. })));
//! # Ok(()) }
//! ```

mod client;
mod error;
mod pool;

pub use client::{AsGenericClient, TenantClient, TenantTransaction};
pub use error::{Error, scope_error};
pub use pool::TenantPool;
