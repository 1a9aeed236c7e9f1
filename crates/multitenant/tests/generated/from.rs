//! Generated FROM lists: tables under every kind of name (bare, schema-qualified, quoted,
//! aliased, with renamed columns, sampled), derived tables, VALUES, set-returning functions,
//! LATERAL, CTE references, and joins of every type with ON, USING and NATURAL, nested.

use crate::model::{Col, Gen, Item, READ_TABLES, Table, Ty};

/// A FROM item's text, the items it makes visible, and its output columns as unqualified names
/// (a USING or NATURAL join shows each merged column once).
struct Part {
    text: String,
    items: Vec<Item>,
    names: Vec<Col>,
}

impl Gen {
    /// `n` comma-separated FROM items; their items join the current level.
    pub(crate) fn items_clause(&mut self, n: usize) -> String {
        let mut texts = Vec::new();
        for i in 0..n {
            // Joins mostly alone: every table multiplies the rows of the unscoped run.
            let join_chance = if n == 1 { 30 } else { 10 };
            let part = if self.rng.chance(join_chance) && self.depth < 2 {
                self.join(2)
            } else {
                {
                    let lateral = i > 0 && self.rng.chance(20);
                    self.single(lateral)
                }
            };
            texts.push(part.text);
            self.level().extend(part.items);
        }
        texts.join(", ")
    }

    /// Whether `refname` is taken at the current level.
    fn taken(&self, refname: &str, pending: &[Item]) -> bool {
        self.levels
            .last()
            .is_some_and(|l| l.iter().any(|i| i.refname == refname))
            || pending.iter().any(|i| i.refname == refname)
    }

    /// One FROM item that is not a join; `lateral` lets a derived table see the items before it.
    fn single(&mut self, lateral: bool) -> Part {
        self.single_among(lateral, &[])
    }

    fn single_among(&mut self, lateral: bool, pending: &[Item]) -> Part {
        let roll = self.rng.below(20);
        match roll {
            0 | 1 if self.depth < 2 => self.derived(lateral),
            2 => self.values_item(),
            3 => self.function_item(lateral),
            4 if !self.ctes.is_empty() => {
                let cte = self.rng.pick(&self.ctes).clone();
                let mut item = cte.clone();
                let text = if self.taken(&cte.refname, pending) || self.rng.chance(40) {
                    item.refname = self.alias("c");
                    format!("{} AS {}", cte.refname, item.refname)
                } else {
                    cte.refname.clone()
                };
                Part {
                    text,
                    names: item.cols.clone(),
                    items: vec![item],
                }
            }
            _ => {
                let t = *self.rng.pick(READ_TABLES);
                self.table_item(t, pending)
            }
        }
    }

    fn table_item(&mut self, t: &'static Table, pending: &[Item]) -> Part {
        let bare_ok = !self.taken(t.name, pending);
        let form = self.rng.below(12);
        let (text, item) = match form {
            0 | 1 if bare_ok => (t.name.to_owned(), Item::of_table(t, None, &[])),
            2 if bare_ok => (format!("{{S}}.{}", t.name), Item::of_table(t, None, &[])),
            3 => {
                let a = self.alias("q");
                (
                    format!("\"{}\" AS \"{a}\"", t.name),
                    Item::of_table(t, Some(a), &[]),
                )
            }
            4 => {
                let a = self.alias("r");
                let renamed: Vec<String> =
                    if t.cols.len() > 1 && t.cols[0].1 == t.cols[1].1 && self.rng.chance(60) {
                        vec![t.cols[1].0.to_owned(), t.cols[0].0.to_owned()]
                    } else {
                        vec![format!("{a}_x")]
                    };
                (
                    format!("{} AS {a}({})", t.name, renamed.join(", ")),
                    Item::of_table(t, Some(a), &renamed),
                )
            }
            5 => {
                let a = self.alias("s");
                let method = self.rng.pick(&["BERNOULLI", "SYSTEM"]);
                (
                    format!("{{S}}.{} {a} TABLESAMPLE {method} (100)", t.name),
                    Item::of_table(t, Some(a), &[]),
                )
            }
            6 => {
                let a = self.alias("o");
                (
                    format!("ONLY {} {a}", t.name),
                    Item::of_table(t, Some(a), &[]),
                )
            }
            _ => {
                let a = self.alias("t");
                (format!("{} {a}", t.name), Item::of_table(t, Some(a), &[]))
            }
        };
        Part {
            text,
            names: item.cols.clone(),
            items: vec![item],
        }
    }

    /// Distinct output column names for `types`.
    pub(crate) fn out_names(&mut self, types: &[Ty]) -> Vec<Col> {
        let mut used: Vec<String> = Vec::new();
        types
            .iter()
            .map(|ty| {
                let pool: &[&str] = match ty {
                    Ty::Int => &["id", "account_id", "project_id", "n"],
                    Ty::Text => &["name", "label"],
                    Ty::Bool => &["done", "flag"],
                };
                let mut name = (*self.rng.pick(pool)).to_owned();
                if used.contains(&name) {
                    name = self.alias("k");
                }
                used.push(name.clone());
                Col { name, ty: *ty }
            })
            .collect()
    }

    /// `[LATERAL] (SELECT ...) AS d(cols)`.
    fn derived(&mut self, lateral: bool) -> Part {
        let types = {
            let n = 1 + self.rng.below(3);
            self.types(n)
        };
        // Without LATERAL the items before it are out of sight.
        let hidden = (!lateral).then(|| std::mem::take(self.level()));
        let (body, _, _) = self.select_core(&types, false);
        if let Some(items) = hidden {
            *self.level() = items;
        }
        let a = self.alias("d");
        let cols = self.out_names(&types);
        let names: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
        let lateral = if lateral { "LATERAL " } else { "" };
        Part {
            text: format!("{lateral}({body}) AS {a}({})", names.join(", ")),
            names: cols.clone(),
            items: vec![Item::derived(a, cols)],
        }
    }

