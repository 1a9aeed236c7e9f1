//! Writing SQL text: identifiers, literals and the pieces of DDL the plan is made of.

use multitenant::TableName;

/// Words that must be quoted to be used as a name.
const RESERVED: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "column",
    "constraint",
    "create",
    "current_catalog",
    "current_date",
    "current_role",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "from",
    "grant",
    "group",
    "having",
    "in",
    "initially",
    "intersect",
    "into",
    "lateral",
    "leading",
    "limit",
    "localtime",
    "localtimestamp",
    "not",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "placing",
    "primary",
    "references",
    "returning",
    "select",
    "session_user",
    "some",
    "symmetric",
    "table",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "when",
    "where",
    "window",
    "with",
];

/// `name` as an SQL identifier, quoted only when it has to be.
pub(crate) fn ident(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$')
        && !RESERVED.contains(&name);
    if plain {
        name.to_owned()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// `schema.name`, quoted where needed.
pub(crate) fn table(name: &TableName) -> String {
    format!("{}.{}", ident(&name.schema), ident(&name.name))
}

/// A string literal.
pub(crate) fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A column list: `(account_id, id)`.
pub(crate) fn columns<S: AsRef<str>>(names: &[S]) -> String {
    let names: Vec<String> = names.iter().map(|n| ident(n.as_ref())).collect();
    format!("({})", names.join(", "))
}

/// The body of a foreign key: `(account_id, project_id) REFERENCES public.projects (account_id, id)`.
pub(crate) fn foreign_key<S: AsRef<str>>(
    cols: &[S],
    target: &TableName,
    target_cols: &[S],
) -> String {
    format!(
        "{} REFERENCES {} {}",
        columns(cols),
        table(target),
        columns(target_cols)
    )
}

/// ` ON DELETE ...` / ` ON UPDATE ...` from `pg_constraint`'s action codes. `SET NULL` and
/// `SET DEFAULT` on delete name the columns to reset, so the tenant column is never touched.
pub(crate) fn actions(on_delete: &str, on_update: &str, resettable: &[String]) -> String {
    let action = |code: &str, delete: bool| -> Option<String> {
        let list = if delete && !resettable.is_empty() {
            format!(" {}", columns(resettable))
        } else {
            String::new()
        };
        match code {
            "r" => Some("RESTRICT".to_owned()),
            "c" => Some("CASCADE".to_owned()),
            "n" => Some(format!("SET NULL{list}")),
            "d" => Some(format!("SET DEFAULT{list}")),
            _ => None,
        }
    };
    let mut text = String::new();
    if let Some(a) = action(on_delete, true) {
        text.push_str(&format!(" ON DELETE {a}"));
    }
    if let Some(a) = action(on_update, false) {
        text.push_str(&format!(" ON UPDATE {a}"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted_only_when_needed() {
        assert_eq!(ident("account_id"), "account_id");
        assert_eq!(ident("user"), "\"user\"");
        assert_eq!(ident("Odd\"Name"), "\"Odd\"\"Name\"");
        assert_eq!(ident("1st"), "\"1st\"");
        assert_eq!(literal("it's"), "'it''s'");
        assert_eq!(table(&TableName::new("app", "order")), "app.\"order\"");
    }

    #[test]
    fn set_null_names_the_columns_it_resets() {
        assert_eq!(
            actions("n", "c", &["project_id".to_owned()]),
            " ON DELETE SET NULL (project_id) ON UPDATE CASCADE"
        );
        assert_eq!(actions("a", "a", &[]), "");
    }
}
