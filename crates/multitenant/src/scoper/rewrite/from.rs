//! The walk over FROM lists: tables, joins, subqueries, table functions and samples, and where
//! each tenant table's predicate goes (the query's WHERE, a join's ON, or a filtered subquery).

use super::build::and_with;
use super::parser::{NodeEnum, protobuf as pb};
use super::policy::{Refusal, unknown};
use super::relation::{Relation, TenantRef};
use super::{Mode, Res, Rewriter};
use pb::Node;

impl Rewriter<'_> {
    /// Scopes each FROM item; predicates for items on the preserved side go to `preds`.
    pub(super) fn scope_from_list(
        &mut self,
        items: &mut [Node],
        preds: &mut Vec<Node>,
    ) -> Res<Vec<Option<TenantRef>>> {
        items
            .iter_mut()
            .map(|item| self.scope_from_item(item, preds, false))
            .collect()
    }

    /// Scopes one FROM item. With `wrap`, tenant tables are filtered in place (an inner join
    /// with an empty select) instead of adding a predicate (used where no WHERE or ON can hold
    /// it: FULL joins, outer USING joins, aliased joins). Returns the tenant table that represents the item in join equalities.
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
                let t = TenantRef::of(rv, column);
                let renamed = rv.alias.as_ref().is_some_and(|a| !a.colnames.is_empty());
                if renamed && self.renamed_in_place && self.mode != Mode::Unscoped {
                    let rv = rv.clone();
                    let table = std::mem::take(item);
                    *item = self.filtered_join_renamed(table, &rv, &t)?;
                } else if renamed && self.mode != Mode::Unscoped {
                    self.renamed_filtered.push(t.alias.clone());
                    let rv = rv.clone();
                    *item = self.filtered_subquery(rv, &t.column)?;
                } else if wrap && self.mode != Mode::Unscoped {
                    let table = std::mem::take(item);
                    *item = self.filtered_join(table, &t)?;
                } else if let Some(p) = self.tenant_predicate(&t)? {
                    preds.push(p);
                }
                Ok((!renamed).then_some(t))
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
                if rv.alias.as_ref().is_some_and(|a| !a.colnames.is_empty()) {
                    return Err(Refusal::TablesampleInPlace(&display).error());
                }
                let t = TenantRef::of(rv, column);
                if wrap && self.mode != Mode::Unscoped {
                    let sample = std::mem::take(item);
                    *item = self.filtered_join(sample, &t)?;
                } else if let Some(p) = self.tenant_predicate(&t)? {
                    preds.push(p);
                }
                Ok(Some(t))
            }
            other => Err(unknown(other)),
        }
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
            _ => return Err(Refusal::JoinType(kind.as_str_name()).error()),
        };
        self.opt_expr(&mut j.quals)?;
        let equality = self.equality(&lrep, &rrep);
        if kind == J::JoinFull && self.no_equivalence && equality.is_some() {
            // PostgreSQL runs a FULL join only on equalities it can hash or merge.
            return Err(Refusal::GroupingSetsFullJoinMany.error());
        }
        if using {
            // USING/NATURAL joins take no ON clause: an inner join's equality can go to WHERE;
            // an outer one's nullable side is already filtered in place. Where the inner
            // join's tables are filtered in place too (`wrap`) under one tenant, both sides
            // hold that tenant's rows only, which implies the equality.
            let implied = wrap && matches!(self.mode, Mode::Single | Mode::Literal(_));
            if kind == J::JoinInner
                && !implied
                && let Some(e) = equality
            {
                if wrap { on.push(e) } else { preds.push(e) }
            }
            if !on.is_empty() {
                if kind == J::JoinInner && !wrap {
                    preds.append(&mut on);
                } else {
                    return Err(Refusal::UsingJoinFilter.error());
                }
            }
        } else {
            let mut extra: Vec<Node> = equality.into_iter().collect();
            extra.append(&mut on);
            j.quals = and_with(j.quals.take(), extra);
        }
        Ok(if j.alias.is_some() { None } else { rep })
    }
}
