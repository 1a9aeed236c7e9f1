//! The protocol every driver adapter follows, so that adapters only convert values to and from
//! their driver and hold no scoping logic of their own.
//!
//! An adapter handle (a scoped executor, connection or client) keeps a [`Scoping`]: the shared
//! [`Scoper`] and a [`ScopeSource`] saying where the scope comes from (fixed when the handle was
//! made, the task-local ambient scope, or no tenant at all). For each statement the adapter asks
//! the `Scoping` for a [`ScopedStatement`]: the text to send, the [`TenantBind`] to append after
//! the caller's own values (already typed as the schema's key kind, so an empty set of tenants
//! is still a typed array) and a [`CrossTenantCheck`] that turns the database error a
//! cross-tenant INSERT raises into [`Error::CrossTenantWrite`]. A refusal is an [`Error`]; its
//! [`Error::sqlstate`] is the code an adapter reports where its driver expects one.
//!
//! ```
//! use std::sync::Arc;
//! use multitenant::adapter::{ScopeSource, Scoping, TenantBind};
//! use multitenant::{Schema, Scope, Scoper, TenantKey};
//!
//! let scoper = Arc::new(Scoper::new(
//!     Schema::builder().tenant_table("tasks", "account_id").build().unwrap(),
//! ));
//! let handle = Scoping::new(scoper, ScopeSource::Fixed(Scope::one(7_i64)));
//!
//! // A statement with one bound value of its own: the tenant goes after it, as `$2`.
//! let stmt = handle.bound("SELECT name FROM tasks WHERE id = $1", 1).unwrap();
//! assert_eq!(stmt.sql(), "SELECT name FROM tasks WHERE id = $1 AND tasks.account_id = $2");
//! assert_eq!(stmt.tenant(), Some(&TenantBind::One(TenantKey::Int(7))));
//!
//! // What PostgreSQL raises when an INSERT names another tenant comes back typed.
//! let db_message = r#"invalid input syntax for type integer: "multitenant: cross-tenant write to tasks.account_id = 8""#;
//! let err = stmt.cross_tenant_check().recognise(Some("22P02"), db_message).unwrap();
//! assert_eq!(err.sqlstate(), "42501");
//! ```

use std::sync::Arc;

use crate::error::{CROSS_TENANT_MARKER, CROSS_TENANT_SQLSTATE};
use crate::{Error, Scope, Scoper, Setting, TenantKey};

/// The row-level-security setting for one scope: what an adapter sets at the start of each
/// transaction it opens, with [`TenantSetting::statement`].
///
/// ```
/// use std::sync::Arc;
/// use multitenant::adapter::{ScopeSource, Scoping};
/// use multitenant::{Schema, Scope, Scoper, Setting};
///
/// let scoper = Scoper::new(Schema::builder().build().unwrap()).with_row_level_security(Setting::default());
/// let s = Scoping::new(Arc::new(scoper), ScopeSource::Fixed(Scope::many([3_i64, 4])));
/// let set = s.tenant_setting().unwrap().unwrap();
/// assert_eq!((set.name(), set.value()), ("multitenant.tenant", "3,4"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantSetting {
    name: Setting,
    value: String,
}

impl TenantSetting {
    /// The setting's name.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use multitenant::adapter::{ScopeSource, Scoping};
    /// # use multitenant::{Schema, Scope, Scoper, Setting};
    /// # let scoper = Scoper::new(Schema::builder().build().unwrap()).with_row_level_security(Setting::new("app.t").unwrap());
    /// let set = Scoping::new(Arc::new(scoper), ScopeSource::Fixed(Scope::one(1_i64))).tenant_setting().unwrap().unwrap();
    /// assert_eq!(set.name(), "app.t");
    /// ```
    pub fn name(&self) -> &str {
        self.name.as_str()
    }

    /// The statement that sets it until the transaction ends: `SET LOCAL name = 'value'`, sent
    /// as a simple query (see [`Setting::set_local`]).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use multitenant::adapter::{ScopeSource, Scoping};
    /// # use multitenant::{Schema, Scope, Scoper, Setting};
    /// # let scoper = Scoper::new(Schema::builder().build().unwrap()).with_row_level_security(Setting::default());
    /// let set = Scoping::new(Arc::new(scoper), ScopeSource::Fixed(Scope::one(9_i64))).tenant_setting().unwrap().unwrap();
    /// assert_eq!(set.statement(), "SET LOCAL multitenant.tenant = '9'");
    /// ```
    pub fn statement(&self) -> String {
        self.name.set_local(&self.value)
    }

