//! An independent check of scoped SQL, written apart from the scoper: the output is parsed again
//! and every tenant table that any query level reads or writes must carry that level's tenant
//! predicate, `ref.tenant_column = $T` (`= ANY($T)` for a set of tenants, `= ANY(ARRAY[$T])`
//! where grouping sets must not see a constant), where it filters the table's rows:
//! - in the level's WHERE, as one of its top-level `AND` terms; or
//! - in the ON clause of a join above the table that filters the table's side (an inner join,
//!   the right side of a LEFT join, the left side of a RIGHT join; never a FULL join);
//! - for the target of UPDATE and DELETE, in the WHERE; for INSERT, the tenant column is among
//!   the inserted columns and an `ON CONFLICT ... DO UPDATE` has the predicate in its WHERE.
//!
//! Query levels are found by walking the whole parse tree (every field of every node), so a
//! SELECT hidden anywhere (a subquery in an expression, a CTE, a set operation's arm, EXPLAIN,
//! CREATE TABLE AS) is checked too. A name that a visible CTE defines is not a table.

use multitenant::Schema;
use pg_query::protobuf::{AExprKind, BoolExprType, JoinType, OnConflictAction, SetOperation};
use serde_json::Value;

/// Checks scoped SQL; `tenant_param` is the `$n` the scoper added (`None` when it added none,
/// in which case no tenant table may be read or written at all). Returns every violation found.
pub(crate) fn check(
    schema: &Schema,
    sql: &str,
    tenant_param: Option<usize>,
) -> Result<(), Vec<String>> {
    let parsed =
        pg_query::parse(sql, 0).map_err(|e| vec![format!("the output does not parse: {e}")])?;
    let tree = serde_json::to_value(&parsed.protobuf).expect("a parse tree serialises");
    let mut checker = Checker {
        schema,
        param: tenant_param,
        findings: Vec::new(),
    };
    checker.walk(&tree, &[]);
    if checker.findings.is_empty() {
        Ok(())
    } else {
        Err(checker.findings)
    }
}

struct Checker<'a> {
    schema: &'a Schema,
    param: Option<usize>,
    findings: Vec<String>,
}

/// A join above a FROM item: its ON clause, and whether that clause filters the item's side.
#[derive(Clone, Copy)]
struct Above<'v> {
    quals: &'v Value,
    filters: bool,
}

