//! Generated writes: INSERT with and without a column list, DEFAULT VALUES, INSERT ... SELECT,
//! ON CONFLICT DO NOTHING and DO UPDATE, UPDATE ... FROM, DELETE ... USING, RETURNING, and the
//! same writes as data-modifying CTEs.

use crate::db::P;
use crate::model::{
    Col, Gen, Item, MANAGERS, PROJECT_MANAGERS, PROJECTS, TASKS, Table, Ty, VISITS, WORDS,
};

/// A generated statement: its text (with `{S}` for the schema and `{T}` for the tenant's key),
/// and whether its rows come back in a determined order.
pub(crate) struct Statement {
    pub(crate) sql: String,
    pub(crate) params: Vec<P>,
    pub(crate) ordered: bool,
}

/// Generates statement number `case` of the run seeded with `seed`.
pub(crate) fn statement(seed: u64, case: u64) -> Statement {
    let mut g = Gen::new(seed ^ case.wrapping_mul(0xA24B_AED4_963E_E407));
    let (sql, ordered) = match g.rng.below(100) {
        0..=59 => g.query(),
        60..=71 => (g.insert(), false),
        72..=85 => (g.update(), false),
        _ => (g.delete(), false),
    };
    Statement {
        sql,
        params: g.params,
        ordered,
    }
}

impl Gen {
    /// A value for column `name` of `t` in a new row.
    fn new_value(&mut self, t: &Table, name: &str, ty: Ty) -> String {
        match (t.name, name) {
            (_, "id") if t.name != "tasks" || self.rng.chance(50) => {
                // Existing keys at times, so ON CONFLICT has something to meet.
                (if self.rng.chance(30) {
                    1 + self.rng.below(3)
                } else {
                    50 + self.rng.below(40)
                })
                .to_string()
            }
            (_, "project_id" | "manager_id") => (1 + self.rng.below(2)).to_string(),
            (_, "parent_id" | "assignee_id") => {
                if self.rng.chance(30) {
                    "NULL".to_owned()
                } else {
                    self.rng.below(4).to_string()
                }
            }
            (_, "id") => "DEFAULT".to_owned(),
            (_, "country_code") => "'de'".to_owned(),
            _ => match ty {
                Ty::Int => {
                    let v = self.rng.below(9) as i64;
                    if self.rng.chance(30) {
                        self.param(P::I(v))
                    } else {
                        v.to_string()
                    }
                }
                Ty::Text => {
                    let w = *self.rng.pick(WORDS);
                    if self.rng.chance(30) {
                        self.param(P::T(w))
                    } else {
                        format!("'{w}'")
                    }
                }
                Ty::Bool => "true".to_owned(),
            },
        }
    }

    /// The tenant column's value when a row names it.
    fn tenant_value(&mut self, in_values: bool) -> String {
        match self.rng.below(4) {
            0 => self.param(P::Tenant),
            1 if in_values => "DEFAULT".to_owned(),
            2 => "(SELECT max(a.id) FROM accounts a)".to_owned(),
            _ => "{T}".to_owned(),
        }
    }

    pub(crate) fn insert(&mut self) -> String {
        let t = *self.rng.pick(&[
            &TASKS,
            &TASKS,
            &MANAGERS,
            &PROJECTS,
            &VISITS,
            &PROJECT_MANAGERS,
        ]);
        let tenant = t.tenant.unwrap_or_default();
        if t.name == "visits" && self.rng.chance(30) {
            return format!(
                "INSERT INTO visits DEFAULT VALUES{}",
                self.returning(t, None, false)
            );
        }
        let name_tenant = self.rng.chance(30);
        let no_list = self.rng.chance(2);
        let cols: Vec<(&str, Ty)> = t
            .cols
            .iter()
            .copied()
            .filter(|(c, _)| no_list || name_tenant || *c != tenant)
            .collect();
        let names: Vec<&str> = cols.iter().map(|c| c.0).collect();
        let list = if no_list {
            String::new()
        } else {
            format!(" ({})", names.join(", "))
        };
        let target = if self.rng.chance(20) {
            format!("{{S}}.{}", t.name)
        } else {
            t.name.to_owned()
        };
        let source = if self.rng.chance(30) && t.name != "project_managers" {
            // INSERT ... SELECT from the tenant's own rows.
            self.enter();
            let from = self.items_clause(1);
            let values: Vec<String> = cols
                .iter()
                .map(|(c, ty)| match *c {
                    c if c == tenant => self.tenant_value(false),
                    "id" => format!("{} + 100", self.expr(Ty::Int, 0, true)),
                    "project_id" | "manager_id" => "1".to_owned(),
                    _ => self.expr(*ty, 1, true),
                })
                .collect();
            let filter = self.condition(1, false);
            self.leave();
            let distinct = if self.rng.chance(20) { "DISTINCT " } else { "" };
            format!(
                " SELECT {distinct}{} FROM {from} WHERE {filter}",
                values.join(", ")
            )
        } else {
            let rows: Vec<String> = (0..1 + self.rng.below(2))
                .map(|_| {
                    let vals: Vec<String> = cols
                        .iter()
                        .map(|(c, ty)| {
                            if *c == tenant {
                                self.tenant_value(true)
                            } else {
                                self.new_value(t, c, *ty)
                            }
                        })
                        .collect();
                    format!("({})", vals.join(", "))
                })
                .collect();
            format!(" VALUES {}", rows.join(", "))
        };
        // Rows of a SELECT may share a key: which one DO NOTHING keeps depends on the plan.
        let select_source = source.starts_with(" SELECT");
        let conflict = match self.rng.below(6) {
            0 if !select_source => " ON CONFLICT DO NOTHING".to_owned(),
            1 if t.name != "project_managers" && !select_source => {
                format!(" ON CONFLICT ({tenant}, id) DO NOTHING")
            }
            2 if t.name != "project_managers" => {
                let (c, _) = t
                    .cols
                    .iter()
                    .find(|(_, ty)| *ty == Ty::Text)
                    .copied()
                    .unwrap_or(("id", Ty::Int));
                let filter = if self.rng.chance(40) {
                    format!(" WHERE {}.{c} <> 'x'", t.name)
                } else {
                    String::new()
                };
                format!(
                    " ON CONFLICT ({tenant}, id) DO UPDATE SET {c} = excluded.{c} || '+'{filter}"
                )
            }
            _ => String::new(),
        };
        format!(
            "INSERT INTO {target}{list}{source}{conflict}{}",
            self.returning(t, None, false)
        )
    }

