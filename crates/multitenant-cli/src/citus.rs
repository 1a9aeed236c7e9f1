//! The `multitenant citus` command: check, plan, apply and undistribute from the shell, on the
//! decisions and I/O of `multitenant-citus`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use multitenant::Schema;
use multitenant_citus::{Catalog, Error, Plan, apply, check, plan, undistribute};
use sqlx::postgres::PgPoolOptions;

/// Arguments of `multitenant citus`: a subcommand and where to find the database and schema.
#[derive(Debug, Args)]
pub(crate) struct CitusArgs {
    /// What to do.
    #[command(subcommand)]
    action: CitusAction,
}

/// The `multitenant citus` subcommands, each with its target.
#[derive(Debug, Subcommand)]
enum CitusAction {
    /// Reports, per table, everything that blocks distribution and how to fix it (exit 1 if any).
    Check(Target),
    /// Prints the SQL that fixes every finding and distributes the schema; changes nothing.
    Plan(Target),
    /// Runs the plan in one transaction (a second run does nothing).
    Apply(Target),
    /// Turns the schema's distributed tables back into plain tables.
    Undistribute(Target),
}

/// The database and the schema a `multitenant citus` or `multitenant tenant` subcommand works
/// on: the schema as `multitenant scope` chooses it, from a file or by introspection.
#[derive(Debug, Args)]
pub(crate) struct Target {
    /// The database (`postgres://user@host:port/database`).
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// The schema file (multitenant.toml); without it, the schema is introspected.
    #[arg(long)]
    schema: Option<PathBuf>,
    /// Without --schema: tables with this column are tenant tables.
    #[arg(long, default_value = "account_id")]
    tenant_column: String,
    /// Without --schema: the tenant root table (its `id` is the tenant key).
    #[arg(long, default_value = "account")]
    root_table: String,
}

/// Runs `multitenant citus ...`, writing its report to `out`. Exit code 0 on success, 1 when
/// `check` finds something, 2 on an error (the message goes to stderr).
pub(crate) fn run(args: CitusArgs, out: &mut impl Write) -> ExitCode {
    block_on(run_async(&args, out))
}

/// Runs `work` on a runtime of its own; an error is one line on stderr and exit code 2.
pub(crate) fn block_on(work: impl Future<Output = Result<ExitCode, String>>) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("multitenant: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(work) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("multitenant: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run_async(args: &CitusArgs, out: &mut impl Write) -> Result<ExitCode, String> {
    let (CitusAction::Check(target)
    | CitusAction::Plan(target)
    | CitusAction::Apply(target)
    | CitusAction::Undistribute(target)) = &args.action;
    let (pool, schema) = target.open().await?;
    let report = match args.action {
        CitusAction::Check(_) => {
            let catalog = read(&pool).await?;
            let findings = check(&schema, &catalog);
            let mut text = String::new();
            if catalog.citus_version().is_none() {
                text.push_str(
                    "note: the citus extension is not installed: distribution is not checked\n",
                );
            }
            for f in &findings {
                text.push_str(&format!("{f}\n"));
            }
            if findings.is_empty() {
                text.push_str("ready: nothing blocks distribution\n");
            } else {
                text.push_str(&format!("{} finding(s)\n", findings.len()));
            }
            write(out, &text)?;
            return Ok(if findings.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            });
        }
        CitusAction::Plan(_) => {
            let catalog = read(&pool).await?;
            plan(&schema, &catalog)
                .map_err(|e| e.to_string())?
                .to_string()
        }
        CitusAction::Apply(_) => done(apply(&pool, &schema).await, "the schema is already ready")?,
        CitusAction::Undistribute(_) => done(
            undistribute(&pool, &schema).await,
            "no table is distributed",
        )?,
    };
    write(out, &report)?;
    Ok(ExitCode::SUCCESS)
}

impl Target {
    /// A connection pool to the database, and the schema.
    pub(crate) async fn open(&self) -> Result<(sqlx::PgPool, Schema), String> {
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect(&self.database_url)
            .await
            .map_err(|e| format!("cannot connect to the database: {e}"))?;
        let schema = match &self.schema {
            Some(path) => Schema::from_toml_file(path).map_err(|e| e.to_string())?,
            None => crate::introspect(&pool, &self.tenant_column, &self.root_table).await?,
        };
        Ok((pool, schema))
    }
}

async fn read(pool: &sqlx::PgPool) -> Result<Catalog, String> {
    let mut conn = pool.acquire().await.map_err(|e| e.to_string())?;
    Catalog::read(&mut conn).await.map_err(|e| e.to_string())
}

pub(crate) fn done(result: Result<Plan, Error>, nothing: &str) -> Result<String, String> {
    let plan = result.map_err(|e| e.to_string())?;
    let mut text: String = plan
        .notices()
        .iter()
        .map(|n| format!("-- notice: {n}\n"))
        .collect();
    if plan.is_empty() {
        text.push_str(&format!("nothing to do: {nothing}\n"));
    } else {
        for step in plan.steps() {
            text.push_str(&format!("{};\n", step.sql));
        }
        text.push_str(&format!(
            "applied {} statement(s) in one transaction\n",
            plan.steps().len()
        ));
    }
    Ok(text)
}

pub(crate) fn write(out: &mut impl Write, text: &str) -> Result<(), String> {
    out.write_all(text.as_bytes()).map_err(|e| e.to_string())
}
