//! Schema knowledge: which tables are tenant tables (and their tenant column), which are shared
//! reference tables, and how unqualified names resolve through `search_path`.
//!
//! A [`Schema`] is built in code ([`Schema::builder`]), from a `multitenant.toml` file
//! ([`Schema::from_toml_str`]), or from a live database's catalog ([`Schema::from_catalog`], fed by
//! the adapters' introspection). All three produce the same value for the same database.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;

use crate::{Error, KeyKind};

/// A table name resolved to its schema: `public.project`.
///
/// ```
/// use multitenant::TableName;
///
/// let t = TableName::parse("project");
/// assert_eq!(t, TableName::new("public", "project"));
/// assert_eq!(TableName::parse("App.Task").to_string(), "app.task");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TableName {
    /// The PostgreSQL schema (namespace).
    pub schema: String,
    /// The table name.
    pub name: String,
}

impl TableName {
    /// A name in `schema`, taken as written (already case-folded).
    ///
    /// ```
    /// let t = multitenant::TableName::new("public", "task");
    /// assert_eq!(t.name, "task");
    /// ```
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Self {
        TableName {
            schema: schema.into(),
            name: name.into(),
        }
    }

    /// Parses `name` or `schema.name` as an unquoted SQL identifier would be read (lower-cased);
    /// double-quoted parts keep their case. An unqualified name lands in `public`.
    ///
    /// ```
    /// use multitenant::TableName;
    ///
    /// assert_eq!(TableName::parse(r#""Odd".Name"#), TableName::new("Odd", "name"));
    /// ```
    pub fn parse(text: &str) -> Self {
        let parts = split_identifier(text);
        match parts.as_slice() {
            [name] => TableName::new("public", name.clone()),
            [schema, name] => TableName::new(schema.clone(), name.clone()),
            // catalog.schema.name: the catalog is the current database.
            [.., schema, name] => TableName::new(schema.clone(), name.clone()),
            [] => TableName::new("public", ""),
        }
    }
}

impl fmt::Display for TableName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.schema, self.name)
    }
}

fn split_identifier(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = text.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                current.push('"');
            }
            '"' => quoted = !quoted,
            '.' if !quoted => parts.push(std::mem::take(&mut current)),
            c if quoted => current.push(c),
            c => current.extend(c.to_lowercase()),
        }
    }
    parts.push(current);
    parts
}

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

    /// Reads a `multitenant.toml` document:
    ///
    /// ```
    /// let schema = multitenant::Schema::from_toml_str(r#"
    ///     tenant_key = "bigint"
    ///     [tenant_tables]
    ///     account = "id"
    ///     project = "account_id"
    ///     [reference_tables]
    ///     tables = ["country"]
    /// "#).unwrap();
    /// assert_eq!(schema.root().unwrap().name, "account");
    /// ```
    ///
    /// Optional keys: `tenant_root = "account"` (otherwise the one tenant table whose tenant
    /// column is `id`), `search_path = ["app", "public"]`, and a `[restricted]` table with
    /// `views = [...]` and `functions = [...]` that read tenant tables and must be refused.
    pub fn from_toml_str(text: &str) -> Result<Schema, Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            #[serde(default)]
            tenant_key: Option<String>,
            #[serde(default)]
            tenant_root: Option<String>,
            #[serde(default)]
            search_path: Option<Vec<String>>,
            #[serde(default)]
            tenant_tables: BTreeMap<String, String>,
            #[serde(default)]
            reference_tables: Option<ReferenceTables>,
            #[serde(default)]
            restricted: Option<Restricted>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Restricted {
            #[serde(default)]
            views: Vec<String>,
            #[serde(default)]
            functions: Vec<String>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct ReferenceTables {
            tables: Vec<String>,
        }

        let file: File = toml::from_str(text).map_err(|e| Error::InvalidSchema {
            message: format!("multitenant.toml: {}", e.to_string().trim()),
        })?;
        let mut builder = Schema::builder();
        if let Some(kind) = file.tenant_key {
            builder = builder.key_kind(kind.parse()?);
        }
        if let Some(path) = file.search_path {
            builder = builder.search_path(path);
        }
        let root = file.tenant_root.map(|r| TableName::parse(&r)).or_else(|| {
            let mut by_id = file
                .tenant_tables
                .iter()
                .filter(|(_, c)| column_name(c) == "id");
            match (by_id.next(), by_id.next()) {
                (Some((table, _)), None) => Some(TableName::parse(table)),
                _ => None,
            }
        });
        for (table, column) in &file.tenant_tables {
            let name = TableName::parse(table);
            builder = if root.as_ref() == Some(&name) {
                builder.tenant_root(table, column)
            } else {
                builder.tenant_table(table, column)
            };
        }
        if let Some(root) = &root
            && !file
                .tenant_tables
                .keys()
                .any(|t| TableName::parse(t) == *root)
        {
            return Err(Error::InvalidSchema {
                message: format!("tenant_root `{root}` is not listed in [tenant_tables]"),
            });
        }
        for table in file.reference_tables.map(|r| r.tables).unwrap_or_default() {
            builder = builder.reference_table(&table);
        }
        if let Some(restricted) = file.restricted {
            for view in &restricted.views {
                builder = builder.restricted_view(view);
            }
            for function in &restricted.functions {
                builder = builder.restricted_function(function);
            }
        }
        builder.build()
    }

    /// Reads a `multitenant.toml` file (see [`Schema::from_toml_str`]).
    ///
    /// ```no_run
    /// let schema = multitenant::Schema::from_toml_file("multitenant.toml").unwrap();
    /// ```
    pub fn from_toml_file(path: impl AsRef<Path>) -> Result<Schema, Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::InvalidSchema {
            message: format!("cannot read {}: {e}", path.display()),
        })?;
        Schema::from_toml_str(&text)
    }

    /// Builds a schema from catalog facts read off a live database (the adapters run the
    /// queries; this decides). A table is a tenant table when it has a column named
    /// `convention.tenant_column`, or when Citus distributes it (`pg_dist_partition`, method
    /// `h`) by some column; Citus reference tables (method `n`) are reference tables. The root
    /// is `convention.root_table`, whose tenant column is its primary key `id`. A view over
    /// tenant tables is a tenant table when it has the tenant column and restricted otherwise.
    ///
    /// ```
    /// use multitenant::{CatalogTable, Convention, Schema};
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
    /// roles, or an empty name, is an error.
    ///
    /// ```
    /// let err = multitenant::Schema::builder()
    ///     .tenant_table("task", "account_id")
    ///     .reference_table("task")
    ///     .build();
    /// assert!(err.is_err());
    /// ```
    pub fn build(self) -> Result<Schema, Error> {
        let mut tables = BTreeMap::new();
        for (name, kind) in self.tables {
            if name.name.is_empty() || name.schema.is_empty() {
                return Err(Error::InvalidSchema {
                    message: format!("empty table name in `{name}`"),
                });
            }
            if let TableKind::Tenant { column } = &kind
                && column.is_empty()
            {
                return Err(Error::InvalidSchema {
                    message: format!("tenant table `{name}` has an empty tenant column"),
                });
            }
            if let Some(previous) = tables.get(&name)
                && *previous != kind
            {
                return Err(Error::InvalidSchema {
                    message: format!(
                        "table `{name}` is declared twice, as {previous:?} and as {kind:?}"
                    ),
                });
            }
            tables.insert(name, kind);
        }
        let search_path = self
            .search_path
            .unwrap_or_else(|| vec!["public".to_owned()]);
        let mut by_name: HashMap<String, Vec<String>> = HashMap::new();
        for name in tables.keys() {
            by_name
                .entry(name.name.clone())
                .or_default()
                .push(name.schema.clone());
        }
        Ok(Schema {
            inner: Arc::new(SchemaInner {
                key_kind: self.key_kind,
                root: self.root,
                tables,
                search_path,
                by_name,
                restricted_functions: self.restricted_functions,
            }),
        })
    }
}

