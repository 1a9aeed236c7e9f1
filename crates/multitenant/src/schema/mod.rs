//! Schema knowledge: which tables are tenant tables (and their tenant column), which are shared
//! reference tables, and how unqualified names resolve through `search_path`.
//!
//! A [`Schema`] is built in code ([`Schema::builder`]), from a `multitenant.toml` file
//! (`Schema::from_toml_str`, feature `toml`), or from a live database's catalog
//! ([`Schema::from_catalog`], fed by the adapters' introspection). All three produce the same
//! value for the same database, and refuse an invalid definition with a [`SchemaError`].

mod builder;
pub mod catalog;
mod error;
mod model;
mod names;
#[cfg(feature = "toml")]
mod toml;

pub use builder::SchemaBuilder;
pub use error::SchemaError;
pub use model::{Schema, TableKind};
pub use names::TableName;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    /// The schema every declaration style is compared against.
    pub(super) fn sample() -> Schema {
        Schema::builder()
            .tenant_root("account", "id")
            .tenant_table("project", "account_id")
            .tenant_table("tasks", "account_id")
            .reference_table("country")
            .build()
            .unwrap()
    }

    /// The cause of a refused schema; panics when the schema was accepted.
    pub(super) fn schema_error(result: Result<Schema, Error>) -> SchemaError {
        match result {
            Err(Error::InvalidSchema(e)) => *e,
            other => panic!("expected an invalid schema, got {other:?}"),
        }
    }
}