impl Checker<'_> {
    /// Visits every node below `value`, checking each query level on the way.
    fn walk(&mut self, value: &Value, ctes: &[String]) {
        match value {
            Value::Object(fields) => {
                for (key, child) in fields {
                    match key.as_str() {
                        "SelectStmt" => self.select(child, ctes),
                        "UpdateStmt" => self.update(child, ctes),
                        "DeleteStmt" => self.delete(child, ctes),
                        "InsertStmt" => self.insert(child, ctes),
                        _ => self.walk(child, ctes),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|item| self.walk(item, ctes)),
            _ => {}
        }
    }

    /// The CTE names visible inside a level: those around it and its own.
    fn scope_of(level: &Value, ctes: &[String]) -> Vec<String> {
        let mut names = ctes.to_vec();
        for cte in list(&level["with_clause"]["ctes"]) {
            if let Some(name) = cte["node"]["CommonTableExpr"]["ctename"].as_str() {
                names.push(name.to_owned());
            }
        }
        names
    }

    /// Walks the children of a level (its subqueries are levels of their own). The arms of a
    /// set operation are typed fields, not nodes: they are levels too.
    fn descend(&mut self, level: &Value, ctes: &[String]) {
        if let Value::Object(fields) = level {
            for (key, child) in fields {
                match key.as_str() {
                    "larg" | "rarg" if child.is_object() => self.select(child, ctes),
                    _ => self.walk(child, ctes),
                }
            }
        }
    }

    fn select(&mut self, level: &Value, ctes: &[String]) {
        let ctes = Self::scope_of(level, ctes);
        let plain = level["op"].as_i64() == Some(SetOperation::SetopNone as i64);
        if plain {
            let filter = &level["where_clause"];
            for item in list(&level["from_clause"]) {
                self.item(item, filter, &mut Vec::new(), &ctes);
            }
        }
        self.descend(level, &ctes);
    }

    fn update(&mut self, level: &Value, ctes: &[String]) {
        let ctes = Self::scope_of(level, ctes);
        let filter = &level["where_clause"];
        self.target(&level["relation"], filter, "UPDATE", &ctes);
        for item in list(&level["from_clause"]) {
            self.item(item, filter, &mut Vec::new(), &ctes);
        }
        self.descend(level, &ctes);
    }

    fn delete(&mut self, level: &Value, ctes: &[String]) {
        let ctes = Self::scope_of(level, ctes);
        let filter = &level["where_clause"];
        self.target(&level["relation"], filter, "DELETE", &ctes);
        for item in list(&level["using_clause"]) {
            self.item(item, filter, &mut Vec::new(), &ctes);
        }
        self.descend(level, &ctes);
    }

    fn insert(&mut self, level: &Value, ctes: &[String]) {
        let ctes = Self::scope_of(level, ctes);
        let relation = &level["relation"];
        if let Some(column) = self.tenant_column(relation, &ctes) {
            let table = relation_name(relation);
            if self.param.is_none() {
                self.findings
                    .push(format!("INSERT INTO {table} with no tenant parameter"));
            }
            let named = list(&level["cols"])
                .iter()
                .any(|c| c["node"]["ResTarget"]["name"].as_str() == Some(column.as_str()));
            if !named {
                self.findings.push(format!(
                    "INSERT INTO {table} does not set the tenant column {column}"
                ));
            }
            let conflict = &level["on_conflict_clause"];
            if conflict["action"].as_i64() == Some(OnConflictAction::OnconflictUpdate as i64)
                && !self.predicate_in(&conflict["where_clause"], &reference(relation), &column)
            {
                self.findings.push(format!(
                    "INSERT INTO {table} ... ON CONFLICT DO UPDATE without the tenant predicate"
                ));
            }
        }
        self.descend(level, &ctes);
    }

    /// The target of an UPDATE or DELETE: filtered by the WHERE only.
    fn target(&mut self, relation: &Value, filter: &Value, verb: &str, ctes: &[String]) {
        if let Some(column) = self.tenant_column(relation, ctes)
            && !self.predicate_in(filter, &reference(relation), &column)
        {
            self.findings.push(format!(
                "{verb} of {} without the tenant predicate",
                relation_name(relation)
            ));
        }
    }

    /// One FROM item, with the joins above it.
    fn item<'v>(
        &mut self,
        item: &'v Value,
        filter: &'v Value,
        above: &mut Vec<Above<'v>>,
        ctes: &[String],
    ) {
        let node = &item["node"];
        if let Some(join) = node.get("JoinExpr") {
            let kind = join["jointype"].as_i64();
            let inner = kind == Some(JoinType::JoinInner as i64);
            let sides = [
                (
                    &join["larg"],
                    inner || kind == Some(JoinType::JoinRight as i64),
                ),
                (
                    &join["rarg"],
                    inner || kind == Some(JoinType::JoinLeft as i64),
                ),
            ];
            for (side, filters) in sides {
                above.push(Above {
                    quals: &join["quals"],
                    filters,
                });
                self.item(side, filter, above, ctes);
                above.pop();
            }
        } else if let Some(relation) = node.get("RangeVar") {
            let Some(column) = self.tenant_column(relation, ctes) else {
                return;
            };
            let reference = reference(relation);
            let renamed = !list(&relation["alias"]["colnames"]).is_empty();
            let scoped = self.predicate_in(filter, &reference, &column)
                || above
                    .iter()
                    .any(|a| a.filters && self.predicate_in(a.quals, &reference, &column));
            if !scoped && !renamed {
                self.findings.push(format!(
                    "{} (as {}) is read without the tenant predicate",
                    relation_name(relation),
                    reference.name
                ));
            }
        }
    }

    /// The tenant column of a relation, when it names a tenant table (not a CTE).
    fn tenant_column(&self, relation: &Value, ctes: &[String]) -> Option<String> {
        let name = relation["relname"].as_str()?;
        let schema = relation["schemaname"].as_str().filter(|s| !s.is_empty());
        if schema.is_none() && ctes.iter().any(|c| c == name) {
            return None;
        }
        self.schema.tenant_column(schema, name).map(str::to_owned)
    }

    /// Whether `clause` has `ref.column = $T` (or `= ANY($T)`) as a top-level AND term.
    fn predicate_in(&self, clause: &Value, reference: &Ref, column: &str) -> bool {
        let Some(param) = self.param else {
            return false;
        };
        conjuncts(clause)
            .iter()
            .any(|term| is_tenant_predicate(term, reference, column, param))
    }
}

/// How column references may name a relation: by its alias when it has one, else by its table
/// name, optionally qualified with its schema.
struct Ref {
    name: String,
    schema: Option<String>,
    aliased: bool,
}

fn reference(relation: &Value) -> Ref {
    if let Some(alias) = relation["alias"]["aliasname"].as_str() {
        return Ref {
            name: alias.to_owned(),
            schema: None,
            aliased: true,
        };
    }
    Ref {
        name: relation["relname"].as_str().unwrap_or_default().to_owned(),
        schema: relation["schemaname"]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        aliased: false,
    }
}

fn relation_name(relation: &Value) -> String {
    match relation["schemaname"].as_str().filter(|s| !s.is_empty()) {
        Some(schema) => format!("{schema}.{}", relation["relname"].as_str().unwrap_or("?")),
        None => relation["relname"].as_str().unwrap_or("?").to_owned(),
    }
}

