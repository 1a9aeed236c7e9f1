//! The row-level-security backstop: one policy per tenant table that lets a role see and
//! change only the rows of the tenants named in a custom setting, so a statement that reaches
//! the database past the scoper (a raw connection from the same pool, a forgotten code path)
//! still stays within the current tenant.
//!
//! The policy compares the tenant column with the keys in the setting (`multitenant.tenant`
//! unless told otherwise), read with `current_setting(name, true)`: one key, or several
//! separated by commas. Unset or empty, it matches nothing: a role subject to the policy sees
//! no tenant rows and can write none. The adapters set the setting at the start of each
//! transaction when their [`Scoper`](multitenant::Scoper) has
//! [`with_row_level_security`](multitenant::Scoper::with_row_level_security).
//!
//! **Who is not subject to it**: superusers and roles with `BYPASSRLS` never are; the owner of
//! a table is only with [`Options::force`] (`FORCE ROW LEVEL SECURITY`). Run the application
//! as a role of its own, without either. On Citus the policies reach the shards (Citus 13
//! propagates them), the setting reaches the workers only with
//! `citus.propagate_set_commands = 'local'` for the application's role or database
//! (`ALTER ROLE app SET citus.propagate_set_commands = 'local'`), and a policy does not route a
//! query to one shard: it is a backstop behind the scoper, never a replacement.
//!
//! ```
//! use multitenant::{Schema, Setting};
//! use multitenant_citus::rls::{Options, policies};
//!
//! let schema = Schema::builder().tenant_table("tasks", "account_id").build().unwrap();
//! let script = policies(&schema, &Options::default()).to_string();
//! assert!(script.contains("ALTER TABLE public.tasks ENABLE ROW LEVEL SECURITY;"));
//! assert!(script.contains(
//!     "CREATE POLICY multitenant_tenant ON public.tasks USING (account_id = ANY (string_to_array(\
//!      NULLIF(current_setting('multitenant.tenant', true), ''), ',')::bigint[]))"
//! ));
//! ```

use multitenant::{KeyKind, Schema, Setting, TableName};
use sqlx::PgPool;

use crate::sql::{ident, literal, table};
use crate::{Error, Plan};

/// The name of the policy on every tenant table.
pub const POLICY: &str = "multitenant_tenant";

/// How the policies are made.
///
/// ```
/// let options = multitenant_citus::rls::Options { force: true, ..Default::default() };
/// assert_eq!(options.setting.as_str(), "multitenant.tenant");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// The custom setting holding the current tenants.
    pub setting: Setting,
    /// `FORCE ROW LEVEL SECURITY`: the tables' owner is subject to the policies too.
    pub force: bool,
}

/// The DDL that creates the policies on every tenant table of `schema` (the tenant root
/// included, on its key column), in order. It drops a policy of the same name first, so
/// running it again, or with other options, leaves exactly what was asked.
///
/// ```
/// use multitenant::{Schema, Setting};
/// use multitenant_citus::rls::{Options, policies};
///
/// let schema = Schema::builder()
///     .key_kind(multitenant::KeyKind::Uuid)
///     .tenant_root("orgs", "id")
///     .build()
///     .unwrap();
/// let options = Options { setting: Setting::new("app.org").unwrap(), force: true };
/// let sql: Vec<String> = policies(&schema, &options).steps().iter().map(|s| s.sql.clone()).collect();
/// assert_eq!(sql, [
///     "ALTER TABLE public.orgs ENABLE ROW LEVEL SECURITY",
///     "ALTER TABLE public.orgs FORCE ROW LEVEL SECURITY",
///     "DROP POLICY IF EXISTS multitenant_tenant ON public.orgs",
///     "CREATE POLICY multitenant_tenant ON public.orgs USING (id = ANY (string_to_array(NULLIF(\
///      current_setting('app.org', true), ''), ',')::uuid[])) WITH CHECK (id = ANY (string_to_array(\
///      NULLIF(current_setting('app.org', true), ''), ',')::uuid[]))",
/// ]);
/// ```
pub fn policies(schema: &Schema, options: &Options) -> Plan {
    let mut plan = Plan::default();
    for (name, column) in schema.tenant_tables() {
        let t = table(name);
        plan.push(
            format!("ALTER TABLE {t} ENABLE ROW LEVEL SECURITY"),
            format!("{name}: rows visible only to their tenant"),
        );
        let (force, why) = if options.force {
            ("FORCE", "the table's owner is subject to the policy too")
        } else {
            ("NO FORCE", "the table's owner is not subject to the policy")
        };
        plan.push(format!("ALTER TABLE {t} {force} ROW LEVEL SECURITY"), why);
        plan.push(drop_policy(name), "replaced by the policy below");
        let check = matches_setting(column, schema.key_kind(), &options.setting);
        plan.push(
            format!(
                "CREATE POLICY {POLICY} ON {t} USING ({check}) WITH CHECK ({check})",
                POLICY = ident(POLICY)
            ),
            format!(
                "{name}.{column} must be one of the keys in `{}`; none when it is unset",
                options.setting
            ),
        );
    }
    plan
}

