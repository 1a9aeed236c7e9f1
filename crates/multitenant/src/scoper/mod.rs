//! The scoper: SQL text in, tenant-scoped SQL text out, plus the number of the one bind
//! parameter it added. Rewrites are cached by input text; the rewritten text is the same for
//! every tenant, so it prepares once per connection and routes to one shard on Citus.

mod parser;
mod rewrite;

use std::sync::Arc;

use quick_cache::sync::Cache;

use uuid::Uuid;

use crate::{Error, KeyKind, Schema, Scope, Setting, TenantKey};

pub(crate) use rewrite::Mode;

/// Default number of cached rewrites per scope kind.
const DEFAULT_CAPACITY: usize = 4096;

/// Scopes SQL statements to the current tenant. Share one per application (it is `Send + Sync`
/// and its cache is sharded, so concurrent tasks do not contend on one lock).
///
/// ```
/// use multitenant::{Schema, Scope, Scoper};
///
/// let schema = Schema::builder().tenant_table("project", "account_id").build().unwrap();
/// let scoper = Scoper::new(schema);
/// let scoped = scoper.rewrite("SELECT name FROM project WHERE id = $1", Some(&Scope::one(7_i64))).unwrap();
/// assert_eq!(scoped.sql(), "SELECT name FROM project WHERE id = $1 AND project.account_id = $2");
/// assert_eq!(scoped.tenant_param(), Some(2));
/// ```
pub struct Scoper {
    schema: Schema,
    single: Cache<String, Arc<Rewrite>>,
    many: Cache<String, Arc<Rewrite>>,
    unscoped: Cache<String, Arc<Rewrite>>,
    row_level_security: Option<Setting>,
}

impl std::fmt::Debug for Scoper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scoper")
            .field("schema", &self.schema)
            .field("row_level_security", &self.row_level_security)
            .finish_non_exhaustive()
    }
}

/// The cached, tenant-independent result of rewriting one statement text.
#[derive(Debug)]
pub(crate) struct Rewrite {
    /// The SQL to send (the input itself when nothing had to change).
    pub(crate) sql: Arc<str>,
    /// The added tenant parameter `$n`, when a tenant table is touched.
    pub(crate) tenant_param: Option<usize>,
    /// The first tenant table touched, for the "no tenant" error (also when unscoped).
    pub(crate) first_tenant_table: Option<String>,
    /// The highest `$n` of the input.
    pub(crate) highest_param: usize,
}

/// The value bound to the tenant parameter, typed as the schema's key kind.
///
/// ```
/// use multitenant::adapter::{TenantBind, TenantKeys};
/// use multitenant::{Schema, Scope, Scoper};
///
/// let scoper = Scoper::new(Schema::builder().tenant_table("t", "org").build().unwrap());
/// let scoped = scoper.rewrite("SELECT * FROM t", Some(&Scope::many([1_i64, 2]))).unwrap();
/// assert_eq!(scoped.sql(), "SELECT * FROM t WHERE t.org = ANY($1)");
/// assert_eq!(scoped.tenant_bind(), Some(&TenantBind::Many(TenantKeys::BigInt(vec![1, 2]))));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TenantBind {
    /// One key, bound as the schema's key type.
    One(TenantKey),
    /// Several keys, bound as an array of the schema's key type.
    Many(TenantKeys),
}

/// A set of tenant keys as one array of the schema's key type: typed even when empty, so
/// `tenant_col = ANY($n)` always type-checks.
///
/// ```
/// use multitenant::adapter::TenantKeys;
/// use multitenant::{KeyKind, TenantKey};
///
/// let none = TenantKeys::new(KeyKind::Uuid, &[]);
/// assert_eq!(none, TenantKeys::Uuid(Vec::new()));
/// assert_eq!(none.kind(), KeyKind::Uuid);
/// assert_eq!(TenantKeys::new(KeyKind::Text, &[TenantKey::from("a")]), TenantKeys::Text(vec!["a".into()]));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TenantKeys {
    /// `bigint[]`.
    BigInt(Vec<i64>),
    /// `uuid[]`.
    Uuid(Vec<Uuid>),
    /// `text[]`.
    Text(Vec<String>),
}

