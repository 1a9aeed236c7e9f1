//! The benchmark itself: prepares the data set, then starts each system in turn, runs every
//! scenario in every connection mode against it, measures throughput, latency and CPU, and
//! reports.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use tokio::process::Command;

use crate::dataset::DataSet;
use crate::db::Db;
use crate::load::{self, Outcome};
use crate::procstat::{self, Machine};
use crate::report::{self, Row};
use crate::server::{self, Server};
use crate::{Args, Connection, Scenario, System};

/// The app's and the baseline's database.
const APP_DB: &str = "mt_bench";
/// The Django original's database.
const DJANGO_DB: &str = "mt_bench_django";
/// Where each system listens.
const APP_ADDR: &str = "127.0.0.1:8200";
const BASELINE_ADDR: &str = "127.0.0.1:8300";
const DJANGO_ADDR: &str = "127.0.0.1:8100";
/// The pid file of the Django original's gunicorn.
const DJANGO_PIDFILE: &str = "/tmp/mt_bench_django.pid";

/// What a run needs to know and what it gathered.
struct Bench {
    args: Args,
    data: DataSet,
    root: PathBuf,
    out_dir: PathBuf,
    bin: PathBuf,
    postmaster: u32,
    hz: u64,
    cpus: usize,
    rows: Vec<Row>,
    notes: Vec<String>,
    failures: Vec<String>,
}

/// The system under load, as the load generator and the accounting see it.
struct Target<'a> {
    system: System,
    /// The server's process tree (none for pgbench).
    server_pid: Option<u32>,
    /// `rust` or `django` (the wrk script's flavor).
    flavor: &'a str,
    addr: &'a str,
    /// One token per line, tenant i on line i.
    tokens: &'a Path,
}

/// Runs the whole benchmark; returns whether every run passed its checks.
pub(crate) async fn run(mut args: Args) -> Result<bool> {
    let root = args
        .root
        .canonicalize()
        .with_context(|| format!("project root {}", args.root.display()))?;
    args.root.clone_from(&root);
    let data = DataSet {
        tenants: args.tenants,
        scale: args.data_scale,
    };
    if data.tenants == 0 || data.scale == 0 {
        bail!("--tenants and --data-scale must be at least 1");
    }
    let admin = Db::connect(&args.pg_server, "postgres").await?;
    let postmaster = admin.postmaster_pid().await?;
    let mut bench = Bench {
        out_dir: root.join("target/bench"),
        bin: server::release_dir(&root),
        root,
        data,
        postmaster,
        hz: procstat::ticks_per_second(),
        cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
        rows: Vec::new(),
        notes: Vec::new(),
        failures: Vec::new(),
        args,
    };
    std::fs::create_dir_all(&bench.out_dir)?;
    eprintln!(
        "bench: {} tenants, data scale {} ({} projects, {} tasks per tenant); {} s per run after {} s warm-up, {} connections; load {}",
        data.tenants,
        data.scale,
        data.projects_per_tenant(),
        data.tasks_per_tenant(),
        bench.args.duration(),
        bench.args.warmup(),
        bench.args.connections,
        procstat::load_average()
    );
    let systems = bench.args.systems.clone();
    if systems
        .iter()
        .any(|s| matches!(s, System::App | System::Baseline | System::Limit))
    {
        bench.prepare_app_db(&admin).await?;
    }
    for round in 1..=bench.args.rounds {
        if bench.args.rounds > 1 {
            eprintln!("bench: round {round} of {}", bench.args.rounds);
        }
        for &system in &systems {
            bench.run_system(system, &admin).await;
        }
    }
    bench.report()
}

impl Bench {
    /// Measures `system` in every scenario and mode; a failure is recorded, not returned.
    async fn run_system(&mut self, system: System, admin: &Db) {
        let outcome = match system {
            System::App => self.run_rust(System::App, "projects", APP_ADDR).await,
            System::Baseline => {
                self.run_rust(System::Baseline, "baseline", BASELINE_ADDR)
                    .await
            }
            System::Django => self.run_django(admin).await,
            System::Limit => self.run_limit().await,
        };
        if let Err(e) = outcome {
            self.failures.push(format!("{}: {e:#}", system.name()));
        }
    }

