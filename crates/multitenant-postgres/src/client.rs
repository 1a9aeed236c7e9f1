//! The scoped client: tokio-postgres's methods over a client, a transaction or a pooled one.

use std::{future::Future, pin::Pin, sync::Arc};

use multitenant::adapter::{ScopeSource, Scoping, TenantBind, TenantBind::*, TenantKeys};
use multitenant::{Scoper, TenantKey};
use tokio_postgres::{GenericClient, Row, Statement, Transaction, types::ToSql, types::Type};

use crate::Error;

/// A tokio-postgres client or transaction, or what holds one: what a [`TenantClient`] wraps.
/// ```no_run
/// # fn f(object: deadpool_postgres::Object) {
/// use multitenant_postgres::AsGenericClient;
/// let client: &tokio_postgres::Client = object.generic_client();
/// # }
/// ```
pub trait AsGenericClient: Send + Sync {
    /// The tokio-postgres client or transaction.
    type Client: GenericClient + Send + Sync;
    /// It, to send statements.
    fn generic_client(&self) -> &Self::Client;
    /// It, to begin a transaction.
    fn generic_client_mut(&mut self) -> &mut Self::Client;
}

macro_rules! as_generic_client {
    ($($holder:ty => $client:ty),*) => {$(
        impl<'a> AsGenericClient for $holder {
            type Client = $client;
            fn generic_client(&self) -> &$client { self }
            fn generic_client_mut(&mut self) -> &mut $client { self }
        }
    )*};
}

as_generic_client! {
    tokio_postgres::Client => tokio_postgres::Client,
    &'a mut tokio_postgres::Client => tokio_postgres::Client,
    Transaction<'a> => Transaction<'a>,
    deadpool_postgres::Object => tokio_postgres::Client,
    deadpool_postgres::Transaction<'a> => Transaction<'a>
}

/// A client that scopes every statement, with tokio-postgres's methods: the tenant is bound last.
/// ```no_run
/// # async fn f(client: tokio_postgres::Client, scoper: std::sync::Arc<multitenant::Scoper>) -> Result<(), multitenant_postgres::Error> {
/// let acme = multitenant_postgres::TenantClient::new(client, scoper, multitenant::Scope::one(1_i64));
/// let rows = acme.query("SELECT name FROM tasks WHERE done = $1", &[&true]).await?; // AND tasks.account_id = $2
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct TenantClient<C> {
    client: C,
    scoping: Scoping,
}

/// A scoped transaction's tenant setting, for the row-level-security backstop.
fn set_local(scoping: &Scoping) -> Result<Option<String>, Error> {
    Ok(scoping.tenant_setting()?.map(|set| set.statement()))
}

/// A scoped transaction, from [`TenantClient::transaction`]; dropped, it rolls back.
/// ```no_run
/// # async fn f(mut acme: multitenant_postgres::TenantClient<tokio_postgres::Client>) -> Result<(), multitenant_postgres::Error> {
/// let tx: multitenant_postgres::TenantTransaction<'_> = acme.transaction().await?;
/// # Ok(()) }
/// ```
pub type TenantTransaction<'a> = TenantClient<Transaction<'a>>;

