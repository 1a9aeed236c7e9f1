//! What the statement generator knows: the tables of `oracle/setup.sql` with their columns in
//! table order, a seeded random source, and the names visible at each query level.

use crate::db::P;

/// The type of a generated expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ty {
    Int,
    Text,
    Bool,
}

/// A table of the oracle database: its name, its tenant column (`None`: a reference table) and
/// its columns in table order (those the generator uses; the others have defaults).
pub(crate) struct Table {
    pub(crate) name: &'static str,
    pub(crate) tenant: Option<&'static str>,
    pub(crate) cols: &'static [(&'static str, Ty)],
}

use Ty::{Bool, Int, Text};

pub(crate) const COUNTRIES: Table = Table {
    name: "countries",
    tenant: None,
    cols: &[("code", Text), ("name", Text)],
};
pub(crate) const ACCOUNTS: Table = Table {
    name: "accounts",
    tenant: Some("id"),
    cols: &[
        ("id", Int),
        ("name", Text),
        ("country_code", Text),
        ("plan", Text),
    ],
};
pub(crate) const MANAGERS: Table = Table {
    name: "managers",
    tenant: Some("account_id"),
    cols: &[
        ("account_id", Int),
        ("id", Int),
        ("name", Text),
        ("email", Text),
    ],
};
pub(crate) const PROJECTS: Table = Table {
    name: "projects",
    tenant: Some("account_id"),
    cols: &[
        ("account_id", Int),
        ("id", Int),
        ("name", Text),
        ("manager_id", Int),
        ("country_code", Text),
    ],
};
pub(crate) const PROJECT_MANAGERS: Table = Table {
    name: "project_managers",
    tenant: Some("account_id"),
    cols: &[
        ("account_id", Int),
        ("project_id", Int),
        ("manager_id", Int),
        ("role", Text),
    ],
};
pub(crate) const TASKS: Table = Table {
    name: "tasks",
    tenant: Some("account_id"),
    cols: &[
        ("account_id", Int),
        ("id", Int),
        ("project_id", Int),
        ("parent_id", Int),
        ("name", Text),
        ("done", Bool),
        ("priority", Int),
        ("assignee_id", Int),
    ],
};
pub(crate) const VISITS: Table = Table {
    name: "visits",
    tenant: Some("account_id"),
    cols: &[("account_id", Int), ("id", Int), ("page", Text)],
};

/// Tables to read, the frequent ones repeated.
pub(crate) const READ_TABLES: &[&Table] = &[
    &TASKS,
    &TASKS,
    &TASKS,
    &PROJECTS,
    &PROJECTS,
    &MANAGERS,
    &MANAGERS,
    &PROJECT_MANAGERS,
    &VISITS,
    &ACCOUNTS,
    &COUNTRIES,
];

/// Text values that occur in the data.
pub(crate) const WORDS: &[&str] = &[
    "Ada", "Bob", "Apollo", "Cobalt", "design", "build", "test", "home", "lead", "de", "us", "pro",
];

/// A seeded source of choices (SplitMix64): the same seed gives the same statements.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// True with probability `percent` / 100.
    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A column as a query level sees it.
#[derive(Clone, Debug)]
pub(crate) struct Col {
    pub(crate) name: String,
    pub(crate) ty: Ty,
}

/// A FROM item as a query level sees it: the name that qualifies its columns, and whether a
/// schema-qualified reference (`{S}.table.col`) reaches it.
#[derive(Clone, Debug)]
pub(crate) struct Item {
    pub(crate) refname: String,
    pub(crate) cols: Vec<Col>,
    /// The table's name, when the item is a table read without an alias.
    pub(crate) bare_table: Option<&'static str>,
    /// The table, when the item is one (for system columns).
    pub(crate) table: bool,
}

impl Item {
    pub(crate) fn of_table(t: &Table, alias: Option<String>, renamed: &[String]) -> Self {
        let cols = t
            .cols
            .iter()
            .enumerate()
            .map(|(i, (name, ty))| Col {
                name: renamed
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| (*name).to_owned()),
                ty: *ty,
            })
            .collect();
        Item {
            bare_table: alias.is_none().then_some(t.name),
            refname: alias.unwrap_or_else(|| t.name.to_owned()),
            cols,
            table: true,
        }
    }

    pub(crate) fn derived(refname: String, cols: Vec<Col>) -> Self {
        Item {
            refname,
            cols,
            bare_table: None,
            table: false,
        }
    }
}