/// The elements of a protobuf list field (absent or null: none).
fn list(value: &Value) -> &[Value] {
    value.as_array().map(Vec::as_slice).unwrap_or_default()
}

/// The top-level AND terms of a clause.
fn conjuncts(clause: &Value) -> Vec<&Value> {
    let node = &clause["node"];
    match node.get("BoolExpr") {
        Some(b) if b["boolop"].as_i64() == Some(BoolExprType::AndExpr as i64) => {
            list(&b["args"]).iter().flat_map(conjuncts).collect()
        }
        _ if node.is_object() => vec![clause],
        _ => Vec::new(),
    }
}

/// `ref.column = $param`, `$param = ref.column` or `ref.column = ANY($param)`.
fn is_tenant_predicate(term: &Value, reference: &Ref, column: &str, param: usize) -> bool {
    let Some(expr) = term["node"].get("AExpr") else {
        return false;
    };
    let operator: Vec<&str> = list(&expr["name"])
        .iter()
        .filter_map(|n| n["node"]["String"]["sval"].as_str())
        .collect();
    if operator != ["="] {
        return false;
    }
    let (left, right) = (&expr["lexpr"], &expr["rexpr"]);
    match expr["kind"].as_i64() {
        Some(k) if k == AExprKind::AexprOp as i64 => {
            (is_column(left, reference, column) && is_param(right, param))
                || (is_param(left, param) && is_column(right, reference, column))
        }
        Some(k) if k == AExprKind::AexprOpAny as i64 => {
            is_column(left, reference, column)
                && (is_param(right, param) || is_array_of_param(right, param))
        }
        _ => false,
    }
}

fn is_column(value: &Value, reference: &Ref, column: &str) -> bool {
    let Some(colref) = value["node"].get("ColumnRef") else {
        return false;
    };
    let fields: Vec<&str> = list(&colref["fields"])
        .iter()
        .map(|f| f["node"]["String"]["sval"].as_str().unwrap_or("*"))
        .collect();
    let Some((last, qualifier)) = fields.split_last() else {
        return false;
    };
    *last == column
        && match qualifier {
            [name] => *name == reference.name,
            [schema, name] => {
                !reference.aliased
                    && *name == reference.name
                    && reference.schema.as_deref().is_none_or(|s| s == *schema)
            }
            _ => false,
        }
}

/// `ARRAY[$param]`.
fn is_array_of_param(value: &Value, param: usize) -> bool {
    let elements = list(&value["node"]["AArrayExpr"]["elements"]);
    elements.len() == 1 && is_param(&elements[0], param)
}

fn is_param(value: &Value, param: usize) -> bool {
    let node = &value["node"];
    if let Some(cast) = node.get("TypeCast") {
        return is_param(&cast["arg"], param);
    }
    node["ParamRef"]["number"].as_u64() == Some(param as u64)
}

/// The schema the fuzz targets and the regression test scope against: the sample domain of the
/// rule tests and the oracle, plus a table whose tenant column has another name.
pub(crate) fn fuzz_schema() -> Schema {
    Schema::builder()
        .tenant_root("accounts", "id")
        .tenant_table("managers", "account_id")
        .tenant_table("projects", "account_id")
        .tenant_table("project_managers", "account_id")
        .tenant_table("tasks", "account_id")
        .tenant_table("visits", "account_id")
        .tenant_table("notes", "org_id")
        .tenant_table("t", "org")
        .reference_table("countries")
        .build()
        .expect("the fuzz schema is valid")
}

/// Scopes `sql` for one tenant, a set of tenants, an empty set and no tenant, and with the key
/// as a literal: every call returns (no panic), and every scoped text passes [`check`].
/// Returns the violations found, each with the scope it was found under.
pub(crate) fn exercise(scoper: &multitenant::Scoper, sql: &str) -> Vec<String> {
    use multitenant::Scope;
    let scopes = [
        ("one", Some(Scope::one(7_i64))),
        ("many", Some(Scope::many([7_i64, 8]))),
        ("empty set", Some(Scope::many(Vec::<i64>::new()))),
        ("no tenant", None),
    ];
    let mut findings = Vec::new();
    for (label, scope) in &scopes {
        if let Ok(scoped) = scoper.rewrite(sql, scope.as_ref())
            && let Err(found) = check(scoper.schema(), scoped.sql(), scoped.tenant_param())
        {
            findings.extend(
                found
                    .into_iter()
                    .map(|f| format!("[{label}] {f}\n  in: {sql}\n  out: {}", scoped.sql())),
            );
        }
        if let Ok(literal) = scoper.rewrite_literal(sql, scope.as_ref())
            && let Err(e) = pg_query::parse(&literal, 0)
        {
            findings.push(format!(
                "[{label}, literal] the output does not parse: {e}\n  in: {sql}\n  out: {literal}"
            ));
        }
    }
    findings
}
