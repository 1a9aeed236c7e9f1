//! The refusal policy: which statements pass untouched, which are refused under a tenant scope,
//! which functions a scoped statement may not call, and what every refusal says and advises.
//! The walk decides where a construct stands; what happens to it and the message live here.

use super::parser::{NodeEnum, protobuf::Node};
use super::{Mode, Res};
use crate::{Error, Schema};

/// PostgreSQL's limit on the number of bind parameters.
const MAX_PARAM: i32 = 65_535;

/// Built-in and common extension functions that run SQL text or read whole tables by name,
/// beyond the scoper's sight.
const SQL_RUNNING_FUNCTIONS: &[&str] = &[
    "query_to_xml",
    "query_to_xmlschema",
    "query_to_xml_and_xmlschema",
    "cursor_to_xml",
    "cursor_to_xmlschema",
    "table_to_xml",
    "table_to_xmlschema",
    "table_to_xml_and_xmlschema",
    "schema_to_xml",
    "schema_to_xmlschema",
    "schema_to_xml_and_xmlschema",
    "database_to_xml",
    "database_to_xmlschema",
    "database_to_xml_and_xmlschema",
    "ts_stat",
    "dblink",
    "dblink_exec",
    "dblink_send_query",
    "crosstab",
    "crosstab2",
    "crosstab3",
    "crosstab4",
    "connectby",
];

/// Admits or refuses a statement the walk does not enter, because it holds no query of its
/// own. Unscoped, every one passes; scoped, a statement kind not listed here is refused.
pub(super) fn admit_statement(stmt: &NodeEnum, mode: &Mode) -> Res {
    if *mode == Mode::Unscoped {
        return Ok(());
    }
    match stmt {
        NodeEnum::CreateFunctionStmt(_) | NodeEnum::CreateTrigStmt(_) | NodeEnum::RuleStmt(_) => {
            Err(Refusal::UnscopedCode(stmt).error())
        }
        NodeEnum::MergeStmt(_) => Err(Refusal::Merge.error()),
        NodeEnum::ExecuteStmt(_)
        | NodeEnum::PrepareStmt(_)
        | NodeEnum::CallStmt(_)
        | NodeEnum::DoStmt(_) => Err(Refusal::HiddenStatements(stmt).error()),
        // Statements that neither read nor write table rows.
        NodeEnum::TransactionStmt(_)
        | NodeEnum::VariableSetStmt(_)
        | NodeEnum::VariableShowStmt(_)
        | NodeEnum::DiscardStmt(_)
        | NodeEnum::ListenStmt(_)
        | NodeEnum::UnlistenStmt(_)
        | NodeEnum::NotifyStmt(_)
        | NodeEnum::DeallocateStmt(_)
        | NodeEnum::ClosePortalStmt(_)
        | NodeEnum::FetchStmt(_)
        | NodeEnum::CheckPointStmt(_)
        | NodeEnum::ConstraintsSetStmt(_)
        | NodeEnum::LockStmt(_)
        | NodeEnum::LoadStmt(_) => Ok(()),
        // Schema changes: they read no tenant rows.
        NodeEnum::CreateStmt(_)
        | NodeEnum::AlterTableStmt(_)
        | NodeEnum::IndexStmt(_)
        | NodeEnum::DropStmt(_)
        | NodeEnum::CreateSchemaStmt(_)
        | NodeEnum::CreateSeqStmt(_)
        | NodeEnum::AlterSeqStmt(_)
        | NodeEnum::CreateExtensionStmt(_)
        | NodeEnum::AlterExtensionStmt(_)
        | NodeEnum::CommentStmt(_)
        | NodeEnum::RenameStmt(_)
        | NodeEnum::CreateEnumStmt(_)
        | NodeEnum::AlterEnumStmt(_)
        | NodeEnum::CompositeTypeStmt(_)
        | NodeEnum::CreateDomainStmt(_)
        | NodeEnum::AlterDomainStmt(_)
        | NodeEnum::GrantStmt(_)
        | NodeEnum::GrantRoleStmt(_)
        | NodeEnum::CreateRoleStmt(_)
        | NodeEnum::AlterRoleStmt(_)
        | NodeEnum::DropRoleStmt(_)
        | NodeEnum::VacuumStmt(_)
        | NodeEnum::ReindexStmt(_)
        | NodeEnum::ClusterStmt(_)
        | NodeEnum::AlterOwnerStmt(_)
        | NodeEnum::AlterObjectSchemaStmt(_)
        | NodeEnum::CreatePolicyStmt(_)
        | NodeEnum::AlterPolicyStmt(_)
        | NodeEnum::CreatedbStmt(_)
        | NodeEnum::DropdbStmt(_)
        | NodeEnum::AlterDefaultPrivilegesStmt(_)
        | NodeEnum::CreateStatsStmt(_)
        | NodeEnum::RefreshMatViewStmt(_) => Ok(()),
        other => Err(unknown(other)),
    }
}

