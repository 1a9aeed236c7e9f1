//! The plan: the ordered DDL that fixes every finding and, with Citus, distributes the schema;
//! and the reverse, undistributing it.

use std::collections::BTreeSet;
use std::fmt;

use multitenant::{Schema, TableKind, TableName};

use crate::Error;
use crate::catalog::{Catalog, ConstraintFacts};
use crate::check::{ForeignKeyShape, check, foreign_key_shape, kind_of};
use crate::finding::Problem;
use crate::sql;

/// Ordered statements to run in one transaction, and notices for the reader. Its `Display` is
/// an SQL script.
///
/// ```
/// # fn f(schema: multitenant::Schema, catalog: multitenant_citus::Catalog) -> Result<(), multitenant_citus::Error> {
/// let plan = multitenant_citus::plan(&schema, &catalog)?;
/// if plan.is_empty() {
///     println!("nothing to do");
/// }
/// print!("{plan}");
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    steps: Vec<Step>,
    notices: Vec<String>,
}

/// One statement of a [`Plan`] and why it is there.
///
/// ```
/// # fn f(plan: multitenant_citus::Plan) {
/// for step in plan.steps() {
///     println!("-- {}\n{};", step.reason, step.sql);
/// }
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The statement, without a trailing semicolon.
    pub sql: String,
    /// Why it is needed.
    pub reason: String,
}

impl Plan {
    /// The statements, in the order they must run.
    ///
    /// ```
    /// assert!(multitenant_citus::Plan::default().steps().is_empty());
    /// ```
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The statements' SQL alone, in order.
    ///
    /// ```
    /// assert!(multitenant_citus::Plan::default().sql().is_empty());
    /// ```
    pub fn sql(&self) -> Vec<&str> {
        self.steps.iter().map(|s| s.sql.as_str()).collect()
    }

    /// What the reader should know (e.g. that Citus is not installed and distribution is skipped).
    ///
    /// ```
    /// assert!(multitenant_citus::Plan::default().notices().is_empty());
    /// ```
    pub fn notices(&self) -> &[String] {
        &self.notices
    }

    /// Whether there is nothing to run.
    ///
    /// ```
    /// assert!(multitenant_citus::Plan::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    pub(crate) fn push(&mut self, sql: String, reason: impl Into<String>) {
        self.steps.push(Step {
            sql,
            reason: reason.into(),
        });
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for notice in &self.notices {
            writeln!(f, "-- notice: {notice}")?;
        }
        if self.steps.is_empty() {
            return writeln!(f, "-- nothing to do");
        }
        for step in &self.steps {
            writeln!(f, "-- {}\n{};", step.reason, step.sql)?;
        }
        Ok(())
    }
}

const NO_CITUS: &str = "the citus extension is not installed: the keys are made Citus-ready, \
                        create_reference_table and create_distributed_table are skipped";

/// A foreign key to drop, and how to add it back (`None`: not at all).
struct Rebuilt<'c> {
    table: TableName,
    fk: &'c ConstraintFacts,
    add: Option<String>,
    /// Whether it comes back changed (with the tenant column), or as it was.
    changed: bool,
}

