//! Catalog facts: what the live database holds for the tables a [`Schema`](multitenant::Schema)
//! names (columns, keys, foreign keys, unique indexes, Citus distribution), read in one query and
//! decoded from JSON, so the decisions made on them are pure functions and a recorded catalog
//! can be replayed without a database.

use multitenant::TableName;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::Error;

/// Every user table of the database with its columns and constraints, as one JSON document.
pub(crate) const FACTS_SQL: &str = r#"
WITH t AS (
    SELECT c.oid, n.nspname AS schema, c.relname AS name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'citus', 'citus_internal',
                            'columnar', 'columnar_internal')
      AND n.nspname NOT LIKE 'pg\_%'
)
SELECT json_build_object(
    'citus', (SELECT extversion FROM pg_extension WHERE extname = 'citus'),
    'tables', COALESCE((SELECT json_agg(json_build_object(
        'schema', t.schema,
        'name', t.name,
        'columns', (SELECT COALESCE(json_agg(json_build_object(
                'name', a.attname,
                'type', format_type(a.atttypid, a.atttypmod),
                'not_null', a.attnotnull,
                'identity', a.attidentity <> '',
                'sequence', pg_get_serial_sequence(format('%I.%I', t.schema, t.name), a.attname)
            ) ORDER BY a.attnum), '[]')
            FROM pg_attribute a WHERE a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped),
        'constraints', (SELECT COALESCE(json_agg(json_build_object(
                'name', k.conname,
                'kind', k.contype,
                'columns', (SELECT json_agg(a.attname ORDER BY u.ord)
                    FROM unnest(k.conkey) WITH ORDINALITY u (num, ord)
                    JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.num),
                'target', CASE WHEN k.contype = 'f' THEN (SELECT json_build_object('schema', tn.nspname, 'name', tc.relname)
                    FROM pg_class tc JOIN pg_namespace tn ON tn.oid = tc.relnamespace WHERE tc.oid = k.confrelid) END,
                'target_columns', (SELECT COALESCE(json_agg(a.attname ORDER BY u.ord), '[]')
                    FROM unnest(k.confkey) WITH ORDINALITY u (num, ord)
                    JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.num),
                'on_delete', k.confdeltype,
                'on_update', k.confupdtype,
                'index', (SELECT i.relname FROM pg_class i WHERE i.oid = k.conindid)
            ) ORDER BY k.conname), '[]')
            FROM pg_constraint k WHERE k.conrelid = t.oid AND k.contype IN ('p', 'u', 'f')),
        'unique_indexes', (SELECT COALESCE(json_agg(json_build_object(
                'name', ic.relname,
                'columns', (SELECT COALESCE(json_agg(a.attname ORDER BY u.ord), '[]')
                    FROM unnest(i.indkey::int2[]) WITH ORDINALITY u (num, ord)
                    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = u.num),
                'simple', i.indexprs IS NULL AND i.indpred IS NULL
            ) ORDER BY ic.relname), '[]')
            FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
            WHERE i.indrelid = t.oid AND i.indisunique
              AND NOT EXISTS (SELECT FROM pg_constraint k WHERE k.conindid = i.indexrelid))
    ) ORDER BY t.schema, t.name)
    FROM t), '[]')
)::text AS facts
"#;

/// Citus's metadata for every table it knows; only run when the extension is installed.
pub(crate) const DISTRIBUTION_SQL: &str = r#"
SELECT COALESCE(json_agg(json_build_object(
    'schema', n.nspname,
    'name', c.relname,
    'method', p.partmethod,
    'replication', p.repmodel,
    'colocation', p.colocationid,
    'column', CASE WHEN p.partmethod = 'h' THEN column_to_column_name(p.logicalrelid, p.partkey) END
)), '[]')::text AS facts
FROM pg_dist_partition p
JOIN pg_class c ON c.oid = p.logicalrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
"#;

