//! The rewrite: walks a parsed statement level by level, adds the tenant predicate for every
//! tenant table in each FROM list, the tenant equality to every join between tenant tables, and
//! fills or checks the tenant column of INSERTs. The walk is written out by hand and refuses any
//! node type it does not know, so nothing it cannot see passes unscoped.

use std::sync::Arc;

use super::Rewrite;
use super::parser::{self, NodeEnum, protobuf as pb};
use crate::Error;
use crate::error::CROSS_TENANT_MARKER;
use crate::schema::TableKind;
use pb::Node;

/// How the tenant is written into the statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// `col = $n` (also used to detect "no tenant set").
    Single,
    /// `col = ANY($n)`.
    Many,
    /// No tenant filter; join equalities only.
    Unscoped,
    /// `col = <literal>` for statements without bind parameters.
    Literal(String),
    /// `col = ANY(ARRAY[<literals>])`.
    LiteralMany(Vec<String>),
}

impl Mode {
    fn is_many(&self) -> bool {
        matches!(self, Mode::Many | Mode::LiteralMany(_))
    }
}

/// Stand-in number of the tenant parameter while the statement is walked; renumbered to
/// highest + 1 once the highest user placeholder is known. Above PostgreSQL's limit of 65535
/// parameters, so it never collides with a real one.
const SENTINEL: i32 = 999_983;
const MAX_PARAM: i32 = 65_535;

/// Rewrites `sql` for `mode`.
pub(crate) fn rewrite(schema: &crate::Schema, sql: &str, mode: &Mode) -> Result<Rewrite, Error> {
    let mut tree = parser::parse(sql)?;
    let mut rw = Rewriter {
        schema,
        mode: mode.clone(),
        highest: 0,
        inserted: 0,
        first_tenant_table: None,
        changed: false,
        ctes: Vec::new(),
        literal: None,
    };
    for raw in &mut tree.stmts {
        if let Some(stmt) = raw.stmt.as_deref_mut() {
            rw.statement(stmt)?;
        }
    }
    let highest = rw.highest as usize;
    if !rw.changed {
        return Ok(Rewrite {
            sql: Arc::from(sql),
            tenant_param: None,
            first_tenant_table: rw.first_tenant_table,
            highest_param: highest,
        });
    }
    let mut text = parser::deparse(&tree)?;
    let tenant_param = if rw.inserted > 0 {
        let sentinel = format!("${SENTINEL}");
        if text.matches(&sentinel).count() != rw.inserted {
            return Err(Error::unsupported(
                format!("a statement whose text contains `{sentinel}`"),
                "that text is reserved for the tenant parameter",
            ));
        }
        text = text.replace(&sentinel, &format!("${}", highest + 1));
        Some(highest + 1)
    } else {
        None
    };
    Ok(Rewrite {
        sql: Arc::from(text),
        tenant_param,
        first_tenant_table: rw.first_tenant_table,
        highest_param: highest,
    })
}

/// A tenant table as seen from the query level that holds it: the name that refers to it
/// there, and its tenant column.
#[derive(Clone, Debug)]
struct TenantRef {
    alias: String,
    column: String,
}

enum Relation {
    Tenant { column: String, display: String },
    Other,
}

/// Built-in and common extension functions that run SQL text or read whole tables by name,
/// beyond the scoper's sight.
const SQL_RUNNING_FUNCTIONS: &[&str] = &[
    "query_to_xml",
    "query_to_xmlschema",
    "query_to_xml_and_xmlschema",
    "cursor_to_xml",
    "cursor_to_xmlschema",
    "table_to_xml",
    "table_to_xmlschema",
    "table_to_xml_and_xmlschema",
    "schema_to_xml",
    "schema_to_xmlschema",
    "schema_to_xml_and_xmlschema",
    "database_to_xml",
    "database_to_xmlschema",
    "database_to_xml_and_xmlschema",
    "ts_stat",
    "dblink",
    "dblink_exec",
    "dblink_send_query",
    "crosstab",
    "crosstab2",
    "crosstab3",
    "crosstab4",
    "connectby",
];

fn restricted(what: &str, name: &str) -> Error {
    Error::unsupported(
        format!("{what} `{name}`, which reads tenant tables the scoper cannot filter"),
        "query the tenant tables themselves, or run it inside `unscoped`",
    )
}

struct Rewriter<'s> {
    schema: &'s crate::Schema,
    mode: Mode,
    highest: i32,
    inserted: usize,
    first_tenant_table: Option<String>,
    changed: bool,
    /// CTE names visible at the current point, innermost last.
    ctes: Vec<Vec<String>>,
    /// The parsed literal tenant value, for the literal modes.
    literal: Option<Node>,
}

type Res<T = ()> = Result<T, Error>;

fn node(n: NodeEnum) -> Node {
    Node { node: Some(n) }
}

fn string(s: &str) -> Node {
    node(NodeEnum::String(pb::String { sval: s.to_owned() }))
}

fn column_ref(alias: &str, column: &str) -> Node {
    node(NodeEnum::ColumnRef(pb::ColumnRef {
        fields: vec![string(alias), string(column)],
        location: -1,
    }))
}

fn op(name: &str, kind: pb::AExprKind, l: Node, r: Node) -> Node {
    node(NodeEnum::AExpr(Box::new(pb::AExpr {
        kind: kind as i32,
        name: vec![string(name)],
        lexpr: Some(Box::new(l)),
        rexpr: Some(Box::new(r)),
        location: -1,
        ..Default::default()
    })))
}

fn eq(l: Node, r: Node) -> Node {
    op("=", pb::AExprKind::AexprOp, l, r)
}

fn bool_expr(kind: pb::BoolExprType, args: Vec<Node>) -> Node {
    node(NodeEnum::BoolExpr(Box::new(pb::BoolExpr {
        boolop: kind as i32,
        args,
        location: -1,
        ..Default::default()
    })))
}

/// `existing AND preds...`, keeping the meaning of `existing` (an OR stays grouped).
fn and_with(existing: Option<Box<Node>>, mut preds: Vec<Node>) -> Option<Box<Node>> {
    if preds.is_empty() {
        return existing;
    }
    match existing {
        Some(mut e) => {
            if let Some(NodeEnum::BoolExpr(b)) = e.node.as_mut()
                && b.boolop == pb::BoolExprType::AndExpr as i32
            {
                b.args.append(&mut preds);
                return Some(e);
            }
            let mut args = vec![*e];
            args.append(&mut preds);
            Some(Box::new(bool_expr(pb::BoolExprType::AndExpr, args)))
        }
        None if preds.len() == 1 => preds.pop().map(Box::new),
        None => Some(Box::new(bool_expr(pb::BoolExprType::AndExpr, preds))),
    }
}

