//! Generated expressions: typed, over the columns visible at the current query level and the
//! levels around it, with correlated subqueries, system columns and bind parameters.

use crate::db::P;
use crate::model::{Gen, Ty, WORDS};

impl Gen {
    /// An expression of type `ty`; `budget` bounds its nesting, `simple` keeps subqueries out.
    pub(crate) fn expr(&mut self, ty: Ty, budget: usize, simple: bool) -> String {
        let deeper = budget > 0;
        let sub = deeper && !simple && self.depth < 2;
        match ty {
            Ty::Int => match self.rng.below(12) {
                0 => self.rng.below(6).to_string(),
                1 => {
                    let v = self.rng.below(6) as i64;
                    self.param(P::I(v))
                }
                2 if deeper => format!(
                    "({} + {})",
                    self.expr(Ty::Int, budget - 1, simple),
                    self.rng.below(3)
                ),
                3 if deeper => format!("coalesce({}, 0)", self.expr(Ty::Int, budget - 1, simple)),
                4 if deeper => format!("length({})", self.expr(Ty::Text, budget - 1, simple)),
                5 if sub => {
                    let agg = self
                        .rng
                        .pick(&["count(*)", "max", "min", "sum"])
                        .to_string();
                    self.scalar_subquery(Ty::Int, &agg)
                }
                _ => self.column(Ty::Int, true).unwrap_or_else(|| "1".to_owned()),
            },
            Ty::Text => match self.rng.below(10) {
                0 => format!("'{}'", self.rng.pick(WORDS)),
                1 => {
                    let w = *self.rng.pick(WORDS);
                    self.param(P::T(w))
                }
                2 if deeper => format!("lower({})", self.expr(Ty::Text, budget - 1, simple)),
                3 if deeper => format!("({} || 'z')", self.expr(Ty::Text, budget - 1, simple)),
                4 if sub => {
                    let agg = self.rng.pick(&["max", "min"]).to_string();
                    self.scalar_subquery(Ty::Text, &agg)
                }
                _ => self
                    .column(Ty::Text, true)
                    .unwrap_or_else(|| "'none'".to_owned()),
            },
            Ty::Bool => self.condition(budget, simple),
        }
    }

    /// A condition; `simple` keeps subqueries out.
    pub(crate) fn condition(&mut self, budget: usize, simple: bool) -> String {
        let deeper = budget > 0;
        let sub = deeper && !simple && self.depth < 2;
        let b = budget.saturating_sub(1);
        match self.rng.below(16) {
            0 | 1 => {
                let ty = *self.rng.pick(&[Ty::Int, Ty::Int, Ty::Text]);
                let op = *self.rng.pick(&["=", "<>", "<", ">=", "="]);
                format!(
                    "{} {op} {}",
                    self.expr(ty, b, simple),
                    self.expr(ty, b, simple)
                )
            }
            2 => {
                let ty = *self.rng.pick(&[Ty::Int, Ty::Text]);
                let not = if self.rng.chance(50) { " NOT" } else { "" };
                format!("{} IS{not} NULL", self.expr(ty, b, simple))
            }
            3 if deeper => format!(
                "({} AND {})",
                self.condition(b, simple),
                self.condition(b, simple)
            ),
            4 if deeper => format!(
                "({} OR {})",
                self.condition(b, simple),
                self.condition(b, simple)
            ),
            5 if deeper => format!("NOT ({})", self.condition(b, simple)),
            6 | 7 if sub => {
                let ty = *self.rng.pick(&[Ty::Int, Ty::Int, Ty::Text]);
                let lhs = self.expr(ty, 0, true);
                let not = if self.rng.chance(40) { " NOT" } else { "" };
                let q = self.subquery(&[ty]);
                format!("{lhs}{not} IN ({q})")
            }
            8 if sub => {
                let not = if self.rng.chance(30) { "NOT " } else { "" };
                let q = self.subquery(&[Ty::Int]);
                format!("{not}EXISTS ({q})")
            }
            9 => self.system_column().unwrap_or_else(|| "true".to_owned()),
            10 => {
                let e = self.expr(Ty::Int, 0, true);
                format!("{e} IN (1, 2, {})", self.rng.below(6))
            }
            11 => {
                let e = self.expr(Ty::Int, 0, true);
                let p = self.param(P::Ints(&[1, 2]));
                format!("{e} = ANY ({p})")
            }
            12 => self.column(Ty::Bool, true).unwrap_or_else(|| {
                if self.rng.chance(50) {
                    "true".to_owned()
                } else {
                    "false".to_owned()
                }
            }),
            13 => {
                let e = self.expr(Ty::Int, 0, true);
                format!("{e} BETWEEN 1 AND {}", 1 + self.rng.below(5))
            }
            _ => {
                let e = self.expr(Ty::Int, b, simple);
                format!("{e} > {}", self.rng.below(4))
            }
        }
    }

    /// `(SELECT agg(x) FROM ... WHERE ...)`: one value of type `ty`, correlated at times.
    fn scalar_subquery(&mut self, ty: Ty, agg: &str) -> String {
        self.enter();
        let from = {
            let n = 1 + usize::from(self.rng.chance(25));
            self.items_clause(n)
        };
        let value = if agg == "count(*)" {
            agg.to_owned()
        } else {
            let arg = self.expr(ty, 1, true);
            format!("{agg}({arg})")
        };
        let filter = self.condition(1, false);
        self.leave();
        format!("(SELECT {value} FROM {from} WHERE {filter})")
    }

    /// A subquery for IN or EXISTS returning columns of `types`, correlated at times.
    pub(crate) fn subquery(&mut self, types: &[Ty]) -> String {
        self.enter();
        let from = {
            let n = 1 + usize::from(self.rng.chance(25));
            self.items_clause(n)
        };
        let list: Vec<String> = types.iter().map(|t| self.expr(*t, 1, true)).collect();
        let filter = self.condition(2, false);
        self.leave();
        format!("SELECT {} FROM {from} WHERE {filter}", list.join(", "))
    }

    /// Opens a nested query level.
    pub(crate) fn enter(&mut self) {
        self.levels.push(Vec::new());
        self.depth += 1;
    }

    /// Closes the innermost query level.
    pub(crate) fn leave(&mut self) {
        self.levels.pop();
        self.depth -= 1;
    }
}
