//! Database errors the client caused, as field-level [`ApiError`]s: which SQLSTATE is which
//! status, and which columns a refusal names. Only what PostgreSQL reports in its structured
//! fields is read (SQLSTATE, constraint, table, column, and the column list of the `detail`);
//! its message and the values in `detail` never reach the client.
//!
//! On Citus a constraint and a table come back under their shard's name (`tasks_pkey_102211`,
//! `tasks_102211`); the shard suffix is removed before a name is shown.

use http::StatusCode;

#[cfg(all(feature = "sea-orm", not(feature = "sqlx")))]
use sea_orm::sqlx as driver;
#[cfg(feature = "sqlx")]
use sqlx as driver;

use super::ApiError;

/// The parts of a PostgreSQL error report a refusal is built from.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Report<'a> {
    /// SQLSTATE.
    pub(super) code: &'a str,
    pub(super) constraint: Option<&'a str>,
    pub(super) table: Option<&'a str>,
    pub(super) column: Option<&'a str>,
    pub(super) detail: Option<&'a str>,
}

/// Whether `err` says the database cannot be reached or went away (a restart, a failover, a
/// full or closed pool, too many connections): the request may succeed when it is retried, so
/// the client gets a 503, not a 500.
pub(super) fn unavailable(err: &driver::Error) -> bool {
    match err {
        driver::Error::Io(_)
        | driver::Error::Tls(_)
        | driver::Error::PoolTimedOut
        | driver::Error::PoolClosed
        | driver::Error::WorkerCrashed => true,
        driver::Error::Database(db) => db.code().is_some_and(|code| {
            // Class 08: connection exception; 57P01-03: the server is shutting down or
            // starting; 53300: too many connections.
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03" | "53300")
        }),
        _ => false,
    }
}

/// The refusal for a driver's database error, when the client caused it; `None` otherwise
/// (and for errors that are not PostgreSQL's).
pub(super) fn refusal(db: &(dyn driver::error::DatabaseError + 'static)) -> Option<ApiError> {
    let pg = db.try_downcast_ref::<driver::postgres::PgDatabaseError>()?;
    classify(&Report {
        code: pg.code(),
        constraint: pg.constraint(),
        table: pg.table(),
        column: pg.column(),
        detail: pg.detail(),
    })
}

/// The refusal for `report`, or `None` when the failure is the server's.
pub(super) fn classify(report: &Report<'_>) -> Option<ApiError> {
    let code = report.code;
    let table = report.table.map(|t| unsharded(t, None));
    let constraint = report.constraint.map(|c| unsharded(c, report.table));
    let named = |what: &str| match constraint {
        Some(name) => format!("{what} (constraint `{name}`)"),
        None => what.to_owned(),
    };
    let key = key_columns(report.detail);
    let unprocessable = |error: &str, message: String| ApiError::unprocessable(error, message);
    let err = match code {
        "23505" | "23P01" => match &key {
            Some(columns) => ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                format!(
                    "{} taken: another row has the same value",
                    listed(columns, "is", "are")
                ),
            )
            .with_fields(columns.clone()),
            None => ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                named("a row with the same unique key already exists"),
            ),
        },
        "23503"
            if report
                .detail
                .is_some_and(|d| d.contains("still referenced")) =>
        {
            ApiError::new(
                StatusCode::CONFLICT,
                "still_referenced",
                match table {
                    Some(t) => format!("the row is still referenced from `{t}`"),
                    None => "the row is still referenced".to_owned(),
                },
            )
        }
        "23503" => match &key {
            Some(columns) => unprocessable(
                "invalid_reference",
                format!("{} not name an existing row", listed(columns, "does", "do")),
            )
            .with_fields(columns.clone()),
            None => unprocessable(
                "invalid_reference",
                named("a referenced row does not exist"),
            ),
        },
        "23502" => match report.column {
            Some(column) => unprocessable(
                "constraint_violation",
                format!("`{column}` is required (it must not be null)"),
            )
            .with_fields([column]),
            None => unprocessable("constraint_violation", "a required value is missing".into()),
        },
        "23514" => match check_column(constraint, table) {
            Some(column) => unprocessable(
                "constraint_violation",
                named(&format!("`{column}` is not an accepted value")),
            )
            .with_fields([column]),
            None => unprocessable("constraint_violation", named("the row breaks a check")),
        },
        _ if code.starts_with("23") => {
            unprocessable("constraint_violation", named("the row breaks a constraint"))
        }
        "22001" => unprocessable(
            "value_too_long",
            "a value is longer than its column allows".into(),
        ),
        "22003" => unprocessable(
            "out_of_range",
            "a number is out of its column's range".into(),
        ),
        "22021" | "22P05" => unprocessable(
            "invalid_text",
            "a text value holds a character the database cannot store (such as NUL) or \
             invalid UTF-8"
                .into(),
        ),
        "22P02" => unprocessable(
            "invalid_value",
            "a value does not parse as its column's type".into(),
        ),
        _ if code.starts_with("22") => {
            unprocessable("invalid_value", "a value does not fit its column".into())
        }
        "54000" => unprocessable(
            "value_too_large",
            "a value is too large to store or to index".into(),
        ),
        _ => return None,
    };
    Some(err)
}

