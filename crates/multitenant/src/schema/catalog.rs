//! Catalog inputs: the facts an adapter reads off a live database ([`CatalogTable`],
//! [`CitusDistribution`]) and the naming [`Convention`] that says which tables are tenant tables,
//! turned into a [`Schema`] by [`Schema::from_catalog`].
//!
//! ```
//! use multitenant::Schema;
//! use multitenant::catalog::{CatalogTable, Convention};
//!
//! let convention = Convention { root_table: "accounts".into(), ..Convention::default() };
//! let tables = [
//!     CatalogTable::new("public", "accounts", ["id"]),
//!     CatalogTable::new("public", "projects", ["account_id", "id"]),
//! ];
//! let schema = Schema::from_catalog(&tables, &convention).unwrap();
//! assert_eq!(schema.root().unwrap().name, "accounts");
//! ```

use super::{Schema, TableName};
use crate::{Error, KeyKind};

impl Schema {
    /// Builds a schema from catalog facts read off a live database (the adapters run the
    /// queries; this decides). A table is a tenant table when it has a column named
    /// `convention.tenant_column`, or when Citus distributes it (`pg_dist_partition`, method
    /// `h`) by some column; Citus reference tables (method `n`) are reference tables. The root
    /// is `convention.root_table`, whose tenant column is its primary key `id`. A view over
    /// tenant tables is a tenant table when it has the tenant column and restricted otherwise.
    ///
    /// ```
    /// use multitenant::Schema;
    /// use multitenant::catalog::{CatalogTable, Convention};
    ///
    /// let tables = vec![
    ///     CatalogTable::new("public", "account", ["id", "name"]),
    ///     CatalogTable::new("public", "task", ["account_id", "id", "name"]),
    ///     CatalogTable::new("public", "country", ["id", "name"]).citus_reference(),
    ///     CatalogTable::new("public", "users", ["id", "username"]),
    /// ];
    /// let schema = Schema::from_catalog(&tables, &Convention::default()).unwrap();
    /// assert_eq!(schema.tenant_column(None, "task"), Some("account_id"));
    /// assert_eq!(schema.tenant_column(None, "account"), Some("id"));
    /// assert!(schema.is_reference(None, "country"));
    /// assert_eq!(schema.table_kind(None, "users"), None);
    /// ```
    pub fn from_catalog(tables: &[CatalogTable], convention: &Convention) -> Result<Schema, Error> {
        let mut builder = Schema::builder().key_kind(convention.key_kind);
        let root = TableName::parse(&convention.root_table);
        let is_tenant = |t: &CatalogTable| {
            TableName::new(&t.schema, &t.name) == root
                || matches!(t.citus, Some(CitusDistribution::Distributed { .. }))
                || (t.citus.is_none() && t.columns.contains(&convention.tenant_column))
        };
        let tenant_names: Vec<TableName> = tables
            .iter()
            .filter(|t| t.reads.is_empty() && is_tenant(t))
            .map(|t| TableName::new(&t.schema, &t.name))
            .collect();
        for t in tables.iter().filter(|t| !t.reads.is_empty()) {
            if t.columns.contains(&convention.tenant_column) {
                continue; // a view with the tenant column is scoped like a table, below
            }
            if t.reads.iter().any(|r| tenant_names.contains(r)) {
                builder = builder.restricted_view(&TableName::new(&t.schema, &t.name).to_string());
            }
        }
        for t in tables
            .iter()
            .filter(|t| t.reads.is_empty() || t.columns.contains(&convention.tenant_column))
        {
            let name = TableName::new(&t.schema, &t.name);
            let qualified = name.to_string();
            if name == root {
                builder = builder.tenant_root(&qualified, &convention.root_key);
                continue;
            }
            builder = match &t.citus {
                Some(CitusDistribution::Reference) => builder.reference_table(&qualified),
                Some(CitusDistribution::Distributed { column }) => {
                    builder.tenant_table(&qualified, column)
                }
                None if t.columns.contains(&convention.tenant_column) => {
                    builder.tenant_table(&qualified, &convention.tenant_column)
                }
                None => builder,
            };
        }
        builder.build()
    }
}

/// How introspection recognises tenant tables on a database without Citus metadata.
///
/// ```
/// let c = multitenant::catalog::Convention::default();
/// assert_eq!(c.tenant_column, "account_id");
/// assert_eq!(c.root_table, "account");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Convention {
    /// Tables with a column of this name are tenant tables.
    pub tenant_column: String,
    /// The tenant root table (`schema.name` or `name`).
    pub root_table: String,
    /// The root table's key column.
    pub root_key: String,
    /// The key type.
    pub key_kind: KeyKind,
}

impl Default for Convention {
    fn default() -> Self {
        Convention {
            tenant_column: "account_id".into(),
            root_table: "account".into(),
            root_key: "id".into(),
            key_kind: KeyKind::BigInt,
        }
    }
}