/// What the database holds: tables, columns, keys and, with Citus, how each table is
/// distributed. Read it with [`Catalog::read`]; [`check`](crate::check) and
/// [`plan`](crate::plan) decide on it without touching the database. It serializes to JSON and
/// back (serde), so a catalog recorded once can be checked and planned on anywhere.
///
/// ```no_run
/// # async fn f(conn: &mut sqlx::PgConnection) -> Result<(), Box<dyn std::error::Error>> {
/// let catalog = multitenant_citus::Catalog::read(conn).await?;
/// println!("Citus: {}", catalog.citus_version().unwrap_or("not installed"));
/// std::fs::write("catalog.json", serde_json::to_string_pretty(&catalog)?)?;
/// # Ok(()) }
/// ```
///
/// A recorded catalog, here one table without a tenant column in its primary key:
///
/// ```
/// use multitenant::Schema;
/// use multitenant_citus::{Catalog, check};
///
/// let catalog: Catalog = serde_json::from_str(r#"{"citus": null, "tables": [{
///     "schema": "public", "name": "tasks",
///     "columns": [
///         {"name": "account_id", "type": "bigint", "not_null": true, "identity": false, "sequence": null},
///         {"name": "id", "type": "bigint", "not_null": true, "identity": true, "sequence": "public.tasks_id_seq"}],
///     "constraints": [{"name": "tasks_pkey", "kind": "p", "columns": ["id"], "target": null,
///         "target_columns": [], "on_delete": " ", "on_update": " ", "index": "tasks_pkey"}],
///     "unique_indexes": []}]}"#)?;
/// let schema = Schema::builder().tenant_table("tasks", "account_id").build()?;
/// assert_eq!(
///     check(&schema, &catalog)[0].to_string(),
///     "public.tasks: primary key `tasks_pkey` (id) lacks `account_id`; \
///      fix: recreate it as PRIMARY KEY (account_id, id)"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Catalog {
    pub(crate) citus: Option<String>,
    pub(crate) tables: Vec<TableFacts>,
    #[serde(default)]
    pub(crate) distribution: Vec<Distribution>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct TableFacts {
    pub(crate) schema: String,
    pub(crate) name: String,
    pub(crate) columns: Vec<ColumnFacts>,
    pub(crate) constraints: Vec<ConstraintFacts>,
    pub(crate) unique_indexes: Vec<IndexFacts>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct ColumnFacts {
    pub(crate) name: String,
    #[serde(rename = "type")]
    pub(crate) ty: String,
    pub(crate) not_null: bool,
    pub(crate) identity: bool,
    pub(crate) sequence: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct ConstraintFacts {
    pub(crate) name: String,
    /// `p`, `u` or `f`.
    pub(crate) kind: String,
    pub(crate) columns: Vec<String>,
    pub(crate) target: Option<Target>,
    pub(crate) target_columns: Vec<String>,
    pub(crate) on_delete: String,
    pub(crate) on_update: String,
    /// A key's own index, or the referenced key's index for a foreign key.
    pub(crate) index: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Target {
    pub(crate) schema: String,
    pub(crate) name: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct IndexFacts {
    pub(crate) name: String,
    pub(crate) columns: Vec<String>,
    /// No expression and no predicate: the index can be rebuilt with the tenant column first.
    pub(crate) simple: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Distribution {
    pub(crate) schema: String,
    pub(crate) name: String,
    /// `pg_dist_partition.partmethod`: `h` hash, `n` none (reference or Citus local).
    pub(crate) method: String,
    /// `pg_dist_partition.repmodel`: `t` for reference tables.
    pub(crate) replication: String,
    pub(crate) colocation: i64,
    pub(crate) column: Option<String>,
}

impl Catalog {
    /// Reads the catalog over `conn` (a connection or an open transaction).
    ///
    /// ```no_run
    /// # async fn f(pool: sqlx::PgPool) -> Result<(), multitenant_citus::Error> {
    /// let mut conn = pool.acquire().await?;
    /// let catalog = multitenant_citus::Catalog::read(&mut conn).await?;
    /// # Ok(()) }
    /// ```
    pub async fn read(conn: &mut PgConnection) -> Result<Catalog, Error> {
        let facts: String = sqlx::query_scalar(FACTS_SQL).fetch_one(&mut *conn).await?;
        let mut catalog = Catalog::from_json(&facts)?;
        if catalog.citus.is_some() {
            let dist: String = sqlx::query_scalar(DISTRIBUTION_SQL)
                .fetch_one(&mut *conn)
                .await?;
            catalog.set_distribution(&dist)?;
        }
        Ok(catalog)
    }

    /// The installed Citus extension's version, or `None` on plain PostgreSQL.
    ///
    /// ```no_run
    /// # fn f(catalog: multitenant_citus::Catalog) {
    /// if catalog.citus_version().is_none() {
    ///     println!("plain PostgreSQL: keys only, no distribution");
    /// }
    /// # }
    /// ```
    pub fn citus_version(&self) -> Option<&str> {
        self.citus.as_deref()
    }

    pub(crate) fn from_json(facts: &str) -> Result<Catalog, Error> {
        serde_json::from_str(facts).map_err(|e| Error::Catalog {
            message: e.to_string(),
        })
    }

    pub(crate) fn set_distribution(&mut self, facts: &str) -> Result<(), Error> {
        self.distribution = serde_json::from_str(facts).map_err(|e| Error::Catalog {
            message: e.to_string(),
        })?;
        Ok(())
    }

    pub(crate) fn table(&self, name: &TableName) -> Option<&TableFacts> {
        self.tables
            .iter()
            .find(|t| t.schema == name.schema && t.name == name.name)
    }

    pub(crate) fn distribution(&self, name: &TableName) -> Option<&Distribution> {
        self.distribution
            .iter()
            .find(|d| d.schema == name.schema && d.name == name.name)
    }
}

impl TableFacts {
    pub(crate) fn table_name(&self) -> TableName {
        TableName::new(&self.schema, &self.name)
    }

    pub(crate) fn column(&self, name: &str) -> Option<&ColumnFacts> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub(crate) fn foreign_keys(&self) -> impl Iterator<Item = &ConstraintFacts> {
        self.constraints.iter().filter(|c| c.kind == "f")
    }

    pub(crate) fn keys(&self) -> impl Iterator<Item = &ConstraintFacts> {
        self.constraints.iter().filter(|c| c.kind != "f")
    }
}

impl ConstraintFacts {
    pub(crate) fn target_name(&self) -> Option<TableName> {
        self.target
            .as_ref()
            .map(|t| TableName::new(&t.schema, &t.name))
    }
}

impl Distribution {
    pub(crate) fn is_reference(&self) -> bool {
        self.method == "n" && self.replication == "t"
    }

    /// A Citus local table (`n`, not replicated, no colocation group): not yet distributed.
    pub(crate) fn is_local(&self) -> bool {
        self.method == "n" && self.replication != "t" && self.colocation == 0
    }
}
