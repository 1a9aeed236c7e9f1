//! The scoped executor: an `sqlx::Executor` that rewrites each statement through the core
//! scoper, appends the tenant key to its arguments and hands it to the executor it wraps.

use std::sync::Arc;

use either::Either;
use futures_core::future::BoxFuture;
use futures_core::stream::BoxStream;
use futures_util::{FutureExt, StreamExt, TryStreamExt};
use multitenant::{Scope, Scoper, TenantBind, TenantKey};
use sqlx::postgres::{PgArguments, PgQueryResult, PgRow, PgStatement, PgTypeInfo};
use sqlx::{
    Arguments, AssertSqlSafe, Execute, Executor, PgConnection, PgPool, Postgres, SqlSafeStr, SqlStr,
};

use crate::error::{map_database_error, scope_failure};

/// Where a handle takes its scope from.
#[derive(Clone, Debug)]
pub(crate) enum ScopeSource {
    /// Fixed when the handle was made (`None`: no tenant).
    Fixed(Option<Scope>),
    /// Read from the task-local context at each statement.
    Ambient,
}

impl ScopeSource {
    pub(crate) fn current(&self) -> Option<Scope> {
        match self {
            ScopeSource::Fixed(scope) => scope.clone(),
            ScopeSource::Ambient => multitenant::current(),
        }
    }
}

/// Any sqlx executor (`&PgPool`, `&mut PgConnection`, `&mut *transaction`) with a tenant scope:
/// every statement sent through it is scoped. Pass it wherever sqlx takes an executor.
///
/// ```no_run
/// # async fn f(pool: sqlx::PgPool, scoper: std::sync::Arc<multitenant::Scoper>) -> Result<(), sqlx::Error> {
/// use multitenant::Scope;
/// use multitenant_sqlx::Tenanted;
///
/// let mut conn = pool.acquire().await?;
/// let n: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks")
///     .fetch_one(Tenanted::new(&mut *conn, scoper, Some(Scope::one(1_i64))))
///     .await?;
/// # let _ = n; Ok(()) }
/// ```
#[derive(Debug)]
pub struct Tenanted<E> {
    inner: E,
    scoper: Arc<Scoper>,
    source: ScopeSource,
}

impl<E> Tenanted<E> {
    /// Wraps `inner` with a fixed scope (`None`: no tenant, so tenant tables are refused).
    ///
    /// ```no_run
    /// # fn f(pool: &sqlx::PgPool, scoper: std::sync::Arc<multitenant::Scoper>) {
    /// let db = multitenant_sqlx::Tenanted::new(pool, scoper, Some(multitenant::Scope::one(7_i64)));
    /// # let _ = db; }
    /// ```
    pub fn new(inner: E, scoper: Arc<Scoper>, scope: Option<Scope>) -> Self {
        Tenanted {
            inner,
            scoper,
            source: ScopeSource::Fixed(scope),
        }
    }

    /// Wraps `inner`, reading the scope from the task-local context
    /// ([`multitenant::scope`]) at each statement.
    ///
    /// ```no_run
    /// # async fn f(pool: &sqlx::PgPool, scoper: std::sync::Arc<multitenant::Scoper>) -> Result<(), sqlx::Error> {
    /// let db = multitenant_sqlx::Tenanted::ambient(pool, scoper);
    /// multitenant::scope(7_i64, sqlx::query("DELETE FROM tasks WHERE done").execute(db)).await?;
    /// # Ok(()) }
    /// ```
    pub fn ambient(inner: E, scoper: Arc<Scoper>) -> Self {
        Tenanted {
            inner,
            scoper,
            source: ScopeSource::Ambient,
        }
    }

    pub(crate) fn with_source(inner: E, scoper: Arc<Scoper>, source: ScopeSource) -> Self {
        Tenanted {
            inner,
            scoper,
            source,
        }
    }

    /// The scope the next statement runs under.
    ///
    /// ```no_run
    /// # fn f(pool: &sqlx::PgPool, scoper: std::sync::Arc<multitenant::Scoper>) {
    /// let db = multitenant_sqlx::Tenanted::new(pool, scoper, None);
    /// assert_eq!(db.scope(), None);
    /// # }
    /// ```
    pub fn scope(&self) -> Option<Scope> {
        self.source.current()
    }
}