/// The ordered DDL that fixes every automatic finding of [`check`] and, with Citus installed,
/// distributes the schema: reference tables first, then the tenant root, then the tenant tables
/// parents first, each colocated with the root. Foreign keys that must change (or that point at
/// a table about to become a reference table) are dropped first and added back last, so no
/// table ever becomes a Citus local table on the way. Empty when there is nothing to do.
///
/// A finding only the application's authors can fix makes it
/// [`Error::NeedsDecision`], listing them.
///
/// ```no_run
/// # async fn f(pool: sqlx::PgPool, schema: multitenant::Schema) -> Result<(), multitenant_citus::Error> {
/// let catalog = multitenant_citus::Catalog::read(&mut *pool.acquire().await?).await?;
/// print!("{}", multitenant_citus::plan(&schema, &catalog)?);
/// # Ok(()) }
/// ```
pub fn plan(schema: &Schema, catalog: &Catalog) -> Result<Plan, Error> {
    let findings = check(schema, catalog);
    let manual: Vec<_> = findings
        .iter()
        .filter(|f| !f.problem.fix().is_automatic())
        .cloned()
        .collect();
    if !manual.is_empty() {
        return Err(Error::NeedsDecision { findings: manual });
    }
    let mut plan = Plan::default();
    let citus = catalog.citus.is_some();
    if !citus {
        plan.notices.push(NO_CITUS.to_owned());
    }
    let pending: Vec<(&TableName, bool)> = findings
        .iter()
        .filter_map(|f| match f.problem {
            Problem::NotDistributed { reference } => Some((&f.table, reference)),
            _ => None,
        })
        .collect();
    let pending_references: BTreeSet<&TableName> = pending
        .iter()
        .filter(|(_, r)| *r)
        .map(|(t, _)| *t)
        .collect();

    // Keys to recreate with the tenant column: their indexes, to find the foreign keys on them.
    let mut rebuilt_indexes: BTreeSet<(String, String)> = BTreeSet::new();
    for f in &findings {
        match &f.problem {
            Problem::KeyWithoutTenant { constraint, .. } => {
                let table = catalog.table(&f.table).expect("checked tables exist");
                let index = table
                    .keys()
                    .find(|k| &k.name == constraint)
                    .and_then(|k| k.index.clone())
                    .unwrap_or_else(|| constraint.clone());
                rebuilt_indexes.insert((f.table.schema.clone(), index));
            }
            Problem::UniqueIndexWithoutTenant { index, .. } => {
                rebuilt_indexes.insert((f.table.schema.clone(), index.clone()));
            }
            _ => {}
        }
    }

    let mut rebuilt: Vec<Rebuilt<'_>> = Vec::new();
    for table in &catalog.tables {
        let name = table.table_name();
        let own_tenant = match kind_of(schema, &name) {
            Some(TableKind::Tenant { column }) => Some(column.as_str()),
            _ => None,
        };
        for fk in table.foreign_keys() {
            let Some(target) = fk.target_name() else {
                continue;
            };
            let target_kind = kind_of(schema, &target);
            let on_rebuilt_key = fk
                .index
                .as_ref()
                .is_some_and(|i| rebuilt_indexes.contains(&(target.schema.clone(), i.clone())));
            let add = match (own_tenant, target_kind) {
                (
                    Some(tenant),
                    Some(TableKind::Tenant {
                        column: target_tenant,
                    }),
                ) => match foreign_key_shape(fk, tenant, target_tenant) {
                    ForeignKeyShape::Fix {
                        columns,
                        target_columns,
                        ..
                    } => {
                        let resettable: Vec<String> =
                            columns.iter().filter(|c| *c != tenant).cloned().collect();
                        Some(Some(add_foreign_key(
                            &name,
                            fk,
                            &columns,
                            &target,
                            &target_columns,
                            &resettable,
                        )))
                    }
                    _ if on_rebuilt_key => Some(Some(re_add(&name, fk, &target))),
                    _ => None,
                },
                (None, Some(TableKind::Tenant { .. }))
                    if matches!(kind_of(schema, &name), Some(TableKind::Reference)) =>
                {
                    Some(None)
                }
                _ if citus && pending_references.contains(&target) => {
                    Some(Some(re_add(&name, fk, &target)))
                }
                _ if on_rebuilt_key => Some(Some(re_add(&name, fk, &target))),
                _ => None,
            };
            if let Some(add) = add {
                let changed = add
                    .as_ref()
                    .is_some_and(|sql| *sql != re_add(&name, fk, &target));
                rebuilt.push(Rebuilt {
                    table: name.clone(),
                    fk,
                    add,
                    changed,
                });
            }
        }
    }

    if citus && !pending.is_empty() {
        plan.push(
            "SET LOCAL citus.multi_shard_modify_mode TO 'sequential'".into(),
            "Citus: distribute tables with foreign keys to reference tables in one transaction",
        );
    }
    for r in &rebuilt {
        plan.push(
            format!(
                "ALTER TABLE {} DROP CONSTRAINT {}",
                sql::table(&r.table),
                sql::ident(&r.fk.name)
            ),
            match r.add {
                Some(_) => format!("foreign key {} is added back below", r.fk.name),
                None => format!(
                    "reference table {} cannot keep foreign key {} to a tenant table",
                    r.table, r.fk.name
                ),
            },
        );
    }
    for f in &findings {
        let t = sql::table(&f.table);
        match &f.problem {
            Problem::TenantColumnType {
                column, expected, ..
            } => {
                let using = if expected == "uuid" {
                    format!(" USING {}::uuid", sql::ident(column))
                } else {
                    String::new()
                };
                plan.push(
                    format!(
                        "ALTER TABLE {t} ALTER COLUMN {} TYPE {expected}{using}",
                        sql::ident(column)
                    ),
                    format!("colocated tables need one tenant key type: {expected}"),
                );
                widen_sequence(&mut plan, catalog, f, column);
            }
            Problem::IntSequence { column, .. } => {
                plan.push(
                    format!(
                        "ALTER TABLE {t} ALTER COLUMN {} TYPE bigint",
                        sql::ident(column)
                    ),
                    "Citus needs bigint sequences",
                );
                widen_sequence(&mut plan, catalog, f, column);
            }
            _ => {}
        }
    }
    for f in &findings {
        if let Problem::TenantColumnNullable { column } = &f.problem {
            plan.push(
                format!(
                    "ALTER TABLE {} ALTER COLUMN {} SET NOT NULL",
                    sql::table(&f.table),
                    sql::ident(column)
                ),
                "the tenant column is the distribution column: never NULL",
            );
        }
    }
    for f in &findings {
        let t = sql::table(&f.table);
        match &f.problem {
            Problem::KeyWithoutTenant {
                constraint,
                columns,
                primary,
                tenant_column,
            } => {
                let mut cols = vec![tenant_column.clone()];
                cols.extend(columns.iter().cloned());
                let kind = if *primary { "PRIMARY KEY" } else { "UNIQUE" };
                plan.push(
                    format!(
                        "ALTER TABLE {t} DROP CONSTRAINT {c}, ADD CONSTRAINT {c} {kind} {}",
                        sql::columns(&cols),
                        c = sql::ident(constraint)
                    ),
                    format!("Citus enforces {kind} only with the tenant column"),
                );
            }
            Problem::UniqueIndexWithoutTenant {
                index,
                columns,
                tenant_column,
                ..
            } => {
                let mut cols = vec![tenant_column.clone()];
                cols.extend(columns.iter().cloned());
                plan.push(
                    format!(
                        "DROP INDEX {}.{}",
                        sql::ident(&f.table.schema),
                        sql::ident(index)
                    ),
                    format!("unique index {index} is rebuilt with the tenant column"),
                );
                plan.push(
                    format!(
                        "CREATE UNIQUE INDEX {} ON {t} {}",
                        sql::ident(index),
                        sql::columns(&cols)
                    ),
                    "Citus enforces uniqueness only with the tenant column",
                );
            }
            _ => {}
        }
    }
    if citus {
        distribute(&mut plan, schema, catalog, &pending);
    }
    for r in &rebuilt {
        if let Some(add) = &r.add {
            let reason = if r.changed {
                format!("foreign key {} within one tenant", r.fk.name)
            } else {
                format!("foreign key {} as it was", r.fk.name)
            };
            plan.push(add.clone(), reason);
        }
    }
    Ok(plan)
}