impl TenantKeys {
    /// The keys of `kind` among `keys` (the scoper has already checked that every key has the
    /// schema's kind; a key of another kind is left out).
    pub fn new(kind: KeyKind, keys: &[TenantKey]) -> Self {
        let keys = keys.iter();
        match kind {
            KeyKind::BigInt => TenantKeys::BigInt(keys.filter_map(TenantKey::as_int).collect()),
            KeyKind::Uuid => TenantKeys::Uuid(keys.filter_map(TenantKey::as_uuid).collect()),
            KeyKind::Text => TenantKeys::Text(
                keys.filter_map(|k| k.as_text().map(str::to_owned))
                    .collect(),
            ),
        }
    }

    /// The key kind of the array's elements.
    ///
    /// ```
    /// assert_eq!(multitenant::adapter::TenantKeys::BigInt(vec![]).kind(), multitenant::KeyKind::BigInt);
    /// ```
    pub fn kind(&self) -> KeyKind {
        match self {
            TenantKeys::BigInt(_) => KeyKind::BigInt,
            TenantKeys::Uuid(_) => KeyKind::Uuid,
            TenantKeys::Text(_) => KeyKind::Text,
        }
    }
}

/// One statement, scoped: the SQL to send and the tenant value to bind after the statement's
/// own parameters.
///
/// ```
/// use multitenant::{Schema, Scope, Scoper};
///
/// let scoper = Scoper::new(Schema::builder().reference_table("country").build().unwrap());
/// let scoped = scoper.rewrite("SELECT * FROM country", Some(&Scope::one(1_i64))).unwrap();
/// assert_eq!(scoped.sql(), "SELECT * FROM country"); // reference tables pass untouched
/// assert_eq!(scoped.tenant_param(), None);
/// ```
#[derive(Clone, Debug)]
pub struct Scoped {
    rewrite: Arc<Rewrite>,
    bind: Option<TenantBind>,
}

impl Scoped {
    /// The SQL text to send.
    ///
    /// ```
    /// # let scoper = multitenant::Scoper::new(multitenant::Schema::builder().build().unwrap());
    /// assert_eq!(scoper.rewrite("SELECT 1", None).unwrap().sql(), "SELECT 1");
    /// ```
    pub fn sql(&self) -> &str {
        &self.rewrite.sql
    }

    /// The SQL text as a shared string (cheap to clone into a driver's statement cache).
    ///
    /// ```
    /// # let scoper = multitenant::Scoper::new(multitenant::Schema::builder().build().unwrap());
    /// let text = scoper.rewrite("SELECT 1", None).unwrap().shared_sql();
    /// assert_eq!(&*text, "SELECT 1");
    /// ```
    pub fn shared_sql(&self) -> Arc<str> {
        self.rewrite.sql.clone()
    }

    /// The number `n` of the tenant parameter `$n`, when one was added.
    ///
    /// ```
    /// # let scoper = multitenant::Scoper::new(multitenant::Schema::builder().tenant_table("t", "a").build().unwrap());
    /// let s = scoper.rewrite("SELECT * FROM t WHERE x = $1", Some(&multitenant::Scope::one(1_i64))).unwrap();
    /// assert_eq!(s.tenant_param(), Some(2));
    /// ```
    pub fn tenant_param(&self) -> Option<usize> {
        self.rewrite.tenant_param
    }

    /// The value to bind as the tenant parameter (`None` when no parameter was added).
    ///
    /// ```
    /// # let scoper = multitenant::Scoper::new(multitenant::Schema::builder().tenant_table("t", "a").build().unwrap());
    /// let s = scoper.rewrite("SELECT * FROM t", Some(&multitenant::Scope::one(4_i64))).unwrap();
    /// assert_eq!(s.tenant_bind(), Some(&multitenant::adapter::TenantBind::One(4_i64.into())));
    /// ```
    pub fn tenant_bind(&self) -> Option<&TenantBind> {
        self.bind.as_ref()
    }

    /// The highest `$n` in the original statement.
    ///
    /// ```
    /// # let scoper = multitenant::Scoper::new(multitenant::Schema::builder().build().unwrap());
    /// assert_eq!(scoper.rewrite("SELECT $1, $3", None).unwrap().highest_param(), 3);
    /// ```
    pub fn highest_param(&self) -> usize {
        self.rewrite.highest_param
    }

