//! The row-level-security backstop on sqlx: how a statement reaches the database with the
//! tenant setting set for its transaction, on each kind of executor.

use either::Either;
use futures_core::future::BoxFuture;
use futures_core::stream::BoxStream;
use futures_util::{FutureExt, StreamExt};
use multitenant::adapter::TenantSetting;
use sqlx::postgres::{PgQueryResult, PgRow};
use sqlx::{Connection, Execute, Executor, PgConnection, PgPool, Postgres};

mod sealed {
    pub trait Sealed {}
    impl Sealed for &sqlx::PgPool {}
    impl Sealed for &mut sqlx::PgConnection {}
}

/// The executors a [`Tenanted`](crate::Tenanted) can wrap: `&PgPool` and `&mut PgConnection`
/// (pass a transaction as `&mut *tx`). With the row-level-security backstop on
/// ([`multitenant::Scoper::with_row_level_security`]), a statement for a tenant scope runs in a
/// transaction that starts with `SET LOCAL setting = 'keys'`: on a pool, or on a
/// connection outside a transaction, one is opened and committed around the statement; in a
/// transaction, the setting is set before the statement and lasts until the transaction ends.
///
/// ```
/// fn takes<'c, E: multitenant_sqlx::TenantExecutor<'c>>(_: E) {}
/// # fn f(pool: &sqlx::PgPool) { takes(pool); }
/// ```
pub trait TenantExecutor<'c>: Executor<'c, Database = Postgres> + sealed::Sealed {
    /// `fetch_many` with the tenant setting set first.
    #[doc(hidden)]
    fn fetch_many_set<'e, 'q: 'e, Q>(
        self,
        set: TenantSetting,
        query: Q,
    ) -> BoxStream<'e, Result<Either<PgQueryResult, PgRow>, sqlx::Error>>
    where
        'c: 'e,
        Q: 'q + Execute<'q, Postgres>;

    /// `fetch_optional` with the tenant setting set first.
    #[doc(hidden)]
    fn fetch_optional_set<'e, 'q: 'e, Q>(
        self,
        set: TenantSetting,
        query: Q,
    ) -> BoxFuture<'e, Result<Option<PgRow>, sqlx::Error>>
    where
        'c: 'e,
        Q: 'q + Execute<'q, Postgres>;
}

/// Sets the tenant for the rest of the transaction `conn` is in.
pub(crate) async fn set_tenant(
    conn: &mut PgConnection,
    set: &TenantSetting,
) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(set.statement()))
        .execute(conn)
        .await?;
    Ok(())
}

/// Runs `query` on `conn` with the tenant set: in the transaction it is in, else in one of its
/// own around the statement.
fn stream_on<'e, 'q: 'e, Q>(
    conn: &'e mut PgConnection,
    set: TenantSetting,
    query: Q,
) -> BoxStream<'e, Result<Either<PgQueryResult, PgRow>, sqlx::Error>>
where
    Q: 'q + Execute<'q, Postgres>,
{
    async_stream::try_stream! {
        if conn.is_in_transaction() {
            set_tenant(conn, &set).await?;
            let mut rows = conn.fetch_many(query);
            while let Some(row) = rows.next().await {
                yield row?;
            }
        } else {
            let mut tx = conn.begin().await?;
            set_tenant(&mut tx, &set).await?;
            {
                let mut rows = tx.fetch_many(query);
                while let Some(row) = rows.next().await {
                    yield row?;
                }
            }
            tx.commit().await?;
        }
    }
    .boxed()
}

async fn optional_on<'q, Q>(
    conn: &mut PgConnection,
    set: TenantSetting,
    query: Q,
) -> Result<Option<PgRow>, sqlx::Error>
where
    Q: 'q + Execute<'q, Postgres>,
{
    if conn.is_in_transaction() {
        set_tenant(conn, &set).await?;
        return conn.fetch_optional(query).await;
    }
    let mut tx = conn.begin().await?;
    set_tenant(&mut tx, &set).await?;
    let row = tx.fetch_optional(query).await?;
    tx.commit().await?;
    Ok(row)
}

impl<'c> TenantExecutor<'c> for &'c mut PgConnection {
    fn fetch_many_set<'e, 'q: 'e, Q>(
        self,
        set: TenantSetting,
        query: Q,
    ) -> BoxStream<'e, Result<Either<PgQueryResult, PgRow>, sqlx::Error>>
    where
        'c: 'e,
        Q: 'q + Execute<'q, Postgres>,
    {
        stream_on(self, set, query)
    }

    fn fetch_optional_set<'e, 'q: 'e, Q>(
        self,
        set: TenantSetting,
        query: Q,
    ) -> BoxFuture<'e, Result<Option<PgRow>, sqlx::Error>>
    where
        'c: 'e,
        Q: 'q + Execute<'q, Postgres>,
    {
        optional_on(self, set, query).boxed()
    }
}

impl<'c> TenantExecutor<'c> for &'c PgPool {
    fn fetch_many_set<'e, 'q: 'e, Q>(
        self,
        set: TenantSetting,
        query: Q,
    ) -> BoxStream<'e, Result<Either<PgQueryResult, PgRow>, sqlx::Error>>
    where
        'c: 'e,
        Q: 'q + Execute<'q, Postgres>,
    {
        let pool = self.clone();
        async_stream::try_stream! {
            let mut conn = pool.acquire().await?;
            let mut rows = stream_on(&mut conn, set, query);
            while let Some(row) = rows.next().await {
                yield row?;
            }
        }
        .boxed()
    }

    fn fetch_optional_set<'e, 'q: 'e, Q>(
        self,
        set: TenantSetting,
        query: Q,
    ) -> BoxFuture<'e, Result<Option<PgRow>, sqlx::Error>>
    where
        'c: 'e,
        Q: 'q + Execute<'q, Postgres>,
    {
        let pool = self.clone();
        async move {
            let mut conn = pool.acquire().await?;
            optional_on(&mut conn, set, query).await
        }
        .boxed()
    }
}