    /// The value: one key, or the keys separated by commas.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use multitenant::adapter::{ScopeSource, Scoping};
    /// # use multitenant::{Schema, Scope, Scoper, Setting};
    /// # let scoper = Scoper::new(Schema::builder().build().unwrap()).with_row_level_security(Setting::default());
    /// let set = Scoping::new(Arc::new(scoper), ScopeSource::Fixed(Scope::one("acme"))).tenant_setting().unwrap().unwrap();
    /// assert_eq!(set.value(), "acme");
    /// ```
    pub fn value(&self) -> &str {
        &self.value
    }
}

pub use crate::scoper::{Scoped, TenantBind, TenantKeys};

/// Where a handle takes its scope from.
///
/// ```
/// use multitenant::adapter::ScopeSource;
/// use multitenant::Scope;
///
/// assert_eq!(ScopeSource::Fixed(Scope::one(1_i64)).current(), Some(Scope::one(1_i64)));
/// assert_eq!(ScopeSource::NoTenant.current(), None);
/// assert_eq!(ScopeSource::Ambient.current(), None); // no task-local scope here
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScopeSource {
    /// A scope fixed when the handle was made: one tenant, a set, or explicitly unscoped.
    Fixed(Scope),
    /// No tenant: statements touching tenant tables are refused.
    NoTenant,
    /// The task-local scope ([`crate::scope`], [`crate::unscoped`], ...), read at each
    /// statement.
    Ambient,
}

impl ScopeSource {
    /// The scope a statement sent now runs under (`None`: no tenant).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use multitenant::adapter::ScopeSource;
    /// let seen = multitenant::scope(3_i64, async { ScopeSource::Ambient.current() }).await;
    /// assert_eq!(seen, Some(multitenant::Scope::one(3_i64)));
    /// # });
    /// ```
    pub fn current(&self) -> Option<Scope> {
        match self {
            ScopeSource::Fixed(scope) => Some(scope.clone()),
            ScopeSource::NoTenant => None,
            ScopeSource::Ambient => crate::current(),
        }
    }

    /// The same source with an ambient scope fixed as it is now: what a transaction begun on a
    /// handle keeps, so that the whole transaction runs under one scope.
    ///
    /// ```
    /// use multitenant::adapter::ScopeSource;
    /// assert_eq!(ScopeSource::Ambient.pinned(), ScopeSource::NoTenant);
    /// ```
    pub fn pinned(&self) -> ScopeSource {
        match self.current() {
            Some(scope) => ScopeSource::Fixed(scope),
            None => ScopeSource::NoTenant,
        }
    }
}

impl From<Scope> for ScopeSource {
    /// A fixed scope; an unscoped one is logged at debug, since leaving the tenant is
    /// deliberate and should be visible.
    fn from(scope: Scope) -> Self {
        if scope == Scope::Unscoped {
            tracing::debug!("unscoped database handle");
        }
        ScopeSource::Fixed(scope)
    }
}

/// What an adapter handle carries: the scoper and where the scope comes from. Cheap to clone.
///
/// ```
/// use std::sync::Arc;
/// use multitenant::adapter::{ScopeSource, Scoping};
/// use multitenant::{Error, Schema, Scoper};
///
/// let scoper = Arc::new(Scoper::new(Schema::builder().tenant_table("t", "org").build().unwrap()));
/// let err = Scoping::new(scoper, ScopeSource::NoTenant).bound("SELECT * FROM t", 0).unwrap_err();
/// assert!(matches!(err, Error::NoTenant { .. }));
/// ```
#[derive(Clone, Debug)]
pub struct Scoping {
    scoper: Arc<Scoper>,
    source: ScopeSource,
}

impl Scoping {
    /// A handle's scoping.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # let scoper = Arc::new(multitenant::Scoper::new(multitenant::Schema::builder().build().unwrap()));
    /// let s = multitenant::adapter::Scoping::new(scoper, multitenant::adapter::ScopeSource::Ambient);
    /// # let _ = s;
    /// ```
    pub fn new(scoper: Arc<Scoper>, source: ScopeSource) -> Self {
        Scoping { scoper, source }
    }

    /// The same scoper with another source: how a handle factory makes its handles.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// use multitenant::adapter::{ScopeSource, Scoping};
    /// # let scoper = Arc::new(multitenant::Scoper::new(multitenant::Schema::builder().build().unwrap()));
    /// let base = Scoping::new(scoper, ScopeSource::NoTenant);
    /// let acme = base.with_source(multitenant::Scope::one(1_i64).into());
    /// assert_eq!(acme.scope(), Some(multitenant::Scope::one(1_i64)));
    /// ```
    pub fn with_source(&self, source: ScopeSource) -> Self {
        Scoping {
            scoper: self.scoper.clone(),
            source,
        }
    }