/// Admits or refuses a call of the function named by the parts `funcname`: one the schema
/// restricts, or one that runs SQL out of the scoper's sight, is refused when scoped.
pub(super) fn admit_function(schema: &Schema, mode: &Mode, funcname: &[Node]) -> Res {
    if *mode == Mode::Unscoped {
        return Ok(());
    }
    let name = name_parts(funcname).join(".");
    let bare = name.rsplit('.').next().unwrap_or(&name);
    if schema.is_restricted_function(&name) || SQL_RUNNING_FUNCTIONS.contains(&bare) {
        return Err(Refusal::RestrictedFunction(&name).error());
    }
    Ok(())
}

/// The parts of a dotted name (`schema.function`, `table.column`), stars left out.
pub(super) fn name_parts(parts: &[Node]) -> Vec<&str> {
    parts
        .iter()
        .filter_map(|n| match n.node.as_ref() {
            Some(NodeEnum::String(s)) => Some(s.sval.as_str()),
            _ => None,
        })
        .collect()
}

/// Admits a placeholder `$number`.
pub(super) fn admit_placeholder(number: i32) -> Res {
    if !(1..=MAX_PARAM).contains(&number) {
        return Err(Refusal::PlaceholderOutOfRange(number).error());
    }
    Ok(())
}

/// Admits a cast's type modifiers when each is a constant or a name, the only modifiers
/// PostgreSQL accepts (`numeric(10, 2)`); the grammar takes any expression there, and the
/// deparser does not print every one back.
pub(super) fn admit_type_modifiers(typmods: &[Node]) -> Res {
    let simple = typmods.iter().all(|m| {
        matches!(
            m.node,
            Some(NodeEnum::AConst(_)) | Some(NodeEnum::ColumnRef(_))
        )
    });
    if simple {
        Ok(())
    } else {
        Err(Refusal::TypeModifier.error())
    }
}

/// The refusal of a node type the walk does not know.
pub(super) fn unknown(n: &NodeEnum) -> Error {
    Refusal::Unknown(n).error()
}

