//! The scoped connection: SeaORM's connection traits over a `DatabaseConnection` or
//! `DatabaseTransaction`, with every statement passed through the core scoper on its way out,
//! and, with the row-level-security backstop on, the tenant setting set for the transaction it
//! runs in.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use multitenant::adapter::{
    ScopeSource, ScopedStatement, Scoping, TenantBind, TenantKeys, TenantSetting,
};
use multitenant::{Scope, Scoper, TenantKey};
use sea_orm::sea_query::{ArrayType, Value, Values};
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    ExecResult, IsolationLevel, QueryResult, RuntimeErr, Statement, StreamTrait, TransactionError,
    TransactionOptions, TransactionSession, TransactionTrait,
};

use crate::{Carrier, refused};

/// A SeaORM connection that scopes every statement to a tenant: it implements
/// [`ConnectionTrait`], [`TransactionTrait`] and [`StreamTrait`], so every SeaORM query,
/// mutation, loader and stream runs through it unchanged. Its transactions
/// ([`TenantTransaction`]) are scoped the same way, nested ones too.
///
/// Made by [`TenantDatabase`](crate::TenantDatabase) (`tenant`, `scoped`, `unscoped`,
/// `ambient`), or with [`TenantConnection::new`] around any connection or transaction.
///
/// With the row-level-security backstop on ([`multitenant::Scoper::with_row_level_security`])
/// and a tenant scope, every transaction begun through it starts with `SET LOCAL setting =
/// 'keys'` (the keys of a [`Scope::many`] separated by commas), so statements sent past the
/// scoper in it (through [`TenantConnection::inner`]) are held to the tenant by the policies;
/// a statement sent outside a transaction runs in one of its own: `BEGIN`, `SET LOCAL`, the
/// statement, `COMMIT` (a savepoint instead of `BEGIN` when the wrapped connection is a
/// transaction begun elsewhere). Unscoped, with no tenant, or with the backstop off, nothing is
/// added.
///
/// ```no_run
/// # async fn f(db: multitenant_sea_orm::TenantDatabase) -> Result<(), sea_orm::DbErr> {
/// use sea_orm::{ConnectionTrait, Statement};
///
/// let acme = db.tenant(1_i64);
/// let stmt = Statement::from_string(acme.get_database_backend(), "SELECT name FROM projects");
/// let rows = acme.query_all_raw(stmt).await?; // ... WHERE projects.account_id = $1
/// # let _ = rows; Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct TenantConnection<C = DatabaseConnection> {
    inner: C,
    scoping: Scoping,
    /// `inner` is a transaction begun through this adapter: the tenant setting, if any, is set
    /// for it already.
    settled: bool,
}

/// A scoped transaction: what [`TransactionTrait::begin`] on a [`TenantConnection`] returns.
/// Commit or roll it back with [`TransactionSession`]; dropped, it rolls back.
///
/// ```no_run
/// # async fn f(db: multitenant_sea_orm::TenantDatabase) -> Result<(), sea_orm::DbErr> {
/// use sea_orm::{TransactionSession, TransactionTrait};
///
/// let txn: multitenant_sea_orm::TenantTransaction = db.tenant(1_i64).begin().await?;
/// // ... queries through &txn are scoped to tenant 1 ...
/// txn.commit().await?;
/// # Ok(()) }
/// ```
pub type TenantTransaction = TenantConnection<DatabaseTransaction>;

impl<C> TenantConnection<C> {
    /// Scopes `inner` (a `DatabaseConnection`, a `DatabaseTransaction`, ...) to `scope`.
    ///
    /// ```no_run
    /// # async fn f(txn: sea_orm::DatabaseTransaction, scoper: std::sync::Arc<multitenant::Scoper>) {
    /// use multitenant::Scope;
    /// use multitenant_sea_orm::TenantConnection;
    ///
    /// // a transaction begun elsewhere, scoped to tenant 3 from here on
    /// let scoped = TenantConnection::new(txn, scoper, Scope::one(3_i64));
    /// # let _ = scoped; }
    /// ```
    pub fn new(inner: C, scoper: Arc<Scoper>, scope: Scope) -> Self {
        TenantConnection::with_scoping(inner, Scoping::new(scoper, scope.into()))
    }