/// A statement after scoping: its own text and arguments, ready for the inner executor.
struct ScopedQuery {
    sql: SqlStr,
    arguments: Option<PgArguments>,
    persistent: bool,
}

impl Execute<'_, Postgres> for ScopedQuery {
    fn sql(self) -> SqlStr {
        self.sql
    }

    fn statement(&self) -> Option<&PgStatement> {
        None
    }

    fn take_arguments(&mut self) -> Result<Option<PgArguments>, sqlx::error::BoxDynError> {
        Ok(self.arguments.take())
    }

    fn persistent(&self) -> bool {
        self.persistent
    }
}

/// Adds the tenant value as the next argument, typed as the key.
fn bind_tenant(args: &mut PgArguments, bind: &TenantBind) -> Result<(), sqlx::error::BoxDynError> {
    match bind {
        TenantBind::One(TenantKey::Int(v)) => args.add(*v),
        TenantBind::One(TenantKey::Uuid(v)) => args.add(*v),
        TenantBind::One(TenantKey::Text(v)) => args.add(v.to_string()),
        TenantBind::Many(keys) => match keys.first() {
            Some(TenantKey::Uuid(_)) => args.add(
                keys.iter()
                    .filter_map(|k| match k {
                        TenantKey::Uuid(u) => Some(*u),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            ),
            Some(TenantKey::Text(_)) => {
                args.add(keys.iter().map(ToString::to_string).collect::<Vec<_>>())
            }
            _ => args.add(
                keys.iter()
                    .filter_map(|k| match k {
                        TenantKey::Int(v) => Some(*v),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            ),
        },
    }
}

/// Scopes one statement: bound statements get the tenant as one more argument; statements sent
/// without arguments (the simple protocol) carry it as a literal.
fn scope_query<'q, Q: Execute<'q, Postgres>>(
    scoper: &Scoper,
    mut query: Q,
    scope: Option<&Scope>,
) -> Result<ScopedQuery, sqlx::Error> {
    let persistent = query.persistent();
    let arguments = query.take_arguments().map_err(sqlx::Error::Encode)?;
    let sql = query.sql();
    match arguments {
        None => {
            let text = scoper
                .rewrite_literal(sql.as_str(), scope)
                .map_err(scope_failure)?;
            Ok(ScopedQuery {
                sql: AssertSqlSafe(text).into_sql_str(),
                arguments: None,
                persistent,
            })
        }
        Some(mut args) => {
            let scoped = scoper.rewrite(sql.as_str(), scope).map_err(scope_failure)?;
            if let Some(bind) = scoped.tenant_bind() {
                scoped.check_bind_count(args.len()).map_err(scope_failure)?;
                bind_tenant(&mut args, bind).map_err(sqlx::Error::Encode)?;
            }
            Ok(ScopedQuery {
                sql: AssertSqlSafe(scoped.shared_sql()).into_sql_str(),
                arguments: Some(args),
                persistent,
            })
        }
    }
}

fn scope_text(scoper: &Scoper, sql: &SqlStr, scope: Option<&Scope>) -> Result<SqlStr, sqlx::Error> {
    let scoped = scoper.rewrite(sql.as_str(), scope).map_err(scope_failure)?;
    Ok(AssertSqlSafe(scoped.shared_sql()).into_sql_str())
}

impl<'c, E> Executor<'c> for Tenanted<E>
where
    E: Executor<'c, Database = Postgres>,
{
    type Database = Postgres;

    fn fetch_many<'e, 'q: 'e, Q>(
        self,
        query: Q,
    ) -> BoxStream<'e, Result<Either<PgQueryResult, PgRow>, sqlx::Error>>
    where
        'c: 'e,
        Q: 'q + Execute<'q, Postgres>,
    {
        let scope = self.source.current();
        match scope_query(&self.scoper, query, scope.as_ref()) {
            Ok(scoped) => self
                .inner
                .fetch_many(scoped)
                .map_err(move |e| map_database_error(e, scope.as_ref()))
                .boxed(),
            Err(e) => futures_util::stream::once(async move { Err(e) }).boxed(),
        }
    }

    fn fetch_optional<'e, 'q: 'e, Q>(
        self,
        query: Q,
    ) -> BoxFuture<'e, Result<Option<PgRow>, sqlx::Error>>
    where
        'c: 'e,
        Q: 'q + Execute<'q, Postgres>,
    {
        let scope = self.source.current();
        match scope_query(&self.scoper, query, scope.as_ref()) {
            Ok(scoped) => {
                let fut = self.inner.fetch_optional(scoped);
                async move { fut.await.map_err(|e| map_database_error(e, scope.as_ref())) }.boxed()
            }
            Err(e) => async move { Err(e) }.boxed(),
        }
    }

    fn prepare_with<'e>(
        self,
        sql: SqlStr,
        parameters: &'e [PgTypeInfo],
    ) -> BoxFuture<'e, Result<PgStatement, sqlx::Error>>
    where
        'c: 'e,
    {
        // The tenant parameter's type is inferred from the column it is compared with.
        match scope_text(&self.scoper, &sql, self.source.current().as_ref()) {
            Ok(sql) => self.inner.prepare_with(sql, parameters),
            Err(e) => async move { Err(e) }.boxed(),
        }
    }

    fn describe<'e>(
        self,
        sql: SqlStr,
    ) -> BoxFuture<'e, Result<sqlx::Describe<Postgres>, sqlx::Error>>
    where
        'c: 'e,
    {
        match scope_text(&self.scoper, &sql, self.source.current().as_ref()) {
            Ok(sql) => self.inner.describe(sql),
            Err(e) => async move { Err(e) }.boxed(),
        }
    }
}