    /// Creates and migrates the app's database (by starting the app once, when its binary is
    /// built) and makes it hold the data set.
    async fn prepare_app_db(&mut self, admin: &Db) -> Result<()> {
        let app = self.bin.join("projects");
        if app.exists() {
            let (srv, _) = self.start_rust(&app, APP_ADDR, "app-migrate").await?;
            srv.stop().await?;
        } else if !admin.database_exists(APP_DB).await? {
            bail!(
                "{} is not built and database {APP_DB} does not exist: build the app (cargo build --release -p projects)",
                app.display()
            );
        }
        let db = Db::connect(&self.args.pg_server, APP_DB).await?;
        let started = std::time::Instant::now();
        if db.ensure_data_set(&self.data).await? {
            eprintln!(
                "bench: seeded {APP_DB} with {} tenants at data scale {} in {:.1} s",
                self.data.tenants,
                self.data.scale,
                started.elapsed().as_secs_f64()
            );
        } else {
            eprintln!("bench: {APP_DB} already holds the data set");
        }
        Ok(())
    }

    /// Starts the app or the baseline on `addr` and waits until it answers.
    async fn start_rust(&self, binary: &Path, addr: &str, log: &str) -> Result<(Server, PathBuf)> {
        let url = format!("{}/{APP_DB}", self.args.pg_server.trim_end_matches('/'));
        let mut args = vec![
            "--listen".to_owned(),
            addr.to_owned(),
            "--database-url".to_owned(),
            url,
        ];
        if binary.ends_with("projects") {
            args.extend(["--demo-tenants".to_owned(), "0".to_owned()]);
        }
        let log = self.out_dir.join(format!("{log}.log"));
        let mut srv = Server::spawn(binary, &args, &log)?;
        if let Err(e) =
            server::wait_ready(&mut srv, addr, "/api/projects", Duration::from_secs(120)).await
        {
            let _ = srv.stop().await;
            return Err(e.context(format!(
                "starting {} (log: {})",
                binary.display(),
                log.display()
            )));
        }
        Ok((srv, log))
    }

    /// Measures the app or the baseline.
    async fn run_rust(&mut self, system: System, binary: &str, addr: &str) -> Result<()> {
        let path = self.bin.join(binary);
        if !path.exists() {
            self.skip(system, format!("{} is not built", path.display()));
            return Ok(());
        }
        let (srv, _) = self.start_rust(&path, addr, system.name()).await?;
        let tokens = tempfile::NamedTempFile::new()?;
        let list: Vec<String> = (1..=self.data.tenants).map(DataSet::token).collect();
        std::fs::write(tokens.path(), list.join("\n") + "\n")?;
        let result = async {
            let auth = format!("Bearer {}", list[0]);
            let (status, body) = server::http(
                addr,
                "GET",
                "/api/projects",
                &[("Authorization", &auth)],
                None,
            )
            .await?;
            if status != 200 || !body.contains("\"account_id\":1") {
                bail!("GET /api/projects as tenant 1 answered {status}: {body:.300}");
            }
            // The wrk script derives a tenant's project ids from the data set's arithmetic.
            let last = self.data.tenants;
            let id = self.data.project_id(last, self.data.projects_per_tenant());
            let auth = format!("Bearer {}", list[(last - 1) as usize]);
            let path = format!("/api/projects/{id}");
            let (status, body) =
                server::http(addr, "GET", &path, &[("Authorization", &auth)], None).await?;
            if status != 200 || !body.contains(&format!("\"account_id\":{last}")) {
                bail!("GET {path} as tenant {last} answered {status}: {body:.300}");
            }
            let target = Target {
                system,
                server_pid: srv.pid(),
                flavor: "rust",
                addr,
                tokens: tokens.path(),
            };
            self.scenarios(&target).await
        }
        .await;
        srv.stop().await?;
        result
    }

