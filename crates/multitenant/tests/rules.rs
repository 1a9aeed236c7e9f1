//! The scoping contract of DESIGN.md, one test per rule, with the expected SQL written out.

use multitenant::{Error, KeyKind, Schema, Scope, Scoper, TenantKey};

#[path = "rules/in_place.rs"]
mod in_place;

fn schema() -> Schema {
    Schema::builder()
        .tenant_root("accounts", "id")
        .tenant_table("projects", "account_id")
        .tenant_table("tasks", "account_id")
        .tenant_table("managers", "account_id")
        .tenant_table("notes", "org_id")
        .reference_table("countries")
        .build()
        .unwrap()
}

fn scoper() -> Scoper {
    Scoper::new(schema())
}

fn one() -> Scope {
    Scope::one(1_i64)
}

/// The scoped SQL for tenant 1, asserting the tenant parameter number.
fn scoped(sql: &str, param: usize) -> String {
    let s = scoper()
        .rewrite(sql, Some(&one()))
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    assert_eq!(s.tenant_param(), Some(param), "tenant parameter of {sql}");
    assert_eq!(
        s.tenant_bind(),
        Some(&multitenant::adapter::TenantBind::One(TenantKey::Int(1)))
    );
    s.sql().to_owned()
}

fn refused(sql: &str) -> Error {
    match scoper().rewrite(sql, Some(&one())) {
        Ok(s) => panic!("{sql} was not refused: {}", s.sql()),
        Err(e) => e,
    }
}

#[test]
fn tenant_parameter_follows_the_highest_placeholder() {
    assert_eq!(
        scoped("SELECT * FROM projects WHERE id = $3 AND name = $1", 4),
        "SELECT * FROM projects WHERE id = $3 AND name = $1 AND projects.account_id = $4"
    );
    assert_eq!(
        scoped("SELECT * FROM projects", 1),
        "SELECT * FROM projects WHERE projects.account_id = $1"
    );
}

#[test]
fn placeholders_outside_one_to_65535_are_refused() {
    // `$0` parses, but PostgreSQL numbers parameters from 1: the deparsed text would not parse.
    for sql in [
        "SELECT id FROM tasks WHERE id IS NOT DISTINCT FROM $0",
        "SELECT id FROM countries WHERE id = $0",
        "SELECT id FROM tasks WHERE id = $65536",
    ] {
        let error = refused(sql).to_string();
        assert!(
            error.contains("placeholders are numbered from $1 to $65535"),
            "{sql}: {error}"
        );
    }
    assert_eq!(
        scoped("SELECT id FROM tasks WHERE id = $65534", 65535),
        "SELECT id FROM tasks WHERE id = $65534 AND tasks.account_id = $65535"
    );
}

#[test]
fn casts_take_only_constant_type_modifiers() {
    assert_eq!(
        scoped(
            "SELECT name::varchar(20), 1.5::numeric(10, 2) FROM tasks",
            1
        ),
        "SELECT name::varchar(20), (1.5)::numeric(10, 2) FROM tasks WHERE tasks.account_id = $1"
    );
    // The grammar takes any expression as a modifier; PostgreSQL then refuses it, and the
    // deparser drops some (`$1::unnest()`): refused here, never rewritten.
    for sql in [
        "SELECT * FROM tasks WHERE tasks.account_id = unnest(ARRAY[1, 2]) $1",
        "SELECT 1::numeric((SELECT account_id FROM tasks LIMIT 1))",
    ] {
        let error = refused(sql).to_string();
        assert!(
            error.contains("a type modifier that is not a constant"),
            "{sql}: {error}"
        );
    }
}

#[test]
fn predicate_uses_the_alias_and_the_tables_own_column() {
    assert_eq!(
        scoped("SELECT n.body FROM notes AS n", 1),
        "SELECT n.body FROM notes n WHERE n.org_id = $1"
    );
    assert_eq!(
        scoped("SELECT * FROM accounts", 1),
        "SELECT * FROM accounts WHERE accounts.id = $1"
    );
}