/// "`a` is" or "`a`, `b` are".
fn listed(columns: &[String], one: &str, many: &str) -> String {
    let names: Vec<String> = columns.iter().map(|c| format!("`{c}`")).collect();
    let verb = if columns.len() == 1 { one } else { many };
    format!("{} {verb}", names.join(", "))
}

/// The columns of a key in a `detail` such as `Key (account_id, subdomain)=(1, acme) already
/// exists.`; `None` when there is none or the key holds an expression rather than columns.
fn key_columns(detail: Option<&str>) -> Option<Vec<String>> {
    let rest = detail?.strip_prefix("Key (")?;
    let (list, _) = rest.split_once(")=(")?;
    list.split(", ")
        .map(|name| {
            let name = name.trim();
            let unquoted = name
                .strip_prefix('"')
                .and_then(|n| n.strip_suffix('"'))
                .map(|n| n.replace("\"\"", "\""));
            match unquoted {
                Some(n) if !n.is_empty() => Some(n),
                _ if !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '$') =>
                {
                    Some(name.to_owned())
                }
                _ => None,
            }
        })
        .collect()
}

/// The column of a check constraint PostgreSQL named itself: `<table>_<column>_check`.
fn check_column<'a>(constraint: Option<&'a str>, table: Option<&str>) -> Option<&'a str> {
    let column = constraint?
        .strip_prefix(table?)?
        .strip_prefix('_')?
        .strip_suffix("_check")?;
    (!column.is_empty()).then_some(column)
}