    /// Wraps `inner` so that each statement takes the ambient scope, `multitenant::current()`,
    /// at the time it runs. With no scope set, statements touching tenant tables are refused. A
    /// transaction begun on it keeps the scope that was current at `begin`.
    ///
    /// ```no_run
    /// # fn f(conn: sea_orm::DatabaseConnection, scoper: std::sync::Arc<multitenant::Scoper>) {
    /// let db = multitenant_sea_orm::TenantConnection::ambient(conn, scoper);
    /// # let _ = db; }
    /// ```
    pub fn ambient(inner: C, scoper: Arc<Scoper>) -> Self {
        TenantConnection::with_scoping(inner, Scoping::new(scoper, ScopeSource::Ambient))
    }

    /// Wraps `inner` with an adapter-level [`Scoping`] (a scoper and where the scope comes
    /// from).
    ///
    /// ```no_run
    /// # fn f(conn: sea_orm::DatabaseConnection, scoper: std::sync::Arc<multitenant::Scoper>) {
    /// use multitenant::adapter::{ScopeSource, Scoping};
    /// let db = multitenant_sea_orm::TenantConnection::with_scoping(conn, Scoping::new(scoper, ScopeSource::NoTenant));
    /// # let _ = db; }
    /// ```
    pub fn with_scoping(inner: C, scoping: Scoping) -> Self {
        TenantConnection {
            inner,
            scoping,
            settled: false,
        }
    }

    /// The scope the next statement runs under (`None`: no tenant set).
    ///
    /// ```no_run
    /// # fn f(db: multitenant_sea_orm::TenantDatabase) {
    /// assert_eq!(db.tenant(4_i64).scope(), Some(multitenant::Scope::one(4_i64)));
    /// # }
    /// ```
    pub fn scope(&self) -> Option<Scope> {
        self.scoping.scope()
    }

    /// The wrapped connection or transaction, unscoped: what it runs bypasses the scoper.
    ///
    /// ```no_run
    /// # fn f(db: multitenant_sea_orm::TenantDatabase) {
    /// let acme = db.tenant(1_i64);
    /// let bare: &sea_orm::DatabaseConnection = acme.inner();
    /// # let _ = bare; }
    /// ```
    pub fn inner(&self) -> &C {
        &self.inner
    }

    /// The scoper this connection applies.
    ///
    /// ```no_run
    /// # fn f(db: multitenant_sea_orm::TenantDatabase) {
    /// let kind = db.tenant(1_i64).scoper().schema().key_kind();
    /// # let _ = kind; }
    /// ```
    pub fn scoper(&self) -> &Arc<Scoper> {
        self.scoping.scoper()
    }

    /// What to set before a statement: nothing with the backstop off, no tenant, or the setting
    /// already set for this transaction.
    fn backstop(&self, carrier: Carrier) -> Result<Option<TenantSetting>, DbErr> {
        if self.settled {
            return Ok(None);
        }
        self.scoping
            .tenant_setting()
            .map_err(|e| refused(carrier, e))
    }

    /// Rewrites `stmt` and appends the tenant value to its values.
    fn scope_statement(
        &self,
        carrier: Carrier,
        mut stmt: Statement,
    ) -> Result<(Statement, ScopedStatement), DbErr> {
        let given = stmt.values.as_ref().map_or(0, |v| v.0.len());
        let scoped = self
            .scoping
            .bound(&stmt.sql, given)
            .map_err(|e| refused(carrier, e))?;
        if let Some(bind) = scoped.tenant() {
            stmt.values
                .get_or_insert_with(|| Values(Vec::new()))
                .0
                .push(tenant_value(bind));
        }
        stmt.sql = scoped.sql().to_owned();
        Ok((stmt, scoped))
    }
}