#[test]
fn existing_predicates_keep_their_meaning() {
    assert_eq!(
        scoped("SELECT * FROM tasks WHERE done OR name = $1", 2),
        "SELECT * FROM tasks WHERE (done OR name = $1) AND tasks.account_id = $2"
    );
    assert_eq!(
        scoped("SELECT * FROM tasks WHERE done AND name = $1", 2),
        "SELECT * FROM tasks WHERE done AND name = $1 AND tasks.account_id = $2"
    );
    assert_eq!(
        scoped("SELECT * FROM tasks WHERE NOT done", 1),
        "SELECT * FROM tasks WHERE NOT done AND tasks.account_id = $1"
    );
}

#[test]
fn inner_join_gets_tenant_equality_and_both_predicates() {
    assert_eq!(
        scoped(
            "SELECT t.name FROM tasks t JOIN projects p ON p.id = t.project_id",
            1
        ),
        "SELECT t.name FROM tasks t JOIN projects p ON p.id = t.project_id AND t.account_id = p.account_id \
         WHERE t.account_id = $1 AND p.account_id = $1"
    );
}

#[test]
fn left_join_scopes_the_nullable_side_in_on() {
    assert_eq!(
        scoped(
            "SELECT * FROM projects p LEFT JOIN tasks t ON t.project_id = p.id",
            1
        ),
        "SELECT * FROM projects p LEFT JOIN tasks t ON t.project_id = p.id AND p.account_id = t.account_id \
         AND t.account_id = $1 WHERE p.account_id = $1"
    );
    assert_eq!(
        scoped(
            "SELECT * FROM tasks t RIGHT JOIN projects p ON t.project_id = p.id",
            1
        ),
        "SELECT * FROM tasks t RIGHT JOIN projects p ON t.project_id = p.id AND t.account_id = p.account_id \
         AND t.account_id = $1 WHERE p.account_id = $1"
    );
}

#[test]
fn nested_outer_joins_place_each_predicate_at_its_join() {
    assert_eq!(
        scoped(
            "SELECT * FROM projects p LEFT JOIN (tasks t JOIN managers m ON m.id = t.id) ON t.project_id = p.id",
            1
        ),
        "SELECT * FROM projects p LEFT JOIN (tasks t JOIN managers m ON m.id = t.id AND t.account_id = m.account_id) \
         ON t.project_id = p.id AND p.account_id = t.account_id AND t.account_id = $1 AND m.account_id = $1 \
         WHERE p.account_id = $1"
    );
}

#[test]
fn full_join_filters_each_side_in_place() {
    // Each side becomes an inner join with an empty select (one row, no column) on the tenant
    // predicate: the table keeps its name and columns, and `*` is unchanged.
    assert_eq!(
        scoped(
            "SELECT * FROM projects p FULL JOIN tasks t ON t.project_id = p.id",
            1
        ),
        "SELECT * FROM projects p JOIN (SELECT) mt_scope_1 ON p.account_id = $1 FULL JOIN \
         (tasks t JOIN (SELECT) mt_scope_2 ON t.account_id = $1) ON t.project_id = p.id AND p.account_id = t.account_id"
    );
}

#[test]
fn using_joins_keep_their_output_columns() {
    assert_eq!(
        scoped("SELECT * FROM projects p JOIN tasks t USING (id)", 1),
        "SELECT * FROM projects p JOIN tasks t USING (id) \
         WHERE p.account_id = $1 AND t.account_id = $1 AND p.account_id = t.account_id"
    );
    assert_eq!(
        scoped("SELECT * FROM projects p LEFT JOIN tasks t USING (id)", 1),
        "SELECT * FROM projects p LEFT JOIN (tasks t JOIN (SELECT) mt_scope_1 ON t.account_id = $1) \
         USING (id) WHERE p.account_id = $1"
    );
}

