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
        }
    }
}