    /// Checks that a caller binding `given` values binds one per placeholder, so the tenant
    /// value lands on the tenant parameter. Adapters call this before appending the tenant.
    ///
    /// ```
    /// # let scoper = multitenant::Scoper::new(multitenant::Schema::builder().tenant_table("t", "a").build().unwrap());
    /// let s = scoper.rewrite("SELECT * FROM t WHERE x = $1", Some(&multitenant::Scope::one(1_i64))).unwrap();
    /// assert!(s.check_bind_count(1).is_ok());
    /// assert!(s.check_bind_count(2).is_err());
    /// ```
    pub fn check_bind_count(&self, given: usize) -> Result<(), Error> {
        if self.bind.is_some() && given != self.rewrite.highest_param {
            return Err(Error::ParameterMismatch {
                given,
                highest: self.rewrite.highest_param,
            });
        }
        Ok(())
    }
}

impl Scoper {
    /// A scoper for `schema` with the default cache size.
    ///
    /// ```
    /// let scoper = multitenant::Scoper::new(multitenant::Schema::builder().build().unwrap());
    /// assert_eq!(scoper.schema().key_kind(), multitenant::KeyKind::BigInt);
    /// ```
    pub fn new(schema: Schema) -> Self {
        Self::with_capacity(schema, DEFAULT_CAPACITY)
    }

    /// A scoper caching up to `capacity` rewrites per scope kind (one tenant, many, unscoped).
    ///
    /// ```
    /// let scoper = multitenant::Scoper::with_capacity(multitenant::Schema::builder().build().unwrap(), 64);
    /// # let _ = scoper;
    /// ```
    pub fn with_capacity(schema: Schema, capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Scoper {
            schema,
            single: Cache::new(capacity),
            many: Cache::new(capacity),
            unscoped: Cache::new(capacity),
            row_level_security: None,
        }
    }

    /// Turns the row-level-security backstop on for every adapter sharing this scoper: each
    /// transaction an adapter opens for a tenant scope starts with
    /// `SET LOCAL setting = 'keys'`, and a statement sent
    /// outside a transaction runs inside one that does, so the policies `multitenant-citus`
    /// creates (`rls` module) see the tenant even for a statement that bypassed the scoper on
    /// that connection. Unscoped and tenant-less handles set nothing: under a policy they see no
    /// rows of tenant tables unless their role bypasses row-level security.
    ///
    /// ```
    /// use multitenant::{Schema, Scoper, Setting};
    ///
    /// let scoper = Scoper::new(Schema::builder().build().unwrap())
    ///     .with_row_level_security(Setting::default());
    /// assert_eq!(scoper.row_level_security().map(Setting::as_str), Some("multitenant.tenant"));
    /// ```
    pub fn with_row_level_security(mut self, setting: Setting) -> Self {
        self.row_level_security = Some(setting);
        self
    }

    /// The setting the backstop stores the tenants in, when it is on.
    ///
    /// ```
    /// let scoper = multitenant::Scoper::new(multitenant::Schema::builder().build().unwrap());
    /// assert!(scoper.row_level_security().is_none()); // off unless turned on
    /// ```
    pub fn row_level_security(&self) -> Option<&Setting> {
        self.row_level_security.as_ref()
    }