#[test]
fn comma_joins_get_equality_in_where() {
    assert_eq!(
        scoped(
            "SELECT * FROM projects, tasks WHERE tasks.project_id = projects.id",
            1
        ),
        "SELECT * FROM projects, tasks WHERE tasks.project_id = projects.id AND projects.account_id = $1 \
         AND tasks.account_id = $1 AND projects.account_id = tasks.account_id"
    );
}

#[test]
fn join_with_the_root_uses_its_key_column() {
    assert_eq!(
        scoped(
            "SELECT a.name, p.name FROM accounts a JOIN projects p ON p.account_id = a.id",
            1
        ),
        "SELECT a.name, p.name FROM accounts a JOIN projects p ON p.account_id = a.id AND a.id = p.account_id \
         WHERE a.id = $1 AND p.account_id = $1"
    );
}

#[test]
fn column_aliases_are_filtered_in_a_subquery() {
    assert_eq!(
        scoped("SELECT x FROM projects AS p(a, x)", 1),
        "SELECT x FROM (SELECT * FROM projects WHERE projects.account_id = $1) p(a, x)"
    );
}

#[test]
fn subqueries_are_scoped_at_their_own_level() {
    assert_eq!(
        scoped(
            "SELECT p.name, (SELECT count(*) FROM tasks t WHERE t.project_id = p.id) FROM projects p \
             WHERE EXISTS (SELECT 1 FROM managers m WHERE m.id = $1) AND p.id IN (SELECT project_id FROM tasks)",
            2
        ),
        "SELECT p.name, (SELECT count(*) FROM tasks t WHERE t.project_id = p.id AND t.account_id = $2) FROM projects p \
         WHERE EXISTS (SELECT 1 FROM managers m WHERE m.id = $1 AND m.account_id = $2) \
         AND p.id IN (SELECT project_id FROM tasks WHERE tasks.account_id = $2) AND p.account_id = $2"
    );
    assert_eq!(
        scoped(
            "SELECT * FROM (SELECT * FROM tasks) s JOIN countries c ON true",
            1
        ),
        "SELECT * FROM (SELECT * FROM tasks WHERE tasks.account_id = $1) s JOIN countries c ON true"
    );
}

#[test]
fn lateral_subqueries_are_scoped() {
    assert_eq!(
        scoped(
            "SELECT p.id, l.name FROM projects p, LATERAL (SELECT name FROM tasks t WHERE t.project_id = p.id LIMIT 1) l",
            1
        ),
        "SELECT p.id, l.name FROM projects p, LATERAL (SELECT name FROM tasks t WHERE t.project_id = p.id \
         AND t.account_id = $1 LIMIT 1) l WHERE p.account_id = $1"
    );
}

#[test]
fn ctes_are_scoped_and_their_names_are_not_tables() {
    assert_eq!(
        scoped(
            "WITH tasks AS (SELECT * FROM projects) SELECT * FROM tasks",
            1
        ),
        "WITH tasks AS (SELECT * FROM projects WHERE projects.account_id = $1) SELECT * FROM tasks"
    );
    // A qualified name is the table, not the CTE.
    assert_eq!(
        scoped("WITH tasks AS (SELECT 1) SELECT * FROM public.tasks", 1),
        "WITH tasks AS (SELECT 1) SELECT * FROM public.tasks WHERE tasks.account_id = $1"
    );
}

#[test]
fn recursive_ctes_scope_both_arms() {
    assert_eq!(
        scoped(
            "WITH RECURSIVE r AS (SELECT id FROM tasks WHERE id = 1 UNION ALL SELECT t.id FROM tasks t JOIN r ON t.id = r.id + 1) SELECT * FROM r",
            1
        ),
        "WITH RECURSIVE r AS (SELECT id FROM tasks WHERE id = 1 AND tasks.account_id = $1 UNION ALL \
         SELECT t.id FROM tasks t JOIN r ON t.id = r.id + 1 WHERE t.account_id = $1) SELECT * FROM r"
    );
}

#[test]
fn data_modifying_ctes_are_scoped() {
    assert_eq!(
        scoped(
            "WITH gone AS (DELETE FROM tasks WHERE done RETURNING id) SELECT count(*) FROM gone",
            1
        ),
        "WITH gone AS (DELETE FROM tasks WHERE done AND tasks.account_id = $1 RETURNING id) SELECT count(*) FROM gone"
    );
}