    /// Measures the Django original through its own scripts.
    async fn run_django(&mut self, admin: &Db) -> Result<()> {
        let dir = self.args.django_dir();
        if !dir.join("run.sh").exists() {
            self.skip(
                System::Django,
                format!("no Django original in {}", dir.display()),
            );
            return Ok(());
        }
        if self.data.scale != 1 {
            self.skip(
                System::Django,
                "its seed.py has no data scale (it runs at --data-scale 1 only)".to_owned(),
            );
            return Ok(());
        }
        let n = self.data.tenants;
        let log = self.out_dir.join("django.log");
        let env = [
            ("PEER_DB_NAME", DJANGO_DB.to_owned()),
            ("PEER_PIDFILE", DJANGO_PIDFILE.to_owned()),
            ("PEER_LOG", log.display().to_string()),
            ("PEER_BIND", DJANGO_ADDR.to_owned()),
            ("ACCOUNTS", n.to_string()),
            ("WORKERS", "2".to_owned()),
        ];
        let script = |name: &str| {
            let mut c = Command::new(dir.join(name));
            c.current_dir(&dir)
                .envs(env.iter().map(|(k, v)| (*k, v.as_str())));
            c
        };
        if admin.database_exists(DJANGO_DB).await? {
            // Tasks earlier runs created would make seed.py reseed from scratch.
            let db = Db::connect(&self.args.pg_server, DJANGO_DB).await?;
            if db
                .scalar("SELECT count(*) FROM pg_tables WHERE tablename = 'core_task'")
                .await?
                == 1
            {
                reset_django_tasks(&db, n).await?;
            }
        }
        let setup_log = self.out_dir.join("django-setup.log");
        for name in ["setup.sh", "run.sh"] {
            let out = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&setup_log)?;
            let status = script(name)
                .stdin(Stdio::null())
                .stdout(out.try_clone()?)
                .stderr(out)
                .status()
                .await
                .with_context(|| format!("running {}", dir.join(name).display()))?;
            if !status.success() {
                bail!("{name} failed ({status}); see {}", setup_log.display());
            }
        }
        let pid: u32 = std::fs::read_to_string(DJANGO_PIDFILE)?
            .trim()
            .parse()
            .context("gunicorn's pid file")?;
        let mut stop = script("stop.sh");
        let out = std::fs::OpenOptions::new().append(true).open(&setup_log)?;
        stop.stdout(out.try_clone()?).stderr(out);
        let srv = Server::Scripted {
            pid,
            stop: Box::new(stop),
        };
        let result = async {
            let db = Db::connect(&self.args.pg_server, DJANGO_DB).await?;
            check_django_ids(&db, n).await?;
            let list = db
                .column("SELECT t.key FROM core_account a JOIN authtoken_token t ON t.user_id = a.user_id ORDER BY a.id")
                .await?;
            if list.len() as u64 != n {
                bail!("{DJANGO_DB} holds {} tokens, not {n}", list.len());
            }
            let tokens = tempfile::NamedTempFile::new()?;
            std::fs::write(tokens.path(), list.join("\n") + "\n")?;
            let auth = format!("Token {}", list[0]);
            let (status, body) =
                server::http(DJANGO_ADDR, "GET", "/api/projects/", &[("Authorization", &auth)], None)
                    .await?;
            if status != 200 || !body.contains("\"account\":1") {
                bail!("GET /api/projects/ as tenant 1 answered {status}: {body:.300}");
            }
            let target = Target {
                system: System::Django,
                server_pid: Some(pid),
                flavor: "django",
                addr: DJANGO_ADDR,
                tokens: tokens.path(),
            };
            self.scenarios(&target).await
        }
        .await;
        srv.stop().await?;
        result
    }

    /// Measures pgbench running each request's statements.
    async fn run_limit(&mut self) -> Result<()> {
        let found = Command::new("pgbench")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .await;
        if !found.is_ok_and(|s| s.success()) {
            self.skip(
                System::Limit,
                "pgbench is not installed (apt-get install postgresql-client)".to_owned(),
            );
            return Ok(());
        }
        let none = PathBuf::new();
        let target = Target {
            system: System::Limit,
            server_pid: None,
            flavor: "",
            addr: "",
            tokens: &none,
        };
        self.scenarios(&target).await
    }

    /// Every scenario in every connection mode against one system. The limit runs on
    /// persistent database connections only, the way every server here keeps its pool whatever
    /// its clients do: a new PostgreSQL backend per transaction (pgbench `-C`) would measure
    /// backend start-up, which no request of these servers pays.
    async fn scenarios(&mut self, target: &Target<'_>) -> Result<()> {
        let modes: Vec<Connection> = if target.system == System::Limit {
            vec![Connection::KeepAlive]
        } else {
            self.args.modes.clone()
        };
        for scenario in self.args.scenarios.clone() {
            for mode in modes.clone() {
                match self.measure(target, scenario, mode).await {
                    Ok(row) => self.rows.push(row),
                    Err(e) => self.failures.push(format!(
                        "{} {} {}: {e:#}",
                        scenario.name(),
                        target.system.name(),
                        mode.name()
                    )),
                }
                if scenario.writes() {
                    self.reset_writes(target.system).await?;
                }
            }
        }
        Ok(())
    }

    /// Removes the tasks a run created.
    async fn reset_writes(&self, system: System) -> Result<()> {
        if system == System::Django {
            let db = Db::connect(&self.args.pg_server, DJANGO_DB).await?;
            return reset_django_tasks(&db, self.data.tenants).await;
        }
        let db = Db::connect(&self.args.pg_server, APP_DB).await?;
        for sql in self.data.reset_tasks_sql() {
            db.execute(&sql).await?;
        }
        Ok(())
    }

    /// The load generator's command for one run of `secs` seconds; pgbench's per-transaction
    /// logs go to `logs` when given.
    fn load_command(
        &self,
        target: &Target<'_>,
        scenario: Scenario,
        mode: Connection,
        secs: u64,
        logs: Option<&Path>,
    ) -> Command {
        let c = self.args.connections.to_string();
        if target.system == System::Limit {
            let mut cmd = Command::new("pgbench");
            cmd.args(["-n", "-M", "prepared", "-c", &c, "-j"])
                .arg(self.args.connections.min(2).to_string())
                .args(["-T", &secs.to_string()])
                .arg("-D")
                .arg(format!("tenants={}", self.data.tenants))
                .arg("-D")
                .arg(format!("projects={}", self.data.projects_per_tenant()))
                .arg("-f")
                .arg(
                    self.root
                        .join(format!("bench/pgbench/{}.sql", scenario.name())),
                );
            if let Some(dir) = logs {
                cmd.arg("-l")
                    .arg(format!("--log-prefix={}/pgbench", dir.display()));
            }
            cmd.arg(format!(
                "{}/{APP_DB}",
                self.args.pg_server.trim_end_matches('/')
            ));
            return cmd;
        }
        let mut cmd = Command::new("wrk");
        cmd.args([
            "-t",
            &c,
            "-c",
            &c,
            "-d",
            &format!("{secs}s"),
            "--timeout",
            "10s",
            "-s",
        ])
        .arg(self.root.join("bench/wrk/bench.lua"))
        .arg(format!("http://{}", target.addr))
        .arg("--")
        .args([target.flavor, scenario.name(), mode.name()])
        .arg(target.tokens)
        .arg(self.data.projects_per_tenant().to_string());
        cmd
    }

    /// Waits (up to the configured limit) until the machine is quiet; returns the busy cores
    /// last seen.
    async fn wait_quiet(&self) -> f64 {
        let start = std::time::Instant::now();
        loop {
            let before = Machine::now();
            tokio::time::sleep(Duration::from_secs(1)).await;
            let busy = Machine::now().busy_cores_since(&before, self.cpus);
            if busy <= self.args.quiet_busy || start.elapsed().as_secs() >= self.args.quiet_wait() {
                return busy;
            }
        }
    }

    /// One warm-up and one measured run; the row, or why the run failed its checks.
    async fn measure(
        &mut self,
        target: &Target<'_>,
        scenario: Scenario,
        mode: Connection,
    ) -> Result<Row> {
        let warm = self
            .load_command(target, scenario, mode, self.args.warmup(), None)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .await;
        warm.context("the warm-up run")?;
        let busy_before = self.wait_quiet().await;
        let logs = tempfile::tempdir()?;
        let mut cmd = self.load_command(
            target,
            scenario,
            mode,
            self.args.duration(),
            Some(logs.path()),
        );
        let dbs = [APP_DB, DJANGO_DB];
        let snap = |server: Option<u32>, postmaster: u32| {
            let procs = procstat::processes();
            let srv = server.map_or(0, |pid| procstat::tree_ticks(&procs, pid, |_| true));
            let pg = procstat::tree_ticks(&procs, postmaster, |p| procstat::counts_for(p, &dbs));
            let own = procstat::own().map_or(0, |s| s.cutime + s.cstime);
            (srv, pg, own, Machine::now())
        };
        let before = snap(target.server_pid, self.postmaster);
        let output = cmd
            .stdin(Stdio::null())
            .output()
            .await
            .context("running the load generator")?;
        let after = snap(target.server_pid, self.postmaster);
        let stdout = String::from_utf8_lossy(&output.stdout);
        let outcome: Outcome = if target.system == System::Limit {
            let mut latencies = Vec::new();
            for entry in std::fs::read_dir(logs.path())? {
                let text = std::fs::read_to_string(entry?.path())?;
                latencies.extend(load::pgbench_log_latencies(&text));
            }
            let parsed = load::parse_pgbench(&stdout, &mut latencies);
            if !output.status.success() && parsed.is_err() {
                bail!(
                    "pgbench failed: {}",
                    String::from_utf8_lossy(&output.stderr).trim()
                );
            }
            parsed?
        } else {
            load::parse_wrk(&stdout)
                .with_context(|| String::from_utf8_lossy(&output.stderr).into_owned())?
        };
        let requests = outcome.requests.max(1) as f64;
        let ms = |ticks: u64| ticks as f64 * 1000.0 / self.hz as f64 / requests;
        let server_ticks = after.0.saturating_sub(before.0);
        let pg_ticks = after.1.saturating_sub(before.1);
        let client_ticks = after.2.saturating_sub(before.2);
        let busy = after.3.busy.saturating_sub(before.3.busy);
        let wall = after.3.total.saturating_sub(before.3.total) as f64 / self.cpus as f64;
        let other = busy.saturating_sub(server_ticks + pg_ticks + client_ticks) as f64;
        let rss_mib = target
            .server_pid
            .map(|pid| procstat::tree_peak_rss_kib(pid) as f64 / 1024.0);
        let row = Row {
            scenario: scenario.name().to_owned(),
            system: target.system.name().to_owned(),
            connection: mode.name().to_owned(),
            rps: outcome.rps,
            p50_ms: outcome.p50_ms,
            p99_ms: outcome.p99_ms,
            cpu_ms_per_req: ms(server_ticks + pg_ticks),
            server_cpu_ms: ms(server_ticks),
            pg_cpu_ms: ms(pg_ticks),
            client_cpu_ms: ms(client_ticks),
            requests: outcome.requests,
            checked: outcome.checked,
            tenants: self.data.tenants,
            data_scale: self.data.scale,
            rss_mib,
            other_cores: if wall > 0.0 { other / wall } else { 0.0 },
            busy_before,
            load_avg: procstat::load_average(),
            runs: 1,
        };
        eprintln!(
            "bench: {:<14} {:<8} {:<10} {:>8.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  cpu {:.3}+{:.3} ms/req  other {:.2} cores  load {}",
            row.scenario,
            row.system,
            row.connection,
            row.rps,
            row.p50_ms,
            row.p99_ms,
            row.server_cpu_ms,
            row.pg_cpu_ms,
            row.other_cores,
            row.load_avg
        );
        let mut wrong = Vec::new();
        if outcome.requests == 0 {
            wrong.push("no request completed".to_owned());
        }
        if outcome.non2xx > 0 {
            wrong.push(format!(
                "{} responses were not 2xx (pgbench: failed transactions)",
                outcome.non2xx
            ));
        }
        if outcome.foreign > 0 {
            wrong.push(format!(
                "{} responses held another tenant's row",
                outcome.foreign
            ));
        }
        if target.system != System::Limit && outcome.checked == 0 {
            wrong.push("no response body held a tenant column to check".to_owned());
        }
        if outcome.socket_errors > 0 {
            self.notes.push(format!(
                "{} {} {}: {} socket errors",
                row.scenario, row.system, row.connection, outcome.socket_errors
            ));
        }
        if !wrong.is_empty() {
            self.rows.push(row);
            return Err(anyhow!(wrong.join("; ")));
        }
        Ok(row)
    }

    /// Records that `system` is left out, and why.
    fn skip(&mut self, system: System, why: String) {
        eprintln!("bench: skipping {}: {why}", system.name());
        self.notes.push(format!("{} skipped: {why}", system.name()));
    }

    /// Prints the table and the notes, writes the JSON; whether every run passed.
    fn report(&self) -> Result<bool> {
        let default = self.data.tenants == 100 && self.data.scale == 1;
        let path = report::summary_path(&self.out_dir, self.data.tenants, self.data.scale, default);
        let rows = report::medians(&self.rows);
        report::write_json(&path, &rows)?;
        println!();
        println!(
            "{} tenants, data scale {}, {} connections, {} s per run{}; {} CPUs shared by every process; load average now {}",
            self.data.tenants,
            self.data.scale,
            self.args.connections,
            self.args.duration(),
            if self.args.rounds > 1 {
                format!(", medians of {} rounds", self.args.rounds)
            } else {
                String::new()
            },
            self.cpus,
            procstat::load_average()
        );
        print!("{}", report::table(&rows, !default));
        for note in &self.notes {
            println!("note: {note}");
        }
        println!("written: {}", path.display());
        for f in &self.failures {
            eprintln!("bench: FAILED {f}");
        }
        Ok(self.failures.is_empty())
    }
}