fn widen_sequence(plan: &mut Plan, catalog: &Catalog, f: &crate::Finding, column: &str) {
    let col = catalog
        .table(&f.table)
        .and_then(|t| t.column(column))
        .filter(|c| !c.identity);
    if let Some(sequence) = col.and_then(|c| c.sequence.as_ref()) {
        plan.push(
            format!("ALTER SEQUENCE {sequence} AS bigint"),
            format!("the sequence of {}.{column} follows its column", f.table),
        );
    }
}

fn add_foreign_key(
    table: &TableName,
    fk: &ConstraintFacts,
    columns: &[String],
    target: &TableName,
    target_columns: &[String],
    resettable: &[String],
) -> String {
    format!(
        "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY {}{}",
        sql::table(table),
        sql::ident(&fk.name),
        sql::foreign_key(columns, target, target_columns),
        sql::actions(&fk.on_delete, &fk.on_update, resettable)
    )
}

fn re_add(table: &TableName, fk: &ConstraintFacts, target: &TableName) -> String {
    add_foreign_key(table, fk, &fk.columns, target, &fk.target_columns, &[])
}

/// Orders `tables` so that every table comes after the tables (of the same set) it references.
fn parents_first<'t>(catalog: &Catalog, tables: &[&'t TableName]) -> Vec<&'t TableName> {
    fn visit<'t>(
        catalog: &Catalog,
        tables: &[&'t TableName],
        t: &'t TableName,
        seen: &mut BTreeSet<&'t TableName>,
        out: &mut Vec<&'t TableName>,
    ) {
        if !seen.insert(t) {
            return;
        }
        if let Some(facts) = catalog.table(t) {
            for target in facts.foreign_keys().filter_map(|fk| fk.target_name()) {
                if let Some(parent) = tables.iter().find(|p| ***p == target) {
                    visit(catalog, tables, parent, seen, out);
                }
            }
        }
        out.push(t);
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for t in tables {
        visit(catalog, tables, t, &mut seen, &mut out);
    }
    out
}

