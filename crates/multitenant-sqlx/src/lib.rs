//! sqlx 0.9 adapter for [`multitenant`]: executors that scope every statement to the current
//! tenant. Wrap a `&PgPool`, a `&mut PgConnection` or a transaction in [`Tenanted`] (or take
//! one from a [`TenantPool`]) and pass it wherever sqlx takes an executor: `query`, `query_as`,
//! `query_scalar`, `fetch` streams and the `query!` macros keep working, and each statement is
//! rewritten by the core scoper (`WHERE tasks.account_id = $n`, the tenant column filled on
//! INSERT, ...) with the tenant key bound as one more argument. The rewritten text is the same
//! for every tenant, so sqlx's prepared-statement cache keeps working.
//!
//! The adapter follows the core's [`multitenant::adapter`] protocol and only converts values:
//! the tenant bind to an sqlx argument, and a refusal to `sqlx::Error::Database` holding a
//! [`Refused`] (SQLSTATE from [`multitenant::Error::sqlstate`]).
//!
//! ```no_run
//! use multitenant::Schema;
//! use multitenant_sqlx::{TenantPool, scope_error};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // Connect.
//! let schema = Schema::builder()
//!     .tenant_root("accounts", "id")
//!     .tenant_table("tasks", "account_id")
//!     .reference_table("countries")
//!     .build()?;
//! let db = TenantPool::connect("postgres://postgres@127.0.0.1:5432/app", schema).await?;
//!
//! // Scope: a handle for tenant 1. Query as usual; the tenant column is filled in on insert.
//! sqlx::query("INSERT INTO tasks (id, name) VALUES ($1, $2)")
//!     .bind(7_i64)
//!     .bind("write docs")
//!     .execute(db.tenant(1_i64))
//!     .await?;
//! let names: Vec<String> = sqlx::query_scalar("SELECT name FROM tasks ORDER BY id")
//!     .fetch_all(db.tenant(1_i64))
//!     .await?;
//! # let _ = names;
//!
//! // No tenant set: refused with the core's typed error before anything is sent.
//! let err = sqlx::query("SELECT * FROM tasks").fetch_all(db.ambient()).await.unwrap_err();
//! assert!(matches!(scope_error(&err), Some(multitenant::Error::NoTenant { .. })));
//! # Ok(()) }
//! ```

mod backstop;
mod error;
mod executor;
mod introspect;
mod pool;

pub use backstop::TenantExecutor;
pub use error::{Error, Refused, scope_error};
pub use executor::Tenanted;
pub use introspect::introspect;
pub use pool::{TenantPool, TenantTransaction};
