//! The rewrite: walks a parsed statement level by level, adds the tenant predicate for every
//! tenant table in each FROM list, the tenant equality to every join between tenant tables, and
//! fills or checks the tenant column of INSERTs. The walk is written out by hand and refuses any
//! node type it does not know, so nothing it cannot see passes unscoped.
//!
//! The files are layers, each using only the ones above it:
//! - `build`: constructors for the parse-tree nodes the rewrite adds;
//! - `policy`: what is refused (statements, functions, node types) and what the refusal says;
//! - `relation`: what a table name in the statement stands for (tenant table, CTE, other);
//! - `predicate`: the tenant predicates, join equalities and INSERT tenant values;
//! - `statement`, `from`, `expr`: the walk over statements, FROM items and expressions, which
//!   call each other the way the grammar nests.
//!
//! This file holds the entry point and the state the walk carries.

mod build;
mod expr;
mod from;
mod policy;
mod predicate;
mod relation;
mod statement;

use std::sync::Arc;

use super::Rewrite;
use super::parser::{self, protobuf::Node};
use crate::Error;
use policy::Refusal;

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

/// Rewrites `sql` for `mode`.
pub(crate) fn rewrite(schema: &crate::Schema, sql: &str, mode: &Mode) -> Result<Rewrite, Error> {
    let mut tree = parser::parse(sql)?;
    let mut rw = Rewriter::new(schema, mode.clone());
    rw.walk(&mut tree)?;
    // What the first walk found may ask for other forms; the second walk writes them.
    // Grouping sets: filters the planner cannot take for constants (`no_equivalence`). System
    // columns of a table with renamed columns: that table filtered in place, not in a subquery.
    let no_equivalence = rw.grouping_sets && *mode != Mode::Unscoped;
    let renamed_in_place = !rw.renamed_filtered.is_empty() && rw.system_column_of_renamed();
    if no_equivalence || renamed_in_place {
        tree = parser::parse(sql)?;
        rw = Rewriter::new(schema, mode.clone());
        rw.no_equivalence = no_equivalence;
        rw.renamed_in_place = renamed_in_place;
        rw.walk(&mut tree)?;
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
            return Err(Refusal::ReservedText(&sentinel).error());
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

/// What the walk of one statement text has found and added so far.
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
    /// Tables filtered in place so far (numbering their `mt_scope_n` companions).
    filters: usize,
    /// Whether the statement groups by ROLLUP, CUBE or GROUPING SETS.
    grouping_sets: bool,
    /// Write tenant filters as `col = ANY(ARRAY[T])` and join equalities as
    /// `IS NOT DISTINCT FROM`: before PostgreSQL 18 the planner takes a column equated with a
    /// constant for that constant even in the rows where grouping sets make it NULL (ORDER BY,
    /// DISTINCT and the grouped rows then differ from the statement's meaning).
    no_equivalence: bool,
    /// Aliases of tables with renamed columns that were filtered in a subquery.
    renamed_filtered: Vec<String>,
    /// Filter tables with renamed columns in place (their system columns are read).
    renamed_in_place: bool,
    /// Names qualifying a system column (`x.ctid`) somewhere in the statement.
    system_qualifiers: Vec<String>,
}

type Res<T = ()> = Result<T, Error>;

impl<'s> Rewriter<'s> {
    fn new(schema: &'s crate::Schema, mode: Mode) -> Self {
        Rewriter {
            schema,
            mode,
            highest: 0,
            inserted: 0,
            first_tenant_table: None,
            changed: false,
            ctes: Vec::new(),
            literal: None,
            filters: 0,
            grouping_sets: false,
            no_equivalence: false,
            renamed_filtered: Vec::new(),
            renamed_in_place: false,
            system_qualifiers: Vec::new(),
        }
    }

    fn walk(&mut self, tree: &mut parser::protobuf::ParseResult) -> Res {
        for raw in &mut tree.stmts {
            if let Some(stmt) = raw.stmt.as_deref_mut() {
                self.statement(stmt)?;
            }
        }
        Ok(())
    }

    /// Whether the statement reads a system column of a table with renamed columns that was
    /// filtered in a subquery (which has none).
    fn system_column_of_renamed(&self) -> bool {
        self.renamed_filtered
            .iter()
            .any(|a| self.system_qualifiers.contains(a))
    }
}