#[test]
fn set_operations_scope_each_arm() {
    assert_eq!(
        scoped(
            "SELECT name FROM projects UNION SELECT name FROM tasks ORDER BY 1 LIMIT $1",
            2
        ),
        "SELECT name FROM projects WHERE projects.account_id = $2 UNION SELECT name FROM tasks \
         WHERE tasks.account_id = $2 ORDER BY 1 LIMIT $1"
    );
}

#[test]
fn insert_fills_the_tenant_column() {
    assert_eq!(
        scoped(
            "INSERT INTO tasks (id, name) VALUES ($1, $2), ($3, $4) RETURNING *",
            5
        ),
        "INSERT INTO tasks (id, name, account_id) VALUES ($1, $2, $5), ($3, $4, $5) RETURNING *"
    );
}

#[test]
fn insert_default_values_fills_the_tenant_column_for_one_tenant() {
    assert_eq!(
        scoped("INSERT INTO tasks DEFAULT VALUES", 1),
        "INSERT INTO tasks (account_id) VALUES ($1)"
    );
    assert_eq!(
        scoped(
            "INSERT INTO public.notes AS n DEFAULT VALUES RETURNING n.id",
            1
        ),
        "INSERT INTO public.notes AS n (org_id) VALUES ($1) RETURNING n.id"
    );
    // Under a set of tenants no one value is the row's tenant: refused like any INSERT that
    // leaves the tenant column to the scoper.
    let e = scoper()
        .rewrite(
            "INSERT INTO tasks DEFAULT VALUES",
            Some(&Scope::many([1_i64, 2])),
        )
        .unwrap_err();
    assert!(matches!(e, Error::Unsupported { .. }), "{e}");
}

#[test]
fn insert_rows_must_match_the_column_list() {
    // A short row would leave the tenant value unchecked, or put the filled-in one into
    // another column: refused, under every scope (PostgreSQL would refuse it too).
    for sql in [
        "INSERT INTO tasks (id, name, account_id) VALUES ($1, $2, $3), ($4, $5)",
        "INSERT INTO tasks (id, name) VALUES ($1)",
        "INSERT INTO tasks (id) VALUES ($1, $2)",
    ] {
        let error = refused(sql).to_string();
        assert!(
            error.contains("give every VALUES row one value per named column"),
            "{sql}: {error}"
        );
        assert!(
            scoper().rewrite(sql, None).is_err(),
            "{sql} without a tenant"
        );
    }
}

#[test]
fn insert_checks_an_explicit_tenant_value() {
    assert_eq!(
        scoped("INSERT INTO tasks (account_id, name) VALUES ($1, $2)", 3),
        "INSERT INTO tasks (account_id, name) VALUES (CASE WHEN $1 = $3 THEN $1 WHEN $1 IS NULL THEN $3 \
         WHEN ('multitenant: cross-tenant write to tasks.account_id = ' || $1::text)::int IS NULL THEN $1 END, $2)"
    );
    assert_eq!(
        scoped(
            "INSERT INTO tasks (account_id, name) VALUES (DEFAULT, 'x')",
            1
        ),
        "INSERT INTO tasks (account_id, name) VALUES ($1, 'x')"
    );
    // A scalar subquery is evaluated once, and its value checked like a parameter's.
    assert_eq!(
        scoped(
            "INSERT INTO tasks (account_id, name) VALUES ((SELECT max(id) FROM accounts), 'x')",
            1
        ),
        "INSERT INTO tasks (account_id, name) VALUES ((SELECT CASE WHEN mt_value.v = $1 THEN mt_value.v \
         WHEN mt_value.v IS NULL THEN $1 WHEN ('multitenant: cross-tenant write to tasks.account_id = ' \
         || mt_value.v::text)::int IS NULL THEN mt_value.v END FROM (SELECT (SELECT max(id) FROM accounts \
         WHERE accounts.id = $1) AS v) mt_value), 'x')"
    );
    assert!(matches!(
        refused("INSERT INTO tasks (account_id, name) VALUES (1 + $1, 'x')"),
        Error::Unsupported { .. }
    ));
}