/// Removes the tasks runs created in the Django original's database (seeded tasks are
/// `1 ..= tenants * 200`).
async fn reset_django_tasks(db: &Db, tenants: u64) -> Result<()> {
    let max = tenants * 200;
    db.execute(&format!(
        "DELETE FROM core_task WHERE id > {max}; \
         SELECT setval(pg_get_serial_sequence('core_task', 'id'), {max})"
    ))
    .await?;
    db.execute("VACUUM ANALYZE core_task").await
}

/// The Django original's ids follow the same arithmetic as the data set's: account `i` owns
/// projects `(i-1)*20+1 ..= i*20` (its seed.py promises it; checked, since the wrk script relies
/// on it).
async fn check_django_ids(db: &Db, tenants: u64) -> Result<()> {
    let accounts = db
        .scalar("SELECT count(*) FROM core_account WHERE id BETWEEN 1 AND (SELECT count(*) FROM core_account)")
        .await?;
    let misplaced = db
        .scalar("SELECT count(*) FROM core_project WHERE account_id <> (id - 1) / 20 + 1")
        .await?;
    if accounts as u64 != tenants || misplaced != 0 {
        bail!(
            "{DJANGO_DB} does not hold accounts 1..{tenants} with 20 consecutive projects each ({accounts} accounts, {misplaced} projects elsewhere)"
        );
    }
    Ok(())
}
