//! Table names and how SQL identifiers are read: unquoted parts fold to lower case, quoted parts
//! keep theirs, and an unqualified name lands in `public`.

use std::fmt;

/// A table name resolved to its schema: `public.project`.
///
/// ```
/// use multitenant::TableName;
///
/// let t = TableName::parse("project");
/// assert_eq!(t, TableName::new("public", "project"));
/// assert_eq!(TableName::parse("App.Task").to_string(), "app.task");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TableName {
    /// The PostgreSQL schema (namespace).
    pub schema: String,
    /// The table name.
    pub name: String,
}

impl TableName {
    /// A name in `schema`, taken as written (already case-folded).
    ///
    /// ```
    /// let t = multitenant::TableName::new("public", "task");
    /// assert_eq!(t.name, "task");
    /// ```
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Self {
        TableName {
            schema: schema.into(),
            name: name.into(),
        }
    }

    /// Parses `name` or `schema.name` as an unquoted SQL identifier would be read (lower-cased);
    /// double-quoted parts keep their case. An unqualified name lands in `public`.
    ///
    /// ```
    /// use multitenant::TableName;
    ///
    /// assert_eq!(TableName::parse(r#""Odd".Name"#), TableName::new("Odd", "name"));
    /// ```
    pub fn parse(text: &str) -> Self {
        let parts = split_identifier(text);
        match parts.as_slice() {
            [name] => TableName::new("public", name.clone()),
            [schema, name] => TableName::new(schema.clone(), name.clone()),
            // catalog.schema.name: the catalog is the current database.
            [.., schema, name] => TableName::new(schema.clone(), name.clone()),
            [] => TableName::new("public", ""),
        }
    }
}

impl fmt::Display for TableName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.schema, self.name)
    }
}

/// The dot-separated parts of an identifier, each read as SQL reads it.
pub(super) fn split_identifier(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = text.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                current.push('"');
            }
            '"' => quoted = !quoted,
            '.' if !quoted => parts.push(std::mem::take(&mut current)),
            c if quoted => current.push(c),
            c => current.extend(c.to_lowercase()),
        }
    }
    parts.push(current);
    parts
}

/// A column name as SQL reads it: folded to lower case unless quoted.
pub(super) fn column_name(text: &str) -> String {
    split_identifier(text).concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_fold_case_unless_quoted() {
        assert_eq!(
            TableName::parse("Public.Project"),
            TableName::new("public", "project")
        );
        assert_eq!(
            TableName::parse("\"My\"\"T\""),
            TableName::new("public", "My\"T")
        );
    }
}