    /// The schema this scoper enforces.
    ///
    /// ```
    /// let scoper = multitenant::Scoper::new(multitenant::Schema::builder().build().unwrap());
    /// assert_eq!(scoper.schema().search_path(), ["public"]);
    /// ```
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Scopes `sql` (one or more statements, with `$n` placeholders) to `scope`. `None` means no
    /// tenant is set: a statement that touches a tenant table is refused
    /// ([`Error::NoTenant`]); one that does not passes.
    ///
    /// ```
    /// use multitenant::{Schema, Scope, Scoper};
    ///
    /// let schema = Schema::builder()
    ///     .tenant_table("project", "account_id")
    ///     .tenant_table("task", "account_id")
    ///     .build()
    ///     .unwrap();
    /// let scoper = Scoper::new(schema);
    /// let sql = "SELECT t.name FROM task t JOIN project p ON p.id = t.project_id";
    /// assert_eq!(
    ///     scoper.rewrite(sql, Some(&Scope::one(1_i64))).unwrap().sql(),
    ///     "SELECT t.name FROM task t JOIN project p ON p.id = t.project_id AND t.account_id = p.account_id \
    ///      WHERE t.account_id = $1 AND p.account_id = $1"
    /// );
    /// assert_eq!(
    ///     scoper.rewrite(sql, Some(&Scope::Unscoped)).unwrap().sql(),
    ///     "SELECT t.name FROM task t JOIN project p ON p.id = t.project_id AND t.account_id = p.account_id"
    /// );
    /// ```
    pub fn rewrite(&self, sql: &str, scope: Option<&Scope>) -> Result<Scoped, Error> {
        let (mode, bind) = match scope {
            None => (Mode::Single, None),
            Some(Scope::Tenant(key)) => {
                self.check_key(key)?;
                (Mode::Single, Some(TenantBind::One(key.clone())))
            }
            Some(Scope::Tenants(keys)) => {
                keys.iter().try_for_each(|k| self.check_key(k))?;
                let keys = TenantKeys::new(self.schema.key_kind(), keys);
                (Mode::Many, Some(TenantBind::Many(keys)))
            }
            Some(Scope::Unscoped) => (Mode::Unscoped, None),
        };
        let rewrite = self.cached(sql, mode)?;
        if rewrite.tenant_param.is_none() {
            return Ok(Scoped {
                rewrite,
                bind: None,
            });
        }
        match bind {
            Some(bind) => Ok(Scoped {
                rewrite,
                bind: Some(bind),
            }),
            None => Err(Error::NoTenant {
                table: rewrite.first_tenant_table.clone().unwrap_or_default(),
            }),
        }
    }

    /// Scopes a statement sent without bind parameters (the simple query protocol): the tenant
    /// key is written into the SQL as a literal. Only integer and UUID keys are allowed
    /// ([`Error::LiteralKeyNotSafe`] otherwise); the result is not cached, since its text
    /// differs per tenant.
    ///
    /// ```
    /// use multitenant::{Schema, Scope, Scoper};
    ///
    /// let scoper = Scoper::new(Schema::builder().tenant_table("task", "account_id").build().unwrap());
    /// let sql = scoper.rewrite_literal("DELETE FROM task WHERE done", Some(&Scope::one(3_i64))).unwrap();
    /// assert_eq!(sql, "DELETE FROM task WHERE done AND task.account_id = 3");
    /// ```
    pub fn rewrite_literal(&self, sql: &str, scope: Option<&Scope>) -> Result<String, Error> {
        let mode = match scope {
            None => Mode::Single,
            Some(Scope::Unscoped) => Mode::Unscoped,
            Some(scope) => {
                let mut literals = Vec::new();
                for key in scope.tenants() {
                    self.check_key(key)?;
                    literals.push(
                        key.sql_literal()
                            .ok_or(Error::LiteralKeyNotSafe { kind: key.kind() })?,
                    );
                }
                match scope {
                    Scope::Tenant(_) => Mode::Literal(literals.pop().unwrap_or_default()),
                    _ => Mode::LiteralMany(literals),
                }
            }
        };
        let no_tenant = matches!(mode, Mode::Single);
        let rewrite = rewrite::rewrite(&self.schema, sql, &mode)?;
        if no_tenant && let Some(table) = rewrite.first_tenant_table {
            return Err(Error::NoTenant { table });
        }
        Ok(rewrite.sql.to_string())
    }

    fn check_key(&self, key: &TenantKey) -> Result<(), Error> {
        let expected = self.schema.key_kind();
        if key.kind() != expected {
            return Err(Error::InvalidTenantKey {
                value: key.to_string(),
                expected,
            });
        }
        Ok(())
    }

    fn cached(&self, sql: &str, mode: Mode) -> Result<Arc<Rewrite>, Error> {
        let cache = match mode {
            Mode::Single => &self.single,
            Mode::Many => &self.many,
            _ => &self.unscoped,
        };
        if let Some(hit) = cache.get(sql) {
            return Ok(hit);
        }
        let rewrite = Arc::new(rewrite::rewrite(&self.schema, sql, &mode)?);
        cache.insert(sql.to_owned(), rewrite.clone());
        Ok(rewrite)
    }
}
