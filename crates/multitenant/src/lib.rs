#![doc = include_str!("../README.md")]

pub mod adapter;
mod backstop;
mod context;
mod error;
mod key;
pub mod resolve;
mod schema;
mod scoper;

pub use backstop::Setting;
pub use context::{Scope, current, current_tenant, scope, scope_many, spawn, unscoped, with_scope};
pub use error::Error;
pub use key::{KeyKind, TenantKey};
pub use schema::catalog;
pub use schema::{Schema, SchemaBuilder, SchemaError, TableKind, TableName};
pub use scoper::Scoper;
