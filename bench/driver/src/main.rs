//! `bench-driver`: measures the sample app against a hand-written baseline, the Django
//! original and the database's own limit (pgbench), on one data set, scenario by scenario, and
//! prints a table and writes `target/bench/summary*.json`. `bench/run` builds and runs it; see
//! `bench/README.md`.

mod dataset;
mod db;
mod load;
mod procstat;
mod report;
mod run;
mod server;

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

/// A system under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum System {
    /// The sample app (`examples/projects`).
    App,
    /// The hand-written sqlx server with the same API (`bench/baseline`).
    Baseline,
    /// The Django original (django-multitenant, gunicorn).
    Django,
    /// pgbench running each request's statements: the database's own limit.
    Limit,
}

impl System {
    /// The name used in the table and the JSON.
    pub(crate) fn name(self) -> &'static str {
        match self {
            System::App => "app",
            System::Baseline => "baseline",
            System::Django => "django",
            System::Limit => "limit",
        }
    }
}

/// A benchmark scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub(crate) enum Scenario {
    /// One tenant's projects (20 rows at data scale 1).
    ProjectsList,
    /// One own project.
    ProjectDetail,
    /// One tenant's first 200 tasks.
    TasksList,
    /// A new task on an own project.
    CreateTask,
    /// Every tenant in turn: 45% project list, 45% project detail, 10% create task.
    Mixed,
}

impl Scenario {
    /// The name used in the table, the JSON and the script files.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Scenario::ProjectsList => "projects_list",
            Scenario::ProjectDetail => "project_detail",
            Scenario::TasksList => "tasks_list",
            Scenario::CreateTask => "create_task",
            Scenario::Mixed => "mixed",
        }
    }

    /// Whether it writes rows (which are removed after the run).
    pub(crate) fn writes(self) -> bool {
        matches!(self, Scenario::CreateTask | Scenario::Mixed)
    }
}

/// How the load generator uses connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Connection {
    /// Connections are kept alive across requests.
    KeepAlive,
    /// A new TCP (pgbench: database) connection per request.
    Close,
}

impl Connection {
    /// The name used in the table and the JSON.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Connection::KeepAlive => "keep-alive",
            Connection::Close => "close",
        }
    }
}

/// Measures the sample app, the baseline, Django and pgbench on the same data set.
#[derive(Parser, Debug, Clone)]
#[command(version, about)]
pub(crate) struct Args {
    /// A short pass: 3 s per run after 1 s of warm-up, waiting at most 10 s for a quiet machine.
    #[arg(long)]
    pub(crate) quick: bool,
    /// Tenants in the data set.
    #[arg(long, default_value_t = 100)]
    pub(crate) tenants: u64,
    /// Multiplies the projects and tasks of every tenant (20 projects, 200 tasks at 1).
    #[arg(long, default_value_t = 1)]
    pub(crate) data_scale: u64,
    /// Systems to measure, in order.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "app,baseline,django,limit"
    )]
    pub(crate) systems: Vec<System>,
    /// Scenarios to run, in order.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "projects_list,project_detail,tasks_list,create_task,mixed"
    )]
    pub(crate) scenarios: Vec<Scenario>,
    /// Connection modes to run.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "keep-alive,close"
    )]
    pub(crate) modes: Vec<Connection>,
    /// Seconds measured per run [default: 20, 3 with --quick].
    #[arg(long)]
    pub(crate) duration: Option<u64>,
    /// Seconds of warm-up before each run, discarded [default: 3, 1 with --quick].
    #[arg(long)]
    pub(crate) warmup: Option<u64>,
    /// Runs every system this many times, in turn (app, baseline, ..., app, baseline, ...), and
    /// reports each figure's median over the rounds: on a shared machine one run's figures move
    /// by 15% or more.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) rounds: u64,
    /// Concurrent connections (wrk threads: one connection each; pgbench clients).
    #[arg(long, default_value_t = 32)]
    pub(crate) connections: u32,
    /// Before each run, wait until the machine's busy cores are at most this.
    #[arg(long, default_value_t = 0.25)]
    pub(crate) quiet_busy: f64,
    /// The longest wait for a quiet machine, seconds [default: 120, 10 with --quick].
    #[arg(long)]
    pub(crate) quiet_wait: Option<u64>,
    /// The PostgreSQL server (no database name).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432")]
    pub(crate) pg_server: String,
    /// The project root: scripts are read from `bench/`, results written to `target/bench/`.
    #[arg(long, default_value = ".")]
    pub(crate) root: PathBuf,
    /// The Django original's folder (default: `$DJANGO_PEER`, then `<root>/../shared/peer/django`).
    #[arg(long, env = "DJANGO_PEER")]
    pub(crate) django: Option<PathBuf>,
}

impl Args {
    /// Seconds measured per run.
    pub(crate) fn duration(&self) -> u64 {
        self.duration.unwrap_or(if self.quick { 3 } else { 20 })
    }

    /// Seconds of warm-up before each run.
    pub(crate) fn warmup(&self) -> u64 {
        self.warmup.unwrap_or(if self.quick { 1 } else { 3 })
    }

    /// The longest wait for a quiet machine, seconds.
    pub(crate) fn quiet_wait(&self) -> u64 {
        self.quiet_wait.unwrap_or(if self.quick { 10 } else { 120 })
    }

    /// The Django original's folder.
    pub(crate) fn django_dir(&self) -> PathBuf {
        self.django
            .clone()
            .unwrap_or_else(|| self.root.join("../shared/peer/django"))
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    match run::run(args).await {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::FAILURE,
        Err(e) => {
            eprintln!("bench-driver: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_options_parse() {
        let a = Args::parse_from([
            "bench-driver",
            "--quick",
            "--systems",
            "app,limit",
            "--scenarios",
            "mixed,create_task",
            "--tenants",
            "10000",
        ]);
        assert_eq!(a.systems, [System::App, System::Limit]);
        assert_eq!(a.scenarios, [Scenario::Mixed, Scenario::CreateTask]);
        assert_eq!(a.modes, [Connection::KeepAlive, Connection::Close]);
        assert_eq!((a.duration(), a.warmup(), a.connections), (3, 1, 32));
        assert_eq!(a.tenants, 10000);
        let full = Args::parse_from(["bench-driver"]);
        assert_eq!(full.systems.len(), 4);
        assert_eq!(full.scenarios.len(), 5);
        assert_eq!(full.duration(), 20);
    }
}
