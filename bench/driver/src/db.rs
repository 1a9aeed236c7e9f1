//! The benchmark's databases: connecting, seeding the data set when the database holds another
//! one, resetting what a run wrote, and finding the PostgreSQL server's postmaster.

use anyhow::{Context, Result, anyhow, bail};
use tokio_postgres::{Client, NoTls};

use crate::dataset::{self, DataSet};

/// A connection to one database, its driving task spawned on the runtime.
pub(crate) struct Db {
    client: Client,
}

impl Db {
    /// Connects to `database` on the server at `server` (`postgres://user@host:port`).
    pub(crate) async fn connect(server: &str, database: &str) -> Result<Db> {
        let url = format!("{}/{database}", server.trim_end_matches('/'));
        let (client, conn) = tokio_postgres::connect(&url, NoTls)
            .await
            .with_context(|| format!("connecting to {url}"))?;
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                eprintln!("bench-driver: database connection: {e}");
            }
        });
        Ok(Db { client })
    }

    /// Whether `database` exists on the server this connection is to.
    pub(crate) async fn database_exists(&self, database: &str) -> Result<bool> {
        let row = self
            .client
            .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&database])
            .await?;
        Ok(row.is_some())
    }

    /// Runs `sql` (one or more statements, no parameters).
    pub(crate) async fn execute(&self, sql: &str) -> Result<()> {
        self.client
            .batch_execute(sql)
            .await
            .with_context(|| format!("running {sql}"))
    }

    /// One `bigint` (or `int`) cell.
    pub(crate) async fn scalar(&self, sql: &str) -> Result<i64> {
        let row = self
            .client
            .query_one(sql, &[])
            .await
            .with_context(|| format!("running {sql}"))?;
        if let Ok(v) = row.try_get::<_, i64>(0) {
            return Ok(v);
        }
        Ok(i64::from(row.try_get::<_, i32>(0)?))
    }

    /// Each row's first column as text.
    pub(crate) async fn column(&self, sql: &str) -> Result<Vec<String>> {
        let rows = self
            .client
            .query(sql, &[])
            .await
            .with_context(|| format!("running {sql}"))?;
        rows.iter()
            .map(|r| r.try_get::<_, String>(0).map_err(Into::into))
            .collect()
    }

    /// The pid of the postmaster serving this connection: the first line of `postmaster.pid`
    /// in the server's data directory.
    pub(crate) async fn postmaster_pid(&self) -> Result<u32> {
        let row = self.client.query_one("SHOW data_directory", &[]).await?;
        let dir: String = row.try_get(0)?;
        let path = format!("{dir}/postmaster.pid");
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
        text.lines()
            .next()
            .and_then(|l| l.trim().parse().ok())
            .ok_or_else(|| anyhow!("{path} does not start with a pid"))
    }

    /// Makes the app's database hold exactly `data`: reuses it when the marker and the row
    /// counts match (after removing the tasks earlier runs created), else reseeds it in one
    /// transaction. Returns whether it seeded.
    pub(crate) async fn ensure_data_set(&self, data: &DataSet) -> Result<bool> {
        let migrated = self
            .scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('projects', 'account_subdomains', 'api_tokens')")
            .await?;
        if migrated < 3 {
            bail!("the database has not been migrated by the app (start `projects` once)");
        }
        self.execute(dataset::MARKER_DDL).await?;
        let held = self.held(data).await?;
        let seeded = if held == expected(data) {
            for sql in data.reset_tasks_sql() {
                self.execute(&sql).await?;
            }
            false
        } else {
            let mut sql = vec!["BEGIN".to_owned()];
            // VACUUM cannot run in a transaction: it follows the commit. It leaves hint bits and
            // the visibility map set, so the first run does not pay for them.
            let (tx, after): (Vec<String>, Vec<String>) = data
                .seed_sql()
                .into_iter()
                .partition(|s| !s.starts_with("VACUUM"));
            sql.extend(tx);
            sql.push("COMMIT".to_owned());
            self.execute(&sql.join(";\n")).await?;
            for s in after {
                self.execute(&s).await?;
            }
            true
        };
        let token_hash = DataSet::token_hash(&DataSet::token(1));
        let row = self
            .client
            .query_opt(
                "SELECT user_id FROM api_tokens WHERE token_hash = $1 AND expires_at > now()",
                &[&token_hash],
            )
            .await?;
        match row.map(|r| r.get::<_, i64>(0)) {
            Some(1) => Ok(seeded),
            other => {
                bail!("tenant 1's token does not authenticate user 1 after seeding ({other:?})")
            }
        }
    }

    /// What the database holds, in the terms of [`expected`].
    async fn held(&self, data: &DataSet) -> Result<Vec<i64>> {
        let marker = self
            .client
            .query("SELECT tenants, data_scale FROM mt_bench_dataset", &[])
            .await?;
        let (tenants, scale) = match marker.as_slice() {
            [row] => (row.get::<_, i64>(0), row.get::<_, i64>(1)),
            _ => (-1, -1),
        };
        let mut out = vec![tenants, scale];
        for table in [
            "users",
            "accounts",
            "managers",
            "projects",
            "project_managers",
        ] {
            out.push(
                self.scalar(&format!("SELECT count(*) FROM {table}"))
                    .await?,
            );
        }
        out.push(
            self.scalar(&format!(
                "SELECT count(*) FROM tasks WHERE id <= {}",
                data.total_tasks()
            ))
            .await?,
        );
        Ok(out)
    }
}

/// The marker and row counts a database holding `data` has, in the order [`Db::held`] reads
/// them: tenants, scale, users, accounts, managers, projects, project-manager links, seeded tasks.
fn expected(data: &DataSet) -> Vec<i64> {
    let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    vec![
        n(data.tenants),
        n(data.scale),
        n(data.tenants),
        n(data.tenants),
        n(data.total_managers()),
        n(data.total_projects()),
        n(data.total_projects()),
        n(data.total_tasks()),
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_expected_counts_follow_the_data_set() {
        let d = crate::dataset::DataSet {
            tenants: 100,
            scale: 1,
        };
        assert_eq!(
            super::expected(&d),
            [100, 1, 100, 100, 500, 2_000, 2_000, 20_000]
        );
    }
}