type Value = Box<dyn ToSql + Send + Sync>;
type Params<'a> = &'a [&'a (dyn ToSql + Sync)];
type Sent<'a, T> = Pin<Box<dyn Future<Output = Result<T, tokio_postgres::Error>> + Send + 'a>>;

impl<C: AsGenericClient> TenantClient<C> {
    /// Scopes `client` to a scope (one tenant, a set, unscoped) or [`ScopeSource::Ambient`].
    /// ```no_run
    /// # fn f(client: tokio_postgres::Client, scoper: std::sync::Arc<multitenant::Scoper>) {
    /// let acme = multitenant_postgres::TenantClient::new(client, scoper, multitenant::Scope::one(7_i64));
    /// # }
    /// ```
    pub fn new(client: C, scoper: Arc<Scoper>, scope: impl Into<ScopeSource>) -> Self {
        let scoping = Scoping::new(scoper, scope.into());
        TenantClient { client, scoping }
    }
    /// `query`, scoped.
    /// ```no_run
    /// # async fn f(acme: multitenant_postgres::TenantClient<tokio_postgres::Client>) -> Result<(), multitenant_postgres::Error> {
    /// let rows = acme.query("SELECT id FROM tasks", &[]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn query(&self, sql: &str, params: Params<'_>) -> Result<Vec<Row>, Error> {
        self.send(sql, params, |c, s, p| c.query(s, p)).await
    }
    /// `query_one`, scoped.
    /// ```no_run
    /// # async fn f(acme: multitenant_postgres::TenantClient<tokio_postgres::Client>) -> Result<(), multitenant_postgres::Error> {
    /// let n: i64 = acme.query_one("SELECT count(*) FROM tasks", &[]).await?.get(0);
    /// # Ok(()) }
    /// ```
    pub async fn query_one(&self, sql: &str, params: Params<'_>) -> Result<Row, Error> {
        self.send(sql, params, |c, s, p| c.query_one(s, p)).await
    }
    /// `query_opt`, scoped.
    /// ```no_run
    /// # async fn f(acme: multitenant_postgres::TenantClient<tokio_postgres::Client>) -> Result<(), multitenant_postgres::Error> {
    /// let row = acme.query_opt("SELECT name FROM tasks WHERE id = $1", &[&7_i64]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn query_opt(&self, sql: &str, params: Params<'_>) -> Result<Option<Row>, Error> {
        self.send(sql, params, |c, s, p| c.query_opt(s, p)).await
    }
    /// `execute`, scoped: the number of rows changed.
    /// ```no_run
    /// # async fn f(acme: multitenant_postgres::TenantClient<tokio_postgres::Client>) -> Result<(), multitenant_postgres::Error> {
    /// acme.execute("INSERT INTO tasks (id, name) VALUES ($1, $2)", &[&8_i64, &"ship"]).await?; // account_id filled in
    /// # Ok(()) }
    /// ```
    pub async fn execute(&self, sql: &str, params: Params<'_>) -> Result<u64, Error> {
        self.send(sql, params, |c, s, p| c.execute(s, p)).await
    }
    /// Prepares the scoped text, the same for every tenant; its last parameter is the tenant's.
    /// ```no_run
    /// # async fn f(acme: multitenant_postgres::TenantClient<tokio_postgres::Client>) -> Result<(), multitenant_postgres::Error> {
    /// assert_eq!(acme.prepare("SELECT name FROM tasks WHERE id = $1").await?.params().len(), 2);
    /// # Ok(()) }
    /// ```
    pub async fn prepare(&self, sql: &str) -> Result<Statement, Error> {
        self.statement(sql, &self.scoping.text(sql)?, true).await
    }
    /// `batch_execute` (simple protocol), scoped: the key as a literal (integer and UUID keys).
    /// ```no_run
    /// # async fn f(acme: multitenant_postgres::TenantClient<tokio_postgres::Client>) -> Result<(), multitenant_postgres::Error> {
    /// acme.batch_execute("UPDATE tasks SET done = true; DELETE FROM projects WHERE id = 2").await?;
    /// # Ok(()) }
    /// ```
    pub async fn batch_execute(&self, sql: &str) -> Result<(), Error> {
        let scoped = self.scoping.unbound(sql)?;
        let client = self.client.generic_client();
        let sent = client.batch_execute(scoped.sql()).await;
        sent.map_err(|e| Error::from_db(e, &scoped.cross_tenant_check()))
    }
    /// Begins a transaction that runs under this handle's scope (an ambient one is fixed now).
    /// With the row-level-security backstop on
    /// ([`multitenant::Scoper::with_row_level_security`]) and a tenant scope, it starts with
    /// `SET LOCAL setting = 'keys'`, so the policies hold every statement in it to the tenant
    /// (statements outside a transaction get no setting: see `SECURITY.md`).
    /// ```no_run
    /// # async fn f(mut acme: multitenant_postgres::TenantClient<tokio_postgres::Client>) -> Result<(), multitenant_postgres::Error> {
    /// let tx = acme.transaction().await?;
    /// tx.execute("DELETE FROM tasks WHERE done", &[]).await?;
    /// tx.commit().await
    /// # }
    /// ```
    pub async fn transaction(&mut self) -> Result<TenantTransaction<'_>, Error> {
        let scoping = self.scoping.pinned();
        let set = set_local(&scoping)?;
        let client = self.client.generic_client_mut().transaction().await?;
        if let Some(set) = set {
            // Dropped on failure, the transaction rolls back.
            client.batch_execute(&set).await?;
        }
        Ok(TenantClient { client, scoping })
    }
    /// Prepares `scoped` with the caller's parameters typed as in `sql`, up front: the rewrite can
    /// hide one from its column (a tenant value in an INSERT); a failed try aborts a transaction.
    async fn statement(&self, sql: &str, scoped: &str, typed: bool) -> Result<Statement, Error> {
        let client = self.client.generic_client();
        let mut types = Vec::new();
        if typed && sql != scoped {
            types = client.prepare(sql).await?.params().to_vec();
        }
        Ok(client.prepare_typed(scoped, &types).await?)
    }
    /// Scopes and prepares `sql`, appends the tenant value and sends it with `send`.
    async fn send<T>(
        &self,
        sql: &str,
        params: Params<'_>,
        send: impl for<'b> FnOnce(&'b C::Client, &'b Statement, Params<'b>) -> Sent<'b, T>,
    ) -> Result<T, Error> {
        let scoped = self.scoping.bound(sql, params.len())?;
        let typed = !params.is_empty();
        let statement = self.statement(sql, scoped.sql(), typed).await?;
        // PostgreSQL typed the tenant parameter after the tenant column (`integer`, `uuid`, ...).
        let tenant = match (scoped.tenant(), statement.params().get(params.len())) {
            (Some(bind), Some(ty)) => Some(tenant_value(bind, ty, params.len() + 1)?),
            _ => None,
        };
        let tenant = tenant.as_deref().map(|v| v as &(dyn ToSql + Sync));
        let params: Vec<_> = params.iter().copied().chain(tenant).collect();
        let sent = send(self.client.generic_client(), &statement, &params).await;
        sent.map_err(|e| Error::from_db(e, &scoped.cross_tenant_check()))
    }
}

