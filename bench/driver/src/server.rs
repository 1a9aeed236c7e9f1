//! Starting and stopping the HTTP servers under test, and one plain HTTP request to see that a
//! server is up and answers as expected.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

/// A running server: either a child of this process, or one a script started (Django's
/// gunicorn, daemonised, known by its pid file and stopped by its own script).
pub(crate) enum Server {
    /// A binary this process started.
    Child(Child),
    /// A server started by a script: its pid and the script that stops it.
    Scripted {
        /// The master process.
        pid: u32,
        /// The stop command (program and environment).
        stop: Box<Command>,
    },
}

impl Server {
    /// Starts `program` with `args`, its output appended to `log`.
    pub(crate) fn spawn(program: &Path, args: &[String], log: &Path) -> Result<Server> {
        let out =
            std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let child = Command::new(program)
            .args(args)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", program.display()))?;
        Ok(Server::Child(child))
    }

    /// The pid at the root of the server's process tree.
    pub(crate) fn pid(&self) -> Option<u32> {
        match self {
            Server::Child(c) => c.id(),
            Server::Scripted { pid, .. } => Some(*pid),
        }
    }

    /// Stops the server: SIGTERM (by pid, through `kill`), then SIGKILL after 10 s.
    pub(crate) async fn stop(self) -> Result<()> {
        match self {
            Server::Child(mut child) => {
                if let Some(pid) = child.id() {
                    let _ = Command::new("kill")
                        .args(["-TERM", &pid.to_string()])
                        .status()
                        .await;
                }
                match tokio::time::timeout(Duration::from_secs(10), child.wait()).await {
                    Ok(status) => {
                        status?;
                    }
                    Err(_) => {
                        child.kill().await?;
                    }
                }
                Ok(())
            }
            Server::Scripted { mut stop, .. } => {
                let status = stop.status().await?;
                if !status.success() {
                    bail!("the stop script failed: {status}");
                }
                Ok(())
            }
        }
    }

    /// Whether a child server has exited (a scripted one is assumed to run).
    pub(crate) fn exited(&mut self) -> bool {
        match self {
            Server::Child(c) => !matches!(c.try_wait(), Ok(None)),
            Server::Scripted { .. } => false,
        }
    }
}

/// One HTTP/1.1 request on a new connection; returns the status and the body.
pub(crate) async fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Result<(u16, String)> {
    let mut stream = TcpStream::connect(addr).await?;
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(b) = body {
        req.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            b.len()
        ));
    }
    req.push_str("\r\n");
    req.push_str(body.unwrap_or(""));
    stream.write_all(req.as_bytes()).await?;
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut raw))
        .await
        .map_err(|_| anyhow!("no answer from {addr}{path} within 10 s"))??;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow!("not an HTTP answer from {addr}{path}: {text:.200}"))?;
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();
    Ok((status, body))
}

/// Waits until `addr` answers HTTP on `path` (any status), for at most `limit`; fails early
/// when the server exits.
pub(crate) async fn wait_ready(
    server: &mut Server,
    addr: &str,
    path: &str,
    limit: Duration,
) -> Result<()> {
    let start = Instant::now();
    loop {
        if http(addr, "GET", path, &[], None).await.is_ok() {
            return Ok(());
        }
        if server.exited() {
            bail!("the server exited before answering on {addr}");
        }
        if start.elapsed() > limit {
            bail!("no answer on {addr}{path} after {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Where the release binaries are: `$CARGO_TARGET_DIR/release` or `<root>/target/release`.
pub(crate) fn release_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("release")
}
