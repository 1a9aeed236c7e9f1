//! The test databases shared by the workspace's tests: a PostgreSQL database of its own for each
//! test, under a name no other test picks, dropped when the test is done with it, also when the
//! test panicked; and test servers under watch ([`WatchedServer`]), which fail the test when
//! they answer a 5xx it did not expect or a server thread panics.
//!
//! The databases live on the server [`server_url`] names (`DATABASE_URL`). A test keeps its
//! [`TestDatabase`] alive for as long as it uses the database and connects to it with its own
//! client through [`TestDatabase::url`]:
//!
//! ```no_run
//! use multitenant_test_support::TestDatabase;
//!
//! # async fn f() {
//! let database = TestDatabase::create("mt_example").await;
//! let pool = sqlx::PgPool::connect(&database.url).await.unwrap();
//! // ... the test ...
//! # drop(pool);
//! // `database` is dropped here, and the database with it.
//! # }
//! ```

mod citus;
mod server;
mod watch;

pub use citus::PrivateCitusCluster;
pub use server::PrivateServer;
pub use watch::{Answers, WatchedServer, record_server_panics, server_panics};

use sqlx::{AssertSqlSafe, Connection, PgConnection};

/// The server the tests create their databases on: `DATABASE_URL`, else
/// `postgres://postgres@127.0.0.1:5432/postgres`.
///
/// ```no_run
/// let url = multitenant_test_support::server_url();
/// # let _ = url;
/// ```
pub fn server_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// `prefix`, an underscore and a random UUID: a name no other test picks. With a lowercase
/// identifier as `prefix` it serves unquoted as the name of a database or a schema.
///
/// ```
/// let name = multitenant_test_support::unique_name("mt_example");
/// assert!(name.starts_with("mt_example_"));
/// assert_ne!(name, multitenant_test_support::unique_name("mt_example"));
/// ```
pub fn unique_name(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

/// A database on the server at [`server_url`] that belongs to one test; dropped (`WITH (FORCE)`,
/// closing whatever connections are still open) when this value is.
#[derive(Debug)]
pub struct TestDatabase {
    /// The database's name, usable unquoted in SQL.
    pub name: String,
    /// The URL of the database: [`server_url`] naming this database instead.
    pub url: String,
    server_url: String,
}

impl TestDatabase {
    /// Creates a new database whose name starts with `prefix` (see [`unique_name`]).
    ///
    /// # Panics
    ///
    /// When the server cannot be reached or does not create the database.
    ///
    /// ```no_run
    /// # async fn f() {
    /// let database = multitenant_test_support::TestDatabase::create("mt_example").await;
    /// # let _ = database;
    /// # }
    /// ```
    pub async fn create(prefix: &str) -> TestDatabase {
        let database = TestDatabase::reserve(prefix);
        execute(
            &database.server_url,
            &format!("CREATE DATABASE {}", database.name),
        )
        .await;
        database
    }

    /// A name and URL for a database that does not exist yet, for a test in which the code under
    /// test creates it. It is dropped with this value all the same, if it was created.
    ///
    /// ```no_run
    /// let database = multitenant_test_support::TestDatabase::reserve("mt_example");
    /// // ... the code under test creates the database at `database.url` ...
    /// # let _ = database;
    /// ```
    pub fn reserve(prefix: &str) -> TestDatabase {
        let server_url = server_url();
        let name = unique_name(prefix);
        TestDatabase {
            url: with_database(&server_url, &name),
            name,
            server_url,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        drop_database(&[&self.server_url], &self.name);
    }
}

/// Drops the database `name`, if it exists, on each of the servers at `server_urls`
/// (`WITH (FORCE)`), the way [`clean_up`] runs a statement: usable in `Drop`, errors ignored.
///
/// ```no_run
/// let nodes = ["postgres://postgres@127.0.0.1:9700/postgres", "postgres://postgres@127.0.0.1:9701/postgres"];
/// multitenant_test_support::drop_database(&nodes, "mt_example_0");
/// ```
pub fn drop_database<S: AsRef<str>>(server_urls: &[S], name: &str) {
    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    for url in server_urls {
        clean_up(url.as_ref(), &sql);
    }
}

/// Runs `sql` (one or more statements) on the database at `url`; panics with the server's
/// answer when it cannot connect or a statement fails.
pub(crate) async fn execute(url: &str, sql: &str) {
    let mut conn = PgConnection::connect(url)
        .await
        .unwrap_or_else(|e| panic!("connect to {url}: {e}"));
    sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{sql} on {url}: {e}"));
    conn.close().await.ok();
}

/// Runs `sql` on the database at `url` and waits for it, ignoring any error, from a thread of its
/// own with a runtime of its own: a `Drop` runs inside the test's runtime, which it cannot block
/// on.
///
/// ```no_run
/// let url = multitenant_test_support::server_url();
/// multitenant_test_support::clean_up(&url, "DROP SCHEMA IF EXISTS mt_example_0 CASCADE");
/// ```
pub fn clean_up(url: &str, sql: &str) {
    let (url, sql) = (url.to_owned(), sql.to_owned());
    std::thread::spawn(move || {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        runtime.block_on(async {
            if let Ok(mut conn) = PgConnection::connect(&url).await {
                let _ = sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut conn).await;
                conn.close().await.ok();
            }
        });
    })
    .join()
    .ok();
}

/// `url` naming the database `database` instead of its own; the server, the user and the query
/// string stay.
///
/// # Panics
///
/// When `url` is not a URL.
///
/// ```
/// use multitenant_test_support::with_database;
///
/// assert_eq!(
///     with_database("postgres://postgres@127.0.0.1:9700/citus?sslmode=disable", "mt_example_0"),
///     "postgres://postgres@127.0.0.1:9700/mt_example_0?sslmode=disable",
/// );
/// assert_eq!(with_database("postgres://db.test", "app"), "postgres://db.test/app");
/// ```
pub fn with_database(url: &str, database: &str) -> String {
    let mut url = parse(url);
    url.set_path(&format!("/{database}"));
    url.into()
}

/// `url` with `host_port` (`host:port`) as its server; the user, the database and the query
/// string stay.
///
/// # Panics
///
/// When `url` is not a URL with a server, or `host_port` is not `host:port`.
///
/// ```
/// use multitenant_test_support::with_host;
///
/// assert_eq!(
///     with_host("postgres://postgres@127.0.0.1:9700/citus?sslmode=disable", "worker-1:9701"),
///     "postgres://postgres@worker-1:9701/citus?sslmode=disable",
/// );
/// assert_eq!(with_host("postgres://127.0.0.1/app", "db.test:5433"), "postgres://db.test:5433/app");
/// ```
pub fn with_host(url: &str, host_port: &str) -> String {
    let mut url = parse(url);
    let (host, port) = host_port
        .rsplit_once(':')
        .and_then(|(host, port)| Some((host, port.parse::<u16>().ok()?)))
        .unwrap_or_else(|| panic!("not host:port: {host_port}"));
    url.set_host(Some(host))
        .unwrap_or_else(|e| panic!("not a host: {host}: {e}"));
    url.set_port(Some(port))
        .unwrap_or_else(|()| panic!("{url} cannot take a port"));
    url.into()
}

fn parse(url: &str) -> url::Url {
    url::Url::parse(url).unwrap_or_else(|e| panic!("not a database URL: {url}: {e}"))
}

/// Every file directly in `dir` with its bytes, in name order: for comparing two directories
/// byte for byte.
///
/// # Panics
///
/// When `dir` or a file in it cannot be read.
///
/// ```no_run
/// let a = multitenant_test_support::files_in("/tmp/first".as_ref());
/// let b = multitenant_test_support::files_in("/tmp/second".as_ref());
/// assert_eq!(a, b);
/// ```
pub fn files_in(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut all: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let entry = entry.expect("a directory entry");
            let name = entry.file_name().to_string_lossy().into_owned();
            let bytes = std::fs::read(entry.path()).expect("read a file");
            (name, bytes)
        })
        .collect();
    all.sort();
    all
}

