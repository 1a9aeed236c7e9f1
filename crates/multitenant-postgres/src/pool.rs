//! The pool handle: a deadpool-postgres pool and the scoper, handing out scoped clients.

use std::sync::Arc;

use deadpool_postgres::{Manager, Object, Pool};
use multitenant::{Schema, Scope, Scoper, TenantKey, adapter::ScopeSource};

use crate::{Error, TenantClient};

type Pooled = TenantClient<Object>;

/// A pool with the scoper: each handle is a pooled connection, scoped. Cheap to clone.
/// ```no_run
/// # async fn f(db: multitenant_postgres::TenantPool) -> Result<(), multitenant_postgres::Error> {
/// let rows = db.tenant(1_i64).await?.query("SELECT id FROM tasks", &[]).await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct TenantPool {
    pool: Pool,
    scoper: Arc<Scoper>,
}

impl TenantPool {
    /// Wraps a pool (pass an `Arc<Scoper>` to share its cache with other adapters).
    /// ```no_run
    /// # fn f(pool: deadpool_postgres::Pool, schema: multitenant::Schema) {
    /// let db = multitenant_postgres::TenantPool::new(pool, multitenant::Scoper::new(schema));
    /// # }
    /// ```
    pub fn new(pool: Pool, scoper: impl Into<Arc<Scoper>>) -> Self {
        let scoper = scoper.into();
        TenantPool { pool, scoper }
    }
    /// A pool without TLS for `url` and `schema`, connecting once now (a wrong URL fails here).
    /// ```no_run
    /// # async fn f(schema: multitenant::Schema) -> Result<(), multitenant_postgres::Error> {
    /// let db = multitenant_postgres::TenantPool::connect("postgres://postgres@127.0.0.1/app", schema).await?;
    /// # Ok(()) }
    /// ```
    pub async fn connect(url: &str, schema: Schema) -> Result<Self, Error> {
        let manager = Manager::new(url.parse()?, tokio_postgres::NoTls);
        // Only timeouts need a runtime, and none are set.
        let pool = Pool::builder(manager).build().expect("no timeouts");
        drop(pool.get().await?);
        Ok(TenantPool::new(pool, Scoper::new(schema)))
    }
    /// A connection scoped to one tenant.
    /// ```no_run
    /// # async fn f(db: multitenant_postgres::TenantPool) -> Result<(), multitenant_postgres::Error> {
    /// db.tenant(1_i64).await?.execute("DELETE FROM tasks WHERE id = $1", &[&3_i64]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn tenant(&self, key: impl Into<TenantKey>) -> Result<Pooled, Error> {
        self.scoped(Scope::one(key)).await
    }
    /// A connection for any scope (`Scope::many`, `Scope::Unscoped`) or [`ScopeSource`].
    /// ```no_run
    /// # async fn f(db: multitenant_postgres::TenantPool) -> Result<(), multitenant_postgres::Error> {
    /// let both = db.scoped(multitenant::Scope::many([1_i64, 2])).await?;
    /// # Ok(()) }
    /// ```
    pub async fn scoped(&self, scope: impl Into<ScopeSource>) -> Result<Pooled, Error> {
        let conn = self.pool.get().await?;
        Ok(TenantClient::new(conn, self.scoper.clone(), scope))
    }
    /// A connection explicitly outside any tenant (join equalities only), logged at debug.
    /// ```no_run
    /// # async fn f(db: multitenant_postgres::TenantPool) -> Result<(), multitenant_postgres::Error> {
    /// let all = db.unscoped().await?.query("SELECT * FROM tasks", &[]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn unscoped(&self) -> Result<Pooled, Error> {
        self.scoped(Scope::Unscoped).await
    }
    /// A connection that reads the task-local scope at each statement (none: refused).
    /// ```no_run
    /// # async fn f(db: multitenant_postgres::TenantPool) -> Result<(), multitenant_postgres::Error> {
    /// let conn = db.ambient().await?;
    /// multitenant::scope(1_i64, conn.execute("DELETE FROM tasks WHERE done", &[])).await?;
    /// # Ok(()) }
    /// ```
    pub async fn ambient(&self) -> Result<Pooled, Error> {
        self.scoped(ScopeSource::Ambient).await
    }
}