    fn values_item(&mut self) -> Part {
        let a = self.alias("v");
        let rows: Vec<String> = (0..1 + self.rng.below(3))
            .map(|_| {
                let n = self.rng.below(5);
                let w = self.rng.pick(crate::model::WORDS);
                format!("({n}, '{w}')")
            })
            .collect();
        let cols = self.out_names(&[Ty::Int, Ty::Text]);
        Part {
            text: format!(
                "(VALUES {}) AS {a}({}, {})",
                rows.join(", "),
                cols[0].name,
                cols[1].name
            ),
            names: cols.clone(),
            items: vec![Item::derived(a, cols)],
        }
    }

    fn function_item(&mut self, lateral: bool) -> Part {
        let a = self.alias("f");
        let cols = self.out_names(&[Ty::Int]);
        let upper = if lateral {
            let e = self.expr(Ty::Int, 0, true);
            format!("least({e}, 4)")
        } else {
            (1 + self.rng.below(3)).to_string()
        };
        let call = if self.rng.chance(50) {
            format!("generate_series(1, {upper})")
        } else {
            format!("unnest(ARRAY[1, {upper}])")
        };
        let lateral = if lateral { "LATERAL " } else { "" };
        Part {
            text: format!("{lateral}{call} AS {a}({})", cols[0].name),
            names: cols.clone(),
            items: vec![Item::derived(a, cols)],
        }
    }

    /// `left <kind> JOIN right <condition>`, each side a FROM item or a parenthesised join.
    fn join(&mut self, budget: usize) -> Part {
        let left = if budget > 1 && self.rng.chance(15) {
            self.join(budget - 1)
        } else {
            self.single_among(false, &[])
        };
        let params_before = self.params.len();
        let right = if budget > 1 && self.rng.chance(15) {
            let mut inner = self.join(budget - 1);
            inner.text = format!("({})", inner.text);
            inner
        } else {
            self.single_among(false, &left.items)
        };
        if right
            .items
            .iter()
            .any(|r| self.taken(&r.refname, &left.items))
        {
            // Two items under one name: keep the left one alone (and none of the right's
            // parameters).
            self.params.truncate(params_before);
            return left;
        }
        let kind = *self.rng.pick(&[
            "JOIN",
            "INNER JOIN",
            "LEFT JOIN",
            "LEFT OUTER JOIN",
            "RIGHT JOIN",
            "FULL JOIN",
            "FULL OUTER JOIN",
            "CROSS JOIN",
        ]);
        let common: Vec<Col> = left
            .names
            .iter()
            .filter(|c| {
                left.names.iter().filter(|x| x.name == c.name).count() == 1
                    && right
                        .names
                        .iter()
                        .filter(|x| x.name == c.name && x.ty == c.ty)
                        .count()
                        == 1
                    && right.names.iter().filter(|x| x.name == c.name).count() == 1
            })
            .cloned()
            .collect();
        let natural_ok = left
            .names
            .iter()
            .all(|c| right.names.iter().all(|r| r.name != c.name || r.ty == c.ty))
            && common.len()
                == left
                    .names
                    .iter()
                    .filter(|c| right.names.iter().any(|r| r.name == c.name))
                    .count();
        let mut items = left.items;
        items.extend(right.items);
        let how = self.rng.below(10);
        let (text, merged): (String, Vec<Col>) = if kind == "CROSS JOIN" {
            (
                format!("{} CROSS JOIN {}", left.text, right.text),
                Vec::new(),
            )
        } else if how < 2 && !common.is_empty() {
            let k = 1 + self.rng.below(common.len().min(2));
            let using: Vec<Col> = common[..k].to_vec();
            let names: Vec<&str> = using.iter().map(|c| c.name.as_str()).collect();
            (
                format!(
                    "{} {kind} {} USING ({})",
                    left.text,
                    right.text,
                    names.join(", ")
                ),
                using,
            )
        } else if how == 2 && natural_ok {
            (
                format!("{} NATURAL {kind} {}", left.text, right.text),
                common,
            )
        } else {
            // The ON clause sees the two sides only (and the enclosing levels).
            let siblings = std::mem::replace(self.level(), items.clone());
            let on = self.condition(2, false);
            *self.level() = siblings;
            (
                format!("{} {kind} {} ON {on}", left.text, right.text),
                Vec::new(),
            )
        };
        let mut names = left.names;
        names.extend(
            right
                .names
                .into_iter()
                .filter(|c| !merged.iter().any(|m| m.name == c.name)),
        );
        if self.rng.chance(10) {
            // `(join) AS j`: the alias hides the joined items; only its unambiguous columns
            // can be named through it.
            let a = self.alias("j");
            let unique: Vec<Col> = names
                .iter()
                .filter(|c| names.iter().filter(|x| x.name == c.name).count() == 1)
                .cloned()
                .collect();
            return Part {
                text: format!("({text}) AS {a}"),
                items: vec![Item::derived(a, unique.clone())],
                names: unique,
            };
        }
        Part { text, items, names }
    }

    /// `n` random column types.
    pub(crate) fn types(&mut self, n: usize) -> Vec<Ty> {
        (0..n)
            .map(|_| *self.rng.pick(&[Ty::Int, Ty::Int, Ty::Text, Ty::Bool]))
            .collect()
    }
}
