//! The schema value itself: which tables are tenant tables (and their tenant column), which are
//! shared reference tables or restricted, and how a table reference resolves through
//! `search_path`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use super::{SchemaBuilder, TableName};
use crate::KeyKind;

/// What the scoper knows about one table.
///
/// ```
/// use multitenant::{Schema, TableKind};
///
/// let schema = Schema::builder().tenant_table("task", "account_id").build().unwrap();
/// assert_eq!(
///     schema.table_kind(None, "task"),
///     Some(&TableKind::Tenant { column: "account_id".into() })
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TableKind {
    /// Every row belongs to one tenant, named by `column`.
    Tenant {
        /// The tenant column.
        column: String,
    },
    /// Shared by all tenants (countries, currencies): never scoped.
    Reference,
    /// A view (or other relation) that reads tenant tables in a way the scoper cannot filter:
    /// statements that read it are refused unless unscoped.
    Restricted,
}

/// The tenant layout of a database. Cheap to clone.
///
/// ```
/// use multitenant::{KeyKind, Schema};
///
/// let schema = Schema::builder()
///     .key_kind(KeyKind::BigInt)
///     .tenant_root("account", "id")
///     .tenant_table("project", "account_id")
///     .reference_table("country")
///     .build()
///     .unwrap();
/// assert_eq!(schema.tenant_column(None, "project"), Some("account_id"));
/// assert_eq!(schema.tenant_column(Some("public"), "country"), None);
/// ```
#[derive(Clone, Debug)]
pub struct Schema {
    inner: Arc<SchemaInner>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct SchemaInner {
    key_kind: KeyKind,
    root: Option<TableName>,
    tables: BTreeMap<TableName, TableKind>,
    search_path: Vec<String>,
    /// name -> the schemas that hold a known table of that name, for unqualified look-ups.
    by_name: HashMap<String, Vec<String>>,
    /// Functions that read tenant tables: calls to them are refused unless unscoped.
    restricted_functions: BTreeSet<String>,
}

impl PartialEq for Schema {
    fn eq(&self, other: &Self) -> bool {
        self.inner == other.inner
    }
}

impl Eq for Schema {}

impl Schema {
    /// Starts a schema in code.
    ///
    /// ```
    /// let schema = multitenant::Schema::builder().tenant_table("note", "org_id").build().unwrap();
    /// assert_eq!(schema.tenant_tables().count(), 1);
    /// ```
    pub fn builder() -> SchemaBuilder {
        SchemaBuilder::default()
    }

    /// The schema of checked declarations (the builder checks them), with its look-up index.
    pub(super) fn from_checked(
        key_kind: KeyKind,
        root: Option<TableName>,
        tables: BTreeMap<TableName, TableKind>,
        search_path: Vec<String>,
        restricted_functions: BTreeSet<String>,
    ) -> Schema {
        let mut by_name: HashMap<String, Vec<String>> = HashMap::new();
        for name in tables.keys() {
            by_name
                .entry(name.name.clone())
                .or_default()
                .push(name.schema.clone());
        }
        Schema {
            inner: Arc::new(SchemaInner {
                key_kind,
                root,
                tables,
                search_path,
                by_name,
                restricted_functions,
            }),
        }
    }

    /// The same schema with another `search_path` (e.g. the one a live database reports).
    ///
    /// ```
    /// let s = multitenant::Schema::builder().build().unwrap().with_search_path(["app", "public"]);
    /// assert_eq!(s.search_path(), ["app", "public"]);
    /// ```
    pub fn with_search_path<I, S>(self, schemas: I) -> Schema
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut inner = Arc::unwrap_or_clone(self.inner);
        inner.search_path = schemas.into_iter().map(|s| s.as_ref().to_owned()).collect();
        Schema {
            inner: Arc::new(inner),
        }
    }

    /// The tenant key type.
    ///
    /// ```
    /// assert_eq!(multitenant::Schema::builder().build().unwrap().key_kind(), multitenant::KeyKind::BigInt);
    /// ```
    pub fn key_kind(&self) -> KeyKind {
        self.inner.key_kind
    }

    /// The tenant root table (the tenants themselves, e.g. `account`), if declared.
    ///
    /// ```
    /// let s = multitenant::Schema::builder().tenant_root("account", "id").build().unwrap();
    /// assert_eq!(s.root().unwrap().to_string(), "public.account");
    /// ```
    pub fn root(&self) -> Option<&TableName> {
        self.inner.root.as_ref()
    }

    /// The schemas searched, in order, for an unqualified table name.
    ///
    /// ```
    /// assert_eq!(multitenant::Schema::builder().build().unwrap().search_path(), ["public"]);
    /// ```
    pub fn search_path(&self) -> &[String] {
        &self.inner.search_path
    }