#[test]
fn insert_select_scopes_the_select() {
    assert_eq!(
        scoped(
            "INSERT INTO tasks (name, project_id) SELECT name, id FROM projects WHERE id = $1",
            2
        ),
        "INSERT INTO tasks (name, project_id, account_id) SELECT name, id, $2 FROM projects \
         WHERE id = $1 AND projects.account_id = $2"
    );
    assert_eq!(
        scoped(
            "INSERT INTO tasks (name) SELECT name FROM projects UNION SELECT name FROM managers",
            1
        ),
        "INSERT INTO tasks (name, account_id) SELECT mt_src.c1, $1 FROM (SELECT name FROM projects \
         WHERE projects.account_id = $1 UNION SELECT name FROM managers WHERE managers.account_id = $1) mt_src(c1)"
    );
}

#[test]
fn insert_without_column_list_is_refused() {
    let e = refused("INSERT INTO tasks VALUES (1, 2, 'x')");
    assert!(e.to_string().contains("without a column list"), "{e}");
}

#[test]
fn upsert_cannot_take_over_another_tenants_row() {
    assert_eq!(
        scoped(
            "INSERT INTO projects (id, name) VALUES ($1, $2) ON CONFLICT (account_id, id) DO UPDATE SET name = EXCLUDED.name",
            3
        ),
        "INSERT INTO projects (id, name, account_id) VALUES ($1, $2, $3) ON CONFLICT (account_id, id) \
         DO UPDATE SET name = excluded.name WHERE projects.account_id = $3"
    );
    assert_eq!(
        scoped(
            "INSERT INTO projects AS p (id, name) VALUES (1, 'a') ON CONFLICT DO NOTHING",
            1
        ),
        "INSERT INTO projects AS p (id, name, account_id) VALUES (1, 'a', $1) ON CONFLICT DO NOTHING"
    );
    assert!(matches!(
        refused(
            "INSERT INTO projects (id, name) VALUES (1, 'a') ON CONFLICT (id) DO UPDATE SET account_id = 2"
        ),
        Error::TenantColumnAssignment { .. }
    ));
}

#[test]
fn update_and_delete_are_filtered() {
    assert_eq!(
        scoped("UPDATE tasks SET done = $1 WHERE id = $2", 3),
        "UPDATE tasks SET done = $1 WHERE id = $2 AND tasks.account_id = $3"
    );
    assert_eq!(
        scoped("DELETE FROM tasks", 1),
        "DELETE FROM tasks WHERE tasks.account_id = $1"
    );
}

#[test]
fn update_from_and_delete_using_scope_every_item() {
    assert_eq!(
        scoped(
            "UPDATE tasks t SET done = true FROM projects p WHERE p.id = t.project_id AND p.name = $1",
            2
        ),
        "UPDATE tasks t SET done = true FROM projects p WHERE p.id = t.project_id AND p.name = $1 \
         AND t.account_id = $2 AND p.account_id = $2 AND t.account_id = p.account_id"
    );
    assert_eq!(
        scoped(
            "DELETE FROM tasks USING projects p WHERE p.id = tasks.project_id",
            1
        ),
        "DELETE FROM tasks USING projects p WHERE p.id = tasks.project_id AND tasks.account_id = $1 \
         AND p.account_id = $1 AND tasks.account_id = p.account_id"
    );
}

#[test]
fn assigning_the_tenant_column_is_an_error() {
    let e = refused("UPDATE tasks SET account_id = 2 WHERE id = 1");
    assert_eq!(
        e,
        Error::TenantColumnAssignment {
            table: "tasks".into(),
            column: "account_id".into()
        }
    );
    assert!(matches!(
        refused("UPDATE tasks SET (name, account_id) = ('x', 2)"),
        Error::TenantColumnAssignment { .. }
    ));
}

