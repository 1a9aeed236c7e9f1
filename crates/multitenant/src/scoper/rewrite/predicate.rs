//! What the rewrite adds: the tenant value (`$n` or a literal), the tenant predicate of a
//! tenant table, the tenant equality between two of them, tenant tables filtered in a subquery,
//! and the tenant column of INSERTed rows, filled in or checked against the tenant.

use super::build::{
    array, case, case_when, column_ref, eq, eq_any, field_by_table_name, inner_join, is_null, node,
    not_distinct, op, res_target_name, res_target_named, res_target_value, scalar_subquery,
    select_stmt, star, string, string_const, subquery_from, type_cast, values_select,
};
use super::parser::{self, NodeEnum, protobuf as pb};
use super::policy::{Refusal, unknown};
use super::relation::TenantRef;
use super::{Mode, Res, Rewriter, SENTINEL};
use crate::error::CROSS_TENANT_MARKER;
use pb::Node;

impl Rewriter<'_> {
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
            Mode::Unscoped => Err(Refusal::TenantValueUnscoped.error()),
        }
    }

    fn literal_node(&mut self, text: String) -> Res<Node> {
        if self.literal.is_none() {
            self.literal = Some(parser::parse_expr(&text)?);
        }
        Ok(self.literal.clone().unwrap_or_default())
    }

    /// `value = T`, or `value = ANY(T)` for a set of tenants.
    fn is_tenant(&self, value: Node, tenant: Node) -> Node {
        if self.mode.is_many() {
            eq_any(value, tenant)
        } else {
            eq(value, tenant)
        }
    }

    /// `alias.column = T` (or `= ANY(T)`); `None` when unscoped.
    pub(super) fn tenant_predicate(&mut self, t: &TenantRef) -> Res<Option<Node>> {
        self.tenant_filter(column_ref(&t.alias, &t.column))
    }

    /// `column = T` (or `= ANY(T)`) for the tenant column written as `column`; `None` when
    /// unscoped.
    fn tenant_filter(&mut self, column: Node) -> Res<Option<Node>> {
        if self.mode == Mode::Unscoped {
            return Ok(None);
        }
        self.changed = true;
        let value = self.tenant_value()?;
        if self.no_equivalence && !self.mode.is_many() {
            // `= ANY(ARRAY[T])` filters the same rows without fixing the column to a constant
            // in the planner, which before PostgreSQL 18 wrongly holds where grouping sets
            // make the column NULL.
            return Ok(Some(eq_any(column, array(vec![value]))));
        }
        Ok(Some(self.is_tenant(column, value)))
    }

    /// `l.column = r.column` when both sides are tenant tables.
    pub(super) fn equality(
        &mut self,
        l: &Option<TenantRef>,
        r: &Option<TenantRef>,
    ) -> Option<Node> {
        match (l, r) {
            (Some(l), Some(r)) => {
                self.changed = true;
                let (l, r) = (
                    column_ref(&l.alias, &l.column),
                    column_ref(&r.alias, &r.column),
                );
                // Under grouping sets an equality would join the columns in the planner's
                // equivalence classes (see `tenant_predicate`). One tenant: both sides are
                // filtered to it, which implies the equality. A set of tenants: this form
                // keeps the columns apart.
                match (self.no_equivalence, self.mode.is_many()) {
                    (false, _) => Some(eq(l, r)),
                    (true, true) => Some(not_distinct(l, r)),
                    (true, false) => None,
                }
            }
            _ => None,
        }
    }

    /// `a, b, c`: every later tenant item equals the first on the tenant column.
    pub(super) fn comma_equalities(&mut self, reps: &[Option<TenantRef>], preds: &mut Vec<Node>) {
        let mut tenants = reps.iter().flatten();
        if let Some(first) = tenants.next().cloned() {
            for other in tenants.cloned().collect::<Vec<_>>() {
                if let Some(e) = self.equality(&Some(first.clone()), &Some(other)) {
                    preds.push(e);
                }
            }
        }
    }

    /// `(t JOIN (SELECT) AS mt_scope_n ON t.col = T)`: the tenant table `item` filtered in place
    /// where no WHERE or ON clause can take its predicate (a side of a FULL join, the nullable
    /// side of an outer USING join, inside an aliased join). The table keeps its own name, so
    /// every reference to it (schema-qualified, by table name, its system columns) still
    /// resolves to it, and the empty select adds no column.
    pub(super) fn filtered_join(&mut self, item: Node, t: &TenantRef) -> Res<Node> {
        let pred = self.tenant_predicate(t)?;
        Ok(self.join_on_one_row(item, pred))
    }

    /// [`Self::filtered_join`] for a table whose alias renames its columns: the predicate reads
    /// the tenant column through the table's row type, `(ROW(alias.*)::table).column`, as the
    /// tenant column's new name depends on the column order, which the schema does not know.
    pub(super) fn filtered_join_renamed(
        &mut self,
        item: Node,
        rv: &pb::RangeVar,
        t: &TenantRef,
    ) -> Res<Node> {
        let mut table = Vec::new();
        if !rv.schemaname.is_empty() {
            table.push(rv.schemaname.clone());
        }
        table.push(rv.relname.clone());
        let column = field_by_table_name(&t.alias, &table, &t.column);
        let pred = self.tenant_filter(column)?;
        Ok(self.join_on_one_row(item, pred))
    }

    fn join_on_one_row(&mut self, item: Node, pred: Option<Node>) -> Node {
        self.filters += 1;
        let alias = pb::Alias {
            aliasname: format!("mt_scope_{}", self.filters),
            colnames: Vec::new(),
        };
        let one_row = subquery_from(select_stmt(Vec::new(), Vec::new(), None), alias);
        inner_join(item, one_row, pred)
    }

    /// `(SELECT * FROM t WHERE t.col = T) AS alias(cols)`, for a table whose alias renames its
    /// columns (the tenant column's new name depends on the column order, which the schema
    /// does not know).
    pub(super) fn filtered_subquery(&mut self, mut rv: pb::RangeVar, column: &str) -> Res<Node> {
        let alias = rv.alias.take().unwrap_or_else(|| pb::Alias {
            aliasname: rv.relname.clone(),
            colnames: Vec::new(),
        });
        let inner_ref = TenantRef {
            alias: rv.relname.clone(),
            column: column.to_owned(),
        };
        let pred = self.tenant_predicate(&inner_ref)?;
        let select = select_stmt(
            vec![res_target_value(star())],
            vec![node(NodeEnum::RangeVar(rv))],
            pred,
        );
        self.changed = true;
        Ok(subquery_from(select, alias))
    }

    /// Adds the tenant column with `T` to every row, or checks the value a row gives for it.
    pub(super) fn fill_tenant_column(
        &mut self,
        ins: &mut pb::InsertStmt,
        column: &str,
        display: &str,
    ) -> Res {
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
            return Err(Refusal::InsertWithoutColumns(display).error());
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
        // Every VALUES row must give one value per named column: otherwise the tenant value
        // would land in another column, or a row would carry no tenant value to check.
        for row in &sel.values_lists {
            if let Some(NodeEnum::List(l)) = row.node.as_ref()
                && l.items.len() != names.len()
            {
                return Err(Refusal::InsertArity {
                    table: display,
                    columns: names.len(),
                    values: l.items.len(),
                }
                .error());
            }
        }
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
                    return Err(Refusal::InsertTenantValueHidden {
                        table: display,
                        column,
                    }
                    .error());
                }
            }
        }
        Ok(())
    }

    /// The value a new row gets for its tenant column.
    fn fill_value(&mut self) -> Res<Node> {
        if self.mode.is_many() {
            return Err(Refusal::FillUnderMany.error());
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
        let alias = pb::Alias {
            aliasname: "mt_src".into(),
            colnames: cols.iter().map(|c| string(c)).collect(),
        };
        Ok(select_stmt(
            targets,
            vec![subquery_from(inner, alias)],
            None,
        ))
    }

    /// Replaces the tenant column's value `X` by an expression that yields `X` when it is the
    /// current tenant, the tenant when `X` is NULL, and raises an error otherwise:
    /// `CASE WHEN X = T THEN X WHEN X IS NULL THEN T
    ///       WHEN CAST('<marker> table.col = ' || X::text AS integer) IS NULL THEN X END`.
    /// The failing cast carries the message that `adapter::cross_tenant_write` recognises (SQLSTATE 22P02).
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
            Some(NodeEnum::SubLink(s))
                if s.sub_link_type == pb::SubLinkType::ExprSublink as i32 =>
            {
                // A scalar subquery (already scoped) is evaluated once and its value checked:
                // `(SELECT CASE ... END FROM (SELECT <subquery> AS v) mt_value)`.
                let computed =
                    select_stmt(vec![res_target_named("v", value.clone())], Vec::new(), None);
                let mut checked = column_ref("mt_value", "v");
                self.check_value(&mut checked, table_col)?;
                let alias = pb::Alias {
                    aliasname: "mt_value".into(),
                    colnames: Vec::new(),
                };
                *value = scalar_subquery(select_stmt(
                    vec![res_target_value(checked)],
                    vec![subquery_from(computed, alias)],
                    None,
                ));
                return Ok(());
            }
            _ => return Err(Refusal::ComputedTenantValue(table_col).error()),
        }
        let x = value.clone();
        let t = self.tenant_value()?;
        let matches = self.is_tenant(x.clone(), t);
        let message = string_const(format!("{CROSS_TENANT_MARKER}{table_col} = "));
        let as_text = type_cast(x.clone(), "text");
        let failing = type_cast(op("||", pb::AExprKind::AexprOp, message, as_text), "int4");
        let mut whens = vec![case_when(matches, x.clone())];
        if !self.mode.is_many() {
            let t = self.tenant_value()?;
            whens.push(case_when(is_null(x.clone()), t));
        }
        whens.push(case_when(is_null(failing), x));
        *value = case(whens);
        Ok(())
    }
}

/// Whether a select list holds a `*`, which hides the position of each column.
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