/// The tables of [`SAMPLE_DOMAIN`], parents first.
///
/// ```
/// assert_eq!(multitenant_test_support::SAMPLE_TABLES[0], "countries");
/// ```
pub const SAMPLE_TABLES: [&str; 6] = [
    "countries",
    "accounts",
    "managers",
    "projects",
    "project_managers",
    "tasks",
];

/// The sample domain as SQL, for adapter tests that talk to PostgreSQL directly: countries
/// (shared), accounts (the tenant root) and managers, projects, project_managers and tasks of
/// three tenants with overlapping ids, keyed `(account_id, id)`.
///
/// ```
/// assert!(multitenant_test_support::SAMPLE_DOMAIN.contains("CREATE TABLE tasks"));
/// ```
pub const SAMPLE_DOMAIN: &str = "
CREATE TABLE countries (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE accounts (id bigint PRIMARY KEY, name text NOT NULL, country_id bigint REFERENCES countries);
CREATE TABLE managers (account_id bigint NOT NULL REFERENCES accounts, id bigint NOT NULL, name text NOT NULL,
    PRIMARY KEY (account_id, id));
CREATE TABLE projects (account_id bigint NOT NULL REFERENCES accounts, id bigint NOT NULL, name text NOT NULL,
    PRIMARY KEY (account_id, id));
CREATE TABLE project_managers (account_id bigint NOT NULL, id bigint NOT NULL, project_id bigint NOT NULL,
    manager_id bigint NOT NULL, PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, project_id) REFERENCES projects (account_id, id),
    FOREIGN KEY (account_id, manager_id) REFERENCES managers (account_id, id));
