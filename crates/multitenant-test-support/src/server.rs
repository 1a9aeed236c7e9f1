//! A PostgreSQL server of a test's own: `initdb` into a temporary directory, started on a free
//! port of 127.0.0.1, stopped and deleted when the value is dropped. For tests that stop or
//! restart the server, which they must never do to the shared one at [`crate::server_url`].

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A private PostgreSQL server (the binaries of the installed PostgreSQL, found with
/// `pg_config --bindir`, else the newest `/usr/lib/postgresql/*/bin`). When the tests run as
/// root, the server runs as the `postgres` user (PostgreSQL refuses to run as root).
///
/// ```no_run
/// use multitenant_test_support::PrivateServer;
///
/// let server = PrivateServer::start();
/// let url = server.url("postgres");
/// // ... connect, then stop or restart the server under the test's load ...
/// server.restart();
/// # let _ = url;
/// // Dropping `server` stops it and deletes its directory.
/// ```
#[derive(Debug)]
pub struct PrivateServer {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    as_postgres: bool,
    /// Settings given to the server at every start, as `-c name=value`.
    settings: Vec<(String, String)>,
}

impl PrivateServer {
    /// Creates and starts a new server. Panics with the server's log when it does not start.
    pub fn start() -> PrivateServer {
        PrivateServer::start_with(&[])
    }

    /// Creates and starts a new server with `settings` (`name`, `value`) given at every start,
    /// as `postgres -c name=value` does: for settings only a start can change, such as
    /// `shared_preload_libraries`. Panics with the server's log when it does not start.
    ///
    /// ```no_run
    /// use multitenant_test_support::PrivateServer;
    ///
    /// let server = PrivateServer::start_with(&[("max_prepared_transactions", "10")]);
    /// # let _ = server;
    /// ```
    pub fn start_with(settings: &[(&str, &str)]) -> PrivateServer {
        let as_postgres =
            run_output(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0");
        let dir = std::env::temp_dir().join(crate::unique_name("mt_pg"));
        std::fs::create_dir_all(&dir).expect("create the server's directory");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let server = PrivateServer {
            bin: bindir(),
            dir,
            port,
            as_postgres,
            settings: settings
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
        };
        if as_postgres {
            let ok = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(&server.dir)
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "chown {} to postgres", server.dir.display());
        }
        server.pg(
            "initdb",
            &[
                "-D",
                &server.data().display().to_string(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        server.ctl(&["start"]);
        server
    }

    /// The URL of database `database` on this server.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// The port the server listens on, on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server (fast shutdown: open sessions are ended, their transactions rolled back)
    /// and starts it again on the same port.
    pub fn restart(&self) {
        self.ctl(&["-m", "fast", "restart"]);
    }

    /// Stops the server (fast shutdown).
    pub fn stop(&self) {
        self.ctl(&["-m", "fast", "stop"]);
    }

    /// Starts the server again after [`PrivateServer::stop`].
    pub fn start_again(&self) {
        self.ctl(&["start"]);
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn ctl(&self, action: &[&str]) {
        let mut options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
            self.port,
            self.dir.display()
        );
        for (name, value) in &self.settings {
            write!(options, " -c {name}={value}").expect("writing to a String");
        }
        let mut args = vec![
            "-D".to_owned(),
            self.data().display().to_string(),
            "-l".to_owned(),
            self.dir.join("log").display().to_string(),
            "-o".to_owned(),
            options,
            "-w".to_owned(),
        ];
        args.extend(action.iter().map(|a| (*a).to_owned()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.pg("pg_ctl", &args);
    }

    /// Runs one of the server's programs (as `postgres` when running as root); panics with its
    /// output and the server's log when it fails.
    fn pg(&self, program: &str, args: &[&str]) {
        let path = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        let output = command
            .args(args)
            .current_dir(&self.dir)
            .output()
            .unwrap_or_else(|e| panic!("run {}: {e}", path.display()));
        assert!(
            output.status.success(),
            "{program} {args:?} failed: {}\n{}\nserver log:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
            self.log()
        );
    }
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        let data = self.data().display().to_string();
        let program = self.bin.join("pg_ctl");
        let args = ["-D", data.as_str(), "-m", "immediate", "-w", "stop"];
        let _ = if self.as_postgres {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&program)
                .args(args)
                .output()
        } else {
            Command::new(&program).args(args).output()
        };
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A command's standard output, when it ran and succeeded.
fn run_output(command: &mut Command) -> Option<String> {
    let Output { status, stdout, .. } = command.output().ok()?;
    status
        .success()
        .then(|| String::from_utf8_lossy(&stdout).into_owned())
}

/// The directory of PostgreSQL's server programs.
pub(crate) fn bindir() -> PathBuf {
    if let Some(dir) = run_output(Command::new("pg_config").arg("--bindir")) {
        let dir = PathBuf::from(dir.trim());
        if dir.join("initdb").exists() {
            return dir;
        }
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
                .filter(|bin| Path::new(bin).join("initdb").exists())
                .collect()
        })
        .unwrap_or_default();
    versions.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    versions
        .pop()
        .expect("PostgreSQL's server programs (initdb, pg_ctl): install postgresql")
}