/// A short name for a node type, for error messages.
fn kind_name(n: &NodeEnum) -> String {
    let debug = format!("{n:?}");
    debug
        .split(['(', ' ', '{'])
        .next()
        .unwrap_or("node")
        .to_owned()
}

fn unknown(n: &NodeEnum) -> Error {
    Error::unsupported(
        format!(
            "{} (an SQL construct the scoper does not know)",
            kind_name(n)
        ),
        "rewrite the statement without it, or run it inside `unscoped` if it must see all tenants",
    )
}

impl Rewriter<'_> {
    // ----- statements -------------------------------------------------------------------

    fn statement(&mut self, stmt: &mut Node) -> Res {
        let Some(inner) = stmt.node.as_mut() else {
            return Ok(());
        };
        match inner {
            NodeEnum::SelectStmt(s) => self.select(s),
            NodeEnum::InsertStmt(s) => self.insert(s),
            NodeEnum::UpdateStmt(s) => self.update(s),
            NodeEnum::DeleteStmt(s) => self.delete(s),
            NodeEnum::ExplainStmt(s) => {
                s.query.as_deref_mut().map_or(Ok(()), |q| self.statement(q))
            }
            NodeEnum::CreateTableAsStmt(s) => {
                s.query.as_deref_mut().map_or(Ok(()), |q| self.statement(q))
            }
            NodeEnum::DeclareCursorStmt(s) => {
                s.query.as_deref_mut().map_or(Ok(()), |q| self.statement(q))
            }
            NodeEnum::CopyStmt(c) => {
                if let Some(q) = c.query.as_deref_mut() {
                    return self.statement(q);
                }
                if let Some(rv) = &c.relation {
                    self.refuse_tenant_relation(
                        rv,
                        "COPY",
                        "copy through a scoped `COPY (SELECT ...)` or run it unscoped",
                    )?;
                }
                Ok(())
            }
            NodeEnum::TruncateStmt(t) => {
                for rel in &t.relations {
                    if let Some(NodeEnum::RangeVar(rv)) = rel.node.as_ref() {
                        self.refuse_tenant_relation(
                            rv,
                            "TRUNCATE",
                            "use a scoped `DELETE FROM` to empty one tenant's rows",
                        )?;
                    }
                }
                Ok(())
            }
            NodeEnum::ViewStmt(v) => {
                if self.mode != Mode::Unscoped
                    && let Some(q) = v.query.as_deref()
                {
                    let mut probe = q.clone();
                    let before = self.first_tenant_table.clone();
                    self.first_tenant_table = None;
                    let saved_changed = self.changed;
                    let saved_inserted = self.inserted;
                    self.statement(&mut probe)?;
                    let touched = self.first_tenant_table.take();
                    self.first_tenant_table = before;
                    self.changed = saved_changed;
                    self.inserted = saved_inserted;
                    if let Some(table) = touched {
                        return Err(Error::unsupported(
                            format!("a view over tenant table `{table}`"),
                            "create views in an unscoped migration and declare the view as a tenant table in the schema",
                        ));
                    }
                }
                Ok(())
            }
            NodeEnum::CreateFunctionStmt(_)
            | NodeEnum::CreateTrigStmt(_)
            | NodeEnum::RuleStmt(_)
                if self.mode != Mode::Unscoped =>
            {
                Err(Error::unsupported(
                    format!(
                        "{} (code that would run without tenant scoping)",
                        kind_name(inner)
                    ),
                    "create functions, triggers and rules in migrations run unscoped",
                ))
            }
            NodeEnum::MergeStmt(_) if self.mode != Mode::Unscoped => Err(Error::unsupported(
                "MERGE",
                "write it as INSERT ... ON CONFLICT, UPDATE or DELETE, which are scoped",
            )),
            NodeEnum::ExecuteStmt(_)
            | NodeEnum::PrepareStmt(_)
            | NodeEnum::CallStmt(_)
            | NodeEnum::DoStmt(_)
                if self.mode != Mode::Unscoped =>
            {
                Err(Error::unsupported(
                    format!(
                        "{} (its statements are not visible to the scoper)",
                        kind_name(inner)
                    ),
                    "send the statements themselves (bind parameters are prepared by the driver), or run it unscoped",
                ))
            }
            // Statements that neither read nor write table rows.
            NodeEnum::TransactionStmt(_)
            | NodeEnum::VariableSetStmt(_)
            | NodeEnum::VariableShowStmt(_)
            | NodeEnum::DiscardStmt(_)
            | NodeEnum::ListenStmt(_)
            | NodeEnum::UnlistenStmt(_)
            | NodeEnum::NotifyStmt(_)
            | NodeEnum::DeallocateStmt(_)
            | NodeEnum::ClosePortalStmt(_)
            | NodeEnum::FetchStmt(_)
            | NodeEnum::CheckPointStmt(_)
            | NodeEnum::ConstraintsSetStmt(_)
            | NodeEnum::LockStmt(_)
            | NodeEnum::LoadStmt(_) => Ok(()),
            // Schema changes: they read no tenant rows.
            NodeEnum::CreateStmt(_)
            | NodeEnum::AlterTableStmt(_)
            | NodeEnum::IndexStmt(_)
            | NodeEnum::DropStmt(_)
            | NodeEnum::CreateSchemaStmt(_)
            | NodeEnum::CreateSeqStmt(_)
            | NodeEnum::AlterSeqStmt(_)
            | NodeEnum::CreateExtensionStmt(_)
            | NodeEnum::AlterExtensionStmt(_)
            | NodeEnum::CommentStmt(_)
            | NodeEnum::RenameStmt(_)
            | NodeEnum::CreateEnumStmt(_)
            | NodeEnum::AlterEnumStmt(_)
            | NodeEnum::CompositeTypeStmt(_)
            | NodeEnum::CreateDomainStmt(_)
            | NodeEnum::AlterDomainStmt(_)
            | NodeEnum::GrantStmt(_)
            | NodeEnum::GrantRoleStmt(_)
            | NodeEnum::CreateRoleStmt(_)
            | NodeEnum::AlterRoleStmt(_)
            | NodeEnum::DropRoleStmt(_)
            | NodeEnum::VacuumStmt(_)
            | NodeEnum::ReindexStmt(_)
            | NodeEnum::ClusterStmt(_)
            | NodeEnum::AlterOwnerStmt(_)
            | NodeEnum::AlterObjectSchemaStmt(_)
            | NodeEnum::CreatePolicyStmt(_)
            | NodeEnum::AlterPolicyStmt(_)
            | NodeEnum::CreatedbStmt(_)
            | NodeEnum::DropdbStmt(_)
            | NodeEnum::AlterDefaultPrivilegesStmt(_)
            | NodeEnum::CreateStatsStmt(_)
            | NodeEnum::RefreshMatViewStmt(_) => Ok(()),
            _ if self.mode == Mode::Unscoped => Ok(()),
            other => Err(unknown(other)),
        }
    }

    fn refuse_tenant_relation(&mut self, rv: &pb::RangeVar, what: &str, hint: &str) -> Res {
        if self.mode == Mode::Unscoped {
            return Ok(());
        }
        if let Relation::Tenant { display, .. } = self.classify_table(rv)? {
            return Err(Error::unsupported(
                format!("{what} of tenant table `{display}`"),
                hint,
            ));
        }
        Ok(())
    }

    // ----- CTEs --------------------------------------------------------------------------

    /// Scopes each CTE's query and makes its name visible; returns whether a frame was pushed.
    fn enter_with(&mut self, with: Option<&mut pb::WithClause>) -> Res<bool> {
        let Some(with) = with else {
            return Ok(false);
        };
        let names: Vec<String> = with
            .ctes
            .iter()
            .filter_map(|c| match c.node.as_ref() {
                Some(NodeEnum::CommonTableExpr(cte)) => Some(cte.ctename.clone()),
                _ => None,
            })
            .collect();
        self.ctes
            .push(if with.recursive { names } else { Vec::new() });
        for cte in &mut with.ctes {
            match cte.node.as_mut() {
                Some(NodeEnum::CommonTableExpr(cte)) => {
                    if let Some(q) = cte.ctequery.as_deref_mut() {
                        self.statement(q)?;
                    }
                    if !with.recursive
                        && let Some(frame) = self.ctes.last_mut()
                    {
                        frame.push(cte.ctename.clone());
                    }
                }
                Some(other) => return Err(unknown(other)),
                None => {}
            }
        }
        Ok(true)
    }

    fn leave_with(&mut self, pushed: bool) {
        if pushed {
            self.ctes.pop();
        }
    }

    fn is_cte(&self, name: &str) -> bool {
        self.ctes.iter().any(|f| f.iter().any(|n| n == name))
    }

    // ----- tables --------------------------------------------------------------------------

    /// Classifies a table read in a FROM list, where an unqualified CTE name shadows tables.
    fn classify(&mut self, rv: &pb::RangeVar) -> Res<Relation> {
        if rv.schemaname.is_empty() && self.is_cte(&rv.relname) {
            return Ok(Relation::Other);
        }
        self.classify_table(rv)
    }

    /// Classifies a table named as a table (the target of INSERT/UPDATE/DELETE, which is never
    /// a CTE, whatever the WITH clause names).
    fn classify_table(&mut self, rv: &pb::RangeVar) -> Res<Relation> {
        let schema = (!rv.schemaname.is_empty()).then_some(rv.schemaname.as_str());
        Ok(match self.schema.table_kind(schema, &rv.relname) {
            Some(TableKind::Restricted) if self.mode != Mode::Unscoped => {
                return Err(restricted("view", &rv.relname));
            }
            Some(TableKind::Tenant { column }) => {
                let display = match schema {
                    Some(s) => format!("{s}.{}", rv.relname),
                    None => rv.relname.clone(),
                };
                if self.first_tenant_table.is_none() {
                    self.first_tenant_table = Some(display.clone());
                }
                Relation::Tenant {
                    column: column.clone(),
                    display,
                }
            }
            _ => Relation::Other,
        })
    }

    /// The node that stands for the tenant value (`$n` or a literal).
    fn tenant_value(&mut self) -> Res<Node> {
        match &self.mode {
            Mode::Single | Mode::Many => {
                self.inserted += 1;
                Ok(node(NodeEnum::ParamRef(pb::ParamRef {
                    number: SENTINEL,
                    location: -1,
                })))
            }
            Mode::Literal(text) => self.literal_node(text.clone()),
            Mode::LiteralMany(items) => self.literal_node(format!("ARRAY[{}]", items.join(", "))),
            Mode::Unscoped => Err(Error::unsupported(
                "a tenant value in an unscoped section",
                "set a tenant",
            )),
        }
    }

    fn literal_node(&mut self, text: String) -> Res<Node> {
        if self.literal.is_none() {
            self.literal = Some(parser::parse_expr(&text)?);
        }
        Ok(self.literal.clone().unwrap_or_default())
    }

    /// `alias.column = T` (or `= ANY(T)`); `None` when unscoped.
    fn tenant_predicate(&mut self, t: &TenantRef) -> Res<Option<Node>> {
        if self.mode == Mode::Unscoped {
            return Ok(None);
        }
        self.changed = true;
        let value = self.tenant_value()?;
        let col = column_ref(&t.alias, &t.column);
        Ok(Some(if self.mode.is_many() {
            op("=", pb::AExprKind::AexprOpAny, col, value)
        } else {
            eq(col, value)
        }))
    }

    fn equality(&mut self, l: &Option<TenantRef>, r: &Option<TenantRef>) -> Option<Node> {
        match (l, r) {
            (Some(l), Some(r)) => {
                self.changed = true;
                Some(eq(
                    column_ref(&l.alias, &l.column),
                    column_ref(&r.alias, &r.column),
                ))
            }
            _ => None,
        }
    }

    // ----- SELECT --------------------------------------------------------------------------

    fn select(&mut self, s: &mut pb::SelectStmt) -> Res {
        let pushed = self.enter_with(s.with_clause.as_mut())?;
        let result = self.select_body(s);
        self.leave_with(pushed);
        result
    }

    fn select_body(&mut self, s: &mut pb::SelectStmt) -> Res {
        let is_set_op = s.op != pb::SetOperation::SetopNone as i32
            && s.op != pb::SetOperation::Undefined as i32;
        if is_set_op {
            if let Some(l) = s.larg.as_deref_mut() {
                self.select(l)?;
            }
            if let Some(r) = s.rarg.as_deref_mut() {
                self.select(r)?;
            }
        }
        for row in &mut s.values_lists {
            self.expr(row)?;
        }
        let mut preds = Vec::new();
        let reps = self.scope_from_list(&mut s.from_clause, &mut preds)?;
        self.exprs(&mut s.target_list)?;
        self.opt_expr(&mut s.where_clause)?;
        self.exprs(&mut s.group_clause)?;
        self.opt_expr(&mut s.having_clause)?;
        self.exprs(&mut s.window_clause)?;
        self.exprs(&mut s.sort_clause)?;
        self.exprs(&mut s.distinct_clause)?;
        self.opt_expr(&mut s.limit_offset)?;
        self.opt_expr(&mut s.limit_count)?;
        self.comma_equalities(&reps, &mut preds);
        s.where_clause = and_with(s.where_clause.take(), preds);
        Ok(())
    }

    /// Scopes each FROM item; predicates for items on the preserved side go to `preds`.
    fn scope_from_list(
        &mut self,
        items: &mut [Node],
        preds: &mut Vec<Node>,
    ) -> Res<Vec<Option<TenantRef>>> {
        items
            .iter_mut()
            .map(|item| self.scope_from_item(item, preds, false))
            .collect()
    }

    /// `a, b, c`: every later tenant item equals the first on the tenant column.
    fn comma_equalities(&mut self, reps: &[Option<TenantRef>], preds: &mut Vec<Node>) {
        let mut tenants = reps.iter().flatten();
        if let Some(first) = tenants.next().cloned() {
            for other in tenants.cloned().collect::<Vec<_>>() {
                if let Some(e) = self.equality(&Some(first.clone()), &Some(other)) {
                    preds.push(e);
                }
            }
        }
    }

    /// Scopes one FROM item. With `wrap`, tenant tables become filtered subqueries instead of
    /// adding a predicate (used where no WHERE or ON can hold it: FULL joins, outer USING joins,
    /// aliased joins). Returns the tenant table that represents the item in join equalities.
    fn scope_from_item(
        &mut self,
        item: &mut Node,
        preds: &mut Vec<Node>,
        wrap: bool,
    ) -> Res<Option<TenantRef>> {
        let Some(inner) = item.node.as_mut() else {
            return Ok(None);
        };
        match inner {
            NodeEnum::RangeVar(rv) => {
                let Relation::Tenant { column, .. } = self.classify(rv)? else {
                    return Ok(None);
                };
                let alias = rv
                    .alias
                    .as_ref()
                    .map_or_else(|| rv.relname.clone(), |a| a.aliasname.clone());
                let renamed = rv.alias.as_ref().is_some_and(|a| !a.colnames.is_empty());
                if (wrap || renamed) && self.mode != Mode::Unscoped {
                    let rv = rv.clone();
                    *item = self.filtered_subquery(rv, &column)?;
                } else if let Some(p) = self.tenant_predicate(&TenantRef {
                    alias: alias.clone(),
                    column: column.clone(),
                })? {
                    preds.push(p);
                }
                Ok((!renamed).then_some(TenantRef { alias, column }))
            }
            NodeEnum::JoinExpr(j) => self.join(j, preds, wrap),
            NodeEnum::RangeSubselect(rs) => {
                if let Some(q) = rs.subquery.as_deref_mut() {
                    self.statement(q)?;
                }
                Ok(None)
            }
            NodeEnum::RangeFunction(rf) => {
                for f in &mut rf.functions {
                    // Each entry is a list: (function call, column definitions).
                    match f.node.as_mut() {
                        Some(NodeEnum::List(l)) => {
                            if let Some(call) = l.items.first_mut() {
                                self.expr(call)?;
                            }
                        }
                        _ => self.expr(f)?,
                    }
                }
                Ok(None)
            }
            NodeEnum::RangeTableSample(ts) => {
                self.exprs(&mut ts.args)?;
                self.opt_expr(&mut ts.repeatable)?;
                let Some(NodeEnum::RangeVar(rv)) =
                    ts.relation.as_deref().and_then(|r| r.node.as_ref())
                else {
                    return Err(unknown(inner));
                };
                let Relation::Tenant { column, display } = self.classify(rv)? else {
                    return Ok(None);
                };
                if wrap || rv.alias.as_ref().is_some_and(|a| !a.colnames.is_empty()) {
                    return Err(Error::unsupported(
                        format!("TABLESAMPLE of tenant table `{display}` in this position"),
                        "sample it in a subquery",
                    ));
                }
                let t = TenantRef {
                    alias: rv
                        .alias
                        .as_ref()
                        .map_or_else(|| rv.relname.clone(), |a| a.aliasname.clone()),
                    column,
                };
                if let Some(p) = self.tenant_predicate(&t)? {
                    preds.push(p);
                }
                Ok(Some(t))
            }
            other => Err(unknown(other)),
        }
    }

    /// `(SELECT * FROM t WHERE t.col = T) AS alias(cols)`.
    fn filtered_subquery(&mut self, mut rv: pb::RangeVar, column: &str) -> Res<Node> {
        let alias = rv.alias.take().unwrap_or_else(|| pb::Alias {
            aliasname: rv.relname.clone(),
            colnames: Vec::new(),
        });
        let inner_ref = TenantRef {
            alias: rv.relname.clone(),
            column: column.to_owned(),
        };
        let pred = self.tenant_predicate(&inner_ref)?;
        let star = node(NodeEnum::ResTarget(Box::new(pb::ResTarget {
            val: Some(Box::new(node(NodeEnum::ColumnRef(pb::ColumnRef {
                fields: vec![node(NodeEnum::AStar(pb::AStar {}))],
                location: -1,
            })))),
            location: -1,
            ..Default::default()
        })));
        let select = pb::SelectStmt {
            target_list: vec![star],
            from_clause: vec![node(NodeEnum::RangeVar(rv))],
            where_clause: pred.map(Box::new),
            op: pb::SetOperation::SetopNone as i32,
            limit_option: pb::LimitOption::Default as i32,
            ..Default::default()
        };
        self.changed = true;
        Ok(node(NodeEnum::RangeSubselect(Box::new(
            pb::RangeSubselect {
                lateral: false,
                subquery: Some(Box::new(node(NodeEnum::SelectStmt(Box::new(select))))),
                alias: Some(alias),
            },
        ))))
    }

    fn join(
        &mut self,
        j: &mut pb::JoinExpr,
        preds: &mut Vec<Node>,
        wrap: bool,
    ) -> Res<Option<TenantRef>> {
        use pb::JoinType as J;
        let kind = J::try_from(j.jointype).unwrap_or(J::Undefined);
        let using = !j.using_clause.is_empty() || j.is_natural;
        // An aliased join hides the names inside it: scope its tables in place.
        let wrap = wrap || j.alias.is_some();
        let mut on = Vec::new();
        let (l, r) = (j.larg.as_deref_mut(), j.rarg.as_deref_mut());
        let (Some(l), Some(r)) = (l, r) else {
            return Ok(None);
        };
        let (lrep, rrep, rep) = match kind {
            J::JoinInner => {
                let lrep = self.scope_from_item(l, if wrap { &mut on } else { preds }, wrap)?;
                let rrep = self.scope_from_item(r, if wrap { &mut on } else { preds }, wrap)?;
                let rep = lrep.clone().or_else(|| rrep.clone());
                (lrep, rrep, rep)
            }
            J::JoinLeft => {
                let lrep = self.scope_from_item(l, preds, wrap)?;
                let rrep = self.scope_from_item(r, &mut on, wrap || using)?;
                (lrep.clone(), rrep, lrep)
            }
            J::JoinRight => {
                let lrep = self.scope_from_item(l, &mut on, wrap || using)?;
                let rrep = self.scope_from_item(r, preds, wrap)?;
                (lrep, rrep.clone(), rrep)
            }
            J::JoinFull => {
                let lrep = self.scope_from_item(l, &mut on, true)?;
                let rrep = self.scope_from_item(r, &mut on, true)?;
                (lrep, rrep, None)
            }
            _ => {
                return Err(Error::unsupported(
                    format!("join type {}", kind.as_str_name()),
                    "use INNER, LEFT, RIGHT or FULL joins",
                ));
            }
        };
        self.opt_expr(&mut j.quals)?;
        let equality = self.equality(&lrep, &rrep);
        if using {
            // USING/NATURAL joins take no ON clause: an inner join's equality can go to WHERE;
            // an outer one's nullable side is already filtered in a subquery.
            if kind == J::JoinInner
                && let Some(e) = equality
            {
                if wrap { on.push(e) } else { preds.push(e) }
            }
            if !on.is_empty() {
                if kind == J::JoinInner && !wrap {
                    preds.append(&mut on);
                } else {
                    return Err(Error::unsupported(
                        "an outer or aliased USING/NATURAL join whose tenant filter has no place",
                        "write the join with ON",
                    ));
                }
            }
        } else {
            let mut extra: Vec<Node> = equality.into_iter().collect();
            extra.append(&mut on);
            j.quals = and_with(j.quals.take(), extra);
        }
        Ok(if j.alias.is_some() { None } else { rep })
    }

    // ----- INSERT --------------------------------------------------------------------------

    fn insert(&mut self, ins: &mut pb::InsertStmt) -> Res {
        let pushed = self.enter_with(ins.with_clause.as_mut())?;
        let result = self.insert_body(ins);
        self.leave_with(pushed);
        result
    }

    fn insert_body(&mut self, ins: &mut pb::InsertStmt) -> Res {
        let target = match ins.relation.as_ref() {
            Some(rv) => match self.classify_table(rv)? {
                Relation::Tenant { column, display } => Some((column, display, rv.clone())),
                Relation::Other => None,
            },
            None => None,
        };
        self.exprs(&mut ins.cols)?;
        if let Some(sel) = ins.select_stmt.as_deref_mut() {
            self.statement(sel)?;
        }
        if let Some(ret) = ins.returning_clause.as_mut() {
            self.exprs(&mut ret.exprs)?;
        }
        let Some((column, display, rv)) = target else {
            if let Some(oc) = ins.on_conflict_clause.as_deref_mut() {
                self.on_conflict_exprs(oc)?;
            }
            return Ok(());
        };
        if let Some(oc) = ins.on_conflict_clause.as_deref_mut() {
            self.on_conflict_exprs(oc)?;
            if oc.action == pb::OnConflictAction::OnconflictUpdate as i32
                && self.mode != Mode::Unscoped
            {
                if assigns(&oc.target_list, &column) {
                    return Err(Error::TenantColumnAssignment {
                        table: display,
                        column,
                    });
                }
                let alias = rv
                    .alias
                    .as_ref()
                    .map_or_else(|| rv.relname.clone(), |a| a.aliasname.clone());
                let pred = self.tenant_predicate(&TenantRef {
                    alias,
                    column: column.clone(),
                })?;
                oc.where_clause = and_with(oc.where_clause.take(), pred.into_iter().collect());
            }
        }
        if self.mode == Mode::Unscoped {
            return Ok(());
        }
        self.fill_tenant_column(ins, &column, &display)
    }

    fn on_conflict_exprs(&mut self, oc: &mut pb::OnConflictClause) -> Res {
        if let Some(infer) = oc.infer.as_deref_mut() {
            for elem in &mut infer.index_elems {
                if let Some(NodeEnum::IndexElem(ie)) = elem.node.as_mut() {
                    self.opt_expr(&mut ie.expr)?;
                }
            }
            self.opt_expr(&mut infer.where_clause)?;
        }
        self.assignments(&mut oc.target_list)?;
        self.opt_expr(&mut oc.where_clause)
    }

    /// Adds the tenant column with `T` to every row, or checks the value a row gives for it.
    fn fill_tenant_column(&mut self, ins: &mut pb::InsertStmt, column: &str, display: &str) -> Res {
        let names: Vec<String> = ins
            .cols
            .iter()
            .filter_map(|c| match c.node.as_ref() {
                Some(NodeEnum::ResTarget(rt)) => Some(rt.name.clone()),
                _ => None,
            })
            .collect();
        let position = names.iter().position(|n| n == column);
        self.changed = true;
        let Some(select) = ins.select_stmt.as_deref_mut() else {
            // DEFAULT VALUES: the tenant column is the one value given.
            ins.cols = vec![res_target_name(column)];
            let value = self.fill_value()?;
            ins.select_stmt = Some(Box::new(values_select(vec![vec![value]])));
            return Ok(());
        };
        if names.is_empty() {
            return Err(Error::unsupported(
                format!("INSERT into tenant table `{display}` without a column list"),
                "name the columns: INSERT INTO t (a, b) VALUES (...)",
            ));
        }
        let Some(NodeEnum::SelectStmt(sel)) = select.node.as_mut() else {
            return Err(unknown(
                select
                    .node
                    .as_ref()
                    .unwrap_or(&NodeEnum::List(pb::List::default())),
            ));
        };
        let simple = sel.op == pb::SetOperation::SetopNone as i32
            || sel.op == pb::SetOperation::Undefined as i32;
        match position {
            None => {
                ins.cols.push(res_target_name(column));
                if simple && !sel.values_lists.is_empty() {
                    for row in &mut sel.values_lists {
                        let value = self.fill_value()?;
                        if let Some(NodeEnum::List(l)) = row.node.as_mut() {
                            l.items.push(value);
                        }
                    }
                } else if simple && sel.distinct_clause.is_empty() {
                    let value = self.fill_value()?;
                    sel.target_list.push(res_target_value(value));
                } else {
                    let n = names.len();
                    let inner = std::mem::take(sel.as_mut());
                    **sel = self.project_with_tenant(inner, n)?;
                }
            }
            Some(pos) => {
                let table_col = format!("{display}.{column}");
                if simple && !sel.values_lists.is_empty() {
                    for row in &mut sel.values_lists {
                        if let Some(NodeEnum::List(l)) = row.node.as_mut()
                            && let Some(v) = l.items.get_mut(pos)
                        {
                            self.check_value(v, &table_col)?;
                        }
                    }
                } else if simple && !has_star(&sel.target_list) && sel.target_list.len() > pos {
                    if let Some(NodeEnum::ResTarget(rt)) = sel.target_list[pos].node.as_mut()
                        && let Some(v) = rt.val.as_deref_mut()
                    {
                        self.check_value(v, &table_col)?;
                    }
                } else {
                    return Err(Error::unsupported(
                        format!(
                            "INSERT ... SELECT into `{display}` whose `{column}` value cannot be located"
                        ),
                        "list the selected columns explicitly, or leave the tenant column out",
                    ));
                }
            }
        }
        Ok(())
    }

    /// The value a new row gets for its tenant column.
    fn fill_value(&mut self) -> Res<Node> {
        if self.mode.is_many() {
            return Err(Error::unsupported(
                "INSERT into a tenant table without the tenant column under a multi-tenant scope",
                "name the tenant column with one of the tenants in scope, or scope to one tenant",
            ));
        }
        self.tenant_value()
    }

    /// `SELECT mt_src.c1, ..., T FROM (<inner>) AS mt_src(c1, ...)`, for INSERT sources whose
    /// output cannot take one more column in place (set operations, DISTINCT).
    fn project_with_tenant(&mut self, inner: pb::SelectStmt, n: usize) -> Res<pb::SelectStmt> {
        let cols: Vec<String> = (1..=n).map(|i| format!("c{i}")).collect();
        let mut targets: Vec<Node> = cols
            .iter()
            .map(|c| res_target_value(column_ref("mt_src", c)))
            .collect();
        targets.push(res_target_value(self.fill_value()?));
        Ok(pb::SelectStmt {
            target_list: targets,
            from_clause: vec![node(NodeEnum::RangeSubselect(Box::new(
                pb::RangeSubselect {
                    lateral: false,
                    subquery: Some(Box::new(node(NodeEnum::SelectStmt(Box::new(inner))))),
                    alias: Some(pb::Alias {
                        aliasname: "mt_src".into(),
                        colnames: cols.iter().map(|c| string(c)).collect(),
                    }),
                },
            )))],
            op: pb::SetOperation::SetopNone as i32,
            limit_option: pb::LimitOption::Default as i32,
            ..Default::default()
        })
    }

    /// Replaces the tenant column's value `X` by an expression that yields `X` when it is the
    /// current tenant, the tenant when `X` is NULL, and raises an error otherwise:
    /// `CASE WHEN X = T THEN X WHEN X IS NULL THEN T
    ///       WHEN CAST('<marker> table.col = ' || X::text AS integer) IS NULL THEN X END`.
    /// The failing cast carries the message that `cross_tenant_write_from_db` recognises.
    fn check_value(&mut self, value: &mut Node, table_col: &str) -> Res {
        match value.node.as_ref() {
            Some(NodeEnum::SetToDefault(_)) => {
                *value = self.fill_value()?;
                return Ok(());
            }
            Some(
                NodeEnum::ParamRef(_)
                | NodeEnum::AConst(_)
                | NodeEnum::ColumnRef(_)
                | NodeEnum::TypeCast(_),
            ) => {}
            _ => {
                return Err(Error::unsupported(
                    format!("a computed value for tenant column `{table_col}`"),
                    "bind the tenant value as a parameter or leave the column out",
                ));
            }
        }
        let x = value.clone();
        let t = self.tenant_value()?;
        let matches = if self.mode.is_many() {
            op("=", pb::AExprKind::AexprOpAny, x.clone(), t)
        } else {
            eq(x.clone(), t)
        };
        let message = node(NodeEnum::AConst(pb::AConst {
            isnull: false,
            location: -1,
            val: Some(pb::a_const::Val::Sval(pb::String {
                sval: format!("{CROSS_TENANT_MARKER}{table_col} = "),
            })),
        }));
        let as_text = type_cast(x.clone(), "text");
        let failing = type_cast(op("||", pb::AExprKind::AexprOp, message, as_text), "int4");
        let mut whens = vec![case_when(matches, x.clone())];
        if !self.mode.is_many() {
            let is_null = node(NodeEnum::NullTest(Box::new(pb::NullTest {
                arg: Some(Box::new(x.clone())),
                nulltesttype: pb::NullTestType::IsNull as i32,
                location: -1,
                ..Default::default()
            })));
            let t = self.tenant_value()?;
            whens.push(case_when(is_null, t));
        }
        let raises = node(NodeEnum::NullTest(Box::new(pb::NullTest {
            arg: Some(Box::new(failing)),
            nulltesttype: pb::NullTestType::IsNull as i32,
            location: -1,
            ..Default::default()
        })));
        whens.push(case_when(raises, x));
        *value = node(NodeEnum::CaseExpr(Box::new(pb::CaseExpr {
            args: whens,
            location: -1,
            ..Default::default()
        })));
        Ok(())
    }

    // ----- UPDATE / DELETE --------------------------------------------------------------

    fn update(&mut self, u: &mut pb::UpdateStmt) -> Res {
        let pushed = self.enter_with(u.with_clause.as_mut())?;
        let result = self.update_body(u);
        self.leave_with(pushed);
        result
    }

    fn update_body(&mut self, u: &mut pb::UpdateStmt) -> Res {
        let target = self.write_target(u.relation.as_ref(), u.where_clause.as_deref(), "UPDATE")?;
        if let Some((t, display)) = &target
            && self.mode != Mode::Unscoped
            && assigns(&u.target_list, &t.column)
        {
            return Err(Error::TenantColumnAssignment {
                table: display.clone(),
                column: t.column.clone(),
            });
        }
        self.assignments(&mut u.target_list)?;
        let mut preds = Vec::new();
        let reps = self.scope_from_list(&mut u.from_clause, &mut preds)?;
        self.opt_expr(&mut u.where_clause)?;
        if let Some(ret) = u.returning_clause.as_mut() {
            self.exprs(&mut ret.exprs)?;
        }
        self.finish_write(target.map(|t| t.0), reps, preds, &mut u.where_clause)
    }

    fn delete(&mut self, d: &mut pb::DeleteStmt) -> Res {
        let pushed = self.enter_with(d.with_clause.as_mut())?;
        let result = self.delete_body(d);
        self.leave_with(pushed);
        result
    }

    fn delete_body(&mut self, d: &mut pb::DeleteStmt) -> Res {
        let target = self.write_target(d.relation.as_ref(), d.where_clause.as_deref(), "DELETE")?;
        let mut preds = Vec::new();
        let reps = self.scope_from_list(&mut d.using_clause, &mut preds)?;
        self.opt_expr(&mut d.where_clause)?;
        if let Some(ret) = d.returning_clause.as_mut() {
            self.exprs(&mut ret.exprs)?;
        }
        self.finish_write(target.map(|t| t.0), reps, preds, &mut d.where_clause)
    }

    fn write_target(
        &mut self,
        rv: Option<&pb::RangeVar>,
        where_clause: Option<&Node>,
        what: &str,
    ) -> Res<Option<(TenantRef, String)>> {
        let Some(rv) = rv else {
            return Ok(None);
        };
        let Relation::Tenant { column, display } = self.classify_table(rv)? else {
            return Ok(None);
        };
        if matches!(
            where_clause.and_then(|w| w.node.as_ref()),
            Some(NodeEnum::CurrentOfExpr(_))
        ) && self.mode != Mode::Unscoped
        {
            return Err(Error::unsupported(
                format!("{what} ... WHERE CURRENT OF on tenant table `{display}`"),
                "update by key instead of by cursor position",
            ));
        }
        let alias = rv
            .alias
            .as_ref()
            .map_or_else(|| rv.relname.clone(), |a| a.aliasname.clone());
        Ok(Some((TenantRef { alias, column }, display)))
    }

    /// Adds the target's predicate, the FROM/USING items' predicates, and the target's tenant
    /// equality with the first tenant item of FROM/USING.
    fn finish_write(
        &mut self,
        target: Option<TenantRef>,
        reps: Vec<Option<TenantRef>>,
        from_preds: Vec<Node>,
        where_clause: &mut Option<Box<Node>>,
    ) -> Res {
        let mut preds = Vec::new();
        if let Some(t) = &target
            && let Some(p) = self.tenant_predicate(t)?
        {
            preds.push(p);
        }
        preds.extend(from_preds);
        let mut all = vec![target];
        all.extend(reps);
        self.comma_equalities(&all, &mut preds);
        *where_clause = and_with(where_clause.take(), preds);
        Ok(())
    }

    // ----- expressions -------------------------------------------------------------------

    fn exprs(&mut self, list: &mut [Node]) -> Res {
        list.iter_mut().try_for_each(|n| self.expr(n))
    }

    fn opt_expr(&mut self, e: &mut Option<Box<Node>>) -> Res {
        match e.as_deref_mut() {
            Some(n) => self.expr(n),
            None => Ok(()),
        }
    }

    fn expr(&mut self, n: &mut Node) -> Res {
        let Some(inner) = n.node.as_mut() else {
            return Ok(());
        };
        match inner {
            NodeEnum::ColumnRef(_)
            | NodeEnum::AConst(_)
            | NodeEnum::AStar(_)
            | NodeEnum::SqlvalueFunction(_)
            | NodeEnum::SetToDefault(_)
            | NodeEnum::Integer(_)
            | NodeEnum::Float(_)
            | NodeEnum::Boolean(_)
            | NodeEnum::String(_)
            | NodeEnum::BitString(_) => Ok(()),
            NodeEnum::ParamRef(p) => {
                if p.number > MAX_PARAM {
                    return Err(Error::unsupported(
                        format!("placeholder ${}", p.number),
                        "PostgreSQL allows at most 65535 parameters",
                    ));
                }
                self.highest = self.highest.max(p.number);
                Ok(())
            }
            NodeEnum::AExpr(a) => {
                self.opt_expr(&mut a.lexpr)?;
                self.opt_expr(&mut a.rexpr)
            }
            NodeEnum::BoolExpr(b) => self.exprs(&mut b.args),
            NodeEnum::FuncCall(f) => {
                if self.mode != Mode::Unscoped {
                    let name: Vec<&str> = f
                        .funcname
                        .iter()
                        .filter_map(|n| match n.node.as_ref() {
                            Some(NodeEnum::String(s)) => Some(s.sval.as_str()),
                            _ => None,
                        })
                        .collect();
                    let name = name.join(".");
                    let bare = name.rsplit('.').next().unwrap_or(&name);
                    if self.schema.is_restricted_function(&name)
                        || SQL_RUNNING_FUNCTIONS.contains(&bare)
                    {
                        return Err(restricted("function", &name));
                    }
                }
                self.exprs(&mut f.args)?;
                self.exprs(&mut f.agg_order)?;
                self.opt_expr(&mut f.agg_filter)?;
                if let Some(w) = f.over.as_deref_mut() {
                    self.window(w)?;
                }
                Ok(())
            }
            NodeEnum::TypeCast(t) => self.opt_expr(&mut t.arg),
            NodeEnum::SubLink(s) => {
                self.opt_expr(&mut s.testexpr)?;
                match s.subselect.as_deref_mut() {
                    Some(q) => self.statement(q),
                    None => Ok(()),
                }
            }
            NodeEnum::CaseExpr(c) => {
                self.opt_expr(&mut c.arg)?;
                self.exprs(&mut c.args)?;
                self.opt_expr(&mut c.defresult)
            }
            NodeEnum::CaseWhen(w) => {
                self.opt_expr(&mut w.expr)?;
                self.opt_expr(&mut w.result)
            }
            NodeEnum::NullTest(t) => self.opt_expr(&mut t.arg),
            NodeEnum::BooleanTest(t) => self.opt_expr(&mut t.arg),
            NodeEnum::CoalesceExpr(c) => self.exprs(&mut c.args),
            NodeEnum::MinMaxExpr(m) => self.exprs(&mut m.args),
            NodeEnum::AIndirection(i) => {
                self.opt_expr(&mut i.arg)?;
                self.exprs(&mut i.indirection)
            }
            NodeEnum::AIndices(i) => {
                self.opt_expr(&mut i.lidx)?;
                self.opt_expr(&mut i.uidx)
            }
            NodeEnum::AArrayExpr(a) => self.exprs(&mut a.elements),
            NodeEnum::RowExpr(r) => self.exprs(&mut r.args),
            NodeEnum::CollateClause(c) => self.opt_expr(&mut c.arg),
            NodeEnum::List(l) => self.exprs(&mut l.items),
            NodeEnum::ResTarget(r) => {
                self.exprs(&mut r.indirection)?;
                self.opt_expr(&mut r.val)
            }
            NodeEnum::MultiAssignRef(m) => self.opt_expr(&mut m.source),
            NodeEnum::SortBy(s) => self.opt_expr(&mut s.node),
            NodeEnum::WindowDef(w) => self.window(w),
            NodeEnum::GroupingSet(g) => self.exprs(&mut g.content),
            NodeEnum::GroupingFunc(g) => self.exprs(&mut g.args),
            NodeEnum::NamedArgExpr(a) => self.opt_expr(&mut a.arg),
            NodeEnum::XmlExpr(x) => {
                self.exprs(&mut x.named_args)?;
                self.exprs(&mut x.args)
            }
            NodeEnum::XmlSerialize(x) => self.opt_expr(&mut x.expr),
            NodeEnum::LockingClause(_) => Ok(()),
            other => Err(unknown(other)),
        }
    }

    /// UPDATE SET lists: `SET (a, b) = (SELECT ...)` repeats the same source under every column
    /// of the group, and only the first is written back; scope it once and copy it.
    fn assignments(&mut self, targets: &mut [Node]) -> Res {
        let mut group_source: Option<Node> = None;
        for target in targets {
            let multi = match target.node.as_mut() {
                Some(NodeEnum::ResTarget(rt)) => {
                    match rt.val.as_deref_mut().and_then(|v| v.node.as_mut()) {
                        Some(NodeEnum::MultiAssignRef(m)) => Some(m),
                        _ => None,
                    }
                }
                _ => None,
            };
            match multi {
                Some(m) if m.colno > 1 && group_source.is_some() => {
                    m.source = group_source.clone().map(Box::new);
                }
                Some(m) => {
                    self.opt_expr(&mut m.source)?;
                    group_source = m.source.as_deref().cloned();
                }
                None => self.expr(target)?,
            }
        }
        Ok(())
    }

    fn window(&mut self, w: &mut pb::WindowDef) -> Res {
        self.exprs(&mut w.partition_clause)?;
        self.exprs(&mut w.order_clause)?;
        self.opt_expr(&mut w.start_offset)?;
        self.opt_expr(&mut w.end_offset)
    }
}