/// Why a statement is refused, with what the message names.
pub(super) enum Refusal<'a> {
    /// A node type the walk does not know.
    Unknown(&'a NodeEnum),
    /// CREATE FUNCTION, TRIGGER or RULE: code that later runs unscoped.
    UnscopedCode(&'a NodeEnum),
    /// EXECUTE, PREPARE, CALL, DO: statements the scoper cannot see.
    HiddenStatements(&'a NodeEnum),
    /// MERGE, whose actions are not scoped.
    Merge,
    /// A view the schema marks as reading tenant tables.
    RestrictedView(&'a str),
    /// A function the schema restricts, or one of [`SQL_RUNNING_FUNCTIONS`].
    RestrictedFunction(&'a str),
    /// CREATE VIEW over the named tenant table.
    ViewOverTenantTable(&'a str),
    /// COPY of the named tenant table (not of a query).
    CopyTenantTable(&'a str),
    /// TRUNCATE of the named tenant table.
    TruncateTenantTable(&'a str),
    /// UPDATE or DELETE (`statement`) of `table` by cursor position.
    CurrentOf { statement: &'a str, table: &'a str },
    /// TABLESAMPLE of the named tenant table where no predicate can be added.
    TablesampleInPlace(&'a str),
    /// A join type the parser does not produce from SQL text.
    JoinType(&'a str),
    /// A FULL join between tenant tables under a set of tenants, in a statement with grouping
    /// sets (its tenant equality can take no form that is both correct there and runnable).
    GroupingSetsFullJoinMany,
    /// An outer or aliased USING/NATURAL join whose tenant filter would need an ON clause.
    UsingJoinFilter,
    /// INSERT into the named tenant table without a column list.
    InsertWithoutColumns(&'a str),
    /// INSERT ... VALUES into `table` with a row whose number of values is not the number of
    /// columns named.
    InsertArity {
        table: &'a str,
        columns: usize,
        values: usize,
    },
    /// INSERT ... SELECT into `table` whose select list hides the tenant `column`.
    InsertTenantValueHidden { table: &'a str, column: &'a str },
    /// A new row's tenant value to fill in while several tenants are in scope.
    FillUnderMany,
    /// A tenant column value (named `table.column`) too complex to check.
    ComputedTenantValue(&'a str),
    /// A type modifier that is neither a constant nor a name.
    TypeModifier,
    /// A placeholder below `$1` or beyond PostgreSQL's limit.
    PlaceholderOutOfRange(i32),
    /// The input contains the text reserved for the tenant parameter.
    ReservedText(&'a str),
    /// A tenant value needed where no tenant is in scope.
    TenantValueUnscoped,
}

impl Refusal<'_> {
    /// The error, with the construct it names and what to do instead.
    pub(super) fn error(self) -> Error {
        let (construct, hint) = match self {
            Refusal::Unknown(n) => (
                format!(
                    "{} (an SQL construct the scoper does not know)",
                    kind_name(n)
                ),
                "rewrite the statement without it, or run it inside `unscoped` if it must see all tenants",
            ),
            Refusal::UnscopedCode(n) => (
                format!(
                    "{} (code that would run without tenant scoping)",
                    kind_name(n)
                ),
                "create functions, triggers and rules in migrations run unscoped",
            ),
            Refusal::HiddenStatements(n) => (
                format!(
                    "{} (its statements are not visible to the scoper)",
                    kind_name(n)
                ),
                "send the statements themselves (bind parameters are prepared by the driver), or run it unscoped",
            ),
            Refusal::Merge => (
                "MERGE".to_owned(),
                "write it as INSERT ... ON CONFLICT, UPDATE or DELETE, which are scoped",
            ),
            Refusal::RestrictedView(name) => restricted("view", name),
            Refusal::RestrictedFunction(name) => restricted("function", name),
            Refusal::ViewOverTenantTable(table) => (
                format!("a view over tenant table `{table}`"),
                "create views in an unscoped migration and declare the view as a tenant table in the schema",
            ),
            Refusal::CopyTenantTable(table) => (
                format!("COPY of tenant table `{table}`"),
                "copy through a scoped `COPY (SELECT ...)` or run it unscoped",
            ),
            Refusal::TruncateTenantTable(table) => (
                format!("TRUNCATE of tenant table `{table}`"),
                "use a scoped `DELETE FROM` to empty one tenant's rows",
            ),
            Refusal::CurrentOf { statement, table } => (
                format!("{statement} ... WHERE CURRENT OF on tenant table `{table}`"),
                "update by key instead of by cursor position",
            ),
            Refusal::TablesampleInPlace(table) => (
                format!("TABLESAMPLE of tenant table `{table}` in this position"),
                "sample it in a subquery",
            ),
            Refusal::JoinType(kind) => (
                format!("join type {kind}"),
                "use INNER, LEFT, RIGHT or FULL joins",
            ),
            Refusal::GroupingSetsFullJoinMany => (
                "a FULL join between tenant tables under a set of tenants, with grouping sets"
                    .to_owned(),
                "scope to one tenant, or group the joined rows in a subquery",
            ),
            Refusal::UsingJoinFilter => (
                "an outer or aliased USING/NATURAL join whose tenant filter has no place"
                    .to_owned(),
                "write the join with ON",
            ),
            Refusal::InsertWithoutColumns(table) => (
                format!("INSERT into tenant table `{table}` without a column list"),
                "name the columns: INSERT INTO t (a, b) VALUES (...)",
            ),
            Refusal::InsertArity {
                table,
                columns,
                values,
            } => (
                format!(
                    "INSERT into tenant table `{table}` naming {columns} columns with a row of {values} values"
                ),
                "give every VALUES row one value per named column",
            ),
            Refusal::InsertTenantValueHidden { table, column } => (
                format!(
                    "INSERT ... SELECT into `{table}` whose `{column}` value cannot be located"
                ),
                "list the selected columns explicitly, or leave the tenant column out",
            ),
            Refusal::FillUnderMany => (
                "INSERT into a tenant table without the tenant column under a multi-tenant scope"
                    .to_owned(),
                "name the tenant column with one of the tenants in scope, or scope to one tenant",
            ),
            Refusal::ComputedTenantValue(table_col) => (
                format!("a computed value for tenant column `{table_col}`"),
                "bind the tenant value as a parameter or leave the column out",
            ),
            Refusal::TypeModifier => (
                "a type modifier that is not a constant".to_owned(),
                "PostgreSQL accepts only constants and names as type modifiers: numeric(10, 2)",
            ),
            Refusal::PlaceholderOutOfRange(number) => (
                format!("placeholder ${number}"),
                "placeholders are numbered from $1 to $65535",
            ),
            Refusal::ReservedText(text) => (
                format!("a statement whose text contains `{text}`"),
                "that text is reserved for the tenant parameter",
            ),
            Refusal::TenantValueUnscoped => (
                "a tenant value in an unscoped section".to_owned(),
                "set a tenant",
            ),
        };
        Error::unsupported(construct, hint)
    }
}

fn restricted(what: &str, name: &str) -> (String, &'static str) {
    (
        format!("{what} `{name}`, which reads tenant tables the scoper cannot filter"),
        "query the tenant tables themselves, or run it inside `unscoped`",
    )
}

/// A short name for a node type, for error messages.
fn kind_name(n: &NodeEnum) -> String {
    let debug = format!("{n:?}");
    debug
        .split(['(', ' ', '{'])
        .next()
        .unwrap_or("node")
        .to_owned()
}
