//! Scale a [`multitenant`] schema out on Citus: find what blocks distribution, fix it, distribute
//! it, and undo it.
//!
//! - [`check`] reads the live catalog ([`Catalog::read`]) and reports, per table, every
//!   [`Finding`] that blocks distribution with its [`Fix`]: primary keys, unique constraints and
//!   foreign keys without the tenant column, foreign keys from reference tables to tenant tables,
//!   `integer` sequences, nullable tenant columns, undeclared tables that reference tenant tables.
//! - [`plan`] turns the findings into ordered DDL: composite primary keys `(account_id, id)`,
//!   composite foreign keys `(account_id, project_id) -> projects (account_id, id)` (a foreign key
//!   to the tenant root stays `(account_id) -> accounts (id)`), then, with Citus,
//!   `create_reference_table` and `create_distributed_table(.., colocate_with => <root>)`.
//! - [`apply`] runs the plan in one transaction; a second run finds nothing to do.
//!   [`undistribute`] turns the tables back into plain PostgreSQL tables.
//! - On plain PostgreSQL the keys are still made Citus-ready; the distribution calls are skipped
//!   with a notice.
//!
//! - [`tenant`] operates on one tenant: stats, export, import, delete and, on Citus, isolate and
//!   rebalance.
//!
//! The decisions are pure functions of the [`Schema`](multitenant::Schema) and the [`Catalog`];
//! only reading the catalog and running the plan touch the database. A [`Catalog`] is plain data
//! (serde), so a recorded one can be decided on without a database. The `multitenant citus`
//! command of `multitenant-cli` and, with the `sea-orm` feature, `migration::distribute` for
//! SeaORM migrations are built on the same functions.
//!
//! ```no_run
//! use multitenant::Schema;
//! use multitenant_citus::{Catalog, apply, check, plan};
//!
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! let pool = sqlx::PgPool::connect("postgres://postgres@127.0.0.1:5432/app").await?;
//! let schema = Schema::builder()
//!     .tenant_root("accounts", "id")
//!     .tenant_table("projects", "account_id")
//!     .tenant_table("tasks", "account_id")
//!     .reference_table("countries")
//!     .build()?;
//!
//! let catalog = Catalog::read(&mut *pool.acquire().await?).await?;
//! for finding in check(&schema, &catalog) {
//!     println!("{finding}");
//! }
//! print!("{}", plan(&schema, &catalog)?); // the SQL, nothing changed yet
//! let done = apply(&pool, &schema).await?; // one transaction
//! assert!(apply(&pool, &schema).await?.is_empty()); // nothing left to do
//!
//! // Queries are then scoped as always, and on Citus each one runs on one shard.
//! let scoper = multitenant::Scoper::new(schema);
//! let scoped = scoper.rewrite("SELECT name FROM tasks", Some(&multitenant::Scope::one(42_i64)))?;
//! let names: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(scoped.sql()))
//!     .bind(42_i64)
//!     .fetch_all(&pool)
//!     .await?;
//! # Ok(()) }
//! ```

mod apply;
mod catalog;
mod check;
mod error;
mod finding;
#[cfg(feature = "sea-orm")]
pub mod migration;
mod plan;
pub mod rls;
mod sql;
pub mod tenant;

pub use apply::{apply, undistribute};
pub use catalog::Catalog;
pub use check::check;
pub use error::Error;
pub use finding::{Finding, Fix, Problem};
pub use plan::{Plan, Step, plan, undistribute_plan};
