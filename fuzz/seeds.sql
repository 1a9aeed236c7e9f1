SELECT "tasks"."account_id", "tasks"."id", "tasks"."project_id", "tasks"."name", "tasks"."done" FROM "tasks" ORDER BY "tasks"."id" ASC
SELECT "projects"."id", "projects"."name" FROM "projects" WHERE "projects"."id" = $1 LIMIT $2
SELECT "tasks"."id", "tasks"."name" FROM "tasks" WHERE "tasks"."project_id" = $1 AND "tasks"."done" = $2 ORDER BY "tasks"."id" ASC LIMIT $3 OFFSET $4
SELECT COUNT(*) AS "num_items" FROM (SELECT "tasks"."id" FROM "tasks" WHERE "tasks"."done" = $1) AS "sub_query"
SELECT "tasks"."id" AS "A_id", "tasks"."name" AS "A_name", "projects"."id" AS "B_id", "projects"."name" AS "B_name" FROM "tasks" LEFT JOIN "projects" ON "tasks"."project_id" = "projects"."id" ORDER BY "tasks"."id" ASC
SELECT "projects"."id" AS "A_id", "managers"."name" AS "B_name" FROM "projects" INNER JOIN "managers" ON "projects"."manager_id" = "managers"."id"
SELECT "tasks"."id", "tasks"."project_id" FROM "tasks" WHERE "tasks"."project_id" IN ($1, $2, $3)
SELECT "managers"."id", "managers"."name" FROM "managers" INNER JOIN "project_managers" AS "r0" ON "r0"."manager_id" = "managers"."id" WHERE "r0"."project_id" IN ($1)
SELECT "managers"."id" FROM "managers" WHERE "managers"."name" LIKE $1 OR "managers"."email" IS NULL
SELECT "tasks"."id", "tasks"."name" FROM "tasks" WHERE "tasks"."id" > $1 ORDER BY "tasks"."id" ASC LIMIT $2
SELECT "projects"."id" FROM "projects" WHERE EXISTS (SELECT 1 FROM "tasks" WHERE "tasks"."project_id" = "projects"."id" AND "tasks"."done" = $1)
SELECT id, name FROM tasks WHERE id = $1
SELECT count(*) FROM tasks WHERE NOT done
SELECT id FROM tasks WHERE priority > $1 OR assignee_id IS NULL
SELECT id, name, plan FROM accounts
SELECT a.name, p.name FROM accounts a JOIN projects p ON p.account_id = a.id
SELECT code, name FROM countries
SELECT p.name, c.name FROM projects p JOIN countries c ON c.code = p.country_code
SELECT t.id, p.name FROM tasks t JOIN projects p ON p.id = t.project_id
SELECT t.name, p.name, m.name FROM tasks t JOIN projects p ON p.id = t.project_id JOIN managers m ON m.id = p.manager_id
SELECT p.id, t.id FROM projects p LEFT JOIN tasks t ON t.project_id = p.id AND t.done
SELECT p.id FROM projects p LEFT JOIN tasks t ON t.project_id = p.id WHERE t.id IS NULL
SELECT m.name, p.name FROM projects p RIGHT JOIN managers m ON m.id = p.manager_id
SELECT m.id, p.id FROM managers m FULL JOIN projects p ON p.manager_id = m.id
SELECT coalesce(m.name, '-'), coalesce(p.name, '-') FROM managers AS m FULL OUTER JOIN projects AS p ON p.manager_id = m.id WHERE m.id IS NULL OR p.id IS NULL
SELECT m.id, c.code FROM managers m CROSS JOIN countries c
SELECT m.id, p.id FROM managers m CROSS JOIN projects p
SELECT t.id, p.id FROM tasks t, projects p WHERE p.id = t.project_id
SELECT project_id, t.id, pm.manager_id FROM tasks t JOIN project_managers pm USING (project_id)
SELECT * FROM tasks NATURAL JOIN project_managers
SELECT c.name, p.name FROM tasks c JOIN tasks p ON p.id = c.parent_id
SELECT p.id, t.id, m.id FROM projects p LEFT JOIN tasks t ON t.project_id = p.id LEFT JOIN managers m ON m.id = t.assignee_id
SELECT m.id, p.id, t.id FROM managers m JOIN (projects p LEFT JOIN tasks t ON t.project_id = p.id) ON p.manager_id = m.id
SELECT v.id, t.name FROM (VALUES (1::bigint), (2), (6)) AS v(id) JOIN tasks t ON t.id = v.id
SELECT g, t.id FROM generate_series(1, 3) g LEFT JOIN tasks t ON t.id = g
SELECT id FROM tasks WHERE project_id IN (SELECT id FROM projects WHERE name = $1)
SELECT id FROM managers WHERE id NOT IN (SELECT manager_id FROM projects WHERE manager_id IS NOT NULL)
SELECT m.id FROM managers m WHERE NOT EXISTS (SELECT 1 FROM project_managers pm WHERE pm.manager_id = m.id)
SELECT p.id, (SELECT count(*) FROM tasks t WHERE t.project_id = p.id) AS n FROM projects p
SELECT id FROM tasks WHERE priority = (SELECT max(priority) FROM tasks)
SELECT name FROM projects WHERE manager_id = ANY (SELECT id FROM managers WHERE name = $1)
SELECT s.project_id, s.n FROM (SELECT project_id, count(*) AS n FROM tasks GROUP BY project_id) s WHERE s.n > 1
SELECT x.a, x.b FROM (SELECT id, name FROM managers) AS x(a, b)
SELECT project_id FROM tasks GROUP BY project_id HAVING count(*) >= (SELECT count(*) FROM managers) - 1
SELECT id, CASE WHEN EXISTS (SELECT 1 FROM tasks s WHERE s.parent_id = t.id) THEN 'parent' ELSE 'leaf' END FROM tasks t
SELECT p.id, m.id FROM projects p JOIN managers m ON m.id = p.manager_id AND m.id IN (SELECT manager_id FROM project_managers WHERE role = 'lead')
SELECT p.id, ARRAY(SELECT t.id FROM tasks t WHERE t.project_id = p.id ORDER BY t.id) FROM projects p
WITH open AS (SELECT * FROM tasks WHERE NOT done) SELECT o.id, p.name FROM open o JOIN projects p ON p.id = o.project_id
WITH p AS (SELECT id, name FROM projects), t AS (SELECT t.id, p.name FROM tasks t JOIN p ON p.id = t.project_id) SELECT * FROM t
WITH tasks AS (SELECT id, name FROM projects) SELECT * FROM tasks
WITH m AS MATERIALIZED (SELECT id FROM managers) SELECT a.id, b.id FROM m a JOIN m b ON b.id > a.id
WITH RECURSIVE tree AS (SELECT id, parent_id, name, 1 AS depth FROM tasks WHERE parent_id IS NULL UNION ALL SELECT t.id, t.parent_id, t.name, tree.depth + 1 FROM tasks t JOIN tree ON t.parent_id = tree.id) SELECT * FROM tree
WITH RECURSIVE up(id, parent_id) AS (SELECT id, parent_id FROM tasks WHERE id = $1 UNION SELECT t.id, t.parent_id FROM up JOIN tasks t ON t.id = up.parent_id) SELECT id FROM up
SELECT name FROM projects UNION SELECT name FROM managers
SELECT id FROM projects UNION ALL SELECT id FROM tasks
SELECT id FROM projects INTERSECT SELECT project_id FROM tasks
SELECT id FROM managers EXCEPT SELECT manager_id FROM projects
(SELECT name FROM projects UNION SELECT name FROM managers) ORDER BY 1 LIMIT 3
SELECT name FROM countries UNION SELECT name FROM projects
SELECT p.id, top.id FROM projects p CROSS JOIN LATERAL (SELECT t.id FROM tasks t WHERE t.project_id = p.id ORDER BY t.priority DESC, t.id LIMIT 1) top
SELECT p.id, s.n FROM projects p LEFT JOIN LATERAL (SELECT count(*) AS n FROM tasks t WHERE t.project_id = p.id AND t.done) s ON true
SELECT p.id, tag FROM projects p, LATERAL unnest(p.tags) AS tag
SELECT p.id, kv.key, kv.value FROM projects p CROSS JOIN LATERAL jsonb_each(p.meta) kv
SELECT id, project_id, row_number() OVER (PARTITION BY project_id ORDER BY priority DESC, id) FROM tasks
SELECT id, sum(budget) OVER (), rank() OVER (ORDER BY budget DESC NULLS LAST) FROM projects
SELECT id, lag(id) OVER w, lead(id) OVER w FROM tasks WINDOW w AS (ORDER BY id)
SELECT project_id, count(*) FILTER (WHERE done), string_agg(name, ',' ORDER BY name), array_agg(DISTINCT assignee_id) FROM tasks GROUP BY project_id
SELECT project_id, done, count(*) FROM tasks GROUP BY GROUPING SETS ((project_id), (done), ())
SELECT project_id, assignee_id, sum(priority) FROM tasks GROUP BY ROLLUP (project_id, assignee_id)
SELECT DISTINCT name FROM tasks
SELECT DISTINCT ON (project_id) project_id, id, name FROM tasks ORDER BY project_id, priority DESC, id
SELECT id, meta->>'stage' FROM projects WHERE meta->>'stage' = $1
SELECT id FROM projects WHERE meta @> $1
SELECT id, labels #>> '{kind}' FROM tasks WHERE labels ? 'kind'
SELECT t.id, e FROM tasks t, jsonb_array_elements_text(t.labels -> 'tags') e
SELECT id FROM projects WHERE tags && ARRAY['urgent', 'ice']
SELECT id FROM projects WHERE $1 = ANY (tags)
SELECT id, tags[1], coalesce(array_length(tags, 1), 0) FROM projects
SELECT id FROM tasks WHERE project_id = $1 FOR UPDATE
SELECT id FROM projects WHERE id = $1 FOR NO KEY UPDATE
SELECT t.id FROM tasks t JOIN projects p ON p.id = t.project_id FOR SHARE OF t SKIP LOCKED
INSERT INTO "tasks" ("id", "project_id", "name") VALUES ($1, $2, $3) RETURNING "account_id", "id", "name"
insert with sequence default
INSERT INTO tasks (project_id, name) VALUES ($1, $2) RETURNING id, account_id
INSERT INTO managers (id, name) VALUES (20, 'Ida'), (21, 'Jon') RETURNING *
insert naming the current tenant
INSERT INTO managers (account_id, id, name) VALUES ($1, $2, $3) RETURNING *
insert DEFAULT VALUES-like with defaults
INSERT INTO tasks (id, project_id, name, priority) VALUES (60, 1, 'dflt', DEFAULT) RETURNING *
insert DEFAULT VALUES
INSERT INTO visits DEFAULT VALUES RETURNING *
insert select
INSERT INTO tasks (id, project_id, name) SELECT id + 100, id, name || ' kickoff' FROM projects WHERE name = $1 RETURNING id, name
insert select from a set operation
INSERT INTO managers (id, name) SELECT id + 100, name FROM managers UNION ALL SELECT id + 200, name FROM projects RETURNING id
insert with a subquery in VALUES
INSERT INTO tasks (id, project_id, name) VALUES ((SELECT max(id) + 1 FROM tasks), 1, 'next') RETURNING id
insert with jsonb and array values
INSERT INTO projects (id, name, tags, meta) VALUES ($1, $2, ARRAY['x', 'y'], $3) RETURNING tags, meta
INSERT INTO projects (id, name) VALUES ($1, $2) ON CONFLICT (account_id, id) DO UPDATE SET name = EXCLUDED.name RETURNING *
INSERT INTO project_managers (project_id, manager_id, role) VALUES (1, 1, 'lead'), (1, 2, 'lead') ON CONFLICT (account_id, project_id, manager_id) DO UPDATE SET role = EXCLUDED.role WHERE project_managers.role <> 'lead' RETURNING *
INSERT INTO managers (id, name) VALUES (1, 'Dup'), (7, 'New') ON CONFLICT DO NOTHING RETURNING *
INSERT INTO tasks AS t (id, project_id, name, priority) VALUES (1, 1, 'design', 0) ON CONFLICT (account_id, id) DO UPDATE SET priority = (SELECT max(priority) FROM tasks) + t.priority RETURNING t.id, t.priority
INSERT INTO accounts (name, plan) VALUES ('Acme', 'enterprise') ON CONFLICT (id) DO UPDATE SET plan = EXCLUDED.plan RETURNING *
UPDATE "tasks" SET "done" = $1, "name" = $2 WHERE "tasks"."id" = $3 RETURNING "account_id", "id", "done", "name"
update many with OR
UPDATE tasks SET priority = priority + 1 WHERE done OR assignee_id = 2
UPDATE tasks t SET done = true FROM projects p WHERE p.id = t.project_id AND p.name = $1 RETURNING t.id
update with a subquery in WHERE
UPDATE tasks SET name = upper(name) WHERE project_id IN (SELECT id FROM projects WHERE 'urgent' = ANY (tags)) RETURNING id, name
update with a scalar subquery in SET
UPDATE projects SET budget = (SELECT count(*) FROM tasks WHERE tasks.project_id = projects.id) RETURNING id, budget
update multi-column from a subquery
UPDATE tasks SET (priority, assignee_id) = (SELECT max(x.priority), min(m.id) FROM managers m, tasks x) WHERE id = 1 RETURNING *
UPDATE projects SET meta = meta || $1 WHERE meta ? 'risk' RETURNING id, meta
update the root
UPDATE accounts SET plan = 'gold' RETURNING id, plan
DELETE FROM "tasks" WHERE "tasks"."id" = $1
delete returning
DELETE FROM tasks WHERE done RETURNING id, name
DELETE FROM project_managers pm USING managers m WHERE m.id = pm.manager_id AND m.name = $1 RETURNING pm.project_id
delete with EXISTS
DELETE FROM tasks t WHERE EXISTS (SELECT 1 FROM projects p WHERE p.id = t.project_id AND p.budget IS NULL) RETURNING t.id
delete everything
DELETE FROM project_managers
WITH moved AS (UPDATE tasks SET done = true WHERE project_id = $1 RETURNING id) SELECT count(*) FROM moved
WITH d AS (DELETE FROM tasks WHERE done RETURNING id, project_id, name) INSERT INTO tasks (id, project_id, name) SELECT id + 100, project_id, name || ' again' FROM d RETURNING id, name
WITH ins AS (INSERT INTO managers (id, name) VALUES (40, 'Lee') RETURNING id, name) SELECT ins.name, p.name FROM ins LEFT JOIN projects p ON p.manager_id = ins.id
WITH top AS (SELECT id FROM tasks ORDER BY priority DESC, id LIMIT 1) UPDATE tasks SET done = true FROM top WHERE tasks.id = top.id RETURNING tasks.id
SELECT id, name FROM tasks WHERE id = ANY ($1)
SELECT id FROM tasks WHERE assignee_id IS NOT DISTINCT FROM $1
SELECT id FROM tasks WHERE to_tsvector('simple', name) @@ plainto_tsquery('simple', $1)
SELECT id FROM tasks ORDER BY id LIMIT (SELECT count(*) FROM managers)
SELECT id FROM tasks ORDER BY id OFFSET (SELECT count(*) FROM projects)
SELECT p.id FROM projects p ORDER BY (SELECT count(*) FROM tasks t WHERE t.project_id = p.id), p.id
SELECT (SELECT name FROM managers m WHERE m.id = p.manager_id) AS boss, count(*) FROM projects p GROUP BY 1
SELECT count(*) FILTER (WHERE project_id IN (SELECT id FROM projects WHERE budget > 100)) FROM tasks
SELECT id, count(*) OVER (PARTITION BY (SELECT m.name FROM managers m WHERE m.id = t.assignee_id)) FROM tasks t
SELECT g FROM generate_series(1, (SELECT max(id) FROM tasks)) g
SELECT * FROM ROWS FROM (generate_series(1, (SELECT count(*) FROM managers)::int)) AS r(n)
SELECT v.n FROM (VALUES ((SELECT count(*) FROM tasks)), ((SELECT count(*) FROM projects))) v(n)
VALUES ((SELECT count(*) FROM tasks), (SELECT min(name) FROM managers))
SELECT without FROM over subqueries
SELECT EXISTS (SELECT 1 FROM tasks WHERE priority = $1), (SELECT name FROM projects ORDER BY id DESC LIMIT 1)
SELECT t.id FROM tasks t WHERE (t.project_id, t.id) IN (SELECT project_id, max(id) FROM tasks GROUP BY project_id) AND coalesce((SELECT max(priority) FROM tasks), 0) > 0
TABLE command
TABLE managers
SELECT id FROM ONLY projects
SELECT id FROM tasks TABLESAMPLE BERNOULLI (100)
table alias with column aliases
SELECT t.a, t.b FROM tasks AS t(a, b)
SELECT j.tid, j.pname FROM (SELECT t.id AS tid, p.name AS pname FROM tasks t JOIN projects p ON p.id = t.project_id) j JOIN (managers m JOIN project_managers pm ON pm.manager_id = m.id) ON pm.project_id = j.tid
SELECT j.id, j.name FROM (tasks t JOIN projects p USING (id)) AS j
SELECT x.project_id, t.name FROM tasks t JOIN project_managers pm USING (project_id) AS x
SELECT t.id, p.name FROM tasks t, LATERAL (SELECT name FROM projects WHERE projects.id = t.project_id) p
SELECT c.code, p.id FROM projects p RIGHT JOIN countries c ON c.code = p.country_code
SELECT c.code, p.id FROM countries c FULL JOIN projects p ON c.code = p.country_code
SELECT a.id, m.id, p.id FROM accounts a LEFT JOIN (managers m FULL JOIN projects p ON p.manager_id = m.id) ON true
SELECT name FROM managers WHERE id IN (SELECT manager_id FROM projects UNION SELECT assignee_id FROM tasks)
SELECT id, jsonb_path_query(meta, '$.stage') FROM projects
insert from a CTE
WITH src AS (SELECT id, name FROM managers WHERE email IS NULL) INSERT INTO tasks (id, project_id, name) SELECT 300 + id, 1, 'call ' || name FROM src RETURNING id, name
insert whose SELECT has its own WITH
INSERT INTO tasks (id, project_id, name) WITH src AS (SELECT id FROM projects) SELECT 400 + id, id, 'w' FROM src RETURNING id
insert select with ORDER BY and LIMIT
INSERT INTO tasks (id, project_id, name) SELECT id + 500, project_id, name FROM tasks ORDER BY priority DESC, id LIMIT 2 RETURNING id
INSERT INTO managers (id, name) VALUES (1, 'Ada L.') ON CONFLICT ON CONSTRAINT managers_pkey DO UPDATE SET name = EXCLUDED.name RETURNING *
INSERT INTO tasks (id, project_id, name, priority) VALUES (2, 1, 'build', 9) ON CONFLICT (account_id, id) DO UPDATE SET priority = EXCLUDED.priority WHERE EXCLUDED.priority > (SELECT avg(priority) FROM tasks) RETURNING id, priority
insert returning a subquery
INSERT INTO managers (id, name) VALUES (50, 'Mo') RETURNING id, (SELECT count(*) FROM managers) AS before
update with alias and returning a subquery
UPDATE tasks AS t SET priority = 0 WHERE t.done RETURNING t.id, (SELECT count(*) FROM tasks s WHERE s.project_id = t.project_id)
update from a join list
UPDATE tasks t SET assignee_id = m.id FROM projects p JOIN managers m ON m.id = p.manager_id WHERE p.id = t.project_id AND t.assignee_id IS NULL RETURNING t.id, t.assignee_id
update from a reference table
UPDATE projects p SET name = p.name || ' (' || c.name || ')' FROM countries c WHERE c.code = p.country_code RETURNING p.id, p.name
update set to DEFAULT
UPDATE tasks SET priority = DEFAULT, labels = NULL WHERE id = $1 RETURNING *
update array column
UPDATE projects SET tags = array_append(tags, $1) WHERE NOT ($1 = ANY (tags)) RETURNING id, tags
delete using a reference table
DELETE FROM tasks t USING projects p, countries c WHERE p.id = t.project_id AND c.code = p.country_code AND c.name = $1 RETURNING t.id
delete with a subquery over a set operation
DELETE FROM project_managers WHERE manager_id IN (SELECT id FROM managers WHERE name = 'Bob' UNION SELECT 3) RETURNING *
WITH a AS (UPDATE tasks SET done = true WHERE priority > 4 RETURNING id), b AS (DELETE FROM project_managers WHERE role = 'member' RETURNING project_id) SELECT (SELECT count(*) FROM a), (SELECT count(*) FROM b)
WITH old AS (SELECT id FROM tasks WHERE done), gone AS (DELETE FROM tasks WHERE id IN (SELECT id FROM old) RETURNING id) SELECT count(*) FROM gone
WITH tasks AS (SELECT id, name FROM tasks WHERE done) SELECT * FROM tasks
WITH x AS (SELECT id, name FROM projects), projects AS (SELECT 1::bigint AS id, 'fake' AS name) SELECT * FROM x UNION ALL SELECT * FROM projects
SELECT id, name FROM tasks WHERE id IN (WITH tasks AS (SELECT 2::bigint AS id) SELECT id FROM tasks)
WITH managers AS (SELECT 1::bigint AS id) SELECT p.id FROM projects p WHERE p.manager_id IN (SELECT id FROM managers)
SELECT tasks.id, t.id FROM projects tasks JOIN tasks t ON t.project_id = tasks.id
SELECT id FROM tasks WHERE id IN (SELECT parent_id FROM tasks WHERE parent_id IS NOT NULL)
SELECT m.id, p FROM managers m JOIN projects p ON p.manager_id = m.id
SELECT m, p.id FROM managers m FULL JOIN projects p ON p.manager_id = m.id
SELECT id, m.name, p.name FROM managers m FULL JOIN projects p USING (id)
SELECT m.id, p.id, t.id FROM managers m FULL JOIN (projects p JOIN tasks t ON t.project_id = p.id) ON p.manager_id = m.id
SELECT m.id, p.a, p.b FROM managers m FULL JOIN projects AS p(x, a, b) ON p.a = m.id
SELECT t.id, p.id, m.id FROM tasks t LEFT JOIN (projects p JOIN managers m ON m.id = p.manager_id) ON p.id = t.project_id
SELECT t.id, p.id, m.id FROM tasks t RIGHT JOIN projects p ON p.id = t.project_id AND t.done LEFT JOIN managers m ON m.id = t.assignee_id
SELECT id, p.name, t.name FROM projects p LEFT JOIN tasks t USING (id)
SELECT * FROM tasks NATURAL LEFT JOIN project_managers
SELECT t.id, m.id FROM (tasks t LEFT JOIN projects p ON p.id = t.project_id) LEFT JOIN managers m ON m.id = p.manager_id
SELECT t.id FROM tasks t JOIN projects p ON p.id = t.project_id WHERE t.done IS TRUE FOR UPDATE OF t NOWAIT
insert select naming the tenant column
INSERT INTO tasks (account_id, id, project_id, name) SELECT account_id, id + 600, project_id, name FROM tasks RETURNING account_id, id
insert naming the tenant column as an expression
INSERT INTO managers (account_id, id, name) VALUES ($1::bigint, 23, 'Expr') RETURNING *
INSERT INTO managers (id, name) VALUES (2, 'Bob B.') ON CONFLICT (account_id, id) WHERE true DO UPDATE SET name = EXCLUDED.name RETURNING *
DELETE FROM tasks t USING tasks p WHERE p.id = t.parent_id AND NOT p.done RETURNING t.id
UPDATE ONLY tasks SET done = NOT done WHERE priority < 3 RETURNING id, done
WITH tasks AS (DELETE FROM tasks WHERE priority > 5 RETURNING id) SELECT count(*) FROM tasks
insert whose CTE is named after the target
WITH tasks AS (SELECT 700::bigint AS id) INSERT INTO tasks (id, project_id, name) SELECT id, 1, 'cte' FROM tasks RETURNING id
SELECT id, '$5' AS s, $$ $7 $$ AS d /* $9 */ FROM tasks WHERE id = $1 -- $8 
SELECT id FROM tasks WHERE (priority > $2 OR id = $1) AND assignee_id IS DISTINCT FROM $2
SELECT "T".id, "T".name FROM tasks "T" JOIN projects "P" ON "P".id = "T".project_id
SELECT "order".id, "select".name FROM tasks AS "order" LEFT JOIN managers AS "select" ON "select".id = "order".assignee_id
SELECT id FROM managers WHERE name <> E'\\u00e9\\t' AND name <> 'Zoë'
SELECT account_id.id FROM tasks account_id WHERE account_id.done
MERGE INTO tasks t USING projects p ON t.project_id = p.id WHEN MATCHED THEN UPDATE SET done = true
SELECT query_to_xml('SELECT * FROM tasks', true, false, '')
TRUNCATE tasks
SELECT * FROM projects WHERE id = $3 AND name = $1
SELECT * FROM projects WHERE id = $3 AND name = $1 AND projects.account_id = $4
SELECT * FROM projects
SELECT * FROM projects WHERE projects.account_id = $1
SELECT n.body FROM notes AS n
SELECT n.body FROM notes n WHERE n.org_id = $1
SELECT * FROM accounts
SELECT * FROM accounts WHERE accounts.id = $1
SELECT * FROM tasks WHERE done OR name = $1
SELECT * FROM tasks WHERE (done OR name = $1) AND tasks.account_id = $2
SELECT * FROM tasks WHERE done AND name = $1
SELECT * FROM tasks WHERE done AND name = $1 AND tasks.account_id = $2
SELECT * FROM tasks WHERE NOT done
SELECT * FROM tasks WHERE NOT done AND tasks.account_id = $1
SELECT t.name FROM tasks t JOIN projects p ON p.id = t.project_id
SELECT t.name FROM tasks t JOIN projects p ON p.id = t.project_id AND t.account_id = p.account_id WHERE t.account_id = $1 AND p.account_id = $1
SELECT * FROM projects p LEFT JOIN tasks t ON t.project_id = p.id
SELECT * FROM projects p LEFT JOIN tasks t ON t.project_id = p.id AND p.account_id = t.account_id AND t.account_id = $1 WHERE p.account_id = $1
SELECT * FROM tasks t RIGHT JOIN projects p ON t.project_id = p.id
SELECT * FROM tasks t RIGHT JOIN projects p ON t.project_id = p.id AND t.account_id = p.account_id AND t.account_id = $1 WHERE p.account_id = $1
SELECT * FROM projects p LEFT JOIN (tasks t JOIN managers m ON m.id = t.id) ON t.project_id = p.id
SELECT * FROM projects p LEFT JOIN (tasks t JOIN managers m ON m.id = t.id AND t.account_id = m.account_id) ON t.project_id = p.id AND p.account_id = t.account_id AND t.account_id = $1 AND m.account_id = $1 WHERE p.account_id = $1
SELECT * FROM projects p FULL JOIN tasks t ON t.project_id = p.id
SELECT * FROM (SELECT * FROM projects WHERE projects.account_id = $1) p FULL JOIN (SELECT * FROM tasks WHERE tasks.account_id = $1) t ON t.project_id = p.id AND p.account_id = t.account_id
SELECT * FROM projects p JOIN tasks t USING (id)
SELECT * FROM projects p JOIN tasks t USING (id) WHERE p.account_id = $1 AND t.account_id = $1 AND p.account_id = t.account_id
SELECT * FROM projects p LEFT JOIN tasks t USING (id)
SELECT * FROM projects p LEFT JOIN (SELECT * FROM tasks WHERE tasks.account_id = $1) t USING (id) WHERE p.account_id = $1
SELECT * FROM projects, tasks WHERE tasks.project_id = projects.id
SELECT * FROM projects, tasks WHERE tasks.project_id = projects.id AND projects.account_id = $1 AND tasks.account_id = $1 AND projects.account_id = tasks.account_id
SELECT a.name, p.name FROM accounts a JOIN projects p ON p.account_id = a.id AND a.id = p.account_id WHERE a.id = $1 AND p.account_id = $1
SELECT x FROM projects AS p(a, x)
SELECT x FROM (SELECT * FROM projects WHERE projects.account_id = $1) p(a, x)
SELECT p.name, (SELECT count(*) FROM tasks t WHERE t.project_id = p.id) FROM projects p WHERE EXISTS (SELECT 1 FROM managers m WHERE m.id = $1) AND p.id IN (SELECT project_id FROM tasks)
SELECT p.name, (SELECT count(*) FROM tasks t WHERE t.project_id = p.id AND t.account_id = $2) FROM projects p WHERE EXISTS (SELECT 1 FROM managers m WHERE m.id = $1 AND m.account_id = $2) AND p.id IN (SELECT project_id FROM tasks WHERE tasks.account_id = $2) AND p.account_id = $2
SELECT * FROM (SELECT * FROM tasks) s JOIN countries c ON true
SELECT * FROM (SELECT * FROM tasks WHERE tasks.account_id = $1) s JOIN countries c ON true
SELECT p.id, l.name FROM projects p, LATERAL (SELECT name FROM tasks t WHERE t.project_id = p.id LIMIT 1) l
SELECT p.id, l.name FROM projects p, LATERAL (SELECT name FROM tasks t WHERE t.project_id = p.id AND t.account_id = $1 LIMIT 1) l WHERE p.account_id = $1
WITH tasks AS (SELECT * FROM projects) SELECT * FROM tasks
WITH tasks AS (SELECT * FROM projects WHERE projects.account_id = $1) SELECT * FROM tasks
WITH tasks AS (SELECT 1) SELECT * FROM public.tasks
WITH tasks AS (SELECT 1) SELECT * FROM public.tasks WHERE tasks.account_id = $1
WITH RECURSIVE r AS (SELECT id FROM tasks WHERE id = 1 UNION ALL SELECT t.id FROM tasks t JOIN r ON t.id = r.id + 1) SELECT * FROM r
WITH RECURSIVE r AS (SELECT id FROM tasks WHERE id = 1 AND tasks.account_id = $1 UNION ALL SELECT t.id FROM tasks t JOIN r ON t.id = r.id + 1 WHERE t.account_id = $1) SELECT * FROM r
WITH gone AS (DELETE FROM tasks WHERE done RETURNING id) SELECT count(*) FROM gone
WITH gone AS (DELETE FROM tasks WHERE done AND tasks.account_id = $1 RETURNING id) SELECT count(*) FROM gone
SELECT name FROM projects UNION SELECT name FROM tasks ORDER BY 1 LIMIT $1
SELECT name FROM projects WHERE projects.account_id = $2 UNION SELECT name FROM tasks WHERE tasks.account_id = $2 ORDER BY 1 LIMIT $1
INSERT INTO tasks (id, name) VALUES ($1, $2), ($3, $4) RETURNING *
INSERT INTO tasks (id, name, account_id) VALUES ($1, $2, $5), ($3, $4, $5) RETURNING *
INSERT INTO tasks DEFAULT VALUES
INSERT INTO tasks (account_id) VALUES ($1)
INSERT INTO public.notes AS n DEFAULT VALUES RETURNING n.id
INSERT INTO public.notes AS n (org_id) VALUES ($1) RETURNING n.id
INSERT INTO tasks (account_id, name) VALUES ($1, $2)
INSERT INTO tasks (account_id, name) VALUES (CASE WHEN $1 = $3 THEN $1 WHEN $1 IS NULL THEN $3 WHEN ('multitenant: cross-tenant write to tasks.account_id = ' || $1::text)::int IS NULL THEN $1 END, $2)
INSERT INTO tasks (account_id, name) VALUES (DEFAULT, 'x')
INSERT INTO tasks (account_id, name) VALUES ($1, 'x')
INSERT INTO tasks (account_id, name) VALUES ((SELECT 2), 'x')
INSERT INTO tasks (name, project_id) SELECT name, id FROM projects WHERE id = $1
INSERT INTO tasks (name, project_id, account_id) SELECT name, id, $2 FROM projects WHERE id = $1 AND projects.account_id = $2
INSERT INTO tasks (name) SELECT name FROM projects UNION SELECT name FROM managers
INSERT INTO tasks (name, account_id) SELECT mt_src.c1, $1 FROM (SELECT name FROM projects WHERE projects.account_id = $1 UNION SELECT name FROM managers WHERE managers.account_id = $1) mt_src(c1)
INSERT INTO tasks VALUES (1, 2, 'x')
INSERT INTO projects (id, name) VALUES ($1, $2) ON CONFLICT (account_id, id) DO UPDATE SET name = EXCLUDED.name
INSERT INTO projects (id, name, account_id) VALUES ($1, $2, $3) ON CONFLICT (account_id, id) DO UPDATE SET name = excluded.name WHERE projects.account_id = $3
INSERT INTO projects AS p (id, name) VALUES (1, 'a') ON CONFLICT DO NOTHING
INSERT INTO projects AS p (id, name, account_id) VALUES (1, 'a', $1) ON CONFLICT DO NOTHING
INSERT INTO projects (id, name) VALUES (1, 'a') ON CONFLICT (id) DO UPDATE SET account_id = 2
UPDATE tasks SET done = $1 WHERE id = $2
UPDATE tasks SET done = $1 WHERE id = $2 AND tasks.account_id = $3
DELETE FROM tasks
DELETE FROM tasks WHERE tasks.account_id = $1
UPDATE tasks t SET done = true FROM projects p WHERE p.id = t.project_id AND p.name = $1
UPDATE tasks t SET done = true FROM projects p WHERE p.id = t.project_id AND p.name = $1 AND t.account_id = $2 AND p.account_id = $2 AND t.account_id = p.account_id
DELETE FROM tasks USING projects p WHERE p.id = tasks.project_id
DELETE FROM tasks USING projects p WHERE p.id = tasks.project_id AND tasks.account_id = $1 AND p.account_id = $1 AND tasks.account_id = p.account_id
UPDATE tasks SET account_id = 2 WHERE id = 1
UPDATE tasks SET (name, account_id) = ('x', 2)
SELECT * FROM countries WHERE id = $1
SELECT * FROM users u JOIN countries c ON c.id = u.country_id
UPDATE users SET name = 'x'
SELECT * FROM countries
SELECT * FROM tasks t JOIN projects p ON p.id = t.project_id
SELECT * FROM tasks t JOIN projects p ON p.id = t.project_id AND t.account_id = p.account_id WHERE t.account_id = ANY($1) AND p.account_id = ANY($1)
INSERT INTO tasks (name) VALUES ('x')
SELECT * FROM countries c JOIN tasks t ON t.id = c.id
INSERT INTO projects (name) VALUES ('x')
DELETE FROM public.managers
SELECT (SELECT max(id) FROM notes)
SELECT * FROM tasks t JOIN projects p ON p.id = t.project_id AND t.account_id = p.account_id
SELECT * FROM tasks
UPDATE tasks SET account_id = 2
TRUNCATE of tenant table `tasks`
COPY tasks TO STDOUT
COPY of tenant table `tasks`
MERGE INTO tasks t USING projects p ON t.id = p.id WHEN MATCHED THEN DELETE
DELETE FROM tasks WHERE CURRENT OF c
COPY (SELECT * FROM tasks) TO STDOUT
COPY (SELECT * FROM tasks WHERE tasks.account_id = $1) TO STDOUT
SELECT * FROM tasks WHERE
SELECT * FROM tasks WHERE tasks.account_id = -4
SELECT * FROM t
SELECT * FROM t WHERE t.org = '1b4e28ba-2fa1-11d2-883f-0016d3cca427'::uuid
SELECT * FROM tasks WHERE tasks.account_id = $1
SELECT * FROM app.tasks
SELECT * FROM app.tasks WHERE tasks.account_id = $1
SELECT * FROM other.tasks
SELECT * FROM tasks WHERE id = $1
SELECT DISTINCT ON (project_id) project_id, name, row_number() OVER (PARTITION BY project_id ORDER BY id) FROM tasks ORDER BY project_id, id FOR NO KEY UPDATE
SELECT DISTINCT ON (project_id) project_id, name, row_number() OVER (PARTITION BY project_id ORDER BY id) FROM tasks WHERE tasks.account_id = $1 ORDER BY project_id, id FOR NO KEY UPDATE
SELECT * FROM task_report
SELECT tasks_of(1)
SELECT * FROM public.tasks_of(1)
SELECT * FROM countries WHERE id IN (SELECT tasks_of(2))
SELECT lower('X')
WITH tasks AS (SELECT 1) DELETE FROM tasks
WITH tasks AS (SELECT 1) DELETE FROM tasks WHERE tasks.account_id = $1
WITH tasks AS (SELECT 1) UPDATE tasks SET done = true
WITH tasks AS (SELECT 1) UPDATE tasks SET done = true WHERE tasks.account_id = $1
WITH tasks AS (SELECT 'x' AS n) INSERT INTO tasks (name) SELECT n FROM tasks
WITH tasks AS (SELECT 'x' AS n) INSERT INTO tasks (name, account_id) SELECT n, $1 FROM tasks
UPDATE tasks SET (name, done) = (SELECT name, true FROM projects WHERE id = $1) WHERE id = $2
UPDATE tasks SET (name, done) = (SELECT name, true FROM projects WHERE id = $1 AND projects.account_id = $3) WHERE id = $2 AND tasks.account_id = $3
SELECT pg_catalog.table_to_xml('tasks', true, false, '')
SELECT * FROM ts_stat('SELECT body FROM notes')
