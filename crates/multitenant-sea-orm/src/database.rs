//! The tenant-carrying database handle: one pool and one scoper, handing out connections scoped
//! to a tenant, a set of tenants, explicitly to none, or to the ambient scope.

use std::sync::Arc;

use multitenant::{Schema, Scope, Scoper, TenantKey};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

use crate::{Error, TenantConnection};

/// A SeaORM connection pool and the scoper for its schema. Cheap to clone; share one per
/// application and take a scoped handle per request.
///
/// ```no_run
/// # async fn f(schema: multitenant::Schema) -> Result<(), multitenant_sea_orm::Error> {
/// use multitenant_sea_orm::TenantDatabase;
///
/// let db = TenantDatabase::connect("postgres://postgres@127.0.0.1:5432/app", schema).await?;
/// let acme = db.tenant(1_i64); // everything run through `&acme` sees tenant 1 only
/// # let _ = acme; Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct TenantDatabase {
    conn: DatabaseConnection,
    scoper: Arc<Scoper>,
}

impl TenantDatabase {
    /// Connects to `options` (a URL or [`ConnectOptions`]) and scopes with `schema`.
    ///
    /// ```no_run
    /// # async fn f(schema: multitenant::Schema) -> Result<(), multitenant_sea_orm::Error> {
    /// let db = multitenant_sea_orm::TenantDatabase::connect("postgres://postgres@127.0.0.1/app", schema).await?;
    /// # let _ = db; Ok(()) }
    /// ```
    pub async fn connect(
        options: impl Into<ConnectOptions>,
        schema: Schema,
    ) -> Result<Self, Error> {
        let conn = Database::connect(options).await?;
        Ok(TenantDatabase::new(conn, Scoper::new(schema)))
    }

    /// Wraps an open connection pool with a scoper (pass an `Arc<Scoper>` to share its cache
    /// with other adapters).
    ///
    /// ```no_run
    /// # fn f(conn: sea_orm::DatabaseConnection, schema: multitenant::Schema) {
    /// let db = multitenant_sea_orm::TenantDatabase::new(conn, multitenant::Scoper::new(schema));
    /// # let _ = db; }
    /// ```
    pub fn new(conn: DatabaseConnection, scoper: impl Into<Arc<Scoper>>) -> Self {
        TenantDatabase {
            conn,
            scoper: scoper.into(),
        }
    }

    /// A connection scoped to one tenant.
    ///
    /// ```no_run
    /// # fn f(db: multitenant_sea_orm::TenantDatabase) {
    /// let acme = db.tenant(1_i64);
    /// # let _ = acme; }
    /// ```
    pub fn tenant(&self, key: impl Into<TenantKey>) -> TenantConnection {
        self.scoped(Scope::one(key))
    }

    /// A connection scoped to `scope` (one tenant, a set of tenants, or [`Scope::Unscoped`]).
    ///
    /// ```no_run
    /// # fn f(db: multitenant_sea_orm::TenantDatabase) {
    /// let both = db.scoped(multitenant::Scope::many([1_i64, 2]));
    /// # let _ = both; }
    /// ```
    pub fn scoped(&self, scope: Scope) -> TenantConnection {
        TenantConnection::new(self.conn.clone(), self.scoper.clone(), scope)
    }

    /// A connection explicitly outside any tenant (admin tasks): statements are not filtered by
    /// tenant, joins between tenant tables still get the tenant equality.
    ///
    /// ```no_run
    /// # fn f(db: multitenant_sea_orm::TenantDatabase) {
    /// let admin = db.unscoped();
    /// # let _ = admin; }
    /// ```
    pub fn unscoped(&self) -> TenantConnection {
        self.scoped(Scope::Unscoped)
    }

    /// A connection that reads the ambient scope (`multitenant::scope`, `unscoped`, ...) for
    /// each statement; with none set, statements touching tenant tables are refused.
    ///
    /// ```no_run
    /// # async fn f(db: multitenant_sea_orm::TenantDatabase) {
    /// let conn = db.ambient();
    /// multitenant::scope(1_i64, async {
    ///     // statements through &conn here are scoped to tenant 1
    /// }).await;
    /// # let _ = conn; }
    /// ```
    pub fn ambient(&self) -> TenantConnection {
        TenantConnection::ambient(self.conn.clone(), self.scoper.clone())
    }

    /// The bare connection pool: statements sent through it bypass the scoper (migrations).
    ///
    /// ```no_run
    /// # fn f(db: multitenant_sea_orm::TenantDatabase) {
    /// let pool: &sea_orm::DatabaseConnection = db.connection();
    /// # let _ = pool; }
    /// ```
    pub fn connection(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// The shared scoper.
    ///
    /// ```no_run
    /// # fn f(db: multitenant_sea_orm::TenantDatabase) {
    /// assert!(db.scoper().schema().tenant_tables().count() > 0);
    /// # }
    /// ```
    pub fn scoper(&self) -> &Arc<Scoper> {
        &self.scoper
    }
}