    /// Resolves a table reference as PostgreSQL would: a qualified name is looked up as is; an
    /// unqualified one in the first `search_path` schema that has a known table of that name.
    /// `None` means the table is unknown to the schema (and passes untouched).
    ///
    /// ```
    /// let s = multitenant::Schema::builder().tenant_table("app.task", "account_id").build().unwrap();
    /// assert!(s.resolve(None, "task").is_none()); // app is not on the search path
    /// assert!(s.resolve(Some("app"), "task").is_some());
    /// ```
    pub fn resolve(&self, schema: Option<&str>, name: &str) -> Option<(&TableName, &TableKind)> {
        match schema {
            Some(schema) => self
                .inner
                .tables
                .get_key_value(&TableName::new(schema, name)),
            None => {
                let holders = self.inner.by_name.get(name)?;
                self.inner
                    .search_path
                    .iter()
                    .find(|s| holders.contains(s))
                    .and_then(|s| {
                        self.inner
                            .tables
                            .get_key_value(&TableName::new(s.as_str(), name))
                    })
            }
        }
    }

    /// The kind of a table, or `None` when the schema does not know it.
    ///
    /// ```
    /// let s = multitenant::Schema::builder().reference_table("country").build().unwrap();
    /// assert_eq!(s.table_kind(None, "country"), Some(&multitenant::TableKind::Reference));
    /// ```
    pub fn table_kind(&self, schema: Option<&str>, name: &str) -> Option<&TableKind> {
        self.resolve(schema, name).map(|(_, k)| k)
    }

    /// The tenant column of a tenant table.
    ///
    /// ```
    /// let s = multitenant::Schema::builder().tenant_table("task", "org").build().unwrap();
    /// assert_eq!(s.tenant_column(None, "task"), Some("org"));
    /// ```
    pub fn tenant_column(&self, schema: Option<&str>, name: &str) -> Option<&str> {
        match self.table_kind(schema, name)? {
            TableKind::Tenant { column } => Some(column),
            TableKind::Reference | TableKind::Restricted => None,
        }
    }

    /// Whether calls to function `name` (as written: `name` or `schema.name`) are refused.
    ///
    /// ```
    /// let s = multitenant::Schema::builder().restricted_function("tasks_of").build().unwrap();
    /// assert!(s.is_restricted_function("tasks_of"));
    /// assert!(s.is_restricted_function("public.tasks_of"));
    /// assert!(!s.is_restricted_function("lower"));
    /// ```
    pub fn is_restricted_function(&self, name: &str) -> bool {
        let f = &self.inner.restricted_functions;
        !f.is_empty()
            && (f.contains(name)
                || name
                    .rsplit_once('.')
                    .is_some_and(|(_, bare)| f.contains(bare)))
    }

    /// Whether a table is a reference table.
    ///
    /// ```
    /// let s = multitenant::Schema::builder().reference_table("country").build().unwrap();
    /// assert!(s.is_reference(None, "country"));
    /// ```
    pub fn is_reference(&self, schema: Option<&str>, name: &str) -> bool {
        matches!(self.table_kind(schema, name), Some(TableKind::Reference))
    }

    /// The tenant tables with their tenant columns, in name order.
    ///
    /// ```
    /// let s = multitenant::Schema::builder().tenant_table("b", "t").tenant_table("a", "t").build().unwrap();
    /// let names: Vec<_> = s.tenant_tables().map(|(n, _)| n.name.as_str()).collect();
    /// assert_eq!(names, ["a", "b"]);
    /// ```
    pub fn tenant_tables(&self) -> impl Iterator<Item = (&TableName, &str)> {
        self.inner.tables.iter().filter_map(|(n, k)| match k {
            TableKind::Tenant { column } => Some((n, column.as_str())),
            TableKind::Reference | TableKind::Restricted => None,
        })
    }

    /// The reference tables, in name order.
    ///
    /// ```
    /// let s = multitenant::Schema::builder().reference_table("country").build().unwrap();
    /// assert_eq!(s.reference_tables().count(), 1);
    /// ```
    pub fn reference_tables(&self) -> impl Iterator<Item = &TableName> {
        self.inner
            .tables
            .iter()
            .filter(|(_, k)| matches!(k, TableKind::Reference))
            .map(|(n, _)| n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualified_names_and_search_path() {
        let s = Schema::builder()
            .search_path(["app", "public"])
            .tenant_table("app.project", "account_id")
            .reference_table("public.project_kind")
            .build()
            .unwrap();
        assert_eq!(s.tenant_column(None, "project"), Some("account_id"));
        assert_eq!(s.tenant_column(Some("app"), "project"), Some("account_id"));
        assert_eq!(s.table_kind(Some("public"), "project"), None);
        assert!(s.is_reference(None, "project_kind"));
        let public_only = Schema::builder()
            .tenant_table("app.project", "account_id")
            .build()
            .unwrap();
        assert_eq!(public_only.table_kind(None, "project"), None);
    }
}
