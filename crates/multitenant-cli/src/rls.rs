//! The `multitenant rls` command: the row-level-security backstop's policies, shown, applied
//! and removed from the shell, on `multitenant-citus`'s `rls` module.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use multitenant::{Schema, Setting};
use multitenant_citus::rls::{self, Options};
use sqlx::postgres::PgPoolOptions;

use crate::citus::{done, write};

/// Arguments of `multitenant rls`.
#[derive(Debug, Args)]
pub(crate) struct RlsArgs {
    /// What to do.
    #[command(subcommand)]
    action: RlsAction,
}

/// The `multitenant rls` subcommands.
#[derive(Debug, Subcommand)]
enum RlsAction {
    /// Prints the SQL that creates the policies; changes nothing.
    Show(Target),
    /// Creates the policies in one transaction (replacing those of an earlier run).
    Apply(Target),
    /// Removes the policies and turns row-level security off on the tenant tables.
    Remove(Target),
}

/// The schema (a file, or introspected from the database) and the policies' options.
#[derive(Debug, Args)]
struct Target {
    /// The database (`postgres://user@host:port/database`); needed by apply and remove, and
    /// without --schema.
    #[arg(long)]
    database_url: Option<String>,
    /// The schema file (multitenant.toml); without it, the schema is introspected.
    #[arg(long)]
    schema: Option<PathBuf>,
    /// Without --schema: tables with this column are tenant tables.
    #[arg(long, default_value = "account_id")]
    tenant_column: String,
    /// Without --schema: the tenant root table (its `id` is the tenant key).
    #[arg(long, default_value = "account")]
    root_table: String,
    /// The custom setting holding the current tenants.
    #[arg(long, default_value = Setting::DEFAULT)]
    setting: Setting,
    /// FORCE ROW LEVEL SECURITY: the tables' owner is subject to the policies too.
    #[arg(long)]
    force: bool,
}

/// Runs `multitenant rls ...`, writing its output to `out`. Exit code 0 on success, 2 on an
/// error (one line on stderr).
pub(crate) fn run(args: RlsArgs, out: &mut impl Write) -> ExitCode {
    let result = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))
        .and_then(|runtime| runtime.block_on(run_async(&args, out)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("multitenant: {}", e.replace('\n', " "));
            ExitCode::from(2)
        }
    }
}

async fn run_async(args: &RlsArgs, out: &mut impl Write) -> Result<(), String> {
    let (RlsAction::Show(target) | RlsAction::Apply(target) | RlsAction::Remove(target)) =
        &args.action;
    let options = Options {
        setting: target.setting.clone(),
        force: target.force,
    };
    let pool = match (&target.database_url, &args.action) {
        (None, RlsAction::Show(_)) => None,
        (None, _) => return Err("--database-url is needed to change the database".into()),
        (Some(url), _) => Some(
            PgPoolOptions::new()
                .max_connections(1)
                .acquire_timeout(std::time::Duration::from_secs(5))
                .connect(url)
                .await
                .map_err(|e| format!("cannot connect to the database: {e}"))?,
        ),
    };
    let schema = match (&target.schema, &pool) {
        (Some(path), _) => Schema::from_toml_file(path).map_err(|e| e.to_string())?,
        (None, Some(pool)) => {
            crate::introspect(pool, &target.tenant_column, &target.root_table).await?
        }
        (None, None) => return Err("give --schema FILE or --database-url URL".into()),
    };
    let text = match (&args.action, &pool) {
        (RlsAction::Apply(_), Some(pool)) => done(
            rls::apply(pool, &schema, &options).await,
            "the schema has no tenant table",
        )?,
        (RlsAction::Remove(_), Some(pool)) => done(
            rls::remove(pool, &schema).await,
            "the schema has no tenant table",
        )?,
        _ => rls::policies(&schema, &options).to_string(),
    };
    write(out, &text)
}
