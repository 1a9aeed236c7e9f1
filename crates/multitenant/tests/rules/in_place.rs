//! Where a tenant predicate has no WHERE or ON clause to go: tables filtered in place, keeping
//! every name that reaches them; renamed columns; grouping sets, whose filters must not become
//! planner constants.

use super::{scoped, scoper};
use multitenant::Scope;

#[test]
fn tables_filtered_in_place_keep_every_name_they_are_reached_by() {
    // Schema-qualified and table-name references, from the same level and from a subquery,
    // and system columns all still reach the table itself.
    assert_eq!(
        scoped(
            "UPDATE tasks SET done = true WHERE id NOT IN (SELECT public.tasks.id FROM public.tasks \
             FULL JOIN projects p ON p.id = public.tasks.project_id WHERE tasks.ctid IS NOT NULL)",
            1
        ),
        "UPDATE tasks SET done = true WHERE NOT id IN (SELECT public.tasks.id FROM public.tasks \
         JOIN (SELECT) mt_scope_1 ON tasks.account_id = $1 FULL JOIN (projects p JOIN (SELECT) mt_scope_2 \
         ON p.account_id = $1) ON p.id = public.tasks.project_id AND tasks.account_id = p.account_id \
         WHERE tasks.ctid IS NOT NULL) AND tasks.account_id = $1"
    );
    assert_eq!(
        scoped(
            "SELECT s.id FROM managers m FULL JOIN tasks s TABLESAMPLE BERNOULLI (100) ON s.assignee_id = m.id",
            1
        ),
        "SELECT s.id FROM managers m JOIN (SELECT) mt_scope_1 ON m.account_id = $1 FULL JOIN \
         (tasks s TABLESAMPLE bernoulli(100) JOIN (SELECT) mt_scope_2 ON s.account_id = $1) \
         ON s.assignee_id = m.id AND m.account_id = s.account_id"
    );
}

#[test]
fn using_joins_inside_a_full_join_are_filtered_in_place() {
    // Both sides of the inner USING join hold the tenant's rows only: no equality is needed
    // (and a USING join has no ON clause to take one).
    assert_eq!(
        scoped(
            "SELECT * FROM projects p FULL JOIN (tasks t JOIN managers m USING (id)) ON m.id = p.manager_id",
            1
        ),
        "SELECT * FROM projects p JOIN (SELECT) mt_scope_1 ON p.account_id = $1 FULL JOIN \
         (tasks t JOIN (SELECT) mt_scope_2 ON t.account_id = $1 JOIN (managers m JOIN (SELECT) mt_scope_3 \
         ON m.account_id = $1) USING (id)) ON m.id = p.manager_id AND p.account_id = t.account_id"
    );
}

#[test]
fn renamed_columns_filter_in_a_subquery_or_in_place() {
    // The alias may give the tenant column another name (here `id`): the predicate is written
    // inside, on the table's own column.
    assert_eq!(
        scoped(
            "SELECT r.id FROM tasks AS r(id, account_id) WHERE r.account_id = 2",
            1
        ),
        "SELECT r.id FROM (SELECT * FROM tasks WHERE tasks.account_id = $1) r(id, account_id) \
         WHERE r.account_id = 2"
    );
    // A subquery has no system columns: read them, and the table is filtered in place, its
    // tenant column read through the table's row type.
    assert_eq!(
        scoped("SELECT r.ctid, r.a FROM public.tasks AS r(a, b)", 1),
        "SELECT r.ctid, r.a FROM public.tasks r(a, b) JOIN (SELECT) mt_scope_1 \
         ON (ROW(r.*)::public.tasks).account_id = $1"
    );
}

#[test]
fn grouping_sets_filter_without_planner_constants() {
    // Before PostgreSQL 18, `account_id = $1` would let the planner take `account_id` for a
    // constant even in the rolled-up rows where it is NULL, reordering or merging them.
    assert_eq!(
        scoped(
            "SELECT account_id, count(*) FROM tasks GROUP BY ROLLUP (account_id) ORDER BY 1",
            1
        ),
        "SELECT account_id, count(*) FROM tasks WHERE tasks.account_id = ANY(ARRAY[$1]) \
         GROUP BY ROLLUP (account_id) ORDER BY 1"
    );
    assert_eq!(
        scoped(
            "SELECT p.account_id, t.id FROM tasks t JOIN projects p ON p.id = t.project_id \
             GROUP BY CUBE (p.account_id, t.id)",
            1
        ),
        "SELECT p.account_id, t.id FROM tasks t JOIN projects p ON p.id = t.project_id \
         WHERE t.account_id = ANY(ARRAY[$1]) AND p.account_id = ANY(ARRAY[$1]) \
         GROUP BY CUBE (p.account_id, t.id)"
    );
    // One tenant: both sides are filtered to it, so no join equality is needed; a set of
    // tenants keeps the equality in a form outside the planner's equivalence classes, which a
    // FULL join cannot run on.
    let many = Scope::many([1_i64, 2]);
    let sql =
        "SELECT t.id FROM tasks t JOIN projects p ON p.id = t.project_id GROUP BY ROLLUP (t.id)";
    assert_eq!(
        scoper().rewrite(sql, Some(&many)).unwrap().sql(),
        "SELECT t.id FROM tasks t JOIN projects p ON p.id = t.project_id \
         AND t.account_id IS NOT DISTINCT FROM p.account_id WHERE t.account_id = ANY($1) \
         AND p.account_id = ANY($1) GROUP BY ROLLUP (t.id)"
    );
    let full = sql.replace(" JOIN ", " FULL JOIN ");
    let e = scoper().rewrite(&full, Some(&many)).unwrap_err();
    assert!(e.to_string().contains("FULL join"), "{e}");
}