    /// The same scoping with an ambient scope fixed now (see [`ScopeSource::pinned`]).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// use multitenant::adapter::{ScopeSource, Scoping};
    /// # let scoper = Arc::new(multitenant::Scoper::new(multitenant::Schema::builder().build().unwrap()));
    /// let pinned = Scoping::new(scoper, ScopeSource::Ambient).pinned();
    /// assert_eq!(pinned.source(), &ScopeSource::NoTenant);
    /// ```
    pub fn pinned(&self) -> Self {
        self.with_source(self.source.pinned())
    }

    /// The scoper.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # let scoper = Arc::new(multitenant::Scoper::new(multitenant::Schema::builder().build().unwrap()));
    /// # let s = multitenant::adapter::Scoping::new(scoper, multitenant::adapter::ScopeSource::Ambient);
    /// assert_eq!(s.scoper().schema().key_kind(), multitenant::KeyKind::BigInt);
    /// ```
    pub fn scoper(&self) -> &Arc<Scoper> {
        &self.scoper
    }

    /// Where the scope comes from.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # let scoper = Arc::new(multitenant::Scoper::new(multitenant::Schema::builder().build().unwrap()));
    /// use multitenant::adapter::{ScopeSource, Scoping};
    /// assert_eq!(Scoping::new(scoper, ScopeSource::Ambient).source(), &ScopeSource::Ambient);
    /// ```
    pub fn source(&self) -> &ScopeSource {
        &self.source
    }

    /// The scope the next statement runs under (`None`: no tenant).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # let scoper = Arc::new(multitenant::Scoper::new(multitenant::Schema::builder().build().unwrap()));
    /// use multitenant::adapter::{ScopeSource, Scoping};
    /// assert_eq!(Scoping::new(scoper, ScopeSource::NoTenant).scope(), None);
    /// ```
    pub fn scope(&self) -> Option<Scope> {
        self.source.current()
    }

    /// Whether the row-level-security backstop is on ([`Scoper::with_row_level_security`]).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # let scoper = Arc::new(multitenant::Scoper::new(multitenant::Schema::builder().build().unwrap()));
    /// use multitenant::adapter::{ScopeSource, Scoping};
    /// assert!(!Scoping::new(scoper, ScopeSource::Ambient).row_level_security());
    /// ```
    pub fn row_level_security(&self) -> bool {
        self.scoper.row_level_security().is_some()
    }

    /// What to set at the start of a transaction for the current scope: `None` when the
    /// backstop is off, with no tenant, or unscoped (then nothing is set, and a policy shows no
    /// tenant rows to a role subject to it). Read it once per transaction, when it begins.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// use multitenant::adapter::{ScopeSource, Scoping};
    /// use multitenant::{Schema, Scope, Scoper, Setting};
    ///
    /// let scoper = Arc::new(Scoper::new(Schema::builder().build().unwrap()).with_row_level_security(Setting::default()));
    /// let one = Scoping::new(scoper.clone(), ScopeSource::Fixed(Scope::one(7_i64)));
    /// assert_eq!(one.tenant_setting().unwrap().unwrap().value(), "7");
    /// assert_eq!(one.with_source(ScopeSource::NoTenant).tenant_setting().unwrap(), None);
    /// assert_eq!(one.with_source(Scope::Unscoped.into()).tenant_setting().unwrap(), None);
    /// ```
    pub fn tenant_setting(&self) -> Result<Option<TenantSetting>, Error> {
        let (Some(name), Some(scope)) = (self.scoper.row_level_security(), self.scope()) else {
            return Ok(None);
        };
        Ok(name.value(&scope)?.map(|value| TenantSetting {
            name: name.clone(),
            value,
        }))
    }

    /// Scopes a statement sent with bind values: `given` is how many the caller binds. The
    /// tenant, when the statement needs it, goes after them ([`ScopedStatement::tenant`]).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// use multitenant::adapter::{ScopeSource, Scoping};
    /// use multitenant::{Error, Schema, Scope, Scoper};
    ///
    /// let scoper = Arc::new(Scoper::new(Schema::builder().tenant_table("t", "org").build().unwrap()));
    /// let s = Scoping::new(scoper, ScopeSource::Fixed(Scope::many([1_i64, 2])));
    /// assert_eq!(s.bound("DELETE FROM t WHERE id = $1", 1).unwrap().sql(), "DELETE FROM t WHERE id = $1 AND t.org = ANY($2)");
    /// // one value short: the tenant would land on the wrong placeholder
    /// assert!(matches!(s.bound("DELETE FROM t WHERE id = $1", 0), Err(Error::ParameterMismatch { .. })));
    /// ```
    pub fn bound(&self, sql: &str, given: usize) -> Result<ScopedStatement, Error> {
        let scope = self.scope();
        let scoped = self.scoper.rewrite(sql, scope.as_ref())?;
        scoped.check_bind_count(given)?;
        Ok(ScopedStatement {
            sql: scoped.shared_sql(),
            tenant: scoped.tenant_bind().cloned(),
            check: CrossTenantCheck::for_scope(scope.as_ref()),
        })
    }

