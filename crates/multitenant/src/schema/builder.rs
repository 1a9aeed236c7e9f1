//! Declaring a schema in code: [`SchemaBuilder`] collects declarations and checks them into a
//! [`Schema`]. The TOML file and the catalog input are read through it too.

use std::collections::{BTreeMap, BTreeSet};

use super::names::{column_name, split_identifier};
use super::{Schema, SchemaError, TableKind, TableName};
use crate::{Error, KeyKind};

/// Builds a [`Schema`] in code.
///
/// ```
/// use multitenant::{KeyKind, Schema};
///
/// let schema = Schema::builder()
///     .key_kind(KeyKind::Uuid)
///     .search_path(["app", "public"])
///     .tenant_root("app.account", "id")
///     .tenant_table("app.project", "account_id")
///     .build()
///     .unwrap();
/// assert_eq!(schema.tenant_column(None, "project"), Some("account_id"));
/// ```
#[derive(Clone, Debug, Default)]
pub struct SchemaBuilder {
    key_kind: KeyKind,
    root: Option<TableName>,
    tables: Vec<(TableName, TableKind)>,
    search_path: Option<Vec<String>>,
    restricted_functions: BTreeSet<String>,
}

impl SchemaBuilder {
    /// Sets the tenant key type (default `bigint`).
    ///
    /// ```
    /// let s = multitenant::Schema::builder().key_kind(multitenant::KeyKind::Text).build().unwrap();
    /// assert_eq!(s.key_kind(), multitenant::KeyKind::Text);
    /// ```
    pub fn key_kind(mut self, kind: KeyKind) -> Self {
        self.key_kind = kind;
        self
    }

    /// Declares the tenant root table: the table of tenants, whose tenant column is its own
    /// primary key. It is also a tenant table (a tenant sees only its own row).
    ///
    /// ```
    /// let s = multitenant::Schema::builder().tenant_root("account", "id").build().unwrap();
    /// assert_eq!(s.tenant_column(None, "account"), Some("id"));
    /// ```
    pub fn tenant_root(mut self, table: &str, key_column: &str) -> Self {
        let name = TableName::parse(table);
        self.root = Some(name.clone());
        self.tables.push((
            name,
            TableKind::Tenant {
                column: column_name(key_column),
            },
        ));
        self
    }

    /// Declares a tenant table and its tenant column.
    ///
    /// ```
    /// let s = multitenant::Schema::builder().tenant_table("task", "account_id").build().unwrap();
    /// assert_eq!(s.tenant_column(None, "task"), Some("account_id"));
    /// ```
    pub fn tenant_table(mut self, table: &str, column: &str) -> Self {
        self.tables.push((
            TableName::parse(table),
            TableKind::Tenant {
                column: column_name(column),
            },
        ));
        self
    }

    /// Declares a reference table (shared by all tenants, never scoped).
    ///
    /// ```
    /// let s = multitenant::Schema::builder().reference_table("country").build().unwrap();
    /// assert!(s.is_reference(None, "country"));
    /// ```
    pub fn reference_table(mut self, table: &str) -> Self {
        self.tables
            .push((TableName::parse(table), TableKind::Reference));
        self
    }

    /// Declares a view (or table) that reads tenant tables without a tenant column the scoper
    /// can filter: statements that read it are refused ([`crate::Error::Unsupported`]) unless
    /// unscoped. (A view that has a tenant column can be declared a tenant table instead.)
    ///
    /// ```
    /// let s = multitenant::Schema::builder().restricted_view("report").build().unwrap();
    /// assert_eq!(s.table_kind(None, "report"), Some(&multitenant::TableKind::Restricted));
    /// ```
    pub fn restricted_view(mut self, view: &str) -> Self {
        self.tables
            .push((TableName::parse(view), TableKind::Restricted));
        self
    }

