//! Operations on one tenant of a shared schema: how much it holds and where ([`stats`]), its rows
//! out to files and back ([`export`], [`import`]), all of it removed ([`delete`]), and on Citus
//! a shard of its own ([`isolate`]) and the shards spread over the nodes ([`rebalance`]).
//!
//! Everything is driven by the [`Schema`] and the live catalog: the tenant tables come in
//! foreign-key order ([`TenantTables`]), and every statement on a tenant table goes through the
//! scoper with the tenant key as a bound parameter, so on Citus each one runs on one shard.

mod delete;
mod export;
mod import;
mod isolate;
mod rebalance;
mod stats;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use multitenant::{KeyKind, Schema, Scope, Scoper, TableName, TenantKey};
use multitenant_sqlx::Tenanted;
use sqlx::PgConnection;

pub use delete::{DeleteReport, delete};
pub use export::{ExportedTable, Manifest, export};
pub use import::{ImportReport, import};
pub use isolate::{IsolatePlan, Node, isolate, isolate_plan};
pub use rebalance::{RebalancePlan, ShardMove, rebalance, rebalance_plan};
pub use stats::{
    Activity, Placement, StatsOptions, StatsReport, TableUsage, TenantStats, stats, track_tenants,
};

use crate::catalog::TableFacts;
use crate::{Catalog, Error, sql};

/// Parses `text` as a key of the schema's key kind; anything else is [`Error::MalformedKey`].
///
/// ```
/// use multitenant::{Schema, TenantKey};
/// use multitenant_citus::{Error, tenant::parse_key};
///
/// let schema = Schema::builder().tenant_root("accounts", "id").build()?;
/// assert_eq!(parse_key(&schema, "42")?, TenantKey::Int(42));
/// assert!(matches!(parse_key(&schema, "acme"), Err(Error::MalformedKey { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_key(schema: &Schema, text: &str) -> Result<TenantKey, Error> {
    schema
        .key_kind()
        .parse_key(text)
        .map_err(|_| malformed(text, schema.key_kind()))
}

fn malformed(text: &str, expected: KeyKind) -> Error {
    Error::MalformedKey {
        value: text.chars().take(64).collect(),
        expected,
    }
}

/// `key` if it is of the schema's key kind.
fn checked_key(schema: &Schema, key: &TenantKey) -> Result<TenantKey, Error> {
    if key.kind() == schema.key_kind() {
        Ok(key.clone())
    } else {
        Err(malformed(&key.to_string(), schema.key_kind()))
    }
}

/// The tenant tables of a schema as the live catalog has them, parents before children (by
/// their foreign keys; ties in name order): the order rows are loaded in, and the reverse of the
/// order they are deleted in. A foreign key of a table to itself does not count; a cycle between
/// tables is [`Error::ForeignKeyCycle`].
///
/// ```
/// use multitenant::Schema;
/// use multitenant_citus::{Catalog, tenant::TenantTables};
///
/// let table = |name: &str, fks: &str| format!(r#"{{"schema": "public", "name": "{name}",
///     "columns": [{{"name": "account_id", "type": "bigint", "not_null": true, "identity": false, "sequence": null}},
///                 {{"name": "id", "type": "bigint", "not_null": true, "identity": false, "sequence": null}}],
///     "constraints": [{fks}], "unique_indexes": []}}"#);
/// let fk = |target: &str| format!(r#"{{"name": "fk", "kind": "f", "columns": ["account_id"],
///     "target": {{"schema": "public", "name": "{target}"}}, "target_columns": ["id"],
///     "on_delete": "a", "on_update": "a", "index": null}}"#);
/// let catalog: Catalog = serde_json::from_str(&format!(
///     r#"{{"citus": null, "tables": [{}, {}, {}]}}"#,
///     table("accounts", ""), table("tasks", &fk("projects")), table("projects", &fk("accounts")),
/// ))?;
/// let schema = Schema::builder()
///     .tenant_root("accounts", "id")
///     .tenant_table("projects", "account_id")
///     .tenant_table("tasks", "account_id")
///     .build()?;
/// let order: Vec<String> = TenantTables::new(&schema, &catalog)?.order().map(|t| t.to_string()).collect();
/// assert_eq!(order, ["public.accounts", "public.projects", "public.tasks"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct TenantTables {
    root: TableName,
    tables: Vec<TenantTable>,
}

/// One tenant table and what the operations need of it.
#[derive(Clone, Debug)]
pub(crate) struct TenantTable {
    pub(crate) name: TableName,
    pub(crate) tenant_column: String,
    pub(crate) facts: TableFacts,
    /// Foreign keys to reference tables: the rows an export may carry along.
    pub(crate) references: Vec<Link>,
}

/// A foreign key `columns -> target (target_columns)`.
#[derive(Clone, Debug)]
pub(crate) struct Link {
    pub(crate) target: TableName,
    pub(crate) columns: Vec<String>,
    pub(crate) target_columns: Vec<String>,
}

