//! Generated queries: select lists, WHERE, GROUP BY and HAVING, grouping sets, window functions,
//! DISTINCT and DISTINCT ON, ORDER BY with LIMIT, set operations and WITH (plain, recursive and
//! data-modifying CTEs).

use crate::model::{Gen, Item, Ty};

/// The comparison a query's rows need: in order only when ORDER BY covers every output column.
pub(crate) type Ordered = bool;

impl Gen {
    /// One query level returning `types`: `(text, output types, ordered)`. With `top`, it may
    /// end in ORDER BY over every column and LIMIT.
    pub(crate) fn select_core(&mut self, types: &[Ty], top: bool) -> (String, Vec<Ty>, Ordered) {
        self.enter();
        let n_from = 1 + usize::from(self.depth == 1 && self.rng.chance(40));
        let from = self.items_clause(n_from);
        let shape = self.rng.below(20);
        let (text, ordered) = match shape {
            0..=2 => self.grouped(types, &from),
            3 => self.grouping_sets(types, &from),
            4 | 5 => self.windowed(types, &from),
            6 => self.distinct_on(types, &from),
            _ => {
                let distinct = if self.rng.chance(15) { "DISTINCT " } else { "" };
                let list = self.select_list(types);
                let filter = self.where_clause();
                let mut text = format!("SELECT {distinct}{list} FROM {from}{filter}");
                let ordered = top && self.rng.chance(30);
                if ordered {
                    text.push_str(&self.order_all(types.len(), true));
                }
                (text, ordered)
            }
        };
        self.leave();
        (text, types.to_vec(), ordered)
    }