/// A pool with the scoper: hands out scoped executors and transactions.
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
        Tenanted::new(&self.pool, self.scoper.clone(), Some(scope))
    }

    /// An executor explicitly outside any tenant (join equalities only). Logged at debug.
    ///
    /// ```no_run
    /// # async fn f(db: multitenant_sqlx::TenantPool) -> Result<(), sqlx::Error> {
    /// let all: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks").fetch_one(db.unscoped()).await?;
    /// # let _ = all; Ok(()) }
    /// ```
    pub fn unscoped(&self) -> Tenanted<&PgPool> {
        tracing::debug!("unscoped sqlx executor");
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
        Tenanted::ambient(&self.pool, self.scoper.clone())
    }

    /// Begins a transaction under `scope` (`None`: the task-local scope, fixed now).
    ///
    /// ```no_run
    /// # async fn f(db: multitenant_sqlx::TenantPool) -> Result<(), sqlx::Error> {
    /// let mut tx = db.begin(Some(multitenant::Scope::one(1_i64))).await?;
    /// sqlx::query("INSERT INTO tasks (name) VALUES ('a')").execute(tx.executor()).await?;
    /// tx.commit().await?;
    /// # Ok(()) }
    /// ```
    pub async fn begin(&self, scope: Option<Scope>) -> Result<TenantTransaction, sqlx::Error> {
        let scope = scope.or_else(multitenant::current);
        Ok(TenantTransaction {
            tx: self.pool.begin().await?,
            scoper: self.scoper.clone(),
            scope,
        })
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

/// A transaction whose statements are all scoped to the scope it began with.
///
/// ```no_run
/// # async fn f(db: multitenant_sqlx::TenantPool) -> Result<(), sqlx::Error> {
/// let mut tx = db.begin(Some(multitenant::Scope::one(1_i64))).await?;
/// sqlx::query("DELETE FROM tasks").execute(tx.executor()).await?;
/// tx.rollback().await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct TenantTransaction {
    tx: sqlx::Transaction<'static, Postgres>,
    scoper: Arc<Scoper>,
    scope: Option<Scope>,
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
        Tenanted::with_source(
            &mut *self.tx,
            self.scoper.clone(),
            ScopeSource::Fixed(self.scope.clone()),
        )
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
