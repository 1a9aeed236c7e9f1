//! The pool handle: one sqlx pool and one scoper, handing out scoped executors, and the scoped
//! transaction they begin.

use std::sync::Arc;

use multitenant::adapter::{ScopeSource, Scoping};
use multitenant::{Scope, Scoper, TenantKey};
use sqlx::{PgConnection, PgPool, Postgres};

use crate::Tenanted;

/// A pool with the scoper: hands out scoped executors, which begin scoped transactions.
///
/// ```no_run
/// # async fn f(schema: multitenant::Schema) -> Result<(), multitenant_sqlx::Error> {
/// let db = multitenant_sqlx::TenantPool::connect("postgres://postgres@127.0.0.1/app", schema).await?;
/// let rows = sqlx::query("SELECT id FROM tasks").fetch_all(db.tenant(1_i64)).await?;
/// # let _ = rows; Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct TenantPool {
    pool: PgPool,
    scoper: Arc<Scoper>,
}

impl TenantPool {
    /// Wraps a pool (pass an `Arc<Scoper>` to share its cache with other adapters).
    ///
    /// ```no_run
    /// # fn f(pool: sqlx::PgPool, schema: multitenant::Schema) {
    /// let db = multitenant_sqlx::TenantPool::new(pool, multitenant::Scoper::new(schema));
    /// # let _ = db; }
    /// ```
    pub fn new(pool: PgPool, scoper: impl Into<Arc<Scoper>>) -> Self {
        TenantPool {
            pool,
            scoper: scoper.into(),
        }
    }

    /// Connects a pool to `url` and scopes with `schema`.
    ///
    /// ```no_run
    /// # async fn f(schema: multitenant::Schema) -> Result<(), multitenant_sqlx::Error> {
    /// let db = multitenant_sqlx::TenantPool::connect("postgres://postgres@127.0.0.1/app", schema).await?;
    /// # let _ = db; Ok(()) }
    /// ```
    pub async fn connect(url: &str, schema: multitenant::Schema) -> Result<Self, crate::Error> {
        let pool = PgPool::connect(url).await?;
        Ok(TenantPool::new(pool, Scoper::new(schema)))
    }

    /// An executor scoped to one tenant.
    ///
    /// ```no_run
    /// # async fn f(db: multitenant_sqlx::TenantPool) -> Result<(), sqlx::Error> {
    /// sqlx::query("UPDATE tasks SET done = true WHERE id = $1").bind(3_i64).execute(db.tenant(1_i64)).await?;
    /// # Ok(()) }
    /// ```
    pub fn tenant(&self, key: impl Into<TenantKey>) -> Tenanted<&PgPool> {
        self.scoped(Scope::one(key))
    }

    /// An executor for any scope (`Scope::many`, `Scope::Unscoped`).
    ///
    /// ```no_run
    /// # async fn f(db: multitenant_sqlx::TenantPool) -> Result<(), sqlx::Error> {
    /// let rows = sqlx::query("SELECT * FROM tasks").fetch_all(db.scoped(multitenant::Scope::many([1_i64, 2]))).await?;
    /// # let _ = rows; Ok(()) }
    /// ```
    pub fn scoped(&self, scope: Scope) -> Tenanted<&PgPool> {
        self.handle(scope.into())
    }

    /// An executor explicitly outside any tenant (join equalities only). Logged at debug.
    ///
    /// ```no_run
    /// # async fn f(db: multitenant_sqlx::TenantPool) -> Result<(), sqlx::Error> {
    /// let all: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks").fetch_one(db.unscoped()).await?;
    /// # let _ = all; Ok(()) }
    /// ```
    pub fn unscoped(&self) -> Tenanted<&PgPool> {
        self.scoped(Scope::Unscoped)
    }

    /// An executor that reads the scope from the task-local context at each statement; with no
    /// scope set, statements touching tenant tables are refused.
    ///
    /// ```no_run
    /// # async fn f(db: multitenant_sqlx::TenantPool) -> Result<(), sqlx::Error> {
    /// multitenant::scope(1_i64, sqlx::query("DELETE FROM tasks WHERE done").execute(db.ambient())).await?;
    /// # Ok(()) }
    /// ```
    pub fn ambient(&self) -> Tenanted<&PgPool> {
        self.handle(ScopeSource::Ambient)
    }

    fn handle(&self, source: ScopeSource) -> Tenanted<&PgPool> {
        Tenanted::with_scoping(&self.pool, Scoping::new(self.scoper.clone(), source))
    }

    /// The pool itself (statements sent on it are not scoped).
    ///
    /// ```no_run
    /// # fn f(db: multitenant_sqlx::TenantPool) { let _ = db.pool(); }
    /// ```
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The scoper.
    ///
    /// ```no_run
    /// # fn f(db: multitenant_sqlx::TenantPool) { let _ = db.scoper().schema(); }
    /// ```
    pub fn scoper(&self) -> &Arc<Scoper> {
        &self.scoper
    }
}

/// A transaction whose statements all run under the scope its handle had when it began
/// ([`Tenanted::begin`]).
///
/// ```no_run
/// # async fn f(db: multitenant_sqlx::TenantPool) -> Result<(), sqlx::Error> {
/// let mut tx = db.tenant(1_i64).begin().await?;
/// sqlx::query("DELETE FROM tasks").execute(tx.executor()).await?;
/// tx.rollback().await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct TenantTransaction {
    pub(crate) tx: sqlx::Transaction<'static, Postgres>,
    pub(crate) scoping: Scoping,
}

impl TenantTransaction {
    /// A scoped executor on the transaction's connection.
    ///
    /// ```no_run
    /// # async fn f(mut tx: multitenant_sqlx::TenantTransaction) -> Result<(), sqlx::Error> {
    /// let n: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks").fetch_one(tx.executor()).await?;
    /// # let _ = n; Ok(()) }
    /// ```
    pub fn executor(&mut self) -> Tenanted<&mut PgConnection> {
        Tenanted::with_scoping(&mut *self.tx, self.scoping.clone()).settled()
    }

    /// The transaction's connection itself: statements sent on it are not scoped, though with
    /// the row-level-security backstop on, the tenant setting set at `BEGIN` still applies to
    /// them.
    ///
    /// ```no_run
    /// # async fn f(mut tx: multitenant_sqlx::TenantTransaction) -> Result<(), sqlx::Error> {
    /// sqlx::query("SET LOCAL statement_timeout = '5s'").execute(tx.connection()).await?;
    /// # Ok(()) }
    /// ```
    pub fn connection(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    /// The scope the transaction runs under (`None`: no tenant).
    ///
    /// ```no_run
    /// # async fn f(db: multitenant_sqlx::TenantPool) -> Result<(), sqlx::Error> {
    /// let tx = db.tenant(1_i64).begin().await?;
    /// assert_eq!(tx.scope(), Some(multitenant::Scope::one(1_i64)));
    /// # Ok(()) }
    /// ```
    pub fn scope(&self) -> Option<Scope> {
        self.scoping.scope()
    }

    /// Commits.
    ///
    /// ```no_run
    /// # async fn f(tx: multitenant_sqlx::TenantTransaction) -> Result<(), sqlx::Error> { tx.commit().await }
    /// ```
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    /// Rolls back.
    ///
    /// ```no_run
    /// # async fn f(tx: multitenant_sqlx::TenantTransaction) -> Result<(), sqlx::Error> { tx.rollback().await }
    /// ```
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}