impl TenantTransaction<'_> {
    /// Commits.
    /// ```no_run
    /// # async fn f(tx: multitenant_postgres::TenantTransaction<'_>) -> Result<(), multitenant_postgres::Error> { tx.commit().await }
    /// ```
    pub async fn commit(self) -> Result<(), Error> {
        Ok(self.client.commit().await?)
    }
    /// Rolls back.
    /// ```no_run
    /// # async fn f(tx: multitenant_postgres::TenantTransaction<'_>) -> Result<(), multitenant_postgres::Error> { tx.rollback().await }
    /// ```
    pub async fn rollback(self) -> Result<(), Error> {
        Ok(self.client.rollback().await?)
    }
}

/// The tenant value as the type inferred for its parameter (`integer` from `bigint` if it fits).
fn tenant_value(bind: &TenantBind, ty: &Type, param: usize) -> Result<Value, Error> {
    let value = match (bind, ty) {
        (One(TenantKey::Int(v)), &Type::INT4) => typed(ty, i32::try_from(*v).ok()),
        (One(TenantKey::Int(v)), &Type::INT2) => typed(ty, i16::try_from(*v).ok()),
        (Many(TenantKeys::BigInt(v)), &Type::INT4_ARRAY) => typed(ty, narrow::<i32>(v)),
        (Many(TenantKeys::BigInt(v)), &Type::INT2_ARRAY) => typed(ty, narrow::<i16>(v)),
        (One(TenantKey::Int(v)), _) => typed(ty, Some(*v)),
        (One(TenantKey::Uuid(v)), _) => typed(ty, Some(*v)),
        (One(TenantKey::Text(v)), _) => typed(ty, Some(v.to_string())),
        (Many(TenantKeys::BigInt(v)), _) => typed(ty, Some(v.clone())),
        (Many(TenantKeys::Uuid(v)), _) => typed(ty, Some(v.clone())),
        (Many(TenantKeys::Text(v)), _) => typed(ty, Some(v.clone())),
    };
    let ty = ty.clone();
    value.ok_or(Error::TenantType { param, ty })
}
fn typed<T: ToSql + Send + Sync + 'static>(ty: &Type, value: Option<T>) -> Option<Value> {
    Some(Box::new(value.filter(|_| T::accepts(ty))?))
}
fn narrow<T: TryFrom<i64>>(keys: &[i64]) -> Option<Vec<T>> {
    keys.iter().map(|&k| T::try_from(k).ok()).collect()
}
