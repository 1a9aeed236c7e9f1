//! What the fuzz targets share: the scoper under test, the independent output check (the same
//! module the regression test `crates/multitenant/tests/fuzz_regressions.rs` uses), and the
//! token-level mutation of the seed statements.

#[path = "../../crates/multitenant/tests/verify/mod.rs"]
#[allow(dead_code, unreachable_pub)]
mod verify;

use std::sync::LazyLock;

use arbitrary::Arbitrary;
use multitenant::Scoper;

static SCOPER: LazyLock<Scoper> = LazyLock::new(|| Scoper::new(verify::fuzz_schema()));

/// The seed statements: the rule tests' and the oracle's corpus, one per line.
pub static SEEDS: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| include_str!("../seeds.sql").lines().collect());

/// Scopes `sql` under every kind of scope and panics (a finding for the fuzzer) when the scoper
/// panics or when any output fails the check.
pub fn exercise(sql: &str) {
    let findings = verify::exercise(&SCOPER, sql);
    assert!(findings.is_empty(), "{}", findings.join("\n"));
}

/// Tokens the mutator inserts: keywords, names of the schema, operators, parameters.
const VOCABULARY: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "AND",
    "OR",
    "NOT",
    "JOIN",
    "LEFT",
    "RIGHT",
    "FULL",
    "CROSS",
    "NATURAL",
    "INNER",
    "OUTER",
    "ON",
    "USING",
    "LATERAL",
    "UNION",
    "INTERSECT",
    "EXCEPT",
    "ALL",
    "DISTINCT",
    "WITH",
    "RECURSIVE",
    "AS",
    "INSERT",
    "INTO",
    "VALUES",
    "DEFAULT",
    "UPDATE",
    "SET",
    "DELETE",
    "RETURNING",
    "ON CONFLICT",
    "DO",
    "NOTHING",
    "GROUP BY",
    "HAVING",
    "ORDER BY",
    "LIMIT",
    "OFFSET",
    "EXISTS",
    "IN",
    "ANY",
    "IS NULL",
    "ONLY",
    "GROUPING SETS",
    "ROLLUP",
    "CUBE",
    "OVER",
    "PARTITION BY",
    "FOR UPDATE",
    "(",
    ")",
    ",",
    ".",
    "*",
    "=",
    "<>",
    "+",
    ";",
    "tasks",
    "projects",
    "managers",
    "project_managers",
    "visits",
    "notes",
    "accounts",
    "countries",
    "t",
    "public",
    "public.tasks",
    "\"tasks\"",
    "account_id",
    "org_id",
    "org",
    "id",
    "project_id",
    "name",
    "ctid",
    "xmin",
    "tableoid",
    "$1",
    "$2",
    "$3",
    "1",
    "'x'",
    "NULL",
    "generate_series(1, 3)",
    "unnest(ARRAY[1, 2])",
    "(SELECT 1)",
    "x",
    "y",
];

/// One edit of a seed statement's token list.
#[derive(Arbitrary, Debug)]
pub enum Edit {
    /// Inserts a vocabulary token before a position.
    Insert { at: u16, token: u8 },
    /// Replaces the token at a position with a vocabulary token.
    Replace { at: u16, token: u8 },
    /// Removes the token at a position.
    Delete { at: u16 },
    /// Copies a run of tokens to another position.
    Copy { from: u16, len: u8, to: u16 },
    /// Splices a run of tokens of another seed in.
    Splice {
        seed: u16,
        from: u16,
        len: u8,
        to: u16,
    },
}

/// A seed statement and the edits to apply to it.
#[derive(Arbitrary, Debug)]
pub struct Mutation {
    /// Which seed (modulo their number).
    pub seed: u16,
    /// The edits, in order.
    pub edits: Vec<Edit>,
}

/// The tokens of a statement as PostgreSQL's scanner splits it (comments dropped).
fn tokens(sql: &str) -> Vec<String> {
    match pg_query::scan(sql) {
        Ok(scan) => scan
            .tokens
            .iter()
            .filter_map(|t| sql.get(t.start as usize..t.end as usize))
            .map(str::to_owned)
            .collect(),
        Err(_) => sql.split_whitespace().map(str::to_owned).collect(),
    }
}

impl Mutation {
    /// The mutated statement's text.
    pub fn apply(&self) -> String {
        let seeds = &*SEEDS;
        let pick = |n: u16| seeds[usize::from(n) % seeds.len()];
        let mut toks = tokens(pick(self.seed));
        let word = |n: u8| VOCABULARY[usize::from(n) % VOCABULARY.len()].to_owned();
        for edit in self.edits.iter().take(8) {
            let at = |n: u16, extra: usize| usize::from(n) % (toks.len() + extra).max(1);
            match *edit {
                Edit::Insert { at: a, token } => {
                    let i = at(a, 1);
                    toks.insert(i, word(token));
                }
                Edit::Replace { at: a, token } if !toks.is_empty() => {
                    let i = at(a, 0);
                    toks[i] = word(token);
                }
                Edit::Delete { at: a } if !toks.is_empty() => {
                    let i = at(a, 0);
                    toks.remove(i);
                }
                Edit::Copy { from, len, to } if !toks.is_empty() => {
                    let start = at(from, 0);
                    let end = (start + usize::from(len % 16) + 1).min(toks.len());
                    let run: Vec<String> = toks[start..end].to_vec();
                    let i = at(to, 1);
                    toks.splice(i..i, run);
                }
                Edit::Splice {
                    seed,
                    from,
                    len,
                    to,
                } => {
                    let other = tokens(pick(seed));
                    if !other.is_empty() {
                        let start = usize::from(from) % other.len();
                        let end = (start + usize::from(len % 24) + 1).min(other.len());
                        let i = at(to, 1);
                        toks.splice(i..i, other[start..end].iter().cloned());
                    }
                }
                _ => {}
            }
        }
        toks.join(" ")
    }
}
