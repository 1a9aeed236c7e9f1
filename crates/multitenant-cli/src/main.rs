//! The `multitenant` command: shows what the library does to a statement, makes a schema
//! Citus-ready (`multitenant citus`, in the `citus` module), operates on one tenant
//! (`multitenant tenant`, in the `tenant` module) and manages the row-level-security backstop
//! (`multitenant rls`, in the `rls` module).

mod citus;
mod rls;
mod tenant;

use std::io::{self, BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use multitenant::{KeyKind, Schema, Scope, Scoper, TenantKey};
use serde::{Deserialize, Serialize};

/// Tenant scoping for PostgreSQL and Citus.
#[derive(Parser)]
#[command(name = "multitenant", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Prints how statements are scoped: the rewritten SQL and the tenant parameter number.
    Scope(ScopeArgs),
    /// Makes the schema Citus-ready and distributes it: check, plan, apply, undistribute.
    Citus(citus::CitusArgs),
    /// Operates on one tenant: stats, export, import, delete, isolate, rebalance.
    Tenant(tenant::TenantArgs),
    /// The row-level-security backstop's policies: show, apply, remove.
    Rls(rls::RlsArgs),
}

#[derive(Args)]
struct ScopeArgs {
    /// The schema file (multitenant.toml).
    #[arg(
        long,
        default_value = "multitenant.toml",
        conflicts_with = "database_url"
    )]
    schema: PathBuf,
    /// Build the schema by introspecting this database instead of reading a file.
    #[arg(long)]
    database_url: Option<String>,
    /// With --database-url: tables with this column are tenant tables.
    #[arg(long, default_value = "account_id")]
    tenant_column: String,
    /// With --database-url: the tenant root table (its `id` is the tenant key).
    #[arg(long, default_value = "account")]
    root_table: String,
    /// One statement to scope.
    #[arg(long, conflicts_with = "jsonl", required_unless_present = "jsonl")]
    sql: Option<String>,
    /// Read `{"sql": "..."}` objects, one per line, from stdin; write one result per line.
    #[arg(long)]
    jsonl: bool,
    /// Show the rewrite outside any tenant (join equalities only).
    #[arg(long, conflicts_with = "many")]
    unscoped: bool,
    /// Show the rewrite for a set of tenants (`= ANY($n)`).
    #[arg(long)]
    many: bool,
}

#[derive(Deserialize)]
struct Input {
    sql: String,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Output {
    Scoped {
        sql: String,
        tenant_param: Option<usize>,
    },
    Error {
        error: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Scope(args) => match run_scope(&args) {
            Ok(code) => code,
            Err(message) => {
                eprintln!("multitenant: {message}");
                ExitCode::from(2)
            }
        },
        Command::Citus(args) => citus::run(args, &mut io::stdout()),
        Command::Tenant(args) => tenant::run(args, &mut io::stdout()),
        Command::Rls(args) => rls::run(args, &mut io::stdout()),
    }
}

/// A scope of the schema's key kind; the rewrite does not depend on the key's value.
fn sample_scope(kind: KeyKind, args: &ScopeArgs) -> Scope {
    let key = match kind {
        KeyKind::BigInt => TenantKey::Int(1),
        KeyKind::Uuid => TenantKey::Uuid(uuid::Uuid::nil()),
        KeyKind::Text => TenantKey::from("tenant"),
    };
    if args.unscoped {
        Scope::Unscoped
    } else if args.many {
        Scope::many([key])
    } else {
        Scope::Tenant(key)
    }
}

fn scope_one(scoper: &Scoper, scope: &Scope, sql: &str) -> Output {
    match scoper.rewrite(sql, Some(scope)) {
        Ok(s) => Output::Scoped {
            sql: s.sql().to_owned(),
            tenant_param: s.tenant_param(),
        },
        Err(e) => Output::Error {
            error: e.to_string(),
        },
    }
}

/// The schema of the connected database: tables with `tenant_column` are tenant tables, and
/// `root_table`'s `id` is the tenant key (with Citus, its distribution metadata counts too).
async fn introspect(
    pool: &sqlx::PgPool,
    tenant_column: &str,
    root_table: &str,
) -> Result<Schema, String> {
    let convention = multitenant::catalog::Convention {
        tenant_column: tenant_column.to_owned(),
        root_table: root_table.to_owned(),
        ..multitenant::catalog::Convention::default()
    };
    multitenant_sqlx::introspect(pool, &convention)
        .await
        .map_err(|e| e.to_string())
}

/// The schema from the file, or introspected from `--database-url`.
fn load_schema(args: &ScopeArgs) -> Result<Schema, String> {
    let Some(url) = &args.database_url else {
        return Schema::from_toml_file(&args.schema).map_err(|e| e.to_string());
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let pool = sqlx::PgPool::connect(url)
            .await
            .map_err(|e| format!("cannot connect to the database at --database-url: {e}"))?;
        let schema = introspect(&pool, &args.tenant_column, &args.root_table).await;
        pool.close().await;
        schema
    })
}

fn run_scope(args: &ScopeArgs) -> Result<ExitCode, String> {
    let schema = load_schema(args)?;
    let scope = sample_scope(schema.key_kind(), args);
    let scoper = Scoper::new(schema);
    if let Some(sql) = &args.sql {
        return Ok(match scope_one(&scoper, &scope, sql) {
            Output::Scoped { sql, tenant_param } => {
                println!("{sql}");
                match tenant_param {
                    Some(n) => println!("-- tenant parameter: ${n}"),
                    None => println!("-- tenant parameter: none"),
                }
                ExitCode::SUCCESS
            }
            Output::Error { error } => {
                eprintln!("multitenant: {error}");
                ExitCode::from(1)
            }
        });
    }
    let stdin = io::stdin();
    let mut out = io::BufWriter::new(io::stdout().lock());
    for line in stdin.lock().lines() {
        let line = line.map_err(|e| format!("reading stdin: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let result = match serde_json::from_str::<Input>(&line) {
            Ok(input) => scope_one(&scoper, &scope, &input.sql),
            Err(e) => Output::Error {
                error: format!("invalid input line (expected {{\"sql\": \"...\"}}): {e}"),
            },
        };
        serde_json::to_writer(&mut out, &result).map_err(|e| e.to_string())?;
        out.write_all(b"\n").map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}
