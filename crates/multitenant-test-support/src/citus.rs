//! A Citus cluster of a test's own: a coordinator and workers, each a [`PrivateServer`] started
//! with `shared_preload_libraries = citus`, one database with the extension on every node and
//! the workers registered on the coordinator. For tests that stop a worker, which they must never
//! do to a cluster other tests share.

use std::process::Command;

use crate::{PrivateServer, execute};

/// A private Citus cluster. Dropping it stops every node and deletes their directories.
///
/// ```no_run
/// use multitenant_test_support::PrivateCitusCluster;
///
/// # async fn f() {
/// if PrivateCitusCluster::citus_installed() {
///     let cluster = PrivateCitusCluster::start(2, "mt_example").await;
///     let url = cluster.url(); // the database on the coordinator
///     // ... distribute tables, run the load ...
///     cluster.worker(1).stop();
///     // ... requests for tenants on worker 0 keep working ...
///     cluster.worker(1).start_again();
///     # let _ = url;
/// }
/// # }
/// ```
#[derive(Debug)]
pub struct PrivateCitusCluster {
    coordinator: PrivateServer,
    workers: Vec<PrivateServer>,
    database: String,
}

impl PrivateCitusCluster {
    /// Whether the Citus extension is installed in the PostgreSQL whose programs
    /// [`PrivateServer`] runs (its `citus.control` in `pg_config --sharedir`).
    ///
    /// ```
    /// let installed = multitenant_test_support::PrivateCitusCluster::citus_installed();
    /// # let _ = installed;
    /// ```
    pub fn citus_installed() -> bool {
        Command::new(crate::server::bindir().join("pg_config"))
            .arg("--sharedir")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .is_some_and(|o| {
                std::path::Path::new(String::from_utf8_lossy(&o.stdout).trim())
                    .join("extension/citus.control")
                    .exists()
            })
    }

    /// Starts a coordinator and `workers` workers, creates `database` with the Citus extension
    /// on every node and registers the workers (and the coordinator, so reference tables get a
    /// copy on it) in the coordinator's metadata.
    ///
    /// # Panics
    ///
    /// When a node does not start or refuses a step, with the node's answer.
    pub async fn start(workers: usize, database: &str) -> PrivateCitusCluster {
        let settings = [
            ("shared_preload_libraries", "citus"),
            ("max_prepared_transactions", "100"),
        ];
        let start = move || PrivateServer::start_with(&settings);
        let coordinator = tokio::task::spawn_blocking(start);
        let workers: Vec<_> = (0..workers)
            .map(|_| tokio::task::spawn_blocking(start))
            .collect();
        let coordinator = coordinator.await.expect("the coordinator started");
        let mut started = Vec::new();
        for worker in workers {
            started.push(worker.await.expect("a worker started"));
        }
        let cluster = PrivateCitusCluster {
            coordinator,
            workers: started,
            database: database.to_owned(),
        };
        for node in std::iter::once(&cluster.coordinator).chain(&cluster.workers) {
            execute(
                &node.url("postgres"),
                &format!("CREATE DATABASE {database}"),
            )
            .await;
            execute(&node.url(database), "CREATE EXTENSION citus").await;
        }
        let url = cluster.url();
        execute(
            &url,
            &format!(
                "SELECT citus_set_coordinator_host('127.0.0.1', {})",
                cluster.coordinator.port()
            ),
        )
        .await;
        for worker in &cluster.workers {
            execute(
                &url,
                &format!("SELECT citus_add_node('127.0.0.1', {})", worker.port()),
            )
            .await;
        }
        cluster
    }

    /// The URL of the cluster's database on the coordinator.
    pub fn url(&self) -> String {
        format!("{}?sslmode=disable", self.coordinator.url(&self.database))
    }

    /// The coordinator.
    pub fn coordinator(&self) -> &PrivateServer {
        &self.coordinator
    }

    /// Worker `n` (from 0), to stop and start again.
    pub fn worker(&self, n: usize) -> &PrivateServer {
        &self.workers[n]
    }

    /// The workers, in the order they were registered.
    pub fn workers(&self) -> &[PrivateServer] {
        &self.workers
    }
}