/// One table as read from a live catalog, input to [`Schema::from_catalog`].
///
/// ```
/// let t = multitenant::catalog::CatalogTable::new("public", "task", ["account_id", "id"]);
/// assert_eq!(t.columns.len(), 2);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogTable {
    /// The table's schema.
    pub schema: String,
    /// The table's name.
    pub name: String,
    /// Its column names.
    pub columns: Vec<String>,
    /// Its Citus distribution, when the Citus extension knows it.
    pub citus: Option<CitusDistribution>,
    /// For a view: the tables it reads. A view that reads tenant tables is a tenant table when
    /// it has the tenant column, and restricted otherwise.
    pub reads: Vec<TableName>,
}

impl CatalogTable {
    /// A table with no Citus metadata.
    ///
    /// ```
    /// let t = multitenant::catalog::CatalogTable::new("public", "task", ["id"]);
    /// assert!(t.citus.is_none());
    /// ```
    pub fn new<I, S>(schema: &str, name: &str, columns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        CatalogTable {
            schema: schema.into(),
            name: name.into(),
            columns: columns.into_iter().map(Into::into).collect(),
            citus: None,
            reads: Vec::new(),
        }
    }

    /// Marks the relation as a view over `tables`.
    ///
    /// ```
    /// use multitenant::TableName;
    /// use multitenant::catalog::CatalogTable;
    /// let v = CatalogTable::new("public", "report", ["total"]).view_over([TableName::new("public", "task")]);
    /// assert_eq!(v.reads.len(), 1);
    /// ```
    pub fn view_over(mut self, tables: impl IntoIterator<Item = TableName>) -> Self {
        self.reads = tables.into_iter().collect();
        self
    }

    /// Marks the table as a Citus reference table.
    ///
    /// ```
    /// let t = multitenant::catalog::CatalogTable::new("public", "country", ["id"]).citus_reference();
    /// assert_eq!(t.citus, Some(multitenant::catalog::CitusDistribution::Reference));
    /// ```
    pub fn citus_reference(mut self) -> Self {
        self.citus = Some(CitusDistribution::Reference);
        self
    }

    /// Marks the table as distributed by `column`.
    ///
    /// ```
    /// let t = multitenant::catalog::CatalogTable::new("public", "task", ["org"]).citus_distributed("org");
    /// assert!(matches!(t.citus, Some(multitenant::catalog::CitusDistribution::Distributed { .. })));
    /// ```
    pub fn citus_distributed(mut self, column: &str) -> Self {
        self.citus = Some(CitusDistribution::Distributed {
            column: column.into(),
        });
        self
    }
}

/// How Citus holds a table (`pg_dist_partition.partmethod`).
///
/// ```
/// let d = multitenant::catalog::CitusDistribution::Distributed { column: "account_id".into() };
/// assert_ne!(d, multitenant::catalog::CitusDistribution::Reference);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CitusDistribution {
    /// Hash-distributed by `column`.
    Distributed {
        /// The distribution column.
        column: String,
    },
    /// A reference table (a copy on every node).
    Reference,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TableKind;
    use crate::schema::SchemaError;
    use crate::schema::tests::{sample, schema_error};

    #[test]
    fn catalog_and_builder_agree() {
        let catalog = Schema::from_catalog(
            &[
                CatalogTable::new("public", "account", ["id", "name"]),
                CatalogTable::new("public", "project", ["account_id", "id"]),
                CatalogTable::new("public", "tasks", ["id", "account_id"]),
                CatalogTable::new("public", "country", ["id", "name"]).citus_reference(),
            ],
            &Convention::default(),
        )
        .unwrap();
        assert_eq!(catalog, sample());
    }

    #[test]
    fn catalog_views_over_tenant_tables() {
        let task = TableName::new("public", "task");
        let schema = Schema::from_catalog(
            &[
                CatalogTable::new("public", "task", ["account_id", "id"]),
                CatalogTable::new("public", "country", ["id"]),
                CatalogTable::new("public", "open_tasks", ["account_id", "id"])
                    .view_over([task.clone()]),
                CatalogTable::new("public", "task_totals", ["n"]).view_over([task]),
                CatalogTable::new("public", "country_names", ["name"])
                    .view_over([TableName::new("public", "country")]),
            ],
            &Convention::default(),
        )
        .unwrap();
        assert_eq!(schema.tenant_column(None, "open_tasks"), Some("account_id"));
        assert_eq!(
            schema.table_kind(None, "task_totals"),
            Some(&TableKind::Restricted)
        );
        assert_eq!(schema.table_kind(None, "country_names"), None);
    }

    #[test]
    fn a_table_read_twice_with_two_distributions_is_refused() {
        let err = schema_error(Schema::from_catalog(
            &[
                CatalogTable::new("public", "task", ["org_id"]).citus_distributed("org_id"),
                CatalogTable::new("public", "task", ["org_id"]).citus_reference(),
            ],
            &Convention::default(),
        ));
        assert!(
            matches!(err, SchemaError::ConflictingKind { ref table, second: TableKind::Reference, .. } if table.name == "task"),
            "{err:?}"
        );
    }
}
