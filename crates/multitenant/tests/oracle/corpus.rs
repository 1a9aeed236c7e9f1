//! The oracle's corpus: one statement per entry, with a short label, the values bound to its own
//! placeholders, and whether its row order is part of the result (ORDER BY over a unique key).

use crate::db::P;

/// What the scoper must do with a statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Expect {
    /// Scoped, and the scoped statement on the full data returns what the original returns on
    /// the tenant's copy.
    Same,
    /// Refused with `Error::Unsupported`: a construct the scoper cannot prove safe.
    Refused,
}

/// One corpus entry.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Case {
    pub(crate) label: &'static str,
    pub(crate) sql: &'static str,
    pub(crate) params: &'static [P],
    pub(crate) ordered: bool,
    pub(crate) expect: Expect,
}

pub(crate) const fn c(label: &'static str, sql: &'static str, params: &'static [P]) -> Case {
    Case {
        label,
        sql,
        params,
        ordered: false,
        expect: Expect::Same,
    }
}

pub(crate) const fn ordered(label: &'static str, sql: &'static str, params: &'static [P]) -> Case {
    Case {
        ordered: true,
        ..c(label, sql, params)
    }
}

const fn refused(label: &'static str, sql: &'static str) -> Case {
    Case {
        expect: Expect::Refused,
        ..c(label, sql, &[])
    }
}

use P::{B, I, Ints, J, T, Tenant};