#[test]
fn reference_and_unknown_tables_pass_untouched() {
    for sql in [
        "SELECT * FROM countries WHERE id = $1",
        "SELECT * FROM users u JOIN countries c ON c.id = u.country_id",
        "UPDATE users SET name = 'x'",
        "SELECT 1",
    ] {
        let s = scoper().rewrite(sql, Some(&one())).unwrap();
        assert_eq!(s.sql(), sql);
        assert_eq!(s.tenant_param(), None);
        assert_eq!(s.tenant_bind(), None);
    }
    // Without a tenant too.
    assert_eq!(
        scoper()
            .rewrite("SELECT * FROM countries", None)
            .unwrap()
            .sql(),
        "SELECT * FROM countries"
    );
}

#[test]
fn a_set_of_tenants_uses_any() {
    let s = scoper()
        .rewrite(
            "SELECT * FROM tasks t JOIN projects p ON p.id = t.project_id",
            Some(&Scope::many([1_i64, 2])),
        )
        .unwrap();
    assert_eq!(
        s.sql(),
        "SELECT * FROM tasks t JOIN projects p ON p.id = t.project_id AND t.account_id = p.account_id \
         WHERE t.account_id = ANY($1) AND p.account_id = ANY($1)"
    );
    let e = scoper()
        .rewrite(
            "INSERT INTO tasks (name) VALUES ('x')",
            Some(&Scope::many([1_i64, 2])),
        )
        .unwrap_err();
    assert!(matches!(e, Error::Unsupported { .. }), "{e}");
}

#[test]
fn no_tenant_set_is_refused_naming_the_table() {
    for (sql, table) in [
        (
            "SELECT * FROM countries c JOIN tasks t ON t.id = c.id",
            "tasks",
        ),
        ("INSERT INTO projects (name) VALUES ('x')", "projects"),
        ("DELETE FROM public.managers", "public.managers"),
        ("SELECT (SELECT max(id) FROM notes)", "notes"),
    ] {
        let e = scoper().rewrite(sql, None).unwrap_err();
        assert_eq!(
            e,
            Error::NoTenant {
                table: table.into()
            },
            "{sql}"
        );
    }
}

#[test]
fn unscoped_adds_only_join_equalities() {
    let s = scoper()
        .rewrite(
            "SELECT * FROM tasks t JOIN projects p ON p.id = t.project_id",
            Some(&Scope::Unscoped),
        )
        .unwrap();
    assert_eq!(
        s.sql(),
        "SELECT * FROM tasks t JOIN projects p ON p.id = t.project_id AND t.account_id = p.account_id"
    );
    assert_eq!(s.tenant_param(), None);
    for sql in [
        "SELECT * FROM tasks",
        "TRUNCATE tasks",
        "UPDATE tasks SET account_id = 2",
    ] {
        assert_eq!(
            scoper().rewrite(sql, Some(&Scope::Unscoped)).unwrap().sql(),
            sql
        );
    }
}

#[test]
fn unsafe_statements_are_refused_naming_the_construct() {
    for (sql, needle) in [
        ("TRUNCATE tasks", "TRUNCATE of tenant table `tasks`"),
        ("COPY tasks TO STDOUT", "COPY of tenant table `tasks`"),
        (
            "MERGE INTO tasks t USING projects p ON t.id = p.id WHEN MATCHED THEN DELETE",
            "MERGE",
        ),
        (
            "CREATE VIEW v AS SELECT * FROM tasks",
            "a view over tenant table `tasks`",
        ),
        ("EXECUTE prepared_thing", "ExecuteStmt"),
        ("DELETE FROM tasks WHERE CURRENT OF c", "WHERE CURRENT OF"),
    ] {
        let e = refused(sql);
        assert!(matches!(e, Error::Unsupported { .. }), "{sql}: {e:?}");
        assert!(e.to_string().contains(needle), "{sql}: {e}");
    }
    // COPY of a scoped query is fine.
    assert_eq!(
        scoped("COPY (SELECT * FROM tasks) TO STDOUT", 1),
        "COPY (SELECT * FROM tasks WHERE tasks.account_id = $1) TO STDOUT"
    );
}

