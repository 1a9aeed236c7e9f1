//! Every way SeaORM reads, through a scoped connection: each returns the current tenant's rows
//! only, although the same ids exist in every tenant; with no tenant set each one is refused.

mod common;

use common::entities::*;
use common::{TestDb, keys};
use futures_util::TryStreamExt;
use multitenant::Scope;
use multitenant_sea_orm::scope_error;
use sea_orm::prelude::*;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{
    DbBackend, FromQueryResult, LoaderTrait, PaginatorTrait, QueryOrder, QuerySelect, QueryTrait,
    Statement, StreamTrait,
};

fn assert_no_tenant(err: DbErr) {
    assert!(
        matches!(scope_error(&err), Some(multitenant::Error::NoTenant { .. })),
        "expected NoTenant, got {err:?}"
    );
}

#[tokio::test]
async fn find_all_one_and_filters_see_only_the_tenant() {
    let t = TestDb::new().await;
    for tenant in 1..=3_i64 {
        let conn = t.db.tenant(tenant);
        let all = projects::Entity::find()
            .order_by_asc(projects::Column::Id)
            .all(&conn)
            .await
            .unwrap();
        assert_eq!(keys(&all), [(tenant, 1), (tenant, 2)]);
        let done = tasks::Entity::find()
            .filter(tasks::Column::Done.eq(true))
            .all(&conn)
            .await
            .unwrap();
        assert_eq!(done.len(), 1);
        assert_eq!((done[0].account_id, done[0].id), (tenant, 2));

        // an OR in the filter keeps its meaning: the tenant predicate is ANDed to all of it
        let either = tasks::Entity::find()
            .filter(tasks::Column::Id.eq(1).or(tasks::Column::Done.eq(true)))
            .all(&conn)
            .await
            .unwrap();
        assert_eq!(either.len(), 2);
        assert!(either.iter().all(|t| t.account_id == tenant));

        let one = tasks::Entity::find()
            .filter(tasks::Column::Name.contains("task"))
            .order_by_desc(tasks::Column::Id)
            .one(&conn)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((one.account_id, one.id), (tenant, 3));

        // the root table: a tenant sees its own account only
        let accounts = accounts::Entity::find().all(&conn).await.unwrap();
        assert_eq!(accounts.iter().map(|a| a.id).collect::<Vec<_>>(), [tenant]);
        // reference tables are shared
        assert_eq!(countries::Entity::find().count(&conn).await.unwrap(), 2);
    }
}

#[tokio::test]
async fn find_by_id_never_reaches_another_tenant() {
    let t = TestDb::new().await;
    let conn = t.db.tenant(2_i64);
    let mine = projects::Entity::find_by_id((2_i64, 1_i64))
        .one(&conn)
        .await
        .unwrap();
    assert_eq!(mine.map(|p| p.name).as_deref(), Some("project 2-1"));
    // the same id in tenant 1 exists, but not for tenant 2
    let theirs = projects::Entity::find_by_id((1_i64, 1_i64))
        .one(&conn)
        .await
        .unwrap();
    assert_eq!(theirs, None);

    // the contract is the SQL: SeaORM's statement plus the tenant predicate and parameter
    let sql = projects::Entity::find_by_id((1_i64, 1_i64))
        .build(DbBackend::Postgres)
        .sql;
    let scoped =
        t.db.scoper()
            .rewrite(&sql, Some(&Scope::one(2_i64)))
            .unwrap();
    assert_eq!(
        scoped.sql(),
        "SELECT projects.account_id, projects.id, projects.name FROM projects \
         WHERE projects.account_id = $1 AND projects.id = $2 AND projects.account_id = $3"
    );
}

#[tokio::test]
async fn count_and_paginate() {
    let t = TestDb::new().await;
    let conn = t.db.tenant(3_i64);
    assert_eq!(tasks::Entity::find().count(&conn).await.unwrap(), 3);
    let pages = tasks::Entity::find()
        .order_by_asc(tasks::Column::Id)
        .paginate(&conn, 2);
    let counts = pages.num_items_and_pages().await.unwrap();
    assert_eq!((counts.number_of_items, counts.number_of_pages), (3, 2));
    let second = pages.fetch_page(1).await.unwrap();
    assert_eq!(keys(&second), [(3, 3)]);
    // unscoped: every tenant's rows
    assert_eq!(
        tasks::Entity::find().count(&t.db.unscoped()).await.unwrap(),
        9
    );
    // a set of tenants
    let two = t.db.scoped(Scope::many([1_i64, 3]));
    assert_eq!(tasks::Entity::find().count(&two).await.unwrap(), 6);
}