    /// Scopes a statement sent without bind values (the simple query protocol): the tenant key
    /// is written into the text as a literal (integer and UUID keys only).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// use multitenant::adapter::{ScopeSource, Scoping};
    /// use multitenant::{Schema, Scope, Scoper};
    ///
    /// let scoper = Arc::new(Scoper::new(Schema::builder().tenant_table("t", "org").build().unwrap()));
    /// let s = Scoping::new(scoper, ScopeSource::Fixed(Scope::one(4_i64)));
    /// let stmt = s.unbound("DELETE FROM t").unwrap();
    /// assert_eq!(stmt.sql(), "DELETE FROM t WHERE t.org = 4");
    /// assert_eq!(stmt.tenant(), None);
    /// ```
    pub fn unbound(&self, sql: &str) -> Result<ScopedStatement, Error> {
        let scope = self.scope();
        let text = self.scoper.rewrite_literal(sql, scope.as_ref())?;
        Ok(ScopedStatement {
            sql: Arc::from(text),
            tenant: None,
            check: CrossTenantCheck::for_scope(scope.as_ref()),
        })
    }

    /// The scoped text alone, for preparing or describing a statement: the tenant parameter's
    /// type is inferred by the database from the column it is compared with.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// use multitenant::adapter::{ScopeSource, Scoping};
    /// use multitenant::{Schema, Scope, Scoper};
    ///
    /// let scoper = Arc::new(Scoper::new(Schema::builder().tenant_table("t", "org").build().unwrap()));
    /// let s = Scoping::new(scoper, ScopeSource::Fixed(Scope::one(4_i64)));
    /// assert_eq!(&*s.text("SELECT * FROM t").unwrap(), "SELECT * FROM t WHERE t.org = $1");
    /// ```
    pub fn text(&self, sql: &str) -> Result<Arc<str>, Error> {
        Ok(self
            .scoper
            .rewrite(sql, self.scope().as_ref())?
            .shared_sql())
    }
}

/// One statement ready for the driver: the text, the tenant value to bind after the caller's
/// own values, and how to recognise a cross-tenant write among the driver's errors.
///
/// ```
/// # use std::sync::Arc;
/// use multitenant::adapter::{ScopeSource, Scoping};
/// use multitenant::{Schema, Scoper};
///
/// let scoper = Arc::new(Scoper::new(Schema::builder().reference_table("countries").build().unwrap()));
/// let stmt = Scoping::new(scoper, ScopeSource::NoTenant).bound("SELECT * FROM countries", 0).unwrap();
/// assert_eq!(stmt.tenant(), None); // nothing to bind: no tenant table touched
/// ```
#[derive(Clone, Debug)]
pub struct ScopedStatement {
    sql: Arc<str>,
    tenant: Option<TenantBind>,
    check: CrossTenantCheck,
}