fn column_name(text: &str) -> String {
    split_identifier(text).concat()
}

/// How introspection recognises tenant tables on a database without Citus metadata.
///
/// ```
/// let c = multitenant::Convention::default();
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
/// let t = multitenant::CatalogTable::new("public", "task", ["account_id", "id"]);
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
    /// let t = multitenant::CatalogTable::new("public", "task", ["id"]);
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
    /// use multitenant::{CatalogTable, TableName};
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
    /// let t = multitenant::CatalogTable::new("public", "country", ["id"]).citus_reference();
    /// assert_eq!(t.citus, Some(multitenant::CitusDistribution::Reference));
    /// ```
    pub fn citus_reference(mut self) -> Self {
        self.citus = Some(CitusDistribution::Reference);
        self
    }

    /// Marks the table as distributed by `column`.
    ///
    /// ```
    /// let t = multitenant::CatalogTable::new("public", "task", ["org"]).citus_distributed("org");
    /// assert!(matches!(t.citus, Some(multitenant::CitusDistribution::Distributed { .. })));
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
/// let d = multitenant::CitusDistribution::Distributed { column: "account_id".into() };
/// assert_ne!(d, multitenant::CitusDistribution::Reference);
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

    fn sample() -> Schema {
        Schema::builder()
            .tenant_root("account", "id")
            .tenant_table("project", "account_id")
            .tenant_table("tasks", "account_id")
            .reference_table("country")
            .build()
            .unwrap()
    }

    #[test]
    fn toml_builder_and_catalog_agree() {
        let from_toml = Schema::from_toml_str(
            r#"
            tenant_key = "bigint"
            [tenant_tables]
            account = "id"
            project = "account_id"
            tasks = "account_id"
            [reference_tables]
            tables = ["country"]
            "#,
        )
        .unwrap();
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
        assert_eq!(from_toml, sample());
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

    #[test]
    fn toml_errors_are_reported() {
        let unknown = Schema::from_toml_str("tenant_key = \"float\"").unwrap_err();
        assert!(
            unknown.to_string().contains("unknown tenant key type"),
            "{unknown}"
        );
        let bad = Schema::from_toml_str("tenant_tables = 3").unwrap_err();
        assert!(matches!(bad, Error::InvalidSchema { .. }));
        let root =
            Schema::from_toml_str("tenant_root = \"x\"\n[tenant_tables]\na = \"id\"").unwrap_err();
        assert!(root.to_string().contains("tenant_root"), "{root}");
    }

    #[test]
    fn identifiers_fold_case_unless_quoted() {
        assert_eq!(
            TableName::parse("Public.Project"),
            TableName::new("public", "project")
        );
        assert_eq!(
            TableName::parse("\"My\"\"T\""),
            TableName::new("public", "My\"T")
        );
    }
}
