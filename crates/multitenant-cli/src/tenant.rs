//! The `multitenant tenant` command: stats, export, import, delete, isolate and rebalance from
//! the shell, on the tenant operations of `multitenant-citus`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use multitenant_citus::tenant::{self, Node, StatsOptions};

use crate::citus::{Target, block_on};

/// Arguments of `multitenant tenant`.
#[derive(Debug, Args)]
pub(crate) struct TenantArgs {
    /// What to do.
    #[command(subcommand)]
    action: TenantAction,
}

/// The `multitenant tenant` subcommands.
#[derive(Debug, Subcommand)]
enum TenantAction {
    /// Rows and bytes per tenant, largest first; on Citus also shard, node, queries and CPU.
    Stats(StatsArgs),
    /// Writes one tenant's rows to a directory: a JSON-lines file per table and a manifest.
    Export(ExportArgs),
    /// Loads an export in one transaction; refuses, writing nothing, if a row already exists.
    Import(ImportArgs),
    /// Deletes every row of one tenant, children first, in one transaction.
    Delete(DeleteArgs),
    /// Citus: gives one tenant a shard of its own, optionally on another node (plan unless --apply).
    Isolate(IsolateArgs),
    /// Citus: spreads the shards evenly over the workers (plan unless --apply).
    Rebalance(RebalanceArgs),
}

#[derive(Debug, Args)]
struct StatsArgs {
    #[command(flatten)]
    target: Target,
    /// Only the N largest tenants.
    #[arg(long)]
    top: Option<usize>,
    /// Only this tenant.
    #[arg(long)]
    tenant: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Citus: turn tenant tracking on for this database (citus.stat_tenants_track = 'all').
    #[arg(long)]
    track: bool,
}

#[derive(Debug, Args)]
struct ExportArgs {
    #[command(flatten)]
    target: Target,
    /// The tenant's key.
    key: String,
    /// The directory to write (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Also export the reference-table rows the tenant's rows point at.
    #[arg(long)]
    with_references: bool,
}

#[derive(Debug, Args)]
struct ImportArgs {
    #[command(flatten)]
    target: Target,
    /// The export's directory.
    #[arg(long)]
    from: PathBuf,
}

#[derive(Debug, Args)]
struct DeleteArgs {
    #[command(flatten)]
    target: Target,
    /// The tenant's key.
    key: String,
    /// Only count what would be deleted.
    #[arg(long, conflicts_with = "yes")]
    dry_run: bool,
    /// Delete.
    #[arg(long)]
    yes: bool,
}

#[derive(Debug, Args)]
struct IsolateArgs {
    #[command(flatten)]
    target: Target,
    /// The tenant's key.
    key: String,
    /// Move the tenant's shard group to this worker (`host:port`).
    #[arg(long)]
    to_node: Option<String>,
    /// Run the plan (otherwise it is only printed).
    #[arg(long)]
    apply: bool,
}

#[derive(Debug, Args)]
struct RebalanceArgs {
    #[command(flatten)]
    target: Target,
    /// Run the rebalance (otherwise the plan is only printed).
    #[arg(long)]
    apply: bool,
}

/// Runs `multitenant tenant ...`, writing its report to `out`: exit code 0 on success, 2 with a
/// one-line message on stderr otherwise.
pub(crate) fn run(args: TenantArgs, out: &mut impl Write) -> ExitCode {
    block_on(run_async(args, out))
}

async fn run_async(args: TenantArgs, out: &mut impl Write) -> Result<ExitCode, String> {
    let text = |e: multitenant_citus::Error| e.to_string();
    let report = match args.action {
        TenantAction::Stats(a) => {
            let (pool, schema) = a.target.open().await?;
            let mut notes = String::new();
            if a.track {
                tenant::track_tenants(&pool).await.map_err(text)?;
                notes.push_str("tenant tracking is on for new sessions of this database\n");
            }
            let tenant = match &a.tenant {
                Some(key) => Some(tenant::parse_key(&schema, key).map_err(text)?),
                None => None,
            };
            let options = StatsOptions { top: a.top, tenant };
            let report = tenant::stats(&pool, &schema, &options)
                .await
                .map_err(text)?;
            if a.json {
                let mut json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
                json.push('\n');
                json
            } else {
                format!("{report}{notes}")
            }
        }
        TenantAction::Export(a) => {
            let (pool, schema) = a.target.open().await?;
            let key = tenant::parse_key(&schema, &a.key).map_err(text)?;
            let manifest = tenant::export(&pool, &schema, &key, &a.out, a.with_references)
                .await
                .map_err(text)?;
            let mut report = format!("exported tenant {} to {}\n", key, a.out.display());
            for t in &manifest.tables {
                report.push_str(&format!("  {}: {} row(s)\n", t.table, t.rows));
            }
            report
        }
        TenantAction::Import(a) => {
            let (pool, schema) = a.target.open().await?;
            tenant::import(&pool, &schema, &a.from)
                .await
                .map_err(text)?
                .to_string()
        }
        TenantAction::Delete(a) => {
            if !a.dry_run && !a.yes {
                return Err(
                    "tenant delete needs --dry-run (count only) or --yes (delete)".to_owned(),
                );
            }
            let (pool, schema) = a.target.open().await?;
            let key = tenant::parse_key(&schema, &a.key).map_err(text)?;
            tenant::delete(&pool, &schema, &key, a.dry_run)
                .await
                .map_err(text)?
                .to_string()
        }
        TenantAction::Isolate(a) => {
            let (pool, schema) = a.target.open().await?;
            let key = tenant::parse_key(&schema, &a.key).map_err(text)?;
            let to: Option<Node> = match &a.to_node {
                Some(node) => Some(node.parse().map_err(text)?),
                None => None,
            };
            let plan = tenant::isolate_plan(&pool, &schema, &key, to.as_ref())
                .await
                .map_err(text)?;
            write(out, &plan.to_string())?;
            if a.apply {
                let mut failed = None;
                tenant::isolate(&pool, &schema, &plan, &mut live(out, &mut failed))
                    .await
                    .map_err(text)?;
                failed.map_or(Ok(()), Err)?;
            } else if !plan.steps.is_empty() {
                write(out, "-- plan only: run again with --apply to run it\n")?;
            }
            String::new()
        }
        TenantAction::Rebalance(a) => {
            let (pool, _) = a.target.open().await?;
            if a.apply {
                let mut failed = None;
                tenant::rebalance(&pool, &mut live(out, &mut failed))
                    .await
                    .map_err(text)?;
                failed.map_or(Ok(()), Err)?;
                String::new()
            } else {
                let plan = tenant::rebalance_plan(&pool).await.map_err(text)?;
                let mut text = plan.to_string();
                if !plan.moves.is_empty() {
                    text.push_str("plan only: run again with --apply to run it\n");
                }
                text
            }
        }
    };
    write(out, &report)?;
    Ok(ExitCode::SUCCESS)
}

/// Progress lines written to `out` as they come; the first write error is kept in `failed`.
fn live<'a>(out: &'a mut impl Write, failed: &'a mut Option<String>) -> impl FnMut(&str) + 'a {
    move |line| {
        if let Err(e) = writeln!(out, "{line}").and_then(|()| out.flush()) {
            failed.get_or_insert(e.to_string());
        }
    }
}

fn write(out: &mut impl Write, text: &str) -> Result<(), String> {
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| e.to_string())
}
