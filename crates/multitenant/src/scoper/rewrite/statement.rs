//! The walk over statements: which statements are entered and how, the WITH clause each may
//! carry, and where the tenant predicates of SELECT, INSERT, UPDATE and DELETE go.

use super::build::and_with;
use super::parser::{NodeEnum, protobuf as pb};
use super::policy::{self, Refusal, unknown};
use super::relation::{Relation, TenantRef};
use super::{Mode, Res, Rewriter};
use crate::Error;
use pb::Node;

impl Rewriter<'_> {
    pub(super) fn statement(&mut self, stmt: &mut Node) -> Res {
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
                if let Some(rv) = &c.relation
                    && let Some(table) = self.whole_tenant_table(rv)?
                {
                    return Err(Refusal::CopyTenantTable(&table).error());
                }
                Ok(())
            }
            NodeEnum::TruncateStmt(t) => {
                for rel in &t.relations {
                    if let Some(NodeEnum::RangeVar(rv)) = rel.node.as_ref()
                        && let Some(table) = self.whole_tenant_table(rv)?
                    {
                        return Err(Refusal::TruncateTenantTable(&table).error());
                    }
                }
                Ok(())
            }
            NodeEnum::ViewStmt(v) => match v.query.as_deref() {
                Some(q) if self.mode != Mode::Unscoped => self.probe_view(q),
                _ => Ok(()),
            },
            other => policy::admit_statement(other, &self.mode),
        }
    }

    /// The name of `rv` when it is a tenant table, which a scoped statement may not handle as a
    /// whole (COPY, TRUNCATE).
    fn whole_tenant_table(&mut self, rv: &pb::RangeVar) -> Res<Option<String>> {
        if self.mode == Mode::Unscoped {
            return Ok(None);
        }
        Ok(match self.classify_table(rv)? {
            Relation::Tenant { display, .. } => Some(display),
            Relation::Other => None,
        })
    }

    /// Refuses a view whose definition reads a tenant table, which later reads through the view
    /// would see unscoped. The definition is walked by a rewriter of its own and left as it is.
    fn probe_view(&mut self, query: &Node) -> Res {
        let mut probe = Rewriter::new(self.schema, self.mode.clone());
        probe.statement(&mut query.clone())?;
        // Placeholders in the definition still count as the statement's.
        self.highest = self.highest.max(probe.highest);
        match probe.first_tenant_table {
            Some(table) => Err(Refusal::ViewOverTenantTable(&table).error()),
            None => Ok(()),
        }
    }

    // ----- CTEs --------------------------------------------------------------------------

    /// Walks `stmt` by `body` with the CTEs of its WITH clause visible, and hides them again.
    fn with_ctes<S>(
        &mut self,
        stmt: &mut S,
        with_clause: fn(&mut S) -> Option<&mut pb::WithClause>,
        body: fn(&mut Self, &mut S) -> Res,
    ) -> Res {
        let pushed = self.enter_with(with_clause(stmt))?;
        let result = body(self, stmt);
        if pushed {
            self.ctes.pop();
        }
        result
    }

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

    // ----- SELECT --------------------------------------------------------------------------

    fn select(&mut self, s: &mut pb::SelectStmt) -> Res {
        self.with_ctes(s, |s| s.with_clause.as_mut(), Self::select_body)
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

    // ----- INSERT --------------------------------------------------------------------------

    fn insert(&mut self, ins: &mut pb::InsertStmt) -> Res {
        self.with_ctes(ins, |ins| ins.with_clause.as_mut(), Self::insert_body)
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
                let pred = self.tenant_predicate(&TenantRef::of(&rv, column.clone()))?;
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

    // ----- UPDATE / DELETE --------------------------------------------------------------

    fn update(&mut self, u: &mut pb::UpdateStmt) -> Res {
        self.with_ctes(u, |u| u.with_clause.as_mut(), Self::update_body)
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
        self.with_ctes(d, |d| d.with_clause.as_mut(), Self::delete_body)
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

    /// The tenant table an UPDATE or DELETE (`what`) writes, with its name for messages.
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
            return Err(Refusal::CurrentOf {
                statement: what,
                table: &display,
            }
            .error());
        }
        Ok(Some((TenantRef::of(rv, column), display)))
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
}

/// Whether a SET list assigns `column`.
fn assigns(targets: &[Node], column: &str) -> bool {
    targets
        .iter()
        .any(|t| matches!(t.node.as_ref(), Some(NodeEnum::ResTarget(rt)) if rt.name == column))
}