#[test]
fn unparseable_sql_is_a_parse_error_with_position() {
    let e = scoper()
        .rewrite("SELECT * FROM tasks WHERE", Some(&one()))
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Parse {
                position: Some(25),
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("does not parse"), "{e}");
}

#[test]
fn simple_protocol_literals_only_where_safe() {
    let s = scoper();
    assert_eq!(
        s.rewrite_literal("SELECT * FROM tasks", Some(&Scope::one(-4_i64)))
            .unwrap(),
        "SELECT * FROM tasks WHERE tasks.account_id = -4"
    );
    let uuid_schema = Schema::builder()
        .key_kind(KeyKind::Uuid)
        .tenant_table("t", "org")
        .build()
        .unwrap();
    let u: uuid::Uuid = "1b4e28ba-2fa1-11d2-883f-0016d3cca427".parse().unwrap();
    assert_eq!(
        Scoper::new(uuid_schema)
            .rewrite_literal("SELECT * FROM t", Some(&Scope::one(u)))
            .unwrap(),
        "SELECT * FROM t WHERE t.org = '1b4e28ba-2fa1-11d2-883f-0016d3cca427'::uuid"
    );
    let text_schema = Schema::builder()
        .key_kind(KeyKind::Text)
        .tenant_table("t", "org")
        .build()
        .unwrap();
    let e = Scoper::new(text_schema)
        .rewrite_literal("SELECT * FROM t", Some(&Scope::one("acme")))
        .unwrap_err();
    assert_eq!(
        e,
        Error::LiteralKeyNotSafe {
            kind: KeyKind::Text
        }
    );
}

