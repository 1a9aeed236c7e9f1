//! Statements the generated oracle (`tests/generated_oracle.rs`) found scoped wrongly or
//! rejected by PostgreSQL, kept here so each runs on every oracle run.

use crate::corpus::{Case, c, ordered};
use crate::db::P::{I, Tenant};

pub(crate) const REGRESSIONS: &[Case] = &[
    // Grouping sets over the tenant column: `account_id = $1` made the planner drop the ORDER
    // BY on it and return the rolled-up NULL rows out of order (before PostgreSQL 18).
    ordered(
        "rollup over the tenant column, ordered",
        "SELECT t.parent_id, t.account_id, grouping(t.parent_id, t.account_id), count(*) FROM tasks t \
         GROUP BY ROLLUP (t.parent_id, t.account_id) ORDER BY 1 NULLS FIRST, 2 DESC, 3 NULLS FIRST, 4",
        &[],
    ),
    ordered(
        "cube over joined tenant columns, ordered",
        "SELECT p.account_id, t.account_id, count(*) FROM tasks t JOIN projects p ON p.id = t.project_id \
         GROUP BY CUBE (p.account_id, t.account_id) ORDER BY 1 NULLS FIRST, 2 NULLS FIRST, 3",
        &[],
    ),
    // A FULL join's side wrapped in a subquery lost its system columns and its table name.
    c(
        "system columns of both sides of a FULL join",
        "SELECT tasks.id, m.id FROM tasks FULL JOIN managers m ON m.id = tasks.assignee_id \
         WHERE tasks.ctid IS NOT NULL OR m.xmin::text <> ''",
        &[],
    ),
    c(
        "tablesample on a FULL join's side",
        "SELECT s.id, m.name FROM managers m FULL JOIN tasks s TABLESAMPLE BERNOULLI (100) ON s.assignee_id = m.id",
        &[],
    ),
    c(
        "system column of a table with renamed columns",
        "SELECT r.a, r.b FROM tasks AS r(b, a) WHERE r.tableoid > 0 AND r.ctid IS NOT NULL",
        &[],
    ),
    c(
        "inner USING join inside a FULL join",
        "SELECT p.id, t.name, m.name FROM projects p FULL JOIN (tasks t JOIN managers m USING (id)) ON m.id = p.manager_id",
        &[],
    ),
    c(
        "tenant column given by a scalar subquery",
        "INSERT INTO managers (account_id, id, name) VALUES ((SELECT max(a.id) FROM accounts a), $1, 'Sub') RETURNING account_id, id",
        &[I(70)],
    ),
    c(
        "tenant column given by a parameter and a subquery",
        "INSERT INTO visits (account_id, page) VALUES ($1, 'a'), ((SELECT min(id) FROM accounts), 'b') RETURNING page",
        &[Tenant],
    ),
];
