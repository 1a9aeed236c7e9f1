//! The walk over expressions: every expression node the scoper knows, the subqueries inside
//! them, the highest placeholder, and the functions a scoped statement may not call.

use super::parser::{NodeEnum, protobuf as pb};
use super::policy::{self, unknown};
use super::{Res, Rewriter};
use pb::Node;

/// The system columns every table has.
const SYSTEM_COLUMNS: &[&str] = &["ctid", "xmin", "xmax", "cmin", "cmax", "tableoid"];

impl Rewriter<'_> {
    pub(super) fn exprs(&mut self, list: &mut [Node]) -> Res {
        list.iter_mut().try_for_each(|n| self.expr(n))
    }

    pub(super) fn opt_expr(&mut self, e: &mut Option<Box<Node>>) -> Res {
        match e.as_deref_mut() {
            Some(n) => self.expr(n),
            None => Ok(()),
        }
    }

    pub(super) fn expr(&mut self, n: &mut Node) -> Res {
        let Some(inner) = n.node.as_mut() else {
            return Ok(());
        };
        match inner {
            NodeEnum::ColumnRef(c) => {
                self.note_system_column(c);
                Ok(())
            }
            NodeEnum::AConst(_)
            | NodeEnum::AStar(_)
            | NodeEnum::SqlvalueFunction(_)
            | NodeEnum::SetToDefault(_)
            | NodeEnum::Integer(_)
            | NodeEnum::Float(_)
            | NodeEnum::Boolean(_)
            | NodeEnum::String(_)
            | NodeEnum::BitString(_) => Ok(()),
            NodeEnum::ParamRef(p) => {
                policy::admit_placeholder(p.number)?;
                self.highest = self.highest.max(p.number);
                Ok(())
            }
            NodeEnum::AExpr(a) => {
                self.opt_expr(&mut a.lexpr)?;
                self.opt_expr(&mut a.rexpr)
            }
            NodeEnum::BoolExpr(b) => self.exprs(&mut b.args),
            NodeEnum::FuncCall(f) => {
                policy::admit_function(self.schema, &self.mode, &f.funcname)?;
                self.exprs(&mut f.args)?;
                self.exprs(&mut f.agg_order)?;
                self.opt_expr(&mut f.agg_filter)?;
                if let Some(w) = f.over.as_deref_mut() {
                    self.window(w)?;
                }
                Ok(())
            }
            NodeEnum::TypeCast(t) => {
                if let Some(type_name) = t.type_name.as_ref() {
                    policy::admit_type_modifiers(&type_name.typmods)?;
                }
                self.opt_expr(&mut t.arg)
            }
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
            NodeEnum::GroupingSet(g) => {
                use pb::GroupingSetKind as K;
                if matches!(
                    K::try_from(g.kind),
                    Ok(K::GroupingSetRollup | K::GroupingSetCube | K::GroupingSetSets)
                ) {
                    self.grouping_sets = true;
                }
                self.exprs(&mut g.content)
            }
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
    pub(super) fn assignments(&mut self, targets: &mut [Node]) -> Res {
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

    /// Remembers the name qualifying a system column (`x.ctid`, `s.x.xmin`).
    fn note_system_column(&mut self, c: &pb::ColumnRef) {
        if let [.., qualifier, column] = policy::name_parts(&c.fields).as_slice()
            && SYSTEM_COLUMNS.contains(column)
        {
            self.system_qualifiers.push((*qualifier).to_owned());
        }
    }

    fn window(&mut self, w: &mut pb::WindowDef) -> Res {
        self.exprs(&mut w.partition_clause)?;
        self.exprs(&mut w.order_clause)?;
        self.opt_expr(&mut w.start_offset)?;
        self.opt_expr(&mut w.end_offset)
    }
}
