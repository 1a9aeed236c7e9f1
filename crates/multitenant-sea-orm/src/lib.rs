//! SeaORM 2 adapter for [`multitenant`]: connections, transactions and streams that scope every
//! statement SeaORM sends to the current tenant, and the tenant schema declared on the entities.
//!
//! A [`TenantDatabase`] holds the connection pool and the [`Scoper`](multitenant::Scoper).
//! [`TenantDatabase::tenant`] hands out a [`TenantConnection`] that implements SeaORM's
//! `ConnectionTrait`, `TransactionTrait` and `StreamTrait`: pass `&conn` wherever SeaORM takes a
//! connection. Each statement is rewritten by the core scoper (`WHERE projects.account_id = $n`,
//! the tenant column filled on INSERT, ...) and the tenant key is bound as one more value. With no
//! tenant set, a statement touching a tenant table is refused before it is sent. The adapter
//! follows the core's [`multitenant::adapter`] protocol and only converts values to SeaORM's.
//!
//! ```no_run
//! use multitenant::Schema;
//! use multitenant_sea_orm::{SchemaFromEntities, TenantDatabase, TenantEntity, scope_error};
//! use sea_orm::entity::prelude::*;
//! use sea_orm::{ActiveValue::Set, QueryOrder};
//!
//! mod projects {
//!     use sea_orm::entity::prelude::*;
//!
//!     #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
//!     #[sea_orm(table_name = "projects")]
//!     pub struct Model {
//!         #[sea_orm(primary_key, auto_increment = false)]
//!         pub account_id: i64,
//!         #[sea_orm(primary_key)]
//!         pub id: i64,
//!         pub name: String,
//!     }
//!
//!     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
//!     pub enum Relation {}
//!
//!     impl ActiveModelBehavior for ActiveModel {}
//!
//!     impl multitenant_sea_orm::TenantEntity for Entity {
//!         fn tenant_column() -> Column {
//!             Column::AccountId
//!         }
//!     }
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // Connect: the tenant layout comes from the entities.
//! let schema = Schema::builder().tenant_entity::<projects::Entity>().build()?;
//! let db = TenantDatabase::connect("postgres://postgres@127.0.0.1:5432/app", schema).await?;
//!
//! // Scope: a handle for tenant 1.
//! let acme = db.tenant(1_i64);
//!
//! // Query: the tenant column is filled in on insert, and only tenant 1's rows come back.
//! projects::ActiveModel { id: Set(7), name: Set("Roadmap".into()), ..Default::default() }
//!     .insert(&acme)
//!     .await?;
//! let mine = projects::Entity::find().order_by_asc(projects::Column::Id).all(&acme).await?;
//! assert!(mine.iter().all(|p| p.account_id == 1));
//!
//! // No tenant set: refused with the core's typed error, nothing is sent.
//! let err = projects::Entity::find().all(&db.ambient()).await.unwrap_err();
//! assert!(matches!(scope_error(&err), Some(multitenant::Error::NoTenant { .. })));
//!
//! // The ambient scope works too.
//! let conn = db.ambient();
//! let n = multitenant::scope(1_i64, projects::Entity::find().count(&conn)).await?;
//! # let _ = n;
//! # Ok(()) }
//! ```
//!
//! Row-level-security backstop: with a scoper made by
//! [`Scoper::with_row_level_security`](multitenant::Scoper::with_row_level_security) (and the
//! policies of `multitenant-citus`'s `rls` module in the database), every transaction begun
//! through a tenant handle starts with `SET LOCAL multitenant.tenant = '<keys>'`, and a statement
//! sent outside a transaction runs in one of its own that does, so a statement that gets past
//! the scoper on that connection still sees only the tenant's rows.
//!
//! ```no_run
//! # async fn f(conn: sea_orm::DatabaseConnection, schema: multitenant::Schema) -> Result<(), sea_orm::DbErr> {
//! use multitenant::{Scoper, Setting};
//! use sea_orm::{ConnectionTrait, TransactionSession, TransactionTrait};
//!
//! let scoper = Scoper::new(schema).with_row_level_security(Setting::default());
//! let db = multitenant_sea_orm::TenantDatabase::new(conn, scoper); // the application's role
//! let txn = db.tenant(1_i64).begin().await?; // BEGIN; SET LOCAL multitenant.tenant = '1'
//! // Past the scoper, the policies still hold it to tenant 1.
//! txn.inner().execute_unprepared("UPDATE tasks SET done = true").await?;
//! txn.commit().await?;
//! # Ok(()) }
//! ```
//!
//! Errors: SeaORM's traits return [`sea_orm::DbErr`]; a scoping refusal travels inside it as a
//! database error with its own SQLSTATE and its type intact (see [`Refused`]). [`scope_error`] gives back the [`multitenant::Error`] (`NoTenant`,
//! `CrossTenantWrite`, `TenantColumnAssignment`, ...), and `Error::from(db_err)` sorts any
//! `DbErr` into [`Error::Scope`] or [`Error::Db`].

mod connection;
mod database;
mod entity;
mod error;

pub use connection::{TenantConnection, TenantTransaction};
pub use database::TenantDatabase;
pub use entity::{ReferenceEntity, SchemaFromEntities, TenantEntity};
pub use error::{Carrier, Error, Refused, refused, scope_error};