/// The DDL that removes what [`policies`] creates: the policy, `FORCE`, and row-level
/// security itself (other policies on the same tables stop applying too).
///
/// ```
/// let schema = multitenant::Schema::builder().tenant_table("tasks", "account_id").build().unwrap();
/// let sql: Vec<String> = multitenant_citus::rls::removal(&schema).steps().iter().map(|s| s.sql.clone()).collect();
/// assert_eq!(sql, [
///     "DROP POLICY IF EXISTS multitenant_tenant ON public.tasks",
///     "ALTER TABLE public.tasks NO FORCE ROW LEVEL SECURITY",
///     "ALTER TABLE public.tasks DISABLE ROW LEVEL SECURITY",
/// ]);
/// ```
pub fn removal(schema: &Schema) -> Plan {
    let mut plan = Plan::default();
    for (name, _) in schema.tenant_tables() {
        let t = table(name);
        plan.push(drop_policy(name), format!("{name}: the tenant policy goes"));
        plan.push(
            format!("ALTER TABLE {t} NO FORCE ROW LEVEL SECURITY"),
            "the owner is no longer forced",
        );
        plan.push(
            format!("ALTER TABLE {t} DISABLE ROW LEVEL SECURITY"),
            "row-level security off",
        );
    }
    plan
}

/// Creates the policies ([`policies`]) in one transaction and returns what ran; on any error
/// nothing is changed. On Citus it runs on the coordinator and the policies reach the shards.
///
/// ```no_run
/// # async fn f(pool: sqlx::PgPool, schema: multitenant::Schema) -> Result<(), multitenant_citus::Error> {
/// let options = multitenant_citus::rls::Options { force: true, ..Default::default() };
/// multitenant_citus::rls::apply(&pool, &schema, &options).await?;
/// # Ok(()) }
/// ```
pub async fn apply(pool: &PgPool, schema: &Schema, options: &Options) -> Result<Plan, Error> {
    run(pool, policies(schema, options)).await
}

/// Removes the policies ([`removal`]) in one transaction and returns what ran.
///
/// ```no_run
/// # async fn f(pool: sqlx::PgPool, schema: multitenant::Schema) -> Result<(), multitenant_citus::Error> {
/// multitenant_citus::rls::remove(&pool, &schema).await?;
/// # Ok(()) }
/// ```
pub async fn remove(pool: &PgPool, schema: &Schema) -> Result<Plan, Error> {
    run(pool, removal(schema)).await
}

async fn run(pool: &PgPool, plan: Plan) -> Result<Plan, Error> {
    let mut tx = pool.begin().await?;
    crate::apply::execute(&mut tx, &plan).await?;
    tx.commit().await?;
    Ok(plan)
}

fn drop_policy(name: &TableName) -> String {
    format!("DROP POLICY IF EXISTS {} ON {}", ident(POLICY), table(name))
}

/// `column = ANY (keys in the setting)`, the keys cast to the schema's key type.
fn matches_setting(column: &str, kind: KeyKind, setting: &Setting) -> String {
    let element = match kind {
        KeyKind::BigInt => "bigint",
        KeyKind::Uuid => "uuid",
        KeyKind::Text => "text",
    };
    format!(
        "{} = ANY (string_to_array(NULLIF(current_setting({}, true), ''), ',')::{element}[])",
        ident(column),
        literal(setting.as_str()),
    )
}
