//! The three tenant tables the baseline serves, as rows (serialized field for field as the sample
//! app serializes its entities) and as the bodies that create them.

use std::future::Future;
use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgPool};

use crate::sql::{self, Statements};

/// A tenant table served under `/api/<table>`.
pub(crate) trait Resource:
    Serialize + for<'r> FromRow<'r, PgRow> + Send + Unpin + 'static
{
    /// The table's name.
    const TABLE: &'static str;
    /// Its statements.
    const SQL: Statements;
    /// The JSON keys of its columns, in column order.
    const COLUMNS: &'static [&'static str];
    /// The keys a new row must give (no default, not null, not assigned by the server).
    const REQUIRED: &'static [&'static str];
    /// The body of a `POST`.
    type New: DeserializeOwned + Send;

    /// Why `value` does not fit the column with JSON key `key`, if it does not.
    fn type_error(key: &str, value: &Value) -> Option<serde_json::Error>;

    /// Inserts `new` into `account`; the row as inserted.
    fn insert(
        pool: &PgPool,
        account: i64,
        new: Self::New,
    ) -> impl Future<Output = Result<Self, sqlx::Error>> + Send;
}

/// Why `value` is no `T`, if it is not.
fn not_a<T: DeserializeOwned>(value: &Value) -> Option<serde_json::Error> {
    T::deserialize(value).err()
}

/// A row of a table whose only field is its name: a project or a manager.
#[derive(Debug, Serialize, FromRow)]
pub(crate) struct Named<T> {
    account_id: i64,
    id: i64,
    name: String,
    #[serde(skip)]
    #[sqlx(skip)]
    table: PhantomData<T>,
}

/// Which table a [`Named`] row is of.
pub(crate) trait NamedTable: Send + Unpin + 'static {
    /// The table's name.
    const TABLE: &'static str;
    /// Its statements.
    const SQL: Statements;
}

/// The `projects` table.
#[derive(Debug)]
pub(crate) struct Projects;

impl NamedTable for Projects {
    const TABLE: &'static str = "projects";
    const SQL: Statements = sql::PROJECTS;
}

/// The `managers` table.
#[derive(Debug)]
pub(crate) struct Managers;

impl NamedTable for Managers {
    const TABLE: &'static str = "managers";
    const SQL: Statements = sql::MANAGERS;
}

/// A project.
pub(crate) type Project = Named<Projects>;

/// A manager.
pub(crate) type Manager = Named<Managers>;

/// A new project or manager.
#[derive(Deserialize)]
pub(crate) struct NewNamed {
    name: String,
}

/// A task.
#[derive(Debug, Serialize, FromRow)]
pub(crate) struct Task {
    account_id: i64,
    id: i64,
    project_id: i64,
    name: String,
    done: bool,
}

/// A new task; `done` is false unless given.
#[derive(Deserialize)]
pub(crate) struct NewTask {
    project_id: i64,
    name: String,
    #[serde(default)]
    done: bool,
}

impl<T: NamedTable> Resource for Named<T> {
    const TABLE: &'static str = T::TABLE;
    const SQL: Statements = T::SQL;
    const COLUMNS: &'static [&'static str] = &["account_id", "id", "name"];
    const REQUIRED: &'static [&'static str] = &["name"];
    type New = NewNamed;

    fn type_error(key: &str, value: &Value) -> Option<serde_json::Error> {
        match key {
            "name" => not_a::<String>(value),
            _ => None,
        }
    }

    async fn insert(pool: &PgPool, account: i64, new: NewNamed) -> Result<Self, sqlx::Error> {
        sqlx::query_as(Self::SQL.insert)
            .bind(account)
            .bind(new.name)
            .fetch_one(pool)
            .await
    }
}

impl Resource for Task {
    const TABLE: &'static str = "tasks";
    const SQL: Statements = sql::TASKS;
    const COLUMNS: &'static [&'static str] = &["account_id", "id", "project_id", "name", "done"];
    const REQUIRED: &'static [&'static str] = &["project_id", "name"];
    type New = NewTask;

    fn type_error(key: &str, value: &Value) -> Option<serde_json::Error> {
        match key {
            "project_id" => not_a::<i64>(value),
            "done" => not_a::<bool>(value),
            _ => Project::type_error(key, value),
        }
    }

    async fn insert(pool: &PgPool, account: i64, new: NewTask) -> Result<Self, sqlx::Error> {
        sqlx::query_as(Self::SQL.insert)
            .bind(account)
            .bind(new.project_id)
            .bind(new.name)
            .bind(new.done)
            .fetch_one(pool)
            .await
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn rows_serialize_in_column_order() {
        let task = Task {
            account_id: 1,
            id: 2,
            project_id: 3,
            name: "ship".into(),
            done: false,
        };
        assert_eq!(
            serde_json::to_string(&task).unwrap(),
            r#"{"account_id":1,"id":2,"project_id":3,"name":"ship","done":false}"#
        );
    }

    #[test]
    fn a_field_of_the_wrong_type_is_told_apart() {
        assert!(Task::type_error("project_id", &json!(7)).is_none());
        let err = Task::type_error("project_id", &json!("7")).unwrap();
        assert_eq!(err.to_string(), "invalid type: string \"7\", expected i64");
        let err = Task::type_error("done", &json!(null)).unwrap();
        assert_eq!(err.to_string(), "invalid type: null, expected a boolean");
        assert!(Project::type_error("name", &json!(5)).is_some());
    }
}