impl TenantTables {
    /// The schema's tenant tables in foreign-key order, with their columns and keys from
    /// `catalog`. Fails when the schema names no root table or a table the database lacks, and
    /// on a foreign-key cycle.
    ///
    /// ```no_run
    /// # async fn f(pool: sqlx::PgPool, schema: multitenant::Schema) -> Result<(), multitenant_citus::Error> {
    /// let catalog = multitenant_citus::Catalog::read(&mut *pool.acquire().await?).await?;
    /// let tables = multitenant_citus::tenant::TenantTables::new(&schema, &catalog)?;
    /// # Ok(()) }
    /// ```
    pub fn new(schema: &Schema, catalog: &Catalog) -> Result<TenantTables, Error> {
        let root = schema.root().ok_or(Error::NoRoot)?.clone();
        let mut tables = BTreeMap::new();
        for (name, column) in schema.tenant_tables() {
            let facts = catalog.table(name).ok_or_else(|| Error::MissingTable {
                table: name.clone(),
            })?;
            let references = facts
                .foreign_keys()
                .filter_map(|fk| {
                    let target = fk.target_name()?;
                    schema
                        .is_reference(Some(&target.schema), &target.name)
                        .then(|| Link {
                            target,
                            columns: fk.columns.clone(),
                            target_columns: fk.target_columns.clone(),
                        })
                })
                .collect();
            tables.insert(
                name.clone(),
                TenantTable {
                    name: name.clone(),
                    tenant_column: column.to_owned(),
                    facts: facts.clone(),
                    references,
                },
            );
        }
        let order = foreign_key_order(&tables)?;
        let tables = order
            .into_iter()
            .filter_map(|name| tables.remove(&name))
            .collect();
        Ok(TenantTables { root, tables })
    }

    /// The tables, parents first.
    ///
    /// ```no_run
    /// # fn f(tables: multitenant_citus::tenant::TenantTables) {
    /// for table in tables.order() {
    ///     println!("{table}");
    /// }
    /// # }
    /// ```
    pub fn order(&self) -> impl DoubleEndedIterator<Item = &TableName> {
        self.tables.iter().map(|t| &t.name)
    }

    /// The tenant root table.
    ///
    /// ```no_run
    /// # fn f(tables: multitenant_citus::tenant::TenantTables) {
    /// println!("tenants are the rows of {}", tables.root());
    /// # }
    /// ```
    pub fn root(&self) -> &TableName {
        &self.root
    }

    pub(crate) fn tables(&self) -> &[TenantTable] {
        &self.tables
    }

    /// Reads the catalog over `conn` and orders the schema's tenant tables.
    pub(crate) async fn read(conn: &mut PgConnection, schema: &Schema) -> Result<Self, Error> {
        let catalog = Catalog::read(conn).await?;
        TenantTables::new(schema, &catalog)
    }
}

/// Kahn's algorithm over the foreign keys between the tables, ready tables in name order.
fn foreign_key_order(tables: &BTreeMap<TableName, TenantTable>) -> Result<Vec<TableName>, Error> {
    let mut parents: BTreeMap<&TableName, BTreeSet<TableName>> = BTreeMap::new();
    for (name, table) in tables {
        let set = table
            .facts
            .foreign_keys()
            .filter_map(|fk| fk.target_name())
            .filter(|target| target != name && tables.contains_key(target))
            .collect();
        parents.insert(name, set);
    }
    let mut order = Vec::new();
    while !parents.is_empty() {
        let ready: Vec<&TableName> = parents
            .iter()
            .filter(|(_, p)| p.is_empty())
            .map(|(n, _)| *n)
            .collect();
        if ready.is_empty() {
            return Err(Error::ForeignKeyCycle {
                tables: parents.keys().map(|n| (*n).clone()).collect(),
            });
        }
        for name in ready {
            parents.remove(name);
            for p in parents.values_mut() {
                p.remove(name);
            }
            order.push(name.clone());
        }
    }
    Ok(order)
}

impl TenantTable {
    /// The primary key's columns, or every column when there is none: the order rows are read in.
    pub(crate) fn order_columns(&self) -> Vec<String> {
        self.facts
            .keys()
            .find(|k| k.kind == "p")
            .map(|k| k.columns.clone())
            .unwrap_or_else(|| self.facts.columns.iter().map(|c| c.name.clone()).collect())
    }
}

/// `ORDER BY` text for `alias.column, ...`.
pub(crate) fn order_by(alias: &str, columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| format!("{alias}.{}", sql::ident(c)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The scoper and the one-tenant scope every tenant statement of an operation runs under.
#[derive(Clone)]
pub(crate) struct TenantScope {
    scoper: Arc<Scoper>,
    key: TenantKey,
}

impl TenantScope {
    pub(crate) fn new(schema: &Schema, key: &TenantKey) -> Result<Self, Error> {
        Ok(TenantScope {
            scoper: Arc::new(Scoper::new(schema.clone())),
            key: checked_key(schema, key)?,
        })
    }

    /// A scoped executor on `conn`.
    pub(crate) fn on<'c>(&self, conn: &'c mut PgConnection) -> Tenanted<&'c mut PgConnection> {
        Tenanted::new(conn, self.scoper.clone(), Scope::one(self.key.clone()))
    }

    /// Rows of `table` this tenant holds.
    pub(crate) async fn count(
        &self,
        conn: &mut PgConnection,
        table: &TableName,
    ) -> Result<u64, Error> {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM {} t",
            sql::table(table)
        )))
        .fetch_one(self.on(conn))
        .await?;
        Ok(n.unsigned_abs())
    }

    /// [`Error::UnknownTenant`] unless the root table has this tenant's row.
    pub(crate) async fn require(
        &self,
        conn: &mut PgConnection,
        root: &TableName,
    ) -> Result<(), Error> {
        if self.count(conn, root).await? == 0 {
            return Err(Error::UnknownTenant {
                key: self.key.to_string(),
                root: root.clone(),
            });
        }
        Ok(())
    }
}

/// The rows of one table an operation read, wrote or removed.
///
/// ```
/// let counted = multitenant_citus::tenant::TableRows {
///     table: multitenant::TableName::new("public", "tasks"),
///     rows: 3,
/// };
/// assert_eq!(counted.to_string(), "public.tasks: 3 row(s)");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableRows {
    /// The table.
    pub table: TableName,
    /// How many rows.
    pub rows: u64,
}

impl std::fmt::Display for TableRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} row(s)", self.table, self.rows)
    }
}