/// The tenant value as SeaORM binds it: the key's own type, or an array of the schema's key type.
fn tenant_value(bind: &TenantBind) -> Value {
    match bind {
        TenantBind::One(TenantKey::Int(v)) => Value::BigInt(Some(*v)),
        TenantBind::One(TenantKey::Uuid(u)) => Value::Uuid(Some(*u)),
        TenantBind::One(TenantKey::Text(t)) => Value::String(Some(t.to_string())),
        TenantBind::Many(TenantKeys::BigInt(keys)) => {
            array(ArrayType::BigInt, keys, |v| Value::BigInt(Some(*v)))
        }
        TenantBind::Many(TenantKeys::Uuid(keys)) => {
            array(ArrayType::Uuid, keys, |u| Value::Uuid(Some(*u)))
        }
        TenantBind::Many(TenantKeys::Text(keys)) => {
            array(ArrayType::String, keys, |t| Value::String(Some(t.clone())))
        }
    }
}

/// One statement's trip to the database, on any SeaORM connection: how [`TenantConnection`]
/// sends it directly or inside the transaction that carries the tenant setting.
trait Request: Send + 'static {
    type Output: Send;

    fn send<'a, X: ConnectionTrait>(
        self,
        conn: &'a X,
    ) -> BoxFuture<'a, Result<Self::Output, DbErr>>;
}

/// `execute_raw`.
struct Exec(Statement);
/// `execute_unprepared`.
struct Unprepared(String);
/// `query_one_raw`.
struct One(Statement);
/// `query_all_raw`.
struct All(Statement);

impl Request for Exec {
    type Output = ExecResult;

    fn send<'a, X: ConnectionTrait>(self, conn: &'a X) -> BoxFuture<'a, Result<ExecResult, DbErr>> {
        conn.execute_raw(self.0)
    }
}

impl Request for Unprepared {
    type Output = ExecResult;

    fn send<'a, X: ConnectionTrait>(self, conn: &'a X) -> BoxFuture<'a, Result<ExecResult, DbErr>> {
        Box::pin(async move { conn.execute_unprepared(&self.0).await })
    }
}

impl Request for One {
    type Output = Option<QueryResult>;

    fn send<'a, X: ConnectionTrait>(
        self,
        conn: &'a X,
    ) -> BoxFuture<'a, Result<Option<QueryResult>, DbErr>> {
        conn.query_one_raw(self.0)
    }
}

impl Request for All {
    type Output = Vec<QueryResult>;

    fn send<'a, X: ConnectionTrait>(
        self,
        conn: &'a X,
    ) -> BoxFuture<'a, Result<Vec<QueryResult>, DbErr>> {
        conn.query_all_raw(self.0)
    }
}

