#![doc = include_str!("../README.md")]

mod context;
mod error;
mod key;
pub mod resolve;
mod schema;
mod scoper;

pub use context::{Scope, current, current_tenant, scope, scope_many, spawn, unscoped, with_scope};
pub use error::{Error, cross_tenant_write_from_db};
pub use key::{KeyKind, TenantKey};
pub use schema::{
    CatalogTable, CitusDistribution, Convention, Schema, SchemaBuilder, TableKind, TableName,
};
pub use scoper::{Scoped, Scoper, TenantBind};