#[test]
fn a_key_of_the_wrong_kind_is_refused() {
    let e = scoper()
        .rewrite("SELECT * FROM tasks", Some(&Scope::one("acme")))
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidTenantKey {
                expected: KeyKind::BigInt,
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn schema_qualified_names_and_search_path() {
    let s = Scoper::new(
        Schema::builder()
            .search_path(["app", "public"])
            .tenant_table("app.tasks", "account_id")
            .build()
            .unwrap(),
    );
    let scope = one();
    assert_eq!(
        s.rewrite("SELECT * FROM tasks", Some(&scope))
            .unwrap()
            .sql(),
        "SELECT * FROM tasks WHERE tasks.account_id = $1"
    );
    assert_eq!(
        s.rewrite("SELECT * FROM app.tasks", Some(&scope))
            .unwrap()
            .sql(),
        "SELECT * FROM app.tasks WHERE tasks.account_id = $1"
    );
    // The same name in another schema is another table.
    assert_eq!(
        s.rewrite("SELECT * FROM other.tasks", Some(&scope))
            .unwrap()
            .sql(),
        "SELECT * FROM other.tasks"
    );
}

#[test]
fn utility_statements_pass() {
    for sql in [
        "BEGIN",
        "COMMIT",
        "SET search_path TO app",
        "SAVEPOINT s1",
        "CREATE TABLE x (id int)",
    ] {
        assert_eq!(scoper().rewrite(sql, None).unwrap().sql(), sql);
    }
}

#[test]
fn cache_returns_the_same_text_for_every_tenant() {
    let s = scoper();
    let a = s
        .rewrite(
            "SELECT * FROM tasks WHERE id = $1",
            Some(&Scope::one(1_i64)),
        )
        .unwrap();
    let b = s
        .rewrite(
            "SELECT * FROM tasks WHERE id = $1",
            Some(&Scope::one(2_i64)),
        )
        .unwrap();
    assert!(std::sync::Arc::ptr_eq(&a.shared_sql(), &b.shared_sql()));
    assert_eq!(
        b.tenant_bind(),
        Some(&multitenant::adapter::TenantBind::One(TenantKey::Int(2)))
    );
}

#[test]
fn window_functions_distinct_on_and_locking() {
    assert_eq!(
        scoped(
            "SELECT DISTINCT ON (project_id) project_id, name, row_number() OVER (PARTITION BY project_id ORDER BY id) \
             FROM tasks ORDER BY project_id, id FOR NO KEY UPDATE",
            1
        ),
        "SELECT DISTINCT ON (project_id) project_id, name, row_number() OVER (PARTITION BY project_id ORDER BY id) \
         FROM tasks WHERE tasks.account_id = $1 ORDER BY project_id, id FOR NO KEY UPDATE"
    );
}

#[test]
#[cfg(feature = "toml")]
fn restricted_views_and_functions_are_refused_unless_unscoped() {
    let s = Scoper::new(
        Schema::from_toml_str(
            r#"
            [tenant_tables]
            tasks = "account_id"
            [restricted]
            views = ["task_report"]
            functions = ["tasks_of"]
            "#,
        )
        .unwrap(),
    );
    for (sql, needle) in [
        ("SELECT * FROM task_report", "view `task_report`"),
        ("SELECT tasks_of(1)", "function `tasks_of`"),
        (
            "SELECT * FROM public.tasks_of(1)",
            "function `public.tasks_of`",
        ),
        (
            "SELECT * FROM countries WHERE id IN (SELECT tasks_of(2))",
            "function `tasks_of`",
        ),
    ] {
        let e = s.rewrite(sql, Some(&one())).unwrap_err();
        assert!(e.to_string().contains(needle), "{sql}: {e}");
        assert_eq!(s.rewrite(sql, Some(&Scope::Unscoped)).unwrap().sql(), sql);
    }
    assert_eq!(
        s.rewrite("SELECT lower('X')", Some(&one())).unwrap().sql(),
        "SELECT lower('X')"
    );
}

#[test]
fn a_cte_name_never_hides_a_write_target() {
    assert_eq!(
        scoped("WITH tasks AS (SELECT 1) DELETE FROM tasks", 1),
        "WITH tasks AS (SELECT 1) DELETE FROM tasks WHERE tasks.account_id = $1"
    );
    assert_eq!(
        scoped("WITH tasks AS (SELECT 1) UPDATE tasks SET done = true", 1),
        "WITH tasks AS (SELECT 1) UPDATE tasks SET done = true WHERE tasks.account_id = $1"
    );
    assert_eq!(
        scoped(
            "WITH tasks AS (SELECT 'x' AS n) INSERT INTO tasks (name) SELECT n FROM tasks",
            1
        ),
        "WITH tasks AS (SELECT 'x' AS n) INSERT INTO tasks (name, account_id) SELECT n, $1 FROM tasks"
    );
    let e = scoper()
        .rewrite("WITH tasks AS (SELECT 1) DELETE FROM tasks", None)
        .unwrap_err();
    assert_eq!(
        e,
        Error::NoTenant {
            table: "tasks".into()
        }
    );
}

#[test]
fn multi_column_assignments_scope_their_source_once() {
    assert_eq!(
        scoped(
            "UPDATE tasks SET (name, done) = (SELECT name, true FROM projects WHERE id = $1) WHERE id = $2",
            3
        ),
        "UPDATE tasks SET (name, done) = (SELECT name, true FROM projects WHERE id = $1 AND projects.account_id = $3) \
         WHERE id = $2 AND tasks.account_id = $3"
    );
}

#[test]
fn functions_that_run_sql_text_are_refused() {
    for sql in [
        "SELECT query_to_xml('SELECT * FROM tasks', true, false, '')",
        "SELECT pg_catalog.table_to_xml('tasks', true, false, '')",
        "SELECT * FROM ts_stat('SELECT body FROM notes')",
        "CREATE FUNCTION leak() RETURNS SETOF tasks LANGUAGE sql AS 'SELECT * FROM tasks'",
    ] {
        let e = refused(sql);
        assert!(matches!(e, Error::Unsupported { .. }), "{sql}: {e}");
        assert!(scoper().rewrite(sql, None).is_err(), "{sql}");
    }
}