fn assigns(targets: &[Node], column: &str) -> bool {
    targets
        .iter()
        .any(|t| matches!(t.node.as_ref(), Some(NodeEnum::ResTarget(rt)) if rt.name == column))
}

fn has_star(targets: &[Node]) -> bool {
    targets.iter().any(|t| match t.node.as_ref() {
        Some(NodeEnum::ResTarget(rt)) => match rt.val.as_deref().and_then(|v| v.node.as_ref()) {
            Some(NodeEnum::ColumnRef(c)) => c
                .fields
                .iter()
                .any(|f| matches!(f.node, Some(NodeEnum::AStar(_)))),
            _ => false,
        },
        _ => false,
    })
}

fn res_target_name(name: &str) -> Node {
    node(NodeEnum::ResTarget(Box::new(pb::ResTarget {
        name: name.to_owned(),
        location: -1,
        ..Default::default()
    })))
}

fn res_target_value(val: Node) -> Node {
    node(NodeEnum::ResTarget(Box::new(pb::ResTarget {
        val: Some(Box::new(val)),
        location: -1,
        ..Default::default()
    })))
}

fn values_select(rows: Vec<Vec<Node>>) -> Node {
    node(NodeEnum::SelectStmt(Box::new(pb::SelectStmt {
        values_lists: rows
            .into_iter()
            .map(|items| node(NodeEnum::List(pb::List { items })))
            .collect(),
        op: pb::SetOperation::SetopNone as i32,
        limit_option: pb::LimitOption::Default as i32,
        ..Default::default()
    })))
}

fn type_cast(arg: Node, type_name: &str) -> Node {
    let names = if type_name == "text" {
        vec![string(type_name)]
    } else {
        vec![string("pg_catalog"), string(type_name)]
    };
    node(NodeEnum::TypeCast(Box::new(pb::TypeCast {
        arg: Some(Box::new(arg)),
        type_name: Some(pb::TypeName {
            names,
            typemod: -1,
            location: -1,
            ..Default::default()
        }),
        location: -1,
    })))
}

fn case_when(cond: Node, result: Node) -> Node {
    node(NodeEnum::CaseWhen(Box::new(pb::CaseWhen {
        expr: Some(Box::new(cond)),
        result: Some(Box::new(result)),
        location: -1,
        ..Default::default()
    })))
}