CREATE TABLE tasks (account_id bigint NOT NULL, id bigint NOT NULL, project_id bigint NOT NULL,
    name text NOT NULL, done boolean NOT NULL DEFAULT false, PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, project_id) REFERENCES projects (account_id, id));
INSERT INTO countries VALUES (1, 'France'), (2, 'Japan');
INSERT INTO accounts VALUES (1, 'acme', 1), (2, 'globex', 2), (3, 'initech', 1);
INSERT INTO managers SELECT a, m, 'manager ' || m || ' of ' || a FROM generate_series(1, 3) a, generate_series(1, 2) m;
INSERT INTO projects SELECT a, p, 'project ' || p || ' of ' || a FROM generate_series(1, 3) a, generate_series(1, 3) p;
INSERT INTO project_managers SELECT a, p, p, 1 + p % 2 FROM generate_series(1, 3) a, generate_series(1, 3) p;
INSERT INTO tasks SELECT a, t, 1 + t % 3, 'task ' || t || ' of ' || a, t % 2 = 0
    FROM generate_series(1, 3) a, generate_series(1, 6) t;
";

/// A role of its own for one test, the way an application should connect: it can log in, and
/// is neither a superuser nor allowed to bypass row-level security, so the policies apply to
/// it. Roles belong to the whole server (cluster), hence the unique name; dropped with this
/// value, together with the privileges it was granted.
#[derive(Debug)]
pub struct AppRole {
    /// The role's name, usable unquoted in SQL.
    pub name: String,
    database_url: String,
}

impl AppRole {
    /// Creates the role on the server of `database_url` and grants it the use of every table
    /// and sequence in `schema` there (create the tables first).
    ///
    /// # Panics
    ///
    /// When the server cannot be reached or refuses a statement.
    ///
    /// ```no_run
    /// # async fn f(db: multitenant_test_support::TestDatabase) {
    /// let role = multitenant_test_support::AppRole::create(&db.url, "public").await;
    /// let pool = sqlx::PgPool::connect(&role.url(&db.url)).await.unwrap();
    /// # let _ = pool; }
    /// ```
    pub async fn create(database_url: &str, schema: &str) -> AppRole {
        let role = AppRole {
            name: unique_name("mt_app"),
            database_url: database_url.to_owned(),
        };
        let r = &role.name;
        let sql = format!(
            "CREATE ROLE {r} LOGIN NOSUPERUSER NOBYPASSRLS;
             GRANT USAGE ON SCHEMA {schema} TO {r};
             GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {r};
             GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {r};"
        );
        execute(database_url, &sql).await;
        role
    }

    /// `url` with this role as its user.
    ///
    /// ```no_run
    /// # fn f(role: multitenant_test_support::AppRole) {
    /// let url = role.url("postgres://postgres@127.0.0.1:5432/app");
    /// assert!(url.starts_with("postgres://mt_app_"));
    /// # }
    /// ```
    pub fn url(&self, url: &str) -> String {
        let mut url = parse(url);
        url.set_username(&self.name)
            .unwrap_or_else(|()| panic!("{url} cannot take a user"));
        url.into()
    }
}

impl Drop for AppRole {
    fn drop(&mut self) {
        let r = &self.name;
        clean_up(
            &self.database_url,
            &format!("DROP OWNED BY {r}; DROP ROLE IF EXISTS {r}"),
        );
    }
}