    /// ` RETURNING ...` of the target's own columns, at times.
    fn returning(&mut self, t: &Table, alias: Option<&str>, joined: bool) -> String {
        if !self.rng.chance(50) {
            return String::new();
        }
        // With FROM or USING, `*` holds a joined row, which one being up to the plan.
        if !joined && self.rng.chance(30) {
            return " RETURNING *".to_owned();
        }
        let q = alias.unwrap_or(t.name);
        let cols: Vec<String> = t
            .cols
            .iter()
            .filter(|_| self.rng.chance(50))
            .map(|(c, _)| format!("{q}.{c}"))
            .collect();
        if cols.is_empty() {
            " RETURNING 1".to_owned()
        } else {
            format!(" RETURNING {}", cols.join(", "))
        }
    }

    /// The target of an UPDATE or DELETE: its text and the item that stands for it.
    fn write_target(&mut self, t: &'static Table) -> (String, Option<String>) {
        match self.rng.below(4) {
            0 => (t.name.to_owned(), None),
            1 => (format!("{{S}}.{}", t.name), None),
            _ => {
                let a = self.alias("u");
                (format!("{} AS {a}", t.name), Some(a))
            }
        }
    }

    pub(crate) fn update(&mut self) -> String {
        let t = *self.rng.pick(&[
            &TASKS,
            &TASKS,
            &PROJECTS,
            &MANAGERS,
            &VISITS,
            &PROJECT_MANAGERS,
        ]);
        let (target, alias) = self.write_target(t);
        self.level().push(Item::of_table(t, alias.clone(), &[]));
        let settable: Vec<(&str, Ty)> = t
            .cols
            .iter()
            .copied()
            .filter(|(c, _)| matches!(*c, "name" | "done" | "priority" | "email" | "page" | "role"))
            .collect();
        let mut sets = Vec::new();
        for (c, ty) in &settable {
            if self.rng.chance(60) {
                let v = self.expr(*ty, 1, true);
                sets.push(format!("{c} = {v}"));
            }
        }
        let sets = if sets.is_empty() {
            let (c, ty) = settable[0];
            let v = self.expr(ty, 1, true);
            format!("{c} = {v}")
        } else {
            sets.join(", ")
        };
        let joined = self.rng.chance(35);
        let returning = self.returning(t, alias.as_deref(), joined);
        let from = self.joined_items("FROM", joined);
        let filter = self.condition(3, false);
        format!("UPDATE {target} SET {sets}{from} WHERE {filter}{returning}")
    }

    pub(crate) fn delete(&mut self) -> String {
        let t = *self.rng.pick(&[&TASKS, &VISITS, &PROJECT_MANAGERS]);
        let (target, alias) = self.write_target(t);
        self.level().push(Item::of_table(t, alias.clone(), &[]));
        let joined = self.rng.chance(35);
        let returning = self.returning(t, alias.as_deref(), joined);
        let using = self.joined_items("USING", joined);
        let filter = self.condition(3, false);
        format!("DELETE FROM {target}{using} WHERE {filter}{returning}")
    }

    /// ` FROM items` or ` USING items` of a write, when `joined`.
    fn joined_items(&mut self, keyword: &str, joined: bool) -> String {
        if !joined {
            return String::new();
        }
        let n = 1 + usize::from(self.rng.chance(20));
        format!(" {keyword} {}", self.items_clause(n))
    }

    /// A data-modifying CTE body with RETURNING, and its columns.
    pub(crate) fn modifying_cte(&mut self) -> (String, Vec<Col>) {
        self.enter();
        let body = match self.rng.below(3) {
            0 => {
                self.level().push(Item::of_table(&TASKS, None, &[]));
                let filter = self.condition(2, false);
                format!(
                    "UPDATE tasks SET priority = priority + 1 WHERE {filter} RETURNING id, name"
                )
            }
            1 => {
                self.level().push(Item::of_table(&VISITS, None, &[]));
                let filter = self.condition(2, false);
                format!("DELETE FROM visits WHERE {filter} RETURNING id, page")
            }
            _ => {
                let id = 60 + self.rng.below(30);
                let w = *self.rng.pick(WORDS);
                format!("INSERT INTO managers (id, name) VALUES ({id}, '{w}') RETURNING id, name")
            }
        };
        self.leave();
        let cols = vec![
            Col {
                name: "id".to_owned(),
                ty: Ty::Int,
            },
            Col {
                name: "name".to_owned(),
                ty: Ty::Text,
            },
        ];
        (body, cols)
    }
}