/// `name` without a Citus shard suffix (`_102211`). A constraint's suffix is removed when its
/// table (`sharded_table`) carries the same one; a table's when it ends in one.
fn unsharded<'a>(name: &'a str, sharded_table: Option<&str>) -> &'a str {
    let suffix_of = |n: &'a str| {
        n.rsplit_once('_').filter(|(base, digits)| {
            !base.is_empty() && !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
        })
    };
    let Some((base, digits)) = suffix_of(name) else {
        return name;
    };
    match sharded_table {
        None => base,
        Some(table) if table.ends_with(&format!("_{digits}")) => base,
        Some(_) => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(report: Report<'_>) -> (u16, String, Vec<String>, String) {
        let err = classify(&report).expect("a client error");
        (
            err.status().as_u16(),
            err.code().to_owned(),
            err.fields().to_vec(),
            err.message().to_owned(),
        )
    }

    #[test]
    fn a_unique_violation_names_its_columns_not_their_values() {
        let (status, code, fields, message) = refused(Report {
            code: "23505",
            constraint: Some("account_subdomains_pkey"),
            table: Some("account_subdomains"),
            detail: Some("Key (subdomain)=(acme) already exists."),
            ..Report::default()
        });
        assert_eq!((status, code.as_str()), (409, "conflict"));
        assert_eq!(fields, ["subdomain"]);
        assert_eq!(
            message,
            "`subdomain` is taken: another row has the same value"
        );
        let (.., fields, message) = refused(Report {
            code: "23505",
            detail: Some(r#"Key (account_id, "Project Id")=(1, 2) already exists."#),
            ..Report::default()
        });
        assert_eq!(fields, ["account_id", "Project Id"]);
        assert!(!message.contains('1'), "{message}");
    }

    #[test]
    fn an_expression_key_or_no_detail_names_the_constraint_without_its_shard() {
        let (status, _, fields, message) = refused(Report {
            code: "23505",
            constraint: Some("tasks_pkey_102211"),
            table: Some("tasks_102211"),
            detail: Some("Key (lower(name))=(x) already exists."),
            ..Report::default()
        });
        assert_eq!(status, 409);
        assert!(fields.is_empty());
        assert!(message.ends_with("(constraint `tasks_pkey`)"), "{message}");
        // A name ending in digits of its own keeps them.
        assert_eq!(unsharded("t_2024", Some("t")), "t_2024");
        assert_eq!(unsharded("tasks_102211", None), "tasks");
    }

    #[test]
    fn a_foreign_key_violation_names_the_referencing_columns() {
        let (status, code, fields, _) = refused(Report {
            code: "23503",
            detail: Some(
                r#"Key (account_id, project_id)=(1, 99) is not present in table "projects"."#,
            ),
            ..Report::default()
        });
        assert_eq!((status, code.as_str()), (422, "invalid_reference"));
        assert_eq!(fields, ["account_id", "project_id"]);
        let (status, code, _, message) = refused(Report {
            code: "23503",
            table: Some("tasks"),
            detail: Some(r#"Key (id)=(1) is still referenced from table "tasks"."#),
            ..Report::default()
        });
        assert_eq!((status, code.as_str()), (409, "still_referenced"));
        assert_eq!(message, "the row is still referenced from `tasks`");
    }

    #[test]
    fn not_null_and_check_violations_name_the_column() {
        let (status, _, fields, _) = refused(Report {
            code: "23502",
            column: Some("name"),
            ..Report::default()
        });
        assert_eq!(
            (status, fields.as_slice()),
            (422, ["name".to_owned()].as_slice())
        );
        let (status, _, fields, message) = refused(Report {
            code: "23514",
            constraint: Some("tasks_name_check_102211"),
            table: Some("tasks_102211"),
            ..Report::default()
        });
        assert_eq!(status, 422);
        assert_eq!(fields, ["name"]);
        assert!(message.contains("`tasks_name_check`"), "{message}");
    }

    #[test]
    fn values_a_column_cannot_hold_are_unprocessable() {
        for (sqlstate, code) in [
            ("22001", "value_too_long"),
            ("22003", "out_of_range"),
            ("22021", "invalid_text"),
            ("22P02", "invalid_value"),
            ("22008", "invalid_value"),
            ("54000", "value_too_large"),
            ("23P01", "conflict"),
        ] {
            let err = classify(&Report {
                code: sqlstate,
                ..Report::default()
            })
            .unwrap();
            assert_eq!(err.code(), code, "{sqlstate}");
            assert!(err.status().is_client_error(), "{sqlstate}");
        }
    }

    #[test]
    fn other_database_failures_are_not_the_clients() {
        for code in ["42P01", "40001", "XX000", "57014", "08006"] {
            let report = Report {
                code,
                constraint: Some("c"),
                ..Report::default()
            };
            assert_eq!(classify(&report), None, "{code}");
        }
    }
}