/// The statement being generated: its parameters and the query levels around the current point
/// (innermost last), each with the items visible there.
pub(crate) struct Gen {
    pub(crate) rng: Rng,
    pub(crate) params: Vec<P>,
    pub(crate) levels: Vec<Vec<Item>>,
    pub(crate) next_alias: usize,
    /// CTE names and columns visible to FROM lists.
    pub(crate) ctes: Vec<Item>,
    pub(crate) depth: usize,
}

impl Gen {
    pub(crate) fn new(seed: u64) -> Self {
        Gen {
            rng: Rng::new(seed),
            params: Vec::new(),
            levels: vec![Vec::new()],
            next_alias: 0,
            ctes: Vec::new(),
            depth: 0,
        }
    }

    pub(crate) fn alias(&mut self, prefix: &str) -> String {
        self.next_alias += 1;
        format!("{prefix}{}", self.next_alias)
    }

    /// `$n` bound to `p`.
    pub(crate) fn param(&mut self, p: P) -> String {
        self.params.push(p);
        format!("${}", self.params.len())
    }

    pub(crate) fn level(&mut self) -> &mut Vec<Item> {
        self.levels.last_mut().expect("a query level")
    }

    /// Whether `refname` names an item of a level inside `level` (which would capture a
    /// qualified reference meant for `level`).
    fn shadowed(&self, level: usize, refname: &str) -> bool {
        self.levels[level + 1..]
            .iter()
            .any(|items| items.iter().any(|i| i.refname == refname))
    }

    /// A reference to a column of type `ty`, mostly of the current level, sometimes (when
    /// `outer`) of an enclosing one; `None` when no such column is visible.
    pub(crate) fn column(&mut self, ty: Ty, outer: bool) -> Option<String> {
        let top = self.levels.len() - 1;
        let mut choices: Vec<(usize, usize, usize)> = Vec::new();
        for (l, items) in self.levels.iter().enumerate() {
            if l != top && !outer {
                continue;
            }
            for (i, item) in items.iter().enumerate() {
                if l != top && self.shadowed(l, &item.refname) {
                    continue;
                }
                for (c, col) in item.cols.iter().enumerate() {
                    if col.ty == ty {
                        choices.push((l, i, c));
                    }
                }
            }
        }
        if choices.is_empty() {
            return None;
        }
        // Prefer the current level.
        let current: Vec<_> = choices.iter().filter(|c| c.0 == top).copied().collect();
        let reach_out = current.is_empty() || (outer && self.rng.chance(35));
        let (l, i, c) = if reach_out {
            *self.rng.pick(&choices)
        } else {
            *self.rng.pick(&current)
        };
        let item = &self.levels[l][i];
        let col = &item.cols[c].name;
        let unique_here = l == top
            && self.levels[top]
                .iter()
                .flat_map(|it| it.cols.iter())
                .filter(|x| &x.name == col)
                .count()
                == 1;
        let form = self.rng.below(10);
        Some(match (form, item.bare_table) {
            (0 | 1, _) if unique_here => col.clone(),
            (2, Some(table)) => format!("{{S}}.{table}.{col}"),
            (3, _) => format!("\"{}\".\"{col}\"", item.refname),
            _ => format!("{}.{col}", item.refname),
        })
    }

    /// A system-column test on a table item of the current level, if there is one.
    pub(crate) fn system_column(&mut self) -> Option<String> {
        let tables: Vec<String> = self
            .levels
            .last()?
            .iter()
            .filter(|i| i.table)
            .map(|i| match i.bare_table {
                Some(t) if self.rng.chance(30) => format!("{{S}}.{t}"),
                _ => i.refname.clone(),
            })
            .collect();
        if tables.is_empty() {
            return None;
        }
        let t = self.rng.pick(&tables).clone();
        Some(match self.rng.below(4) {
            0 => format!("{t}.ctid IS NOT NULL"),
            1 => format!("{t}.xmin::text <> ''"),
            2 => format!("{t}.tableoid::regclass::text <> 'x'"),
            _ => format!("{t}.tableoid > 0"),
        })
    }
}