#[tokio::test]
async fn related_queries_stay_in_the_tenant() {
    let t = TestDb::new().await;
    let conn = t.db.tenant(1_i64);
    let project = projects::Entity::find_by_id((1_i64, 1_i64))
        .one(&conn)
        .await
        .unwrap()
        .unwrap();

    let tasks = project
        .find_related(tasks::Entity)
        .order_by_asc(tasks::Column::Id)
        .all(&conn)
        .await
        .unwrap();
    assert_eq!(keys(&tasks), [(1, 1), (1, 2)]);

    let managers = project
        .find_related(managers::Entity)
        .all(&conn)
        .await
        .unwrap();
    assert_eq!(keys(&managers), [(1, 1)]);

    let with_project = tasks::Entity::find()
        .find_also_related(projects::Entity)
        .order_by_asc(tasks::Column::Id)
        .all(&conn)
        .await
        .unwrap();
    assert_eq!(with_project.len(), 3);
    for (task, project) in &with_project {
        let project = project.as_ref().unwrap();
        assert_eq!((task.account_id, project.account_id), (1, 1));
        assert_eq!(task.project_id, project.id);
    }

    let projects_with_tasks = projects::Entity::find()
        .find_with_related(tasks::Entity)
        .order_by_asc(projects::Column::Id)
        .all(&conn)
        .await
        .unwrap();
    assert_eq!(
        projects_with_tasks
            .iter()
            .map(|(p, ts)| (p.id, keys(ts)))
            .collect::<Vec<_>>(),
        [(1, vec![(1, 1), (1, 2)]), (2, vec![(1, 3)])]
    );

    let projects_with_managers = projects::Entity::find()
        .find_with_related(managers::Entity)
        .order_by_asc(projects::Column::Id)
        .all(&conn)
        .await
        .unwrap();
    assert_eq!(
        projects_with_managers
            .iter()
            .map(|(p, ms)| (p.id, keys(ms)))
            .collect::<Vec<_>>(),
        [(1, vec![(1, 1)]), (2, vec![(1, 1), (1, 2)])]
    );

    // the account's country is a reference row, reached from the tenant root
    let (account, country) = accounts::Entity::find()
        .find_also_related(countries::Entity)
        .one(&conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((account.id, country.unwrap().name.as_str()), (1, "Germany"));
}

#[tokio::test]
async fn loaders_stay_in_the_tenant() {
    let t = TestDb::new().await;
    let conn = t.db.tenant(2_i64);
    let projects = projects::Entity::find()
        .order_by_asc(projects::Column::Id)
        .all(&conn)
        .await
        .unwrap();
    let tasks = projects.load_many(tasks::Entity, &conn).await.unwrap();
    assert_eq!(
        tasks.iter().map(keys).collect::<Vec<_>>(),
        [vec![(2, 1), (2, 2)], vec![(2, 3)]]
    );
    let managers = projects
        .load_many_to_many(managers::Entity, project_managers::Entity, &conn)
        .await
        .unwrap();
    assert_eq!(
        managers.iter().map(keys).collect::<Vec<_>>(),
        [vec![(2, 1)], vec![(2, 1), (2, 2)]]
    );
    let all_tasks = tasks::Entity::find().all(&conn).await.unwrap();
    let parents = all_tasks.load_one(projects::Entity, &conn).await.unwrap();
    assert!(parents.iter().all(|p| p.as_ref().unwrap().account_id == 2));
}

#[tokio::test]
async fn streams_are_scoped() {
    let t = TestDb::new().await;
    let conn = t.db.tenant(1_i64);
    let rows: Vec<tasks::Model> = tasks::Entity::find()
        .order_by_asc(tasks::Column::Id)
        .stream(&conn)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(keys(&rows), [(1, 1), (1, 2), (1, 3)]);
    let stmt = Statement::from_string(DbBackend::Postgres, "SELECT id FROM tasks WHERE done");
    let raw: Vec<_> = conn
        .stream_raw(stmt)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(raw.len(), 1);

    let err = tasks::Entity::find()
        .stream(&t.db.ambient())
        .await
        .err()
        .expect("refused");
    assert_no_tenant(err);
}

#[derive(Debug, FromQueryResult, PartialEq)]
struct TaskName {
    name: String,
}

#[tokio::test]
async fn hand_written_statements_are_scoped() {
    let t = TestDb::new().await;
    let conn = t.db.tenant(3_i64);
    let stmt = Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT t.name FROM tasks t JOIN projects p ON p.id = t.project_id WHERE p.id = $1 ORDER BY t.id",
        [1_i64.into()],
    );
    let names = TaskName::find_by_statement(stmt).all(&conn).await.unwrap();
    assert_eq!(
        names.iter().map(|n| n.name.as_str()).collect::<Vec<_>>(),
        ["task 3-1", "task 3-2"]
    );
    let none = Statement::from_string(DbBackend::Postgres, "SELECT name FROM tasks ORDER BY id");
    let rows = conn.query_all_raw(none).await.unwrap();
    assert_eq!(rows.len(), 3);
    let one = conn
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT count(*) AS n FROM managers",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(one.try_get::<i64>("", "n").unwrap(), 2);

    // a value for every placeholder, or the tenant value would land on the wrong one
    let short = Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT name FROM tasks WHERE id = $1 OR id = $2",
        [1_i64.into()],
    );
    let err = conn.query_all_raw(short).await.unwrap_err();
    assert!(matches!(
        scope_error(&err),
        Some(multitenant::Error::ParameterMismatch {
            given: 1,
            highest: 2
        })
    ));
}