    /// Declares a function that reads tenant tables: calls to it are refused unless unscoped.
    ///
    /// ```
    /// let s = multitenant::Schema::builder().restricted_function("app.tasks_of").build().unwrap();
    /// assert!(s.is_restricted_function("app.tasks_of"));
    /// ```
    pub fn restricted_function(mut self, function: &str) -> Self {
        self.restricted_functions
            .insert(split_identifier(function).join("."));
        self
    }

    /// Sets the schemas searched for unqualified names (default `["public"]`), like
    /// PostgreSQL's `search_path`.
    ///
    /// ```
    /// let s = multitenant::Schema::builder().search_path(["app"]).build().unwrap();
    /// assert_eq!(s.search_path(), ["app"]);
    /// ```
    pub fn search_path<I, S>(mut self, schemas: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.search_path = Some(
            schemas
                .into_iter()
                .map(|s| split_identifier(s.as_ref()).concat())
                .collect(),
        );
        self
    }

    /// Checks the declarations and builds the schema. A table declared twice with different
    /// roles, an empty table name or an empty tenant column is an error
    /// ([`Error::InvalidSchema`] with the [`SchemaError`] that says which).
    ///
    /// ```
    /// use multitenant::{Error, Schema, SchemaError};
    ///
    /// let err = Schema::builder()
    ///     .tenant_table("task", "account_id")
    ///     .reference_table("task")
    ///     .build()
    ///     .unwrap_err();
    /// let Error::InvalidSchema(cause) = err else { panic!("{err}") };
    /// assert!(matches!(*cause, SchemaError::ConflictingKind { ref table, .. } if table.name == "task"));
    /// ```
    pub fn build(self) -> Result<Schema, Error> {
        let mut tables: BTreeMap<TableName, TableKind> = BTreeMap::new();
        for (name, kind) in self.tables {
            if name.name.is_empty() || name.schema.is_empty() {
                return Err(SchemaError::EmptyTableName { table: name }.into());
            }
            if let TableKind::Tenant { column } = &kind
                && column.is_empty()
            {
                return Err(SchemaError::EmptyTenantColumn { table: name }.into());
            }
            if let Some(previous) = tables.get(&name)
                && *previous != kind
            {
                return Err(SchemaError::ConflictingKind {
                    first: previous.clone(),
                    second: kind,
                    table: name,
                }
                .into());
            }
            tables.insert(name, kind);
        }
        let search_path = self
            .search_path
            .unwrap_or_else(|| vec!["public".to_owned()]);
        Ok(Schema::from_checked(
            self.key_kind,
            self.root,
            tables,
            search_path,
            self.restricted_functions,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::tests::schema_error;

    #[test]
    fn an_empty_table_name_is_refused() {
        let err = schema_error(Schema::builder().tenant_table("app.", "account_id").build());
        assert_eq!(
            err,
            SchemaError::EmptyTableName {
                table: TableName::new("app", "")
            }
        );
        let err = schema_error(Schema::builder().reference_table("").build());
        assert!(matches!(err, SchemaError::EmptyTableName { .. }), "{err}");
    }

    #[test]
    fn an_empty_tenant_column_is_refused() {
        let err = schema_error(Schema::builder().tenant_table("task", " ").build());
        assert_eq!(
            err,
            SchemaError::EmptyTenantColumn {
                table: TableName::new("public", "task")
            }
        );
        assert!(err.to_string().contains("`public.task`"), "{err}");
    }

    #[test]
    fn a_table_declared_with_two_roles_is_refused() {
        let err = schema_error(
            Schema::builder()
                .tenant_table("task", "account_id")
                .tenant_table("Task", "org_id")
                .build(),
        );
        assert_eq!(
            err,
            SchemaError::ConflictingKind {
                table: TableName::new("public", "task"),
                first: TableKind::Tenant {
                    column: "account_id".into()
                },
                second: TableKind::Tenant {
                    column: "org_id".into()
                },
            }
        );
        let same_twice = Schema::builder()
            .reference_table("country")
            .reference_table("public.country")
            .build();
        assert!(same_twice.is_ok(), "{same_twice:?}");
    }
}