fn distribute(plan: &mut Plan, schema: &Schema, catalog: &Catalog, pending: &[(&TableName, bool)]) {
    let references: Vec<&TableName> = pending
        .iter()
        .filter(|(_, r)| *r)
        .map(|(t, _)| *t)
        .collect();
    for t in parents_first(catalog, &references) {
        plan.push(
            format!(
                "SELECT create_reference_table({})",
                sql::literal(&sql::table(t))
            ),
            format!("{t} is shared by all tenants: a copy on every node"),
        );
    }
    let tenants: Vec<&TableName> = pending
        .iter()
        .filter(|(_, r)| !*r)
        .map(|(t, _)| *t)
        .collect();
    let mut ordered = parents_first(catalog, &tenants);
    // The root goes first: the others colocate with it.
    if let Some(root) = schema.root() {
        ordered.sort_by_key(|t| *t != root);
    }
    let mut anchor = schema
        .root()
        .filter(|r| !tenants.contains(r))
        .filter(|r| catalog.distribution(r).is_some())
        .cloned();
    for t in ordered {
        let column = schema
            .tenant_column(Some(&t.schema), &t.name)
            .expect("pending tenant tables are tenant tables");
        let colocate = match &anchor {
            Some(a) => sql::literal(&sql::table(a)),
            None => "'none'".to_owned(),
        };
        plan.push(
            format!(
                "SELECT create_distributed_table({}, {}, colocate_with => {colocate})",
                sql::literal(&sql::table(t)),
                sql::literal(column)
            ),
            format!("{t} is sharded by {column}"),
        );
        if anchor.is_none() {
            anchor = Some(t.clone());
        }
    }
}

/// The statements that turn every distributed or reference table of the schema back into a
/// plain PostgreSQL table (the composite keys stay). Each is guarded by a look-up in
/// `pg_dist_partition`, because undistributing one table also undistributes the tables its
/// foreign keys connect it to. Empty on plain PostgreSQL or when nothing is distributed.
/// Citus 13 cannot undistribute a table with an identity column: that is
/// [`Error::IdentityColumn`] (use `bigserial` columns for tables that may be undistributed).
///
/// ```no_run
/// # fn f(schema: multitenant::Schema, catalog: multitenant_citus::Catalog) -> Result<(), multitenant_citus::Error> {
/// print!("{}", multitenant_citus::undistribute_plan(&schema, &catalog)?);
/// # Ok(()) }
/// ```
pub fn undistribute_plan(schema: &Schema, catalog: &Catalog) -> Result<Plan, Error> {
    let mut plan = Plan::default();
    if catalog.citus.is_none() {
        plan.notices
            .push("the citus extension is not installed: no table is distributed".to_owned());
        return Ok(plan);
    }
    let tenants: Vec<&TableName> = schema
        .tenant_tables()
        .map(|(t, _)| t)
        .filter(|t| catalog.distribution(t).is_some())
        .collect();
    let mut ordered = parents_first(catalog, &tenants);
    ordered.reverse();
    let references: Vec<&TableName> = schema
        .reference_tables()
        .filter(|t| catalog.distribution(t).is_some())
        .collect();
    let mut refs = parents_first(catalog, &references);
    refs.reverse();
    ordered.extend(refs);
    for t in &ordered {
        let identity = catalog
            .table(t)
            .and_then(|facts| facts.columns.iter().find(|c| c.identity));
        if let Some(column) = identity {
            return Err(Error::IdentityColumn {
                table: (*t).clone(),
                column: column.name.clone(),
            });
        }
    }
    for t in ordered {
        plan.push(
            format!(
                "SELECT undistribute_table(logicalrelid, cascade_via_foreign_keys => true) \
                 FROM pg_dist_partition WHERE logicalrelid = {}::regclass",
                sql::literal(&sql::table(t))
            ),
            format!("{t} back to a plain table (with the tables its foreign keys connect)"),
        );
    }
    Ok(plan)
}
