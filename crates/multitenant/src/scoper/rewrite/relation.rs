//! What a table name in the statement stands for: a tenant table (and under which name the
//! query level refers to it), a CTE of an enclosing WITH, or anything else.

use super::parser::protobuf as pb;
use super::policy::Refusal;
use super::{Mode, Res, Rewriter};
use crate::schema::TableKind;

/// A tenant table as seen from the query level that holds it: the name that refers to it
/// there, and its tenant column.
#[derive(Clone, Debug)]
pub(super) struct TenantRef {
    pub(super) alias: String,
    pub(super) column: String,
}

impl TenantRef {
    /// The tenant table `rv`, referred to by its alias or else its name.
    pub(super) fn of(rv: &pb::RangeVar, column: String) -> Self {
        TenantRef {
            alias: rv
                .alias
                .as_ref()
                .map_or_else(|| rv.relname.clone(), |a| a.aliasname.clone()),
            column,
        }
    }
}

/// What a table name stands for, as far as scoping goes.
pub(super) enum Relation {
    /// A tenant table: its tenant column, and its name as written (for messages).
    Tenant {
        column: String,
        display: String,
    },
    Other,
}

impl Rewriter<'_> {
    fn is_cte(&self, name: &str) -> bool {
        self.ctes.iter().any(|f| f.iter().any(|n| n == name))
    }

    /// Classifies a table read in a FROM list, where an unqualified CTE name shadows tables.
    pub(super) fn classify(&mut self, rv: &pb::RangeVar) -> Res<Relation> {
        if rv.schemaname.is_empty() && self.is_cte(&rv.relname) {
            return Ok(Relation::Other);
        }
        self.classify_table(rv)
    }

    /// Classifies a table named as a table (the target of INSERT/UPDATE/DELETE, which is never
    /// a CTE, whatever the WITH clause names).
    pub(super) fn classify_table(&mut self, rv: &pb::RangeVar) -> Res<Relation> {
        let schema = (!rv.schemaname.is_empty()).then_some(rv.schemaname.as_str());
        Ok(match self.schema.table_kind(schema, &rv.relname) {
            Some(TableKind::Restricted) if self.mode != Mode::Unscoped => {
                return Err(Refusal::RestrictedView(&rv.relname).error());
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
}