impl<C> TenantConnection<C>
where
    C: ConnectionTrait + TransactionTrait + Send + Sync,
{
    /// Sends `request` (a scoped statement): directly, or with the backstop on, in a
    /// transaction of its own that sets the tenant first.
    async fn run<R: Request>(&self, carrier: Carrier, request: R) -> Result<R::Output, DbErr> {
        let Some(set) = self.backstop(carrier)? else {
            return request.send(&self.inner).await;
        };
        let txn = self.inner.begin().await?;
        let done = match txn.execute_unprepared(&set.statement()).await {
            Ok(_) => request.send(&txn).await,
            Err(e) => Err(e),
        };
        match done {
            Ok(output) => {
                txn.commit().await?;
                Ok(output)
            }
            Err(e) => {
                // The statement's error is the one to report; the transaction is gone either
                // way (a failed rollback closes the connection).
                let _ = txn.rollback().await;
                Err(e)
            }
        }
    }

    /// Scopes `stmt`, sends it with `request`, and turns a cross-tenant write refused by the
    /// database into a refusal.
    async fn send<R: Request>(
        &self,
        carrier: Carrier,
        stmt: Statement,
        request: impl FnOnce(Statement) -> R,
    ) -> Result<R::Output, DbErr> {
        let (stmt, scoped) = self.scope_statement(carrier, stmt)?;
        self.run(carrier, request(stmt))
            .await
            .map_err(|e| recognise(e, carrier, &scoped))
    }

    /// A transaction begun by `begin` on the wrapped connection, scoped like this one (an
    /// ambient scope is fixed now, so the whole transaction runs under one scope), with the
    /// tenant setting set first when the backstop is on.
    async fn begin_scoped<F>(&self, begin: F) -> Result<TenantConnection<C::Transaction>, DbErr>
    where
        F: Future<Output = Result<C::Transaction, DbErr>> + Send,
    {
        let scoping = self.scoping.pinned();
        let set = if self.settled {
            None
        } else {
            scoping
                .tenant_setting()
                .map_err(|e| refused(Carrier::Exec, e))?
        };
        let txn = begin.await?;
        if let Some(set) = set
            && let Err(e) = txn.execute_unprepared(&set.statement()).await
        {
            let _ = txn.rollback().await;
            return Err(e);
        }
        Ok(TenantConnection {
            inner: txn,
            scoping,
            settled: true,
        })
    }
}

fn array<T>(kind: ArrayType, keys: &[T], value: impl Fn(&T) -> Value) -> Value {
    Value::Array(kind, Some(Box::new(keys.iter().map(value).collect())))
}

/// Turns the database error a scoped INSERT raises when it names another tenant into a refusal;
/// every other error passes unchanged.
fn recognise(err: DbErr, carrier: Carrier, scoped: &ScopedStatement) -> DbErr {
    if let DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) = &err
        && let Some(db) = e.as_database_error()
        && let Some(refusal) = scoped
            .cross_tenant_check()
            .recognise(db.code().as_deref(), db.message())
    {
        return refused(carrier, refusal);
    }
    err
}

#[async_trait::async_trait]
impl<C> ConnectionTrait for TenantConnection<C>
where
    C: ConnectionTrait + TransactionTrait + Send + Sync,
{
    fn get_database_backend(&self) -> DbBackend {
        self.inner.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.send(Carrier::Exec, stmt, Exec).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        let scoped = self
            .scoping
            .unbound(sql)
            .map_err(|e| refused(Carrier::Exec, e))?;
        self.run(Carrier::Exec, Unprepared(scoped.sql().to_owned()))
            .await
            .map_err(|e| recognise(e, Carrier::Exec, &scoped))
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.send(Carrier::Query, stmt, One).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.send(Carrier::Query, stmt, All).await
    }

    fn support_returning(&self) -> bool {
        self.inner.support_returning()
    }
}

impl<C> StreamTrait for TenantConnection<C>
where
    C: StreamTrait + TransactionTrait + Send + Sync,
    C::Transaction: StreamTrait,
{
    type Stream<'a>
        = BoxStream<'a, Result<QueryResult, DbErr>>
    where
        Self: 'a;

    fn get_database_backend(&self) -> DbBackend {
        StreamTrait::get_database_backend(&self.inner)
    }

    fn stream_raw<'a>(
        &'a self,
        stmt: Statement,
    ) -> Pin<Box<dyn Future<Output = Result<Self::Stream<'a>, DbErr>> + 'a + Send>> {
        Box::pin(async move {
            let (stmt, scoped) = self.scope_statement(Carrier::Query, stmt)?;
            let Some(set) = self.backstop(Carrier::Query)? else {
                let rows = self
                    .inner
                    .stream_raw(stmt)
                    .await
                    .map_err(|e| recognise(e, Carrier::Query, &scoped))?;
                return Ok(rows
                    .map(move |row| row.map_err(|e| recognise(e, Carrier::Query, &scoped)))
                    .boxed());
            };
            // The rows come from a transaction of the stream's own, committed after the last.
            let txn = self.inner.begin().await?;
            txn.execute_unprepared(&set.statement()).await?;
            let rows = async_stream::try_stream! {
                {
                    let rows = txn.stream_raw(stmt).await?;
                    let mut rows = std::pin::pin!(rows);
                    while let Some(row) = rows.next().await {
                        yield row?;
                    }
                }
                txn.commit().await?;
            };
            Ok(rows
                .map(move |row: Result<QueryResult, DbErr>| {
                    row.map_err(|e| recognise(e, Carrier::Query, &scoped))
                })
                .boxed())
        })
    }
}

