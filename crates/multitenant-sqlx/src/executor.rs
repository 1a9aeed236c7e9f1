//! The scoped executor: an `sqlx::Executor` that rewrites each statement through the core
//! scoper, appends the tenant key to its arguments and hands it to the executor it wraps.

use std::sync::Arc;

use either::Either;
use futures_core::future::BoxFuture;
use futures_core::stream::BoxStream;
use futures_util::{FutureExt, StreamExt, TryStreamExt};
use multitenant::adapter::{
    ScopeSource, ScopedStatement, Scoping, TenantBind, TenantKeys, TenantSetting,
};
use multitenant::{Scope, Scoper, TenantKey};
use sqlx::postgres::{PgArguments, PgQueryResult, PgRow, PgStatement, PgTypeInfo};
use sqlx::{Arguments, AssertSqlSafe, Execute, Executor, PgPool, Postgres, SqlSafeStr, SqlStr};

use crate::backstop::set_tenant;
use crate::{Refused, TenantExecutor, TenantTransaction};

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
///     .fetch_one(Tenanted::new(&mut *conn, scoper, Scope::one(1_i64)))
///     .await?;
/// # let _ = n; Ok(()) }
/// ```
#[derive(Debug)]
pub struct Tenanted<E> {
    inner: E,
    scoping: Scoping,
    /// The tenant setting is already set for the transaction `inner` is in.
    settled: bool,
}

impl<E> Tenanted<E> {
    /// Wraps `inner` with a fixed scope: one tenant, a set, or [`Scope::Unscoped`].
    ///
    /// ```no_run
    /// # fn f(pool: &sqlx::PgPool, scoper: std::sync::Arc<multitenant::Scoper>) {
    /// let db = multitenant_sqlx::Tenanted::new(pool, scoper, multitenant::Scope::one(7_i64));
    /// # let _ = db; }
    /// ```
    pub fn new(inner: E, scoper: Arc<Scoper>, scope: Scope) -> Self {
        Tenanted::with_scoping(inner, Scoping::new(scoper, scope.into()))
    }

    /// Wraps `inner`, reading the scope from the task-local context
    /// ([`multitenant::scope`]) at each statement; with none set, statements touching tenant
    /// tables are refused.
    ///
    /// ```no_run
    /// # async fn f(pool: &sqlx::PgPool, scoper: std::sync::Arc<multitenant::Scoper>) -> Result<(), sqlx::Error> {
    /// let db = multitenant_sqlx::Tenanted::ambient(pool, scoper);
    /// multitenant::scope(7_i64, sqlx::query("DELETE FROM tasks WHERE done").execute(db)).await?;
    /// # Ok(()) }
    /// ```
    pub fn ambient(inner: E, scoper: Arc<Scoper>) -> Self {
        Tenanted::with_scoping(inner, Scoping::new(scoper, ScopeSource::Ambient))
    }

    /// Wraps `inner` with an adapter-level [`Scoping`] (a scoper and where the scope comes
    /// from).
    ///
    /// ```no_run
    /// # fn f(pool: &sqlx::PgPool, scoper: std::sync::Arc<multitenant::Scoper>) {
    /// use multitenant::adapter::{ScopeSource, Scoping};
    /// let db = multitenant_sqlx::Tenanted::with_scoping(pool, Scoping::new(scoper, ScopeSource::NoTenant));
    /// # let _ = db; }
    /// ```
    pub fn with_scoping(inner: E, scoping: Scoping) -> Self {
        Tenanted {
            inner,
            scoping,
            settled: false,
        }
    }

    /// The same handle on a transaction that already has the tenant setting set.
    pub(crate) fn settled(mut self) -> Self {
        self.settled = true;
        self
    }

    /// What to set before a statement: nothing with the backstop off, no tenant, or the setting
    /// already set for this transaction.
    fn backstop(&self) -> Result<Option<TenantSetting>, sqlx::Error> {
        if self.settled {
            return Ok(None);
        }
        self.scoping.tenant_setting().map_err(Refused::into_sqlx)
    }

    /// The scope the next statement runs under (`None`: no tenant).
    ///
    /// ```no_run
    /// # fn f(pool: &sqlx::PgPool, scoper: std::sync::Arc<multitenant::Scoper>) {
    /// let db = multitenant_sqlx::Tenanted::ambient(pool, scoper);
    /// assert_eq!(db.scope(), None);
    /// # }
    /// ```
    pub fn scope(&self) -> Option<Scope> {
        self.scoping.scope()
    }
}