pub(crate) const CORPUS: &[Case] = &[
    // --- SeaORM-shaped reads ---
    ordered(
        "seaorm find all",
        r#"SELECT "tasks"."account_id", "tasks"."id", "tasks"."project_id", "tasks"."name", "tasks"."done" FROM "tasks" ORDER BY "tasks"."id" ASC"#,
        &[],
    ),
    c(
        "seaorm find by id",
        r#"SELECT "projects"."id", "projects"."name" FROM "projects" WHERE "projects"."id" = $1 LIMIT $2"#,
        &[I(1), I(1)],
    ),
    ordered(
        "seaorm filter and paginate",
        r#"SELECT "tasks"."id", "tasks"."name" FROM "tasks" WHERE "tasks"."project_id" = $1 AND "tasks"."done" = $2 ORDER BY "tasks"."id" ASC LIMIT $3 OFFSET $4"#,
        &[I(1), B(false), I(10), I(0)],
    ),
    c(
        "seaorm count",
        r#"SELECT COUNT(*) AS "num_items" FROM (SELECT "tasks"."id" FROM "tasks" WHERE "tasks"."done" = $1) AS "sub_query""#,
        &[B(true)],
    ),
    ordered(
        "seaorm find_also_related (left join)",
        r#"SELECT "tasks"."id" AS "A_id", "tasks"."name" AS "A_name", "projects"."id" AS "B_id", "projects"."name" AS "B_name" FROM "tasks" LEFT JOIN "projects" ON "tasks"."project_id" = "projects"."id" ORDER BY "tasks"."id" ASC"#,
        &[],
    ),
    c(
        "seaorm find_with_related (inner join)",
        r#"SELECT "projects"."id" AS "A_id", "managers"."name" AS "B_name" FROM "projects" INNER JOIN "managers" ON "projects"."manager_id" = "managers"."id""#,
        &[],
    ),
    c(
        "seaorm loader: IN list",
        r#"SELECT "tasks"."id", "tasks"."project_id" FROM "tasks" WHERE "tasks"."project_id" IN ($1, $2, $3)"#,
        &[I(1), I(2), I(4)],
    ),
    c(
        "seaorm via junction",
        r#"SELECT "managers"."id", "managers"."name" FROM "managers" INNER JOIN "project_managers" AS "r0" ON "r0"."manager_id" = "managers"."id" WHERE "r0"."project_id" IN ($1)"#,
        &[I(1)],
    ),
    c(
        "seaorm like filter",
        r#"SELECT "managers"."id" FROM "managers" WHERE "managers"."name" LIKE $1 OR "managers"."email" IS NULL"#,
        &[T("%a%")],
    ),
    ordered(
        "seaorm cursor",
        r#"SELECT "tasks"."id", "tasks"."name" FROM "tasks" WHERE "tasks"."id" > $1 ORDER BY "tasks"."id" ASC LIMIT $2"#,
        &[I(1), I(2)],
    ),
    c(
        "seaorm exists subquery",
        r#"SELECT "projects"."id" FROM "projects" WHERE EXISTS (SELECT 1 FROM "tasks" WHERE "tasks"."project_id" = "projects"."id" AND "tasks"."done" = $1)"#,
        &[B(true)],
    ),
    // --- sqlx-shaped reads ---
    c(
        "sqlx by id",
        "SELECT id, name FROM tasks WHERE id = $1",
        &[I(1)],
    ),
    c(
        "sqlx count",
        "SELECT count(*) FROM tasks WHERE NOT done",
        &[],
    ),
    c(
        "sqlx OR predicate",
        "SELECT id FROM tasks WHERE priority > $1 OR assignee_id IS NULL",
        &[I(4)],
    ),
    c("root table", "SELECT id, name, plan FROM accounts", &[]),
    c(
        "root joined to tenant table",
        "SELECT a.name, p.name FROM accounts a JOIN projects p ON p.account_id = a.id",
        &[],
    ),
    c(
        "reference table alone",
        "SELECT code, name FROM countries",
        &[],
    ),
    c(
        "reference joined",
        "SELECT p.name, c.name FROM projects p JOIN countries c ON c.code = p.country_code",
        &[],
    ),
    c(
        "comments",
        "/* dashboard */ SELECT id -- the id\nFROM tasks /* all */ WHERE done -- finished\n",
        &[],
    ),
    // --- joins of every kind ---
    c(
        "inner join",
        "SELECT t.id, p.name FROM tasks t JOIN projects p ON p.id = t.project_id",
        &[],
    ),
    c(
        "three-way join",
        "SELECT t.name, p.name, m.name FROM tasks t JOIN projects p ON p.id = t.project_id JOIN managers m ON m.id = p.manager_id",
        &[],
    ),
    c(
        "left join",
        "SELECT p.id, t.id FROM projects p LEFT JOIN tasks t ON t.project_id = p.id AND t.done",
        &[],
    ),
    c(
        "left join with IS NULL (anti join)",
        "SELECT p.id FROM projects p LEFT JOIN tasks t ON t.project_id = p.id WHERE t.id IS NULL",
        &[],
    ),
    c(
        "right join",
        "SELECT m.name, p.name FROM projects p RIGHT JOIN managers m ON m.id = p.manager_id",
        &[],
    ),
    c(
        "full join",
        "SELECT m.id, p.id FROM managers m FULL JOIN projects p ON p.manager_id = m.id",
        &[],
    ),
    c(
        "full join with aliases and where",
        "SELECT coalesce(m.name, '-'), coalesce(p.name, '-') FROM managers AS m FULL OUTER JOIN projects AS p ON p.manager_id = m.id WHERE m.id IS NULL OR p.id IS NULL",
        &[],
    ),
    c(
        "cross join",
        "SELECT m.id, c.code FROM managers m CROSS JOIN countries c",
        &[],
    ),
    c(
        "cross join of tenant tables",
        "SELECT m.id, p.id FROM managers m CROSS JOIN projects p",
        &[],
    ),
    c(
        "comma join",
        "SELECT t.id, p.id FROM tasks t, projects p WHERE p.id = t.project_id",
        &[],
    ),
    c(
        "using join",
        "SELECT project_id, t.id, pm.manager_id FROM tasks t JOIN project_managers pm USING (project_id)",
        &[],
    ),
    c(
        "natural join",
        "SELECT * FROM tasks NATURAL JOIN project_managers",
        &[],
    ),
    c(
        "self join",
        "SELECT c.name, p.name FROM tasks c JOIN tasks p ON p.id = c.parent_id",
        &[],
    ),
    c(
        "nested outer joins",
        "SELECT p.id, t.id, m.id FROM projects p LEFT JOIN tasks t ON t.project_id = p.id LEFT JOIN managers m ON m.id = t.assignee_id",
        &[],
    ),
    c(
        "left join under inner join",
        "SELECT m.id, p.id, t.id FROM managers m JOIN (projects p LEFT JOIN tasks t ON t.project_id = p.id) ON p.manager_id = m.id",
        &[],
    ),
    c(
        "join on a VALUES list",
        "SELECT v.id, t.name FROM (VALUES (1::bigint), (2), (6)) AS v(id) JOIN tasks t ON t.id = v.id",
        &[],
    ),
    c(
        "join on generate_series",
        "SELECT g, t.id FROM generate_series(1, 3) g LEFT JOIN tasks t ON t.id = g",
        &[],
    ),
    // --- subqueries ---
    c(
        "IN subquery",
        "SELECT id FROM tasks WHERE project_id IN (SELECT id FROM projects WHERE name = $1)",
        &[T("Apollo")],
    ),
    c(
        "NOT IN subquery",
        "SELECT id FROM managers WHERE id NOT IN (SELECT manager_id FROM projects WHERE manager_id IS NOT NULL)",
        &[],
    ),
    c(
        "NOT EXISTS",
        "SELECT m.id FROM managers m WHERE NOT EXISTS (SELECT 1 FROM project_managers pm WHERE pm.manager_id = m.id)",
        &[],
    ),
    c(
        "scalar subquery in select list",
        "SELECT p.id, (SELECT count(*) FROM tasks t WHERE t.project_id = p.id) AS n FROM projects p",
        &[],
    ),
    c(
        "uncorrelated scalar subquery",
        "SELECT id FROM tasks WHERE priority = (SELECT max(priority) FROM tasks)",
        &[],
    ),
    c(
        "= ANY subquery",
        "SELECT name FROM projects WHERE manager_id = ANY (SELECT id FROM managers WHERE name = $1)",
        &[T("Ada")],
    ),
    c(
        "derived table",
        "SELECT s.project_id, s.n FROM (SELECT project_id, count(*) AS n FROM tasks GROUP BY project_id) s WHERE s.n > 1",
        &[],
    ),
    c(
        "derived table with column aliases",
        "SELECT x.a, x.b FROM (SELECT id, name FROM managers) AS x(a, b)",
        &[],
    ),
    c(
        "subquery in HAVING",
        "SELECT project_id FROM tasks GROUP BY project_id HAVING count(*) >= (SELECT count(*) FROM managers) - 1",
        &[],
    ),
    c(
        "subquery in CASE",
        "SELECT id, CASE WHEN EXISTS (SELECT 1 FROM tasks s WHERE s.parent_id = t.id) THEN 'parent' ELSE 'leaf' END FROM tasks t",
        &[],
    ),
    c(
        "subquery in join condition",
        "SELECT p.id, m.id FROM projects p JOIN managers m ON m.id = p.manager_id AND m.id IN (SELECT manager_id FROM project_managers WHERE role = 'lead')",
        &[],
    ),
    c(
        "ARRAY subquery",
        "SELECT p.id, ARRAY(SELECT t.id FROM tasks t WHERE t.project_id = p.id ORDER BY t.id) FROM projects p",
        &[],
    ),
    // --- CTEs ---
    c(
        "CTE",
        "WITH open AS (SELECT * FROM tasks WHERE NOT done) SELECT o.id, p.name FROM open o JOIN projects p ON p.id = o.project_id",
        &[],
    ),
    c(
        "two CTEs, one using the other",
        "WITH p AS (SELECT id, name FROM projects), t AS (SELECT t.id, p.name FROM tasks t JOIN p ON p.id = t.project_id) SELECT * FROM t",
        &[],
    ),
    c(
        "CTE name shadowing a tenant table",
        "WITH tasks AS (SELECT id, name FROM projects) SELECT * FROM tasks",
        &[],
    ),
    c(
        "materialized CTE used twice",
        "WITH m AS MATERIALIZED (SELECT id FROM managers) SELECT a.id, b.id FROM m a JOIN m b ON b.id > a.id",
        &[],
    ),
    c(
        "recursive CTE",
        "WITH RECURSIVE tree AS (SELECT id, parent_id, name, 1 AS depth FROM tasks WHERE parent_id IS NULL UNION ALL SELECT t.id, t.parent_id, t.name, tree.depth + 1 FROM tasks t JOIN tree ON t.parent_id = tree.id) SELECT * FROM tree",
        &[],
    ),
    c(
        "recursive CTE from a parameter",
        "WITH RECURSIVE up(id, parent_id) AS (SELECT id, parent_id FROM tasks WHERE id = $1 UNION SELECT t.id, t.parent_id FROM up JOIN tasks t ON t.id = up.parent_id) SELECT id FROM up",
        &[I(3)],
    ),
    // --- set operations ---
    c(
        "UNION",
        "SELECT name FROM projects UNION SELECT name FROM managers",
        &[],
    ),
    c(
        "UNION ALL",
        "SELECT id FROM projects UNION ALL SELECT id FROM tasks",
        &[],
    ),
    c(
        "INTERSECT",
        "SELECT id FROM projects INTERSECT SELECT project_id FROM tasks",
        &[],
    ),
    c(
        "EXCEPT",
        "SELECT id FROM managers EXCEPT SELECT manager_id FROM projects",
        &[],
    ),
    ordered(
        "set operation with ORDER BY and LIMIT",
        "(SELECT name FROM projects UNION SELECT name FROM managers) ORDER BY 1 LIMIT 3",
        &[],
    ),
    c(
        "set operation with a reference arm",
        "SELECT name FROM countries UNION SELECT name FROM projects",
        &[],
    ),
    // --- LATERAL ---
    c(
        "LATERAL top-1 per group",
        "SELECT p.id, top.id FROM projects p CROSS JOIN LATERAL (SELECT t.id FROM tasks t WHERE t.project_id = p.id ORDER BY t.priority DESC, t.id LIMIT 1) top",
        &[],
    ),
    c(
        "LEFT JOIN LATERAL",
        "SELECT p.id, s.n FROM projects p LEFT JOIN LATERAL (SELECT count(*) AS n FROM tasks t WHERE t.project_id = p.id AND t.done) s ON true",
        &[],
    ),
    c(
        "LATERAL unnest of an array column",
        "SELECT p.id, tag FROM projects p, LATERAL unnest(p.tags) AS tag",
        &[],
    ),
    c(
        "LATERAL jsonb_each",
        "SELECT p.id, kv.key, kv.value FROM projects p CROSS JOIN LATERAL jsonb_each(p.meta) kv",
        &[],
    ),
    // --- window functions, aggregates ---
    c(
        "row_number per partition",
        "SELECT id, project_id, row_number() OVER (PARTITION BY project_id ORDER BY priority DESC, id) FROM tasks",
        &[],
    ),
    c(
        "window over whole set",
        "SELECT id, sum(budget) OVER (), rank() OVER (ORDER BY budget DESC NULLS LAST) FROM projects",
        &[],
    ),
    c(
        "named window",
        "SELECT id, lag(id) OVER w, lead(id) OVER w FROM tasks WINDOW w AS (ORDER BY id)",
        &[],
    ),
    c(
        "aggregates with FILTER and ORDER BY",
        "SELECT project_id, count(*) FILTER (WHERE done), string_agg(name, ',' ORDER BY name), array_agg(DISTINCT assignee_id) FROM tasks GROUP BY project_id",
        &[],
    ),
    c(
        "GROUPING SETS",
        "SELECT project_id, done, count(*) FROM tasks GROUP BY GROUPING SETS ((project_id), (done), ())",
        &[],
    ),
    c(
        "ROLLUP",
        "SELECT project_id, assignee_id, sum(priority) FROM tasks GROUP BY ROLLUP (project_id, assignee_id)",
        &[],
    ),
    // --- DISTINCT, DISTINCT ON ---
    c("DISTINCT", "SELECT DISTINCT name FROM tasks", &[]),
    ordered(
        "DISTINCT ON",
        "SELECT DISTINCT ON (project_id) project_id, id, name FROM tasks ORDER BY project_id, priority DESC, id",
        &[],
    ),
    // --- JSON and arrays ---
    c(
        "jsonb ->>",
        "SELECT id, meta->>'stage' FROM projects WHERE meta->>'stage' = $1",
        &[T("build")],
    ),
    c(
        "jsonb @> with a parameter",
        "SELECT id FROM projects WHERE meta @> $1",
        &[J(r#"{"stage": "build"}"#)],
    ),
    c(
        "jsonb ? and #>>",
        "SELECT id, labels #>> '{kind}' FROM tasks WHERE labels ? 'kind'",
        &[],
    ),
    c(
        "jsonb_array_elements in FROM",
        "SELECT t.id, e FROM tasks t, jsonb_array_elements_text(t.labels -> 'tags') e",
        &[],
    ),
    c(
        "array overlap",
        "SELECT id FROM projects WHERE tags && ARRAY['urgent', 'ice']",
        &[],
    ),
    c(
        "= ANY(array column)",
        "SELECT id FROM projects WHERE $1 = ANY (tags)",
        &[T("space")],
    ),
    c(
        "array_length and index",
        "SELECT id, tags[1], coalesce(array_length(tags, 1), 0) FROM projects",
        &[],
    ),
    // --- locking ---
    c(
        "FOR UPDATE",
        "SELECT id FROM tasks WHERE project_id = $1 FOR UPDATE",
        &[I(1)],
    ),
    c(
        "FOR NO KEY UPDATE",
        "SELECT id FROM projects WHERE id = $1 FOR NO KEY UPDATE",
        &[I(2)],
    ),
    c(
        "FOR SHARE OF with SKIP LOCKED",
        "SELECT t.id FROM tasks t JOIN projects p ON p.id = t.project_id FOR SHARE OF t SKIP LOCKED",
        &[],
    ),
    // --- INSERT ---
    c(
        "seaorm insert returning",
        r#"INSERT INTO "tasks" ("id", "project_id", "name") VALUES ($1, $2, $3) RETURNING "account_id", "id", "name""#,
        &[I(50), I(1), T("new")],
    ),
    c(
        "insert with sequence default",
        "INSERT INTO tasks (project_id, name) VALUES ($1, $2) RETURNING id, account_id",
        &[I(2), T("seq")],
    ),
    c(
        "multi-row insert",
        "INSERT INTO managers (id, name) VALUES (20, 'Ida'), (21, 'Jon') RETURNING *",
        &[],
    ),
    c(
        "insert naming the current tenant",
        "INSERT INTO managers (account_id, id, name) VALUES ($1, $2, $3) RETURNING *",
        &[Tenant, I(22), T("Kim")],
    ),
    c(
        "insert DEFAULT VALUES-like with defaults",
        "INSERT INTO tasks (id, project_id, name, priority) VALUES (60, 1, 'dflt', DEFAULT) RETURNING *",
        &[],
    ),
    c(
        "insert DEFAULT VALUES",
        "INSERT INTO visits DEFAULT VALUES RETURNING *",
        &[],
    ),
    c(
        "insert select",
        "INSERT INTO tasks (id, project_id, name) SELECT id + 100, id, name || ' kickoff' FROM projects WHERE name = $1 RETURNING id, name",
        &[T("Apollo")],
    ),
    c(
        "insert select from a set operation",
        "INSERT INTO managers (id, name) SELECT id + 100, name FROM managers UNION ALL SELECT id + 200, name FROM projects RETURNING id",
        &[],
    ),
    c(
        "insert with a subquery in VALUES",
        "INSERT INTO tasks (id, project_id, name) VALUES ((SELECT max(id) + 1 FROM tasks), 1, 'next') RETURNING id",
        &[],
    ),
    c(
        "insert with jsonb and array values",
        "INSERT INTO projects (id, name, tags, meta) VALUES ($1, $2, ARRAY['x', 'y'], $3) RETURNING tags, meta",
        &[I(30), T("Json"), J(r#"{"stage": "new"}"#)],
    ),
    // --- upserts ---
    c(
        "upsert do update",
        "INSERT INTO projects (id, name) VALUES ($1, $2) ON CONFLICT (account_id, id) DO UPDATE SET name = EXCLUDED.name RETURNING *",
        &[I(1), T("Apollo 2")],
    ),
    c(
        "upsert do update with a WHERE",
        "INSERT INTO project_managers (project_id, manager_id, role) VALUES (1, 1, 'lead'), (1, 2, 'lead') ON CONFLICT (account_id, project_id, manager_id) DO UPDATE SET role = EXCLUDED.role WHERE project_managers.role <> 'lead' RETURNING *",
        &[],
    ),
    c(
        "upsert do nothing",
        "INSERT INTO managers (id, name) VALUES (1, 'Dup'), (7, 'New') ON CONFLICT DO NOTHING RETURNING *",
        &[],
    ),
    c(
        "upsert with alias and subquery",
        "INSERT INTO tasks AS t (id, project_id, name, priority) VALUES (1, 1, 'design', 0) ON CONFLICT (account_id, id) DO UPDATE SET priority = (SELECT max(priority) FROM tasks) + t.priority RETURNING t.id, t.priority",
        &[],
    ),
    c(
        "upsert on the root table",
        "INSERT INTO accounts (name, plan) VALUES ('Acme', 'enterprise') ON CONFLICT (id) DO UPDATE SET plan = EXCLUDED.plan RETURNING *",
        &[],
    ),
    // --- UPDATE ---
    c(
        "seaorm update by id",
        r#"UPDATE "tasks" SET "done" = $1, "name" = $2 WHERE "tasks"."id" = $3 RETURNING "account_id", "id", "done", "name""#,
        &[B(true), T("renamed"), I(2)],
    ),
    c(
        "update many with OR",
        "UPDATE tasks SET priority = priority + 1 WHERE done OR assignee_id = 2",
        &[],
    ),
    c(
        "update from",
        "UPDATE tasks t SET done = true FROM projects p WHERE p.id = t.project_id AND p.name = $1 RETURNING t.id",
        &[T("Apollo")],
    ),
    c(
        "update with a subquery in WHERE",
        "UPDATE tasks SET name = upper(name) WHERE project_id IN (SELECT id FROM projects WHERE 'urgent' = ANY (tags)) RETURNING id, name",
        &[],
    ),
    c(
        "update with a scalar subquery in SET",
        "UPDATE projects SET budget = (SELECT count(*) FROM tasks WHERE tasks.project_id = projects.id) RETURNING id, budget",
        &[],
    ),
    c(
        "update multi-column from a subquery",
        "UPDATE tasks SET (priority, assignee_id) = (SELECT max(x.priority), min(m.id) FROM managers m, tasks x) WHERE id = 1 RETURNING *",
        &[],
    ),
    c(
        "update jsonb",
        "UPDATE projects SET meta = meta || $1 WHERE meta ? 'risk' RETURNING id, meta",
        &[J(r#"{"reviewed": true}"#)],
    ),
    c(
        "update the root",
        "UPDATE accounts SET plan = 'gold' RETURNING id, plan",
        &[],
    ),
    // --- DELETE ---
    c(
        "seaorm delete by id",
        r#"DELETE FROM "tasks" WHERE "tasks"."id" = $1"#,
        &[I(3)],
    ),
    c(
        "delete returning",
        "DELETE FROM tasks WHERE done RETURNING id, name",
        &[],
    ),
    c(
        "delete using",
        "DELETE FROM project_managers pm USING managers m WHERE m.id = pm.manager_id AND m.name = $1 RETURNING pm.project_id",
        &[T("Bob")],
    ),
    c(
        "delete with EXISTS",
        "DELETE FROM tasks t WHERE EXISTS (SELECT 1 FROM projects p WHERE p.id = t.project_id AND p.budget IS NULL) RETURNING t.id",
        &[],
    ),
    c("delete everything", "DELETE FROM project_managers", &[]),
    // --- data-modifying CTEs ---
    c(
        "CTE update, outer count",
        "WITH moved AS (UPDATE tasks SET done = true WHERE project_id = $1 RETURNING id) SELECT count(*) FROM moved",
        &[I(1)],
    ),
    c(
        "CTE delete into insert",
        "WITH d AS (DELETE FROM tasks WHERE done RETURNING id, project_id, name) INSERT INTO tasks (id, project_id, name) SELECT id + 100, project_id, name || ' again' FROM d RETURNING id, name",
        &[],
    ),
    c(
        "CTE insert, outer join",
        "WITH ins AS (INSERT INTO managers (id, name) VALUES (40, 'Lee') RETURNING id, name) SELECT ins.name, p.name FROM ins LEFT JOIN projects p ON p.manager_id = ins.id",
        &[],
    ),
    c(
        "CTE read then update",
        "WITH top AS (SELECT id FROM tasks ORDER BY priority DESC, id LIMIT 1) UPDATE tasks SET done = true FROM top WHERE tasks.id = top.id RETURNING tasks.id",
        &[],
    ),
    // --- less common places for a tenant table ---
    c(
        "sqlx = ANY(array parameter)",
        "SELECT id, name FROM tasks WHERE id = ANY ($1)",
        &[Ints(&[1, 2, 6])],
    ),
    c(
        "IS NOT DISTINCT FROM a parameter",
        "SELECT id FROM tasks WHERE assignee_id IS NOT DISTINCT FROM $1",
        &[I(4)],
    ),
    c(
        "full text search",
        "SELECT id FROM tasks WHERE to_tsvector('simple', name) @@ plainto_tsquery('simple', $1)",
        &[T("design")],
    ),
    c(
        "subquery in LIMIT",
        "SELECT id FROM tasks ORDER BY id LIMIT (SELECT count(*) FROM managers)",
        &[],
    ),
    c(
        "subquery in OFFSET",
        "SELECT id FROM tasks ORDER BY id OFFSET (SELECT count(*) FROM projects)",
        &[],
    ),
    ordered(
        "subquery in ORDER BY",
        "SELECT p.id FROM projects p ORDER BY (SELECT count(*) FROM tasks t WHERE t.project_id = p.id), p.id",
        &[],
    ),
    c(
        "subquery in GROUP BY",
        "SELECT (SELECT name FROM managers m WHERE m.id = p.manager_id) AS boss, count(*) FROM projects p GROUP BY 1",
        &[],
    ),
    c(
        "subquery in a FILTER clause",
        "SELECT count(*) FILTER (WHERE project_id IN (SELECT id FROM projects WHERE budget > 100)) FROM tasks",
        &[],
    ),
    c(
        "subquery in PARTITION BY",
        "SELECT id, count(*) OVER (PARTITION BY (SELECT m.name FROM managers m WHERE m.id = t.assignee_id)) FROM tasks t",
        &[],
    ),
    c(
        "subquery in a function argument in FROM",
        "SELECT g FROM generate_series(1, (SELECT max(id) FROM tasks)) g",
        &[],
    ),
    c(
        "ROWS FROM with a subquery",
        "SELECT * FROM ROWS FROM (generate_series(1, (SELECT count(*) FROM managers)::int)) AS r(n)",
        &[],
    ),
    c(
        "subquery inside a VALUES list in FROM",
        "SELECT v.n FROM (VALUES ((SELECT count(*) FROM tasks)), ((SELECT count(*) FROM projects))) v(n)",
        &[],
    ),
    c(
        "top-level VALUES with a subquery",
        "VALUES ((SELECT count(*) FROM tasks), (SELECT min(name) FROM managers))",
        &[],
    ),
    c(
        "SELECT without FROM over subqueries",
        "SELECT EXISTS (SELECT 1 FROM tasks WHERE priority = $1), (SELECT name FROM projects ORDER BY id DESC LIMIT 1)",
        &[I(9)],
    ),
    c(
        "subquery in COALESCE and a row comparison",
        "SELECT t.id FROM tasks t WHERE (t.project_id, t.id) IN (SELECT project_id, max(id) FROM tasks GROUP BY project_id) AND coalesce((SELECT max(priority) FROM tasks), 0) > 0",
        &[],
    ),
    c("TABLE command", "TABLE managers", &[]),
    c("FROM ONLY", "SELECT id FROM ONLY projects", &[]),
    c(
        "TABLESAMPLE",
        "SELECT id FROM tasks TABLESAMPLE BERNOULLI (100)",
        &[],
    ),
    c(
        "table alias with column aliases",
        "SELECT t.a, t.b FROM tasks AS t(a, b)",
        &[],
    ),
    c(
        "aliased parenthesised join",
        "SELECT j.tid, j.pname FROM (SELECT t.id AS tid, p.name AS pname FROM tasks t JOIN projects p ON p.id = t.project_id) j JOIN (managers m JOIN project_managers pm ON pm.manager_id = m.id) ON pm.project_id = j.tid",
        &[],
    ),
    // The alias hides `t` and `p`: each is filtered in place inside the join.
    c(
        "join alias hiding its tables",
        "SELECT j.id, j.project_id, j.manager_id FROM (tasks t JOIN projects p USING (id)) AS j",
        &[],
    ),
    c(
        "USING join alias",
        "SELECT x.project_id, t.name FROM tasks t JOIN project_managers pm USING (project_id) AS x",
        &[],
    ),
    c(
        "comma LATERAL subquery",
        "SELECT t.id, p.name FROM tasks t, LATERAL (SELECT name FROM projects WHERE projects.id = t.project_id) p",
        &[],
    ),
    c(
        "reference table on the preserved side of a RIGHT join",
        "SELECT c.code, p.id FROM projects p RIGHT JOIN countries c ON c.code = p.country_code",
        &[],
    ),
    c(
        "FULL join of a tenant table and a reference table",
        "SELECT c.code, p.id FROM countries c FULL JOIN projects p ON c.code = p.country_code",
        &[],
    ),
    c(
        "FULL join inside a LEFT join",
        "SELECT a.id, m.id, p.id FROM accounts a LEFT JOIN (managers m FULL JOIN projects p ON p.manager_id = m.id) ON true",
        &[],
    ),
    c(
        "IN over a set operation",
        "SELECT name FROM managers WHERE id IN (SELECT manager_id FROM projects UNION SELECT assignee_id FROM tasks)",
        &[],
    ),
    c(
        "jsonb_path_query",
        "SELECT id, jsonb_path_query(meta, '$.stage') FROM projects",
        &[],
    ),
    // --- more writes ---
    c(
        "insert from a CTE",
        "WITH src AS (SELECT id, name FROM managers WHERE email IS NULL) INSERT INTO tasks (id, project_id, name) SELECT 300 + id, 1, 'call ' || name FROM src RETURNING id, name",
        &[],
    ),
    c(
        "insert whose SELECT has its own WITH",
        "INSERT INTO tasks (id, project_id, name) WITH src AS (SELECT id FROM projects) SELECT 400 + id, id, 'w' FROM src RETURNING id",
        &[],
    ),
    c(
        "insert select with ORDER BY and LIMIT",
        "INSERT INTO tasks (id, project_id, name) SELECT id + 500, project_id, name FROM tasks ORDER BY priority DESC, id LIMIT 2 RETURNING id",
        &[],
    ),
    c(
        "upsert on a named constraint",
        "INSERT INTO managers (id, name) VALUES (1, 'Ada L.') ON CONFLICT ON CONSTRAINT managers_pkey DO UPDATE SET name = EXCLUDED.name RETURNING *",
        &[],
    ),
    c(
        "upsert whose WHERE reads EXCLUDED and a subquery",
        "INSERT INTO tasks (id, project_id, name, priority) VALUES (2, 1, 'build', 9) ON CONFLICT (account_id, id) DO UPDATE SET priority = EXCLUDED.priority WHERE EXCLUDED.priority > (SELECT avg(priority) FROM tasks) RETURNING id, priority",
        &[],
    ),
    c(
        "insert returning a subquery",
        "INSERT INTO managers (id, name) VALUES (50, 'Mo') RETURNING id, (SELECT count(*) FROM managers) AS before",
        &[],
    ),
    c(
        "update with alias and returning a subquery",
        "UPDATE tasks AS t SET priority = 0 WHERE t.done RETURNING t.id, (SELECT count(*) FROM tasks s WHERE s.project_id = t.project_id)",
        &[],
    ),
    c(
        "update from a join list",
        "UPDATE tasks t SET assignee_id = m.id FROM projects p JOIN managers m ON m.id = p.manager_id WHERE p.id = t.project_id AND t.assignee_id IS NULL RETURNING t.id, t.assignee_id",
        &[],
    ),
    c(
        "update from a reference table",
        "UPDATE projects p SET name = p.name || ' (' || c.name || ')' FROM countries c WHERE c.code = p.country_code RETURNING p.id, p.name",
        &[],
    ),
    c(
        "update set to DEFAULT",
        "UPDATE tasks SET priority = DEFAULT, labels = NULL WHERE id = $1 RETURNING *",
        &[I(1)],
    ),
    c(
        "update array column",
        "UPDATE projects SET tags = array_append(tags, $1) WHERE NOT ($1 = ANY (tags)) RETURNING id, tags",
        &[T("urgent")],
    ),
    c(
        "delete using a reference table",
        "DELETE FROM tasks t USING projects p, countries c WHERE p.id = t.project_id AND c.code = p.country_code AND c.name = $1 RETURNING t.id",
        &[T("Germany")],
    ),
    c(
        "delete with a subquery over a set operation",
        "DELETE FROM project_managers WHERE manager_id IN (SELECT id FROM managers WHERE name = 'Bob' UNION SELECT 3) RETURNING *",
        &[],
    ),
    c(
        "two data-modifying CTEs",
        "WITH a AS (UPDATE tasks SET done = true WHERE priority > 4 RETURNING id), b AS (DELETE FROM project_managers WHERE role = 'member' RETURNING project_id) SELECT (SELECT count(*) FROM a), (SELECT count(*) FROM b)",
        &[],
    ),
    c(
        "data-modifying CTE reading a plain CTE",
        "WITH old AS (SELECT id FROM tasks WHERE done), gone AS (DELETE FROM tasks WHERE id IN (SELECT id FROM old) RETURNING id) SELECT count(*) FROM gone",
        &[],
    ),
    // --- names that hide or reveal tables ---
    c(
        "CTE named after the table it reads",
        "WITH tasks AS (SELECT id, name FROM tasks WHERE done) SELECT * FROM tasks",
        &[],
    ),
    c(
        "later sibling CTE named after a table an earlier one reads",
        "WITH x AS (SELECT id, name FROM projects), projects AS (SELECT 1::bigint AS id, 'fake' AS name) SELECT * FROM x UNION ALL SELECT * FROM projects",
        &[],
    ),
    c(
        "CTE in a subquery shadows only there",
        "SELECT id, name FROM tasks WHERE id IN (WITH tasks AS (SELECT 2::bigint AS id) SELECT id FROM tasks)",
        &[],
    ),
    c(
        "CTE of an outer level seen from a subquery",
        "WITH managers AS (SELECT 1::bigint AS id) SELECT p.id FROM projects p WHERE p.manager_id IN (SELECT id FROM managers)",
        &[],
    ),
    c(
        "alias named after another tenant table",
        "SELECT tasks.id, t.id FROM projects tasks JOIN tasks t ON t.project_id = tasks.id",
        &[],
    ),
    c(
        "unaliased table at two levels",
        "SELECT id FROM tasks WHERE id IN (SELECT parent_id FROM tasks WHERE parent_id IS NOT NULL)",
        &[],
    ),
    c(
        "whole-row reference",
        "SELECT m.id, p FROM managers m JOIN projects p ON p.manager_id = m.id",
        &[],
    ),
    c(
        "whole-row reference across a FULL join",
        "SELECT m, p.id FROM managers m FULL JOIN projects p ON p.manager_id = m.id",
        &[],
    ),
    c(
        "FULL join with USING",
        "SELECT id, m.name, p.name FROM managers m FULL JOIN projects p USING (id)",
        &[],
    ),
    c(
        "FULL join against a join tree",
        "SELECT m.id, p.id, t.id FROM managers m FULL JOIN (projects p JOIN tasks t ON t.project_id = p.id) ON p.manager_id = m.id",
        &[],
    ),
    c(
        "FULL join of a table with column aliases",
        "SELECT m.id, p.a, p.b FROM managers m FULL JOIN projects AS p(x, a, b) ON p.a = m.id",
        &[],
    ),
    c(
        "LEFT join against a join tree",
        "SELECT t.id, p.id, m.id FROM tasks t LEFT JOIN (projects p JOIN managers m ON m.id = p.manager_id) ON p.id = t.project_id",
        &[],
    ),
    c(
        "RIGHT join then LEFT join",
        "SELECT t.id, p.id, m.id FROM tasks t RIGHT JOIN projects p ON p.id = t.project_id AND t.done LEFT JOIN managers m ON m.id = t.assignee_id",
        &[],
    ),
    c(
        "LEFT join with USING",
        "SELECT id, p.name, t.name FROM projects p LEFT JOIN tasks t USING (id)",
        &[],
    ),
    c(
        "NATURAL LEFT join",
        "SELECT * FROM tasks NATURAL LEFT JOIN project_managers",
        &[],
    ),
    c(
        "parenthesised join tree at the top",
        "SELECT t.id, m.id FROM (tasks t LEFT JOIN projects p ON p.id = t.project_id) LEFT JOIN managers m ON m.id = p.manager_id",
        &[],
    ),
    c(
        "FOR UPDATE OF with NOWAIT",
        "SELECT t.id FROM tasks t JOIN projects p ON p.id = t.project_id WHERE t.done IS TRUE FOR UPDATE OF t NOWAIT",
        &[],
    ),
    c(
        "insert select naming the tenant column",
        "INSERT INTO tasks (account_id, id, project_id, name) SELECT account_id, id + 600, project_id, name FROM tasks RETURNING account_id, id",
        &[],
    ),
    c(
        "insert naming the tenant column as an expression",
        "INSERT INTO managers (account_id, id, name) VALUES ($1::bigint, 23, 'Expr') RETURNING *",
        &[Tenant],
    ),
    c(
        "upsert with partial-index inference",
        "INSERT INTO managers (id, name) VALUES (2, 'Bob B.') ON CONFLICT (account_id, id) WHERE true DO UPDATE SET name = EXCLUDED.name RETURNING *",
        &[],
    ),
    c(
        "self-join delete",
        "DELETE FROM tasks t USING tasks p WHERE p.id = t.parent_id AND NOT p.done RETURNING t.id",
        &[],
    ),
    c(
        "UPDATE ONLY",
        "UPDATE ONLY tasks SET done = NOT done WHERE priority < 3 RETURNING id, done",
        &[],
    ),
    c(
        "data-modifying CTE named after its target",
        "WITH tasks AS (DELETE FROM tasks WHERE priority > 5 RETURNING id) SELECT count(*) FROM tasks",
        &[],
    ),
    c(
        "insert whose CTE is named after the target",
        "WITH tasks AS (SELECT 700::bigint AS id) INSERT INTO tasks (id, project_id, name) SELECT id, 1, 'cte' FROM tasks RETURNING id",
        &[],
    ),
    // --- placeholders, quoting and literals ---
    c(
        "placeholder-like text in strings and comments",
        "SELECT id, '$5' AS s, $$ $7 $$ AS d /* $9 */ FROM tasks WHERE id = $1 -- $8\n",
        &[I(2)],
    ),
    c(
        "a placeholder used twice and out of order",
        "SELECT id FROM tasks WHERE (priority > $2 OR id = $1) AND assignee_id IS DISTINCT FROM $2",
        &[I(1), I(2)],
    ),
    c(
        "quoted mixed-case alias",
        r#"SELECT "T".id, "T".name FROM tasks "T" JOIN projects "P" ON "P".id = "T".project_id"#,
        &[],
    ),
    c(
        "reserved-word aliases",
        r#"SELECT "order".id, "select".name FROM tasks AS "order" LEFT JOIN managers AS "select" ON "select".id = "order".assignee_id"#,
        &[],
    ),
    c(
        "escape string and unicode literals",
        "SELECT id FROM managers WHERE name <> E'\\u00e9\\t' AND name <> 'Zoë'",
        &[],
    ),
    c(
        "alias named like the tenant column",
        "SELECT account_id.id FROM tasks account_id WHERE account_id.done",
        &[],
    ),
    // --- refused on purpose ---
    refused(
        "MERGE",
        "MERGE INTO tasks t USING projects p ON t.project_id = p.id WHEN MATCHED THEN UPDATE SET done = true",
    ),
    refused(
        "query_to_xml runs SQL text",
        "SELECT query_to_xml('SELECT * FROM tasks', true, false, '')",
    ),
    refused("TRUNCATE", "TRUNCATE tasks"),
    refused(
        "CREATE VIEW over a tenant table",
        "CREATE VIEW open_tasks AS SELECT * FROM tasks WHERE NOT done",
    ),
];