    fn select_list(&mut self, types: &[Ty]) -> String {
        types
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let e = self.expr(*t, 2, false);
                if self.rng.chance(30) {
                    format!("{e} AS o{i}")
                } else {
                    e
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn where_clause(&mut self) -> String {
        if self.rng.chance(75) {
            format!(" WHERE {}", self.condition(2, false))
        } else {
            String::new()
        }
    }

    /// ` ORDER BY 1, 2, ... [LIMIT k]`: a total order of the output.
    fn order_all(&mut self, n: usize, limit: bool) -> String {
        let keys: Vec<String> = (1..=n)
            .map(|i| {
                let dir = *self
                    .rng
                    .pick(&["", " DESC", " NULLS FIRST", " DESC NULLS LAST"]);
                format!("{i}{dir}")
            })
            .collect();
        let mut text = format!(" ORDER BY {}", keys.join(", "));
        if limit && self.rng.chance(50) {
            text.push_str(&format!(" LIMIT {}", 1 + self.rng.below(4)));
            if self.rng.chance(30) {
                text.push_str(" OFFSET 1");
            }
        }
        text
    }

    /// An aggregate of type `ty` over the current level.
    fn aggregate(&mut self, ty: Ty) -> String {
        match ty {
            Ty::Int => match self.rng.below(4) {
                0 => "count(*)".to_owned(),
                1 => format!("count(DISTINCT {})", self.expr(Ty::Int, 0, true)),
                2 => format!("coalesce(sum({}), 0)", self.expr(Ty::Int, 1, true)),
                _ => format!("max({})", self.expr(Ty::Int, 1, true)),
            },
            Ty::Text => {
                let e = self.expr(Ty::Text, 0, true);
                if self.rng.chance(50) {
                    format!("string_agg({e}, ',' ORDER BY {e})")
                } else {
                    format!("min({e})")
                }
            }
            Ty::Bool => format!("bool_or({})", self.condition(0, true)),
        }
    }

    /// GROUP BY over column keys, the list made of keys and aggregates, HAVING at times.
    fn grouped(&mut self, types: &[Ty], from: &str) -> (String, Ordered) {
        let filter = self.where_clause();
        let mut keys = Vec::new();
        let list: Vec<String> = types
            .iter()
            .map(|t| match self.column(*t, false) {
                Some(c) if *t != Ty::Bool && self.rng.chance(50) => {
                    keys.push(c.clone());
                    c
                }
                _ => self.aggregate(*t),
            })
            .collect();
        let group = if keys.is_empty() {
            String::new()
        } else {
            format!(" GROUP BY {}", keys.join(", "))
        };
        let having = if self.rng.chance(40) {
            let agg = self.aggregate(Ty::Int);
            format!(" HAVING {agg} > {}", self.rng.below(2))
        } else {
            String::new()
        };
        (
            format!(
                "SELECT {} FROM {from}{filter}{group}{having}",
                list.join(", ")
            ),
            false,
        )
    }

    /// ROLLUP, CUBE or GROUPING SETS over one or two column keys.
    fn grouping_sets(&mut self, types: &[Ty], from: &str) -> (String, Ordered) {
        let mut keys: Vec<String> = Vec::new();
        for _ in 0..2 {
            let ty = *self.rng.pick(&[Ty::Int, Ty::Int, Ty::Text]);
            if let Some(c) = self.column(ty, false)
                && !keys.contains(&c)
            {
                keys.push(c);
            }
        }
        if keys.is_empty() {
            return self.grouped(types, from);
        }
        let filter = self.where_clause();
        let sets = match self.rng.below(3) {
            0 => format!("ROLLUP ({})", keys.join(", ")),
            1 => format!("CUBE ({})", keys.join(", ")),
            _ => {
                let sets: Vec<String> = keys.iter().map(|k| format!("({k})")).collect();
                format!("GROUPING SETS ({}, ())", sets.join(", "))
            }
        };
        let mut list = keys.clone();
        list.push(format!("grouping({})", keys.join(", ")));
        for t in types {
            list.push(self.aggregate(*t));
        }
        let mut text = format!(
            "SELECT {} FROM {from}{filter} GROUP BY {sets}",
            list.join(", ")
        );
        let ordered = self.rng.chance(50);
        if ordered {
            text.push_str(&self.order_all(list.len(), false));
        }
        (text, ordered)
    }

    /// Window functions whose values do not depend on the order of peers.
    fn windowed(&mut self, types: &[Ty], from: &str) -> (String, Ordered) {
        let filter = self.where_clause();
        let list: Vec<String> = types
            .iter()
            .map(|t| {
                if *t != Ty::Int || self.rng.chance(40) {
                    return self.expr(*t, 1, true);
                }
                // Both generated, both used: a parameter in a dropped text would go unbound.
                let part = self.expr(Ty::Int, 0, true);
                let ord = self.expr(Ty::Int, 0, true);
                match self.rng.below(4) {
                    0 => format!("rank() OVER (PARTITION BY {part} ORDER BY {ord})"),
                    1 => format!("dense_rank() OVER (PARTITION BY {part} ORDER BY {ord})"),
                    2 => format!("count({ord}) OVER (PARTITION BY {part})"),
                    _ => format!("sum({ord}) OVER (ORDER BY {part})"),
                }
            })
            .collect();
        (
            format!("SELECT {} FROM {from}{filter}", list.join(", ")),
            false,
        )
    }

    /// DISTINCT ON the first column, ordered by every column, so the row kept is determined.
    fn distinct_on(&mut self, types: &[Ty], from: &str) -> (String, Ordered) {
        let filter = self.where_clause();
        let list: Vec<String> = types.iter().map(|t| self.expr(*t, 1, true)).collect();
        let order = self.order_all(types.len(), false).replace(" DESC", "");
        (
            format!(
                "SELECT DISTINCT ON ({}) {} FROM {from}{filter}{order}",
                list[0],
                list.join(", ")
            ),
            true,
        )
    }

    /// A whole query: WITH at times, then a query level or a set operation.
    pub(crate) fn query(&mut self) -> (String, Ordered) {
        let with = if self.rng.chance(25) {
            self.with_clause()
        } else {
            String::new()
        };
        let types = {
            let n = 1 + self.rng.below(3);
            self.types(n)
        };
        let (body, ordered) = if self.rng.chance(15) {
            let op = *self.rng.pick(&[
                "UNION",
                "UNION ALL",
                "INTERSECT",
                "EXCEPT",
                "EXCEPT ALL",
                "INTERSECT ALL",
            ]);
            let (l, _, _) = self.select_core(&types, false);
            let (r, _, _) = self.select_core(&types, false);
            let ordered = self.rng.chance(30);
            let order = if ordered {
                self.order_all(types.len(), true)
            } else {
                String::new()
            };
            (format!("({l}) {op} ({r}){order}"), ordered)
        } else {
            let (text, _, ordered) = self.select_core(&types, true);
            (text, ordered)
        };
        self.ctes.clear();
        (format!("{with}{body}"), ordered)
    }

    /// `WITH [RECURSIVE] ...`: plain, recursive or data-modifying CTEs, visible to the query.
    fn with_clause(&mut self) -> String {
        let mut defs = Vec::new();
        let recursive = self.rng.chance(30);
        if recursive {
            let name = self.alias("rec");
            let text = if self.rng.chance(50) {
                format!(
                    "{name}(id, parent_id, depth) AS (SELECT id, parent_id, 1 FROM tasks \
                     WHERE parent_id IS NULL UNION ALL SELECT x.id, x.parent_id, {name}.depth + 1 \
                     FROM tasks x JOIN {name} ON x.parent_id = {name}.id WHERE {name}.depth < 4)"
                )
            } else {
                format!(
                    "{name}(id, n) AS (SELECT id, 1 FROM managers UNION ALL SELECT {name}.id, {name}.n + 1 \
                     FROM {name} WHERE {name}.n < 3 AND EXISTS (SELECT 1 FROM projects p WHERE p.manager_id = {name}.id))"
                )
            };
            let cols = if text.contains("depth") {
                vec![("id", Ty::Int), ("parent_id", Ty::Int), ("depth", Ty::Int)]
            } else {
                vec![("id", Ty::Int), ("n", Ty::Int)]
            };
            defs.push(text);
            self.ctes.push(Item::derived(
                name,
                cols.into_iter()
                    .map(|(n, ty)| crate::model::Col {
                        name: n.to_owned(),
                        ty,
                    })
                    .collect(),
            ));
        }
        for _ in 0..1 + self.rng.below(2) {
            let name = self.alias("w");
            let (body, cols) = if self.rng.chance(25) {
                self.modifying_cte()
            } else {
                let types = {
                    let n = 1 + self.rng.below(2);
                    self.types(n)
                };
                let (body, _, _) = self.select_core(&types, false);
                (body, self.out_names(&types))
            };
            let names: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
            let mat = *self
                .rng
                .pick(&["", "", "MATERIALIZED ", "NOT MATERIALIZED "]);
            let mat = if body.starts_with("SELECT") { mat } else { "" };
            defs.push(format!("{name}({}) AS {mat}({body})", names.join(", ")));
            self.ctes.push(Item::derived(name, cols));
        }
        let rec = if recursive { "RECURSIVE " } else { "" };
        format!("WITH {rec}{} ", defs.join(", "))
    }
}
