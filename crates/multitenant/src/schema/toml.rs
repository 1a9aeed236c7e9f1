//! The `multitenant.toml` format (cargo feature `toml`, on by default): reading a schema from a
//! document or a file, with errors that point at the offending line.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::names::column_name;
use super::{Schema, SchemaError, TableName};
use crate::Error;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    tenant_key: Option<String>,
    #[serde(default)]
    tenant_root: Option<String>,
    #[serde(default)]
    search_path: Option<Vec<String>>,
    #[serde(default)]
    tenant_tables: BTreeMap<String, String>,
    #[serde(default)]
    reference_tables: Option<ReferenceTables>,
    #[serde(default)]
    restricted: Option<Restricted>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Restricted {
    #[serde(default)]
    views: Vec<String>,
    #[serde(default)]
    functions: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReferenceTables {
    tables: Vec<String>,
}

impl Schema {
    /// Reads a `multitenant.toml` document:
    ///
    /// ```
    /// let schema = multitenant::Schema::from_toml_str(r#"
    ///     tenant_key = "bigint"
    ///     [tenant_tables]
    ///     account = "id"
    ///     project = "account_id"
    ///     [reference_tables]
    ///     tables = ["country"]
    /// "#).unwrap();
    /// assert_eq!(schema.root().unwrap().name, "account");
    /// ```
    ///
    /// Optional keys: `tenant_root = "account"` (otherwise the one tenant table whose tenant
    /// column is `id`), `search_path = ["app", "public"]`, and a `[restricted]` table with
    /// `views = [...]` and `functions = [...]` that read tenant tables and must be refused.
    pub fn from_toml_str(text: &str) -> Result<Schema, Error> {
        from_document(text, None)
    }

    /// Reads a `multitenant.toml` file (see [`Schema::from_toml_str`]); errors name the file.
    ///
    /// ```no_run
    /// let schema = multitenant::Schema::from_toml_file("multitenant.toml").unwrap();
    /// ```
    pub fn from_toml_file(path: impl AsRef<Path>) -> Result<Schema, Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| SchemaError::Io {
            path: path.to_owned(),
            kind: e.kind(),
            message: e.to_string(),
        })?;
        from_document(&text, Some(path))
    }
}

fn from_document(text: &str, path: Option<&Path>) -> Result<Schema, Error> {
    let file: File = ::toml::from_str(text).map_err(|e| syntax_error(&e, text, path))?;
    let mut builder = Schema::builder();
    if let Some(kind) = file.tenant_key {
        builder = builder.key_kind(kind.parse()?);
    }
    if let Some(path) = file.search_path {
        builder = builder.search_path(path);
    }
    let root = file.tenant_root.map(|r| TableName::parse(&r)).or_else(|| {
        let mut by_id = file
            .tenant_tables
            .iter()
            .filter(|(_, c)| column_name(c) == "id");
        match (by_id.next(), by_id.next()) {
            (Some((table, _)), None) => Some(TableName::parse(table)),
            _ => None,
        }
    });
    for (table, column) in &file.tenant_tables {
        let name = TableName::parse(table);
        builder = if root.as_ref() == Some(&name) {
            builder.tenant_root(table, column)
        } else {
            builder.tenant_table(table, column)
        };
    }
    if let Some(root) = root
        && !file
            .tenant_tables
            .keys()
            .any(|t| TableName::parse(t) == root)
    {
        return Err(SchemaError::TenantRootNotListed { root }.into());
    }
    for table in file.reference_tables.map(|r| r.tables).unwrap_or_default() {
        builder = builder.reference_table(&table);
    }
    if let Some(restricted) = file.restricted {
        for view in &restricted.views {
            builder = builder.restricted_view(view);
        }
        for function in &restricted.functions {
            builder = builder.restricted_function(function);
        }
    }
    builder.build()
}

fn syntax_error(error: &::toml::de::Error, text: &str, path: Option<&Path>) -> SchemaError {
    let (line, column) = error
        .span()
        .and_then(|span| text.get(..span.start))
        .map(|before| {
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            (
                before.matches('\n').count() + 1,
                before[line_start..].chars().count() + 1,
            )
        })
        .unzip();
    SchemaError::Toml {
        path: path.map(Path::to_owned),
        message: error.message().trim().to_owned(),
        line,
        column,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::tests::{sample, schema_error};

    #[test]
    fn toml_and_builder_agree() {
        let from_toml = Schema::from_toml_str(
            r#"
            tenant_key = "bigint"
            [tenant_tables]
            account = "id"
            project = "account_id"
            tasks = "account_id"
            [reference_tables]
            tables = ["country"]
            "#,
        )
        .unwrap();
        assert_eq!(from_toml, sample());
    }

    #[test]
    fn a_document_that_does_not_fit_points_at_its_line() {
        let err = schema_error(Schema::from_toml_str(
            "tenant_key = \"bigint\"\n[tenant_tables]\naccount = 3\n",
        ));
        let SchemaError::Toml {
            path: None,
            line: Some(3),
            column: Some(11),
            ref message,
        } = err
        else {
            panic!("expected a TOML error on line 3, column 11: {err:?}");
        };
        assert!(message.contains("expected a string"), "{message}");
        assert!(
            err.to_string()
                .starts_with("multitenant.toml, line 3, column 11: "),
            "{err}"
        );
        let unknown = schema_error(Schema::from_toml_str("tenant_tabels = {}"));
        assert!(
            matches!(unknown, SchemaError::Toml { ref message, line: Some(1), .. } if message.contains("tenant_tables")),
            "{unknown:?}"
        );
    }

    #[test]
    fn an_unknown_tenant_key_type_is_refused() {
        let err = schema_error(Schema::from_toml_str("tenant_key = \"float\""));
        assert_eq!(
            err,
            SchemaError::UnknownKeyKind {
                text: "float".into()
            }
        );
    }

    #[test]
    fn a_tenant_root_missing_from_tenant_tables_is_refused() {
        let err = schema_error(Schema::from_toml_str(
            "tenant_root = \"x\"\n[tenant_tables]\na = \"id\"",
        ));
        assert_eq!(
            err,
            SchemaError::TenantRootNotListed {
                root: TableName::new("public", "x")
            }
        );
        assert!(err.to_string().contains("`x = \"id\"`"), "{err}");
        let qualified = schema_error(Schema::from_toml_str(
            "tenant_root = \"app.x\"\n[tenant_tables]\na = \"id\"",
        ));
        assert!(
            qualified.to_string().contains("`\"app.x\" = \"id\"`"),
            "{qualified}"
        );
    }

    #[test]
    fn file_errors_name_the_file() {
        let dir = std::env::temp_dir().join(format!("multitenant-toml-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let missing = dir.join("missing.toml");
        let err = schema_error(Schema::from_toml_file(&missing));
        assert!(
            matches!(err, SchemaError::Io { ref path, kind: std::io::ErrorKind::NotFound, .. } if *path == missing),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .starts_with(&format!("cannot read {}: ", missing.display())),
            "{err}"
        );
        let broken = dir.join("broken.toml");
        std::fs::write(&broken, "[tenant_tables\n").unwrap();
        let err = schema_error(Schema::from_toml_file(&broken));
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(
            matches!(err, SchemaError::Toml { path: Some(ref p), line: Some(1), .. } if *p == broken),
            "{err:?}"
        );
        assert!(
            err.to_string().starts_with(&broken.display().to_string()),
            "{err}"
        );
    }
}