#[async_trait::async_trait]
impl<C> TransactionTrait for TenantConnection<C>
where
    C: ConnectionTrait + TransactionTrait + Send + Sync,
    C::Transaction: Sync,
{
    type Transaction = TenantConnection<C::Transaction>;

    async fn begin(&self) -> Result<Self::Transaction, DbErr> {
        self.begin_scoped(self.inner.begin()).await
    }

    async fn begin_with_config(
        &self,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<Self::Transaction, DbErr> {
        self.begin_scoped(self.inner.begin_with_config(isolation_level, access_mode))
            .await
    }

    async fn begin_with_options(
        &self,
        options: TransactionOptions,
    ) -> Result<Self::Transaction, DbErr> {
        self.begin_scoped(self.inner.begin_with_options(options))
            .await
    }

    async fn transaction<F, T, E>(&self, callback: F) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c Self::Transaction,
            ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        let txn = self.begin().await.map_err(TransactionError::Connection)?;
        run(txn, callback).await
    }

    async fn transaction_with_config<F, T, E>(
        &self,
        callback: F,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c Self::Transaction,
            ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        let txn = self
            .begin_with_config(isolation_level, access_mode)
            .await
            .map_err(TransactionError::Connection)?;
        run(txn, callback).await
    }
}

/// Runs `callback` in `txn`: commits when it succeeds, rolls back when it fails.
async fn run<Txn, F, T, E>(txn: Txn, callback: F) -> Result<T, TransactionError<E>>
where
    Txn: TransactionSession,
    F: for<'c> FnOnce(&'c Txn) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>,
{
    let result = callback(&txn).await.map_err(TransactionError::Transaction);
    if result.is_ok() {
        txn.commit().await.map_err(TransactionError::Connection)?;
    } else {
        txn.rollback().await.map_err(TransactionError::Connection)?;
    }
    result
}

#[async_trait::async_trait]
impl<C> TransactionSession for TenantConnection<C>
where
    C: TransactionSession + Send,
{
    async fn commit(self) -> Result<(), DbErr> {
        self.inner.commit().await
    }

    async fn rollback(self) -> Result<(), DbErr> {
        self.inner.rollback().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_values_have_the_key_type() {
        let u = uuid::Uuid::nil();
        assert_eq!(
            tenant_value(&TenantBind::One(TenantKey::Int(7))),
            Value::BigInt(Some(7))
        );
        assert_eq!(
            tenant_value(&TenantBind::One(TenantKey::Uuid(u))),
            Value::Uuid(Some(u))
        );
        assert_eq!(
            tenant_value(&TenantBind::One(TenantKey::from("acme"))),
            Value::String(Some("acme".into()))
        );
        assert_eq!(
            tenant_value(&TenantBind::Many(TenantKeys::BigInt(vec![1, 2]))),
            Value::Array(
                ArrayType::BigInt,
                Some(Box::new(vec![
                    Value::BigInt(Some(1)),
                    Value::BigInt(Some(2))
                ]))
            )
        );
        // an empty set still binds an array of the key type
        assert_eq!(
            tenant_value(&TenantBind::Many(TenantKeys::Uuid(Vec::new()))),
            Value::Array(ArrayType::Uuid, Some(Box::new(Vec::new())))
        );
    }
}