impl ScopedStatement {
    /// The text to send.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use multitenant::adapter::{ScopeSource, Scoping};
    /// # let scoper = Arc::new(multitenant::Scoper::new(multitenant::Schema::builder().build().unwrap()));
    /// let stmt = Scoping::new(scoper, ScopeSource::NoTenant).bound("SELECT 1", 0).unwrap();
    /// assert_eq!(stmt.sql(), "SELECT 1");
    /// ```
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The text as a shared string (cheap to clone into a driver's statement cache).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use multitenant::adapter::{ScopeSource, Scoping};
    /// # let scoper = Arc::new(multitenant::Scoper::new(multitenant::Schema::builder().build().unwrap()));
    /// let stmt = Scoping::new(scoper, ScopeSource::NoTenant).bound("SELECT 1", 0).unwrap();
    /// assert_eq!(&*stmt.shared_sql(), "SELECT 1");
    /// ```
    pub fn shared_sql(&self) -> Arc<str> {
        self.sql.clone()
    }

    /// The tenant value to append after the caller's values (`None`: bind nothing more).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use multitenant::adapter::{ScopeSource, Scoping};
    /// # let scoper = Arc::new(multitenant::Scoper::new(multitenant::Schema::builder().build().unwrap()));
    /// let stmt = Scoping::new(scoper, ScopeSource::NoTenant).bound("SELECT 1", 0).unwrap();
    /// assert!(stmt.tenant().is_none());
    /// ```
    pub fn tenant(&self) -> Option<&TenantBind> {
        self.tenant.as_ref()
    }

    /// How to recognise, among the driver's errors for this statement, the one PostgreSQL raises
    /// when an INSERT names another tenant. Owned, so a stream of rows can keep it.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use multitenant::adapter::{ScopeSource, Scoping};
    /// # let scoper = Arc::new(multitenant::Scoper::new(multitenant::Schema::builder().build().unwrap()));
    /// let stmt = Scoping::new(scoper, ScopeSource::NoTenant).bound("SELECT 1", 0).unwrap();
    /// assert!(stmt.cross_tenant_check().recognise(Some("23505"), "duplicate key").is_none());
    /// ```
    pub fn cross_tenant_check(&self) -> CrossTenantCheck {
        self.check.clone()
    }
}

/// Recognises the database error a scoped INSERT raises when a row names a tenant other than the
/// current one (see [`cross_tenant_write`]), for the scope a statement was sent under.
///
/// ```
/// use multitenant::adapter::CrossTenantCheck;
/// let check = CrossTenantCheck::for_scope(Some(&multitenant::Scope::one(1_i64)));
/// assert!(check.recognise(None, "connection reset").is_none());
/// ```
#[derive(Clone, Debug, Default)]
pub struct CrossTenantCheck {
    current: Option<TenantKey>,
}

impl CrossTenantCheck {
    /// The check for statements sent under `scope`.
    ///
    /// ```
    /// let check = multitenant::adapter::CrossTenantCheck::for_scope(None);
    /// # let _ = check;
    /// ```
    pub fn for_scope(scope: Option<&Scope>) -> Self {
        CrossTenantCheck {
            current: scope.and_then(Scope::tenant).cloned(),
        }
    }

    /// The typed error, when the driver's error (its SQLSTATE and message) is the cross-tenant
    /// refusal.
    ///
    /// ```
    /// use multitenant::adapter::CrossTenantCheck;
    /// use multitenant::{Error, Scope};
    ///
    /// let check = CrossTenantCheck::for_scope(Some(&Scope::one(1_i64)));
    /// let msg = r#"invalid input syntax for type integer: "multitenant: cross-tenant write to tasks.account_id = 2""#;
    /// let err = check.recognise(Some("22P02"), msg).unwrap();
    /// assert!(matches!(err, Error::CrossTenantWrite { ref current, .. } if current == "1"));
    /// ```
    pub fn recognise(&self, sqlstate: Option<&str>, message: &str) -> Option<Error> {
        cross_tenant_write(sqlstate, message, self.current.as_ref())
    }
}

/// Recognises the database error that a scoped INSERT raises when a row names a tenant other
/// than the current one, and turns it into [`Error::CrossTenantWrite`].
///
/// The check runs inside PostgreSQL (the rewritten text is the same for every tenant): it
/// arrives as a failed cast (SQLSTATE `22P02`) whose message carries the table, column and
/// value. The SQLSTATE is checked first: a message alone, or the same text under another code,
/// is not recognised.
///
/// ```
/// use multitenant::adapter::cross_tenant_write;
/// use multitenant::{Error, TenantKey};
///
/// let msg = r#"invalid input syntax for type integer: "multitenant: cross-tenant write to project.account_id = 2""#;
/// let err = cross_tenant_write(Some("22P02"), msg, Some(&TenantKey::Int(1))).unwrap();
/// assert!(matches!(err, Error::CrossTenantWrite { ref table, ref value, .. } if table == "project" && value == "2"));
/// assert!(cross_tenant_write(Some("P0001"), msg, None).is_none()); // raised by someone else
/// assert!(cross_tenant_write(None, msg, None).is_none());
/// ```
pub fn cross_tenant_write(
    sqlstate: Option<&str>,
    message: &str,
    current: Option<&TenantKey>,
) -> Option<Error> {
    if sqlstate != Some(CROSS_TENANT_SQLSTATE) {
        return None;
    }
    let rest = &message[message.find(CROSS_TENANT_MARKER)? + CROSS_TENANT_MARKER.len()..];
    let (target, value) = rest.split_once(" = ")?;
    let value = value.split('"').next().unwrap_or(value);
    let (table, column) = target.rsplit_once('.')?;
    Some(Error::CrossTenantWrite {
        table: table.to_owned(),
        column: column.to_owned(),
        value: value.to_owned(),
        current: current.map_or_else(|| "unknown".to_owned(), ToString::to_string),
    })
}