impl<E: Clone> Clone for Tenanted<E> {
    fn clone(&self) -> Self {
        Tenanted {
            inner: self.inner.clone(),
            scoping: self.scoping.clone(),
            settled: self.settled,
        }
    }
}

impl Tenanted<&PgPool> {
    /// Begins a transaction whose statements all run under this handle's scope (an ambient
    /// scope is fixed now). With the row-level-security backstop on, the tenant setting is set
    /// right after `BEGIN`.
    ///
    /// ```no_run
    /// # async fn f(db: multitenant_sqlx::TenantPool) -> Result<(), sqlx::Error> {
    /// let mut tx = db.tenant(1_i64).begin().await?;
    /// sqlx::query("INSERT INTO tasks (name) VALUES ('a')").execute(tx.executor()).await?;
    /// tx.commit().await?;
    /// # Ok(()) }
    /// ```
    pub async fn begin(&self) -> Result<TenantTransaction, sqlx::Error> {
        let scoping = self.scoping.pinned();
        let set = scoping.tenant_setting().map_err(Refused::into_sqlx)?;
        let mut tx = self.inner.begin().await?;
        if let Some(set) = set {
            set_tenant(&mut tx, &set).await?;
        }
        Ok(TenantTransaction { tx, scoping })
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
        TenantBind::One(TenantKey::Text(v)) => args.add(&**v),
        TenantBind::Many(TenantKeys::BigInt(keys)) => args.add(keys),
        TenantBind::Many(TenantKeys::Uuid(keys)) => args.add(keys),
        TenantBind::Many(TenantKeys::Text(keys)) => args.add(keys),
    }
}

/// Scopes one statement: bound statements get the tenant as one more argument; statements sent
/// without arguments (the simple protocol) carry it as a literal.
fn scope_query<'q, Q: Execute<'q, Postgres>>(
    scoping: &Scoping,
    mut query: Q,
) -> Result<(ScopedQuery, ScopedStatement), sqlx::Error> {
    let persistent = query.persistent();
    let mut arguments = query.take_arguments().map_err(sqlx::Error::Encode)?;
    let sql = query.sql();
    let scoped = match &mut arguments {
        None => scoping.unbound(sql.as_str()),
        Some(args) => scoping.bound(sql.as_str(), args.len()),
    }
    .map_err(Refused::into_sqlx)?;
    if let (Some(args), Some(bind)) = (&mut arguments, scoped.tenant()) {
        bind_tenant(args, bind).map_err(sqlx::Error::Encode)?;
    }
    let query = ScopedQuery {
        sql: AssertSqlSafe(scoped.shared_sql()).into_sql_str(),
        arguments,
        persistent,
    };
    Ok((query, scoped))
}

fn scope_text(scoping: &Scoping, sql: &SqlStr) -> Result<SqlStr, sqlx::Error> {
    let text = scoping.text(sql.as_str()).map_err(Refused::into_sqlx)?;
    Ok(AssertSqlSafe(text).into_sql_str())
}

/// Turns the error PostgreSQL raises for an INSERT naming another tenant into a [`Refused`];
/// every other error passes unchanged.
fn recognise(e: sqlx::Error, scoped: &ScopedStatement) -> sqlx::Error {
    if let sqlx::Error::Database(db) = &e
        && let Some(refusal) = scoped
            .cross_tenant_check()
            .recognise(db.code().as_deref(), db.message())
    {
        return Refused::into_sqlx(refusal);
    }
    e
}

impl<'c, E> Executor<'c> for Tenanted<E>
where
    E: TenantExecutor<'c>,
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
        match scope_query(&self.scoping, query).and_then(|q| Ok((q, self.backstop()?))) {
            Ok(((query, scoped), set)) => match set {
                None => self.inner.fetch_many(query),
                Some(set) => self.inner.fetch_many_set(set, query),
            }
            .map_err(move |e| recognise(e, &scoped))
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
        match scope_query(&self.scoping, query).and_then(|q| Ok((q, self.backstop()?))) {
            Ok(((query, scoped), set)) => {
                let fut = match set {
                    None => self.inner.fetch_optional(query),
                    Some(set) => self.inner.fetch_optional_set(set, query),
                };
                async move { fut.await.map_err(|e| recognise(e, &scoped)) }.boxed()
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
        match scope_text(&self.scoping, &sql) {
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
        match scope_text(&self.scoping, &sql) {
            Ok(sql) => self.inner.describe(sql),
            Err(e) => async move { Err(e) }.boxed(),
        }
    }
}