#[tokio::test]
async fn ambient_scope_is_read_per_statement() {
    let t = TestDb::new().await;
    let conn = t.db.ambient();
    let n = multitenant::scope(2_i64, tasks::Entity::find().count(&conn))
        .await
        .unwrap();
    assert_eq!(n, 3);
    let names = multitenant::scope(3_i64, async {
        projects::Entity::find()
            .select_only()
            .column(projects::Column::Name)
            .order_by_asc(projects::Column::Id)
            .into_tuple::<String>()
            .all(&conn)
            .await
    })
    .await
    .unwrap();
    assert_eq!(names, ["project 3-1", "project 3-2"]);
    let all = multitenant::unscoped(tasks::Entity::find().count(&conn))
        .await
        .unwrap();
    assert_eq!(all, 9);
}

#[tokio::test]
async fn every_read_without_a_tenant_is_refused() {
    let t = TestDb::new().await;
    let conn = t.db.ambient();
    assert_no_tenant(projects::Entity::find().all(&conn).await.unwrap_err());
    assert_no_tenant(
        projects::Entity::find_by_id((1_i64, 1_i64))
            .one(&conn)
            .await
            .unwrap_err(),
    );
    assert_no_tenant(tasks::Entity::find().count(&conn).await.unwrap_err());
    assert_no_tenant(
        tasks::Entity::find()
            .order_by_asc(tasks::Column::Id)
            .paginate(&conn, 2)
            .fetch_page(0)
            .await
            .unwrap_err(),
    );
    assert_no_tenant(
        tasks::Entity::find()
            .find_also_related(projects::Entity)
            .all(&conn)
            .await
            .unwrap_err(),
    );
    assert_no_tenant(
        projects::Entity::find()
            .find_with_related(managers::Entity)
            .all(&conn)
            .await
            .unwrap_err(),
    );
    let projects = projects::Entity::find()
        .all(&t.db.unscoped())
        .await
        .unwrap();
    assert_no_tenant(
        projects[0]
            .find_related(tasks::Entity)
            .all(&conn)
            .await
            .unwrap_err(),
    );
    assert_no_tenant(
        tasks::Entity::find()
            .cursor_by(tasks::Column::Id)
            .first(2)
            .all(&conn)
            .await
            .unwrap_err(),
    );
    assert_no_tenant(projects.load_many(tasks::Entity, &conn).await.unwrap_err());
    assert_no_tenant(
        conn.query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT * FROM accounts",
        ))
        .await
        .unwrap_err(),
    );
    // reference tables need no tenant
    assert_eq!(countries::Entity::find().count(&conn).await.unwrap(), 2);
}

#[tokio::test]
async fn cursors_subqueries_and_aggregates() {
    let t = TestDb::new().await;
    let conn = t.db.tenant(2_i64);

    let page = tasks::Entity::find()
        .cursor_by(tasks::Column::Id)
        .after(1_i64)
        .first(5)
        .all(&conn)
        .await
        .unwrap();
    assert_eq!(keys(&page), [(2, 2), (2, 3)]);

    // a subquery is scoped at its own level
    let in_named_projects = tasks::Entity::find()
        .filter(
            tasks::Column::ProjectId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(projects::Column::Id)
                    .from(projects::Entity)
                    .and_where(projects::Column::Name.like("%-2"))
                    .to_owned(),
            ),
        )
        .all(&conn)
        .await
        .unwrap();
    assert_eq!(keys(&in_named_projects), [(2, 3)]);

    let per_project: Vec<(i64, i64)> = tasks::Entity::find()
        .select_only()
        .column(tasks::Column::ProjectId)
        .column_as(tasks::Column::Id.count(), "n")
        .group_by(tasks::Column::ProjectId)
        .order_by_asc(tasks::Column::ProjectId)
        .into_tuple()
        .all(&conn)
        .await
        .unwrap();
    assert_eq!(per_project, [(1, 2), (2, 1)]);

    // a join to the tenant root and to a reference table
    let with_country = accounts::Entity::find()
        .find_also_related(countries::Entity)
        .all(&t.db.unscoped())
        .await
        .unwrap();
    assert_eq!(with_country.len(), 3);
}
